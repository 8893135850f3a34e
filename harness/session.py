"""One OCPP-J conversation with the DUT, across its reconnections.

Theory of operation
-------------------
All state lives on the harness's event loop; the role facade (``roles.py``) calls the
``async`` methods here through :class:`~harness.loop.DrivenLoop`, which the test's thread
runs while it waits (so nothing here is shared between threads).

Every frame the DUT sends is decoded, checked against the conversation rules and the
schema, and written to the trace with its validation result. A broken rule of error
severity becomes a pending :class:`DutFailure`: the test's current or next wait raises
it, so a DUT that sends garbage fails at once instead of after a timeout.

The DUT's CALLs are answered with conformant defaults unless the test scripts them.
When a CALL arrives:

* while the test waits in ``expect`` for that action, the test gets it and may
  ``reply`` itself (the default reply is sent at the test's next step if it does not);
* while the test waits for something else, runs ``dut.act(...)``, or no test runs, it is
  answered at once (a real device must not stall) with the default, or with a reply the
  test registered beforehand with ``will_reply``;
* while the test's own code runs between two steps, it is held until the next step
  (bounded by ``hold_seconds``) so that ``expect`` can still claim it;
* a message the test withholds (``unanswered``, ``holding``) waits for the test's own
  ``reply`` or the end of the hold, and one it chose never to answer
  (``will_not_reply``) gets no answer at all.

Answered messages stay in the list of received messages, so a later ``expect`` still
finds them: the order in which a test expects messages need not be the order in which a
device happened to send them.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from websockets.exceptions import ConnectionClosed

from harness.connectors import (
    CONNECTOR_REPORT_ACTIONS,
    ConnectorKey,
    ReportedKey,
    read_connector_states,
)
from harness.matching import differences
from harness.messages import Message, Response, next_message_id
from harness.monitors import RuleMonitors
from harness.observe import ANY_RAW_ID, observe
from harness.ocppj import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Conversation,
    FramingViolation,
    LocalProtocolError,
    OcppVersion,
    SchemaViolation,
    Send,
    Strictness,
    decode,
    encode,
    validate_payload,
)
from harness.ocppj.codes import format_violation_code
from harness.replies import ReplyBook
from harness.spec.boot import BootStatus
from harness.trace import IN, OUT, EntryKind, Topic, Trace, TraceEntry
from harness.transport.server import MAIN
from harness.verdicts import CaseWarning, DutFailure, ScriptError, Unreachable, WarningKind

__all__ = ["Mode", "Session"]

T = TypeVar("T")


#: seconds between two words on a long wait (a 60 s heartbeat wait, a slow operator)
LONG_WAIT_TICK = 10.0

#: the trace note of a frame that answers a raw frame of the harness
RAW_ANSWER_NOTE = "answer to a raw frame"

#: close codes the harness's WebSocket layer sends when the DUT breaks the protocol
_OUR_CLOSE_RULES = {
    1009: "transport.message-too-big",
    1007: "transport.invalid-utf8",
    1002: "transport.websocket-protocol",
}


class Mode(enum.Enum):
    """What the test thread is doing: decides when unscripted CALLs are answered."""

    IDLE = "idle"  # no test runs: answer at once
    WAITING = "waiting"  # the test is blocked in a harness call: answer at once
    SCRIPTING = "scripting"  # the test's own code runs: hold until its next step


@dataclass
class _Connection:
    number: int
    websocket: Any
    conversation: Conversation
    #: ids of raw frames the harness sent, whose answers bypass the conversation rules
    raw_ids: set[str] = field(default_factory=set)
    #: the harness's answers not yet written to the socket (message id -> action): a CALL
    #: that arrives meanwhile was sent before its sender could have had the answer
    answers_in_flight: dict[str, str] = field(default_factory=dict)
    #: the harness's endpoint the DUT connected to (harness.transport.server)
    endpoint: str = MAIN


@dataclass
class _EndpointRefusal:
    """A case's order to refuse handshakes to one endpoint: why, and how many more
    (None: until the case accepts them again)."""

    reason: str
    left: int | None


class Session:
    """The conversation with one DUT identity; lives on the harness loop."""

    def __init__(
        self,
        version: OcppVersion,
        *,
        strictness: Strictness = Strictness.STRICT,
        heartbeat_interval: int = 60,
        hold_seconds: float = 2.0,
        describe_peer: str = "DUT",
        strict: bool = False,
        time_deviation: float = 0.0,
    ) -> None:
        self.version = version
        #: a rehearsal of the certification run: named warnings fail the case
        self.strict = strict
        self.strictness = strictness
        #: what unscripted CALLs of the DUT are answered with
        self.replies = ReplyBook(version, heartbeat_interval)
        self.hold_seconds = hold_seconds
        self.describe_peer = describe_peer
        self.trace = Trace()
        self.mode = Mode.IDLE
        self.received: list[Message] = []
        self.failures: list[DutFailure] = []
        self.warnings: list[CaseWarning] = []
        self.rejections: list[Any] = []
        #: actions whose CALLs the case keeps unanswered for now (``Role.holding``)
        self.holding: set[str] = set()
        #: while set, the harness plays an unreachable CSMS: handshakes are refused
        self.offline_reason: str | None = None
        self._current: _Connection | None = None
        self._connections = 0
        #: the link's history, ("opened" | "closed" | "refused", trace time): what a case
        #: about reconnection times (Part 4 §5.3 back-off) measures
        self.link_log: list[tuple[str, float]] = []
        #: the same history with the endpoint of each entry, ("opened" | "closed" |
        #: "refused", endpoint, trace time): which CSMS endpoint a station tried and used
        self.endpoint_log: list[tuple[str, str, float]] = []
        #: each closed connection: (endpoint, trace time, whether the DUT sent a close
        #: frame; False for a link that just went dead, a rebooted device's half-open one)
        self.close_log: list[tuple[str, float, bool]] = []
        #: endpoints the case refuses handshakes to for now (see refuse_endpoint)
        self._endpoint_refusals: dict[str, _EndpointRefusal] = {}
        #: the host (and port) the DUT station reached the harness at, from its latest
        #: handshake's Host header: the address it can reach the other endpoint at too
        self.dut_reached: str | None = None
        self._mark = 0  # connections the test has already seen
        self._closed_at: float | None = None
        #: how the last connection ended: who closed it, with which code and reason
        self._close_story = ""
        self._awaiting: str | None = None
        self._pending_call: tuple[str, str, asyncio.Future[Response]] | None = None
        self._changed: asyncio.Event | None = None
        #: replies on their way to the socket (see _answer)
        self._sending: set[asyncio.Task[None]] = set()
        #: the messages the harness owes after a default answer (the report after a
        #: GetBaseReport it accepted …), sent in order by one task (see _owe)
        self._owed: list[tuple[str, dict[str, Any]]] = []
        self._owing: asyncio.Task[None] | None = None
        #: how long a follow-up message waits for the DUT's answer (the role sets it
        #: from the profile's response timeout)
        self.response_timeout = 30.0
        #: seconds a time comparison may be off (Part 6 §2.1: a configured deviation)
        self.time_deviation = time_deviation
        #: told (what, seconds left) every LONG_WAIT_TICK s of a long wait: the plugin
        #: puts it on the terminal
        self.on_long_wait: Callable[[str, float], None] | None = None
        #: the rules judged on every CALL of the DUT (boot gate, numbering, only-allow)
        self.monitors = RuleMonitors(version, peer=describe_peer, deviation=time_deviation)

    # -- bookkeeping --------------------------------------------------------------------

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
        self._changed = asyncio.Event()

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    @property
    def connected(self) -> bool:
        return self._current is not None

    @property
    def connections(self) -> int:
        return self._connections

    def new_device(self) -> None:
        """The DUT was replaced by a fresh one (the embedded simulator is new for each
        case): what the monitors knew of its predecessor — the boot intervals it was
        given, the transactions it left open — binds nobody now."""
        self.monitors.new_device()

    def begin_case(self) -> None:
        """Start a new trace for a test case; earlier messages are settled and dropped."""
        self.release()  # nothing the last case held stays unanswered
        self.received = []
        self.failures = []
        self.warnings = []
        self.rejections = []
        self.replies.clear()
        self.monitors.begin_case()
        self.trace = Trace()
        self.link_log = []  # its times are the trace's, which starts again here
        self.endpoint_log = []
        self.close_log = []
        self._mark = self._connections
        if self._current is not None:
            self.trace.event(
                f"connection {self._current.number} open at start of case",
                topic=Topic.CONNECTION,
            )
        # Until the case's first step, the set-up answers whatever the DUT sends.
        self.mode = Mode.WAITING

    def end_of_case_checks(self) -> None:
        """Rules that can only be judged once the case's frames are all in: the
        numbering of every transaction that ended (its messages may come in any order)."""
        for finding in self.monitors.end_of_case():
            self._fail(finding.reason, finding.rule, None, None)

    def release(self, actions: Collection[str] = ()) -> None:
        """End the hold on ``actions`` (all, when none are named): what the case kept
        unanswered of them gets its default answer now."""
        self.holding -= set(actions) if actions else set(self.holding)
        for message in self.received:
            if message.withheld and (not actions or message.action in actions):
                message.withheld = False
        self.settle()

    def end_case(self) -> None:
        self.mode = Mode.IDLE
        self._forget_owed()
        self.offline_reason = None  # a case never leaves the next one unreachable
        self._endpoint_refusals.clear()
        self.release()

    def refusal(self, endpoint: str = MAIN) -> str | None:
        """Why a new connection to ``endpoint`` is refused now (the server asks at each
        handshake; a counted refusal is used up by asking)."""
        if self.offline_reason is not None:
            return self.offline_reason
        refusal = self._endpoint_refusals.get(endpoint)
        if refusal is None:
            return None
        if refusal.left is not None:
            refusal.left -= 1
            if refusal.left <= 0:
                del self._endpoint_refusals[endpoint]
        return refusal.reason

    def refuse_endpoint(self, endpoint: str, reason: str, attempts: int | None = None) -> None:
        """Refuse the handshakes to ``endpoint`` (the next ``attempts`` of them, or all
        until :meth:`accept_endpoint`), accepting the other endpoint's as before: the
        CSMS of one network profile unreachable. A connection open there stays open."""
        self._endpoint_refusals[endpoint] = _EndpointRefusal(reason, attempts)
        counted = f" (the next {attempts} attempts)" if attempts is not None else ""
        self.trace.event(f"harness refuses endpoint {endpoint}{counted}: {reason}")

    def accept_endpoint(self, endpoint: str) -> None:
        self._endpoint_refusals.pop(endpoint, None)
        self.trace.event(f"harness accepts connections to endpoint {endpoint} again")
        self._notify()

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the open connection (None when none is open)."""
        return self._current.endpoint if self._current is not None else None

    async def go_offline(self, reason: str) -> None:
        """Close the connection and refuse new ones until :meth:`come_online`."""
        self.offline_reason = reason
        self.trace.event(f"harness offline: {reason}")
        await self.close_current(1001, "going offline")

    def come_online(self) -> None:
        self.offline_reason = None
        self.trace.event("harness online again: connections are accepted")
        self._notify()

    def _fail(self, reason: str, rule: str, raw: str | None, entry: TraceEntry | None) -> None:
        if entry is not None:
            entry.failing = True
        self.failures.append(DutFailure(reason, rule, raw))
        self._notify()

    def warn(self, warning: CaseWarning) -> None:
        """Record a named warning on the case (the second verdict axis)."""
        self.warnings.append(warning)
        self.trace.event(f"warning {warning.line()}", topic=Topic.WARNING)

    def raise_failure(self) -> None:
        """Raise the first pending DUT failure, if any."""
        if self.failures:
            raise self.failures[0]

    def never_connected(self, url: str, timeout: float) -> Unreachable:
        """The set-up error of a DUT that did not connect, with the handshakes refused
        meanwhile (a wrong password or subprotocol looks like silence otherwise)."""
        rejected = "; ".join(r.reason for r in self.rejections)
        return Unreachable(
            f"DUT never connected to {url} within {timeout:g} s"
            + (f" (refused attempts: {rejected})" if rejected else "")
        )

    def record_rejection(self, rejection: Any) -> None:
        self.rejections.append(rejection)
        where = getattr(rejection, "endpoint", MAIN)
        at = f" at endpoint {where}" if where != MAIN else ""
        self.trace.event(f"handshake refused{at}: {rejection.reason} [{rejection.rule}]")
        self.link_log.append(("refused", self.trace._now()))
        self.endpoint_log.append(("refused", where, self.trace._now()))
        if rejection.rule == "transport.subprotocol" or rejection.rule.startswith("A00"):
            self._fail(
                f"{self.describe_peer} connection refused: {rejection.reason}",
                rejection.rule,
                None,
                None,
            )
        self._notify()

    # -- connections -------------------------------------------------------------------------

    async def serve(self, websocket: Any, endpoint: str = MAIN) -> None:
        """Run one connection (to ``endpoint``) until it closes: the receive loop."""
        previous = self._current
        self._connections += 1
        connection = _Connection(
            self._connections, websocket, Conversation(self.version), endpoint=endpoint
        )
        self._current = connection
        self._closed_at = None
        request = getattr(websocket, "request", None)
        host = request.headers.get("Host") if request is not None else None
        if host:
            self.dut_reached = host
        # logged as it opened: a connection that replaces one still open opened first
        # (B10.FR.06 asks a migrating station for the other order)
        opened_at = self.trace._now()
        self.link_log.append(("opened", opened_at))
        self.endpoint_log.append(("opened", endpoint, opened_at))
        if previous is not None:
            self.trace.event(
                f"connection {previous.number} replaced by a new connection",
                topic=Topic.CONNECTION,
            )
            await previous.websocket.close()
        at = f" at endpoint {endpoint}" if endpoint != MAIN else ""
        self.trace.event(
            f"connection {connection.number} opened{at} (subprotocol {websocket.subprotocol})",
            topic=Topic.CONNECTION,
        )
        self._notify()
        try:
            async for raw in websocket:
                await self._ingest(raw, connection)
        except ConnectionClosed:
            pass
        finally:
            self._judge_our_close(websocket)
            code = websocket.close_code
            reason = websocket.close_reason
            self.trace.event(
                f"connection {connection.number} closed (code {code}"
                + (f", reason {reason!r}" if reason else "")
                + ")",
                topic=Topic.CONNECTION,
            )
            self.link_log.append(("closed", self.trace._now()))
            self.endpoint_log.append(("closed", endpoint, self.trace._now()))
            said_goodbye = getattr(getattr(websocket, "protocol", None), "close_rcvd", None)
            self.close_log.append((endpoint, self.trace._now(), said_goodbye is not None))
            if self._current is connection:
                self._current = None
                self._closed_at = self.trace._now()
                self._close_story = _close_story(websocket, self.describe_peer)
            if self._pending_call is not None and not self._pending_call[2].done():
                self._pending_call[2].set_exception(
                    DutFailure(
                        f"{self.describe_peer} closed the connection while the harness's "
                        f"{self._pending_call[1]} (message id {self._pending_call[0]}) was "
                        f"unanswered ({_close_story(websocket, self.describe_peer)})",
                        "transport.closed-mid-call",
                    )
                )
            self._notify()

    def _judge_our_close(self, websocket: Any) -> None:
        """When the harness's own WebSocket layer closed the connection because the DUT
        broke the WebSocket protocol (a message over the size limit, text that is not
        UTF-8), the DUT fails for that, rather than the case later saying it "closed the
        connection" or "sent nothing"."""
        protocol = getattr(websocket, "protocol", None)
        sent = getattr(protocol, "close_sent", None)
        if sent is None or getattr(protocol, "close_rcvd_then_sent", False):
            return  # the DUT closed first, or nobody closed with a code
        rule = _OUR_CLOSE_RULES.get(int(sent.code))
        if rule is None:
            return
        what = f" ({sent.reason})" if sent.reason else ""
        self._fail(
            f"{self.describe_peer} broke the WebSocket protocol{what}: the harness's "
            f"WebSocket layer closed the connection with {int(sent.code)}",
            rule,
            None,
            None,
        )

    async def close_current(self, code: int = 1000, reason: str = "") -> None:
        if self._current is not None:
            await self._current.websocket.close(code, reason)

    # -- receiving ---------------------------------------------------------------------------

    async def _ingest(self, raw: str | bytes, connection: _Connection) -> None:
        """One text from the DUT: observe it, trace it, judge it, hand it on."""
        if connection is not self._current:
            self._ignore_replaced(raw, connection)
            return
        observation = observe(
            raw,
            self.version,
            connection.conversation,
            strictness=self.strictness,
            raw_ids=connection.raw_ids,
            answers_in_flight=connection.answers_in_flight,
        )
        frame = observation.frame
        if observation.answers_raw:
            entry = self.trace.frame(IN, raw, frame)
            entry.note = RAW_ANSWER_NOTE
            self._notify()
            return
        if observation.framing is not None:
            entry = self.trace.frame(IN, raw, None, note=str(observation.framing))
        else:
            entry = self.trace.frame(IN, raw, frame, action=observation.response_to)
        entry.violations.extend(observation.violation_records())
        entry.valid = not (observation.framing or observation.errors)
        text = raw if isinstance(raw, str) else None
        failure = observation.failure(entry.seq, self.describe_peer)
        if failure is not None:
            reason, rule = failure
            # an unreadable frame is evidence as the trace shows it (bytes escaped)
            self._fail(reason, rule, text or (entry.raw if observation.framing else None), entry)
        error_reply = observation.error_reply(self.version)
        if error_reply is not None:
            await self._send_text(connection, error_reply, None, "error reply")
        if frame is None:
            return
        for warning in observation.warnings:
            self.warn(CaseWarning(WarningKind.NOTE, warning.rule, str(warning), str(raw)))
        if isinstance(frame, CallError | CallResultError):
            note = self.monitors.dut_error_code(frame.error_code, seq=entry.seq)
            if note is not None:
                self.warn(CaseWarning(WarningKind.NOTE, note.rule, note.reason, str(raw)))
        call = observation.call
        if call is not None:
            findings = self.monitors.dut_call(
                call.action,
                call.payload,
                seq=entry.seq,
                now=asyncio.get_running_loop().time(),
                is_send=isinstance(call, Send),
            )
            for finding in findings:
                self._fail(finding.reason, finding.rule, text, entry)
            message = Message(
                call.action,
                call.payload,
                call.message_id,
                connection.number,
                entry,
                is_send=isinstance(call, Send),
                trace=self.trace,
            )
            if message.is_send:
                message.answered = True  # SEND is never answered (OCPP 2.1)
            self.received.append(message)
            # the reply follows the kind of violation: a payload that breaks its schema
            # gets FormatViolation; a schema-valid CALL that broke a conversation rule
            # (one call at a time) is answered as usual, its failure already recorded
            schema_broken = any(isinstance(v, SchemaViolation) for v in observation.errors)
            self._on_new_call(message, invalid=schema_broken)
        elif isinstance(frame, CallResult | CallError):
            self._resolve_pending_call(frame, str(raw), entry.seq)
        self._notify()

    def _ignore_replaced(self, raw: str | bytes, connection: _Connection) -> None:
        """A frame on a connection a newer one replaced (the old one is closing): kept in
        the trace and named, never taken as an answer or a CALL of the case."""
        newer = f"connection {self._current.number}" if self._current else "a newer connection"
        reason = (
            f"{self.describe_peer} sent a frame on connection {connection.number} after "
            f"{newer} replaced it: not taken"
        )
        entry = self.trace.frame(IN, raw, None, note=reason)
        entry.violations.append(
            {"rule": "transport.replaced-connection", "message": reason, "severity": "warning"}
        )
        self.warn(
            CaseWarning(
                WarningKind.NOTE,
                "transport.replaced-connection",
                f"{reason} (frame {entry.seq})",
                entry.raw,
            )
        )
        self._notify()

    def _resolve_pending_call(self, frame: CallResult | CallError, raw: str, seq: int) -> None:
        """Hand the DUT's answer to the harness CALL that waits for it."""
        if self._pending_call is None:
            return
        message_id, action, future = self._pending_call
        if frame.message_id != message_id or future.done():
            return
        if isinstance(frame, CallResult):
            future.set_result(Response(action, frame.payload, raw=raw, seq=seq, trace=self.trace))
        else:
            future.set_result(
                Response(
                    action,
                    {},
                    frame.error_code,
                    frame.description,
                    raw=raw,
                    seq=seq,
                    trace=self.trace,
                )
            )

    def _on_new_call(self, message: Message, *, invalid: bool) -> None:
        if message.answered:
            return
        if invalid:
            # Our conformant answer to a schema-invalid CALL is a CALLERROR.
            self._answer(
                message,
                error=(format_violation_code(self.version), "payload does not match the schema"),
            )
            return
        if self._awaiting == message.action:
            return  # the waiting expect() takes it
        if self.mode is Mode.SCRIPTING:
            loop = asyncio.get_running_loop()
            message._hold = loop.call_later(self.hold_seconds, self._answer_default, message)
        else:
            self._answer_default(message)

    # -- answering -----------------------------------------------------------------------

    def _answer_default(self, message: Message) -> None:
        if message.answered or message.withheld or message.abandoned:
            return
        if message.action in self.holding:
            message.cancel_hold()
            message.withheld = True  # the case answers it, or the end of its hold
            return
        chosen = self.replies.choose(message.action, message.payload)
        if chosen.withheld:
            self._abandon(message)
            return
        self._answer(message, payload=chosen.payload, error=chosen.error)
        if chosen.default and chosen.payload is not None and not message.claimed:
            # a CALL no step is about, answered by default: what a conformant device
            # sends after that answer goes out too (a step that expects the CALL
            # scripts its follow-ups itself)
            owed = self.replies.defaults.follow_ups(message.action, message.payload, chosen.payload)
            if owed:
                self._owe(owed, message)

    def _owe(self, owed: list[tuple[str, dict[str, Any]]], cause: Message | str) -> None:
        """Send ``owed`` once nothing else is in flight: what a conformant station sends
        after ``cause`` (a CSMS request it answered by default, or its own CALL)."""
        why = (
            cause
            if isinstance(cause, str)
            else f"after the default answer to {cause.action} (frame {cause.entry.seq})"
        )
        self.trace.event(f"{why} the harness sends {', '.join(action for action, _ in owed)}")
        self._owed.extend(owed)
        if self._owing is None or self._owing.done():
            self._owing = asyncio.get_running_loop().create_task(self._send_owed())

    async def _send_owed(self) -> None:
        """Send the owed messages one at a time, each answered before the next (one
        CALL in flight). A case's own CALL waits until they are through (see call)."""
        while self._owed:
            action, payload = self._owed.pop(0)
            try:
                response = await self._exchange(action, payload, timeout=self.response_timeout)
            except DutFailure as failure:
                if failure not in self.failures:
                    self._fail(failure.reason, failure.rule, failure.frame, None)
                self._owed.clear()
                return
            if response.is_error:
                self._fail(
                    f"the {self.describe_peer} answered the {action} a conformant station "
                    f"sends at this point with CALLERROR {response.error_code}",
                    f"answer:{action}",
                    response.raw,
                    None,
                )
                self._owed.clear()
                return

    async def _owed_sent(self, timeout: float) -> None:
        """Wait (at most ``timeout``) for the owed messages to be through."""
        task = self._owing
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=timeout)

    def _forget_owed(self) -> None:
        if self._owed or (self._owing is not None and not self._owing.done()):
            self.trace.event("the messages still owed are not sent: the case ended")
        self._owed.clear()
        if self._owing is not None and not self._owing.done():
            self._owing.cancel()
        self._owing = None

    def _abandon(self, message: Message) -> None:
        """Leave ``message`` unanswered for good (the case's ``no_reply``): the DUT has
        to time it out, and its next CALL is not blamed on this one."""
        message.cancel_hold()
        message.abandoned = True
        connection = self._current
        if connection is not None and connection.number == message.connection:
            connection.conversation.forget_theirs(message.message_id)
        self.trace.event(f"{message.action} (frame {message.entry.seq}) left unanswered")

    def _answer(
        self,
        message: Message,
        *,
        payload: Any = None,
        error: tuple[str, str] | None = None,
        validate: bool = True,
    ) -> None:
        if message.answered:
            raise ScriptError(
                f"{message.action} (message id {message.message_id}) was already answered"
            )
        if message.abandoned:
            raise ScriptError(
                f"{message.action} (message id {message.message_id}) was left unanswered "
                "for good (no_reply)"
            )
        connection = self._current
        if error is not None:
            frame: Any = CallError(message.message_id, error[0], error[1][:255], {})
        else:
            frame = CallResult(message.message_id, payload)
            if validate:
                problems = validate_payload(self.version, message.action, payload, response=True)
                if problems:
                    # Nothing changed yet: the script may still answer correctly.
                    raise ScriptError(
                        f"the harness's reply to {message.action} is not "
                        f"schema-valid: {problems[0]}"
                    )
        message.cancel_hold()
        message.answered = True
        message.withheld = False
        if connection is None or connection.number != message.connection:
            self.trace.event(f"reply to {message.action} not sent: its connection is closed")
            return
        message.answer = payload if error is None else error
        if message.action == "BootNotification":
            status = payload.get("status") if error is None else None
            interval = int(payload.get("interval", 0)) if error is None else 0
            self.monitors.harness_boot_answer(status, interval, asyncio.get_running_loop().time())
        try:
            connection.conversation.send(frame)
        except LocalProtocolError as exc:
            raise ScriptError(str(exc)) from None
        # A reply is sent from a task so that answering never waits on the socket; the
        # loop holds tasks weakly, so the session keeps each until it is done.
        connection.answers_in_flight[message.message_id] = message.action
        task = asyncio.get_running_loop().create_task(
            self._send_text(
                connection,
                encode(frame),
                frame,
                f"reply to {message.action}",
                message.action,
                answers=message.message_id,
            )
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send_text(
        self,
        connection: _Connection,
        text: str,
        frame: Any,
        note: str | None,
        action: str | None = None,
        *,
        answers: str | None = None,
    ) -> None:
        entry = self.trace.frame(OUT, text, frame, action=action)
        if frame is None and note:
            entry.note = note
        try:
            await connection.websocket.send(text)
        except ConnectionClosed:
            entry.note = "not delivered: connection closed"
        finally:
            if answers is not None:
                connection.answers_in_flight.pop(answers, None)

    def settle(self, *, keep: Message | None = None, claim_for: str | None = None) -> None:
        """Answer held and claimed-but-unanswered messages (except ``keep`` and what the
        case withholds or chose never to answer)."""
        for message in self.received:
            if message.answered or message is keep:
                continue
            if claim_for is not None and message.action == claim_for and not message.claimed:
                continue  # the expect() that runs now may take it
            self._answer_default(message)

    # -- the facade's operations (awaited from the test thread) ----------------------------

    async def _wait(
        self, predicate: Callable[[], T], timeout: float, what: str | None = None
    ) -> T | None:
        """Wait until ``predicate()`` holds, at most ``timeout`` s; raise a pending DUT
        failure at once. A long wait for ``what`` is told to :attr:`on_long_wait` every
        :data:`LONG_WAIT_TICK` s, with the time left (a person at a real device)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        next_tick = loop.time() + LONG_WAIT_TICK
        while True:
            event = self._event()
            self.raise_failure()
            result = predicate()
            if result:
                return result
            now = loop.time()
            remaining = deadline - now
            if remaining <= 0:
                return None
            if now >= next_tick:
                next_tick = now + LONG_WAIT_TICK
                if what is not None and self.on_long_wait is not None:
                    self.on_long_wait(what, remaining)
            # asyncio.timeout, not wait_for: no extra task, two loop wake-ups fewer per
            # wait (measured ~10 us of a ~150 us round trip, benchmarks --diagnose).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, next_tick - now)):
                    await event.wait()

    async def expect(
        self,
        action: str,
        fields: Mapping[str, Any],
        *,
        timeout: float,
        rule: str | None,
        keys: Callable[[Message], Hashable] | None = None,
        wanted_keys: set[Hashable] | None = None,
        after: int | None = None,
    ) -> Message | list[Message]:
        """Wait for the next unclaimed ``action`` (received after trace position
        ``after``, when given); with ``keys``, one per wanted key."""
        self.mode = Mode.WAITING
        self._awaiting = action
        start = len(self.trace.entries)
        taken: dict[Hashable, Message] = {}
        try:
            self.settle(claim_for=action)

            def find() -> Message | None:
                for message in self.received:
                    if message.claimed or message.action != action:
                        continue
                    if after is not None and message.entry.seq <= after:
                        continue
                    if keys is not None:
                        key = keys(message)
                        if key in taken or key not in (wanted_keys or set()):
                            continue
                    return message
                return None

            # One deadline for the whole call: collecting one message per connector
            # must not restart the clock for each (eight slow connectors would turn a
            # DUT failure into the loop's overrun, a harness error).
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                message = await self._wait(find, max(0.0, deadline - loop.time()), action)
                if message is None:
                    missing = ""
                    if keys is not None:
                        left = sorted(map(str, (wanted_keys or set()) - set(taken)))
                        missing = f" for {', '.join(left)}"
                    raise DutFailure(
                        f"no {action}{missing} within {timeout:g} s; "
                        f"{self._received_instead(start)}",
                        rule or "timeout",
                    )
                message.claimed = True
                message.cancel_hold()
                diffs = differences(fields, message.payload)
                if diffs:
                    message.entry.failing = True
                    raise DutFailure(
                        f"{action} (frame {message.entry.seq}) does not match: " + "; ".join(diffs),
                        rule or f"expect:{action}",
                        message.entry.raw,
                    )
                if keys is None:
                    return message
                taken[keys(message)] = message
                if message is not None and not message.answered:
                    self._answer_default(message)
                if set(taken) >= (wanted_keys or set()):
                    return list(taken.values())
        finally:
            self._awaiting = None
            self.mode = Mode.SCRIPTING

    async def expect_connector_states(
        self,
        keys: list[ConnectorKey],
        status: str,
        *,
        since: Message | None,
        timeout: float,
        rule: str | None,
        after: int | None = None,
    ) -> dict[ConnectorKey, Message]:
        """Wait until the latest report of every connector in ``keys`` says ``status``.

        Reports come as StatusNotification or NotifyEvent (see :mod:`harness.connectors`),
        in any order and any number: what counts is each connector's latest state among
        the messages after ``since`` or trace position ``after`` (or, without either,
        those no step has taken yet). So a
        station that says Unavailable while going down and Available once up passes,
        and one whose last word is Unavailable fails, naming it. One deadline for all.
        """
        self.mode = Mode.WAITING
        self._awaiting = None
        start_entries = len(self.trace.entries)
        try:
            self.settle()
            candidates: Callable[[], list[Message]]
            if after is not None:  # a trace position (a mark): what came after it
                candidates = lambda: [m for m in self.received if m.entry.seq > after]  # noqa: E731
            elif since is not None:
                first = next(
                    (i + 1 for i, m in enumerate(self.received) if m is since), len(self.received)
                )
                candidates = lambda: self.received[first:]  # noqa: E731
            else:
                fresh = [m for m in self.received if not m.claimed]
                known = len(self.received)
                candidates = lambda: fresh + self.received[known:]  # noqa: E731
            wanted = set(keys)

            def latest() -> dict[ReportedKey, tuple[str, Message]]:
                states: dict[ReportedKey, tuple[str, Message]] = {}
                for message in candidates():
                    if message.action not in CONNECTOR_REPORT_ACTIONS:
                        continue
                    for key, value in read_connector_states(
                        self.version, message.action, message.payload
                    ):
                        if key in wanted:
                            states[key] = (value, message)
                return states

            def all_reported() -> bool:
                states = latest()
                return all(key in states and states[key][0] == status for key in keys)

            done = await self._wait(all_reported, timeout, f"every connector to report {status}")
            states = latest()
            for _, message in states.values():
                message.claimed = True
            if not done:
                parts = []
                for key in keys:
                    if key not in states:
                        parts.append(f"{_connector_name(key)}: no report")
                    else:
                        value, message = states[key]
                        if value != status:
                            message.entry.failing = True
                            parts.append(
                                f"{_connector_name(key)}: {value} (frame {message.entry.seq})"
                            )
                raise DutFailure(
                    f"not every connector reported {status} within {timeout:g} s: "
                    + "; ".join(parts)
                    + f"; {self._received_instead(start_entries)}",
                    rule or "expect:connector-state",
                    next(
                        (m.entry.raw for v, m in states.values() if v != status and m.entry.raw),
                        None,
                    ),
                )
            return {key: states[key][1] for key in keys}
        finally:
            self.mode = Mode.SCRIPTING

    def _received_instead(self, start: int) -> str:
        entries = [
            e for e in self.trace.entries[start:] if e.kind is EntryKind.FRAME and e.direction is IN
        ]
        if not entries:
            state = (
                ""
                if self.connected
                else (
                    f" (connection closed at {self._closed_at:.2f} s, {self._close_story})"
                    if self._closed_at is not None
                    else " (not connected)"
                )
            )
            return f"received nothing{state}"
        counts = Counter(e.action or e.message_type or "invalid frame" for e in entries)
        return "received instead: " + ", ".join(
            f"{name}×{n}" if n > 1 else name for name, n in counts.items()
        )

    async def reply(
        self,
        message: Message,
        *,
        payload: Any = None,
        error: tuple[str, str] | None = None,
        validate: bool = True,
    ) -> None:
        self._answer(message, payload=payload, error=error, validate=validate)
        self.settle()

    async def call(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float,
        validate: bool = True,
    ) -> Response:
        self.mode = Mode.WAITING
        try:
            self.settle()
            await self._owed_sent(timeout)
            self.raise_failure()
            return await self._exchange(action, payload, timeout=timeout, validate=validate)
        finally:
            self.mode = Mode.SCRIPTING

    async def _exchange(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float,
        validate: bool = True,
    ) -> Response:
        """Send one CALL and wait for its answer (the case's or an owed follow-up).

        A CALL with no answer is one symptom, so it has one rule whatever the step is
        about (``ocppj.response-timeout``, OCPP-J §4.1.1), and no connection one rule
        too: the step's own rule is for what the answer says (:meth:`Response.expect`)."""
        connection = self._current
        if connection is None:
            raise DutFailure(
                f"cannot send {action}: the {self.describe_peer} is not connected",
                "transport.not-connected",
            )
        if validate:
            problems = validate_payload(self.version, action, payload, response=False)
            if problems:
                raise ScriptError(f"the harness's {action} is not schema-valid: {problems[0]}")
        if connection.answers_in_flight:
            # Answers owed go out before a new CALL: a station waiting for its boot
            # answer would drop a request that overtakes it, and be blamed for it.
            await asyncio.wait(set(self._sending), timeout=timeout)
        message_id = next_message_id()
        frame = Call(message_id, action, payload)
        self.monitors.harness_call(action, payload)
        owed_after = self.replies.defaults.sent(action, payload)
        try:
            connection.conversation.send(frame)
        except LocalProtocolError as exc:
            raise ScriptError(str(exc)) from None
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending_call = (message_id, action, future)
        await self._send_text(connection, encode(frame), frame, None)
        start = len(self.trace.entries)
        try:
            result = await self._wait(lambda: future.done(), timeout, f"the answer to {action}")
        finally:
            self._pending_call = None
        if result is None:
            connection.conversation.abandon_ours()
            raise DutFailure(
                f"no response to {action} (message id {message_id}) within {timeout:g} s; "
                f"{self._received_instead(start)}",
                "ocppj.response-timeout",
            )
        response = future.result()
        if owed_after:
            self._owe(owed_after, f"after its {action} (message id {message_id})")
        self.raise_failure()
        return response

    async def send_raw(self, text: str | bytes, *, any_answer_id: bool = False) -> int:
        """Send ``text`` as it is; returns the trace position before it (for
        :meth:`raw_answer`). With ``any_answer_id``, a CALLERROR with whatever id answers
        it (the DUT may not read an id from a broken frame)."""
        connection = self._current
        if connection is None:
            raise DutFailure(
                f"cannot send: the {self.describe_peer} is not connected", "transport.not-connected"
            )
        frame = decode(text, self.version)
        if isinstance(frame, FramingViolation):
            # A conformant peer answers an unreadable frame with a CALLERROR whose id is
            # the frame's own when readable, else "-1" (OCPP-J §4.2.3).
            connection.raw_ids.add(frame.message_id or "-1")
            if any_answer_id:
                connection.raw_ids.add(ANY_RAW_ID)
        elif isinstance(frame, Call):
            connection.raw_ids.add(frame.message_id)
        start = len(self.trace.entries)
        entry = self.trace.frame(OUT, text, None if isinstance(frame, FramingViolation) else frame)
        raw_note = "raw frame (sent as is, not checked)"
        entry.note = f"{entry.note}; {raw_note}" if entry.note else raw_note
        try:
            await connection.websocket.send(text)
        except ConnectionClosed:
            entry.note += "; not delivered: connection closed"
        return start

    async def raw_answer(self, after: int, timeout: float) -> TraceEntry | None:
        """The DUT's answer to a raw frame, in the trace after position ``after``, or
        None when none came within ``timeout``."""

        def find() -> TraceEntry | None:
            return next((e for e in self.trace.entries[after:] if e.note == RAW_ANSWER_NOTE), None)

        return await self._wait(find, timeout, "the answer to a raw frame")

    async def expect_silence(
        self, seconds: float, *, allow: tuple[str, ...], rule: str | None
    ) -> None:
        self.mode = Mode.WAITING
        try:
            self.settle()
            seen = len(self.received)

            def broken() -> Message | None:
                for message in self.received[seen:]:
                    if message.action not in allow:
                        return message
                return None

            message = await self._wait(broken, seconds, f"{seconds:g} s of silence to pass")
            if message is not None:
                message.entry.failing = True
                raise DutFailure(
                    f"{self.describe_peer} sent {message.action} (frame {message.entry.seq}, "
                    f"{message.entry.t:.2f} s) where it must stay silent",
                    rule or "expect:silence",
                    message.entry.raw,
                )
        finally:
            self.mode = Mode.SCRIPTING

    async def wait_for(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Wait (answering the DUT) until ``predicate()`` holds; its value or None."""
        self.mode = Mode.WAITING
        try:
            self.settle()
            return await self._wait(predicate, timeout)
        finally:
            self.mode = Mode.SCRIPTING

    async def hold(self, seconds: float) -> None:
        """Let ``seconds`` pass answering whatever the DUT sends; a rule it breaks
        meanwhile fails at once. For protocol waits the DUT itself asked for (the
        interval of a Pending boot answer), not for waiting on events."""
        self.mode = Mode.WAITING
        try:
            self.settle()
            await self._wait(lambda: False, seconds, "the hold to end")
        finally:
            self.mode = Mode.SCRIPTING

    async def wait_connected(self, timeout: float) -> bool:
        return bool(await self._wait(lambda: self.connected, timeout))

    async def expect_reconnect(self, timeout: float, rule: str | None) -> None:
        self.mode = Mode.WAITING
        try:
            self.settle()
            mark = self._mark
            ok = await self._wait(
                lambda: self._connections > mark and self.connected, timeout, "a reconnection"
            )
            if not ok:
                raise DutFailure(
                    f"{self.describe_peer} did not reconnect within {timeout:g} s",
                    rule or "timeout",
                )
            self._mark = self._connections
        finally:
            self.mode = Mode.SCRIPTING

    async def expect_disconnect(self, timeout: float, rule: str | None) -> None:
        self.mode = Mode.WAITING
        try:
            self.settle()
            ok = await self._wait(lambda: not self.connected, timeout)
            if not ok:
                raise DutFailure(
                    f"{self.describe_peer} did not close the connection within {timeout:g} s",
                    rule or "timeout",
                )
        finally:
            self.mode = Mode.SCRIPTING

    def mark_seen(self) -> None:
        """Everything so far is known to the test: ``expect`` and ``expect_reconnect``
        look only at what comes after (the step after an action is about its effect)."""
        self._mark = self._connections
        for message in self.received:
            message.claimed = True

    async def wait_booted(
        self,
        connect_timeout: float,
        boot_timeout: float,
        *,
        required: Collection[ConnectorKey] | None = None,
    ) -> bool:
        """Bring a station DUT to the *Booted* state before a case's steps begin.

        Waits for a connection; on a connection opened for this case, also for the
        station's BootNotification, the reports of the ``required`` connectors (without
        them, of at least one; StatusNotification or NotifyEvent) and, in 2.x, its
        startup security event
        (answered by default, bounded by ``boot_timeout``), so that what the station says
        while booting does not spill into the case's first step. A station whose boot
        this session already accepted and that only reconnects (OCPP asks no new boot for
        that) is booted at once, instead of costing ``boot_timeout`` before every case.
        Returns False if the DUT never connected; a refused handshake raises its failure.
        """
        self.mode = Mode.WAITING
        try:
            fresh_from = self._mark
            if not await self._wait(lambda: self.connected, connect_timeout, "the connection"):
                return False
            reconnected = self.monitors.boot_gate.status is BootStatus.ACCEPTED and not any(
                m.action == "BootNotification" for m in self.received if not m.claimed
            )
            if self._connections > fresh_from and not reconnected:
                startup_event = self.version is not OcppVersion.V16

                def booted() -> bool:
                    boot = [m for m in self.received if m.action == "BootNotification"]
                    if not boot or not boot[-1].answered:
                        return False
                    reported = {
                        key
                        for m in self.received
                        if m.action in CONNECTOR_REPORT_ACTIONS
                        for key, _ in read_connector_states(self.version, m.action, m.payload)
                    }
                    # a 2.x station also sends its startup security event (A04.FR.01)
                    security = not startup_event or any(
                        m.action == "SecurityEventNotification" for m in self.received
                    )
                    if required is not None:  # these connectors, by key
                        return set(required) <= reported and security
                    return bool(reported) and security

                await self._wait(booted, boot_timeout, "the station's boot")
                never_booted = self.monitors.boot_gate.status is None and not any(
                    m.action == "BootNotification" for m in self.received
                )
                if never_booted:
                    # OCPP asks no boot of a bare reconnection, so this is no failure; but
                    # a case that then fails should not leave the reader guessing why
                    self.warn(
                        CaseWarning(
                            WarningKind.NOTE,
                            "precondition.booted",
                            f"the station connected but sent no BootNotification within "
                            f"{boot_timeout:g} s: the case starts from a station this CSMS "
                            "never accepted (Part 6 §2.1 assumes the state Booted)",
                        )
                    )
            self.mark_seen()
            return True
        finally:
            self.mode = Mode.SCRIPTING

    def waiting(self) -> None:
        """The test thread is about to block outside the harness (``dut.act``)."""
        self.mode = Mode.WAITING
        self.settle()

    def scripting(self) -> None:
        self.mode = Mode.SCRIPTING


def _connector_name(key: ConnectorKey) -> str:
    if isinstance(key, tuple):
        return f"EVSE {key[0]} connector {key[1]}"
    return f"connector {key}"


def _close_story(websocket: Any, peer: str) -> str:
    """How a connection ended, for a reason a person reads: who closed it, with which
    code and reason (a CSMS's 1011 "internal error" says more than "it closed"), or
    that it dropped without a close frame."""
    protocol = getattr(websocket, "protocol", None)
    received = getattr(protocol, "close_rcvd", None)
    sent = getattr(protocol, "close_sent", None)
    if received is not None and (sent is None or getattr(protocol, "close_rcvd_then_sent", False)):
        why = f", reason {received.reason!r}" if received.reason else ""
        return f"the {peer} closed it with code {int(received.code)}{why}"
    if sent is not None:
        why = f", reason {sent.reason!r}" if sent.reason else ""
        return f"the harness closed it with code {int(sent.code)}{why}"
    return "it dropped without a close frame (code 1006)"
