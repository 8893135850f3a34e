"""Record the frames a simulator sends and receives, and wait for one to arrive.

A :class:`FrameRecorder` is a frame hook (``on_frame=recorder``) that keeps every
:class:`~harness.sim.peer.FrameEvent` decoded, so tests (and the embedded DUT set-up)
wait for "the next Heartbeat from CP1" with a timeout instead of sleeping, and can
check afterwards that every frame was schema-valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.ocppj import (
    Call,
    CallError,
    CallResult,
    Frame,
    FramingViolation,
    OcppVersion,
    SchemaViolation,
    decode,
    validate_payload,
)
from harness.sim.peer import FrameEvent
from harness.sim.util import Notifier

__all__ = ["FrameRecorder", "Recorded"]


@dataclass(frozen=True)
class Recorded:
    """One recorded websocket message: who, which way, the text and what it decodes to."""

    event: FrameEvent
    frame: Frame | FramingViolation
    #: for a CALLRESULT/CALLERROR: the action of the CALL it answers (same direction map)
    action: str | None

    @property
    def direction(self) -> str:
        return self.event.direction

    @property
    def identity(self) -> str:
        return self.event.identity

    @property
    def payload(self) -> dict[str, Any] | None:
        return getattr(self.frame, "payload", None)

    @property
    def is_call(self) -> bool:
        return isinstance(self.frame, Call)


class FrameRecorder:
    """A frame hook that records and decodes; ``await wait_for(...)`` for a frame."""

    def __init__(self, version: OcppVersion) -> None:
        self.version = version
        self.frames: list[Recorded] = []
        self._changes = Notifier()
        #: CALL actions by (identity, direction of the CALL, message id)
        self._actions: dict[tuple[str, str, str], str] = {}

    def __call__(self, event: FrameEvent) -> None:
        frame = decode(event.text, self.version)
        action = None
        if isinstance(frame, Call):
            action = frame.action
            self._actions[(event.identity, event.direction, frame.message_id)] = action
        elif isinstance(frame, CallResult | CallError):
            other = "in" if event.direction == "out" else "out"
            action = self._actions.get((event.identity, other, frame.message_id))
        self.frames.append(Recorded(event, frame, action))
        self._changes.notify()

    def calls(self, action: str | None = None, *, direction: str | None = None) -> list[Recorded]:
        """Recorded CALLs, optionally of one action and one direction."""
        return [
            r
            for r in self.frames
            if r.is_call
            and (action is None or r.action == action)
            and (direction is None or r.direction == direction)
        ]

    def count(self, action: str, *, direction: str | None = None) -> int:
        return len(self.calls(action, direction=direction))

    async def wait_for(
        self,
        predicate: Callable[[list[Recorded]], bool],
        timeout: float = 5,
    ) -> None:
        """Wait (bounded) until ``predicate(frames)`` holds."""
        await self._changes.wait_until(lambda: predicate(self.frames), timeout)

    async def wait_call(
        self, action: str, *, count: int = 1, direction: str | None = None, timeout: float = 5
    ) -> Recorded:
        """Wait until ``count`` CALLs of ``action`` were recorded; returns the last one."""
        await self.wait_for(lambda _: self.count(action, direction=direction) >= count, timeout)
        return self.calls(action, direction=direction)[count - 1]

    def schema_violations(self) -> list[tuple[Recorded, list[SchemaViolation]]]:
        """Every recorded CALL/CALLRESULT whose payload breaks its schema."""
        problems = []
        for recorded in self.frames:
            frame = recorded.frame
            if isinstance(frame, Call):
                found = validate_payload(self.version, frame.action, frame.payload, response=False)
            elif isinstance(frame, CallResult) and recorded.action is not None:
                found = validate_payload(
                    self.version, recorded.action, frame.payload, response=True
                )
            else:
                continue
            if found:
                problems.append((recorded, found))
        return problems
