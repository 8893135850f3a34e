"""Part 6 §2.18 transaction states for a charging-station DUT (the harness is the CSMS).

EVConnectedPreSession, Authorized, EnergyTransferStarted, EnergyTransferSuspended,
StopAuthorized, EVConnectedPostSession, EVDisconnected and Unavailable (Tables 425 and
427-434). A case reaches one by calling its function; the states it presupposes run
first, as Part 6 chains them ("If State is NOT Authorized then execute Authorized"), and
all of them share one :class:`Session` that says where the transaction stands.

Which TransactionEvent a step produces depends on the station's TxCtrlr.TxStartPoint and
TxStopPoint (E01, E06): a plug-in starts the transaction on one station and is an update
on another. The session reads both from the station once and each state expects what
the configuration makes due, so one case passes every legal configuration. Part 6's
general tool rules (§2.1) are kept for every event: the first of a transaction is
Started; the first after a RequestStartTransaction says RemoteStart with the
remoteStartId; the first after the plug-in names the EVSE and connector; the first
after the token names the token. Messages may come in any order (§2.1): a status and a
TransactionEvent are each awaited on their own.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from harness.matching import absent_or, differences, one_of
from harness.messages import Message
from harness.steps.device_model import Variable, get_variable
from harness.verdicts import DutFailure

if TYPE_CHECKING:
    from harness.roles import CsmsRole

__all__ = [
    "Session",
    "authorized",
    "energy_transfer_started",
    "energy_transfer_suspended",
    "parking_bay_occupied",
    "parking_bay_unoccupied",
    "ev_connected_post_session",
    "ev_connected_pre_session",
    "ev_disconnected",
    "reserved",
    "session",
    "stop_authorized",
    "stop_checks",
    "transaction_event",
    "unavailable",
    "unplug_checks",
]

Method = Literal["local", "remote"]

TX_START_POINT = Variable("TxCtrlr", "TxStartPoint")
TX_STOP_POINT = Variable("TxCtrlr", "TxStopPoint")

_REMOTE_START_IDS = itertools.count(1)
_RESERVATION_IDS = itertools.count(1)

#: how long a reservation of state Reserved lasts: longer than any case
_RESERVATION_HOURS = 1

#: how many intermediate events (SuspendedEVSE, SignedDataReceived) may precede the
#: event a state waits for; Part 6 Table 430 allows some, a bound keeps waits finite
_MAX_INTERMEDIATE = 3


@dataclass
class Session:
    """Where the case's transaction stands, and what the station is configured to do."""

    evse: int
    connector: int
    token: dict[str, str]
    start_points: frozenset[str]
    stop_points: frozenset[str]
    in_bay: bool = False
    ev_connected: bool = False
    authorized: Method | None = None
    energy: bool = False
    suspended: bool = False
    stop: Method | None = None
    post_session: bool = False
    disconnected: bool = False
    transaction_id: str | None = None
    ended: bool = False
    remote_start_id: int | None = None
    #: a RequestStartTransaction was accepted and no event has followed yet (§2.1)
    remote_due: bool = False
    #: the token was presented and no event has carried it yet (§2.1, E02.FR.20)
    token_due: bool = False
    #: the plug-in happened and no event has named the EVSE yet (§2.1, E01.FR.16)
    evse_due: bool = False
    #: the chargingState the station last reported
    charging_state: str | None = None
    #: the reservation made in state Reserved, and whether the next event must name it
    reservation_id: int | None = None
    reservation_due: bool = False
    events: list[Message] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.transaction_id is not None

    @property
    def running(self) -> bool:
        return self.started and not self.ended

    def starts_at(self, *points: str) -> bool:
        return any(point in self.start_points for point in points)

    def stops_at(self, *points: str) -> bool:
        return any(point in self.stop_points for point in points)


def _points(text: Any) -> frozenset[str]:
    return frozenset(p.strip() for p in str(text or "").split(",") if p.strip())


