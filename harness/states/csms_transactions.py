"""Part 6 §3.18 transaction states for a CSMS DUT: the harness's station charges an EV.

The states are steps of one transaction on one connector: EVConnectedPreSession
(Table 701), Authorized (702), EnergyTransferStarted (703), EnergyTransferSuspended
(704), StopAuthorized (705), EVConnectedPostSession (706), EVDisconnected (707). A case
names the state it needs and gets every state before it for free, the way Part 6 chains
them ("if not Authorized, run Authorized first")::

    tx = transactions.energy_transfer_started(station, dut)  # Booted, Authorized, plug-in
    ...                                                       # the case's own steps
    transactions.ev_disconnected(station, dut, tx)           # stop, unplug, Ended

What a state needs to know of the ones before it lives in a :class:`Transaction` that
each state takes and returns: the EVSE and connector, the transaction id the station
made up, the next seqNo, and which milestones are behind it. Its flags are milestones,
not the latest state: once charging has begun the transaction counts as
EnergyTransferStarted, suspended or not, so StopAuthorized after EnergyTransferSuspended
does not start the charging again.

Which order the driver chose decides the event types: the first TransactionEvent is
Started (with the EVSE and connector), every later one Updated, the one after the EV
left Ended. The station follows Part 6 §3.1: TxStartPoint "EVConnected,Authorized" (the
transaction starts at whichever comes first), TxStopPoint "EVConnected" (it ends when
the EV leaves). Every event is schema-checked before it is sent, like every frame the
harness sends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.defaults import utc_now
from harness.messages import Response
from harness.ocppj import OcppVersion
from harness.states.csms import ensure_booted, evse_layout, report_connectors
from harness.verdicts import ScriptError

if TYPE_CHECKING:
    from harness.roles import StationRole

__all__ = [
    "Transaction",
    "authorize_valid_token",
    "authorized",
    "energy_transfer_started",
    "energy_transfer_suspended",
    "ev_connected_post_session",
    "ev_connected_pre_session",
    "ev_disconnected",
    "meter_values_event",
    "new_transaction",
    "stop_authorized",
    "transaction_event",
    "valid_token",
    "wait_transaction_duration",
]

#: a CSMS must answer every TransactionEvent; Part 2 has no requirement of its own for
#: the bare answer, so this is the harness's rule (as for StatusNotification)
ANSWER_RULE = "answer:TransactionEvent"
#: an event with meter readings: J02.FR.19 asks the CSMS to answer the TransactionEvent
#: that reports them (a CALLERROR loses them; the station sends them again)
READINGS_RULE = "J02.FR.19"


def _new_transaction_id() -> str:
    # E02.FR.08: never the same id twice; a UUID is 36 characters, the schema's limit
    return str(uuid.uuid4())


@dataclass
class Transaction:
    """The harness station's transaction, as far as the states have taken it."""

    evse: int
    connector: int
    transaction_id: str = field(default_factory=_new_transaction_id)
    #: the seqNo the next TransactionEvent gets (contiguous from 0, E01.FR.07)
    seq_no: int = 0
    #: a TransactionEvent Started has been sent
    started: bool = False
    ev_connected: bool = False
    authorized: bool = False
    #: charging has begun (EnergyTransferStarted reached)
    energy_transfer: bool = False
    stop_authorized: bool = False
    #: EVConnectedPostSession reached
    post_session: bool = False
    ended: bool = False
    #: the chargingState the station last reported
    charging_state: str | None = None
    #: the CSMS's answer to the latest TransactionEvent
    last_response: Response | None = None
    #: whether the first event names the EVSE; False: the driver authorized before the
    #: station knew which EVSE (Part 6 "EVSE not known"), the cable's event names it
    evse_known_at_start: bool = True
    #: the station's meter, if a case reports readings: given each event about to be
    #: sent, the meterValue it carries (None: none), e.g. Transaction.Begin readings
    meter: Callable[[dict[str, Any]], list[dict[str, Any]] | None] | None = None


