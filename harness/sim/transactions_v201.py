"""When a simulated 2.0.1 station starts, updates and ends a transaction.

OCPP 2.0.1 lets a station start a transaction at one of several points (TxCtrlr
TxStartPoint: the cable is plugged in, the driver is authorized, both, energy flows …)
and end it when one of the TxStopPoint conditions is lost (E01, E06). Which
TransactionEvent a plug-in or a token produces therefore depends on the configuration,
and a test tool must accept each legal outcome. This module is that decision, kept
free of I/O so it can be read against Part 2 and tested alone: :func:`happen` takes an
EVSE's session and one happening and returns the events to send; the station sends them.

Its meter signs its readings when SampledDataCtrlr.SignReadings is true: the DataSigned
point is then met as the power path closes, before the energy flows. Its parking-bay
sensor is the park and leave_bay actions. Energy flows as soon as the EV is connected and
the driver authorized (no EV-side
delay), unless the EV has suspended it or the station holds it back (a refused token).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Happening",
    "Session",
    "TxEvent",
    "TxPoints",
    "charging_state",
    "end_now",
    "happen",
    "idle",
]

#: the happenings the station can report, each one trigger of TriggerReasonEnumType
Happening = str  # park | leave | plug | unplug | authorize | remote_start | stop_local |
#                  stop_remote | deauthorize | suspend_evse | suspend_ev | resume_ev


@dataclass(frozen=True)
class TxPoints:
    """TxCtrlr.TxStartPoint and TxStopPoint, parsed (comma-separated member lists),
    and whether the meter signs its readings (SampledDataCtrlr.SignReadings: the
    DataSigned point can be met, E01.FR.04)."""

    start: frozenset[str]
    stop: frozenset[str]
    signs: bool = False

    @classmethod
    def parse(cls, start: str, stop: str, *, signs: bool = False) -> TxPoints:
        return cls(_members(start), _members(stop), signs)


def _members(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


@dataclass
class Session:
    """What one EVSE knows about the session in progress there."""

    evse: int
    connector: int = 1
    in_bay: bool = False
    plugged: bool = False
    authorized: bool = False
    token: dict[str, str] | None = None
    remote_start_id: int | None = None
    energy: bool = False
    ev_suspended: bool = False
    #: the station offers the EV energy (the power path is closed): an EV that holds it
    #: back is SuspendedEV, one not offered it yet only EVConnected
    power_offered: bool = False
    #: the stoppedReason of a transaction the loss of the EV connection ends
    ev_gone_reason: str = "EVDisconnected"
    #: how often the EV was connected: a wait for the cable ends when it comes
    plugs: int = 0
    #: the meter gave a signed reading for this session (TxStartPoint DataSigned)
    data_signed: bool = False
    #: the station holds the energy back: the CSMS refused the token and StopTxOnInvalidId
    #: is false (E05.FR.02); the authorization stays
    evse_suspended: bool = False
    transaction_id: str | None = None
    ended: bool = False
    seq_no: int = 0
    #: the chargingState last sent, so each change is reported once (E02.FR.13)
    reported_state: str | None = None
    #: set by a RequestStartTransaction: the next event says RemoteStart (F02.FR.21)
    remote_due: bool = False
    #: the next event carries evse.id and connectorId (E01.FR.16)
    evse_due: bool = True
    #: the next event carries the idToken (E02.FR.20)
    token_due: bool = False
    #: why the driver or CSMS ended the authorization (E07.FR.05, F03.FR.03)
    stop_reason: str | None = None
    #: the reservation the authorization used: named in the next event (H01.FR.15)
    reservation_id: int | None = None

    @property
    def started(self) -> bool:
        return self.transaction_id is not None

    @property
    def running(self) -> bool:
        return self.started and not self.ended


@dataclass(frozen=True)
class TxEvent:
    """The fields of one TransactionEventRequest that the model decides."""

    event_type: str  # Started | Updated | Ended
    trigger: str
    transaction_id: str
    seq_no: int
    charging_state: str | None = None
    stopped_reason: str | None = None
    #: (evse id, connector id or None) when the event names the EVSE
    evse: tuple[int, int | None] | None = None
    token: dict[str, str] | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    #: when it happened, if the station sends it later than that (None: as it is sent)
    at: str | None = None


def charging_state(session: Session) -> str:
    """ChargingStateEnumType for the session's facts."""
    if not session.plugged:
        return "Idle"
    if session.evse_suspended and session.authorized:
        return "SuspendedEVSE"
    if session.ev_suspended and session.authorized and session.power_offered:
        return "SuspendedEV"
    if session.energy:
        return "Charging"
    return "EVConnected"


