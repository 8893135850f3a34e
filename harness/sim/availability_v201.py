"""Availability of the simulated 2.0.1 station (Part 2 block G): ChangeAvailability.

The connectors' status itself is the station's (:meth:`StationV201.status_name`, from
the physical state in :mod:`harness.sim.connectors`); this block changes whether they
are operative. Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.availability import set_operative
from harness.sim.blocks import Block
from harness.sim.declare import V201
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK"]


async def change_availability(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """G03/G04: make the station, an EVSE or a connector (in)operative; Scheduled while
    a transaction runs there."""
    operative = payload["operationalStatus"] == "Operative"
    evse = payload.get("evse")
    targets = list(v201.station.connectors.values())
    if evse is not None:
        targets = [c for c in targets if c.evse == evse["id"]]
        if "connectorId" in evse:
            targets = [c for c in targets if c.connector == evse["connectorId"]]
        if not targets:
            return Reply({"status": "Rejected"})
    return set_operative(v201.station, targets, operative)


BLOCK: Block[StationV201] = Block("availability", V201, {"ChangeAvailability": change_availability})
