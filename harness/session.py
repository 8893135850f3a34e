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
  (bounded by ``hold_seconds``) so that ``expect`` can still claim it.

Answered messages stay in the list of received messages, so a later ``expect`` still
finds them: the order in which a test expects messages need not be the order in which a
device happened to send them.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import secrets
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from websockets.exceptions import ConnectionClosed

from harness.connectors import (
    CONNECTOR_REPORT_ACTIONS,
    ConnectorKey,
    ReportedKey,
    read_connector_states,
)
from harness.defaults import DefaultReplies
from harness.matching import differences
from harness.ocppj import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Conversation,
    ConversationViolation,
    FramingViolation,
    LocalProtocolError,
    OcppVersion,
    SchemaViolation,
    Send,
    Severity,
    Strictness,
    decode,
    encode,
    encode_raw,
    validate_payload,
)
from harness.seqno import SEQNO_RULE, SeqNoMonitor
from harness.spec.boot import BootGate
from harness.trace import IN, OUT, Trace, TraceEntry
from harness.verdicts import CaseWarning, DutFailure, ScriptError, WarningKind

__all__ = ["Message", "Mode", "Response", "Session", "error_reply", "sticky"]

T = TypeVar("T")

#: error codes of CALLERROR per version (1.6 keeps its spelling, OCPP-J 1.6 errata §5)
ERROR_CODES = {
    OcppVersion.V16: {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    },
    OcppVersion.V201: {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "OccurenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    },
}
ERROR_CODES[OcppVersion.V21] = ERROR_CODES[OcppVersion.V201]


def format_violation_code(version: OcppVersion) -> str:
    return "FormationViolation" if version is OcppVersion.V16 else "FormatViolation"


#: message ids of the harness's CALLs: a random prefix per process and a counter. Unique
#: across all connections of a run (OCPP 2.0.1 §4.1.4 asks that of the sender), far
#: cheaper than a uuid4 per call, and readable in a trace; at most 36 characters.
_ID_PREFIX = secrets.token_hex(6)
_ID_COUNTER = itertools.count(1)


def next_message_id() -> str:
    return f"h-{_ID_PREFIX}-{next(_ID_COUNTER)}"


class Mode(enum.Enum):
    """What the test thread is doing: decides when unscripted CALLs are answered."""

    IDLE = "idle"  # no test runs: answer at once
    WAITING = "waiting"  # the test is blocked in a harness call: answer at once
    SCRIPTING = "scripting"  # the test's own code runs: hold until its next step


@dataclass(eq=False)
class Message:
    """A CALL (or 2.1 SEND) from the DUT, as a test case sees it."""

    action: str
    payload: dict[str, Any]
    message_id: str
    connection: int
    entry: TraceEntry
    is_send: bool = False
    claimed: bool = False
    answered: bool = False
    answer: Any = None
    _hold: asyncio.TimerHandle | None = field(default=None, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)

    def expect(self, *, rule: str, **fields: Any) -> Message:
        """Fail with ``rule`` unless the payload contains ``fields`` (a tool validation
        of a message already received); marks the frame as the evidence."""
        diffs = differences(fields, self.payload)
        if diffs:
            self.entry.failing = True
            raise DutFailure(
                f"{self.action} (frame {self.entry.seq}) does not match: {'; '.join(diffs)}",
                rule,
                self.entry.raw,
            )
        return self


@dataclass(frozen=True)
class Response:
    """The DUT's answer to a CALL of the harness: a CALLRESULT or a CALLERROR."""

    action: str
    payload: dict[str, Any]
    error_code: str | None = None
    error_description: str = ""
    raw: str = ""
    #: trace position of the answer (to tell what the DUT sent before and after it)
    seq: int | None = None

    @property
    def is_error(self) -> bool:
        return self.error_code is not None

    def expect(self, *, rule: str, **fields: Any) -> Response:
        """Fail with ``rule`` unless this is a CALLRESULT whose payload contains ``fields``."""
        if self.is_error:
            raise DutFailure(
                f"{self.action} answered with CALLERROR {self.error_code}"
                + (f": {self.error_description}" if self.error_description else ""),
                rule,
                self.raw,
            )
        diffs = differences(fields, self.payload)
        if diffs:
            raise DutFailure(
                f"{self.action} response does not match: {'; '.join(diffs)}", rule, self.raw
            )
        return self

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)


