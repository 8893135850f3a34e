"""Everything one DUT needs during a run: its profile, session, listener and control.

The plugin keeps one :class:`DutEnvironment` per DUT profile for the whole run (the
server is started once; a real station stays connected between cases). With the
``sim`` adapter, each case gets a fresh simulator, so that cases do not leak state into
each other and self-tests can give each run its own defects.

Without ``--dut``, the run uses :func:`embedded_profiles`: the bundled simulators in
both roles and both versions.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.connectors import ConnectorKey, connector_keys
from harness.control.adapters import CommandAdapter, HttpAdapter, ManualAdapter, SimAdapter
from harness.control.vocabulary import ACTIONS, RESTARTS, check_action, protect_params
from harness.dut import DutProfile, Evse, profile_from_dict
from harness.loop import AnyLoop
from harness.ocppj import OcppVersion
from harness.preconditions import establish_station_preconditions
from harness.roles import CsmsRole, StationRole
from harness.session import Session
from harness.station_answers import StationLayout
from harness.testcase import CHARGING_STATION, CSMS
from harness.trace import IN, Topic
from harness.transport import ConnectionSpacing, CsmsServer
from harness.verdicts import DutFailure, HarnessError

__all__ = [
    "CaseSetup",
    "Dut",
    "DutEnvironment",
    "applies_with_options",
    "embedded_profiles",
    "profile_with_options",
    "not_applicable_to",
    "simulator_variant",
]

#: seconds; the embedded simulators answer at once, so short bounds keep runs fast
EMBEDDED_TIMEOUTS = {"connect": 2, "response": 1, "operator": 5}

#: what the bundled simulators implement, as Part 5 feature ids (applicability), per
#: role and OCPP version: the ids are Part 5's of that version (1.6 has no C-44)
EMBEDDED_FEATURES: dict[tuple[str, str], dict[str, bool]] = {
    # the simulated CSMS can be set to answer a boot Pending first (dut.act("boot_pending"))
    (CSMS, "2.0.1"): {
        "C-44": True,
        # it reports and clears customer information by customerIdentifier
        "C-14": True,
        # it unlocks connectors on request (unlock_connector) and triggers every message
        # a CSMS's Part 5 lists (trigger_message)
        "C-11": True,
        "C-29": True,
        "C-29.1": True,
        "C-29.2": True,
        "C-29.3": True,
        "C-29.4": True,
        "C-29.5": True,
        # it resets one EVSE (reset with evse), sends several items in one Get- or
        # SetVariables, asks for the ConfigurationInventory and FullInventory reports
        "C-13": True,
        "C-45": True,
        "C-46": True,
        "C-17": True,
        "C-50.2": True,
        # and asks a station about its transactions (get_transaction_status)
        "C-16": True,
    },
    # the simulated 2.0.1 station, by functional block (each block's features together)
    (CHARGING_STATION, "2.0.1"): {
        # -- block C, authorization --
        # RFID ISO14443 cards; no cable lock before authorization; a master pass on a
        # station without a UI; an authorization cache with LifeTime and
        # DisablePostAuthorize; offline authorization of unknown ids; an energy allowance
        # for refused tokens (MaxEnergyOnInvalidId)
        "C-30": True,
        "AQ-2": False,
        "C-08": True,
        "C-49": True,
        "C-53": True,
        # AuthCtrlr.DisableRemoteAuthorization: true leaves it its cache and list only
        "C-58": True,
        "C-59": True,
        "C-02": True,
        "C-03": True,
        # -- block F, remote control --
        # every TriggerMessage Part 5 names (LogStatusNotification and
        # FirmwareStatusNotification: Idle); remote start of ISO14443 tokens, with and
        # without authorizing them first (AuthorizeRemoteStart is ReadWrite)
        "C-29": True,
        "C-29.1": True,
        "C-29.2": True,
        "C-29.3": True,
        "C-29.4": True,
        "C-29.5": True,
        "C-29.6": True,
        "C-36": True,
        "C-48": True,
        "C-48.1": True,
        "C-48.2": True,
        # a detachable cable in a connector lock that unlocks on request (F05)
        "HFS-1": True,
        # -- block E, transactions --
        # TxStartPoint and TxStopPoint ReadWrite, every point (DataSigned: its meter signs
        # when SignReadings is true); a parking-bay sensor (the park and leave_bay actions)
        "C-51": True,
        "C-52": True,
        "C-09.1": True,
        "C-09.2": True,
        "C-09.3": True,
        "C-09.4": True,
        "C-09.5": True,
        "C-09.6": True,
        "C-10.1": True,
        "C-10.2": True,
        "C-10.3": True,
        "C-10.4": True,
        "C-10.5": True,
        # -- block J, meter values --
        # measurands for every kind of reading, signed readings, clock-aligned readings
        # that can be switched off during transactions (AlignedDataCtrlr.SendDuringIdle)
        "C-40": True,
        "C-42": True,
        "C-28": True,
        # an IEC 61851-1 (Mode 3) EV; StopTxOnEVSideDisconnect and UnlockOnEVSideDisconnect
        # ReadWrite, so either behaviour of an EV-side disconnect (E09, E10); offline
        # authorization (through the cache and OfflineTxForUnknownIdEnabled, C-49/C-02);
        # the cable is detachable (HFS-1), the option fixed-cable makes it fixed
        "AQ-9": True,
        "C-06.1": True,
        "C-06.2": True,
        "C-12.1": True,
        "C-12.2": True,
        "C-01": True,
        "HFS-2": False,
        # -- block N, diagnostics --
        # a new GetLog cancels the upload under way; customer information by
        # customerIdentifier (what an operator stored)
        "C-57": True,
        "C-14": True,
        # -- block K, smart charging --
        # charging profiles (K01, K09, K10) and a remote start's TxProfile (F01.FR.10);
        # option no-smart-charging is the station without them (TC_K_38_CS)
        "smart_charging": True,
        # -- block G, availability --
        # -- block B, provisioning --
        # after every network profile failed, back to the last one that connected (B10.FR.07)
        "C-47": True,
    },
}

#: where the simulated station "uploads" logs and "downloads" firmware from (it does not:
#: the values only need to be well-formed for GetLog and UpdateFirmware)
#: the MaxEnergyOnInvalidId (Wh) TC_C_15_CS gives the simulated station: its EV (11 kW)
#: draws it a few seconds after the transaction starts, some of it while the CSMS is
#: away, the rest once the token is refused (Part 6's 10000 Wh would take an hour)
EMBEDDED_MAX_ENERGY_ON_INVALID_ID = 12

EMBEDDED_FILES = {
    "log_location": "http://127.0.0.1:1/logs/",
    # a directory the simulated log server lacks (harness.sim.diagnostics_v201)
    "log_location_missing": "http://127.0.0.1:1/no-such-dir/logs/",
    "firmware_location": "http://127.0.0.1:1/firmware/sim-2.bin",
    "firmware_signing_certificate": "-----BEGIN CERTIFICATE-----\nsim\n-----END CERTIFICATE-----",
    "firmware_signature": "c2ltdWxhdGVkIHNpZ25hdHVyZQ==",
}

#: seconds a simulator's timing may be off (event loop scheduling on a busy machine)
EMBEDDED_TIME_DEVIATION = 0.3

#: the trace's line when a case begins with no station, its first step bringing one
_BROUGHT = "precondition: no station connected; the case's first step ({}) brings it"

#: interval (s) in the harness's default answer to an unscripted BootNotification. Long,
#: so that periodic Heartbeats do not blur cases about other messages; cases about the
#: heartbeat give the profile's ``timers.heartbeat`` themselves.
UNSCRIPTED_HEARTBEAT_INTERVAL = 300


def embedded_profiles() -> list[DutProfile]:
    """The bundled simulators as DUTs: station and CSMS, OCPP 1.6 and 2.0.1."""
    profiles = []
    for kind in (CHARGING_STATION, CSMS):
        for ocpp in ("1.6", "2.0.1"):
            short = "cs" if kind == CHARGING_STATION else "csms"
            data: dict[str, Any] = {
                "dut": {
                    "kind": kind,
                    "ocpp": ocpp,
                    "identity": f"SIM-{short.upper()}-{ocpp.replace('.', '')}",
                    "security_profile": 0,
                },
                "timeouts": dict(EMBEDDED_TIMEOUTS),
                "timers": {
                    "heartbeat": 1,
                    "boot_retry": 1,
                    "ev_connection_timeout": 1,
                    "aligned_data_interval": 1,
                    "aligned_data_tx_ended_interval": 1,
                    "sampled_data_tx_updated_interval": 1,
                    "sampled_data_tx_ended_interval": 1,
                    "log_retry_interval": 1,
                },
                # the shortest back-off Part 4 §5.3 can be measured with (whole seconds);
                # the simulated station's two network-profile slots (its valuesList)
                "network": {
                    "retry_backoff_wait_minimum": 1,
                    "offline_threshold": 1,
                    "tx_message_attempt_interval": 1,
                    "configuration_slot": 0,
                    "configuration_slot2": 1,
                },
                # the simulators keep time closely: a defect of a fraction of the
                # interval must show (a real device gets the labs' 4 s)
                "tolerances": {"time_deviation": EMBEDDED_TIME_DEVIATION},
                "features": dict(EMBEDDED_FEATURES.get((kind, ocpp), {})),
                "control": {"adapter": "sim"},
            }
            # a simulator does not care how long a transaction charges before it is
            # stopped: no wait in the transaction states keeps the self-tests fast
            data["harness"] = {
                "transaction_duration": 0,
                "max_energy_on_invalid_id": EMBEDDED_MAX_ENERGY_ON_INVALID_ID,
                **EMBEDDED_FILES,
            }
            if kind == CHARGING_STATION:
                data["listen"] = {"host": "127.0.0.1", "port": 0, "path": "/ocpp"}
            else:
                # set per case; the simulator has no broker to overrun: no spacing, so
                # the catalog's cases follow each other at once
                data["connect"] = {"url": "ws://127.0.0.1:0/ocpp", "spacing": 0}
            profiles.append(profile_from_dict(data, source=f"<embedded {short} {ocpp}>"))
    return profiles


class Dut:
    """The device under test as a test case sees it: its profile and ``act``."""

    def __init__(
        self,
        profile: DutProfile,
        environment: DutEnvironment,
        adapter: Any,
        session: Session,
        finally_do: Callable[..., None] | None = None,
    ) -> None:
        self.profile = profile
        self._environment = environment
        self._adapter = adapter
        self._session = session
        #: the role's post-conditions, where an action's undo is registered
        self._finally_do = finally_do
        self._undo_registered: set[str] = set()

    @property
    def identity(self) -> str:
        return self.profile.identity

    @property
    def ocpp(self) -> OcppVersion:
        return self.profile.ocpp

    @property
    def timers(self) -> Any:
        return self.profile.timers

    @property
    def timeouts(self) -> Any:
        return self.profile.timeouts

    @property
    def tokens(self) -> Any:
        return self.profile.tokens

    @property
    def layout(self) -> Any:
        return self.profile.layout

    def connectors(self, evse: int | None = None) -> list[tuple[int, int]]:
        """(evse, connector) of every connector of the layout, or of ``evse``'s."""
        return [
            (entry.id, connector)
            for entry in self.profile.layout
            if evse is None or entry.id == evse
            for connector in entry.connectors
        ]

    def configured_connector(self) -> tuple[int, int]:
        """Part 6's <Configured evseId> and <Configured connectorId>: the layout's first
        EVSE and its first connector."""
        first = self.profile.layout[0]
        return first.id, first.connectors[0]

    def supports(self, feature: str) -> bool:
        return self.profile.supports(feature)

    def act(self, action: str, **params: Any) -> dict[str, Any]:
        """Have ``action`` done to the DUT by the profile's control adapter.

        While it is being done the harness keeps answering the DUT (a device must not
        stall while an operator plugs a cable in). A secret parameter (a password) is
        a :class:`harness.secrets.Secret` from here on: the trace, the adapters' records
        and any error show ``***``.
        """
        check_action(action, params)
        params = protect_params(action, params)
        session = self._session
        kind = "operator" if self.profile.control.adapter == "manual" else "act"
        what = action + (f" {params}" if params else "")
        with session.trace.recording(kind, what, topic=Topic.ACTION):
            result = self._act(action, params)
        undo = ACTIONS[action].undo
        if undo and self._finally_do is not None and undo not in self._undo_registered:
            # once per case: after the case, passed or failed, the DUT is set back
            self._undo_registered.add(undo)
            self._finally_do(f"{undo}: undo {action}", self.act, undo)
        return result

    async def _check_progress(self, action: str, progress: Any, start: int) -> None:
        """Hold a control service's word on how far the CSMS got against the trace: the
        request it says was sent (or is queued) must reach the station within the
        response timeout."""
        session, wait = self._session, self.profile.timeouts.response

        def arrived() -> bool:
            calls = [
                e
                for e in session.trace.entries[start:]
                if e.kind == "frame" and e.direction == IN and e.message_type == "CALL"
            ]
            if progress.message_id is not None:
                return any(e.message_id == progress.message_id for e in calls)
            return bool(calls)

        if await session.wait_for(arrived, wait):
            return
        said = progress.state + (
            f" with message id {progress.message_id}" if progress.message_id else ""
        )
        if progress.state == "queued":
            raise DutFailure(
                f"the control service says the CSMS queued the request of {action!r}, and "
                f"the CSMS sent nothing within {wait:g} s",
                "control.queued-never-sent",
            )
        raise DutFailure(
            f"the control service says the request of {action!r} was {said}, and no such "
            f"request reached the station within {wait:g} s",
            "control.sent-not-received",
        )

    def _act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        loop = self._environment.loop
        session = self._session

        async def begin() -> int:
            # one thing at a time: what the DUT asked before is answered first (a CSMS
            # is never asked for a request while its own CALL waits for an answer)
            session.settle()
            session.mark_seen()
            session.waiting()
            if action in RESTARTS:
                session.monitors.boot_gate.restarted()
            return len(session.trace.entries)

        async def end() -> None:
            session.scripting()

        start = loop.run(begin(), 5)
        # The adapter may block (an operator, a lab service): it runs in a worker
        # thread while the loop goes on answering the DUT.
        bound = self.profile.timeouts.operator + self.profile.timeouts.response
        try:
            result = loop.run_blocking(self._adapter.act, action, params, timeout=bound) or {}
            progress = getattr(self._adapter, "last_progress", None)
            if progress is not None and progress.state and ACTIONS[action].makes_csms_send:
                loop.run(self._check_progress(action, progress, start), bound)
        except Exception as exc:
            # A DUT that broke a rule while the action ran (say, a CSMS that sent an
            # invalid request and then choked on our error reply) fails the case; the
            # adapter's own trouble is only the consequence.
            if session.failures and not isinstance(exc, pytest.skip.Exception):
                raise session.failures[0] from exc
            raise
        finally:
            loop.run(end(), 5)
        session.raise_failure()
        return result