def session(
    csms: Any, dut: Any, *, evse: int | None = None, connector: int | None = None
) -> Session:
    """A new session at ``evse``/``connector`` (the profile's first by default), with
    the station's TxStartPoint and TxStopPoint read from it (B06: GetVariables)."""
    layout = dut.profile.layout
    chosen_evse = evse if evse is not None else layout[0].id
    chosen = next((e for e in layout if e.id == chosen_evse), layout[0])
    start, _ = get_variable(csms, TX_START_POINT)
    stop, _ = get_variable(csms, TX_STOP_POINT)
    tokens = dut.profile.tokens
    return Session(
        evse=chosen.id,
        connector=connector if connector is not None else chosen.connectors[0],
        token={"idToken": tokens.valid, "type": tokens.type},
        start_points=_points(start),
        stop_points=_points(stop),
    )


def _ensure(csms: Any, dut: Any, tx: Session | None) -> Session:
    return tx if tx is not None else session(csms, dut)


# -- one TransactionEvent, with the §2.1 rules -------------------------------------------


#: the triggers of the readings a metering station sends while a transaction runs
#: (SampledDataCtrlr.TxUpdatedInterval, J02.FR.11; clock-aligned ones, J01.FR.22)
METER_TRIGGERS = ("MeterValuePeriodic", "MeterValueClock")


def next_event(
    csms: CsmsRole,
    trigger: Any = None,
    *,
    rule: str,
    timeout: float | None = None,
    after: int | None = None,
) -> Message:
    """The station's next TransactionEvent, past the meter readings it sends meanwhile.

    A station that meters its transactions sends an Updated MeterValuePeriodic (or
    MeterValueClock) event every interval, between any two events a case waits for:
    the interval is the station's to choose, and Part 6 waits for the events of its
    steps. So such a reading is passed over (it is still in the trace, and the always-on
    monitors judge its seqNo), unless ``trigger`` (a value or matcher of triggerReason)
    takes it; without ``trigger``, any event but a reading. One deadline for the whole
    wait."""
    wait = timeout if timeout is not None else csms.response_timeout
    deadline = time.monotonic() + wait
    while True:
        message = csms.expect(
            "TransactionEvent", rule=rule, timeout=max(deadline - time.monotonic(), 0), after=after
        )
        reason = message.payload.get("triggerReason")
        reading = message.payload.get("eventType") == "Updated" and reason in METER_TRIGGERS
        if not reading or (trigger is not None and not differences({"t": trigger}, {"t": reason})):
            return message
        csms.comment(
            f"frame {message.entry.seq}: a meter reading ({reason}), not the event awaited"
        )
        after = message.entry.seq


def transaction_event(
    csms: CsmsRole,
    tx: Session,
    *,
    rule: str,
    trigger: Any,
    trigger_rule: str = "E02.FR.15",
    start_rule: str = "E01.FR.02",
    timeout: float | None = None,
    **fields: Any,
) -> Message:
    """Wait for the station's next TransactionEvent and check it: ``trigger`` and
    ``fields`` as the state's table says, overruled where §2.1 says so (RemoteStart).
    ``start_rule`` is the rule of the first event's Started: the start point's own
    (E01.FR.01-.06) where a case checks one."""
    message = next_event(csms, trigger, rule=rule, timeout=timeout)
    tx.events.append(message)
    payload = message.payload
    info = payload.get("transactionInfo", {})
    if not tx.started:
        # The first event of a transaction is Started (E01.FR.01-.06; Part 6 §2.1).
        message.expect(rule=start_rule, eventType="Started")
        tx.transaction_id = info.get("transactionId")
    else:
        message.expect(rule="E01.FR.08", transactionInfo={"transactionId": tx.transaction_id})
    if tx.remote_due:
        # F02.FR.21: the first event after RequestStartTransaction says RemoteStart and
        # carries its remoteStartId, whatever the step would otherwise expect.
        message.expect(
            rule="F02.FR.21",
            triggerReason="RemoteStart",
            transactionInfo={"remoteStartId": tx.remote_start_id},
        )
        tx.remote_due = False
    else:
        message.expect(rule=trigger_rule, triggerReason=trigger)
    if tx.token_due:
        message.expect(rule="E02.FR.20", idToken=tx.token)  # the token it was given
        tx.token_due = False
    if tx.evse_due:
        message.expect(rule="E01.FR.16", evse={"id": tx.evse, "connectorId": tx.connector})
        tx.evse_due = False
    if tx.reservation_due:
        # H01.FR.15, E01.FR.13: the transaction of the reserved token ends the reservation
        message.expect(rule="H01.FR.15", reservationId=tx.reservation_id)
        tx.reservation_due = False
    if fields:
        message.expect(rule=rule, **fields)
    if "chargingState" in info:
        tx.charging_state = info["chargingState"]
    if payload.get("eventType") == "Ended":
        tx.ended = True
    return message


