"""Remote control of the simulated 2.0.1 station (Part 2 block F): RequestStartTransaction,
RequestStopTransaction, TriggerMessage.

What a remote start or stop does to the transaction is decided where every happening
is (:mod:`harness.sim.transactions_v201` via :meth:`StationV201.happen`); these
handlers decide whether to accept, and start the happening once answered.
UnlockConnector is not simulated (the simulator has no lock; the call is answered
NotSupported). Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply
from harness.sim.reservation_v201 import reservation_used
from harness.sim.transactions_v201 import Session

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # request_start
    Defect(
        "remote-start-while-pending",
        "station",
        V201,
        "answers RequestStartTransaction Accepted while its boot is Pending",
        "B02.FR.05",
    ),
    # trigger_message.boot
    Defect(
        "triggered-boot-wrong-reason",
        "station",
        V201,
        "the BootNotification a TriggerMessage asked for says reason PowerUp, not Triggered",
        "B01.FR.09",
    ),
    # trigger_message
    Defect(
        "triggered-before-response",
        "station",
        V201,
        "puts the message a TriggerMessage asked for on the wire before the TriggerMessageResponse",
        "F06.FR.04",
    ),
)


async def request_start(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F01/F02: start a transaction for the token, where a driver could (answered first)."""
    if v201.station.boot_status != "Accepted":
        if v201.station.has("remote-start-while-pending"):
            return Reply({"status": "Accepted"})  # and starts nothing
        return Reply({"status": "Rejected"})  # B02.FR.05
    evse_id = payload.get("evseId")
    usable = [
        c
        for c in v201.station.connectors.values()
        if (evse_id is None or c.evse == evse_id) and c.usable
    ]
    if not usable:
        return Reply({"status": "Rejected"})  # F02.FR.25: Unavailable or Faulted
    session = v201.authorizable(evse_id)
    if session is None:
        return Reply({"status": "Rejected"})  # F02.FR.26: already authorized there
    token = dict(payload["idToken"])
    reserved_for = v201.reservations.tokens_at(session.evse)
    if reserved_for and token["idToken"] not in reserved_for:
        return Reply({"status": "Rejected"})  # F01.FR.21: reserved for another token
    reservation = v201.reservations.use(session.evse, token["idToken"])
    answer: dict[str, Any] = {"status": "Accepted"}
    if session.running:
        answer["transactionId"] = session.transaction_id  # F01.FR.13

    async def start() -> None:
        # AuthorizeRemoteStart is false: no AuthorizeRequest first (F02.FR.10).
        await v201.happen(
            session,
            "remote_start",
            token=token,
            remote_start_id=payload["remoteStartId"],
            reservation_id=reservation,
        )
        if reservation is not None:
            await reservation_used(v201, session.evse)

    return Reply(answer, after=start)


async def request_stop(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F03: end the named transaction as a remote stop."""
    if v201.station.boot_status != "Accepted":
        return Reply({"status": "Rejected"})  # B02.FR.05
    for session in list(v201.sessions.values()):
        if session.running and session.transaction_id == payload["transactionId"]:

            async def stop(session: Session = session) -> None:
                await v201.happen(session, "stop_remote")

            return Reply({"status": "Accepted"}, after=stop)  # F03.FR.07
    return Reply({"status": "Rejected"})  # F03.FR.08


async def trigger_message(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F06: send the requested message after the answer (F06.FR.04)."""
    station = v201.station
    requested = payload["requestedMessage"]
    evse = payload.get("evse")
    keys = sorted(station.connectors)
    if evse is not None:
        keys = [k for k in keys if k[0] == evse["id"]]
        if "connectorId" in evse:
            keys = [k for k in keys if k[1] == evse["connectorId"]]
        if not keys:
            return Reply({"status": "Rejected"})
    if requested == "BootNotification":
        if station.boot_status == "Accepted":
            return Reply({"status": "Rejected"})  # F06.FR.17

        async def boot() -> None:  # B01.FR.09: the boot says it was triggered
            wrong = station.has("triggered-boot-wrong-reason")
            station.boot_reason = "PowerUp" if wrong else "Triggered"
            station.request_boot_now()

        return Reply({"status": "Accepted"}, after=boot)
    work: Callable[[], Awaitable[None]]
    if requested == "Heartbeat":

        async def work() -> None:
            await station.send("Heartbeat", {})

    elif requested == "StatusNotification":

        async def work() -> None:
            for message in v201.status_requests(only=keys):
                await station.send("StatusNotification", message)

    elif requested == "MeterValues":

        async def work() -> None:
            for evse_id in sorted({k[0] for k in keys}):
                message = {"evseId": evse_id, "meterValue": v201.meter_value(evse_id)}
                await station.send("MeterValues", message)

    else:
        return Reply({"status": "NotImplemented"})  # F06.FR.08
    # declared in remote_control_v16 with its 1.6 perturbation (both versions)
    if station.has("ignores-trigger"):
        return Reply({"status": "Accepted"})
    if station.has("triggered-before-response"):
        return Reply({"status": "Accepted"}, first=work)  # the message, then the answer
    return Reply({"status": "Accepted"}, after=work)  # F06.FR.04: answer first


BLOCK: Block[StationV201] = Block(
    "remote control",
    V201,
    {
        "RequestStartTransaction": request_start,
        "RequestStopTransaction": request_stop,
        "TriggerMessage": trigger_message,
    },
)
