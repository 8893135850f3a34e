"""Post-conditions (``finally_do``) run after the case whatever its verdict; one the DUT
does not carry out is a note, never a change of verdict."""

from __future__ import annotations

import pytest

from tests.helpers import pytester_run

CASES = """
from harness import DutFailure, testcase


def _restore(csms):
    csms.call("TriggerMessage", requestedMessage="Heartbeat").expect(
        rule="F06.FR.05", status="Accepted"
    )


def _broken_restore(csms):
    csms.call("TriggerMessage", requestedMessage="Heartbeat").expect(
        rule="F06.FR.05", status="Rejected"
    )


@testcase("TC_P_01_CS", "fails, restores", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_fails(csms, dut):
    csms.finally_do("the first thing", _restore, csms)
    csms.finally_do("the second thing", _restore, csms)
    raise DutFailure("the station did something wrong", "B01.FR.01")


@testcase("TC_P_02_CS", "passes, restore fails", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_passes(csms, dut):
    csms.finally_do("a setting", _broken_restore, csms)
"""


@pytest.fixture
def run(pytester: pytest.Pytester):
    return pytester_run(pytester, CASES)


def test_post_conditions_run_after_a_failure_and_never_change_a_verdict(run):
    _, report = run()
    cases = {case["id"]: case for case in report["cases"]}

    failed = cases["TC_P_01_CS"]
    assert failed["verdict"] == "failed" and failed["rule"] == "B01.FR.01"
    restores = [s["what"] for s in failed["steps"] if s["kind"] == "restore"]
    assert restores == ["the second thing", "the first thing"]  # last registered first
    assert all(s["outcome"] == "ok" for s in failed["steps"] if s["kind"] == "restore")

    passed = cases["TC_P_02_CS"]
    assert passed["verdict"] == "passed"
    [note] = passed["warnings"]
    assert note["kind"] == "note" and note["rule"] == "F06.FR.05"
    assert note["reason"].startswith("could not restore a setting: TriggerMessage response")