def _connector_reports(csms: Any, tx: Session, status: str, rule: str) -> None:
    """The connector's latest report says ``status``, by StatusNotification or NotifyEvent
    AvailabilityState (G01.FR.03/.04 allow either)."""
    csms.expect_connectors(status, only=[(tx.evse, tx.connector)], rule=rule)


def _let_it_charge(csms: Any, dut: Any) -> None:
    """Part 6 waits <Configured Transaction Duration> before the EV suspends or the
    driver stops (Tables 431, 432); the harness keeps serving the station meanwhile."""
    duration = dut.profile.harness.transaction_duration
    if duration > 0:
        csms.hold_for(duration, "Part 6 <Configured Transaction Duration>: the EV charges")


# -- the states ---------------------------------------------------------------------------


def unavailable(
    csms: Any,
    dut: Any,
    *,
    evse: int | None = None,
    connector: int | None = None,
    whole_station: bool = False,
) -> None:
    """State *Unavailable* (Part 6 Table 425): ChangeAvailability Inoperative for the
    EVSE/connector, Accepted, and its connector reported Unavailable. With
    ``whole_station`` the request names no EVSE, so it is the station's (G04.FR.01), and
    every connector is reported Unavailable. (Undone after the case: harness.restore.)"""
    if whole_station:
        # 1-2. ChangeAvailabilityRequest Inoperative for the station; Accepted.
        csms.call("ChangeAvailability", operationalStatus="Inoperative").expect(
            rule="G04.FR.03", status="Accepted"
        )
        # 3-4. Every connector reported Unavailable (G04.FR.05, G04.FR.07).
        csms.expect_connectors("Unavailable", rule="G04.FR.05")
        return
    first = dut.profile.layout[0]
    evse_id = evse if evse is not None else first.id
    target: dict[str, Any] = {"id": evse_id}
    if connector is not None:
        target["connectorId"] = connector
    # 1-2. ChangeAvailabilityRequest Inoperative; Accepted (G03.FR.02: nothing runs there).
    csms.call("ChangeAvailability", operationalStatus="Inoperative", evse=target).expect(
        rule="G03.FR.02", status="Accepted"
    )
    layout = next((e for e in dut.profile.layout if e.id == evse_id), first)
    connectors = [connector] if connector is not None else list(layout.connectors)
    # 3-4. The connector(s) reported Unavailable (G03.FR.04).
    csms.expect_connectors("Unavailable", only=[(evse_id, c) for c in connectors], rule="G03.FR.04")