@dataclass(frozen=True)
class CaseSetup:
    """What one case changes of the run-wide set-up (the ``ocpp_sim`` marker).

    The self-test matrix runs every case against the conformant simulator and against
    each defect it claims, all in one pytest process: each item brings its own defects,
    legal variations and strictness instead of a run per defect. ``None`` keeps the
    run's value.
    """

    defects: tuple[str, ...] | None = None
    options: tuple[str, ...] | None = None
    strict: bool | None = None
    #: how the harness's station reports connectors (``[harness] connector_report``)
    connector_report: str | None = None

    def over(
        self, *, defects: tuple[str, ...], options: tuple[str, ...], strict: bool
    ) -> ResolvedSetup:
        """This case's set-up over the run's: the run's value wherever the case keeps it."""
        return ResolvedSetup(
            defects=defects if self.defects is None else self.defects,
            options=options if self.options is None else self.options,
            strict=strict if self.strict is None else self.strict,
            connector_report=self.connector_report,
        )


@dataclass(frozen=True)
class ResolvedSetup:
    """What one case runs with: :class:`CaseSetup` with the run's values filled in."""

    defects: tuple[str, ...]
    options: tuple[str, ...]
    strict: bool
    connector_report: str | None


@dataclass(frozen=True)
class _KeptSim:
    """The embedded simulator kept from case to case (``--sim-one-device``), with the
    set-up it was started with: a case that asks for another set-up gets a new one."""

    defects: tuple[str, ...]
    options: tuple[str, ...]
    sim: Any