@dataclass
class _Connection:
    number: int
    websocket: Any
    conversation: Conversation
    #: ids of raw frames the harness sent, whose answers bypass the conversation rules
    raw_ids: set[str] = field(default_factory=set)


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
        self.defaults = DefaultReplies(version, heartbeat_interval)
        self.hold_seconds = hold_seconds
        self.describe_peer = describe_peer
        self.trace = Trace()
        self.mode = Mode.IDLE
        self.received: list[Message] = []
        self.failures: list[DutFailure] = []
        self.warnings: list[CaseWarning] = []
        self.rejections: list[Any] = []
        self.overrides: dict[str, list[Any]] = {}
        #: while set, the harness plays an unreachable CSMS: handshakes are refused
        self.offline_reason: str | None = None
        self._current: _Connection | None = None
        self._connections = 0
        self._mark = 0  # connections the test has already seen
        self._closed_at: float | None = None
        self._awaiting: str | None = None
        self._pending_call: tuple[str, str, asyncio.Future[Response]] | None = None
        self._changed: asyncio.Event | None = None
        #: (allowed actions, rule) while the DUT may send no other CALL
        self.restriction: tuple[tuple[str, ...], str] | None = None
        #: answers the DUT gave to frames sent with send_raw
        self.raw_answers: list[Any] = []
        #: seconds a time comparison may be off (Part 6 §2.1: a configured deviation)
        self.time_deviation = time_deviation
        #: what a station may send around its boot (harness as CSMS)
        self.boot_gate = BootGate(version, deviation=time_deviation)
        #: interval of the last Accepted boot answer the harness gave (kept across
        #: cases): the station's periodic heartbeat, as far as the harness knows
        self.heartbeat_interval_given: int | None = None
        #: TransactionEvent numbering; kept across cases, a transaction may span two
        self.seq_nos = SeqNoMonitor()

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
        self.boot_gate.forget()
        self.seq_nos = SeqNoMonitor()

    def begin_case(self) -> None:
        """Start a new trace for a test case; earlier messages are settled and dropped."""
        for message in self.received:
            if not message.answered:
                self._answer_default(message)
        self.received = []
        self.failures = []
        self.warnings = []
        self.rejections = []
        self.overrides = {}
        self.restriction = None
        # The boot gate is not reset: a station left Pending by one case is still
        # Pending when the next begins (the preconditions deal with it).
        self.trace = Trace()
        self._mark = self._connections
        if self._current is not None:
            self.trace.event(f"connection {self._current.number} open at start of case")
        # Until the case's first step, the set-up answers whatever the DUT sends.
        self.mode = Mode.WAITING

    def end_of_case_checks(self) -> None:
        """Rules that can only be judged once the case's frames are all in: the
        numbering of every transaction that ended (its messages may come in any order)."""
        for finding in self.seq_nos.complete_transactions():
            self._fail(
                f"{self.describe_peer} numbered its TransactionEvents wrongly: {finding.reason}",
                SEQNO_RULE,
                None,
                None,
            )

    def end_case(self) -> None:
        self.mode = Mode.IDLE
        self.offline_reason = None  # a case never leaves the next one unreachable
        self.settle()

    def refusal(self) -> str | None:
        """Why a new connection is refused now (the server asks at each handshake)."""
        return self.offline_reason

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
        self.trace.event(f"warning {warning.line()}")

    def raise_failure(self) -> None:
        """Raise the first pending DUT failure, if any."""
        if self.failures:
            raise self.failures[0]

    def record_rejection(self, rejection: Any) -> None:
        self.rejections.append(rejection)
        self.trace.event(f"handshake refused: {rejection.reason} [{rejection.rule}]")
        if rejection.rule == "transport.subprotocol" or rejection.rule.startswith("A00"):
            self._fail(
                f"{self.describe_peer} connection refused: {rejection.reason}",
                rejection.rule,
                None,
                None,
            )
        self._notify()

    # -- connections -------------------------------------------------------------------------

    async def serve(self, websocket: Any) -> None:
        """Run one connection until it closes: the receive loop."""
        previous = self._current
        self._connections += 1
        connection = _Connection(self._connections, websocket, Conversation(self.version))
        self._current = connection
        self._closed_at = None
        if previous is not None:
            self.trace.event(f"connection {previous.number} replaced by a new connection")
            await previous.websocket.close()
        self.trace.event(
            f"connection {connection.number} opened (subprotocol {websocket.subprotocol})"
        )
        self._notify()
        try:
            async for raw in websocket:
                await self._ingest(raw, connection)
        except ConnectionClosed:
            pass
        finally:
            code = websocket.close_code
            reason = websocket.close_reason
            self.trace.event(
                f"connection {connection.number} closed (code {code}"
                + (f", reason {reason!r}" if reason else "")
                + ")"
            )
            if self._current is connection:
                self._current = None
                self._closed_at = self.trace._now()
            if self._pending_call is not None and not self._pending_call[2].done():
                self._pending_call[2].set_exception(
                    DutFailure(
                        f"{self.describe_peer} closed the connection while the harness's "
                        f"{self._pending_call[1]} (message id {self._pending_call[0]}) was "
                        "unanswered",
                        "transport.closed-mid-call",
                    )
                )
            self._notify()

    async def close_current(self, code: int = 1000, reason: str = "") -> None:
        if self._current is not None:
            await self._current.websocket.close(code, reason)

    # -- receiving ---------------------------------------------------------------------------

    async def _ingest(self, raw: str | bytes, connection: _Connection) -> None:
        frame = decode(raw, self.version)
        if isinstance(frame, FramingViolation):
            entry = self.trace.frame(IN, raw, None, note=str(frame))
            entry.valid = False
            entry.violations.append(
                {"rule": frame.rule, "message": frame.message, "severity": "error"}
            )
            text = raw if isinstance(raw, str) else entry.raw
            self._fail(
                f"frame {entry.seq} is not a valid OCPP-J frame: {frame.message}",
                frame.rule,
                text,
                entry,
            )
            if frame.rule != "ocppj.unknown-message-type":
                # OCPP-J §4.2.3: answer with a CALLERROR; "-1" when the id is unreadable.
                error = [
                    4,
                    frame.message_id or "-1",
                    # 2.x: not a valid RPC frame; 1.6 has no RpcFrameworkError, and calls a
                    # frame that does not fit the PDU structure a FormationViolation.
                    "FormationViolation"
                    if self.version is OcppVersion.V16
                    else "RpcFrameworkError",
                    frame.message[:255],
                    {},
                ]
                await self._send_text(connection, encode_raw(error), None, "error reply")
            return

        if isinstance(frame, CallResult | CallError) and frame.message_id in connection.raw_ids:
            connection.raw_ids.discard(frame.message_id)
            entry = self.trace.frame(IN, raw, frame)
            entry.note = "answer to a raw frame"
            self.raw_answers.append(frame)
            self._notify()
            return
        received = connection.conversation.receive(frame)
        violations: list[ConversationViolation | SchemaViolation] = [*received.violations]
        response_to = None
        if isinstance(frame, Call | Send):
            violations += validate_payload(
                self.version,
                frame.action,
                frame.payload,
                response=False,
                strictness=self.strictness,
            )
        elif isinstance(frame, CallResult) and received.action is not None:
            response_to = received.action
            violations += validate_payload(
                self.version,
                received.action,
                frame.payload,
                response=True,
                strictness=self.strictness,
            )
        elif isinstance(frame, CallError | CallResultError):
            response_to = received.action
        entry = self.trace.frame(IN, raw, frame, action=response_to)
        if (
            isinstance(frame, CallError | CallResultError)
            and frame.error_code not in ERROR_CODES[self.version]
        ):
            self.warn(
                CaseWarning(
                    WarningKind.NOTE,
                    "ocppj.error-code",
                    f"frame {entry.seq} is a CALLERROR with the unknown code {frame.error_code!r}",
                    str(raw),
                )
            )
        for violation in violations:
            entry.violations.append(
                {
                    "rule": violation.rule,
                    "message": str(violation),
                    "severity": violation.severity.value,
                }
            )
        errors = [v for v in violations if v.severity is Severity.ERROR]
        entry.valid = not errors
        if errors:
            first = errors[0]
            what = getattr(frame, "action", None) or (
                f"{frame.message_type.name} to {response_to}"
                if response_to
                else frame.message_type.name
            )
            # Schema violations read best whole (schema, path, keyword); conversation
            # rules as their message and reference, the rule id follows anyway.
            detail = (
                f"{first.message} ({first.reference})"
                if isinstance(first, ConversationViolation)
                else str(first)
            )
            self._fail(
                f"{self.describe_peer} sent an invalid {what} (frame {entry.seq}): {detail}",
                first.rule,
                raw if isinstance(raw, str) else None,
                entry,
            )
        for warning in (v for v in violations if v.severity is Severity.WARNING):
            self.warn(CaseWarning(WarningKind.NOTE, warning.rule, str(warning), str(raw)))

        if isinstance(frame, Call | Send):
            self._check_boot_gate(frame.action, entry, raw)
        if (
            isinstance(frame, Call)
            and frame.action == "TransactionEvent"
            and self.version is not OcppVersion.V16
        ):
            finding = self.seq_nos.observe(frame.payload)
            if finding is not None:
                self._fail(
                    f"{self.describe_peer} numbered its TransactionEvents wrongly (frame "
                    f"{entry.seq}): {finding.reason}",
                    SEQNO_RULE,
                    raw if isinstance(raw, str) else None,
                    entry,
                )
        if isinstance(frame, Call | Send) and self.restriction is not None:
            allowed, rule = self.restriction
            if frame.action not in allowed:
                self._fail(
                    f"{self.describe_peer} sent {frame.action} (frame {entry.seq}) where "
                    f"only {', '.join(allowed) or 'nothing'} may be sent",
                    rule,
                    raw if isinstance(raw, str) else None,
                    entry,
                )
        if isinstance(frame, Call | Send):
            message = Message(
                frame.action,
                frame.payload,
                frame.message_id,
                connection.number,
                entry,
                is_send=isinstance(frame, Send),
            )
            if message.is_send:
                message.answered = True  # SEND is never answered (OCPP 2.1)
            self.received.append(message)
            self._on_new_call(message, invalid=bool(errors))
        elif isinstance(frame, CallResult | CallError) and self._pending_call is not None:
            message_id, action, future = self._pending_call
            if frame.message_id == message_id and not future.done():
                if isinstance(frame, CallResult):
                    future.set_result(Response(action, frame.payload, raw=str(raw), seq=entry.seq))
                else:
                    future.set_result(
                        Response(
                            action,
                            {},
                            frame.error_code,
                            frame.description,
                            raw=str(raw),
                            seq=entry.seq,
                        )
                    )
        self._notify()

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

    def _check_boot_gate(self, action: str, entry: TraceEntry, raw: str | bytes) -> None:
        """Judge a station's CALL by the boot rules (see :mod:`harness.spec.boot`)."""
        violation = self.boot_gate.check(action, asyncio.get_running_loop().time())
        if action == "BootNotification":
            self.boot_gate.boot_requested()
        if violation is not None:
            self._fail(
                f"{self.describe_peer} {violation.reason} (frame {entry.seq})",
                violation.rule,
                raw if isinstance(raw, str) else None,
                entry,
            )

    # -- answering -----------------------------------------------------------------------

    def _answer_default(self, message: Message) -> None:
        if message.answered:
            return
        override = self.overrides.get(message.action)
        if override:
            # One-off replies are used first, in order; an always-reply stays.
            one_off = next((r for r in override if not _is_sticky(r)), None)
            if one_off is not None:
                override.remove(one_off)
                reply = one_off
            else:
                reply = _unsticky(override[-1])
            if isinstance(reply, _ErrorReply):
                self._answer(message, error=(reply.code, reply.description))
            elif callable(reply):
                self._answer(message, payload=reply(message.payload))
            else:
                # A registered reply names what matters; the default fills in the rest
                # (BootNotification's currentTime, say).
                default = self.defaults.response(message.action, message.payload)
                self._answer(message, payload={**default, **reply})
            return
        self._answer(message, payload=self.defaults.response(message.action, message.payload))

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
        if message._hold is not None:
            message._hold.cancel()
        message.answered = True
        if connection is None or connection.number != message.connection:
            self.trace.event(f"reply to {message.action} not sent: its connection is closed")
            return
        message.answer = payload if error is None else error
        if message.action == "BootNotification":
            status = payload.get("status") if error is None else None
            interval = int(payload.get("interval", 0)) if error is None else 0
            self.boot_gate.boot_answered(status, interval, asyncio.get_running_loop().time())
            if status == "Accepted":
                self.heartbeat_interval_given = interval
        try:
            connection.conversation.send(frame)
        except LocalProtocolError as exc:
            raise ScriptError(str(exc)) from None
        asyncio.get_running_loop().create_task(
            self._send_text(
                connection, encode(frame), frame, f"reply to {message.action}", message.action
            )
        )

    async def _send_text(
        self,
        connection: _Connection,
        text: str,
        frame: Any,
        note: str | None,
        action: str | None = None,
    ) -> None:
        entry = self.trace.frame(OUT, text, frame, action=action)
        if frame is None and note:
            entry.note = note
        try:
            await connection.websocket.send(text)
        except ConnectionClosed:
            entry.note = "not delivered: connection closed"

    def settle(self, *, keep: Message | None = None, claim_for: str | None = None) -> None:
        """Answer held and claimed-but-unanswered messages (except ``keep``)."""
        for message in self.received:
            if message.answered or message is keep:
                continue
            if claim_for is not None and message.action == claim_for and not message.claimed:
                continue  # the expect() that runs now may take it
            self._answer_default(message)

    # -- the facade's operations (awaited from the test thread) ----------------------------

    async def _wait(self, predicate: Callable[[], T], timeout: float) -> T | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event()
            self.raise_failure()
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            # asyncio.timeout, not wait_for: no extra task, two loop wake-ups fewer per
            # wait (measured ~10 us of a ~150 us round trip, benchmarks --diagnose).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
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
                message = await self._wait(find, max(0.0, deadline - loop.time()))
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
                if message._hold is not None:
                    message._hold.cancel()
                    message._hold = None
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
    ) -> dict[ConnectorKey, Message]:
        """Wait until the latest report of every connector in ``keys`` says ``status``.

        Reports come as StatusNotification or NotifyEvent (see :mod:`harness.connectors`),
        in any order and any number: what counts is each connector's latest state among
        the messages after ``since`` (or, without it, those no step has taken yet). So a
        station that says Unavailable while going down and Available once up passes,
        and one whose last word is Unavailable fails, naming it. One deadline for all.
        """
        self.mode = Mode.WAITING
        self._awaiting = None
        start_entries = len(self.trace.entries)
        try:
            self.settle()
            candidates: Callable[[], list[Message]]
            if since is not None:
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

            done = await self._wait(all_reported, timeout)
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
        entries = [e for e in self.trace.entries[start:] if e.kind == "frame" and e.direction == IN]
        if not entries:
            state = (
                ""
                if self.connected
                else (
                    f" (connection closed at {self._closed_at:.2f} s)"
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
        rule: str | None,
        validate: bool = True,
    ) -> Response:
        self.mode = Mode.WAITING
        try:
            self.settle()
            self.raise_failure()
            connection = self._current
            if connection is None:
                raise DutFailure(
                    f"cannot send {action}: the {self.describe_peer} is not connected",
                    rule or "transport.not-connected",
                )
            if validate:
                problems = validate_payload(self.version, action, payload, response=False)
                if problems:
                    raise ScriptError(f"the harness's {action} is not schema-valid: {problems[0]}")
            message_id = next_message_id()
            frame = Call(message_id, action, payload)
            self.boot_gate.csms_requested(action, payload)
            try:
                connection.conversation.send(frame)
            except LocalProtocolError as exc:
                raise ScriptError(str(exc)) from None
            future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
            self._pending_call = (message_id, action, future)
            await self._send_text(connection, encode(frame), frame, None)
            start = len(self.trace.entries)
            try:
                result = await self._wait(lambda: future.done(), timeout)
            finally:
                self._pending_call = None
            if result is None:
                connection.conversation.abandon_ours()
                raise DutFailure(
                    f"no response to {action} (message id {message_id}) within {timeout:g} s; "
                    f"{self._received_instead(start)}",
                    rule or "ocppj.response-timeout",
                )
            response = future.result()
            self.raise_failure()
            return response
        finally:
            self.mode = Mode.SCRIPTING

    async def send_raw(self, text: str | bytes) -> None:
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
        elif isinstance(frame, Call):
            connection.raw_ids.add(frame.message_id)
        entry = self.trace.frame(OUT, text, None if isinstance(frame, FramingViolation) else frame)
        raw_note = "raw frame (sent as is, not checked)"
        entry.note = f"{entry.note}; {raw_note}" if entry.note else raw_note
        try:
            await connection.websocket.send(text)
        except ConnectionClosed:
            entry.note += "; not delivered: connection closed"

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

            message = await self._wait(broken, seconds)
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
            await self._wait(lambda: False, seconds)
        finally:
            self.mode = Mode.SCRIPTING

    async def wait_connected(self, timeout: float) -> bool:
        return bool(await self._wait(lambda: self.connected, timeout))

    async def expect_reconnect(self, timeout: float, rule: str | None) -> None:
        self.mode = Mode.WAITING
        try:
            self.settle()
            mark = self._mark
            ok = await self._wait(lambda: self._connections > mark and self.connected, timeout)
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
        self, connect_timeout: float, boot_timeout: float, connectors: int = 1
    ) -> bool:
        """Bring a station DUT to the *Booted* state before a case's steps begin.

        Waits for a connection; on a connection opened for this case, also for the
        station's BootNotification, the reports of its ``connectors`` connectors
        (StatusNotification or NotifyEvent) and, in 2.x, its startup security event
        (answered by default, bounded by ``boot_timeout``), so that what the station says
        while booting does not spill into the case's first step. Returns False if the DUT
        never connected; a refused handshake raises its failure.
        """
        self.mode = Mode.WAITING
        try:
            fresh_from = self._mark
            if not await self._wait(lambda: self.connected, connect_timeout):
                return False
            if self._connections > fresh_from:
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
                    return len(reported) >= connectors and security

                await self._wait(booted, boot_timeout)
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


class _ErrorReply:
    def __init__(self, code: str, description: str) -> None:
        self.code = code
        self.description = description


class _Sticky:
    def __init__(self, reply: Any) -> None:
        self.reply = reply


def _is_sticky(reply: Any) -> bool:
    return isinstance(reply, _Sticky)


def _unsticky(reply: Any) -> Any:
    return reply.reply if isinstance(reply, _Sticky) else reply


def error_reply(code: str, description: str = "") -> _ErrorReply:
    return _ErrorReply(code, description)


def sticky(reply: Any) -> _Sticky:
    return _Sticky(reply)
