"""The simulated charging station on the wire: connection, boot state machine, heartbeat.

This module holds what is the same in every OCPP version: the websocket client with its
reconnect back-off, the boot gate (B01-B03: nothing but BootNotification until the boot
is Accepted, except what a TriggerMessage asks for while Pending), the heartbeat timer,
the connectors' physical state and the answering of CSMS calls. The version-specific
frames live in :mod:`station_v16` and :mod:`station_v201`, the answers to the CSMS's
calls in their functional blocks (:mod:`harness.sim.blocks`: provisioning, availability,
remote control, ...), the action vocabulary drivers use in :mod:`harness.sim.station`.

Every start of the station (power-up, reboot action, Reset) is a security event of its
own (2.0.1: StartupOfTheDevice or ResetOrReboot, both critical, so A04.FR.01 makes the
station send them). It is queued at the start and sent once a boot is Accepted, like
the connector reports (B01.FR.05), never before (B01.FR.08, B02.FR.02).

Defects are checked at the exact point where the conformant behaviour happens, so each
one changes one thing; the ones that live here are declared in :data:`DEFECTS`.
Options (:mod:`harness.sim.options`) pick between legal behaviours in the same way.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from harness.ocppj import Call, CallResult, OcppVersion, encode
from harness.sim.availability import apply_scheduled, restarted
from harness.sim.connectors import Connector, Transaction
from harness.sim.declare import BOTH, V16, V201, Defect, declare
from harness.sim.errors import (
    CallErrorReceived,
    CallTimeout,
    InvalidParams,
    NotConnected,
    PeerClosed,
)
from harness.sim.options import declared_evses, validate_options
from harness.sim.peer import FrameHook, OcppPeer, Reply, new_message_id, request_problem
from harness.sim.station_v16 import StationV16
from harness.sim.station_v201 import StationV201
from harness.sim.timers import SimTimers
from harness.sim.util import Notifier, wait_event
from harness.spec.boot import BootGate

__all__ = ["DEFECTS", "StationLink"]

log = logging.getLogger(__name__)

#: beyond 2**64 times the minimum, every back-off is the maximum
_MAX_BACKOFF_DOUBLINGS = 64

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # StationLink._report_dirty
    Defect(
        "offline-reports-changes-only",
        "station",
        V201,
        "back after an offline period beyond the OfflineThreshold, reports only the "
        "connectors that changed instead of all of them",
        "B04.FR.01",
    ),
    # StationLink._report_dirty
    Defect(
        "offline-reports-nothing",
        "station",
        V201,
        "back after a short offline period, does not report the connectors that changed "
        "while it was offline",
        "B04.FR.02",
    ),
    # StationLink._on_call
    Defect(
        "custom-data-refused",
        "station",
        V201,
        "answers a request that carries customData (which every 2.0.1 object may) with "
        "CALLERROR FormatViolation",
        "B05.FR.10",
    ),
    # StationLink._run
    Defect(
        "no-subprotocol",
        "station",
        BOTH,
        "offers no Sec-WebSocket-Protocol in the opening handshake",
        "transport.subprotocol",
    ),
    # StationLink._boot
    Defect(
        "reuses-message-id",
        "station",
        BOTH,
        "the first CALL after BootNotification reuses the BootNotification's message id",
        "ocppj.message-id-reused",
    ),
    # StationLink._boot
    Defect(
        "sends-while-pending",
        "station",
        BOTH,
        "sends StatusNotification while its boot is Pending",
        {"1.6": "C16.4.2", "2.0.1": "B02.FR.02"},
    ),
    # StationLink._boot
    Defect(
        "security-event-while-pending",
        "station",
        V201,
        "sends its startup SecurityEventNotification while the boot is Pending, unasked",
        "B02.FR.02",
    ),
    # StationLink._boot
    Defect(
        "closes-while-pending",
        "station",
        V201,
        "after a Pending answer, drops the connection when its wait is over and sends "
        "the next BootNotification on a new one",
        "B02.FR.06",
    ),
    # StationLink._boot
    Defect(
        "ignores-boot-interval",
        "station",
        BOTH,
        "after a Rejected boot, retries BootNotification at once instead of after interval",
        {"1.6": "C16.4.2", "2.0.1": "B03.FR.02"},
    ),
    # StationLink._after_boot
    Defect(
        "sends-invalid-json",
        "station",
        BOTH,
        "sends the text '{not json' once after the boot is accepted",
        "ocppj.not-json",
    ),
    # StationLink._report_connectors
    Defect(
        "wrong-connector-status",
        "station",
        BOTH,
        "StatusNotification after an accepted boot reports Unavailable for idle connectors",
        {"1.6": "E16.3.22", "2.0.1": "B01.FR.05"},
    ),
    Defect(
        "reports-evse-outside-layout",
        "station",
        V201,
        "after an accepted boot also reports a connector of an EVSE numbered one past its "
        "last, which it does not have",
        "Part 1 §7.1",
    ),
    # StationLink._send_security_events
    Defect(
        "no-boot-security-event",
        "station",
        V201,
        "after an accepted boot, never sends the StartupOfTheDevice/ResetOrReboot "
        "SecurityEventNotification",
        "A04.FR.01",
    ),
    # StationLink._heartbeat_loop
    Defect(
        "heartbeat-wrong-interval",
        "station",
        V16,
        "sends Heartbeat at half the interval the Central System gave it",
        "C16.4.2",
    ),
    # StationLink._heartbeat_loop
    Defect(
        "pipelines-calls",
        "station",
        # 1.6 says SHOULD NOT (OCPP-J 1.6 §4.1.1): a note there, not a failure
        V201,
        "sends each Heartbeat twice back to back, the second before the first is answered",
        "ocppj.one-call-at-a-time",
    ),
    # StationLink._heartbeat_loop
    Defect(
        "no-heartbeat",
        "station",
        BOTH,
        "never sends Heartbeat after the boot is accepted",
        {"1.6": "C16.4.6", "2.0.1": "B01.FR.04"},
    ),
    # StationLink._on_call
    Defect(
        "never-replies",
        "station",
        BOTH,
        "never answers CSMS CALLs",
        "timeout",
    ),
    # StationLink._on_call
    Defect(
        "answers-while-rejected",
        "station",
        V201,
        "while its boot is Rejected, answers CSMS CALLs normally instead of with "
        "CALLERROR SecurityError",
        "B03.FR.08",
    ),
    # StationLink._on_call
    Defect(
        "closes-mid-call",
        "station",
        BOTH,
        "closes the websocket instead of answering the first CSMS CALL after boot",
        "transport.closed-mid-call",
    ),
    # StationLink._on_call
    Defect(
        "replies-unknown-message-id",
        "station",
        BOTH,
        "answers the first CSMS CALL with a random message id",
        "ocppj.unknown-message-id",
    ),
)


class StationLink:
    """A charging station on the wire: it connects to ``csms_url`` and behaves per OCPP.

    Conformant by default; each name in ``defects`` makes it break one rule, each name
    in ``options`` (:mod:`harness.sim.options`) picks a legal variation. ``connected``,
    ``accepted`` and :meth:`wait_until` let tests wait for states instead of sleeping.
    Drivers use the subclass :class:`harness.sim.station.SimStation`, which checks the
    defect names against the registry and adds the action vocabulary.
    """

    def __init__(
        self,
        version: OcppVersion | str,
        csms_url: str,
        identity: str,
        *,
        password: str | None = None,
        defects: Iterable[str] = (),
        options: Iterable[str] = (),
        timers: SimTimers | None = None,
        evses: Sequence[tuple[int, Sequence[int]]] | None = None,
        vendor: str = "OcppHarness",
        model: str = "SimStation",
        serial: str = "SIM-0001",
        valid_token: str = "04A1B2C3D4",
        token_type: str = "ISO14443",
        on_frame: FrameHook | None = None,
    ) -> None:
        self.version = version if isinstance(version, OcppVersion) else OcppVersion.parse(version)
        self.defects = self._checked_defects(defects)
        self.options = validate_options("station", self.version.value, options)
        self.csms_url = csms_url
        self.identity = identity
        self.password = password
        self.timers = timers or SimTimers()
        self.vendor, self.model, self.serial = vendor, model, serial
        self.valid_token = valid_token
        #: the IdTokenEnumType of every token its drivers present (2.0.1; an RFID card
        #: unless the DUT profile's [tokens] type says otherwise)
        self.token_type = token_type
        self.on_frame = on_frame
        if evses is None:
            # one EVSE of one connector, or the EVSEs an option gives (two-evses)
            evses = declared_evses(self.options) or ((1, (1,)),)
        self.connectors: dict[tuple[int, int], Connector] = {
            (evse, connector): Connector(evse, connector)
            for evse, connector_ids in evses
            for connector in connector_ids
        }
        if not self.connectors:
            raise ValueError("a station needs at least one EVSE with one connector")
        # -- observable state -------------------------------------------------------------
        self.connected = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.disconnected.set()
        self.accepted = asyncio.Event()
        self.changes = Notifier()
        self.boot_status: str | None = None
        #: the boot rules the harness checks, obeyed before every CALL (harness.spec.boot)
        self.boot_gate = BootGate(self.version)
        self.boots_sent = 0
        self.boots_accepted = 0
        self.connections = 0
        self.last_connect_error: str | None = None
        # -- internals --------------------------------------------------------------------
        self._needs_boot = True
        self.boot_reason = "PowerUp"
        #: security events waiting for an Accepted boot (A04.FR.02: queued, not lost)
        self.security_events: list[dict[str, Any]] = []
        self._reconnect_after: float | None = None
        self._boot_now = asyncio.Event()
        self._heartbeat_changed = asyncio.Event()
        self._online = asyncio.Event()
        #: option off-until-started: no connection until a restarting action
        self.off = "off-until-started" in self.options
        if not self.off:
            self._online.set()
        self._wake = asyncio.Event()
        self._disconnect = asyncio.Event()
        self._reconnect_at_once = False
        #: a connection opened before the old one closed (defect network-migration-overlaps)
        self._opened_early: ClientConnection | None = None
        self._peer: OcppPeer | None = None
        #: follow-up work started while no connection was open (see spawn)
        self._orphans: set[asyncio.Future[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._dirty: set[tuple[int, int]] = set()
        #: loop time the last connection ended (the offline period's start)
        self._offline_since: float | None = None
        self._boot_message_id: str | None = None
        self._reuse_boot_id = False
        self._sent_invalid_json = False
        self._answered_unknown_id = False
        self._closed_mid_call = False
        self._reset_when_idle = False
        self._reset_at_first_end = False
        #: EVSEs to reset once their transaction has ended (B12.FR.07), with how
        self._evse_resets: dict[int, Callable[[], Awaitable[None]]] = {}
        behaviour_class = StationV16 if self.version is OcppVersion.V16 else StationV201
        self.behaviour: StationV16 | StationV201 = behaviour_class(self)
        self._started("StartupOfTheDevice")

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The websocket URL of the next connection attempt: the CSMS endpoint (2.0.1:
        of the network profile in use, B10) + ``/`` + percent-encoded identity (OCPP-J
        §3.1.1)."""
        network = self.behaviour.network
        return self._url_of(network.url() if network is not None else self.csms_url)

    def _url_of(self, endpoint: str) -> str:
        return f"{endpoint.rstrip('/')}/{quote(self.identity, safe='')}"

    def has(self, defect: str) -> bool:
        return defect in self.defects

    def has_option(self, option: str) -> bool:
        return option in self.options

    def _checked_defects(self, names: Iterable[str]) -> frozenset[str]:
        """The defect names this station takes, as given. The registry that knows every
        name (:mod:`harness.sim.defects`) imports this module for its declarations, so
        the check is :class:`~harness.sim.station.SimStation`'s, one layer up."""
        return frozenset(names)

    async def start(self) -> None:
        """Start connecting in the background; returns at once."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"sim-station-{self.identity}")

    async def stop(self) -> None:
        """Close the connection and stop; bounded, never hangs."""
        self._stopping = True
        self._wake.set()
        self._online.set()
        self._disconnect.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=5)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5) -> None:
        """Wait (bounded) until ``predicate()`` holds; re-checked on every state change."""
        await self.changes.wait_until(predicate, timeout)

    def _changed(self) -> None:
        self.changes.notify()

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            if not self._online.is_set():
                await self._online.wait()
                continue
            network = self.behaviour.network
            try:
                ws = self._opened_early or await connect(
                    self.url,
                    subprotocols=(
                        None
                        if self.has("no-subprotocol")
                        else [Subprotocol(self.version.subprotocol)]
                    ),
                    additional_headers=self._auth_headers(),
                    open_timeout=self.timers.message_timeout,
                    close_timeout=1,
                    ping_interval=None,
                    proxy=None,
                )
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                self.last_connect_error = f"{type(exc).__name__}: {exc}"
                log.info("%s: connecting to %s failed: %s", self.identity, self.url, exc)
                self._changed()
                self._wake.clear()
                if network is not None and network.failed():
                    attempt = 0  # on to the next network profile, at once (B10.FR.03)
                    continue
                # Part 4 §5.3: each failed attempt doubles the wait before the next one
                attempt += 1
                await wait_event(self._wake, self._backoff(attempt))
                continue
            attempt = 0
            self._opened_early = None
            self.last_connect_error = None
            if network is not None:
                network.connected()
            await self._serve(ws)
            self._offline_since = asyncio.get_running_loop().time()
            if self._reconnect_after is not None:
                # Option disconnect-while-rejected: offline until the boot interval is over.
                delay, self._reconnect_after = self._reconnect_after, None
                self._wake.clear()
                await wait_event(self._wake, delay)
            elif self._reconnect_at_once:
                self._reconnect_at_once = False
            elif not self._stopping and self._online.is_set():
                self._wake.clear()
                await wait_event(self._wake, self._backoff(0))

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with jitter, as OCPP 2.0.1 Part 4 §5.3 describes: the
        device model's RetryBackOff* variables where the station has them set (2.0.1),
        else the simulator's own fast timers."""
        configured = self.behaviour.retry_backoff(attempt)
        if configured is not None:
            return configured
        # The exponent is capped: past the maximum it changes nothing, and an int power of
        # two times a float overflows after about 1024 failed attempts in a row.
        doubling = 2.0 ** min(attempt, _MAX_BACKOFF_DOUBLINGS)
        base = min(self.timers.retry_backoff_max, self.timers.retry_backoff_min * doubling)
        return min(self.timers.retry_backoff_max, base * random.uniform(1.0, 1.25))

    def _auth_headers(self) -> dict[str, str]:
        if self.password is None:
            return {}
        token = base64.b64encode(f"{self.identity}:{self.password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}

    async def _serve(self, ws: ClientConnection) -> None:
        peer = OcppPeer(
            ws,
            self.version,
            identity=self.identity,
            on_call=self._on_call,
            message_timeout=self.timers.message_timeout,
            on_frame=self.on_frame,
        )
        self._peer = peer
        self._disconnect = asyncio.Event()
        self.connections += 1
        self.connected.set()
        self.disconnected.clear()
        self._changed()
        receiving = asyncio.create_task(peer.run())
        session = asyncio.create_task(self._session(peer))
        closing = asyncio.create_task(self._disconnect.wait())
        try:
            await asyncio.wait({receiving, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._peer = None
            for task in (session, closing):
                task.cancel()
            await peer.close()
            await asyncio.wait({receiving, session}, timeout=2)
            for task in (receiving, session):
                if task.done() and not task.cancelled():
                    task.exception()  # retrieved: a closed peer ends the session
            await peer.aclose()
            self.connected.clear()
            self.disconnected.set()
            self._changed()

    # -- the session: boot, status, heartbeat ---------------------------------------------

    async def _session(self, peer: OcppPeer) -> None:
        try:
            if self._needs_boot:
                if not await self._boot(peer):
                    return  # this connection ends; the next one boots again
                await self._after_boot()
            else:
                await self._report_dirty()
                await self._send_security_events()
            # E04.FR.02: what was queued while offline goes out once the link is back
            await self.behaviour.flush_queue()
            periodic = asyncio.create_task(self.behaviour.periodic())
            try:
                await self._heartbeat_loop()
            finally:
                periodic.cancel()
        except (PeerClosed, NotConnected):
            return

    async def _boot(self, peer: OcppPeer) -> bool:
        """Send BootNotification until Accepted, honouring Pending/Rejected intervals.

        ``True`` once Accepted; ``False`` when the station drops this connection to boot
        on the next one (the connection is closing then)."""
        retried_at_once = False
        while True:
            self._boot_now.clear()
            message_id = new_message_id()
            self.boots_sent += 1
            self._changed()
            self.boot_gate.boot_requested()
            try:
                response = await peer.call(
                    "BootNotification", self.behaviour.boot_request(), message_id=message_id
                )
            except (CallTimeout, CallErrorReceived):
                self.boot_gate.boot_answered(None, 0, asyncio.get_running_loop().time())
                await wait_event(self._boot_now, self.timers.boot_retry_default)
                continue
            status = response.get("status")
            interval = response.get("interval", 0)
            if not isinstance(interval, int | float) or isinstance(interval, bool):
                interval = 0
            self.boot_status = status if isinstance(status, str) else "Rejected"
            self.boot_gate.boot_answered(
                self.boot_status, int(interval), asyncio.get_running_loop().time()
            )
            self._changed()
            if status == "Accepted":
                if interval > 0:
                    self.behaviour.set_heartbeat_interval(int(interval))
                self._needs_boot = False
                self._boot_message_id = message_id
                self._reuse_boot_id = self.has("reuses-message-id")
                self.boots_accepted += 1
                self.accepted.set()
                self._changed()
                return True
            # B02.FR.07 / B03.FR.05: interval 0 leaves the wait to the station.
            delay = self.timers.scaled(interval) if interval > 0 else self.timers.boot_retry_default
            if self.has_option("late-boot-retry"):
                delay += self.timers.restart_time
            if status == "Pending":
                # The connection stays open while Pending (B02.FR.06); the CSMS may ask
                # for things meanwhile (B02.FR.01), answered by _on_call.
                if self.has("sends-while-pending"):
                    with suppress(CallTimeout, CallErrorReceived):
                        await peer.call("StatusNotification", self.behaviour.status_requests()[0])
                if self.has("security-event-while-pending") and self.security_events:
                    with suppress(CallTimeout, CallErrorReceived):
                        await peer.call("SecurityEventNotification", self.security_events[0])
                await wait_event(self._boot_now, delay)
                if self.has("closes-while-pending"):
                    self._reconnect_at_once = True
                    self._disconnect.set()
                    return False
            else:
                if self.has("ignores-boot-interval"):
                    delay = self.timers.retry_backoff_min if retried_at_once else 0
                    retried_at_once = True
                elif self.has_option("disconnect-while-rejected"):
                    self._reconnect_after = delay  # B03.FR.04: away until the interval
                    self._disconnect.set()
                    return False
                await asyncio.sleep(delay)

    async def _after_boot(self) -> None:
        """Every connector's state (B01.FR.05) and the queued security events (A04.FR.01),
        in that order unless an option swaps them; then the defects' extras."""
        if self.has_option("status-after-security-event"):
            await self._send_security_events()
            await self._report_connectors()
        else:
            await self._report_connectors()
            await self._send_security_events()
        if self.has("sends-invalid-json") and not self._sent_invalid_json and self._peer:
            self._sent_invalid_json = True
            await self._peer.send_text("{not json")

    async def _report_connectors(self) -> None:
        wrong = self.has("wrong-connector-status")
        reports = self.behaviour.connector_reports(force_unavailable=wrong)
        if self.has("reports-evse-outside-layout"):
            [status] = self.behaviour.status_requests(only=[min(self.connectors)])
            beyond = max(evse for evse, _ in self.connectors) + 1
            reports.append(("StatusNotification", {**status, "evseId": beyond}))
        for action, payload in reports:
            with suppress(CallTimeout, CallErrorReceived):
                await self.send(action, payload)
        self._dirty.clear()

    def _started(self, event_type: str) -> None:
        """The station (re)started: queue the security event that says so (2.0.1)."""
        event = self.behaviour.startup_security_event(event_type)
        if event is not None:
            self.security_events.append(event)

    async def _send_security_events(self) -> None:
        """Deliver the queued security events; a lost connection keeps them queued."""
        if self.has("no-boot-security-event"):
            self.security_events.clear()
        while self.security_events:
            with suppress(CallErrorReceived, CallTimeout):  # answered or given up: done
                await self.send("SecurityEventNotification", self.security_events[0])
            self.security_events.pop(0)

    async def _report_dirty(self) -> None:
        """After a plain reconnect: report the connectors whose status changed offline,
        or all of them after an offline period beyond the OfflineThreshold (B04.FR.01,
        .02; a 1.6 station has no threshold and reports what changed)."""
        dirty, self._dirty = sorted(self._dirty), set()
        threshold = self.behaviour.offline_threshold()
        if threshold is not None and self._offline_since is not None:
            away = asyncio.get_running_loop().time() - self._offline_since
            if away > threshold and not self.has("offline-reports-changes-only"):
                dirty = sorted(self.connectors)
        if self.has("offline-reports-nothing"):
            dirty = []
        for action, payload in self.behaviour.connector_reports(only=dirty):
            with suppress(CallTimeout, CallErrorReceived):
                await self.send(action, payload)

    async def _heartbeat_loop(self) -> None:
        while True:
            self._heartbeat_changed.clear()
            interval = self.behaviour.heartbeat_interval()
            delay = self.timers.scaled(interval) if interval > 0 else self.timers.heartbeat_fallback
            if self.has("heartbeat-wrong-interval"):
                # early rather than late: as wrong, and a case sees it in half the time
                delay /= 2
            if await wait_event(self._heartbeat_changed, delay):
                continue
            if self.has("no-heartbeat"):
                continue
            if self.has("pipelines-calls") and self._peer is not None:
                # a CALL of its own ahead of the regular one, whose answer it does not
                # wait for: both are on the wire before the first answer can come
                with suppress(PeerClosed):
                    await self._peer.send_text(encode(Call(new_message_id(), "Heartbeat", {})))
            with suppress(CallTimeout, CallErrorReceived):
                await self.send("Heartbeat", {})

    def heartbeat_changed(self) -> None:
        """The HeartbeatInterval changed: restart the heartbeat timer with it."""
        self._heartbeat_changed.set()

    # -- sending ------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self._peer is not None and not self._peer.closed.is_set()

    async def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL through the boot gate the harness checks (harness.spec.boot): on a
        new connection nothing before the first BootNotification is answered (B01.FR.08);
        while Pending only what the CSMS asked for (B02.FR.02); while Rejected nothing
        (B03.FR.02). A defect that breaks these rules calls the peer directly."""
        peer = self._peer
        if peer is None or peer.closed.is_set():
            raise NotConnected(f"{self.identity} is not connected")
        if action != "BootNotification":
            if self.boot_status is None:
                raise NotConnected(f"{self.identity}: not booted, {action} not sent")
            refused = self.boot_gate.check(action, asyncio.get_running_loop().time())
            if refused is not None:
                raise NotConnected(f"{self.identity}: {refused.reason} ({refused.rule}): not sent")
        message_id = None
        if self._reuse_boot_id and action != "BootNotification":
            self._reuse_boot_id = False
            message_id = self._boot_message_id
        return await peer.call(action, payload, message_id=message_id)

    def spawn(self, work: Awaitable[None]) -> None:
        """Run follow-up work (after an answer) tied to the current connection."""
        peer = self._peer
        if peer is not None:
            peer.spawn(work)
        else:
            # no connection owns it: the station keeps it until it is done (the loop
            # holds tasks only weakly)
            task = asyncio.ensure_future(work)
            self._orphans.add(task)
            task.add_done_callback(self._orphans.discard)

    # -- CSMS-initiated calls -------------------------------------------------------------

    async def _on_call(self, call: Call) -> Reply:
        # A trigger or a report request opens what the station may send while Pending.
        self.boot_gate.csms_requested(call.action, call.payload)
        if self.has("never-replies"):
            return Reply(silent=True)
        if self.boot_status == "Rejected":
            # B03: 1.6 neither sends nor answers; 2.0.1 answers SecurityError (B03.FR.08).
            if self.version is OcppVersion.V16:
                return Reply(silent=True)
            if not self.has("answers-while-rejected"):
                return Reply(error_code="SecurityError", description="boot was rejected")
        if self.has("closes-mid-call") and self.accepted.is_set() and not self._closed_mid_call:
            self._closed_mid_call = True
            self._disconnect.set()
            return Reply(silent=True)
        reply = request_problem(self.version, call)
        if reply is None and self.has("custom-data-refused") and "customData" in str(call.payload):
            reply = Reply(error_code="FormatViolation", description="unexpected customData")
        if reply is None:
            handler = self.behaviour.handlers.get(call.action)
            if handler is None:
                reply = Reply(
                    error_code="NotSupported",
                    description=f"{call.action} is not supported by this simulator",
                )
            else:
                reply = await handler(call.payload)
        if self.has("replies-unknown-message-id") and not self._answered_unknown_id:
            self._answered_unknown_id = True
            if reply.payload is not None or reply.error_code is None:
                reply.raw = encode(CallResult(new_message_id(), reply.payload or {}))
        return reply

    # -- reboot, status, transactions (used by the behaviours) ----------------------------

    def reboot(self, reason: str, *, event: str = "StartupOfTheDevice") -> None:
        """Close the connection, forget the boot, reconnect and boot again with ``reason``.

        ``event`` is the security event type of this start (2.0.1 appendix: a Reset is
        ResetOrReboot, a power-up StartupOfTheDevice)."""
        self._needs_boot = True
        self.boot_reason = reason
        self._started(event)
        self.boot_status = None
        self.boot_gate.forget()
        self.accepted.clear()
        if self.has_option("slow-restart"):
            self._reconnect_after = self.timers.restart_time  # away while it restarts
        else:
            self._reconnect_at_once = True
        self._reset_when_idle = False
        self._evse_resets.clear()
        if self.behaviour.network is not None:
            self.behaviour.network.started()  # the new priority counts now (B10.FR.04)
        for connector in self.connectors.values():
            connector.transaction = None
        restarted(self)  # what the CSMS made inoperative stays so (G03.FR.08, G04.FR.09)
        self.behaviour.forget_sessions()
        self._disconnect.set()
        self._changed()

    async def _open_new_csms_early(self) -> None:
        """A station whose restart moves it to another CSMS and that connects there
        before it has closed the old connection (defect network-migration-overlaps,
        harness.sim.network_profiles_v201): the connection is then used as if opened
        after the restart."""
        network = self.behaviour.network
        endpoint = network.early_endpoint() if network is not None else None
        if endpoint is None or not self.online:
            return
        with suppress(OSError, InvalidHandshake, InvalidURI, TimeoutError):
            self._opened_early = await connect(
                self._url_of(endpoint),
                subprotocols=[Subprotocol(self.version.subprotocol)],
                additional_headers=self._auth_headers(),
                open_timeout=self.timers.message_timeout,
                close_timeout=1,
                ping_interval=None,
                proxy=None,
            )

    async def go_down(self, reason: str, *, event: str, graceful: bool = True) -> None:
        """Reboot; a graceful one with option ``unavailable-before-reboot`` first reports
        every connector Unavailable (B11.FR.03 allows it); a power cut says nothing."""
        goodbye = graceful and self.has_option("unavailable-before-reboot")
        if goodbye and self.boot_status == "Accepted":
            for action, payload in self.behaviour.connector_reports(force_unavailable=True):
                with suppress(CallTimeout, CallErrorReceived, NotConnected, PeerClosed):
                    await self.send(action, payload)
        await self._open_new_csms_early()
        self.reboot(reason, event=event)

    def schedule_reset_when_idle(self, *, at_first_end: bool = False) -> None:
        """Reset once no transaction runs any more (B12.FR.03); ``at_first_end`` (a
        defect's): once any one of them has ended."""
        self._reset_when_idle = True
        self._reset_at_first_end = at_first_end

    def schedule_evse_reset_when_idle(
        self, evse: int, reset: Callable[[], Awaitable[None]]
    ) -> None:
        """Reset ``evse`` (``reset`` does it) once no transaction runs there (B12.FR.07)."""
        self._evse_resets[evse] = reset

    async def transaction_ended(self) -> None:
        """A transaction ended: an availability change that waited for it happens and is
        reported (G03.FR.05, G04.FR.06; 1.6 §5.2), then a Reset(OnIdle) scheduled for
        this moment runs (B12.FR.03)."""
        changed = apply_scheduled(self.connectors.values())
        if changed:
            with suppress(CallTimeout, CallErrorReceived, NotConnected, PeerClosed):
                await self.report_status(changed)
        for evse, reset_evse in list(self._evse_resets.items()):
            if not any(transaction.evse == evse for transaction in self.transactions()):
                del self._evse_resets[evse]
                await reset_evse()
        if self._reset_when_idle and (self._reset_at_first_end or not self.transactions()):
            self._reset_when_idle = False
            reason = self.behaviour.reset_boot_reason(scheduled=True)
            await self.go_down(reason, event="ResetOrReboot")

    def request_boot_now(self) -> None:
        """A TriggerMessage(BootNotification) while Pending: boot without waiting."""
        self._boot_now.set()

    def transactions(self) -> list[Transaction]:
        return [c.transaction for c in self.connectors.values() if c.transaction is not None]

    def connector(self, evse: int, connector: int | None = None) -> Connector:
        if connector is None:
            for key, value in sorted(self.connectors.items()):
                if key[0] == evse:
                    return value
        elif (evse, connector) in self.connectors:
            return self.connectors[(evse, connector)]
        raise InvalidParams(f"no connector {connector} on EVSE {evse}")

    async def report_status(self, keys: Iterable[tuple[int, int]]) -> None:
        """Send StatusNotification for changed connectors now, or remember them if offline."""
        keys = list(keys)
        if not (self.online and self.boot_status == "Accepted"):
            self._dirty.update(keys)
            return
        for action, payload in self.behaviour.connector_reports(only=keys):
            await self.send(action, payload)
