"""What one frame from the DUT is, and which rules it breaks: no I/O, no clock.

The session hands every text the DUT sends to :func:`observe` with the connection's
:class:`~harness.ocppj.Conversation`; the :class:`Observation` it gets back says what the
frame is (unreadable, an answer to a raw frame of the harness, or an OCPP-J frame), the
action a CALLRESULT answers, and the violations of framing, conversation and schema rules
it carries. The session then writes the trace entry, turns the first error into the
case's failure and, for an unreadable frame, sends the CALLERROR OCPP-J asks for. Kept
apart so that the rules of a frame can be read (and tested) without a connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.ocppj import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Conversation,
    ConversationViolation,
    Frame,
    FramingViolation,
    OcppVersion,
    SchemaViolation,
    Send,
    Severity,
    Strictness,
    decode,
    encode_raw,
    validate_payload,
)
from harness.ocppj.codes import framing_error_code

__all__ = ["Observation", "observe"]


@dataclass(frozen=True)
class FrameWarning:
    """A rule of the frame's text that lenient mode only warns about (a duplicate key)."""

    rule: str
    message: str
    reference: str
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}, {self.reference}]"


Violation = ConversationViolation | SchemaViolation | FrameWarning


@dataclass
class Observation:
    """One received frame, judged by the framing, conversation and schema rules."""

    raw: str | bytes
    #: the decoded frame; None when the text is not an OCPP-J frame
    frame: Frame | None
    #: why the text is not an OCPP-J frame
    framing: FramingViolation | None = None
    #: a CALLRESULT/CALLERROR answering a frame the harness sent with ``send_raw``: it is
    #: kept for the case and bypasses the conversation rules (the harness broke them)
    answers_raw: bool = False
    #: the action of the harness's CALL this CALLRESULT or CALLERROR answers
    response_to: str | None = None
    violations: list[Violation] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity is Severity.WARNING]

    @property
    def call(self) -> Call | Send | None:
        """The DUT's CALL (or 2.1 SEND), if this frame is one."""
        return self.frame if isinstance(self.frame, Call | Send) else None

    def violation_records(self) -> list[dict[str, str]]:
        """The violations as the trace keeps them."""
        if self.framing is not None:
            return [
                {"rule": self.framing.rule, "message": self.framing.message, "severity": "error"}
            ]
        return [
            {"rule": v.rule, "message": str(v), "severity": v.severity.value}
            for v in self.violations
        ]

    def failure(self, seq: int, peer: str) -> tuple[str, str] | None:
        """(reason, rule) of the first error this frame (trace position ``seq``) makes."""
        if self.framing is not None:
            return (
                f"frame {seq} is not a valid OCPP-J frame: {self.framing.message}",
                self.framing.rule,
            )
        errors = self.errors
        if not errors or self.frame is None:
            return None
        first = errors[0]
        frame = self.frame
        what = getattr(frame, "action", None) or (
            f"{frame.message_type.name} to {self.response_to}"
            if self.response_to
            else frame.message_type.name
        )
        # Schema violations read best whole (schema, path, keyword); conversation rules
        # as their message and reference, the rule id follows anyway.
        detail = (
            f"{first.message} ({first.reference})"
            if isinstance(first, ConversationViolation)
            else str(first)
        )
        return f"{peer} sent an invalid {what} (frame {seq}): {detail}", first.rule

    def error_reply(self, version: OcppVersion) -> str | None:
        """The CALLERROR owed for a text that is not a valid frame (OCPP-J §4.2.3: the
        frame's own id when readable, else "-1"); None when nothing is owed (a valid
        frame, or a message type number nobody knows, which is ignored)."""
        if self.framing is None or self.framing.rule == "ocppj.unknown-message-type":
            return None
        return encode_raw(
            [
                4,
                self.framing.message_id or "-1",
                framing_error_code(version),
                self.framing.message[:255],
                {},
            ]
        )


def _pipelined(frame: Call, in_flight: Mapping[str, str], version: OcppVersion) -> Violation:
    """The one-call-at-a-time rule, for a CALL that came before the answer to the
    previous one was even sent (the conversation alone sees it answered already)."""
    open_id, open_action = next(iter(in_flight.items()))
    return ConversationViolation(
        "ocppj.one-call-at-a-time",
        f"CALL {frame.action} sent before the answer to its CALL {open_action} (id "
        f"{open_id}) was sent: the CALLs are pipelined",
        # as the conversation rule itself: 1.6 names the rule less strictly
        Severity.WARNING if version is OcppVersion.V16 else Severity.ERROR,
    )


#: in ``raw_ids``: a CALLERROR with any id not of the harness's own CALL answers the
#: raw frame the harness sent last (one whose id cannot be read)
ANY_RAW_ID = "*"


def observe(
    raw: str | bytes,
    version: OcppVersion,
    conversation: Conversation,
    *,
    strictness: Strictness = Strictness.STRICT,
    raw_ids: set[str] | None = None,
    answers_in_flight: Mapping[str, str] | None = None,
) -> Observation:
    """Decode ``raw``, feed it to ``conversation`` and validate its payload.

    ``raw_ids`` are the ids of raw frames the harness sent whose answers are still due;
    the id an answer takes is removed from it. ``answers_in_flight`` are the harness's
    answers not yet written to the socket (id -> action): a CALL read meanwhile was sent
    before its sender could have received the answer to its previous one.
    """
    # lenient: a duplicate key is a warning (the last value wins), strict: a failure
    duplicates: list[str] | None = [] if strictness is Strictness.LENIENT else None
    frame = decode(raw, version, duplicates=duplicates)
    if isinstance(frame, FramingViolation):
        return Observation(raw, None, framing=frame)
    if raw_ids is not None and isinstance(frame, CallResult | CallError):
        if frame.message_id in raw_ids:
            raw_ids.discard(frame.message_id)
            return Observation(raw, frame, answers_raw=True)
        ours = conversation.ours
        if (
            ANY_RAW_ID in raw_ids
            and isinstance(frame, CallError)
            and (ours is None or ours.message_id != frame.message_id)
        ):
            # the answer to a raw frame whose id could not be read, whatever id the
            # peer gave it: the case judges the id (OCPP-J §4.2.3)
            raw_ids.difference_update({ANY_RAW_ID, "-1"})
            return Observation(raw, frame, answers_raw=True)
    received = conversation.receive(frame)
    observation = Observation(raw, frame, violations=[*received.violations])
    if duplicates:
        observation.violations.append(
            FrameWarning(
                "ocppj.duplicate-key",
                f"the key {duplicates[0]!r} appears twice in one object; the last value was taken",
                "RFC 8259 §4",
            )
        )
    if isinstance(frame, Call) and answers_in_flight and not received.violations:
        observation.violations.append(_pipelined(frame, answers_in_flight, version))
    if isinstance(frame, Call | Send):
        observation.violations += validate_payload(
            version, frame.action, frame.payload, response=False, strictness=strictness
        )
    elif isinstance(frame, CallResult) and received.action is not None:
        observation.response_to = received.action
        observation.violations += validate_payload(
            version, received.action, frame.payload, response=True, strictness=strictness
        )
    elif isinstance(frame, CallError | CallResultError):
        observation.response_to = received.action
    return observation
