"""CALLERROR codes per OCPP-J version: one home for the lists and the 1.6 spellings.

OCPP-J 1.6 §4.2.3 and its errata keep two misspellings (``FormationViolation``,
``OccurenceConstraintViolation``); 2.0.1 and 2.1 spell them ``FormatViolation`` and
``OccurrenceConstraintViolation`` and add ``MessageTypeNotSupported`` and
``RpcFrameworkError``. The harness judges a DUT's codes by these lists, and answers (and
the simulators answer) in the version's own spelling.
"""

from __future__ import annotations

from harness.ocppj.frames import OcppVersion

__all__ = ["ERROR_CODES", "format_violation_code", "framing_error_code", "spelled"]

_V16 = frozenset(
    {
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
    }
)

_V2 = frozenset(
    {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        # the 1.6 misspelling, accepted in 2.x: devices ported from 1.6 still send it,
        # and it names the same error (a note would say nothing a reader can act on)
        "OccurenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    }
)

#: the CALLERROR codes a peer may send, per version
ERROR_CODES: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: _V16,
    OcppVersion.V201: _V2,
    OcppVersion.V21: _V2,
}

_SPELLED_16 = {
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}


def spelled(version: OcppVersion, code: str) -> str:
    """A 2.x code as ``version`` spells it (1.6 keeps its two typos)."""
    return _SPELLED_16.get(code, code) if version is OcppVersion.V16 else code


def format_violation_code(version: OcppVersion) -> str:
    """The code for a payload that breaks its schema."""
    return spelled(version, "FormatViolation")


def framing_error_code(version: OcppVersion) -> str:
    """The code for a text that is not a valid RPC frame: 2.x's RpcFrameworkError; 1.6
    has none and calls a frame that does not fit the PDU structure a FormationViolation."""
    return "FormationViolation" if version is OcppVersion.V16 else "RpcFrameworkError"
