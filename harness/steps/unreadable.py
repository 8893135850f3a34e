"""The step both versions' malformed-JSON cases share: send a text that is not JSON
and demand an error answer (OCPP-J §4.2.3 in 1.6 and 2.0.1 alike).

What the answer must carry beyond being an error differs by version (2.0.1 fixes the
id "-1", 1.6 does not), so the cases judge the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.verdicts import DutFailure

if TYPE_CHECKING:
    from harness.roles import RawAnswer, Role

__all__ = ["NOT_JSON", "error_answer_to_unreadable"]

#: a text that is not JSON and holds no message id a reader could pick out of it
NOT_JSON = '[2, "Heartbeat" {'


def error_answer_to_unreadable(role: Role, peer: str, rule: str) -> RawAnswer:
    """Send :data:`NOT_JSON`; the DUT's CALLERROR, or a failure with ``rule`` when it
    sends nothing within the response timeout or answers with a CALLRESULT."""
    answer = role.send_unreadable(NOT_JSON)
    if answer is None:
        raise DutFailure(
            f"the {peer} sent nothing within {role.response_timeout:g} s in answer to a "
            "text that is not JSON; it must answer with an error (CALLERROR)",
            rule,
        )
    if not answer.is_error:
        raise DutFailure(
            f"the {peer} answered a text that is not JSON with a CALLRESULT, not a CALLERROR",
            rule,
            answer.raw,
        )
    return answer