def new_transaction(
    station: Any, dut: Any, evse: int | None = None, connector: int | None = None
) -> Transaction:
    """A transaction that has not begun, on ``evse``/``connector`` (the first of the
    profile's layout by default); boots the station first if this case has not."""
    if station.version is OcppVersion.V16:
        raise ScriptError("the Part 6 transaction states are for OCPP 2.x, not 1.6")
    ensure_booted(station, dut)
    evse, connectors = evse_layout(station, evse)
    if connector is None:
        connector = connectors[0]
    elif connector not in connectors:
        raise ScriptError(f"EVSE {evse} of the harness station has no connector {connector}")
    return Transaction(evse, connector)


def ev_connected_pre_session(station: Any, dut: Any, tx: Transaction | None = None) -> Transaction:
    """State *EVConnectedPreSession* (Part 6 Table 701): the EV is plugged in. Starts
    the transaction, or updates it when the driver authorized first."""
    tx = _usable(station, dut, tx)
    if tx.ev_connected:
        raise ScriptError("EVConnectedPreSession: the EV is connected already")
    station.comment("reusable state EVConnectedPreSession (Part 6 Table 701)")
    _plug_in(station, dut, tx)
    return tx


def authorized(
    station: Any, dut: Any, tx: Transaction | None = None, id_token: dict[str, str] | None = None
) -> Transaction:
    """State *Authorized* (Part 6 Table 702): the driver presents the valid token at
    the station; the CSMS accepts it in the Authorize and in the TransactionEvent.
    ``id_token``: another accepted token instead (Part 6 "with idToken valid idToken2")."""
    tx = _usable(station, dut, tx)
    if tx.authorized:
        raise ScriptError("Authorized: the transaction is authorized already")
    station.comment("reusable state Authorized (Part 6 Table 702)")
    if id_token is None:
        id_token = valid_token(dut)
    # 1-2. Authorize; tool validation: idTokenInfo.status Accepted.
    authorize_valid_token(station, dut, id_token)
    # 3-4. TransactionEvent Authorized with the token; tool validation: idTokenInfo.status
    # Accepted. Cable first, the transaction is running (E02.FR.02); token first, this
    # event starts it (E03.FR.02).
    rule = "E02.FR.02" if tx.started else "E03.FR.02"
    _event(station, tx, "Authorized", id_token=id_token, rule=rule, status="Accepted")
    tx.authorized = True
    return tx


def energy_transfer_started(station: Any, dut: Any, tx: Transaction | None = None) -> Transaction:
    """State *EnergyTransferStarted* (Part 6 Table 703): the EV charges. Authorizes
    first if the transaction is not authorized, plugs in first if the EV is not
    connected (Part 1 of the table), then reports Charging (Part 2)."""
    tx = _usable(station, dut, tx)
    if not tx.authorized:
        authorized(station, dut, tx)
    station.comment("reusable state EnergyTransferStarted (Part 6 Table 703)")
    if not tx.ev_connected:
        _plug_in(station, dut, tx)
    _event(station, tx, "ChargingStateChanged", charging_state="Charging")
    tx.energy_transfer = True
    return tx


def energy_transfer_suspended(station: Any, dut: Any, tx: Transaction | None = None) -> Transaction:
    """State *EnergyTransferSuspended* (Part 6 Table 704): after charging for the
    configured transaction duration, the EV suspends."""
    tx = _charging(station, dut, tx)
    station.comment("reusable state EnergyTransferSuspended (Part 6 Table 704)")
    wait_transaction_duration(station, dut)
    _event(station, tx, "ChargingStateChanged", charging_state="SuspendedEV")
    return tx


def stop_authorized(station: Any, dut: Any, tx: Transaction | None = None) -> Transaction:
    """State *StopAuthorized* (Part 6 Table 705): after charging for the configured
    transaction duration, the driver presents the token again to stop.

    The event carries that token (E07.FR.02 asks the station to include it), so the
    CSMS answers with its status; tool validation: idTokenInfo.status Accepted
    (E01.FR.12: a TransactionEventResponse to an event with a token gives its status).
    """
    tx = _charging(station, dut, tx)
    station.comment("reusable state StopAuthorized (Part 6 Table 705)")
    wait_transaction_duration(station, dut)
    _event(
        station,
        tx,
        "StopAuthorized",
        id_token=valid_token(dut),
        rule="E01.FR.12",
        status="Accepted",
    )
    tx.stop_authorized = True
    tx.authorized = False
    return tx


