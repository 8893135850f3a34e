"""The simulated CSMS: a websocket server that answers stations as OCPP says it should.

Its parts, one module each: the opening handshake (:mod:`harness.sim.csms_handshake`:
which stations are upgraded, the refusals in :attr:`SimCsms.refusals`), the answers to
the stations' CALLs (:mod:`harness.sim.csms_handlers`, composed of functional blocks:
``csms_provisioning``, ``csms_notifications``, ``csms_transactions``, ``data_transfer``)
and the actions that make it send something (:mod:`harness.sim.csms_actions`). This
module keeps the connections, the station records and the boot plan (which answer
the next boots get; :mod:`harness.sim.csms_provisioning` gives it).

Boot answers. :attr:`SimCsms.boot_mode` answers every boot (Accepted unless a driver
set it). The ``boot_pending`` / ``boot_reject`` actions plan the *first* answer only: the
next BootNotification gets Pending (or Rejected) with an interval, a boot that comes
before the interval is over gets the same again, and the first one after it (or the one
the CSMS asked for with TriggerMessage) is Accepted, on the same connection (B02.FR.06).

While a station's boot is Pending, every CALL other than BootNotification and the ones
the CSMS asked for (TriggerMessage, GetBaseReport/GetReport -> NotifyReport) gets
CALLERROR SecurityError (B02.FR.09); while Rejected, everything but BootNotification
does (B03.FR.07), and the CSMS sends the station nothing (B03.FR.03).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import Server, ServerConnection, serve

from harness.ocppj import Call, OcppVersion
from harness.sim.csms_actions import CsmsActions
from harness.sim.csms_handlers import CsmsHandlers
from harness.sim.csms_handshake import Handshake, Refusal
from harness.sim.csms_tokens import TokenBook
from harness.sim.defects import validate_defects
from harness.sim.errors import NotAllowed, NotConnected, UnsupportedAction
from harness.sim.options import validate_options
from harness.sim.peer import FrameHook, OcppPeer, Reply
from harness.sim.timers import SimTimers
from harness.sim.util import Notifier
from harness.spec.boot import BootGate

__all__ = ["Refusal", "SimCsms", "StationRecord"]

if TYPE_CHECKING:
    from harness.dut import Tokens

log = logging.getLogger(__name__)


@dataclass
class StationRecord:
    """What the simulated CSMS knows about one station identity."""

    identity: str
    peer: OcppPeer | None = None
    boot_status: str | None = None
    boots: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    heartbeats: int = 0
    connections: int = 0
    subprotocol: str | None = None
    last_transaction_id: str | int | None = None
    #: the TransactionEvent payloads the station sent, in order (2.0.1)
    transaction_events: list[dict[str, Any]] = field(default_factory=list)
    #: the last connection (its count) whose first CALL the CSMS has seen, for the
    #: option transaction-status-after-reconnect (csms_transaction_status)
    first_call_seen_on: int = 0
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    #: security event types the station reported, in order
    security_events: list[str] = field(default_factory=list)
    #: the NotifyReport payloads the station sent, in order
    reports: list[dict[str, Any]] = field(default_factory=list)
    #: a planned first Pending/Rejected: (status, loop time its interval is over)
    hold: tuple[str, float] | None = None
    #: the boot rules as the harness checks them (harness.spec.boot): told what this
    #: CSMS answered and asked, it knows what the station may send while Pending
    boot_gate: BootGate = field(kw_only=True)

    def asked_for(self, action: str) -> bool:
        """Did the CSMS ask for this CALL (B02.FR.09's exceptions while Pending)?"""
        return self.boot_gate.asked_for(action)

    def summary(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "connected": self.connected.is_set(),
            "boot_status": self.boot_status,
            "boots": len(self.boots),
            "heartbeats": self.heartbeats,
            "connections": self.connections,
            "statuses": dict(self.statuses),
            "security_events": list(self.security_events),
            "last_transaction_id": self.last_transaction_id,
        }


class SimCsms:
    """A CSMS accepting stations at ``ws://host:port/path/IDENTITY``."""

    def __init__(
        self,
        version: OcppVersion | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/ocpp",
        defects: Iterable[str] = (),
        options: Iterable[str] = (),
        timers: SimTimers | None = None,
        heartbeat_interval: int = 60,
        boot_retry_interval: int = 10,
        passwords: dict[str, str] | None = None,
        default_token: str = "04A1B2C3D4",
        on_frame: FrameHook | None = None,
        tokens: Tokens | None = None,
    ) -> None:
        self.version = version if isinstance(version, OcppVersion) else OcppVersion.parse(version)
        self.defects = validate_defects("csms", self.version.value, defects)
        self.options = validate_options("csms", self.version.value, options)
        self.host = host
        self.port = port
        self.path = "/" + path.strip("/") if path.strip("/") else ""
        self.timers = timers or SimTimers()
        self.heartbeat_interval = heartbeat_interval
        self.boot_retry_interval = boot_retry_interval
        self.passwords = passwords
        self.default_token = default_token
        #: the idTokens this CSMS knows (a harness.dut.Tokens: the DUT profile's; its
        #: defaults when None), and in which state (harness.sim.csms_tokens)
        self.token_book = TokenBook.from_profile(tokens)
        self.on_frame = on_frame
        #: the answer to every boot that no plan covers
        self.boot_mode = "Accepted"
        #: the answer planned for the next boot of any station (then Accepted), if any
        self.next_boot: str | None = None
        self.stations: dict[str, StationRecord] = {}
        self.refusals: list[Refusal] = []
        self.changes = Notifier()
        self.last_identity: str | None = None
        self.transaction_ids = itertools.count(1)
        self.remote_start_ids = itertools.count(1)
        self.reservation_ids = itertools.count(1)
        self._server: Server | None = None
        self.handshake = Handshake(self)
        self.handlers = CsmsHandlers(self)
        self._actions = CsmsActions(self)

    def has(self, defect: str) -> bool:
        return defect in self.defects

    def has_option(self, option: str) -> bool:
        return option in self.options

    # -- boot answers ---------------------------------------------------------------------

    def accept_all(self) -> None:
        """From now on, answer every boot Accepted (the ``boot_accept`` action)."""
        self.boot_mode = "Accepted"
        self.next_boot = None
        for record in self.stations.values():
            record.hold = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> int:
        """Listen; returns the bound port (useful with ``port=0``)."""
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self.handshake.process_request,
            select_subprotocol=self.handshake.select_subprotocol,
            open_timeout=self.timers.message_timeout,
            close_timeout=1,
            ping_interval=None,
        )
        sockets = self._server.sockets
        self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Close every connection and the listening socket; bounded."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        try:
            async with asyncio.timeout(5):
                await server.wait_closed()
        except TimeoutError:
            log.warning("simulated CSMS: connections did not close within 5 s")

    @property
    def url(self) -> str:
        """The endpoint stations connect to (append ``/IDENTITY``)."""
        return f"ws://{self.host}:{self.port}{self.path}"

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5) -> None:
        """Wait (bounded) until ``predicate()`` holds; re-checked on every state change."""
        await self.changes.wait_until(predicate, timeout)

    def changed(self) -> None:
        self.changes.notify()

    # -- connections ----------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        if await self.handshake.closed_at_once(ws):
            return
        identity = self.handshake.identity_of(ws.request.path if ws.request else "") or "?"
        record = self.stations.setdefault(
            identity, StationRecord(identity, boot_gate=BootGate(self.version))
        )
        previous = record.peer
        if previous is not None:
            await previous.close(1000, "replaced by a new connection")

        async def on_call(call: Call) -> Reply:
            return await self.handlers.answer(record, call)

        peer = OcppPeer(
            ws,
            self.version,
            identity=identity,
            on_call=on_call,
            message_timeout=self.timers.message_timeout,
            on_frame=self.on_frame,
            answer_unreadable=self.handlers.unreadable,
        )
        record.peer = peer
        record.connections += 1
        record.subprotocol = ws.subprotocol
        record.connected.set()
        self.last_identity = identity
        self.changed()
        try:
            await peer.run()
        finally:
            if record.peer is peer:
                record.peer = None
                record.connected.clear()
            await peer.aclose()
            self.changed()

    # -- calls to stations ----------------------------------------------------------------

    def record(self, identity: str | None) -> StationRecord:
        """The connected station ``identity``, or the most recent one when ``None``."""
        name = identity or self.last_identity
        record = self.stations.get(name) if name is not None else None
        if record is None or record.peer is None or record.peer.closed.is_set():
            raise NotConnected(f"station {name or '(none)'} is not connected")
        return record

    async def call(
        self, identity: str | None, action: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """Send a CALL to a station and return its CALLRESULT payload.

        Not to a station this CSMS Rejected (B03.FR.03: :class:`NotAllowed`). A
        TriggerMessage or a report request is remembered: while Pending, the station may
        send what it asked for (B02.FR.09)."""
        record = self.record(identity)
        if record.boot_status == "Rejected":
            raise NotAllowed(
                f"station {record.identity} was Rejected: the CSMS initiates nothing (B03.FR.03)"
            )
        record.boot_gate.csms_requested(action, payload)
        peer = record.peer
        assert peer is not None
        return await peer.call(action, payload)

    def offered_actions(self) -> list[str]:
        """The actions this CSMS can be driven with (its control API's describe)."""
        return sorted(self._actions.table)

    async def act(self, action: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Carry out one action of the CSMS vocabulary; returns the station's response."""
        handler: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None
        handler = self._actions.table.get(action)
        if handler is None:
            raise UnsupportedAction(action)
        return await handler(dict(params or {}))

    def state(self) -> dict[str, Any]:
        return {
            "ocpp": self.version.value,
            "url": self.url,
            "boot_mode": self.boot_mode,
            "next_boot": self.next_boot,
            "stations": [record.summary() for record in self.stations.values()],
            "refusals": [r.__dict__ for r in self.refusals],
            "defects": sorted(self.defects),
            "options": sorted(self.options),
        }
