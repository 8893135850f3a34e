"""Remote control of the simulated 2.0.1 station (Part 2 block F): RequestStartTransaction,
RequestStopTransaction, UnlockConnector, TriggerMessage.

What a remote start or stop does to the transaction is decided where every happening
is (:mod:`harness.sim.transactions_v201` via :meth:`StationV201.happen`); these
handlers decide whether to accept, and start the happening once answered. A remote
start waits for the cable for TxCtrlr.EVConnectionTimeOut (E03.FR.05) and, with
AuthCtrlr.AuthorizeRemoteStart true, authorizes the token first as if it had been
presented (F01.FR.01). Every connector has a lock (a detachable cable, Part 5 HFS-1)
that unlocks on request unless an authorized transaction runs there (F05).
Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply
from harness.sim.reservation_v201 import reservation_used
from harness.sim.transactions_v201 import Session, charging_state, end_now, happen
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK", "DEFECTS", "await_cable"]

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
    # request_start
    Defect(
        "remote-start-profile-refused",
        "station",
        V201,
        "answers a RequestStartTransaction that carries a chargingProfile Rejected, instead "
        "of ignoring the profile it cannot use",
        "F01.FR.12",
    ),
    # _remote_token_accepted
    Defect(
        "remote-start-skips-authorize",
        "station",
        V201,
        "with AuthorizeRemoteStart true, lets energy flow for a remote start without "
        "authorizing the token first",
        "F01.FR.01",
    ),
    # _remote_token_accepted
    Defect(
        "remote-start-authorizes-anyway",
        "station",
        V201,
        "with AuthorizeRemoteStart false, still sends an AuthorizeRequest for the token "
        "of a remote start before it lets energy flow",
        "F01.FR.02",
    ),
    # _connection_timeout
    Defect(
        "ignores-ev-connect-timeout",
        "station",
        V201,
        "keeps an authorization's transaction (remote or local start) when no cable is "
        "plugged in within EVConnectionTimeOut, instead of ending it (EVConnectTimeout)",
        "E03.FR.05",
    ),
    # request_stop
    Defect(
        "remote-stop-unknown-accepted",
        "station",
        V201,
        "answers Accepted to a RequestStopTransaction whose transactionId matches no "
        "active transaction",
        "F03.FR.08",
    ),
    # unlock_connector
    Defect(
        "unlock-not-supported",
        "station",
        V201,
        "answers UnlockConnector with CALLERROR NotSupported instead of an UnlockConnectorResponse",
        "F05.FR.01",
    ),
    # unlock_connector
    Defect(
        "unlock-during-transaction",
        "station",
        V201,
        "unlocks a connector (Unlocked) while an authorized transaction runs on it",
        "F05.FR.02",
    ),
    # unlock_connector
    Defect(
        "unlock-unknown-connector-failed",
        "station",
        V201,
        "answers UnlockFailed, not UnknownConnector, for a connector it does not have",
        "F05.FR.03",
    ),
    # unlock_connector
    Defect(
        "unlock-fails",
        "station",
        V201,
        "its connector lock is stuck: every unlock answers UnlockFailed",
        "F05.FR.04",
    ),
    # unlock_connector
    Defect(
        "unlock-without-cable-failed",
        "station",
        V201,
        "does not try to unlock a connector without a cable and answers UnlockFailed",
        "F05.FR.06",
    ),
    # trigger_message.boot
    Defect(
        "triggered-boot-wrong-reason",
        "station",
        V201,
        "the BootNotification a TriggerMessage asked for says reason PowerUp, not Triggered",
        "B01.FR.09",
    ),
    # _boot
    Defect(
        "trigger-boot-accepted-after-boot",
        "station",
        V201,
        "answers a TriggerMessage for BootNotification Accepted although its last boot "
        "was Accepted",
        "F06.FR.17",
    ),
    # trigger_message
    Defect(
        "triggered-before-response",
        "station",
        V201,
        "puts the message a TriggerMessage asked for on the wire before the TriggerMessageResponse",
        "F06.FR.04",
    ),
    # trigger_message
    Defect(
        "trigger-rejects-irrelevant-evse",
        "station",
        V201,
        "answers Rejected to a TriggerMessage that names an EVSE the requested message "
        "does not concern (FirmwareStatusNotification for EVSE 1), instead of ignoring it",
        "F06.FR.03",
    ),
    # trigger_message
    Defect(
        "triggered-first-evse-only",
        "station",
        V201,
        "a TriggerMessage without evse is carried out for the first EVSE only, not for "
        "every EVSE (needs a station with two EVSEs to show)",
        "F06.FR.11",
    ),
    # trigger_message
    Defect(
        "trigger-unknown-rejected",
        "station",
        V201,
        "answers a TriggerMessage for a message it has not implemented Rejected, not "
        "NotImplemented",
        "F06.FR.08",
    ),
    # _triggered
    Defect(
        "triggered-meter-values-no-context",
        "station",
        V201,
        "the MeterValues a TriggerMessage asked for leave out the context Trigger",
        "F06.FR.06",
    ),
    # _triggered
    Defect(
        "triggered-log-status-idle",
        "station",
        V201,
        "the LogStatusNotification a TriggerMessage asked for says Idle while a log upload runs",
        "F06.FR.14",
    ),
    # _triggered
    Defect(
        "triggered-firmware-status-idle",
        "station",
        V201,
        "the FirmwareStatusNotification a TriggerMessage asked for says Idle during a "
        "firmware download, not the status it sent last",
        "L01.FR.26",
    ),
    # _transaction_event
    Defect(
        "triggered-tx-event-wrong-trigger",
        "station",
        V201,
        "the TransactionEvent a TriggerMessage asked for says triggerReason MeterValuePeriodic, "
        "not Trigger",
        "F06.FR.07",
    ),
)


# -- RequestStartTransaction (F01, F02) -----------------------------------------------------


async def request_start(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F01/F02: start a transaction for the token, where a driver could (answered first).
    A chargingProfile in the request is the started transaction's TxProfile (F01.FR.10;
    Rejected when it is not one the station can use: F01.FR.26); a station without smart
    charging (option no-smart-charging) ignores it (F01.FR.12)."""
    if v201.station.boot_status != "Accepted":
        if v201.station.has("remote-start-while-pending"):
            return Reply({"status": "Accepted"})  # and starts nothing
        return Reply({"status": "Rejected"})  # B02.FR.05
    profile = payload.get("chargingProfile")
    if profile is not None and v201.station.has("remote-start-profile-refused"):
        return Reply({"status": "Rejected"})
    if not v201.smart_charging():
        profile = None  # F01.FR.12
    problem = None if profile is None else v201.charging_profiles.remote_start_problem(profile)
    if problem is not None:
        return Reply(
            {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "InvalidProfile", "additionalInfo": problem},
            }
        )
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
    answer: dict[str, Any] = {"status": "Accepted"}
    if session.running:
        answer["transactionId"] = session.transaction_id  # F01.FR.13

    async def start() -> None:
        if not await _remote_token_accepted(v201, token):
            return  # the CSMS did not accept the token: no energy (F01.FR.01)
        reservation = v201.reservations.use(session.evse, token["idToken"])
        events = happen(
            session,
            "remote_start",
            v201.tx_points(),
            token=token,
            remote_start_id=payload["remoteStartId"],
            reservation_id=reservation,
        )
        if profile is not None and session.transaction_id is not None:
            # in force from the start of the transaction it names (F01.FR.10)
            v201.charging_profiles.for_transaction(session.evse, profile, session.transaction_id)
        await v201.send_events(session, events)
        if reservation is not None:
            await reservation_used(v201, session.evse)
        await_cable(v201, session)

    return Reply(answer, after=start)