def ev_connected_post_session(station: Any, dut: Any, tx: Transaction | None = None) -> Transaction:
    """State *EVConnectedPostSession* (Part 6 Table 706): charging has stopped, the
    EV is still plugged in and needs a new authorization to charge again."""
    tx = _usable(station, dut, tx)
    if not tx.stop_authorized:
        stop_authorized(station, dut, tx)
    station.comment("reusable state EVConnectedPostSession (Part 6 Table 706)")
    _event(station, tx, "ChargingStateChanged", charging_state="EVConnected")
    tx.post_session = True
    return tx


def ev_disconnected(
    station: Any, dut: Any, tx: Transaction | None = None, *, ends: bool = True
) -> Transaction:
    """State *EVDisconnected* (Part 6 Table 707): the EV is unplugged after the stop;
    the connector is Available again and the transaction ends (TxStopPoint EVConnected).

    ``ends=False``: a station whose TxStopPoint is not the cable (TC_E_19_CSMS:
    ParkingBayOccupancy) reports the unplugging as Updated, without a stoppedReason,
    and the transaction goes on until its own stop point."""
    tx = _usable(station, dut, tx)
    if not tx.post_session:
        ev_connected_post_session(station, dut, tx)
    station.comment("reusable state EVDisconnected (Part 6 Table 707)")
    # 1-2. The connector is Available again.
    report_connectors(station, dut, "Available", evses=[(tx.evse, (tx.connector,))])
    # 3-4. The transaction ends (unless its stop point is another).
    _event(
        station,
        tx,
        "EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected" if ends else None,
        ended=ends,
    )
    tx.ev_connected = False
    tx.ended = ends
    return tx


def transaction_event(station: Any, tx: Transaction, trigger: str, **fields: Any) -> Response:
    """The transaction's next TransactionEvent, for a step of a case between two states
    (a token presented, a stop): the keywords of the states' own events (``id_token``,
    ``charging_state``, ``stopped_reason``, ``ended``, ``rule``, ``status``), and
    ``offline`` and ``seq_no`` for an event the station queued while offline,
    ``remote_start_id`` for the event after a remote start. An Ended
    event ends the transaction; its other milestones are the case's to set."""
    return _event(station, tx, trigger, **fields)


def meter_values_event(
    station: Any, tx: Transaction, trigger: str, readings: list[dict[str, Any]]
) -> Response:
    """An Updated event of the running transaction that reports ``readings`` (trigger
    MeterValuePeriodic, J02.FR.11; MeterValueClock, J01.FR.22); the CSMS must answer it
    (J02.FR.19)."""
    if not tx.started or tx.ended:
        raise ScriptError("meter values are reported in an Updated event of a running transaction")
    return _event(station, tx, trigger, meter_value=readings)


# -- the steps the states share ------------------------------------------------------------


def _usable(station: Any, dut: Any, tx: Transaction | None) -> Transaction:
    """``tx``, or a new transaction when there is none; an ended one takes no more
    states (its seqNo and id are spent), which is a mistake of the case."""
    if tx is None:
        return new_transaction(station, dut)
    if tx.ended:
        raise ScriptError(
            f"transaction {tx.transaction_id} has ended; begin another with new_transaction"
        )
    return tx


def _charging(station: Any, dut: Any, tx: Transaction | None) -> Transaction:
    """The transaction with its energy transfer begun (EnergyTransferStarted run if not)."""
    tx = _usable(station, dut, tx)
    if not tx.energy_transfer:
        energy_transfer_started(station, dut, tx)
    return tx


def _plug_in(station: Any, dut: Any, tx: Transaction) -> None:
    """Tables 701 and 703 part 1: the connector is Occupied, then CablePluggedIn with
    chargingState EVConnected and the EVSE and connector."""
    # 1-2. The connector is Occupied; the CSMS answers.
    report_connectors(station, dut, "Occupied", evses=[(tx.evse, (tx.connector,))])
    # 3-4. Started when the cable begins the transaction, else Updated.
    _event(station, tx, "CablePluggedIn", charging_state="EVConnected", with_evse=True)
    tx.ev_connected = True


