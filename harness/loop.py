"""A background asyncio loop with a blocking facade, so test cases stay synchronous.

Test cases read like OCTT steps and must not need asyncio. The harness runs one event
loop in a daemon thread; the facade submits coroutines to it and blocks the test's
thread until they finish, re-raising their exceptions there (as pytest-httpserver's
``BlockingHTTPServer`` and Playwright's sync API do).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from harness.verdicts import HarnessError

__all__ = ["BackgroundLoop"]

T = TypeVar("T")

#: extra seconds the blocking side grants a coroutine beyond its own deadline
_GRACE = 5.0


class BackgroundLoop:
    """One asyncio loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="ocpp-harness-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coro`` on the loop and wait for it; ``timeout`` bounds the whole wait.

        The coroutine is expected to enforce its own (shorter) deadline; this bound
        is the safety net that keeps a harness bug from hanging the run.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("BackgroundLoop.run() called from the loop thread")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout + _GRACE)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise HarnessError(
                f"harness operation did not finish within {timeout + _GRACE:.1f} s"
            ) from None

    def call_soon(self, callback: Any, *args: Any) -> None:
        self.loop.call_soon_threadsafe(callback, *args)

    def close(self) -> None:
        """Cancel what still runs, stop the loop and join its thread (bounded)."""
        if not self.loop.is_running():
            return

        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=2) if tasks else None

        # Shutting down: a failure to cancel has nobody left to be reported to.
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_cancel_all(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
