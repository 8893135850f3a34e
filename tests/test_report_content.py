"""What the reports show for awkward content: huge frames, binary frames (a run with no
case is tests/test_cli.py's, a run that selects nothing)."""

from __future__ import annotations

import pytest

from tests.helpers import html_rows, pytester_run, run_cli

CASES = """
from harness import testcase


@testcase("TC_Y_01_CS", "a 1 MB frame", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_huge_frame(csms, dut):
    csms.call("DataTransfer", vendorId="ocpp-harness", data="A" * 1_000_000)


@testcase("TC_Y_02_CS", "a binary frame", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_binary_frame(csms, dut):
    csms.send_raw(b"\\xff\\xfe\\x00<binary>&")
    csms.call("TriggerMessage", requestedMessage="Heartbeat")
"""


@pytest.fixture
def reports(pytester: pytest.Pytester) -> dict:
    """The reports of a session on CASES, a pytest session of its own in this process
    (the reports are what it writes, whatever process it runs in)."""
    _, report = pytester_run(pytester, CASES, in_process=True)("-q")
    return {"json": report, "html": (pytester.path / "out" / "report.html").read_text()}


def _case(reports: dict, case_id: str) -> dict:
    return next(c for c in reports["json"]["cases"] if c["id"] == case_id)


def test_huge_frame_is_whole_in_json_and_cut_in_html(reports):
    frames = [e for e in _case(reports, "TC_Y_01_CS")["trace"] if e["kind"] == "frame"]
    big = max(frames, key=lambda e: len(e["raw"]))
    assert len(big["raw"]) > 1_000_000
    html = reports["html"]
    assert "frame cut here: 1,000,0" in html
    assert "the full frame is in report.json" in html
    assert len(html) < 400_000  # the page itself stays light


def test_binary_frame_is_escaped(reports):
    case = _case(reports, "TC_Y_02_CS")
    assert case["verdict"] == "passed", case["reason"]
    sent = [e for e in case["trace"] if e["kind"] == "frame" and "binary" in (e.get("note") or "")]
    assert sent and sent[0]["raw"] == "\\xff\\xfe\\x00<binary>&"
    # pytest-html keeps each row's HTML in a JSON blob; our fragment must escape the frame
    fragments = html_rows(reports["html"])
    assert "\\xff\\xfe\\x00&lt;binary&gt;&amp;" in fragments
    assert "<binary>" not in fragments


def test_unwritable_report_dir_is_exit_2_with_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = run_cli("run", "--report-dir", str(blocker / "sub"), "--case", "TC_B_06_CS")
    assert run.code == 2
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines == [
        f"ERROR: --report-dir {blocker / 'sub'}: cannot write there (Not a directory)"
    ], run.stderr


def test_a_disk_that_refuses_the_reports_stops_the_run_in_one_line(pytester, monkeypatch):
    """A full disk: one line saying so, the run stops after the case, no traceback."""
    import errno

    import harness.report.writer as writer

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    pytester.makepyfile(test_cases=CASES)
    monkeypatch.setattr(writer, "write_atomic", full)
    result = pytester.runpytest_inprocess("--report-dir", "out", "-p", "no:cacheprovider")
    said = [line for line in result.outlines if line.startswith("ocpp-harness: cannot")]
    assert said == [
        "ocpp-harness: cannot write the reports to out: No space left on device; the run stops"
    ], result.outlines
    result.assert_outcomes(passed=1)  # stopped after the case it could not record
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stdout.str()


def test_the_report_says_why_each_case_ran(pytester):
    """report.json and the HTML say why a case ran: Part 5's status, the condition the
    DUT profile met (TC_B_02_CSMS is conditional on C-44), the case's own needs."""
    module = """
from harness.cli import catalog_functions

TWO = ("TC_B_02_CSMS", "TC_B_06_CSMS")
globals().update({f.__name__: f for f in catalog_functions() if f.ocpp_testcase.id in TWO})
"""
    _, report = pytester_run(pytester, module, in_process=True)()
    cases = {case["id"]: case for case in report["cases"]}
    assert cases["TC_B_06_CSMS"]["applicability"] == "mandatory in core (Part 5)"
    assert cases["TC_B_02_CSMS"]["applicability"].startswith(
        "conditional in core (Part 5): C-44 holds"
    )
    page = html_rows((pytester.path / "out" / "report.html").read_text())
    assert "Runs because: conditional in core (Part 5): C-44 holds" in page