def wait_transaction_duration(
    station: Any, dut: Any, what: str = "the configured transaction duration"
) -> None:
    """Part 6 ``<Configured Transaction Duration>``: the profile's
    ``[harness] transaction_duration``, answering the CSMS meanwhile (``what``: the
    hold as the trace shows it)."""
    seconds = float(dut.profile.harness.transaction_duration)
    if seconds > 0:
        station.hold_for(seconds, what)


def valid_token(dut: Any) -> dict[str, str]:
    """Part 6 ``<Configured valid_idtoken_idtoken>`` and ``<Configured valid_idtoken_type>``."""
    tokens = dut.profile.tokens
    return {"idToken": tokens.valid, "type": tokens.type}


def authorize_valid_token(
    station: StationRole, dut: Any, id_token: dict[str, str] | None = None
) -> Response:
    """Authorize with the valid token (or ``id_token``, another one the CSMS accepts);
    tool validation: idTokenInfo.status Accepted (C01.FR.07: the CSMS gives the token's
    status, and the configured valid token is one it accepts)."""
    token = valid_token(dut) if id_token is None else id_token
    return station.call("Authorize", idToken=token).expect(
        rule="C01.FR.07", idTokenInfo={"status": "Accepted"}
    )


def _event(
    station: StationRole,
    tx: Transaction,
    trigger: str,
    *,
    charging_state: str | None = None,
    stopped_reason: str | None = None,
    id_token: dict[str, str] | None = None,
    with_evse: bool = False,
    ended: bool = False,
    rule: str = ANSWER_RULE,
    status: str | None = None,
    extra: dict[str, Any] | None = None,
    meter_value: list[dict[str, Any]] | None = None,
    offline: bool = False,
    seq_no: int | None = None,
    remote_start_id: int | None = None,
) -> Response:
    """Send the transaction's next TransactionEvent (``extra``: more top-level fields,
    meterValue say); with ``status``, the answer's idTokenInfo.status must be it
    (failing with ``rule``).

    ``offline``: the event was queued while the station was offline (E14). ``seq_no``:
    another number than the next one, for a queued event delivered out of order; the
    transaction's count then moves past it only if it is higher (E01.FR.07: the number
    is set when the event is created, and a queued event keeps it).
    ``remote_start_id``: the remoteStartId of the CSMS's RequestStartTransaction
    (F02.FR.01). An Ended event ends the transaction."""
    info: dict[str, Any] = {"transactionId": tx.transaction_id}
    if charging_state is not None:
        info["chargingState"] = charging_state
    if stopped_reason is not None:
        info["stoppedReason"] = stopped_reason
    if remote_start_id is not None:
        info["remoteStartId"] = remote_start_id
    number = tx.seq_no if seq_no is None else seq_no
    payload: dict[str, Any] = {
        "eventType": "Ended" if ended else "Updated" if tx.started else "Started",
        "timestamp": utc_now(),
        "triggerReason": trigger,
        "seqNo": number,
        "transactionInfo": info,
    }
    if offline:
        payload["offline"] = True
    if with_evse or (not tx.started and tx.evse_known_at_start):
        # the first event names the EVSE (the station knows it from the start)
        payload["evse"] = {"id": tx.evse, "connectorId": tx.connector}
    if id_token is not None:
        payload["idToken"] = id_token
    payload.update(extra or {})
    readings = tx.meter(payload) if tx.meter is not None else None
    readings = meter_value or readings
    if readings:
        payload["meterValue"] = readings
        rule = READINGS_RULE if rule == ANSWER_RULE else rule
    response = station.call("TransactionEvent", payload)
    # sent is sent: the next event takes the next number whatever the answer was
    tx.seq_no = max(tx.seq_no, number + 1)
    tx.started = True
    tx.ended = tx.ended or ended
    if charging_state is not None:
        tx.charging_state = charging_state
    tx.last_response = response
    if status is None:
        return response.expect(rule=rule)
    return response.expect(rule=rule, idTokenInfo={"status": status})
