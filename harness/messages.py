"""What a test case holds of the conversation: the DUT's CALLs and its answers.

A :class:`Message` is a CALL (or 2.1 SEND) the DUT sent; a :class:`Response` is the
DUT's answer to a CALL of the harness. Both can check their payload (``expect``), which
is how a case writes a tool validation of something already received; the check is
recorded as a step of the case (kind ``check``), so the report shows it among the
steps, with its outcome. No I/O here: the session creates these, the role facade hands
them to the case.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from harness.matching import differences
from harness.trace import Trace, TraceEntry
from harness.verdicts import DutFailure

__all__ = ["Message", "Response", "next_message_id", "show_payload"]

#: message ids of the harness's CALLs: a random prefix per process and a counter. Unique
#: across all connections of a run (OCPP 2.0.1 §4.1.4 asks that of the sender), far
#: cheaper than a uuid4 per call, and readable in a trace; at most 36 characters.
_ID_PREFIX = secrets.token_hex(6)
_ID_COUNTER = itertools.count(1)


def next_message_id() -> str:
    return f"h-{_ID_PREFIX}-{next(_ID_COUNTER)}"


def show_payload(value: Any, limit: int = 160) -> str:
    """A short one-line rendering of a payload (or of the fields a check wants) for step
    records; a matcher shows as what it matches."""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, ensure_ascii=False, default=_describe)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(value: Any) -> str:
    if callable(value) and not hasattr(value, "describe"):
        name = getattr(value, "__name__", "")
        return "<check>" if name in ("", "<lambda>") else f"<check {name}>"
    return str(value)


def _checking(trace: Trace | None, what: str) -> contextlib.AbstractContextManager[Any]:
    """The check as a step of the case, when the message belongs to one."""
    return trace.recording("check", what) if trace is not None else contextlib.nullcontext()


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
    #: the case keeps it unanswered for now (``CsmsRole.unanswered``): no default
    #: answer goes out meanwhile
    withheld: bool = False
    #: the harness chose never to answer it (``will_not_reply``)
    abandoned: bool = False
    #: the trace of the case it arrived in: its checks are recorded there
    trace: Trace | None = field(default=None, repr=False, compare=False)
    _hold: asyncio.TimerHandle | None = field(default=None, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)

    def expect(self, *, rule: str, **fields: Any) -> Message:
        """Fail with ``rule`` unless the payload contains ``fields`` (a tool validation
        of a message already received); marks the frame as the evidence."""
        with _checking(
            self.trace, f"{self.action} (frame {self.entry.seq}) {show_payload(fields)}"
        ):
            diffs = differences(fields, self.payload)
            if diffs:
                self.entry.failing = True
                raise DutFailure(
                    f"{self.action} (frame {self.entry.seq}) does not match: {'; '.join(diffs)}",
                    rule,
                    self.entry.raw,
                )
        return self

    def cancel_hold(self) -> None:
        """The message is answered or claimed now: the held default answer is not due."""
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None


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
    #: the trace of the case it arrived in: its checks are recorded there
    trace: Trace | None = field(default=None, repr=False, compare=False)

    @property
    def is_error(self) -> bool:
        return self.error_code is not None

    def expect(self, *, rule: str, **fields: Any) -> Response:
        """Fail with ``rule`` unless this is a CALLRESULT whose payload contains ``fields``."""
        with _checking(self.trace, f"{self.action} response {show_payload(fields)}"):
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
