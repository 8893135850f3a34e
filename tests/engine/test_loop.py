"""The DrivenLoop's keeper: short turns between harness calls, never during one."""

from __future__ import annotations

import asyncio
import threading

import pytest

from harness.loop import DrivenLoop
from harness.verdicts import HarnessError


def test_the_keeper_runs_what_is_due_between_calls() -> None:
    loop = DrivenLoop(keep_alive=0.02)
    fired = threading.Event()
    try:

        async def arm() -> None:
            asyncio.get_running_loop().call_later(0.05, fired.set)

        loop.run(arm(), 1)
        # no harness call runs now: only a keeper turn can fire the timer
        assert fired.wait(2), "the keeper never ran the loop"
    finally:
        loop.close()


def test_without_a_keeper_nothing_runs_between_calls() -> None:
    loop = DrivenLoop()
    fired = threading.Event()
    try:

        async def arm() -> None:
            asyncio.get_running_loop().call_later(0.01, fired.set)

        loop.run(arm(), 1)
        assert not fired.wait(0.2)  # bounded: the loop stands still
        loop.run(asyncio.sleep(0.02), 1)  # the next call runs what is due
        assert fired.is_set()
    finally:
        loop.close()


def test_a_call_waits_for_a_keeper_turn_and_runs_alone() -> None:
    """Calls made while turns come and go all complete, each on the caller's thread."""
    loop = DrivenLoop(keep_alive=0.001)
    try:
        owners = set()

        async def where() -> int:
            owners.add(threading.get_ident())
            await asyncio.sleep(0)
            return 1

        assert sum(loop.run(where(), 1) for _ in range(200)) == 200
        assert owners == {threading.get_ident()}
    finally:
        loop.close()


def test_a_keeper_that_cannot_run_the_loop_is_reported_at_the_next_call() -> None:
    """A failed turn is not swallowed: the next harness call is a harness error."""
    loop = DrivenLoop(keep_alive=0.01)
    failed = threading.Event()

    async def broken_turn() -> None:
        failed.set()
        raise RuntimeError("the selector is gone")

    loop._turn_steps = broken_turn  # type: ignore[method-assign]
    try:
        assert failed.wait(2), "the keeper never took a turn"
        with pytest.raises(HarnessError, match="keeper could not run the loop"):
            loop.run(asyncio.sleep(0), 1)
    finally:
        loop.close()
