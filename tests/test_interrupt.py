"""A run stopped halfway still leaves a report: valid report.json with complete=false
and a readable report.html.

The run is interrupted as an operator or a CI runner would: SIGINT (Ctrl-C) or SIGTERM,
sent once the first case has finished (read from the run's progress output, so no
guessing with sleeps). One signal stops the run after the running case, so every verdict
in the report is a real one; a second signal stops it at once.

The run is a selection of the catalog (:data:`SELECTED`): two quick cases come first,
so the progress the signal waits for shows within a second, and cases of a second each
follow, so the run is still going when the signal lands.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import validate_report

WAIT = 60

#: in the catalog's order: TC_019_CS and TC_021_CS finish in milliseconds (the progress
#: the signal waits for); the OCPP 1.6 CSMS cases are as quick, and TC_B_01_CS,
#: TC_B_03_CS and TC_B_30_CS take a second each, the run's tail the signal lands in
SELECTED = (
    "TC_019_CS",
    "TC_021_CS",
    "TC_001_CSMS",
    "TC_019_1_CSMS",
    "TC_B_01_CS",
    "TC_B_03_CS",
    "TC_B_30_CS",
)


def _wait_for_progress(process: subprocess.Popen[bytes]) -> None:
    """Block (bounded) until pytest has printed two results: the first case is then
    completely done (a result character comes at the end of the call phase, before the
    case's teardown records it)."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + WAIT
    seen = b""
    while time.monotonic() < deadline:
        if not selector.select(deadline - time.monotonic()):
            break
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            break
        seen += chunk
        # a parallel run first says "bringing up nodes...": those dots are no results
        results = seen.replace(b"bringing up nodes...", b"")
        if results.count(b".") >= 2 and b"passed" not in seen:
            return
    raise AssertionError(f"no case finished within {WAIT} s: {seen[-500:]!r}")


@pytest.mark.parametrize("workers", [1, 2], ids=["serial", "two-workers"])
@pytest.mark.parametrize(
    "signum,times",
    [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGINT, 2)],
    ids=["SIGINT", "SIGTERM", "SIGINT-twice"],
)
def test_interrupted_run_leaves_a_valid_incomplete_report(tmp_path, signum, times, workers):
    """The signal goes to the run's own process only, as a CI runner sends it: with
    workers, that process tells them to stop after their running cases."""
    report_dir = tmp_path / "r"
    cases = [arg for case_id in SELECTED for arg in ("--case", case_id)]
    cases += ["--workers", str(workers)]
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "--report-dir", str(report_dir), *cases],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_for_progress(process)
        for _ in range(times):
            process.send_signal(signum)
        process.wait(WAIT)
        rest = process.stdout.read().decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        process.stdout.close()
    assert process.returncode == 3  # interrupted: not a pass, not a DUT failure
    name = signal.Signals(signum).name
    # acknowledged on the terminal at once, not into the running case's capture (two
    # signals sent back to back may stop the run inside the first acknowledgement)
    if times == 1:
        assert f"ocpp-harness: {name} received: stopping after the running case" in rest, rest
    # however it was stopped: no traceback or asyncio noise, and the harness's summary
    # is the last line
    for noise in ("Traceback", "never awaited", "never retrieved", "RuntimeError"):
        assert noise not in rest, rest
    assert rest.strip().splitlines()[-1].startswith("ocpp-harness: "), rest

    report = json.loads((report_dir / "report.json").read_text())
    validate_report(report)
    assert report["complete"] is False
    assert report["run"]["interrupted"] is True
    assert 1 <= report["summary"]["total"] < len(SELECTED)
    if times == 1:  # stopped between cases: nothing was cut off, every verdict stands
        assert report["running"] is None
        assert {c["verdict"] for c in report["cases"]} == {"passed"}
    elif report["running"] is not None:  # stopped inside a case: it is named
        assert report["running"]["id"].startswith("TC_")
    html = (report_dir / "report.html").read_text()
    assert "ocpp-harness report" in html and "</html>" in html