def _start_met(session: Session, points: TxPoints) -> bool:
    """E01.FR.01-.06: any one listed point that holds starts the transaction."""
    met = {
        "ParkingBayOccupancy": session.in_bay,
        "EVConnected": session.plugged,
        "Authorized": session.authorized,
        "PowerPathClosed": session.plugged and session.authorized,
        "EnergyTransfer": session.energy,
        "DataSigned": session.data_signed,
    }
    return any(met.get(point, False) for point in points.start)


#: which TxStopPoint conditions a happening ends (E06.FR.02/.03/.06/.07)
_LOST: dict[str, frozenset[str]] = {
    "leave": frozenset({"ParkingBayOccupancy"}),
    "unplug": frozenset({"EVConnected", "PowerPathClosed"}),
    "ev_unplug": frozenset({"EVConnected", "PowerPathClosed"}),
    "stop_local": frozenset({"Authorized", "PowerPathClosed"}),
    "stop_remote": frozenset({"Authorized", "PowerPathClosed"}),
    "deauthorize": frozenset({"Authorized", "PowerPathClosed"}),
    "suspend_evse": frozenset(),
    "suspend_ev": frozenset(),
}

#: the stoppedReason of a transaction whose authorization ended this way
_STOP_REASON = {"stop_local": "Local", "stop_remote": "Remote", "deauthorize": "DeAuthorized"}

_TRIGGER = {
    "park": "EVDetected",
    "leave": "EVDeparted",
    "plug": "CablePluggedIn",
    "unplug": "EVCommunicationLost",
    "ev_unplug": "EVCommunicationLost",
    "authorize": "Authorized",
    "remote_start": "RemoteStart",
    "stop_local": "StopAuthorized",
    "stop_remote": "RemoteStop",
    "deauthorize": "Deauthorized",
    "suspend_evse": "ChargingStateChanged",
    "suspend_ev": "ChargingStateChanged",
    "resume_ev": "ChargingStateChanged",
    "energy": "ChargingStateChanged",
}


def happen(session: Session, what: Happening, points: TxPoints, **facts: object) -> list[TxEvent]:
    """Apply ``what`` to ``session`` and return the TransactionEvents it causes, in order.

    ``facts`` carry the details: ``token`` (a dict IdTokenType) for authorize and
    remote_start, ``remote_start_id`` for remote_start, ``connector`` for plug.
    """
    was_energy = session.energy
    lost: set[str] = set(_LOST.get(what, ()))
    if what == "park":
        session.in_bay = True
    elif what == "leave":
        session.in_bay = False
    elif what == "plug":
        session.plugged = True
        session.plugs += 1
        session.connector = int(facts.get("connector", session.connector))  # type: ignore[call-overload]
        session.evse_due = True
    elif what == "unplug":
        session.plugged = False
        session.energy = session.power_offered = False
    elif what == "ev_unplug":
        # the cable out of the EV, its other end still at the station (harness.sim.
        # cable_v201): the EV's own state goes with it
        session.plugged = False
        session.energy = session.ev_suspended = session.power_offered = False
        session.ev_gone_reason = str(facts.get("reason", "EVDisconnected"))
        if facts.get("deauthorize"):
            session.authorized = False  # StopTxOnEVSideDisconnect true (E09.FR.01)
            lost.add("Authorized")
    elif what in ("authorize", "remote_start"):
        session.authorized = True
        session.token = dict(facts["token"])  # type: ignore[call-overload]
        session.token_due = True
        session.stop_reason = None
        session.evse_suspended = False
        if facts.get("reservation_id") is not None:
            session.reservation_id = int(facts["reservation_id"])  # type: ignore[call-overload]
        if what == "remote_start":
            session.remote_start_id = int(facts["remote_start_id"])  # type: ignore[call-overload]
            session.remote_due = True
    elif what in ("stop_local", "stop_remote", "deauthorize"):
        # the driver, the CSMS, or the CSMS's refusal of the token (E05.FR.09/.10)
        session.authorized = False
        session.energy = session.power_offered = False
        session.stop_reason = _STOP_REASON[what]
    elif what == "suspend_evse":
        # the token was refused but stays authorized: only the energy stops (E05.FR.02)
        session.evse_suspended = True
        session.energy = False
    elif what == "suspend_ev":
        session.ev_suspended = True
        session.energy = False
        if not session.plugged:
            return []  # an EV not ready before it is connected: nothing to report yet
    elif what == "resume_ev":
        session.ev_suspended = False
    if was_energy and not session.energy:
        lost.add("EnergyTransfer")

    events = _events_for(session, _TRIGGER[what], points, lost)
    # Energy flows once the EV is connected and the driver authorized (power path
    # closed), unless the EV holds it back; that change is an event of its own.
    if (
        session.plugged
        and session.authorized
        and not session.ev_suspended
        and not session.evse_suspended
        and not session.energy
        and not session.ended
    ):
        if points.signs and "DataSigned" in points.start and not session.data_signed:
            # the meter's first signed reading as the power path closes (E01.FR.04)
            session.data_signed = True
            events += _events_for(session, "SignedDataReceived", points, set())
        session.energy = session.power_offered = True
        events += _events_for(session, "ChargingStateChanged", points, set())
    elif (
        session.plugged
        and session.authorized
        and session.ev_suspended
        and not session.power_offered
        and not session.ended
    ):
        # the power path closes but the EV, not ready, takes no energy: SuspendedEV
        session.power_offered = True
        events += _events_for(session, "ChargingStateChanged", points, set())
    elif (
        what in ("stop_local", "stop_remote")
        and session.running
        and session.plugged
        and session.reported_state != "EVConnected"
    ):
        # The authorization ended but the transaction goes on (TxStopPoint does not
        # include Authorized): energy stops, which is a charging-state change (F03.FR.02).
        events += _events_for(session, "ChargingStateChanged", points, set())
    return events


