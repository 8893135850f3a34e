"""The harness's station spaces its connections (DUT profile ``connect.spacing``).

Cases that reconnect the same identity within milliseconds of each other have overrun a
real CSMS (issue 12: its message broker fell over). The station remembers, for the run,
when each identity's last connection closed and opens the next one only once the
profile's spacing has passed since, across cases and within a case (a reconnect step);
the trace says why the case paused. Measured here at a small CSMS in the test, which
records when it accepted and lost each connection.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.transport import ConnectionSpacing
from tests.helpers import pytester_run, write_profile

SPACING = 0.5
#: the client's close ends a moment after the CSMS's side does (the closing handshake's
#: last TCP packets): the gap the CSMS sees may be this much short of the spacing
CLOSE_SKEW = 0.05

PROFILE = """\
    [dut]
    kind = "csms"
    ocpp = "2.0.1"
    identity = "SPACED-1"

    [connect]
    url = "ws://127.0.0.1:{port}/ocpp"
    spacing = {spacing}

    [timeouts]
    connect = 5
    response = 2
    operator = 2
"""

#: two cases back to back, the second with a reconnect: three connections in a row
CASES = """
from harness import testcase

ON = {"ocpp": "2.0.1", "dut_kind": "csms", "catches": ["never-replies"]}


@testcase("TC_X_01_CSMS", "one connection", **ON)
def test_first(station, dut):
    station.connect()


@testcase("TC_X_02_CSMS", "a connection and a reconnect", **ON)
def test_second(station, dut):
    station.connect()
    station.reconnect()
"""


class FakeCsms:
    """A WebSocket server that only accepts (subprotocol ocpp2.0.1) and keeps each
    connection until the station closes it, noting when it accepted and lost each."""

    def __init__(self) -> None:
        self.links: list[tuple[float, float]] = []
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        async def handler(connection: Any) -> None:
            accepted = time.monotonic()
            await connection.wait_closed()
            self.links.append((accepted, time.monotonic()))

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp2.0.1"]) as listening:
            self.port = listening.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> FakeCsms:
        self._thread.start()
        assert self._ready.wait(5), "the fake CSMS did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    def gaps(self) -> list[float]:
        """Seconds from each connection's end to the next one's start."""
        ordered = sorted(self.links)
        return [nxt[0] - prev[1] for prev, nxt in zip(ordered, ordered[1:], strict=False)]


@pytest.fixture
def fake_csms() -> Iterator[FakeCsms]:
    with FakeCsms() as csms:
        yield csms


def _run(pytester: Any, tmp_path: Path, port: int, spacing: float) -> dict[str, Any]:
    profile = write_profile(tmp_path, PROFILE.format(port=port, spacing=spacing))
    run = pytester_run(pytester, CASES, in_process=True)
    result, report = run("--dut", str(profile))
    verdicts = {case["id"]: case["verdict"] for case in report["cases"]}
    assert verdicts == {"TC_X_01_CSMS": "passed", "TC_X_02_CSMS": "passed"}, report["cases"]
    return report


def _spacing_notes(report: dict[str, Any]) -> list[str]:
    return [
        entry["note"]
        for case in report["cases"]
        for entry in case["trace"]
        if entry["kind"] == "event" and "connections spaced" in entry.get("note", "")
    ]


def test_connections_of_one_identity_are_spaced_across_and_within_cases(
    pytester: Any, tmp_path: Path, fake_csms: FakeCsms
) -> None:
    """The second case's first connection keeps its distance from the first case's,
    and its reconnect from its own first connection; the trace of the second case says
    both times why it paused and names the profile key."""
    report = _run(pytester, tmp_path, fake_csms.port, SPACING)
    gaps = fake_csms.gaps()
    assert len(gaps) == 2, fake_csms.links
    assert all(gap >= SPACING - CLOSE_SKEW for gap in gaps), gaps
    notes = _spacing_notes(report)
    assert len(notes) == 2, notes
    assert all(
        note.startswith("waited ")
        and note.endswith(f"connections spaced {SPACING:g} s (profile key connect.spacing)")
        for note in notes
    ), notes


def test_no_spacing_means_no_wait(pytester: Any, tmp_path: Path, fake_csms: FakeCsms) -> None:
    report = _run(pytester, tmp_path, fake_csms.port, 0)
    assert len(fake_csms.links) == 3, fake_csms.links
    assert _spacing_notes(report) == []


def test_the_spacing_counts_from_the_last_close_of_that_identity() -> None:
    spacing = ConnectionSpacing(SPACING)
    assert spacing.remaining("A") == 0.0  # never connected: at once
    spacing.closed("A")
    assert 0 < spacing.remaining("A") <= SPACING
    assert spacing.remaining("B") == 0.0  # another identity is not held up
    assert ConnectionSpacing(0.0).remaining("A") == 0.0

    notes: list[str] = []
    closed = ConnectionSpacing(0.0)
    closed.closed("A")
    assert asyncio.run(closed.wait("A", notes.append)) == 0.0
    assert notes == []
