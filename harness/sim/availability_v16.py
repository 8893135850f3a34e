"""Availability of the simulated 1.6 charge point: ChangeAvailability (OCPP 1.6 §5.2).

Connector 0 stands for the whole charge point; its own status is reported first when
it changes them all. Section numbers are OCPP 1.6 edition 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.availability import set_operative
from harness.sim.blocks import Block
from harness.sim.connectors import CHARGE_POINT
from harness.sim.declare import V16
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v16 import StationV16

__all__ = ["BLOCK"]


async def change_availability(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.2: make a connector, or all (connector 0), (in)operative; Scheduled
    while a transaction runs there."""
    connector_id = payload["connectorId"]
    operative = payload["type"] == "Operative"
    if connector_id == 0:
        targets = list(v16.station.connectors.values())
    elif connector_id in v16.connector_keys:
        targets = [v16.station.connectors[v16.connector_keys[connector_id]]]
    else:
        return Reply({"status": "Rejected"})
    return set_operative(
        v16.station, targets, operative, first=CHARGE_POINT if connector_id == 0 else None
    )


BLOCK: Block[StationV16] = Block("availability", V16, {"ChangeAvailability": change_availability})
