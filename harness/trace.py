"""The trace of one test case: every frame in both directions, and every step.

Everything a verdict rests on is in the trace, and the reports show all of it. Each
frame entry keeps the raw text exactly as it crossed the wire (reports escape and
truncate for display; the JSON keeps it whole), a monotonic time relative to the
start of the case, and the result of validating it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.ocppj import Call, CallError, CallResult, CallResultError, Frame, Send

__all__ = ["IN", "OUT", "Trace", "TraceEntry"]

#: direction of a frame, seen from the harness
IN = "dut->harness"
OUT = "harness->dut"


@dataclass
class TraceEntry:
    """One line of the trace: a frame (``kind="frame"``) or an event or step."""

    seq: int
    t: float
    kind: str  # frame | event | step
    direction: str | None = None
    raw: str | None = None
    message_type: str | None = None
    message_id: str | None = None
    action: str | None = None
    valid: bool = True
    violations: list[dict[str, str]] = field(default_factory=list)
    note: str | None = None
    failing: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in asdict(self).items()
            if v not in (None, [], False) or k in ("valid", "seq", "t", "kind")
        }


def describe(frame: Frame | None) -> tuple[str | None, str | None]:
    """(message type name, action) of a frame, for the trace."""
    if isinstance(frame, Call | Send):
        return frame.message_type.name, frame.action
    if isinstance(frame, CallResult | CallError | CallResultError):
        return frame.message_type.name, None
    return None, None


class Trace:
    """Append-only record of one case; times are seconds since the case began."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.entries: list[TraceEntry] = []

    def _now(self) -> float:
        return round(time.monotonic() - self.started, 6)

    def frame(
        self,
        direction: str,
        raw: str | bytes,
        frame: Frame | None,
        *,
        action: str | None = None,
        note: str | None = None,
    ) -> TraceEntry:
        if isinstance(raw, bytes | bytearray):
            text = raw.decode("utf-8", errors="backslashreplace")
            note = note or "binary WebSocket message"
        else:
            text = raw
        message_type, frame_action = describe(frame)
        entry = TraceEntry(
            seq=len(self.entries),
            t=self._now(),
            kind="frame",
            direction=direction,
            raw=text,
            message_type=message_type,
            message_id=getattr(frame, "message_id", None),
            action=frame_action or action,
            note=note,
        )
        self.entries.append(entry)
        return entry

    def event(self, text: str, kind: str = "event") -> TraceEntry:
        entry = TraceEntry(seq=len(self.entries), t=self._now(), kind=kind, note=text)
        self.entries.append(entry)
        return entry

    def step(self, text: str) -> TraceEntry:
        return self.event(text, kind="step")

    def to_json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.entries]
