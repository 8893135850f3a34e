"""TC_B_58_CSMS against a CSMS that refuses the station's credentials: an HTTP 401 says
the profile's identity or password is wrong, not how the CSMS treats subprotocols, so the
case is an error (set-up), as every other case's connection is, never a failure blamed
on the CSMS (issue 12, found against a real CSMS)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.server import serve

from tests.helpers import case_verdicts, pytester_run, write_profile
from tests.test_two_evses import CASE


@pytest.fixture
def refusing_csms() -> Iterator[int]:
    """A WebSocket server on 127.0.0.1 that answers every upgrade HTTP 401; its port."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []
    stop = asyncio.Event()

    def refuse(connection, request):
        return connection.respond(401, "unknown station\\n")

    async def main() -> None:
        async with serve(lambda ws: ws.close(), "127.0.0.1", 0, process_request=refuse) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    assert ready.wait(10), "the refusing CSMS did not start"
    try:
        yield port[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_a_refused_login_is_a_set_up_error_not_the_csms_failing(
    pytester: pytest.Pytester, tmp_path: Path, refusing_csms: int
) -> None:
    profile = write_profile(
        tmp_path,
        f"""
        [dut]
        kind = "csms"
        ocpp = "2.0.1"
        identity = "UNKNOWN-1"

        [connect]
        url = "ws://127.0.0.1:{refusing_csms}/ocpp"

        [timeouts]
        connect = 2
        response = 1

        [control]
        adapter = "manual"
        """,
    )
    run = pytester_run(pytester, CASE.format(case="TC_B_58_CSMS"), in_process=True)
    _, report = run("--dut", str(profile))
    verdict, rule, reason = case_verdicts(report)["TC_B_58_CSMS"]
    assert (verdict, rule) == ("error", "setup"), reason
    assert "HTTP 401" in reason and "dut.password" in reason, reason
