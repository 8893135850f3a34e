"""OCPP-J RPC frames: decode text into frames or named framing violations, encode back.

Theory of operation: a test harness must *observe* broken frames, not crash on them, so
:func:`decode` never raises on peer input. It returns either a frame (a frozen
dataclass) or a :class:`FramingViolation` that names the OCPP-J rule the text broke.
:func:`encode` turns frames into text; :func:`encode_raw` serialises any JSON value, so
negative test cases can send frames that break the rules on purpose.

No I/O, no clock, no asyncio here.
"""

from __future__ import annotations

import contextvars
import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any

from harness.severity import Severity

__all__ = [
    "MAX_MESSAGE_ID_LENGTH",
    "Call",
    "CallError",
    "CallResult",
    "CallResultError",
    "Frame",
    "FramingViolation",
    "MessageType",
    "OcppVersion",
    "Send",
    "decode",
    "encode",
    "encode_raw",
]

#: OCPP-J §4.1.4: the message id is a string of at most 36 characters.
MAX_MESSAGE_ID_LENGTH = 36


class OcppVersion(enum.Enum):
    """An OCPP version, with its WebSocket subprotocol name."""

    V16 = "1.6"
    V201 = "2.0.1"
    V21 = "2.1"

    @property
    def subprotocol(self) -> str:
        return {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1"}[self.value]

    @property
    def has_send_frames(self) -> bool:
        """CALLRESULTERROR (5) and SEND (6) exist from OCPP 2.1 on."""
        return self is OcppVersion.V21

    @classmethod
    def parse(cls, text: str) -> OcppVersion:
        for version in cls:
            if text in (version.value, version.subprotocol):
                return version
        raise ValueError(f"unknown OCPP version {text!r}; use one of 1.6, 2.0.1, 2.1")


class MessageType(enum.IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5
    SEND = 6


@dataclass(frozen=True)
class Call:
    """A request: ``[2, messageId, action, payload]``."""

    message_id: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    message_type = MessageType.CALL


@dataclass(frozen=True)
class Send:
    """OCPP 2.1 unconfirmed request: ``[6, messageId, action, payload]``; never answered."""

    message_id: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    message_type = MessageType.SEND


@dataclass(frozen=True)
class CallResult:
    """A response: ``[3, messageId, payload]``. It carries no action (OCPP-J §4.1.6)."""

    message_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    message_type = MessageType.CALLRESULT


@dataclass(frozen=True)
class CallError:
    """An error response: ``[4, messageId, errorCode, errorDescription, errorDetails]``."""

    message_id: str
    error_code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    message_type = MessageType.CALLERROR


@dataclass(frozen=True)
class CallResultError:
    """OCPP 2.1: an error about a CALLRESULT the peer sent, same shape as CALLERROR."""

    message_id: str
    error_code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    message_type = MessageType.CALLRESULTERROR


Frame = Call | CallResult | CallError | CallResultError | Send


@dataclass(frozen=True)
class FramingViolation:
    """Text that is not a valid OCPP-J frame.

    ``rule`` is a stable identifier (``ocppj.not-json``, ``ocppj.message-id-too-long`` …)
    that test cases and self-tests match on; ``reference`` points at the specification;
    ``message`` says what the peer did wrong in one line; ``message_id`` is the id when it
    could be read (a CALLERROR about this frame must use it, or ``"-1"``).
    """

    rule: str
    message: str
    reference: str = "OCPP-J §4"
    message_id: str | None = None

    @property
    def severity(self) -> Severity:
        return Severity.ERROR

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}, {self.reference}]"


def _violation(
    rule: str, message: str, reference: str, message_id: str | None = None
) -> FramingViolation:
    return FramingViolation(rule=rule, message=message, reference=reference, message_id=message_id)


_ARITY = {
    MessageType.CALL: 4,
    MessageType.SEND: 4,
    MessageType.CALLRESULT: 3,
    MessageType.CALLERROR: 5,
    MessageType.CALLRESULTERROR: 5,
}


