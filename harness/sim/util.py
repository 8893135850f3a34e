"""Small helpers the simulators share: UTC timestamps, bounded waits, state notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Notifier", "utc_now", "wait_event"]


def utc_now(timespec: str = "milliseconds") -> str:
    """Now as OCPP wants it: UTC, ISO 8601, millisecond precision (at most three decimals
    of a second, Part 2 §3.1; a defect asks for ``microseconds``), ``Z`` suffix."""
    return datetime.now(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait for ``event`` at most ``timeout`` seconds; ``True`` when it was set.

    The simulators' timers are interruptible sleeps: a heartbeat wait ends early when the
    interval changes, a boot retry wait ends early when a TriggerMessage asks for it.
    """
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(max(timeout, 0)):
            await event.wait()
    except TimeoutError:
        return False
    return True


class Notifier:
    """Wakes everyone waiting for a state change, so tests wait on conditions, not sleeps."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Return once ``predicate()`` is true; ``TimeoutError`` after ``timeout`` s."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()
