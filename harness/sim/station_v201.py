"""OCPP 2.0.1 behaviour of the simulated station: frames, transactions, its blocks.

Requirement ids in comments are from OCPP 2.0.1 Part 2. Also used for 2.1, whose
messages for these flows have the same shape (untested so far).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from harness.sim.aligned_data_v201 import clock_aligned_loop
from harness.sim.auth_cache_v201 import BLOCK as AUTHORIZATION_CACHE
from harness.sim.auth_cache_v201 import AuthCache
from harness.sim.availability_v201 import BLOCK as AVAILABILITY
from harness.sim.blocks import Handler, dispatch
from harness.sim.cable_v201 import ev_side_plug_in, ev_side_unplug, fixed_cable, release
from harness.sim.cable_v201 import perturbed as cable_perturbed
from harness.sim.cable_v201 import variables as cable_variables
from harness.sim.certificates_v201 import BLOCK as SECURITY
from harness.sim.certificates_v201 import Certificates
from harness.sim.charging_profiles_v201 import BLOCK as SMART_CHARGING
from harness.sim.charging_profiles_v201 import ChargingProfiles
from harness.sim.connectors import Connector, Transaction
from harness.sim.customer_info_v201 import BLOCK as CUSTOMER_INFORMATION
from harness.sim.customer_info_v201 import CustomerInformation
from harness.sim.data_transfer import BLOCK as DATA_TRANSFER
from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import (
    TX_POINTS,
    DeviceModel,
    Variable,
    default_variables,
    memory_variables,
    physical_variables,
)
from harness.sim.diagnostics_v201 import BLOCK as DIAGNOSTICS
from harness.sim.diagnostics_v201 import LogUploads
from harness.sim.errors import CallErrorReceived, CallTimeout
from harness.sim.firmware_v201 import BLOCK as FIRMWARE
from harness.sim.firmware_v201 import FirmwareUpdates
from harness.sim.local_auth_v201 import LocalAuthorizer
from harness.sim.local_list_v201 import BLOCK as LOCAL_LIST
from harness.sim.local_list_v201 import LocalAuthList
from harness.sim.meter_values_v201 import Meter, PeriodicMeter
from harness.sim.meter_values_v201 import variables as meter_variables
from harness.sim.network_profiles_v201 import NetworkProfiles
from harness.sim.provisioning_v201 import BLOCK as PROVISIONING
from harness.sim.remote_control_v201 import BLOCK as REMOTE_CONTROL
from harness.sim.remote_control_v201 import await_cable
from harness.sim.reservation_v201 import BLOCK as RESERVATION
from harness.sim.reservation_v201 import Reservations, reservation_used
from harness.sim.token_groups_v201 import TokenGroups
from harness.sim.token_groups_v201 import variables as token_group_variables
from harness.sim.transaction_status_v201 import BLOCK as TRANSACTION_STATUS
from harness.sim.transactions_v201 import Session, TxEvent, TxPoints, happen
from harness.sim.tx_retry_v201 import send_transaction_event
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.station_link import StationLink

__all__ = ["DEFECTS", "StationV201"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # StationV201.status_requests
    Defect(
        "status-time-in-microseconds",
        "station",
        V201,
        "stamps its StatusNotifications with six decimals of a second (Part 2 §3.1 allows three)",
        "schema:StatusNotificationRequest:time-precision",
    ),
    # StationV201.retry_backoff
    Defect(
        "reconnects-at-once",
        "station",
        V201,
        "reconnects at once after a lost connection, ignoring RetryBackOffWaitMinimum",
        "OCPP-J 5.3",
    ),
    # StationV201._perturbed
    Defect(
        "tx-first-event-updated",
        "station",
        V201,
        "the first TransactionEvent of a transaction says Updated instead of Started",
        "E01.FR.02",
    ),
    # StationV201._perturbed
    Defect(
        "tx-no-evse-after-plug-in",
        "station",
        V201,
        "the first TransactionEvent after the plug-in does not name the EVSE and connector",
        "E01.FR.16",
    ),
    # StationV201._perturbed
    Defect(
        "tx-no-token-after-authorization",
        "station",
        V201,
        "the first TransactionEvent after an authorization does not carry the idToken",
        "E02.FR.20",
    ),
    # StationV201._perturbed
    Defect(
        "tx-remote-start-as-authorized",
        "station",
        V201,
        "the first TransactionEvent after a RequestStartTransaction says Authorized, "
        "not RemoteStart",
        "F02.FR.21",
    ),
    # StationV201._perturbed
    Defect(
        "tx-no-charging-state",
        "station",
        V201,
        "the TransactionEvent of the energy transfer leaves out chargingState Charging",
        "E02.FR.13",
    ),
    # StationV201._perturbed
    Defect(
        "tx-not-ended-at-unplug",
        "station",
        V201,
        "with TxStopPoint EVConnected, the event of the unplug says Updated, not Ended",
        "E06.FR.02",
    ),
    # StationV201.present_token
    Defect(
        "ev-connect-timeout-at-once",
        "station",
        V201,
        "a driver authorized by a presented token before the cable is in loses the "
        "authorization at once, without waiting EVConnectionTimeOut for the cable",
        "E03.FR.05",
    ),
    # StationV201.present_token
    Defect(
        "tx-authorize-before-stop",
        "station",
        V201,
        "asks the CSMS about the token that started the authorization before ending it",
        "C01.FR.03",
    ),
    # StationV201._perturbed
    Defect(
        "tx-remote-stop-reason-local",
        "station",
        V201,
        "a transaction stopped by RequestStopTransaction ends with stoppedReason Local",
        "F03.FR.03",
    ),
    # StationV201._perturbed
    Defect(
        "tx-stop-trigger-wrong",
        "station",
        V201,
        "the event of a local stop says ChargingStateChanged, not StopAuthorized",
        "E07.FR.02",
    ),
    # StationV201._perturbed
    Defect(
        "tx-local-stop-reason-wrong",
        "station",
        V201,
        "a transaction the driver's token ended says stoppedReason Other, not Local",
        "E07.FR.05",
    ),
    # StationV201._perturbed
    Defect(
        "tx-no-reservation-id",
        "station",
        V201,
        "the first TransactionEvent after the reserved token was used leaves out the reservationId",
        "H01.FR.15",
    ),
    # StationV201._perturbed
    Defect(
        "tx-ev-stop-reason-wrong",
        "station",
        V201,
        "a transaction the EV's suspend of the energy ended says stoppedReason Other, "
        "not StoppedByEV",
        "E06.FR.07",
    ),
    # StationV201._deliver
    Defect(
        "offline-flag-missing",
        "station",
        V201,
        "TransactionEvents that occurred while offline are delivered without offline true",
        "E04.FR.03",
    ),
    # StationV201._deliver
    Defect(
        "offline-readings-unflagged",
        "station",
        V201,
        "the periodic readings (MeterValuePeriodic) taken while offline are queued "
        "without offline true; its other queued events have it",
        "E04.FR.03",
    ),
    # StationV201._deliver
    Defect(
        "offline-flag-first-only",
        "station",
        V201,
        "only the first TransactionEvent queued while offline gets offline true; the "
        "ones queued after it are delivered without the flag",
        "E11.FR.02",
    ),
    # StationV201._deliver
    Defect(
        "drops-offline-events",
        "station",
        V201,
        "TransactionEvents that occur while offline are lost instead of queued and sent "
        "once the link is back",
        "E04.FR.02",
    ),
    # StationV201.on_plug
    Defect(
        "no-occupied-at-plug-in",
        "station",
        V201,
        "does not report the connector Occupied when the cable is plugged in",
        "G01.FR.03",
    ),
    # StationV201.on_unplug
    Defect(
        "no-available-at-unplug",
        "station",
        V201,
        "does not report the connector Available when the cable is pulled out",
        "G01.FR.04",
    ),
    # StationV201.reset_boot_reason
    Defect(
        "reset-boot-wrong-reason",
        "station",
        V201,
        "the BootNotification after a Reset says reason PowerUp, not RemoteReset",
        "B01.FR.09",
    ),
    # StationV201.__init__ (its physical variables)
    Defect(
        "reset-evse-not-announced",
        "station",
        V201,
        "a station that resets single EVSEs has no EVSE AllowReset variable to say so",
        "B11.FR.10",
    ),
)


def _start_points(station: StationLink) -> tuple[str, ...]:
    """The TxStartPoint values the station supports: all, or with the option
    no-energy-transfer-start all but EnergyTransfer (Part 5 C-09.5)."""
    if station.has_option("no-energy-transfer-start"):
        return tuple(point for point in TX_POINTS if point != "EnergyTransfer")
    return TX_POINTS


class StationV201:
    """Frames, transactions and state of a 2.0.1 station; its answers to the CSMS come
    from its functional blocks (:attr:`handlers`); the connection is :class:`StationLink`'s."""

    def __init__(self, station: StationLink) -> None:
        self.station = station
        #: set when AlignedDataCtrlr.Interval changes (the clock-aligned loop rereads it)
        self.aligned_changed = asyncio.Event()
        self.device_model = DeviceModel(
            default_variables(
                heartbeat_interval=max(0, round(station.timers.heartbeat_fallback)),
                message_timeout=max(1, round(station.timers.message_timeout)),
                security_profile=1 if station.password else 0,
                start_points=_start_points(station),
            )
            + memory_variables(
                local_list_entries=lambda: len(self.local_auth.local_list),
                charging_profile_entries=lambda: len(self.charging_profiles),
                certificate_entries=lambda: len(self.certificates),
            )
            + token_group_variables()
            + [
                # the slot of the connection in use (Part 2 B09; errata 6.2.17 reads it)
                Variable(
                    "OCPPCommCtrlr",
                    "ActiveNetworkProfile",
                    "",
                    mutability="ReadOnly",
                    dynamic=self._active_network_profile,
                )
            ]
            + meter_variables()
            + cable_variables(fixed=fixed_cable(station))
            + physical_variables(
                list(station.connectors),
                self._availability_state,
                self._problem,
                evse_reset=station.has_option("resets-per-evse")
                and not station.has("reset-evse-not-announced"),
            )
        )
        if station.has_option("meters-every-transaction"):
            self.device_model.store("SampledDataCtrlr", "TxUpdatedInterval", "1")
        if station.has_option("signs-energy-register-only"):
            for component in ("SampledDataCtrlr", "AlignedDataCtrlr"):
                self.device_model.store(
                    component, "TxEndedMeasurands", "Energy.Active.Import.Register,Voltage"
                )
        #: its network connection profiles and which CSMS it connects to next (B09, B10)
        self.network = NetworkProfiles(
            self.device_model,
            station.has,
            station.has_option,
            url=station.csms_url,
            security_profile=1 if station.password else 0,
            message_timeout=max(1, round(station.timers.message_timeout)),
        )
        self.device_model.set_check(
            "OCPPCommCtrlr", "NetworkConfigurationPriority", self.network.valid_priority
        )
        # What the station keeps for the CSMS, one module each (D01/D02, C10/C11, K01/
        # K09/K10, M03-M05); each is the owner of its block below.
        self.local_auth = LocalAuthorizer(
            self.device_model,
            LocalAuthList(self.device_model, station.has),
            AuthCache(self.device_model, has=station.has),
            station.has,
        )
        #: what it holds about each customer, for the CSMS to read or clear (N09, N10)
        self.customer_info = CustomerInformation(self.local_auth, station.send, station.has)
        #: the group of each session's token and the master pass (C09, C16)
        self.token_groups = TokenGroups(self.device_model, station.has)
        self.charging_profiles = ChargingProfiles(
            self.device_model,
            station.has,
            evses=lambda: {c.evse for c in station.connectors.values()},
            transaction_at=self._transaction_at,
            send=station.send,
        )
        self.certificates = Certificates(station.has)
        #: its log upload (N01) and firmware update (L01), which triggers report (F06)
        self.log_uploads = LogUploads(
            station.send, station.has, station.has_option, station.timers.scaled
        )
        self.firmware = FirmwareUpdates(station.send)
        self.sessions: dict[int, Session] = {}
        #: every transaction it started, by id: whether it has ended (E14, E01.FR.08)
        self.transactions_seen: dict[str, bool] = {}
        #: TransactionEvents that occurred offline, in order (E04.FR.01)
        self._queue: list[dict[str, Any]] = []
        #: one flush at a time: the periodic meter and a reconnection may both flush,
        #: and two would send the queue's head twice and pop past its end
        self._flushing = asyncio.Lock()
        #: the reservations it holds (H01)
        self.reservations = Reservations()
        #: its meters and what the transactions report of them (J01, J02)
        self.meter = Meter(self)
        #: the periodic meter readings of running transactions (E02.FR.10)
        self.periodic_meter = PeriodicMeter(self)
        #: the tasks that hold a refused token's energy back at its allowance
        self._watches: set[asyncio.Task[None]] = set()
        self._event_ids = itertools.count(1)
        #: EVSEs whose parking bay holds an EV (the park / leave_bay actions)
        self._bays_occupied: set[int] = set()
        #: what it answers: the calls of its functional blocks, one module each
        self.handlers: dict[str, Handler] = dispatch(
            "2.0.1",
            PROVISIONING.bind(self),
            AVAILABILITY.bind(self),
            RESERVATION.bind(self),
            REMOTE_CONTROL.bind(self),
            DATA_TRANSFER.bind(self),
            LOCAL_LIST.bind(self.local_auth.local_list),
            AUTHORIZATION_CACHE.bind(self.local_auth.cache),
            SMART_CHARGING.bind(self.charging_profiles),
            SECURITY.bind(self.certificates),
            DIAGNOSTICS.bind(self.log_uploads),
            CUSTOMER_INFORMATION.bind(self.customer_info),
            FIRMWARE.bind(self.firmware),
            TRANSACTION_STATUS.bind(self),
        )
        if station.has_option("no-smart-charging"):
            # a station without smart charging: it says so and takes none of its calls
            for name in ("Available", "Enabled"):
                self.device_model.store("SmartChargingCtrlr", name, "false")
            for action in self.charging_profiles.handlers():
                self.handlers.pop(action, None)

    # -- frames the station sends ---------------------------------------------------------

    def boot_request(self) -> dict[str, Any]:
        station = self.station
        charging_station = {
            "model": station.model,
            "vendorName": station.vendor,
            "serialNumber": station.serial,
        }
        # declared in station_v16 with its 1.6 perturbation (both versions)
        if station.has("boot-omits-model"):
            del charging_station["model"]
        return {"reason": station.boot_reason, "chargingStation": charging_station}

    def _availability_state(self, evse: int | None) -> str:
        """AvailabilityState of an EVSE (or, for None, the station) now: its connector's
        state where it has one connector, else the first connector's that is not
        Available (an EVSE is as busy as its busiest connector)."""
        connectors = [c for c in self.station.connectors.values() if evse is None or c.evse == evse]
        states = [self.status_name(connector) for connector in connectors]
        if evse is None:  # the station: Unavailable only when every connector is
            return "Unavailable" if states and set(states) == {"Unavailable"} else "Available"
        return next((state for state in states if state != "Available"), "Available")

    def _problem(self, evse: int | None) -> bool:
        """Has an EVSE (for None, the station) a Problem condition now: a faulted
        connector of it (a contained component's problem is the container's too)."""
        return any(c.faulted for c in self.station.connectors.values() if evse in (None, c.evse))

    def status_name(self, connector: Connector) -> str:
        if connector.faulted:
            return "Faulted"
        if not connector.operative:
            return "Unavailable"
        # The cable decides (G01.FR.03/.04; H03.FR.10), not whether a transaction runs:
        # TxStartPoint Authorized or ParkingBayOccupancy starts one without a cable.
        if self.reservations.holds(connector.evse):
            return "Reserved"  # G01.FR.09: a cable alone does not end the reservation
        if connector.plugged:
            return "Occupied"
        return "Available"

    def status_requests(
        self, *, only: Iterable[tuple[int, int]] | None = None, force_unavailable: bool = False
    ) -> list[dict[str, Any]]:
        keys = sorted(self.station.connectors) if only is None else list(only)
        precise = self.station.has("status-time-in-microseconds")
        return [
            {
                "timestamp": utc_now("microseconds" if precise else "milliseconds"),
                "connectorStatus": "Unavailable"
                if force_unavailable
                else self.status_name(self.station.connectors[key]),
                "evseId": key[0],
                "connectorId": key[1],
            }
            for key in keys
            if key in self.station.connectors
        ]

    def connector_reports(
        self, *, only: Iterable[tuple[int, int]] | None = None, force_unavailable: bool = False
    ) -> list[tuple[str, dict[str, Any]]]:
        """How this station reports connector states: StatusNotification, or NotifyEvent
        with option ``connector-report-notify-event`` (G01.FR.03-.07 allow either)."""
        statuses = self.status_requests(only=only, force_unavailable=force_unavailable)
        if not self.station.has_option("connector-report-notify-event"):
            return [("StatusNotification", status) for status in statuses]
        return [("NotifyEvent", self._availability_event(status)) for status in statuses]

    def _availability_event(self, status: dict[str, Any]) -> dict[str, Any]:
        """One connector's state as a NotifyEvent: a Delta of Connector.AvailabilityState,
        one event per message (so each is eventData[0], as Part 6 reads it)."""
        return {
            "generatedAt": status["timestamp"],
            "seqNo": 0,
            "tbc": False,
            "eventData": [
                {
                    "eventId": next(self._event_ids),
                    "timestamp": status["timestamp"],
                    "trigger": "Delta",
                    "actualValue": status["connectorStatus"],
                    "eventNotificationType": "HardWiredNotification",
                    "component": {
                        "name": "Connector",
                        "evse": {"id": status["evseId"], "connectorId": status["connectorId"]},
                    },
                    "variable": {"name": "AvailabilityState"},
                }
            ],
        }

    def startup_security_event(self, event_type: str) -> dict[str, Any] | None:
        """The SecurityEventNotification of a start (StartupOfTheDevice / ResetOrReboot:
        critical events of the Part 2 appendix, so sent: A04.FR.01)."""
        return {"type": event_type, "timestamp": utc_now()}

    def reset_boot_reason(self, *, scheduled: bool = False) -> str:
        """The boot reason after a Reset (B01.FR.09): RemoteReset, or ScheduledReset for
        one that waited for the transactions to end (Reset OnIdle, B12.FR.01/.03)."""
        if self.station.has("reset-boot-wrong-reason"):
            return "PowerUp"
        return "ScheduledReset" if scheduled else "RemoteReset"

    def retry_backoff(self, attempt: int) -> float | None:
        """Part 4 §5.3: the wait before reconnection attempt ``attempt`` (0 after the
        connection was lost), RetryBackOffWaitMinimum doubled per failed attempt up to
        RetryBackOffRepeatTimes times, plus up to RetryBackOffRandomRange at random. None
        while RetryBackOffWaitMinimum is 0 (the simulator's default): its own fast
        timers then."""
        comm = "OCPPCommCtrlr"
        minimum = int(self.device_model.value(comm, "RetryBackOffWaitMinimum"))
        if minimum <= 0:
            return None
        if self.station.has("reconnects-at-once"):
            return 0.0
        repeat = int(self.device_model.value(comm, "RetryBackOffRepeatTimes"))
        spread = int(self.device_model.value(comm, "RetryBackOffRandomRange"))
        seconds = minimum * 2 ** min(attempt, max(repeat, 0)) + random.uniform(0, max(spread, 0))
        return self.station.timers.scaled(seconds)

    def offline_threshold(self) -> float:
        """OCPPCommCtrlr.OfflineThreshold in real seconds: beyond it offline, the
        station reports every connector when it is back (B04.FR.01)."""
        return self.station.timers.scaled(
            int(self.device_model.value("OCPPCommCtrlr", "OfflineThreshold"))
        )

    def heartbeat_interval(self) -> int:
        return int(self.device_model.value("OCPPCommCtrlr", "HeartbeatInterval"))

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.device_model.store("OCPPCommCtrlr", "HeartbeatInterval", str(seconds))
        self.station.heartbeat_changed()

    async def periodic(self) -> None:
        """What the station sends on its own clock while connected, beside its
        heartbeats: the clock-aligned meter values (J01)."""
        await clock_aligned_loop(self)

    def meter_value(self, evse: int) -> list[dict[str, Any]]:
        """The latest energy reading of ``evse``."""
        return self.meter.latest(evse)

    # -- transactions ---------------------------------------------------------------------
    #
    # Which TransactionEvent a happening causes is decided by harness.sim.transactions_v201
    # from TxCtrlr.TxStartPoint/TxStopPoint; here the events are sent and the connector's
    # view (Occupied while a transaction runs) is kept in step.

    def tx_points(self) -> TxPoints:
        model = self.device_model
        return TxPoints.parse(
            model.value("TxCtrlr", "TxStartPoint"),
            model.value("TxCtrlr", "TxStopPoint"),
            signs=model.value("SampledDataCtrlr", "SignReadings") == "true",
        )

    def session(self, evse: int) -> Session:
        """The session at ``evse``; a new one when the last one is over and the EV gone."""
        session = self.sessions.get(evse)
        if session is None or (session.ended and not session.plugged):
            connector = self.station.connector(evse)
            session = Session(evse=evse, connector=connector.connector)
            session.plugged = connector.plugged
            session.in_bay = evse in self._bays_occupied
            self.sessions[evse] = session
        return session

    def forget_sessions(self) -> None:
        """A reboot: no session survives it (transactions were ended or are lost)."""
        self.sessions.clear()
        self.local_auth.cache.restarted()

    async def happen(self, session: Session, what: str, **facts: Any) -> list[TxEvent]:
        """Apply one happening and send the TransactionEvents it causes, in order."""
        events = happen(session, what, self.tx_points(), **facts)
        await self.send_events(session, events)
        return events

    async def send_events(self, session: Session, events: list[TxEvent]) -> None:
        for event in events:
            connector = self.station.connectors[(session.evse, session.connector)]
            status_before = self.status_name(connector)
            if event.token is not None:  # the station keeps who took part (N09)
                self.customer_info.token_used(event.token, event.transaction_id, session.evse)
            if event.event_type == "Started":
                self.transactions_seen[event.transaction_id] = False
                token = session.token or {}
                connector.transaction = Transaction(
                    id=event.transaction_id,
                    evse=session.evse,
                    connector=session.connector,
                    token=token.get("idToken", ""),
                    token_type=token.get("type", "ISO14443"),
                    remote_start_id=session.remote_start_id,
                    meter_start=self.meter.register_wh(session.evse),
                )
                self.meter.began(session)
                self.periodic_meter.started(session)
            ended = event.event_type == "Ended"
            if ended:
                self.transactions_seen[event.transaction_id] = True
            if ended and connector.transaction is not None:
                connector.transaction = None
            try:
                await self._deliver(self._event_payload(session, event))
                if self.status_name(connector) != status_before:
                    # a transaction without a cable still occupies the connector
                    await self.station.report_status([(session.evse, session.connector)])
            finally:
                if ended:
                    await self.station.transaction_ended()
        await self._act_on_refusals()

    async def _send_event(self, payload: dict[str, Any]) -> None:
        """Send one TransactionEvent; what its answer says about the token goes to the
        local authorization (C10.FR.05)."""
        response = await send_transaction_event(self, payload)  # retried on errors (E13)
        self.local_auth.event_answered(payload, response)

    async def _act_on_refusals(self) -> None:
        """A token the CSMS refused in a TransactionEventResponse: each running
        transaction it authorized is deauthorized or has its energy held back, as the
        local authorization says (E05.FR.02/.09/.10, C15.FR.03/.04/.06)."""
        happening = {"deauthorize": "deauthorize", "suspend": "suspend_evse"}
        for transaction_id, refusal in self.local_auth.refusals():
            for session in list(self.sessions.values()):
                if session.transaction_id != transaction_id or not session.running:
                    continue
                if refusal == "allowance":
                    self._watch_allowance(session)
                    continue
                if refusal == "suspend" and (session.evse_suspended or not session.authorized):
                    continue  # held back already, or no authorization left to hold
                await self.happen(session, happening[refusal])

    def _watch_allowance(self, session: Session) -> None:
        """A refused token's transaction may draw TxCtrlr.MaxEnergyOnInvalidId in all
        (E05.FR.03, C15.FR.07); once its meter says so, the energy is held back
        (E05.FR.02, C15.FR.06)."""
        allowance = int(self.device_model.value("TxCtrlr", "MaxEnergyOnInvalidId") or 0)

        async def watch() -> None:
            while session.running and self.sessions.get(session.evse) is session:
                left = allowance - self.meter.delivered_wh(session)
                if left <= 0:
                    if not session.evse_suspended and session.authorized:
                        await self.happen(session, "suspend_evse")
                    return
                # physical time: the EV draws the rest at the meter's power (at least
                # a tick, so that a paused flow is looked at again)
                await asyncio.sleep(max(self.meter.seconds_for(left), 0.05))

        task = asyncio.ensure_future(watch())
        self._watches.add(task)
        task.add_done_callback(self._watches.discard)

    def _can_send(self) -> bool:
        return self.station.online and self.station.boot_status == "Accepted"

    async def _deliver(self, payload: dict[str, Any]) -> None:
        """Send a TransactionEvent, or queue it while offline (E04.FR.01) marked
        ``offline`` (E04.FR.03); nothing overtakes what is already queued."""
        if not self._can_send():
            reading = payload.get("triggerReason") == "MeterValuePeriodic"
            unflagged = (reading and self.station.has("offline-readings-unflagged")) or (
                bool(self._queue) and self.station.has("offline-flag-first-only")
            )
            if not self.station.has("offline-flag-missing") and not unflagged:
                payload["offline"] = True
            if not self.station.has("drops-offline-events"):
                self._queue.append(payload)
            return
        if self._queue:
            self._queue.append(payload)
            await self.flush_queue()
            return
        await self._send_event(payload)

    def queued_events(self) -> list[dict[str, Any]]:
        """The TransactionEvents waiting in the offline queue, oldest first."""
        return list(self._queue)

    def running_transactions(self) -> list[str]:
        """Ids of the transactions that have started and not ended."""
        return [tx_id for tx_id, ended in self.transactions_seen.items() if not ended]

    async def flush_queue(self) -> None:
        """Deliver the queued TransactionEvents in order (E04.FR.02); one the link
        loses stays queued for the next connection."""
        async with self._flushing:
            while self._queue and self._can_send():
                head = self._queue[0]
                with suppress(CallErrorReceived, CallTimeout):  # answered or given up: done
                    await self._send_event(head)
                if self._queue and self._queue[0] is head:
                    self._queue.pop(0)
        await self._act_on_refusals()  # C15.FR.03/.04: answers to what was queued

    def _event_payload(self, session: Session, event: TxEvent) -> dict[str, Any]:
        info: dict[str, Any] = {"transactionId": event.transaction_id}
        if event.charging_state is not None:
            info["chargingState"] = event.charging_state
        if event.stopped_reason is not None:
            info["stoppedReason"] = event.stopped_reason
        if event.remote_start_id is not None:
            info["remoteStartId"] = event.remote_start_id
        payload: dict[str, Any] = {
            "eventType": event.event_type,
            "timestamp": event.at or utc_now(),
            "triggerReason": event.trigger,
            "seqNo": event.seq_no,
            "transactionInfo": info,
        }
        if event.evse is not None and not (event.evse[1] is None and self._evse_unknown(session)):
            evse_id, connector_id = event.evse
            payload["evse"] = {"id": evse_id}
            if connector_id is not None:
                payload["evse"]["connectorId"] = connector_id
        if event.token is not None:
            payload["idToken"] = dict(event.token)
        if event.reservation_id is not None:
            payload["reservationId"] = event.reservation_id
        # the meter data configured for the event (J02.FR.11, E06.FR.11); the start's
        # readings go with the first event that names the EVSE (E01.FR.09/.17)
        values = self.meter.begin_values(session) if "evse" in payload else None
        values = list(values or [])
        if event.event_type == "Ended":
            values += self.meter.ended_values(session) or []
        elif event.trigger == "MeterValuePeriodic":
            values += self.meter.periodic_values(session)
        elif event.trigger == "MeterValueClock":
            values.append(self.meter.aligned(session.evse))
        if values:
            payload["meterValue"] = values
        return self._perturbed(payload, session)

    def _evse_unknown(self, session: Session) -> bool:
        """Option evse-unknown-before-plug-in: a driver's token names no EVSE (one reader
        for all of them), so a transaction it starts names one only once the cable is in;
        a RequestStartTransaction names its EVSE."""
        unknown = self.station.has_option("evse-unknown-before-plug-in")
        return unknown and session.remote_start_id is None

    def _perturbed(self, payload: dict[str, Any], session: Session) -> dict[str, Any]:
        """The transaction defects: each changes one field of the event it concerns."""
        has = self.station.has
        info = payload["transactionInfo"]
        if has("tx-first-event-updated") and payload["eventType"] == "Started":
            payload["eventType"] = "Updated"
        if has("tx-no-evse-after-plug-in") and "connectorId" in payload.get("evse", {}):
            del payload["evse"]
        if has("tx-no-token-after-authorization"):
            payload.pop("idToken", None)
        if has("tx-no-reservation-id"):
            payload.pop("reservationId", None)
        if has("tx-remote-start-as-authorized") and payload["triggerReason"] == "RemoteStart":
            payload["triggerReason"] = "Authorized"
        if has("tx-no-charging-state") and info.get("chargingState") == "Charging":
            del info["chargingState"]
        if (
            has("tx-not-ended-at-unplug")
            and payload["eventType"] == "Ended"
            and payload["triggerReason"] == "EVCommunicationLost"
        ):
            payload["eventType"] = "Updated"
            del info["stoppedReason"]
        if has("tx-remote-stop-reason-local") and info.get("stoppedReason") == "Remote":
            info["stoppedReason"] = "Local"
        if has("tx-ev-stop-reason-wrong") and info.get("stoppedReason") == "StoppedByEV":
            info["stoppedReason"] = "Other"
        if has("tx-local-stop-reason-wrong") and info.get("stoppedReason") == "Local":
            info["stoppedReason"] = "Other"
        if has("tx-stop-trigger-wrong") and payload["triggerReason"] == "StopAuthorized":
            payload["triggerReason"] = "ChargingStateChanged"
        cable_perturbed(payload, has)  # the disconnect and departure events
        return payload

    async def on_plug(self, connector: Connector) -> None:
        """The cable is in: Occupied first (G01.FR.03), then what TxStartPoint says."""
        if not self.station.has("no-occupied-at-plug-in"):
            await self.station.report_status([(connector.evse, connector.connector)])
        await self.happen(self.session(connector.evse), "plug", connector=connector.connector)

    async def on_unplug(self, connector: Connector) -> None:
        """The cable is out: the transaction ends if TxStopPoint lists EVConnected. A
        fixed cable can only come out of the EV (harness.sim.cable_v201)."""
        if fixed_cable(self.station):
            await ev_side_unplug(self, connector)
            return
        session = self.sessions.get(connector.evse)
        if session is not None and session.connector == connector.connector and session.plugged:
            await self.happen(session, "unplug")
        await self.report_unplugged(connector)

    async def report_unplugged(self, connector: Connector) -> None:
        """The connector a cable left is Available again (G01.FR.04)."""
        if not self.station.has("no-available-at-unplug"):
            await self.station.report_status([(connector.evse, connector.connector)])

    async def on_ev_side_unplug(self, connector: Connector) -> None:
        """The cable comes out of the EV only (E09, E10)."""
        await ev_side_unplug(self, connector)

    async def on_ev_side_plug_in(self, connector: Connector) -> None:
        """The cable goes back into the EV."""
        await ev_side_plug_in(self, connector)

    async def on_bay(self, evse: int, occupied: bool) -> None:
        """The parking-bay sensor: an EV drives in (EVDetected, E01.FR.01 with
        TxStartPoint ParkingBayOccupancy) or out (EVDeparted, E06.FR.01)."""
        if occupied:
            self._bays_occupied.add(evse)
        else:
            self._bays_occupied.discard(evse)
        await self.happen(self.session(evse), "park" if occupied else "leave")

    async def on_ev_suspend(self, connector: Connector) -> None:
        session = self.sessions.get(connector.evse)
        if session is not None:
            await self.happen(session, "suspend_ev")

    def _offline_authorized(self, token: str) -> bool:
        """Whether the station lets ``token`` charge while offline: with
        OfflineTxForUnknownIdEnabled any token may (C15.FR.08); the simulator has no
        other offline source of truth unless a local list or cache knows the token."""
        model = self.device_model
        if model.value("AuthCtrlr", "LocalAuthorizeOffline") != "true":
            return False
        if self.known_locally(token):
            return True
        if self.local_auth.knows({"idToken": token, "type": self.station.token_type}):
            return False  # C13.FR.04: known locally but not Accepted, so not an unknown id
        return self.local_auth.offline_takes_unknown()

    def known_locally(self, token: str) -> bool:
        """Whether a local source (the local authorization list, the cache) accepts
        ``token`` without the CSMS (C13.FR.02/.04)."""
        return self.local_auth.offline_accepts({"idToken": token, "type": self.station.token_type})

    async def _authorize_online(self, id_token: dict[str, Any]) -> dict[str, Any]:
        """The answer about a presented token while online: from the list or cache when
        LocalPreAuthorize allows (C12.FR.02, C14.FR.02), else from an AuthorizeRequest
        (C01.FR.02), which the cache then remembers (C10.FR.04)."""
        known = self.local_auth.known(id_token)
        if known is not None:
            return {"idTokenInfo": known}
        response = await self.station.send("Authorize", {"idToken": id_token})
        self.local_auth.learned(id_token, response.get("idTokenInfo"))
        return response

    def _active_network_profile(self) -> str:
        slot = self.network.last_connected
        return "" if slot is None else str(slot)

    def smart_charging(self) -> bool:
        """Whether the station supports smart charging and has it on (SmartChargingCtrlr
        Available and Enabled; F01.FR.12's note)."""
        model = self.device_model
        return all(model.value("SmartChargingCtrlr", n) == "true" for n in ("Available", "Enabled"))

    def _transaction_at(self, evse: int) -> str | None:
        """The id of the transaction running at ``evse``, if one runs."""
        session = self.sessions.get(evse)
        return session.transaction_id if session is not None and session.running else None

    def _holding(self, token: str) -> Session | None:
        """The session whose authorization ``token`` started, if one is authorized; a
        session whose transaction ended and whose EV has left is over (its
        authorization went with the EV)."""
        for session in self.sessions.values():
            if session.ended and not session.plugged:
                continue
            if session.authorized and (session.token or {}).get("idToken") == token:
                return session
        return None

    def authorizable(self, evse: int | None) -> Session | None:
        """Where a newly authorized driver charges: ``evse`` if given, else an EVSE with
        the cable in and nobody authorized, else the first free usable EVSE."""
        free = [
            c
            for c in sorted(self.station.connectors.values(), key=lambda c: (c.evse, c.connector))
            if c.usable and (evse is None or c.evse == evse) and not self._authorized_at(c.evse)
        ]
        plugged = [c for c in free if c.plugged]
        chosen = next(iter(plugged or free), None)
        return None if chosen is None else self.session(chosen.evse)

    def _authorized_at(self, evse: int) -> bool:
        session = self.sessions.get(evse)
        return session is not None and session.authorized and not session.ended

    async def _stop_local(self, session: Session, by: dict[str, str] | None) -> dict[str, Any]:
        """End the authorization of ``session`` at the driver's request (E07.FR.01);
        ``by`` is the token that ended it when it is not the one that started it (a
        member of its group), named in the event (E07.FR.02)."""
        if by is not None:
            session.token, session.token_due = dict(by), True
        running = session.running
        await self.happen(session, "stop_local")
        return {
            "response": None,
            "transaction": "stopped" if running else "deauthorized",
            "transaction_id": session.transaction_id,
        }

    async def _master_pass(self) -> str:
        """A master pass: every running transaction ends (C16.FR.02), none starts; with
        a user interface (option master-pass-ui) its screen shows (C16.FR.01)."""
        screen = self.station.has_option("master-pass-ui")
        sessions = list(self.sessions.values())
        stopped = self.token_groups.master_pass_stops(sessions, screen=screen)
        if self.token_groups.screen_shown:
            return "master-pass-screen"
        if screen and stopped:
            # a station that should have shown its screen and did not (a defect) ends
            # them on its own, a moment after it answered the driver
            self.station.spawn(self._send_stopped(stopped, self.station.timers.reaction_time))
        else:
            await self._send_stopped(stopped)
        return "stopped" if stopped else "refused"

    async def _send_stopped(
        self, stopped: list[tuple[Session, list[TxEvent]]], delay: float = 0.0
    ) -> None:
        if delay:
            await asyncio.sleep(delay)  # the device's own pace
        for session, events in stopped:
            await self.send_events(session, events)

    async def master_pass_choice(self, evse: int | None) -> dict[str, Any]:
        """The operator's choice on the master pass screen: stop the transaction at
        ``evse``, or all of them (C16.FR.01)."""
        sessions = list(self.sessions.values())
        stopped = self.token_groups.chosen(sessions, evse)
        await self._send_stopped(stopped)
        for session in self.token_groups.held_back(sessions, evse):
            await self.happen(session, "suspend_evse")
        return {"stopped": [session.transaction_id for session, _ in stopped]}

    async def present_token(self, token: str, evse: int | None = None) -> dict[str, Any]:
        """A driver presents ``token``. The token that started an authorization ends it
        at once, without an AuthorizeRequest (C01.FR.03, E07.FR.01); any other token is
        authorized by the CSMS first (C01.FR.02)."""
        released = release(self, token)  # a cable held after an EV-side disconnect
        holding = self._holding(token)
        if holding is not None:
            if self.station.has("tx-authorize-before-stop"):
                await self.station.send("Authorize", {"idToken": dict(holding.token or {})})
            return await self._stop_local(holding, None)
        if released:
            return {"response": None, "transaction": None, "released": True}
        id_token = {"idToken": token, "type": self.station.token_type}
        if self._can_send():
            response = await self._authorize_online(id_token)
        elif self._offline_authorized(token):
            # decided locally (C15) by what the list or cache holds, its group too
            response = {"idTokenInfo": self.local_auth.offline_info(id_token)}
        else:
            response = {"idTokenInfo": {"status": "Unknown"}}
        result: dict[str, Any] = {"response": response, "transaction": None}
        info = response.get("idTokenInfo", {})
        if self.token_groups.master_pass(info):
            return {**result, "transaction": await self._master_pass()}  # C16.FR.02/.03
        grouped = self.token_groups.ends(self.sessions.values(), info, evse)
        if grouped is not None:
            return {**result, **await self._stop_local(grouped, id_token)}  # C09.FR.03
        if not self.local_auth.accepts(info):
            return result
        session = self.authorizable(evse)
        if session is None:
            return result
        self.token_groups.granted(session.evse, info)
        had_started = session.started
        reservation = self.reservations.use(session.evse, token)
        await self.happen(session, "authorize", token=id_token, reservation_id=reservation)
        if reservation is not None:
            await reservation_used(self, session.evse)
        # E03.FR.05: the cable must come within EVConnectionTimeOut
        await_cable(self, session, at_once=self.station.has("ev-connect-timeout-at-once"))
        state = "authorized"
        if session.started:
            state = "authorized" if had_started else "started"
        return {**result, "transaction": state, "transaction_id": session.transaction_id}
