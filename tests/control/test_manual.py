"""ManualAdapter: the operator prompt on a terminal, confirm / cannot do / no answer."""

from __future__ import annotations

import os
import select
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.control.adapters import ManualAdapter

REBOOT = (
    "Restart the charging station CP1 from its own maintenance interface "
    "(a graceful reboot, not a power cut)"
)
PLUG_IN = "Plug a cable into EVSE 1 connector 2"

#: bound for the operator side of a pseudo-terminal exchange (never reached when green)
_WAIT = 5.0


def _operate(
    adapter: ManualAdapter,
    action: str,
    params: dict[str, Any],
    master: int,
    answer: bytes | None,
    show: str,
) -> tuple[Future[dict[str, Any]], str]:
    """Run ``act`` in a thread; answer once ``show`` is on the terminal. (future, screen)."""
    wake_r, wake_w = os.pipe()
    screen = b""
    try:
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(adapter.act, action, params)
            future.add_done_callback(lambda _: os.write(wake_w, b"."))
            deadline = time.monotonic() + _WAIT
            while True:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"act() still running after {_WAIT} s; screen: {screen!r}"
                ready, _, _ = select.select([master, wake_r], [], [], remaining)
                if master in ready:
                    screen += os.read(master, 4096)
                    if answer is not None and show.encode() in screen:
                        os.write(master, answer)
                        answer = None
                if wake_r in ready:
                    break
        # What the adapter wrote just before it returned.
        while select.select([master], [], [], 0)[0]:
            screen += os.read(master, 4096)
    finally:
        os.close(wake_r)
        os.close(wake_w)
    return future, screen.decode("utf-8", "replace")


def _confirmed(future: Future[dict[str, Any]]) -> dict[str, Any]:
    try:
        return future.result()
    except pytest.skip.Exception as exc:
        raise AssertionError(f"skipped instead of confirmed: {exc}") from None


def _skip_message(future: Future[dict[str, Any]]) -> str:
    try:
        result = future.result()
    except pytest.skip.Exception as exc:
        return str(exc)
    raise AssertionError(f"expected a skip, act() returned {result!r}")


@pytest.mark.parametrize(
    ("action", "params", "prompt"),
    [("reboot", {}, REBOOT), ("plug_in", {"evse": 1, "connector": 2}, PLUG_IN)],
)
def test_no_terminal_skips_with_the_prompt(
    tmp_path: Path, action: str, params: dict[str, Any], prompt: str
) -> None:
    records: list[str] = []
    adapter = ManualAdapter("CP1", 5, tty_path=str(tmp_path / "no" / "tty"), record=records.append)
    with pytest.raises(pytest.skip.Exception) as info:
        adapter.act(action, params)
    assert str(info.value) == f"operator step needed but no terminal: {prompt}"
    assert records[0] == f"operator prompt: {prompt}"


def test_enter_confirms(pty: tuple[int, str]) -> None:
    master, path = pty
    records: list[str] = []
    adapter = ManualAdapter("CP1", _WAIT, tty_path=path, record=records.append)
    future, screen = _operate(adapter, "reboot", {}, master, b"\n", REBOOT)
    assert _confirmed(future) == {"confirmed": True}
    assert REBOOT in screen
    assert records == [f"operator prompt: {REBOOT}", "operator confirmed"]


def test_n_means_cannot_do(pty: tuple[int, str]) -> None:
    master, path = pty
    records: list[str] = []
    adapter = ManualAdapter("CP1", _WAIT, tty_path=path, record=records.append)
    params = {"evse": 1, "connector": 2}
    future, screen = _operate(adapter, "plug_in", params, master, b"n\n", PLUG_IN)
    assert _skip_message(future) == f"operator could not do: {PLUG_IN}"
    assert PLUG_IN in screen
    assert records == [f"operator prompt: {PLUG_IN}", "operator could not do it"]


def test_no_answer_within_the_operator_timeout(pty: tuple[int, str]) -> None:
    master, path = pty
    records: list[str] = []
    adapter = ManualAdapter("CP1", 0.2, tty_path=path, record=records.append)
    started = time.monotonic()
    future, screen = _operate(adapter, "reboot", {}, master, None, REBOOT)
    assert _skip_message(future) == f"operator did not confirm within 0.2 s: {REBOOT}"
    assert time.monotonic() - started < 2
    assert REBOOT in screen
    assert records == [f"operator prompt: {REBOOT}", "operator did not answer in time"]


def test_end_of_input_is_not_a_confirmation() -> None:
    # /dev/null opens, is "ready" at once and reads as end of file: nobody pressed Enter.
    adapter = ManualAdapter("CP1", _WAIT, tty_path=os.devnull)
    try:
        result = adapter.act("reboot", {})
    except pytest.skip.Exception as exc:
        assert str(exc).endswith(REBOOT)
    else:
        raise AssertionError(f"end of input was taken as a confirmation: {result!r}")
