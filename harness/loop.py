"""Event loops behind the blocking facade, so test cases stay synchronous.

Test cases read like OCTT steps and must not need asyncio. Two ways to run the loop:

* :class:`DrivenLoop` (the harness's): the test's own thread runs the loop while it
  waits in a harness call, and stops it when the call returns. No thread hop per
  call (a hop alone costs more than a whole loopback round trip). Between calls, while
  the case's own code runs, a keeper thread gives the loop short turns (``keep_alive``
  seconds apart; never at the same time as a call, a lock decides whose turn it is):
  what the DUT sends meanwhile is read and timestamped, and a held CALL is answered
  once its hold is over, so ``hold_seconds`` bounds what the DUT waits. A blocking
  step (an operator prompt, a lab service) runs in a worker thread while the loop
  goes on answering the DUT (``run_blocking``).
* :class:`BackgroundLoop`: a loop in a daemon thread, for peers that must run while
  the calling thread blocks on something else (a test that drives an HTTP service
  with a blocking client, say).

Both offer ``run(coro, timeout)``, which re-raises the coroutine's exceptions in the
calling thread (as pytest-httpserver's ``BlockingHTTPServer`` does).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from harness.verdicts import HarnessError

__all__ = ["AnyLoop", "BackgroundLoop", "DrivenLoop"]

T = TypeVar("T")

#: extra seconds the blocking side grants a coroutine beyond its own deadline
_GRACE = 5.0


def _overrun(timeout: float) -> HarnessError:
    return HarnessError(f"harness operation did not finish within {timeout + _GRACE:.1f} s")


def _hand_over(coro: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop, timeout: float) -> T:
    """Run ``coro`` on ``loop``, which another thread is running, and wait (bounded)."""
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout + _GRACE)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise _overrun(timeout) from None


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
        return _hand_over(coro, self.loop, timeout)

    def call_soon(self, callback: Any, *args: Any) -> None:
        self.loop.call_soon_threadsafe(callback, *args)

    def run_blocking(self, function: Callable[..., T], *args: Any, timeout: float) -> T:
        """Run a blocking ``function`` here: the loop runs on in its own thread."""
        return function(*args)

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


#: bound on loop iterations spent letting started work (replies) reach the socket
_SETTLE_STEPS = 50


class DrivenLoop:
    """An asyncio loop run by the calling thread, one harness call at a time, and in
    short turns by a keeper thread in between (see the module docstring)."""

    def __init__(self, *, keep_alive: float | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self._owner = threading.get_ident()
        #: held by whoever runs the loop: a harness call or a keeper turn
        self._turn = threading.Lock()
        self._stop_keeper = threading.Event()
        self._keeper: threading.Thread | None = None
        #: why a keeper turn could not run the loop (raised at the next harness call)
        self._keeper_error: BaseException | None = None
        if keep_alive is not None and keep_alive > 0:
            self._keeper = threading.Thread(
                target=self._keep, args=(keep_alive,), name="ocpp-harness-keeper", daemon=True
            )
            self._keeper.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coro`` to completion on the loop, bounded by ``timeout`` (+ grace).

        From the owning thread the loop is run right here (after a keeper turn that is
        under way, which is short). From a worker thread (a blocking step started by
        :meth:`run_blocking`) the coroutine is handed to the loop, which the owning
        thread is running meanwhile.
        """
        if threading.get_ident() != self._owner and self.loop.is_running():
            return _hand_over(coro, self.loop, timeout)
        with self._turn:
            if self.loop.is_running():
                coro.close()
                raise RuntimeError("DrivenLoop.run() called from inside the loop")
            if self._keeper_error is not None:
                coro.close()
                raise HarnessError(
                    f"the loop's keeper could not run the loop: {self._keeper_error!r}"
                ) from self._keeper_error
            bounded = self._bounded(coro, timeout)
            try:
                task = self.loop.create_task(bounded)
            except BaseException:
                # a closed loop takes no task: nothing ran, nothing is left to warn
                bounded.close()
                coro.close()
                raise
            try:
                return self.loop.run_until_complete(task)
            except BaseException:
                # Interrupted (a second Ctrl-C raises in the middle): cancel the task and
                # let it finish, bounded; closing its coroutine under it made asyncio
                # print "cannot reuse already awaited coroutine" at exit.
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        self.loop.run_until_complete(asyncio.wait({task}, timeout=1))
                if not task.done():
                    # it never got to run (interrupted again): its coroutine is closed
                    # unstarted, so that nothing warns "never awaited" at exit
                    task.get_coro().close()
                raise

    def _keep(self, period: float) -> None:
        """The keeper: every ``period`` s, if no call is running the loop, one short
        turn (ready callbacks, due timers, pending I/O), then hand it back."""
        while not self._stop_keeper.wait(period):
            if not self._turn.acquire(blocking=False):
                continue  # a harness call runs the loop: nothing to keep
            try:
                if not self.loop.is_closed() and not self.loop.is_running():
                    self.loop.run_until_complete(self._turn_steps())
            except BaseException as exc:
                # The loop machinery itself failed (a callback's error goes to the
                # loop's exception handler instead): the next harness call says so,
                # and the keeper stops rather than fail the same way every turn.
                self._keeper_error = exc
                return
            finally:
                self._turn.release()

    async def _turn_steps(self) -> None:
        """A bounded number of loop iterations: each polls I/O and runs what is due."""
        for _ in range(_SETTLE_STEPS):
            await asyncio.sleep(0)
            if not self.loop._ready:  # type: ignore[attr-defined]  # asyncio's run queue
                break

    async def _bounded(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        try:
            async with asyncio.timeout(timeout + _GRACE):
                result = await coro
        except TimeoutError:
            raise _overrun(timeout) from None
        # Let what the operation started (replies being written) reach the socket
        # before the loop stops: step while callbacks are ready, a bounded number of
        # times. Work waiting for I/O resumes at the next call.
        for _ in range(_SETTLE_STEPS):
            if not self.loop._ready:  # type: ignore[attr-defined]  # asyncio's run queue
                break
            await asyncio.sleep(0)
        return result

    def run_blocking(self, function: Callable[..., T], *args: Any, timeout: float) -> T:
        """Run a blocking ``function`` in a worker thread while the loop keeps going."""

        async def in_worker() -> T:
            return await self.loop.run_in_executor(None, function, *args)

        return self.run(in_worker(), timeout)

    def call_soon(self, callback: Any, *args: Any) -> None:
        """Schedule ``callback`` on the loop (from any thread); it runs at the next call."""
        self.loop.call_soon_threadsafe(callback, *args)

    def close(self) -> None:
        """Stop the keeper, cancel what is still pending (bounded) and close the loop."""
        self._stop_keeper.set()
        if self._keeper is not None:
            self._keeper.join(5)
        if self.loop.is_closed() or self.loop.is_running():
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=2)

        with contextlib.suppress(Exception):
            self.loop.run_until_complete(cancel_all())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()


#: what the facade needs of a loop: ``run``, ``run_blocking``, ``call_soon``, ``close``
AnyLoop = BackgroundLoop | DrivenLoop