def _authorizes_remote_start(v201: StationV201) -> bool:
    return v201.device_model.value("AuthCtrlr", "AuthorizeRemoteStart") == "true"


async def _remote_token_accepted(v201: StationV201, token: dict[str, Any]) -> bool:
    """AuthorizeRemoteStart true: authorize the token as a presented one would be, by
    the local list, the cache or an AuthorizeRequest (F01.FR.01); false: take it as it
    is, the CSMS checks it in the TransactionEvent (F01.FR.02, F02.FR.10)."""
    wanted = _authorizes_remote_start(v201)
    if v201.station.has("remote-start-skips-authorize"):
        wanted = False
    if v201.station.has("remote-start-authorizes-anyway"):
        wanted = True
    if not wanted:
        return True
    response = await v201._authorize_online(token)
    return bool(response.get("idTokenInfo", {}).get("status") == "Accepted")


def await_cable(v201: StationV201, session: Session, *, at_once: bool = False) -> None:
    """E03.FR.05: an authorization without a cable lasts TxCtrlr.EVConnectionTimeOut
    seconds (0: for ever); ``at_once``: a defect's, it ends without waiting."""
    if session.plugged or not session.authorized:
        return
    seconds = int(v201.device_model.value("TxCtrlr", "EVConnectionTimeOut") or 0)
    if seconds > 0:
        delay = 0.0 if at_once else v201.station.timers.scaled(seconds)
        v201.station.spawn(_connection_timeout(v201, session, delay, session.plugs))


