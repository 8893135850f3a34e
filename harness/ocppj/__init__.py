"""Sans-IO OCPP-J core: frames, schema checks and conversation rules. No I/O here."""

from harness.ocppj.conversation import (
    RULES,
    Conversation,
    ConversationViolation,
    LocalProtocolError,
    Received,
)
from harness.ocppj.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Frame,
    FramingViolation,
    MessageType,
    OcppVersion,
    Send,
    decode,
    encode,
    encode_raw,
)
from harness.ocppj.schemas import (
    SchemaViolation,
    Severity,
    Strictness,
    known_actions,
    validate_payload,
)

__all__ = [
    "RULES",
    "Call",
    "CallError",
    "CallResult",
    "CallResultError",
    "Conversation",
    "ConversationViolation",
    "Frame",
    "FramingViolation",
    "LocalProtocolError",
    "MessageType",
    "OcppVersion",
    "Received",
    "SchemaViolation",
    "Send",
    "Severity",
    "Strictness",
    "decode",
    "encode",
    "encode_raw",
    "known_actions",
    "validate_payload",
]