def reserved(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *Reserved* (Part 6 Table 424): ReserveNow for the session's EVSE and the
    configured token, Accepted, and every connector of the EVSE reported Reserved
    (H01.FR.23; the EVSE's own AvailabilityState is optional). The next transaction of
    that token must name the reservation (H01.FR.15); the harness cancels a reservation
    left over after the case (harness.restore)."""
    tx = _ensure(csms, dut, tx)
    tx.reservation_id = next(_RESERVATION_IDS)
    expiry = _dt.datetime.now(_dt.UTC).replace(microsecond=0) + _dt.timedelta(
        hours=_RESERVATION_HOURS
    )
    # 1-2. ReserveNowRequest; tool validation: status Accepted.
    csms.call(
        "ReserveNow",
        id=tx.reservation_id,
        expiryDateTime=expiry.isoformat().replace("+00:00", "Z"),
        idToken=tx.token,
        evseId=tx.evse,
    ).expect(rule="H01.FR.23", status="Accepted")
    # 3-4. The EVSE's connectors Reserved, by StatusNotification or NotifyEvent.
    layout = next(e for e in dut.profile.layout if e.id == tx.evse)
    csms.expect_connectors(
        "Reserved", only=[(tx.evse, c) for c in layout.connectors], rule="H01.FR.23"
    )
    return tx


def parking_bay_occupied(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *ParkingBayOccupied* (Part 6 Table 426): the EV drives into the bay.

    Part 6 makes it optional (a station may have no bay sensor), so it is driven only
    where it matters: when TxStartPoint lists ParkingBayOccupancy, the arrival starts
    the transaction (E01.FR.01) with triggerReason EVDetected.
    """
    tx = _ensure(csms, dut, tx)
    if tx.in_bay or not tx.starts_at("ParkingBayOccupancy"):
        return tx
    dut.act("park", evse=tx.evse)
    tx.in_bay = True
    # 1-2. The transaction begins with the EV's arrival.
    transaction_event(
        csms,
        tx,
        rule="E01.FR.01",
        trigger="EVDetected",
        trigger_rule="E01.FR.01",
        start_rule="E01.FR.01",
    )
    return tx


def parking_bay_unoccupied(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *ParkingBayUnoccupied* (Part 6 Table 435): after the EV is disconnected it
    drives out. Where TxStopPoint lists ParkingBayOccupancy and the transaction still
    runs, that ends it (E06.FR.01): EVDeparted, Ended, stoppedReason Remote after a
    remote stop and Local (or none) after a local one."""
    tx = _ensure(csms, dut, tx)
    if not tx.disconnected:
        tx = ev_disconnected(csms, dut, tx)
    if not tx.in_bay:
        return tx
    dut.act("leave_bay", evse=tx.evse)
    tx.in_bay = False
    if tx.running:
        reason = "Remote" if tx.stop == "remote" else absent_or("Local")
        transaction_event(
            csms,
            tx,
            rule="E06.FR.01",
            trigger="EVDeparted",
            trigger_rule="E06.FR.01",
            eventType="Ended",
            transactionInfo={"stoppedReason": reason},
        )
    return tx


def ev_connected_pre_session(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *EVConnectedPreSession* (Part 6 Table 427): the cable is plugged in.

    The connector turns Occupied (G01.FR.03). A TransactionEvent follows when the plug-in
    starts the transaction (TxStartPoint EVConnected, or PowerPathClosed once
    authorized: E01.FR.02/.05) or one already runs; it says CablePluggedIn (or, right
    after a remote start, RemoteStart), names the EVSE and connector (E01.FR.16) and the
    state EVConnected, or Charging/SuspendedEVSE when the driver is already authorized.
    """
    tx = parking_bay_occupied(csms, dut, _ensure(csms, dut, tx))
    states: tuple[str, ...] = ("EVConnected",)
    if tx.authorized is not None:
        states = ("EVConnected", "SuspendedEVSE", "Charging")
    _plug_in(
        csms,
        dut,
        tx,
        trigger=one_of("CablePluggedIn", "ChargingStateChanged"),
        charging_state=one_of(*states),
    )
    return tx


def _plug_in(csms: Any, dut: Any, tx: Session, *, trigger: Any, charging_state: Any) -> None:
    """The cable goes in (Tables 427 and 430 part 1, which differ only in what they
    accept of the event): the connector turns Occupied, and the TransactionEvent comes
    when the configuration makes one due."""
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = True
    tx.evse_due = True
    # 1-2. The connector's status change; at a connector reserved for a driver not yet
    # here there is none (G01.FR.09: it stays Reserved).
    if tx.reservation_id is None or tx.authorized is not None:
        _connector_reports(csms, tx, "Occupied", "G01.FR.03")
    # 3-4. The TransactionEvent, when the configuration makes one due.
    due = (
        tx.running
        or tx.starts_at("EVConnected")
        or (tx.authorized is not None and tx.starts_at("PowerPathClosed"))
    )
    if due:
        transaction_event(
            csms,
            tx,
            rule="E02.FR.06",
            trigger=trigger,
            transactionInfo={"chargingState": charging_state},
        )


def authorized(
    csms: Any,
    dut: Any,
    tx: Session | None = None,
    *,
    method: Method = "local",
    charging_profile: dict[str, Any] | None = None,
    accept_rule: str = "F01.FR.02",
) -> Session:
    """State *Authorized* (Part 6 Table 428): the driver is authorized, by presenting the
    configured token (A) or by a RequestStartTransaction (B), which carries
    ``charging_profile`` when a case gives one; ``accept_rule`` is the rule its
    Accepted answer is held to.

    An AuthorizeRequest for the token is checked when it comes; Part 6 makes it optional
    (a cached token, AuthorizeRemoteStart false). A TransactionEvent follows when the
    authorization starts the transaction (TxStartPoint Authorized, or PowerPathClosed
    with the cable in) or one already runs: Authorized with the token (E02.FR.20), or
    RemoteStart with the remoteStartId (F02.FR.21).
    """
    tx = parking_bay_occupied(csms, dut, _ensure(csms, dut, tx))
    mark = csms.mark()
    tx.token_due = True
    tx.reservation_due = tx.reservation_id is not None
    if method == "local":
        dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    else:
        tx.remote_start_id = next(_REMOTE_START_IDS)
        start: dict[str, Any] = {
            "idToken": tx.token,
            "evseId": tx.evse,
            "remoteStartId": tx.remote_start_id,
        }
        if charging_profile is not None:
            start["chargingProfile"] = charging_profile
        response = csms.call("RequestStartTransaction", **start)
        # 1-2. Accepted; a transaction already running is named (F01.FR.13).
        response.expect(rule=accept_rule, status="Accepted")
        if tx.running:
            response.expect(rule="F01.FR.13", transactionId=tx.transaction_id)
        tx.remote_due = True
    tx.authorized = method
    due = (
        tx.running
        or tx.starts_at("Authorized")
        or (tx.ev_connected and tx.starts_at("PowerPathClosed"))
    )
    if due:
        # 3-4 (A) / 7-8 (B): the TransactionEvent of the authorization.
        transaction_event(
            csms, tx, rule="E02.FR.20", trigger="Authorized", trigger_rule="E02.FR.20"
        )
    elif method == "local" and not csms.received("Authorize", after=mark):
        # Nothing else shows that the token was taken: wait for its AuthorizeRequest
        # (C01.FR.02); a station that had it cached may send none (a note, not a fault).
        try:
            csms.expect("Authorize", after=mark, rule="C01.FR.02")
        except DutFailure as missing:
            csms.note("C01.FR.02", f"no AuthorizeRequest after the token ({missing})")
    for request in csms.received("Authorize", after=mark):
        # 1-2 (A) / 3-4 (B): the AuthorizeRequest names the configured token.
        request.expect(rule="C01.FR.02", idToken=tx.token)
    return tx


def energy_transfer_started(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *EnergyTransferStarted* (Part 6 Table 430): the EV charges.

    Authorized first; then, if the cable is not in yet, part 1 (plug-in: Occupied, and a
    CablePluggedIn event with state EVConnected when a transaction runs or starts); then
    part 2: ChargingStateChanged to Charging (E02.FR.13), the Started event when
    TxStartPoint is EnergyTransfer (E01.FR.06). Intermediate events Part 6 allows
    (SignedDataReceived, SuspendedEVSE) are taken on the way.
    """
    tx = _ensure(csms, dut, tx)
    if tx.authorized is None:
        tx = authorized(csms, dut, tx)
    if not tx.ev_connected:
        # Part 1: connect the EV (authorized already, so the event is the plug-in's).
        _plug_in(csms, dut, tx, trigger="CablePluggedIn", charging_state="EVConnected")
    # Part 2: energy flows; Part 6 lets SignedDataReceived or SuspendedEVSE come first.
    for _ in range(_MAX_INTERMEDIATE):
        if tx.charging_state == "Charging":
            break
        event = transaction_event(
            csms,
            tx,
            rule="E02.FR.13",
            trigger=one_of("ChargingStateChanged", "SignedDataReceived"),
        )
        state = event.get("transactionInfo", {}).get("chargingState")
        if event["triggerReason"] == "ChargingStateChanged" and state != "SuspendedEVSE":
            event.expect(rule="E02.FR.13", transactionInfo={"chargingState": "Charging"})
    if tx.charging_state != "Charging":
        raise DutFailure(
            f"no TransactionEvent with chargingState Charging within {_MAX_INTERMEDIATE} "
            "events after the EV and the driver were ready",
            "E02.FR.13",
            tx.events[-1].entry.raw,
        )
    tx.energy = True
    return tx


def energy_transfer_suspended(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *EnergyTransferSuspended* (Part 6 Table 431): the EV suspends charging; the
    station reports SuspendedEV (E01.FR.19) or, unable to tell, EVConnected (E01.FR.20),
    and ends the transaction with StoppedByEV where TxStopPoint is EnergyTransfer."""
    tx = _ensure(csms, dut, tx)
    if not tx.energy:
        tx = energy_transfer_started(csms, dut, tx)
    _let_it_charge(csms, dut)
    dut.act("ev_suspend", evse=tx.evse)
    event = transaction_event(
        csms,
        tx,
        rule="E01.FR.19",
        trigger="ChargingStateChanged",
        eventType=one_of("Updated", "Ended"),
        transactionInfo={"chargingState": one_of("SuspendedEV", "EVConnected")},
    )
    if event["eventType"] == "Ended":
        event.expect(rule="E06.FR.07", transactionInfo={"stoppedReason": "StoppedByEV"})
    tx.suspended = True
    tx.energy = False
    return tx


def stop_authorized(
    csms: Any, dut: Any, tx: Session | None = None, *, method: Method = "local"
) -> Session:
    """State *StopAuthorized* (Part 6 Table 432): the driver presents the same token (A)
    or the CSMS sends RequestStopTransaction (B).

    A: an event with StopAuthorized (E07.FR.02), the token or none; if it ends the
    transaction, stoppedReason Local or none (E07.FR.04/.05). The station must not ask
    the CSMS about the token first (C01.FR.03), which OCTT does not check.
    B: Accepted (F03.FR.07); an event with RemoteStop; if it ends the transaction,
    stoppedReason Remote (F03.FR.03).
    """
    tx = _ensure(csms, dut, tx)
    if not tx.energy and not tx.suspended:
        tx = energy_transfer_started(csms, dut, tx)
    if not tx.suspended:
        _let_it_charge(csms, dut)
    mark = csms.mark()
    if method == "local":
        dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
        event = transaction_event(
            csms,
            tx,
            rule="E07.FR.02",
            trigger="StopAuthorized",
            trigger_rule="E07.FR.02",
            idToken=absent_or(tx.token),
        )
        _stop_reason(event, method)
        with csms.beyond_octt("Part 6 Table 432 does not look for an AuthorizeRequest"):
            for request in csms.received("Authorize", after=mark):
                request.entry.failing = True
                raise DutFailure(
                    "the station asked the CSMS about the token that started the "
                    f"authorization (frame {request.entry.seq}) before ending it",
                    "C01.FR.03",
                    request.entry.raw,
                )
    else:
        response = csms.call("RequestStopTransaction", transactionId=tx.transaction_id)
        response.expect(rule="F03.FR.07", status="Accepted")
        event = transaction_event(
            csms, tx, rule="F03.FR.02", trigger="RemoteStop", trigger_rule="F03.FR.02"
        )
        _stop_reason(event, method)
    _ends_at_stop(event, tx, method)
    tx.stop = method
    tx.energy = False
    return tx


def _stop_reason(event: Message, method: Method) -> None:
    if event["eventType"] == "Ended":
        reason = absent_or("Local") if method == "local" else "Remote"
        rule = "E07.FR.05" if method == "local" else "F03.FR.03"
        event.expect(rule=rule, transactionInfo={"stoppedReason": reason})


def _ends_at_stop(event: Message, tx: Session, method: Method) -> None:
    if event["eventType"] != "Ended" and tx.stops_at("Authorized", "PowerPathClosed"):
        # E06.FR.03/.06, F03.FR.03: the end of the authorization ends this transaction.
        event.expect(rule="E06.FR.03" if method == "local" else "F03.FR.03", eventType="Ended")


def stop_checks(event: Message, tx: Session, method: Method) -> None:
    """What state StopAuthorized checks on the event of the stop once it has its
    trigger (a case that takes the event from an offline queue checks the trigger and
    calls this): the stoppedReason if it ends the transaction, and that it does end it
    where TxStopPoint lists Authorized or PowerPathClosed."""
    _stop_reason(event, method)
    _ends_at_stop(event, tx, method)


def ev_connected_post_session(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *EVConnectedPostSession* (Part 6 Table 433): energy has stopped and the
    transaction is not authorized any more. Where it goes on, the station reports the
    state EVConnected (ChargingStateChanged, E02.FR.13) and, with TxStopPoint DataSigned,
    a SignedDataReceived event."""
    tx = _ensure(csms, dut, tx)
    if tx.stop is None:
        tx = stop_authorized(csms, dut, tx)
    if not tx.ended and tx.charging_state != "EVConnected":
        transaction_event(
            csms,
            tx,
            rule="E02.FR.13",
            trigger="ChargingStateChanged",
            transactionInfo={"chargingState": "EVConnected"},
        )
    if not tx.ended and tx.stops_at("DataSigned"):
        transaction_event(csms, tx, rule="E06.FR.05", trigger="SignedDataReceived")
    tx.post_session = True
    return tx


def ev_disconnected(
    csms: Any,
    dut: Any,
    tx: Session | None = None,
    *,
    expect_available: bool = True,
) -> Session:
    """State *EVDisconnected* (Part 6 Table 434): the cable is pulled out after the stop.

    The connector turns Available; where the transaction still runs, an event with
    EVCommunicationLost and state Idle follows, the Ended one when TxStopPoint is
    EVConnected or PowerPathClosed (E06.FR.02/.06), whose stoppedReason is Local (or
    none) after a local stop and Remote after a remote one (Part 6 §2.1).

    A case that made the connector due to become Unavailable (G01.FR.05, G03.FR.05)
    checks its report itself, with ``expect_available=False``.
    """
    tx = _ensure(csms, dut, tx)
    if not tx.post_session:
        tx = ev_connected_post_session(csms, dut, tx)
    dut.act("unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = False
    # 1-2. The connector's status change.
    if expect_available:
        _connector_reports(csms, tx, "Available", "G01.FR.04")
    if tx.running:
        # 3-4. The event of the disconnection.
        event = transaction_event(
            csms,
            tx,
            rule="E02.FR.13",
            trigger="EVCommunicationLost",
            transactionInfo={"chargingState": "Idle"},
        )
        unplug_checks(event, tx)
    tx.disconnected = True
    return tx


def unplug_checks(event: Message, tx: Session) -> None:
    """What state EVDisconnected checks on the EVCommunicationLost event (besides its
    trigger and chargingState Idle): Ended where TxStopPoint lists EVConnected or
    PowerPathClosed, and the Ended one's stoppedReason: Local (or none) after a local
    stop, Remote after a remote one; where nothing stopped the authorization (the EV
    ended the energy transfer), EVDisconnected or StoppedByEV."""
    if tx.stops_at("EVConnected", "PowerPathClosed"):
        event.expect(rule="E06.FR.02", eventType="Ended")
    if event["eventType"] == "Ended":
        reasons = {"local": absent_or("Local"), "remote": "Remote"}
        reason = reasons.get(tx.stop or "", one_of("EVDisconnected", "StoppedByEV"))
        event.expect(rule="E06.FR.08", transactionInfo={"stoppedReason": reason})