async def _connection_timeout(
    v201: StationV201, session: Session, delay: float, plugs: int
) -> None:
    """The driver did not plug in in time: the authorization ends, and the transaction
    it started with it (Ended, EVConnectTimeout, stoppedReason Timeout: E03.FR.05),
    unless the parking bay holds it (TxStopPoint ParkingBayOccupancy)."""
    await asyncio.sleep(delay)  # the protocol timer itself
    current = v201.sessions.get(session.evse) is session
    came = session.plugs != plugs  # the cable came in time, even if it is out again
    if not current or came or session.plugged or not session.authorized or session.ended:
        return
    if v201.station.has("ignores-ev-connect-timeout"):
        return
    session.authorized = False
    session.energy = False
    if "ParkingBayOccupancy" in v201.tx_points().stop:
        return
    await v201.send_events(session, end_now(session, "EVConnectTimeout", "Timeout"))


# -- RequestStopTransaction (F03) -----------------------------------------------------------


async def request_stop(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F03: end the named transaction as a remote stop."""
    if v201.station.boot_status != "Accepted":
        return Reply({"status": "Rejected"})  # B02.FR.05
    for session in list(v201.sessions.values()):
        if session.running and session.transaction_id == payload["transactionId"]:

            async def stop(session: Session = session) -> None:
                await v201.happen(session, "stop_remote")

            return Reply({"status": "Accepted"}, after=stop)  # F03.FR.07
    if v201.station.has("remote-stop-unknown-accepted"):
        return Reply({"status": "Accepted"})
    return Reply({"status": "Rejected"})  # F03.FR.08


# -- UnlockConnector (F05) -----------------------------------------------------------------


async def unlock_connector(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F05: unlock the connector's cable lock, unless a transaction holds it."""
    station = v201.station
    if station.has("unlock-not-supported"):
        return Reply(error_code="NotSupported", description="UnlockConnector is not supported")
    key = (payload["evseId"], payload["connectorId"])
    connector = station.connectors.get(key)
    if connector is None:
        if station.has("unlock-unknown-connector-failed"):
            return Reply({"status": "UnlockFailed"})
        return Reply({"status": "UnknownConnector"})  # F05.FR.03
    session = v201.sessions.get(connector.evse)
    held = (
        session is not None
        and session.running
        and session.authorized
        and session.connector == connector.connector
    )
    if held and not station.has("unlock-during-transaction"):
        return Reply({"status": "OngoingAuthorizedTransaction"})  # F05.FR.02
    stuck = station.has("unlock-fails") or (
        not connector.plugged and station.has("unlock-without-cable-failed")
    )
    # F05.FR.04, and F05.FR.06: tried even with no cable in
    return Reply({"status": "UnlockFailed" if stuck else "Unlocked"})


# -- TriggerMessage (F06) -------------------------------------------------------------------

Work = Callable[[], Awaitable[None]]

#: the messages whose EVSE a TriggerMessage may name (F06.FR.02); for the others the
#: EVSE is not relevant and is ignored (F06.FR.03)
_PER_EVSE = ("MeterValues", "TransactionEvent", "StatusNotification")


async def trigger_message(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """F06: send the requested message after the answer (F06.FR.04)."""
    station = v201.station
    requested = payload["requestedMessage"]
    keys = sorted(station.connectors)
    evse = payload.get("evse")
    if evse is not None and requested in _PER_EVSE:
        keys = [k for k in keys if k[0] == evse["id"]]
        if "connectorId" in evse:
            keys = [k for k in keys if k[1] == evse["connectorId"]]
        if not keys:
            return Reply({"status": "Rejected"})
    elif evse is not None and station.has("trigger-rejects-irrelevant-evse"):
        return Reply({"status": "Rejected"})
    if evse is None and keys and station.has("triggered-first-evse-only"):
        keys = [k for k in keys if k[0] == keys[0][0]]
    if requested == "BootNotification":
        return _boot(v201)
    work = _triggered(v201, requested, keys)
    if work is None:
        if station.has("trigger-unknown-rejected"):
            return Reply({"status": "Rejected"})
        return Reply({"status": "NotImplemented"})  # F06.FR.08
    if requested == "TransactionEvent" and not _running_at(v201, keys):
        return Reply({"status": "Rejected"})  # no transaction to report there
    # declared in remote_control_v16 with its 1.6 perturbation (both versions)
    if station.has("ignores-trigger"):
        return Reply({"status": "Accepted"})
    if station.has("triggered-before-response"):
        return Reply({"status": "Accepted"}, first=work)  # the message, then the answer
    return Reply({"status": "Accepted"}, after=work)  # F06.FR.04: answer first


def _boot(v201: StationV201) -> Reply:
    """A BootNotification is asked for only while the boot is not Accepted (F06.FR.17)."""
    station = v201.station
    if station.boot_status == "Accepted":
        if station.has("trigger-boot-accepted-after-boot"):
            return Reply({"status": "Accepted"})  # and sends nothing
        return Reply({"status": "Rejected"})  # F06.FR.17

    async def boot() -> None:  # B01.FR.09: the boot says it was triggered
        wrong = station.has("triggered-boot-wrong-reason")
        station.boot_reason = "PowerUp" if wrong else "Triggered"
        station.request_boot_now()

    return Reply({"status": "Accepted"}, after=boot)


def _triggered(v201: StationV201, requested: str, keys: list[tuple[int, int]]) -> Work | None:
    """The work that sends ``requested`` for the connectors ``keys``, or None when the
    simulator has not implemented sending it on request."""
    station = v201.station
    context = None if station.has("triggered-meter-values-no-context") else "Trigger"
    if requested == "Heartbeat":
        return lambda: _send(v201, [("Heartbeat", {})])
    if requested == "StatusNotification":
        # asked for by name, so a StatusNotification even where changes go by NotifyEvent
        return lambda: _send(
            v201, [("StatusNotification", s) for s in v201.status_requests(only=keys)]
        )
    if requested == "MeterValues":
        return lambda: _send(
            v201,
            [
                ("MeterValues", {"evseId": e, "meterValue": _meter_value(v201, e, context)})
                for e in _evses(keys)
            ],
        )
    if requested == "TransactionEvent":
        return lambda: _send(
            v201,
            [("TransactionEvent", _transaction_event(v201, s)) for s in _running_at(v201, keys)],
        )
    if requested == "LogStatusNotification":
        log = v201.log_uploads.status_report()  # F06.FR.14/.15
        if station.has("triggered-log-status-idle"):
            log = {"status": "Idle"}
        return lambda: _send(v201, [("LogStatusNotification", log)])
    if requested == "FirmwareStatusNotification":
        firmware = v201.firmware.status_report()  # F06.FR.16, L01.FR.25/.26
        if station.has("triggered-firmware-status-idle"):
            firmware = {"status": "Idle"}
        return lambda: _send(v201, [("FirmwareStatusNotification", firmware)])
    return None


async def _send(v201: StationV201, messages: list[tuple[str, dict[str, Any]]]) -> None:
    for action, message in messages:
        await v201.station.send(action, message)


def _evses(keys: list[tuple[int, int]]) -> list[int]:
    return sorted({evse for evse, _ in keys})


def _running_at(v201: StationV201, keys: list[tuple[int, int]]) -> list[Session]:
    """The sessions whose transaction runs at one of the EVSEs of ``keys`` (F06.FR.11:
    no EVSE named is every EVSE)."""
    evses = set(_evses(keys))
    return [s for _, s in sorted(v201.sessions.items()) if s.running and s.evse in evses]


def _meter_value(v201: StationV201, evse: int, context: str | None) -> list[dict[str, Any]]:
    """The most recent reading, each sampled value marked as sent on request."""
    values = v201.meter_value(evse)
    if context is not None:
        for value in values:
            for sampled in value["sampledValue"]:
                sampled["context"] = context
    return values


def _transaction_event(v201: StationV201, session: Session) -> dict[str, Any]:
    """F06.FR.07: an Updated event with triggerReason Trigger, the chargingState and the
    latest meter reading (context Trigger), numbered in the transaction's sequence."""
    assert session.transaction_id is not None
    trigger = "Trigger"
    if v201.station.has("triggered-tx-event-wrong-trigger"):
        trigger = "MeterValuePeriodic"
    event = {
        "eventType": "Updated",
        "timestamp": utc_now(),
        "triggerReason": trigger,
        "seqNo": session.seq_no,
        "transactionInfo": {
            "transactionId": session.transaction_id,
            "chargingState": charging_state(session),
        },
        "evse": {"id": session.evse},
        "meterValue": _meter_value(v201, session.evse, "Trigger"),
    }
    if v201.station.has_option("triggered-tx-event-without-evse"):
        del event["evse"]  # the transactionId says which it is (E01.FR.16 is met already)
    session.seq_no += 1
    return event


BLOCK: Block[StationV201] = Block(
    "remote control",
    V201,
    {
        "RequestStartTransaction": request_start,
        "RequestStopTransaction": request_stop,
        "UnlockConnector": unlock_connector,
        "TriggerMessage": trigger_message,
    },
)
