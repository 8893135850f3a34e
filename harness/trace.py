"""The trace of one test case: every frame in both directions, and every step.

Everything a verdict rests on is in the trace, and the reports show all of it. Each
frame entry keeps the raw text exactly as it crossed the wire (reports escape and
truncate for display; the JSON keeps it whole), a monotonic time relative to the
start of the case, and the result of validating it.
"""

from __future__ import annotations

import contextlib
import enum
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.ocppj import Call, CallError, CallResult, CallResultError, Frame, Send

__all__ = ["IN", "OUT", "Direction", "EntryKind", "Topic", "Trace", "TraceEntry"]


class EntryKind(enum.StrEnum):
    """What a trace entry is."""

    FRAME = "frame"  # a WebSocket message, either way
    EVENT = "event"  # something that happened: a connection, a warning, an operator prompt
    STEP = "step"  # something the case's script did (expect, call, a Part 6 step …)


class Direction(enum.StrEnum):
    """Which way a frame went, seen from the harness."""

    IN = "dut->harness"
    OUT = "harness->dut"


IN = Direction.IN
OUT = Direction.OUT


class Topic(enum.StrEnum):
    """What an event or step is about, when the reports show it apart from the rest:
    the sequence diagram draws a connection as a rule across both lanes and an action
    on the DUT beside the DUT's lane (it used to guess that from the English text)."""

    CONNECTION = "connection"  # a connection opened, closed or was replaced
    ACTION = "action"  # done to the DUT: a control action, an operator prompt and its answer
    WARNING = "warning"  # a named warning was recorded


@dataclass
class TraceEntry:
    """One line of the trace: a frame (``kind="frame"``) or an event or step."""

    seq: int
    t: float
    kind: EntryKind
    direction: Direction | None = None
    raw: str | None = None
    message_type: str | None = None
    message_id: str | None = None
    action: str | None = None
    valid: bool = True
    violations: list[dict[str, str]] = field(default_factory=list)
    note: str | None = None
    failing: bool = False
    #: the frame behind a named warning (a check that warns instead of failing)
    warning: bool = False
    topic: Topic | None = None

    def to_json(self) -> dict[str, Any]:
        # enum members as their plain values: report.json is read by other tools, and
        # pytest-xdist's execnet ships only plain types between processes
        return {
            k: v.value if isinstance(v, enum.Enum) else v
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
    """Append-only record of one case; times are seconds since the case began.

    Besides the frames it keeps the case's *steps* (expect, call, reply, an action, an
    operator prompt …) with their outcome, so a report can say which step failed.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.entries: list[TraceEntry] = []
        self.steps: list[dict[str, Any]] = []
        #: the step of the case's Part 6 table under way (``Role.step``), None before one
        self.table_step: str | None = None
        self._lock = threading.Lock()  # the test's thread and a background loop may append

    def _append(self, entry: TraceEntry) -> TraceEntry:
        with self._lock:
            entry.seq = len(self.entries)
            self.entries.append(entry)
        return entry

    @contextlib.contextmanager
    def recording(
        self, kind: str, what: str, *, topic: Topic | None = None
    ) -> Iterator[dict[str, Any]]:
        """Record one step of the script and how it ended (ok, failed, error, skipped)."""
        start = self._now()
        step: dict[str, Any] = {
            "seq": len(self.steps),
            "t": start,
            "kind": kind,
            "what": what,
            "outcome": "ok",
        }
        if self.table_step is not None:
            step["table_step"] = self.table_step
        self.steps.append(step)
        self.step(f"{kind} {what}", topic=topic)
        try:
            yield step
        except BaseException as exc:
            step["outcome"], step["detail"] = _outcome(exc)
            rule = getattr(exc, "rule", None)
            if rule:
                step["rule"] = rule
            raise
        finally:
            step["duration_s"] = round(self._now() - start, 6)

    def _now(self) -> float:
        return round(time.monotonic() - self.started, 6)

    def frame(
        self,
        direction: Direction,
        raw: str | bytes,
        frame: Frame | None,
        *,
        action: str | None = None,
        note: str | None = None,
    ) -> TraceEntry:
        if isinstance(raw, bytes | bytearray):
            # Shown escaped: bytes that are not UTF-8 and control characters as \xNN.
            decoded = bytes(raw).decode("utf-8", errors="backslashreplace")
            text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in decoded)
            note = note or f"binary WebSocket message ({len(raw)} bytes), shown escaped"
        else:
            text = raw
        message_type, frame_action = describe(frame)
        entry = TraceEntry(
            seq=0,
            t=self._now(),
            kind=EntryKind.FRAME,
            direction=direction,
            raw=text,
            message_type=message_type,
            message_id=getattr(frame, "message_id", None),
            action=frame_action or action,
            note=note,
        )
        return self._append(entry)

    def event(
        self, text: str, kind: EntryKind = EntryKind.EVENT, *, topic: Topic | None = None
    ) -> TraceEntry:
        return self._append(TraceEntry(seq=0, t=self._now(), kind=kind, note=text, topic=topic))

    def step(self, text: str, *, topic: Topic | None = None) -> TraceEntry:
        return self.event(text, EntryKind.STEP, topic=topic)

    def begin_table_step(self, number: str, text: str) -> TraceEntry:
        """Step ``number`` of the Part 6 table begins: what is recorded from here carries
        it (report.json's steps, and the case's failing step)."""
        self.table_step = number
        return self.step(f"step {number}: {text}")

    def to_json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.entries]


def _outcome(exc: BaseException) -> tuple[str, str]:
    """How a step ended, from what it raised: the DUT's fault, the harness's, or a skip
    (the classifier the case's verdict uses, so a step and its case agree)."""
    from harness.verdicts import classify

    verdict, reason, _ = classify(exc)
    return verdict.value, reason
