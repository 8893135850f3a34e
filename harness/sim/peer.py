"""A small asyncio OCPP-J peer over one open websocket, shared by both simulators.

Why a peer of its own (not the harness session): a simulator must be able to break
rules on purpose, so the policy (what to answer, whether to answer at all) stays with
the simulator; the peer only does the mechanics every conformant side needs:

- our CALLs go out one at a time (OCPP-J §4.1.1): callers queue on a FIFO lock and each
  waits for its answer, bounded by the message timeout;
- incoming CALLs are handed to the simulator's ``on_call`` and its :class:`Reply` is
  sent back; work that must happen *after* the answer (a triggered message, a reboot)
  runs as a task once the answer is on the wire (F06.FR.04);
- frames are decoded and encoded by :mod:`harness.ocppj` only.

Handlers run inside the receive loop, so they must not await the peer's own CALLs;
anything that calls the other side goes into ``Reply.after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from websockets.exceptions import ConnectionClosed

from harness.ocppj import (
    Call,
    CallError,
    CallResult,
    Conversation,
    FramingViolation,
    LocalProtocolError,
    OcppVersion,
    decode,
    encode,
    known_actions,
    validate_payload,
)
from harness.ocppj.codes import format_violation_code, spelled
from harness.sim.errors import CallErrorReceived, CallTimeout, PeerClosed, SimError

__all__ = [
    "FrameEvent",
    "FrameHook",
    "OcppPeer",
    "Reply",
    "new_message_id",
    "request_problem",
]

log = logging.getLogger(__name__)

Direction = Literal["out", "in"]


@dataclass(frozen=True)
class FrameEvent:
    """One websocket text message a simulator sent (``out``) or received (``in``)."""

    identity: str
    direction: Direction
    text: str


FrameHook = Callable[[FrameEvent], None]


class _Socket(Protocol):
    """What the peer needs from a websockets connection (client or server side)."""

    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass
class Reply:
    """What a simulator answers to one incoming CALL.

    Exactly one of: ``payload`` (CALLRESULT), ``error_code`` (CALLERROR), ``raw`` (this
    text as is, for deliberate defects) or ``silent`` (no answer at all). ``after`` runs
    once the answer has been sent. ``first`` (deliberate defects only) runs *before* the
    answer: the answer waits until ``first`` has put a CALL of ours on the wire, while
    frames keep being received.
    """

    payload: dict[str, Any] | None = None
    error_code: str | None = None
    description: str = ""
    raw: str | None = None
    silent: bool = False
    after: Callable[[], Awaitable[None]] | None = None
    first: Callable[[], Awaitable[None]] | None = None


CallHandler = Callable[[Call], Awaitable[Reply]]


def new_message_id() -> str:
    """A fresh message id: a UUID is 36 characters, the OCPP-J maximum (§4.1.4)."""
    return str(uuid.uuid4())


_KEYWORD_CODES = {
    "required": "OccurrenceConstraintViolation",
    "minItems": "OccurrenceConstraintViolation",
    "maxItems": "OccurrenceConstraintViolation",
    "type": "TypeConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "maxLength": "PropertyConstraintViolation",
    "minLength": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation",
    "minimum": "PropertyConstraintViolation",
    "pattern": "PropertyConstraintViolation",
    "format": "PropertyConstraintViolation",
    "multipleOf": "PropertyConstraintViolation",
}


def request_problem(version: OcppVersion, call: Call) -> Reply | None:
    """The CALLERROR a conformant receiver gives a CALL it cannot take, else ``None``.

    Unknown action -> NotImplemented; a payload that breaks the request schema -> the
    error code of the first broken rule (OCPP-J §4.2.3 / 2.0.1 Part 4 §4.1.7).
    """
    if call.action not in known_actions(version):
        return Reply(
            error_code="NotImplemented", description=f"unknown action {call.action!r}"[:255]
        )
    violations = validate_payload(version, call.action, call.payload, response=False)
    if not violations:
        return None
    first = violations[0]
    code = _KEYWORD_CODES.get(first.keyword, "FormatViolation")
    return Reply(error_code=spelled(version, code), description=str(first)[:255])


@dataclass
class _Pending:
    message_id: str
    action: str
    future: asyncio.Future[CallResult | CallError] = field(repr=False)


class OcppPeer:
    """One OCPP-J conversation over one open websocket.

    ``run()`` is the receive loop; it returns when the socket closes and then fails the
    outstanding CALL with :class:`PeerClosed`. ``call()`` may be used from any task.
    """

    def __init__(
        self,
        ws: _Socket,
        version: OcppVersion,
        *,
        identity: str,
        on_call: CallHandler,
        message_timeout: float,
        on_frame: FrameHook | None = None,
        answer_unreadable: Callable[[CallError], CallError | None] | None = None,
    ) -> None:
        self.ws = ws
        #: what the peer answers a text that is not JSON with, given the conformant
        #: CALLERROR: that one, another, or None for no answer (a defect)
        self._answer_unreadable = answer_unreadable
        self.version = version
        self.identity = identity
        self.message_timeout = message_timeout
        self.closed = asyncio.Event()
        self._on_call = on_call
        self._on_frame = on_frame
        self._conversation = Conversation(version)
        self._call_lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: set when our next CALL is on the wire (for Reply.first)
        self._call_sent: asyncio.Event | None = None

    # -- sending ----------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Put one text message on the wire (and on the frame hook)."""
        if self.closed.is_set():
            raise PeerClosed(f"connection of {self.identity} is closed")
        if self._on_frame is not None:
            self._on_frame(FrameEvent(self.identity, "out", text))
        try:
            await self.ws.send(text)
        except ConnectionClosed as exc:
            raise PeerClosed(f"connection of {self.identity} closed: {exc}") from None

    async def call(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        message_id: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send a CALL and return the CALLRESULT payload.

        Waits for earlier CALLs of ours first (one outstanding CALL per direction).
        Raises :class:`CallErrorReceived`, :class:`CallTimeout` or :class:`PeerClosed`.
        """
        timeout = self.message_timeout if timeout is None else timeout
        async with self._call_lock:
            frame = Call(message_id or new_message_id(), action, payload)
            future: asyncio.Future[CallResult | CallError] = (
                asyncio.get_running_loop().create_future()
            )
            self._conversation.send(frame)
            self._pending = _Pending(frame.message_id, action, future)
            try:
                await self.send_text(encode(frame))
                sent, self._call_sent = self._call_sent, None
                if sent is not None:
                    sent.set()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
                # cancellation that races with the answer (CPython gh-86296).
                async with asyncio.timeout(timeout):
                    answer = await future
            except TimeoutError:
                raise CallTimeout(action, timeout) from None
            finally:
                self._pending = None
                ours = self._conversation.ours
                if ours is not None and ours.message_id == frame.message_id:
                    # Timed out, closed or cancelled: stop waiting, free the slot.
                    self._conversation.abandon_ours()
        if isinstance(answer, CallError):
            raise CallErrorReceived(action, answer.error_code, answer.description, answer.details)
        return answer.payload

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the websocket (bounded by the connection's own close timeout)."""
        with contextlib.suppress(ConnectionClosed):
            await self.ws.close(code, reason)

    # -- receiving --------------------------------------------------------------------

    async def run(self) -> None:
        """Receive and dispatch frames until the connection closes."""
        try:
            while True:
                message = await self.ws.recv()
                if self._on_frame is not None:
                    shown = message if isinstance(message, str) else f"<{len(message)} bytes>"
                    self._on_frame(FrameEvent(self.identity, "in", shown))
                await self._receive(message)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            pending = self._pending
            if pending is not None and not pending.future.done():
                pending.future.set_exception(
                    PeerClosed(f"connection closed while waiting for {pending.action}")
                )
                # Mark it seen: the caller may be cancelled before it wakes up.
                pending.future.exception()

    async def aclose(self) -> None:
        """Cancel the after-reply tasks still running (used when a simulator stops)."""
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1)

    async def _receive(self, message: str | bytes) -> None:
        frame = decode(message, self.version)
        if isinstance(frame, FramingViolation):
            await self._on_violation(message, frame)
            return
        received = self._conversation.receive(frame)
        for violation in received.violations:
            log.debug("%s: peer broke %s", self.identity, violation)
        if isinstance(frame, Call):
            await self._answer(frame)
        elif isinstance(frame, CallResult | CallError):
            pending = self._pending
            if (
                pending is not None
                and pending.message_id == frame.message_id
                and not pending.future.done()
            ):
                pending.future.set_result(frame)
                # The caller acts on the answer (a Rejected boot, say) before the next
                # frame is read, as a device handles its messages in order: else a
                # request right behind the answer meets the state before it.
                await asyncio.sleep(0)
        # Type 5/6 (2.1) and late answers are ignored: nothing waits for them.

    async def _answer(self, call: Call) -> None:
        try:
            reply = await self._on_call(call)
        except Exception as exc:  # a simulator bug must not kill the connection
            log.exception("%s: handler for %s failed", self.identity, call.action)
            reply = Reply(error_code="InternalError", description=str(exc)[:255])
        if reply.first is not None:
            self.spawn(self._answer_after_first(call, reply))
        else:
            await self._deliver(call, reply)

    async def _answer_after_first(self, call: Call, reply: Reply) -> None:
        """Start ``reply.first``; answer once its CALL went out (or after the timeout)."""
        assert reply.first is not None
        sent = self._call_sent = asyncio.Event()
        self.spawn(reply.first())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.message_timeout):
                await sent.wait()
        await self._deliver(call, reply)

    async def _deliver(self, call: Call, reply: Reply) -> None:
        """Send the answer to ``call`` as ``reply`` says, then start ``reply.after``."""
        if reply.silent:
            return
        if reply.raw is not None:
            await self._send_quietly(reply.raw)
        else:
            answer: CallResult | CallError
            if reply.error_code is not None:
                answer = CallError(call.message_id, reply.error_code, reply.description[:255])
            else:
                answer = CallResult(call.message_id, reply.payload or {})
            try:
                self._conversation.send(answer)
            except LocalProtocolError:
                return
            await self._send_quietly(encode(answer))
        if reply.after is not None:
            self.spawn(reply.after())

    def spawn(self, work: Awaitable[None]) -> None:
        """Run ``work`` as a task owned by this peer (cancelled by :meth:`aclose`)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if not isinstance(exc, SimError):
                log.error("%s: background task failed", self.identity, exc_info=exc)

    async def _send_quietly(self, text: str) -> None:
        with contextlib.suppress(PeerClosed):
            await self.send_text(text)

    async def _on_violation(self, message: str | bytes, violation: FramingViolation) -> None:
        """Answer a broken CALL with a CALLERROR when it can be identified as one."""
        log.debug("%s: received a broken frame: %s", self.identity, violation)
        is_call = False
        if isinstance(message, str):
            try:
                value = json.loads(message)
            except ValueError:
                value = None
            is_call = isinstance(value, list) and len(value) > 0 and value[0] == 2
        if is_call and violation.message_id is not None:
            code = format_violation_code(self.version)
            text = encode(CallError(violation.message_id, code, violation.message[:255]))
            await self._send_quietly(text)
        elif violation.rule == "ocppj.not-json":
            # 2.0.1 Part 4 §4.2.3: id unreadable -> "-1"; never echo the bad text. 1.6
            # §4.2.3 asks for a CallError too (it fixes no id; "-1" is 2.0.1's choice).
            v16 = self.version is OcppVersion.V16
            code = format_violation_code(self.version) if v16 else "RpcFrameworkError"
            answer: CallError | None = CallError("-1", code, "message is not valid JSON")
            if self._answer_unreadable is not None and answer is not None:
                answer = self._answer_unreadable(answer)
            if answer is not None:
                await self._send_quietly(encode(answer))
