"""Remote control of the simulated 1.6 charge point: RemoteStartTransaction,
RemoteStopTransaction, TriggerMessage (OCPP 1.6 §5.11, §5.12, §5.17).

The transaction messages themselves (StartTransaction, StopTransaction) are sent by
:class:`harness.sim.station_v16.StationV16`; these handlers decide whether to accept
and start or end one once answered. Section numbers are OCPP 1.6 edition 2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.connectors import CHARGE_POINT, Transaction
from harness.sim.declare import BOTH, V16, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v16 import StationV16

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it (this
#: one applies to both versions; in 2.0.1 the function named second perturbs it)
DEFECTS = declare(
    # trigger_message; in 2.0.1 remote_control_v201.trigger_message
    Defect(
        "ignores-trigger",
        "station",
        BOTH,
        "answers TriggerMessage Accepted but never sends the requested message",
        {"1.6": "C16.5.17", "2.0.1": "F06.FR.10"},
    ),
)


async def remote_start(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.11: start a transaction on the connector asked for, or the first free one."""
    if v16.station.boot_status != "Accepted":
        return Reply({"status": "Rejected"})  # §4.2: not while Pending
    connector_id = payload.get("connectorId")
    if connector_id is not None and connector_id not in v16.connector_keys:
        return Reply({"status": "Rejected"})
    candidates = [
        v16.station.connectors[key]
        for index, key in sorted(v16.connector_keys.items())
        if connector_id in (None, index)
    ]
    candidates = [c for c in candidates if c.transaction is None and c.usable]
    if not candidates:
        return Reply({"status": "Rejected"})
    tx = v16.begin(candidates[0], payload["idTag"])

    async def start() -> None:
        await v16.announce_start(tx)

    return Reply({"status": "Accepted"}, after=start)


async def remote_stop(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.12: end the named transaction (reason Remote)."""
    if v16.station.boot_status != "Accepted":
        return Reply({"status": "Rejected"})
    for tx in v16.station.transactions():
        if tx.id == payload["transactionId"]:

            async def stop(tx: Transaction = tx) -> None:
                await v16.end(tx, "Remote")

            return Reply({"status": "Accepted"}, after=stop)
    return Reply({"status": "Rejected"})


async def trigger_message(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.17: send the requested message after the answer."""
    station = v16.station
    requested = payload["requestedMessage"]
    connector_id = payload.get("connectorId")
    if connector_id is not None and connector_id != 0 and connector_id not in v16.connector_keys:
        return Reply({"status": "Rejected"})
    if requested == "BootNotification":
        if station.boot_status == "Accepted":
            return Reply({"status": "Rejected"})  # E16 §3.35 (recommended)

        async def boot() -> None:
            station.request_boot_now()

        return Reply({"status": "Accepted"}, after=boot)
    work: Callable[[], Awaitable[None]]
    if requested == "Heartbeat":

        async def work() -> None:
            await station.send("Heartbeat", {})

    elif requested == "StatusNotification":
        if connector_id is None:
            keys = None
        elif connector_id == 0:
            keys = [CHARGE_POINT]
        else:
            keys = [v16.connector_keys[connector_id]]

        async def work() -> None:
            for message in v16.status_requests(only=keys):
                await station.send("StatusNotification", message)

    elif requested == "MeterValues":
        ids = sorted(v16.connector_keys) if not connector_id else [connector_id]

        async def work() -> None:
            for each in ids:
                await station.send("MeterValues", v16.meter_values(each))

    elif requested in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):

        async def work() -> None:
            await station.send(requested, {"status": "Idle"})

    else:
        return Reply({"status": "NotImplemented"})
    if station.has("ignores-trigger"):
        return Reply({"status": "Accepted"})
    return Reply({"status": "Accepted"}, after=work)


BLOCK: Block[StationV16] = Block(
    "remote control",
    V16,
    {
        "RemoteStartTransaction": remote_start,
        "RemoteStopTransaction": remote_stop,
        "TriggerMessage": trigger_message,
    },
)