def decode(
    text: str | bytes, version: OcppVersion, *, duplicates: list[str] | None = None
) -> Frame | FramingViolation:
    """Parse one WebSocket message into a frame, or say which framing rule it breaks.

    Never raises on peer input. Binary messages are violations: OCPP-J is UTF-8 text
    (OCPP-J §4.1.2). An object that names a key twice breaks ``ocppj.duplicate-key``,
    unless ``duplicates`` is given (lenient mode): then the keys go there, the last
    value wins, and the caller decides (a warning).
    """
    if isinstance(text, bytes | bytearray):
        return _violation(
            "ocppj.binary-frame",
            "binary WebSocket message; OCPP-J frames are UTF-8 text messages",
            "OCPP-J §4.1.2",
        )
    if text.startswith("\ufeff"):
        return _violation(
            "ocppj.not-json",
            "frame is not JSON: it starts with a UTF-8 BOM (byte order mark)",
            "OCPP-J §4.1.2",
        )
    token = _LENIENT_DUPLICATES.set(duplicates)
    try:
        value = _DECODER.decode(text)
    except _DuplicateKey as exc:
        return _violation("ocppj.duplicate-key", f"frame has a duplicate key: {exc}", "RFC 8259 §4")
    except (ValueError, RecursionError) as exc:
        return _violation("ocppj.not-json", f"frame is not JSON: {exc}", "OCPP-J §4.1.2")
    finally:
        _LENIENT_DUPLICATES.reset(token)
    if not isinstance(value, list):
        return _violation(
            "ocppj.not-an-array",
            f"frame is a JSON {_json_type(value)}, not an array",
            "OCPP-J §4.1.3",
        )
    if not value:
        return _violation("ocppj.empty-array", "frame is an empty array", "OCPP-J §4.1.3")
    type_id = value[0]
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        return _violation(
            "ocppj.message-type-not-integer",
            f"message type id {type_id!r} is not an integer",
            "OCPP-J §4.1.3",
        )
    try:
        message_type = MessageType(type_id)
    except ValueError:
        message_type = None
    if message_type is None or (
        message_type in (MessageType.CALLRESULTERROR, MessageType.SEND)
        and not version.has_send_frames
    ):
        return _violation(
            "ocppj.unknown-message-type",
            f"unknown message type id {type_id} for OCPP {version.value}",
            "OCPP-J §4.1.3",
        )
    message_id = value[1] if len(value) > 1 else None
    readable_id = message_id if isinstance(message_id, str) else None
    expected = _ARITY[message_type]
    if len(value) != expected:
        return _violation(
            "ocppj.wrong-arity",
            f"{message_type.name} frame has {len(value)} elements, expected {expected}",
            "OCPP-J §4.2",
            readable_id,
        )
    if not isinstance(message_id, str):
        return _violation(
            "ocppj.message-id-not-string",
            f"message id {message_id!r} is not a string",
            "OCPP-J §4.1.4",
        )
    if len(message_id) > MAX_MESSAGE_ID_LENGTH:
        return _violation(
            "ocppj.message-id-too-long",
            f"message id is {len(message_id)} characters, at most "
            f"{MAX_MESSAGE_ID_LENGTH} are allowed",
            "OCPP-J §4.1.4",
            message_id,
        )
    if message_type in (MessageType.CALL, MessageType.SEND):
        action, payload = value[2], value[3]
        if not isinstance(action, str) or not action:
            return _violation(
                "ocppj.action-not-string",
                f"action {action!r} is not a non-empty string",
                "OCPP-J §4.2.1",
                message_id,
            )
        if not isinstance(payload, dict):
            return _violation(
                "ocppj.payload-not-object",
                f"{action} payload is a JSON {_json_type(payload)}, not an object",
                "OCPP-J §4.2.1",
                message_id,
            )
        cls = Call if message_type is MessageType.CALL else Send
        return cls(message_id, action, payload)
    if message_type is MessageType.CALLRESULT:
        payload = value[2]
        if not isinstance(payload, dict):
            return _violation(
                "ocppj.payload-not-object",
                f"CALLRESULT payload is a JSON {_json_type(payload)}, not an object",
                "OCPP-J §4.2.2",
                message_id,
            )
        return CallResult(message_id, payload)
    code, description, details = value[2], value[3], value[4]
    if not isinstance(code, str):
        return _violation(
            "ocppj.error-code-not-string",
            f"error code {code!r} is not a string",
            "OCPP-J §4.2.3",
            message_id,
        )
    if not isinstance(description, str):
        return _violation(
            "ocppj.error-description-not-string",
            f"error description {description!r} is not a string",
            "OCPP-J §4.2.3",
            message_id,
        )
    if not isinstance(details, dict):
        return _violation(
            "ocppj.error-details-not-object",
            f"error details is a JSON {_json_type(details)}, not an object",
            "OCPP-J §4.2.3",
            message_id,
        )
    cls_e = CallError if message_type is MessageType.CALLERROR else CallResultError
    return cls_e(message_id, code, description, details)


def encode(frame: Frame) -> str:
    """Serialise a frame to its OCPP-J text (compact JSON, UTF-8 characters kept)."""
    if isinstance(frame, Call | Send):
        value: list[Any] = [frame.message_type, frame.message_id, frame.action, frame.payload]
    elif isinstance(frame, CallResult):
        value = [frame.message_type, frame.message_id, frame.payload]
    else:
        value = [
            frame.message_type,
            frame.message_id,
            frame.error_code,
            frame.description,
            frame.details,
        ]
    return encode_raw([int(value[0]), *value[1:]])


def encode_raw(value: Any) -> str:
    """Serialise any JSON value: the way to build deliberately invalid frames.

    NaN and Infinity are not JSON: to send them on purpose, use ``send_raw`` with text.
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _number(text: str) -> float:
    """A JSON number with a fraction or exponent; one no double can hold (1e999) is
    refused rather than read as infinity, which would show as null everywhere after."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is out of the range of a double (RFC 8259 §6)")
    return value


class _DuplicateKey(ValueError):
    """An object names a key twice: which value a receiver takes is anyone's guess."""


#: while decoding in lenient mode, the list the duplicate keys go to (else they fail)
_LENIENT_DUPLICATES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "lenient_duplicates", default=None
)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
        collected = _LENIENT_DUPLICATES.get()
        if collected is None:
            raise _DuplicateKey(f"the key {duplicates[0]!r} appears twice in one object")
        collected.extend(duplicates)
    return result


#: one decoder for every frame: json.loads with a hook would build a new one per call
_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_number, object_pairs_hook=_object
)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"