@dataclass
class DutEnvironment:
    """Run-long state for one DUT profile."""

    profile: DutProfile
    loop: AnyLoop
    defects: tuple[str, ...] = ()
    #: legal variations the embedded simulators are told to show (harness.sim.options)
    options: tuple[str, ...] = ()
    hold_seconds: float = 2.0
    strict: bool = False
    #: keep one embedded simulator for the run, as a lab keeps its device (a case's
    #: leftovers then reach the next case, as they do on a real device); default: a
    #: fresh simulator per case
    one_device: bool = False
    _kept_sim: _KeptSim | None = None
    #: the embedded station simulator of the case running (None: a real station)
    _station_sim: Any = None
    session: Session | None = None
    server: CsmsServer | None = None
    setup_error: HarnessError | None = None
    #: the case that ran last on this DUT (a precondition error names it)
    previous_case: str | None = None
    #: the case after which the start state was first found unmet, while it stays so
    _unmet_since: str | None = None
    #: "<case id>: <reason>" once the DUT never connected or could not be reached: the
    #: run's later cases of this DUT are skipped with it (unless --connect-each-case)
    unreachable: str | None = None
    #: a line for the person at the terminal (the plugin's; silent in the engine tests)
    say: Callable[[str], None] = lambda text: None
    _announced: bool = False
    _finalizers: list[Any] = field(default_factory=list)
    _spacing: ConnectionSpacing | None = None

    @property
    def kind(self) -> str:
        return self.profile.kind

    @property
    def spacing(self) -> ConnectionSpacing:
        """When the harness's station last closed a connection of each identity, for
        the whole run: a case's first connection keeps its distance from the previous
        case's last one (the profile's connect.spacing)."""
        if self._spacing is None:
            self._spacing = ConnectionSpacing(self.profile.connect.spacing)
        return self._spacing

    def _new_session(self, strict: bool) -> Session:
        session = Session(
            self.profile.ocpp,
            strictness=self.profile.strictness,
            heartbeat_interval=UNSCRIPTED_HEARTBEAT_INTERVAL,
            hold_seconds=self.hold_seconds,
            describe_peer="charging station" if self.kind == CHARGING_STATION else "CSMS",
            strict=strict,
            time_deviation=self.profile.tolerances.time_deviation,
        )
        if self.kind == CHARGING_STATION:
            # Part 1 §7: the EVSEs and connectors it reports are the layout's
            session.monitors.layout = {evse.id: evse.connectors for evse in self.profile.layout}
        # a long wait speaks on the terminal (the plugin's say; silent in the engine tests)
        session.on_long_wait = lambda what, left: self.say(
            f"still waiting for {what} ({left:.0f} s left)"
        )
        return session

    def _station_absent(self, session: Session) -> bool:
        """No station is connected and none is on its way: known only of the embedded
        one (off until a case starts it). A real one is waited for as in any case (it
        may be coming up, or rebooting after the previous case, and its boot must not
        mix with the one the case brings); only if it does not come does the case go on
        without it."""
        if session.connected or self._station_sim is None:
            return False
        return bool(getattr(self._station_sim, "off", False))

    def _announce_wait(self, session: Session, url: str, timeout: float) -> None:
        """Once per run, say where a real station is expected, when it is not there yet
        (the bundled simulators connect at once and need no word)."""
        if self._announced or session.connected or self.profile.control.adapter == "sim":
            return
        self._announced = True
        self.say(
            f"waiting for charging station {self.profile.identity} to connect to {url} "
            f"(up to {timeout:g} s)"
        )

    def _role_kwargs(self, profile: DutProfile) -> dict[str, Any]:
        """The role's settings for a case run with ``profile`` (a simulator variation
        may give the device other EVSEs than the run's profile)."""
        return {
            "response_timeout": self.profile.timeouts.response,
            "connect_timeout": self.profile.timeouts.connect,
            "evses": [(evse.id, evse.connectors) for evse in profile.layout],
        }

    def _boot_reports(self, profile: DutProfile) -> list[ConnectorKey]:
        """The connectors whose status the set-up waits for after a boot: every real
        connector. 1.6's connector 0 (the charge point itself) is not waited for: a
        station that never reports it would cost the whole boot wait before every case;
        a case that checks it (TC_001_CS) does so itself."""
        layout = [(evse.id, evse.connectors) for evse in profile.layout]
        return [key for key in connector_keys(self.profile.ocpp, layout) if key != 0]

    def _password(self) -> str | None:
        return self.profile.password.reveal() if self.profile.password else None

    # -- harness as CSMS ----------------------------------------------------------------

    def ensure_server(self) -> CsmsServer:
        if self.setup_error is not None:
            raise self.setup_error
        if self.server is None:
            self.session = self._new_session(self.strict)
            session = self.session
            listen = self.profile.listen
            server = CsmsServer(
                version=self.profile.ocpp,
                identity=self.profile.identity,
                host=listen.host,
                port=listen.port,
                path=listen.path,
                second_path=listen.second_path,
                security_profile=self.profile.security_profile,
                password=self._password(),
                on_connection=session.serve,
                on_rejection=session.record_rejection,
                refuse=session.refusal,
                close_timeout=self.profile.timeouts.response,
            )

            async def start() -> None:
                await server.start()

            try:
                self.loop.run(start(), 10)
            except HarnessError as exc:
                self.setup_error = exc
                raise
            self.server = server
        return self.server

    def start_case(
        self,
        finalizers: list[Any],
        on_session: Callable[[Session], None],
        case_id: str | None = None,
        setup: CaseSetup = CaseSetup(),
        starts_with: str | None = None,
    ) -> tuple[Any, Dut]:
        """Prepare the role, the Dut and the per-case simulator.

        ``starts_with``: the restarting action that is the case's first step
        (:attr:`harness.testcase.TestCaseInfo.starts_with`); a station that is not
        connected then is not waited for, since that action brings it.

        Appends to ``finalizers`` as it goes, so that a failure half-way still lets
        the caller undo what was started; ``on_session`` gets the case's session before
        anything can fail, so its trace reaches the report whatever happens.
        """
        resolved = setup.over(defects=self.defects, options=self.options, strict=self.strict)
        profile = profile_with_options(self.profile, resolved.options)
        if resolved.connector_report is not None:
            profile = profile.with_connector_report(resolved.connector_report)
        strict = resolved.strict
        if self.kind == CHARGING_STATION:
            server = self.ensure_server()
            session = self.session
            assert session is not None
            session.strict = strict  # the session is run-long; strictness is per case
            self.loop.run(_call(session.begin_case), 5)
            on_session(session)
            finalizers.append(lambda: self.loop.run(_call(session.end_case), 5))
            role: Any = CsmsRole(
                self.loop,
                session,
                url=server.url,
                endpoints=server.endpoint_urls(),
                **self._role_kwargs(profile),
            )
            # Part 1 §7: the EVSEs and connectors it reports are this case's device's
            session.monitors.layout = {evse.id: evse.connectors for evse in profile.layout}
            adapter = self._adapter(
                session, finalizers, resolved, server_url=server.url, case_id=case_id
            )
            timeouts = self.profile.timeouts
            previous, self.previous_case = self.previous_case, case_id
            absent = starts_with is not None and self._station_absent(session)
            if not absent:
                self._announce_wait(session, server.url, timeouts.connect)
                booted = self.loop.run(
                    session.wait_booted(
                        timeouts.connect, timeouts.response, required=self._boot_reports(profile)
                    ),
                    timeouts.connect + timeouts.response,
                )
                if not booted and starts_with is None:
                    raise session.never_connected(server.url, timeouts.connect)
                absent = not booted  # not back: the case's first step brings it
            if absent:
                # A one-shot device, or one the control adapter starts: the case's
                # first step brings it, and its boot is a new one.
                self.loop.run(_call(lambda: session.trace.event(_BROUGHT.format(starts_with))), 5)
            # A start state that stays unmet is blamed on the case that left it, not on
            # each case since (their set-up could not change it).
            left_by = self._unmet_since or previous
            try:
                self.loop.run(
                    establish_station_preconditions(
                        session, previous_case=left_by, wait=timeouts.connect, restarting=absent
                    ),
                    timeouts.connect,
                )
            except HarnessError:
                self._unmet_since = left_by
                raise
            self._unmet_since = None
        else:
            session = self._new_session(strict)
            # Every CSMS case starts from the station configuration Part 6 §3.1 presumes,
            # keeping nothing, and the station answers what the CSMS asks unscripted as a
            # conformant station would
            session.replies.defaults.use_station(
                StationLayout(
                    evses=[(e.id, tuple(e.connectors)) for e in profile.layout],
                    connector_report=profile.harness.connector_report,
                ),
                heartbeat_interval=int(self.profile.timers.heartbeat),
                security_profile=self.profile.security_profile,
            )
            self.loop.run(_call(session.begin_case), 5)
            on_session(session)
            endpoint = self.profile.connect.url
            adapter = self._adapter(session, finalizers, resolved, case_id=case_id)
            if self.profile.control.adapter == "sim":
                endpoint = self._sim_endpoint
            assert endpoint is not None  # the profile schema: kind csms needs connect.url
            role = StationRole(
                self.loop,
                session,
                endpoint=endpoint,
                identity=self.profile.identity,
                password=self._password(),
                security_profile=self.profile.security_profile,
                spacing=self.spacing,
                **self._role_kwargs(profile),
            )
            spacing, identity = self.spacing, self.profile.identity

            async def close_station() -> None:
                session.end_case()
                if session.connected:
                    await session.close_current()
                    # closed now, not when the receive loop gets round to noticing
                    spacing.closed(identity)

            finalizers.append(lambda: self.loop.run(close_station(), 10))
        # Post-conditions run before the case's session ends (finalizers run last first).
        finalizers.append(role.run_cleanups)
        self.loop.run(_call(session.scripting), 5)
        return role, Dut(profile, self, adapter, session, finally_do=role.finally_do)

    # -- control ------------------------------------------------------------------------

    def _adapter(
        self,
        session: Session,
        finalizers: list[Any],
        setup: ResolvedSetup,
        server_url: str = "",
        case_id: str | None = None,
    ) -> Any:
        control = self.profile.control

        def record(text: str) -> None:
            self.loop.call_soon(lambda: session.trace.event(text, topic=Topic.ACTION))

        timeout = self.profile.timeouts.operator
        if control.adapter == "manual":
            return ManualAdapter(self.profile.identity, timeout, record=record)
        if control.adapter == "command":
            return CommandAdapter(
                dict(control.commands), self.profile.identity, timeout, record=record
            )
        if control.adapter == "http":
            assert control.url is not None  # the profile schema: adapter http needs control.url
            adapter = HttpAdapter(
                control.url,
                timeout,
                record=record,
                headers=control.headers,
                ca=control.ca,
                context=lambda: self._control_context(session, case_id),
            )
            adapter.hook("case_start")
            finalizers.append(lambda: adapter.hook("case_end"))
            return adapter
        return self._start_sim(session, finalizers, setup, server_url, record)

    def _control_context(self, session: Session, case_id: str | None) -> dict[str, Any]:
        """What a control service is told with each request (docs/control.md): whom the
        action is for, in which case and step, and by when it must be done."""
        profile = self.profile
        deadline = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=profile.timeouts.operator)
        context: dict[str, Any] = {
            "identity": profile.identity,
            "ocpp": profile.ocpp.value,
            "security_profile": profile.security_profile,
            "dut_kind": profile.kind.value,
            "case": case_id,
            "step": session.trace.table_step,
            "deadline": deadline.isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        # the profile's own values go with them; they cannot change who or when
        return {**profile.control.context, **context}

    def _start_sim(
        self,
        session: Session,
        finalizers: list[Any],
        setup: ResolvedSetup,
        server_url: str,
        record: Any,
    ) -> SimAdapter:
        from harness.sim.errors import UnsupportedAction

        side = self.profile.kind.sim_side
        version = self.profile.ocpp
        defects = tuple(d for d in setup.defects if _applies(side, version.value, d))
        options = tuple(o for o in setup.options if _option_applies(side, version.value, o))
        kept = self._kept_sim
        if kept is not None and kept.defects == defects and kept.options == options:
            sim = kept.sim
            record(f"simulated {side} kept from the previous case (--sim-one-device)")
        else:
            if kept is not None:
                self._kept_sim = None
                self.loop.run(kept.sim.stop(), 10)
            sim = self._new_sim(session, defects, options, server_url)
            if self.one_device:
                self._kept_sim = _KeptSim(defects, options, sim)
            else:
                finalizers.append(lambda: self.loop.run(sim.stop(), 10))
            record(
                f"simulated {side} started"
                + (f" with defects {', '.join(defects)}" if defects else "")
                + (f" with options {', '.join(options)}" if options else "")
            )

        if side == "station":
            self._station_sim = sim

        def run(action: str, params: dict[str, Any]) -> dict[str, Any]:
            try:
                return self.loop.run(sim.act(action, params), self.profile.timeouts.operator)
            except UnsupportedAction:
                pytest.skip(f"the simulated {side} cannot do action {action!r}")

        return SimAdapter(run, record=record)

    def _new_sim(
        self,
        session: Session,
        defects: tuple[str, ...],
        options: tuple[str, ...],
        server_url: str,
    ) -> Any:
        """Start a simulator of the DUT's side (a new device) and return it."""
        from harness.sim.csms import SimCsms
        from harness.sim.defects import validate_defects
        from harness.sim.station import SimStation
        from harness.sim.timers import SimTimers

        side = self.profile.kind.sim_side
        version = self.profile.ocpp
        # restart_time: a slow restart still comes well after the action returned (it
        # is milliseconds without the option), and the catalog's runs stay short
        timers = SimTimers(
            retry_backoff_min=0.02,
            retry_backoff_max=0.5,
            boot_retry_default=1.0,
            restart_time=0.25,
        )
        validate_defects(side, version.value, defects)
        if side == "station":
            # A fresh simulator is a new device: the boot intervals the harness gave the
            # previous case's simulator do not bind it, and a transaction that one left
            # open (a case failed half-way) is not this one's: it starts idle.
            session.new_device()
            endpoint = server_url.rsplit("/", 1)[0]
            sim: Any = SimStation(
                version,
                endpoint,
                self.profile.identity,
                password=self._password(),
                defects=defects,
                options=options,
                timers=timers,
                # a variation may give the device other EVSEs (SimOption.evses)
                evses=[
                    (evse.id, list(evse.connectors))
                    for evse in profile_with_options(self.profile, options).layout
                ],
                valid_token=self.profile.tokens.valid,
                token_type=self.profile.tokens.type,
            )

            async def start() -> None:
                await sim.start()
        else:
            password = self._password()
            passwords = {self.profile.identity: password} if password else None
            sim = SimCsms(
                version,
                host="127.0.0.1",
                port=0,
                path="/ocpp",
                defects=defects,
                options=options,
                timers=timers,
                heartbeat_interval=int(self.profile.timers.heartbeat),
                boot_retry_interval=int(self.profile.timers.boot_retry),
                passwords=passwords,
                # the tokens the operator set up in the CSMS for the run (C, E blocks)
                tokens=self.profile.tokens,
            )

            async def start() -> None:
                port = await sim.start()
                self._sim_endpoint = f"ws://127.0.0.1:{port}/ocpp"

        self.loop.run(start(), 10)
        return sim

    _sim_endpoint: str = ""

    def close(self) -> None:
        if self._kept_sim is not None:
            kept, self._kept_sim = self._kept_sim, None
            self.loop.run(kept.sim.stop(), 10)
        if self.server is not None:
            server = self.server
            self.server = None
            self.loop.run(server.close(), 10)


def profile_with_options(profile: DutProfile, options: Iterable[str]) -> DutProfile:
    """The profile a case runs with when the harness starts the simulator itself (the
    ``sim`` adapter): it declares the features its options give the device
    (:func:`harness.sim.options.declared_features`), so that a variation of what the
    device has (reset per EVSE, a UI) runs the cases of its branch of a Part 5 condition
    and skips the others. Any other DUT's profile is its own word: returned unchanged.
    ``ValueError`` when two options declare a feature both ways."""
    if profile.control.adapter != "sim":
        return profile
    from harness.sim.options import OPTIONS, declared_evses, declared_features

    side, version = profile.kind.sim_side, profile.ocpp.value
    chosen = sorted(option for option in options if _option_applies(side, version, option))
    # two names of one feature (C-13, reset_per_evse) declared both ways contradict too
    said: dict[str, tuple[bool, str]] = {}
    for option in chosen:
        for key, value in OPTIONS[option].features.items():
            earlier = said.setdefault(profile.feature_id(key), (value, option))
            if earlier[0] != value:
                raise ValueError(
                    f"options {earlier[1]!r} and {option!r} cannot be on together: they "
                    f"declare {key} both ways"
                )
    changed = profile.with_features(declared_features(chosen))
    layout = declared_evses(chosen)
    if layout:
        changed = changed.replace(
            layout=tuple(Evse(evse, connectors) for evse, connectors in layout)
        )
    return changed


def applies_with_options(info: Any, profile: DutProfile, options: Iterable[str]) -> bool:
    """Whether case ``info`` applies to the DUT of ``profile`` with simulator ``options``
    on (the features they make it declare meet its conditions); False for options no
    device can have together."""
    try:
        chosen = profile_with_options(profile, options)
    except ValueError:  # no device has both
        return False
    return not_applicable_to(info, chosen) is None


def not_applicable_to(
    info: Any, profile: DutProfile, cert_profile: str | None = None
) -> str | None:
    """:func:`harness.applicability.not_applicable` for the DUT of ``profile``: what its
    [features] declare and how many EVSEs its [layout] has (the cases that need
    several, :attr:`harness.testcase.TestCaseInfo.evses`): a station's own, or, for a
    CSMS, those of the station the harness plays, as the CSMS was set up for it."""
    from harness.applicability import not_applicable

    return not_applicable(info, profile.supports, cert_profile, evses=len(profile.layout))


def simulator_variant(
    info: Any, profile: DutProfile, *, given: tuple[str, ...] = ()
) -> tuple[str, ...] | None:
    """The options under which the simulator of ``profile`` (the ``sim`` adapter) is a
    device case ``info`` applies to: none when it is one already; for a case of the
    branch of a Part 5 condition the simulated device is not on (reset per EVSE, where
    it has none), the one or two variations of what the device has
    (:attr:`harness.sim.options.SimOption.features`) that put it there. None when no
    set-up meets the case's conditions, or the DUT is no simulator. ``given``: options
    already on, which the variation joins (and must not contradict)."""
    from harness.sim.options import options_for

    def applies(options: tuple[str, ...]) -> bool:
        return applies_with_options(info, profile, (*given, *options))

    if applies(()):
        return ()
    if profile.control.adapter != "sim":
        return None
    side, version = profile.kind.sim_side, profile.ocpp.value
    variants = sorted(
        name
        for name, o in options_for(side, version).items()
        if o.makes_another_device and name not in given
    )
    for size in (1, 2):
        for chosen in itertools.combinations(variants, size):
            if applies(chosen):
                return chosen
    return None


def _option_applies(side: str, version: str, option: str) -> bool:
    from harness.sim.options import options_for

    return option in options_for(side, version)


def _applies(side: str, version: str, defect: str) -> bool:
    from harness.sim.defects import defects_for

    return defect in defects_for(side, version)


async def _call(function: Any) -> None:
    function()


def defects_option(values: Iterable[str]) -> tuple[str, ...]:
    names: list[str] = []
    for value in values:
        names.extend(n.strip() for n in value.split(",") if n.strip())
    return tuple(names)