def _events_for(session: Session, trigger: str, points: TxPoints, lost: set[str]) -> list[TxEvent]:
    if session.ended:
        return []
    if not session.started:
        if not _start_met(session, points):
            return []
        session.transaction_id = str(uuid.uuid4())
        return [_event(session, "Started", trigger)]
    if lost & points.stop:
        session.ended = True
        return [_event(session, "Ended", trigger)]
    return [_event(session, "Updated", trigger)]


def _event(session: Session, event_type: str, trigger: str) -> TxEvent:
    assert session.transaction_id is not None
    if session.remote_due and event_type != "Ended":
        trigger = "RemoteStart"  # F02.FR.21: whatever else happened, say why it began
    state = charging_state(session)
    if event_type == "Updated" and trigger in ("StopAuthorized", "RemoteStop"):
        # The energy stop that follows is reported as a charging-state change of its
        # own (Part 6 Table 433 expects it), so this event leaves the state out.
        show_state = None
    else:
        show_state = state if event_type == "Started" or state != session.reported_state else None
        session.reported_state = state
    evse: tuple[int, int | None] | None = None
    if session.evse_due and session.plugged:
        evse = (session.evse, session.connector)
    elif event_type == "Started":
        evse = (session.evse, None)  # the EVSE is known, the connector not yet
    token = session.token if session.token_due and session.token is not None else None
    remote = session.remote_start_id if session.remote_due else None
    reservation, session.reservation_id = session.reservation_id, None
    event = TxEvent(
        event_type=event_type,
        trigger=trigger,
        transaction_id=session.transaction_id,
        seq_no=session.seq_no,
        charging_state=show_state,
        stopped_reason=_stopped_reason(session, trigger) if event_type == "Ended" else None,
        evse=evse,
        token=token,
        remote_start_id=remote,
        reservation_id=reservation,
    )
    session.seq_no += 1
    if evse is not None and evse[1] is not None:
        session.evse_due = False
    session.token_due = session.token_due and token is None
    session.remote_due = False
    return event


def _stopped_reason(session: Session, trigger: str) -> str:
    """ReasonEnumType for the Ended event (E06.FR.08, E07.FR.05/.06, F03.FR.03)."""
    if session.stop_reason is not None:
        return session.stop_reason
    if trigger == "ChargingStateChanged" and session.evse_suspended:
        # TxStopPoint EnergyTransfer: holding back the energy of a refused token ends it
        return "DeAuthorized"
    return {
        "EVCommunicationLost": session.ev_gone_reason,
        "ChargingStateChanged": "StoppedByEV",
        "ResetCommand": "ImmediateReset",
    }.get(trigger, "Other")


def end_now(session: Session, trigger: str, reason: str) -> list[TxEvent]:
    """End a running transaction for a reason outside the TxStopPoint rules (a Reset,
    E06.FR.16's abnormal condition): one Ended event, or none if nothing runs."""
    if not session.running:
        return []
    session.ended = True
    session.energy = False  # ending it stops the energy: the state says so (EVConnected)
    session.stop_reason = reason
    return [_event(session, "Ended", trigger)]


def idle(sessions: Iterable[Session]) -> bool:
    """No transaction runs on any of ``sessions``."""
    return not any(s.running for s in sessions)
