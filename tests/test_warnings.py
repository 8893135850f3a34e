"""The second verdict axis: named warnings, and ``--ocpp-strict`` that makes them fail.

A check beyond what OCTT checks (``beyond_octt``) or a place where OCTT expects more than
the specification (``octt_expects``) must not fail a case in a normal run, must be shown
in every report, and must fail the case in a strict run (a rehearsal of certification).

Each run is a pytest session of its own in this process (what it shows is the session's
verdicts and reports; tests/test_plugin.py runs the plugin in a fresh interpreter).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.helpers import html_rows, pytester_run

CASES = """
from harness import testcase


@testcase("TC_W_01_CS", "a check beyond OCTT", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_beyond(csms, dut):
    with csms.beyond_octt("the OCA case does not ask for an Authorize here"):
        csms.expect("Authorize", timeout=0.2, rule="C01.FR.01")
    # the case goes on after the block
    csms.call("TriggerMessage", requestedMessage="Heartbeat").expect(
        rule="F06.FR.05", status="Accepted"
    )


@testcase("TC_W_02_CS", "OCTT expects more", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_octt(csms, dut):
    with csms.octt_expects("OCTT wants a DataTransfer the specification does not ask for"):
        csms.expect("DataTransfer", timeout=0.2, rule="P01.FR.01")


@testcase("TC_W_03_CS", "no warning", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_clean(csms, dut):
    with csms.beyond_octt():
        csms.call("TriggerMessage", requestedMessage="Heartbeat").expect(
            rule="F06.FR.05", status="Accepted"
        )
"""


@pytest.fixture
def run(pytester: pytest.Pytester):
    return pytester_run(pytester, CASES, in_process=True)


def _cases(report: dict) -> dict[str, dict]:
    return {case["id"]: case for case in report["cases"]}


def test_warnings_pass_and_are_reported(run, pytester):
    result, report = run()
    cases = _cases(report)
    assert [cases[i]["verdict"] for i in ("TC_W_01_CS", "TC_W_02_CS", "TC_W_03_CS")] == [
        "passed"
    ] * 3
    (beyond,) = cases["TC_W_01_CS"]["warnings"]
    assert beyond["kind"] == "beyond-octt"
    assert beyond["rule"] == "C01.FR.01"
    assert beyond["why"] == "the OCA case does not ask for an Authorize here"
    assert beyond["reason"].startswith("no Authorize within 0.2 s")
    (octt,) = cases["TC_W_02_CS"]["warnings"]
    assert octt["kind"] == "octt-stricter" and octt["rule"] == "P01.FR.01"
    assert cases["TC_W_03_CS"]["warnings"] == []
    # the step that raised is recorded as a warning, not a failure; the case went on
    steps = cases["TC_W_01_CS"]["steps"]
    assert [s["outcome"] for s in steps if s["kind"] == "expect"] == ["warning"]
    assert any(s["kind"] == "call" and s["outcome"] == "ok" for s in steps)
    assert report["summary"]["warnings"] == 2
    assert report["run"]["strict"] is False
    result.stdout.fnmatch_lines(
        [
            "*3 passed*(2 passed with warnings)*",
            "WARNING TC_W_01_CS: beyond-octt [[]C01.FR.01[]]: no Authorize within 0.2 s*",
        ]
    )
    # JUnit carries each warning as a property; the HTML shows them on the row
    tree = ET.parse(pytester.path / "out" / "junit.xml")
    props = {
        case.get("name"): [
            p.get("value") for p in case.iter("property") if p.get("name") == "warning"
        ]
        for case in tree.iter("testcase")
    }
    assert props["TC_W_01_CS"][0].startswith("beyond-octt [C01.FR.01]: no Authorize")
    assert props["TC_W_03_CS"] == []
    rows = html_rows((pytester.path / "out" / "report.html").read_text())
    assert "⚠ 1 warning" in rows and "<b>octt-stricter</b> [P01.FR.01]" in rows


def test_strict_turns_warnings_into_failures(run):
    result, report = run("--ocpp-strict")
    cases = _cases(report)
    beyond = cases["TC_W_01_CS"]
    assert beyond["verdict"] == "failed"
    assert beyond["rule"] == "C01.FR.01"
    assert "--strict makes it a failure" in beyond["reason"]
    assert cases["TC_W_02_CS"]["verdict"] == "failed"
    assert cases["TC_W_02_CS"]["rule"] == "P01.FR.01"
    assert cases["TC_W_03_CS"]["verdict"] == "passed"
    assert report["run"]["strict"] is True
    assert result.ret == 1
