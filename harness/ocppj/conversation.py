"""The message-id and call-ordering rules of one OCPP-J connection.

Theory of operation
-------------------
Each side of a connection may have one CALL outstanding at a time (OCPP-J §4.1.1: a
SHOULD in 1.6, a SHALL from 2.0.1 on); CALLs in the two directions may cross. A
CALLRESULT or CALLERROR answers the outstanding CALL with the same message id. The
same rules hold for both sides, so this module does not know whether it plays the CSMS
or the charging station (as h11's state machine does not know client from server).

All rules live in :data:`RULES`, one row each, so the report and the docs can list them.
``Conversation`` is fed frames sent and received and returns the rules the *peer* broke;
misuse by our own side (answering a call that was never made) raises
:class:`LocalProtocolError` at once, because that is a bug in the test script.

2.1 SEND frames are never answered and are exempt from the one-call rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.ocppj.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Frame,
    OcppVersion,
    Send,
)
from harness.ocppj.schemas import Severity

__all__ = [
    "RULES",
    "Conversation",
    "ConversationViolation",
    "LocalProtocolError",
    "Received",
]

#: rule id -> (reference, what the rule says)
RULES: dict[str, tuple[str, str]] = {
    "ocppj.one-call-at-a-time": (
        "OCPP-J §4.1.1",
        "a side sends no new CALL until its previous CALL is answered or timed out",
    ),
    "ocppj.unknown-message-id": (
        "OCPP-J §4.1.4",
        "a CALLRESULT or CALLERROR carries the id of an outstanding CALL",
    ),
    "ocppj.message-id-reused": (
        "OCPP-J §4.1.4",
        "each CALL has a new message id (a retry of the same message may reuse it from 2.0.1)",
    ),
    "ocppj.callresulterror-unknown-id": (
        "OCPP-J 2.1 §4.2.4",
        "a CALLRESULTERROR carries the id of a CALLRESULT that was sent",
    ),
}


class LocalProtocolError(Exception):
    """Our own side (the test script) broke an OCPP-J rule it did not mean to break."""


@dataclass(frozen=True)
class ConversationViolation:
    rule: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def reference(self) -> str:
        return RULES[self.rule][0]

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}, {self.reference}]"


@dataclass(frozen=True)
class Received:
    """What the conversation made of one received frame.

    ``action`` is the action of the CALL a result or error answers (``None`` when the id
    is unknown); ``violations`` are the rules the peer broke with this frame.
    """

    frame: Frame
    action: str | None
    violations: tuple[ConversationViolation, ...] = ()


@dataclass
class _Outstanding:
    message_id: str
    action: str


@dataclass
class Conversation:
    """Message-id bookkeeping for one connection, identical for both sides."""

    version: OcppVersion
    #: our CALL awaiting the peer's answer
    ours: _Outstanding | None = None
    #: peer CALLs not yet answered by us, by message id
    theirs: dict[str, str] = field(default_factory=dict)
    #: ids of CALLs the peer sent on this connection, with (action, payload)
    _peer_ids: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    #: ids of CALLRESULTs we sent (2.1 CALLRESULTERROR refers to them)
    _our_result_ids: set[str] = field(default_factory=set)

    # -- our side -------------------------------------------------------------------

    def send(self, frame: Frame) -> None:
        """Record a frame we are about to send. Raises on script bugs."""
        if isinstance(frame, Call):
            if self.ours is not None:
                raise LocalProtocolError(
                    f"can't send CALL {frame.action} while our CALL {self.ours.action} "
                    f"(id {self.ours.message_id}) is unanswered"
                )
            self.ours = _Outstanding(frame.message_id, frame.action)
        elif isinstance(frame, CallResult | CallError):
            if frame.message_id not in self.theirs:
                raise LocalProtocolError(
                    f"can't answer message id {frame.message_id!r}: no such peer CALL is open"
                )
            del self.theirs[frame.message_id]
            if isinstance(frame, CallResult):
                self._our_result_ids.add(frame.message_id)

    def abandon_ours(self) -> str | None:
        """Give up waiting for our outstanding CALL (it timed out); returns its action."""
        action = self.ours.action if self.ours else None
        self.ours = None
        return action

    def forget_theirs(self, message_id: str) -> None:
        """We will never answer the peer's CALL ``message_id``: once it times it out the
        peer may send its next CALL (or the same one again), which is then no breach of
        one CALL at a time."""
        self.theirs.pop(message_id, None)

    # -- the peer's side ----------------------------------------------------------------

    def receive(self, frame: Frame) -> Received:
        """Feed a frame received from the peer; returns the rules it broke."""
        if isinstance(frame, Call):
            return self._receive_call(frame)
        if isinstance(frame, CallResult | CallError):
            if self.ours is None or self.ours.message_id != frame.message_id:
                kind = "CALLRESULT" if isinstance(frame, CallResult) else "CALLERROR"
                return Received(
                    frame,
                    None,
                    (
                        ConversationViolation(
                            "ocppj.unknown-message-id",
                            f"{kind} with message id {frame.message_id!r} answers no "
                            "outstanding CALL",
                        ),
                    ),
                )
            action = self.ours.action
            self.ours = None
            return Received(frame, action)
        if isinstance(frame, CallResultError):
            if frame.message_id not in self._our_result_ids:
                return Received(
                    frame,
                    None,
                    (
                        ConversationViolation(
                            "ocppj.callresulterror-unknown-id",
                            f"CALLRESULTERROR with message id {frame.message_id!r} refers "
                            "to no CALLRESULT we sent",
                        ),
                    ),
                )
            return Received(frame, None)
        assert isinstance(frame, Send)
        # SEND ids share the id space of CALLs (OCPP 2.1 §4.1.4); a SEND is not answered.
        violations = self._check_reuse(frame)
        self._peer_ids[frame.message_id] = (frame.action, frame.payload)
        return Received(frame, frame.action, tuple(violations))

    def _check_reuse(self, frame: Call | Send) -> list[ConversationViolation]:
        previous = self._peer_ids.get(frame.message_id)
        is_retry = previous == (frame.action, frame.payload) and self.version is not OcppVersion.V16
        if previous is None or is_retry:
            return []
        kind = "CALL" if isinstance(frame, Call) else "SEND"
        return [
            ConversationViolation(
                "ocppj.message-id-reused",
                f"{kind} {frame.action} reuses message id {frame.message_id!r} of an earlier "
                f"{previous[0]}",
            )
        ]

    def _receive_call(self, frame: Call) -> Received:
        violations = self._check_reuse(frame)
        if self.theirs and frame.message_id not in self.theirs:
            open_id, open_action = next(iter(self.theirs.items()))
            severity = Severity.WARNING if self.version is OcppVersion.V16 else Severity.ERROR
            violations.append(
                ConversationViolation(
                    "ocppj.one-call-at-a-time",
                    f"CALL {frame.action} sent while the peer's CALL {open_action} "
                    f"(id {open_id}) is still unanswered",
                    severity,
                )
            )
        self._peer_ids[frame.message_id] = (frame.action, frame.payload)
        self.theirs[frame.message_id] = frame.action
        return Received(frame, frame.action, tuple(violations))
