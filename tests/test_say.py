"""The harness's terminal lines (HarnessRun.say) reach the terminal before pytest's
capture is back on.

On a pipe, as a CI runner reads a run, stdout is block-buffered: a line only written
would sit in Python's buffer until pytest's next flush (the end of the running case,
minutes into a long wait). The stop signal's acknowledgement is the exception: its
handler may have interrupted that buffer's own flush, so it goes past the buffer: one
write to the terminal's descriptor.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from harness.plugin import HarnessRun, RunHooks


class _Terminal:
    """A terminal reporter and a capture manager that log what is done to them."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def write_line(self, line: str) -> None:
        self.events.append(f"write {line}")

    def flush(self) -> None:
        self.events.append("flush")

    @contextlib.contextmanager
    def global_and_fixture_disabled(self) -> Iterator[None]:
        self.events.append("capture off")
        yield
        self.events.append("capture on")

    def get_plugin(self, name: str) -> Any:
        return self if name in ("terminalreporter", "capturemanager") else None


def _say(terminal: _Terminal, text: str) -> None:
    run = SimpleNamespace(config=SimpleNamespace(pluginmanager=terminal))
    HarnessRun.say(run, text)  # type: ignore[arg-type]


def test_a_line_is_flushed_before_the_capture_is_back_on() -> None:
    terminal = _Terminal()
    _say(terminal, "still waiting for BootNotification")
    assert terminal.events == [
        "capture off",
        "write ocpp-harness: still waiting for BootNotification",
        "flush",
        "capture on",
    ]


def test_without_a_capture_manager_the_line_is_still_written_and_flushed() -> None:
    terminal = _Terminal()
    run = SimpleNamespace(
        config=SimpleNamespace(
            pluginmanager=SimpleNamespace(
                get_plugin=lambda name: terminal if name == "terminalreporter" else None
            )
        )
    )
    HarnessRun.say(run, "waiting")  # type: ignore[arg-type]
    assert terminal.events == ["write ocpp-harness: waiting", "flush"]


def test_from_a_signal_handler_the_line_is_written_without_a_flush() -> None:
    """The handler may have interrupted the main thread inside the buffer's own flush."""
    terminal = _Terminal()
    run = SimpleNamespace(config=SimpleNamespace(pluginmanager=terminal))
    HarnessRun.say(run, "SIGINT received", flush=False)  # type: ignore[arg-type]
    assert terminal.events == ["capture off", "write ocpp-harness: SIGINT received", "capture on"]


def _hooks(terminal: _Terminal) -> RunHooks:
    run = SimpleNamespace(
        config=SimpleNamespace(pluginmanager=terminal),
        session=SimpleNamespace(shouldstop=False),
        stop_requested=None,
        parallel=None,
        say=lambda text, flush=True: terminal.events.append(f"say {text}"),
    )
    return RunHooks(run.config, run)  # type: ignore[arg-type]


def test_the_stop_acknowledgement_is_one_write_to_the_terminal_descriptor() -> None:
    """Past every Python buffer and capture: one os.write to the descriptor taken at
    configure time (a buffered write from the handler can fall into the running
    case's capture while pytest switches it back on)."""
    terminal = _Terminal()
    hooks = _hooks(terminal)
    read_end, write_end = os.pipe()
    if hooks.terminal_fd is not None:
        os.close(hooks.terminal_fd)
    hooks.terminal_fd = write_end
    try:
        hooks.on_stop_signal(signal.SIGTERM, None)
        hooks.close()
        written = os.read(read_end, 1000).decode()
    finally:
        os.close(read_end)
    assert "ocpp-harness: SIGTERM received: stopping after the running case" in written
    assert terminal.events == []  # nothing through the buffered terminal
    assert hooks.run.session.shouldstop


def test_without_a_terminal_descriptor_it_says_it_unflushed() -> None:
    terminal = _Terminal()
    hooks = _hooks(terminal)
    hooks.close()
    hooks.on_stop_signal(signal.SIGINT, None)
    assert terminal.events == [
        "say SIGINT received: stopping after the running case (send it again to stop at once)"
    ]
