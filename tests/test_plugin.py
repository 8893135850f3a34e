"""The pytest plugin seen from outside: applicability, selection, verdicts, options.

Each test runs a pytest session of its own on cases written for it (pytester). One,
the verdicts and applicability, is a subprocess: the plugin as a user's pytest loads it,
in a fresh interpreter. The others are sessions in this process, which show the same
(verdicts, reports, usage errors, the plugin's loop) without an interpreter start each.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.helpers import pytester_run

CASES = """
from harness import testcase


@testcase("TC_X_01_CS", "needs a feature", ocpp="2.0.1", dut_kind="charging-station",
          needs=["reservation"], catches=["no-heartbeat"])
def test_needs_reservation(csms, dut):
    raise AssertionError("must not run: the embedded simulator has no 'reservation'")


@testcase("TC_X_02_CS", "needs a feature absent", ocpp="2.0.1", dut_kind="charging-station",
          absent=["reservation"], catches=["no-heartbeat"])
def test_needs_absence(csms, dut):
    csms.call("TriggerMessage", requestedMessage="Heartbeat")


@testcase("TC_X_03_CS", "a 2.1 case", ocpp="2.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_other_version(csms, dut):
    raise AssertionError("must be deselected: no 2.1 DUT in this run")


@testcase("TC_X_04_CS", "harness trouble", ocpp="2.0.1", dut_kind="charging-station",
          catches=["no-heartbeat"])
def test_harness_trouble(csms, dut):
    raise RuntimeError("the lab's relay box is on fire")


def test_plain():
    pass
"""


@pytest.fixture
def run(pytester: pytest.Pytester):
    """A session on CASES in this process."""
    return pytester_run(pytester, CASES, in_process=True)


def test_verdicts_applicability_and_selection(pytester: pytest.Pytester):
    """End to end, in a fresh interpreter."""
    result, report = pytester_run(pytester, CASES)()
    cases = {case["id"]: case for case in report["cases"]}
    assert set(cases) == {"TC_X_01_CS", "TC_X_02_CS", "TC_X_04_CS"}  # TC_X_03 deselected
    assert cases["TC_X_01_CS"]["verdict"] == "skipped"
    assert cases["TC_X_01_CS"]["reason"] == (
        "not applicable: needs reservation = profile:reservation (Reservation), which the DUT "
        "profile does not declare (features.reservation = true to run it)"
    )
    assert cases["TC_X_02_CS"]["verdict"] == "passed"
    assert cases["TC_X_04_CS"]["verdict"] == "error"
    assert cases["TC_X_04_CS"]["reason"] == "RuntimeError: the lab's relay box is on fire"
    assert report["summary"] == {
        "passed": 1,
        "failed": 0,
        "error": 1,
        "skipped": 1,
        "total": 3,
        "warnings": 0,
    }
    result.stdout.fnmatch_lines(
        [
            "*ocpp-harness verdicts*",
            "*1 passed, 1 error, 1 skipped*",
            "ERROR   TC_X_04_CS: RuntimeError: the lab's relay box*",
        ]
    )
    # pytest's counters follow the verdicts: the harness's trouble is an error, not a
    # failure of the DUT (test_plain is the other pass)
    result.assert_outcomes(passed=2, errors=1, skipped=1, deselected=1)


def test_case_option_selects_exact_ids(run):
    _, report = run("--case", "TC_X_02_CS")
    assert [case["id"] for case in report["cases"]] == ["TC_X_02_CS"]


@pytest.mark.parametrize(
    "case_id,message",
    [
        ("TC_X_2_CS", "*--case TC_X_2_CS: no such case; did you mean TC_X_02_CS?*"),
        ("TC_B_07_CS", "*--case TC_B_07_CS: an OCA case this catalog does not implement*"),
        ("NOPE", "*--case NOPE: no such case*"),
    ],
    ids=["misspelt", "not-implemented", "unknown"],
)
def test_an_unknown_case_id_is_a_usage_error(pytester, case_id, message):
    """A misspelt --case would select nothing and pass: refused, with the nearest id."""
    pytester.makepyfile(test_cases=CASES)
    result = pytester.runpytest_inprocess("--case", case_id, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_cases_carry_markers_for_role_version_and_block(run):
    """-m selects by role (cs, csms), OCPP version (ocpp16, ocpp201, ocpp21) and block."""
    _, report = run("-m", "cs and ocpp201 and block_x and not csms")
    assert {case["id"] for case in report["cases"]} == {"TC_X_01_CS", "TC_X_02_CS", "TC_X_04_CS"}
    _, report = run("-m", "csms or ocpp16")
    assert report["cases"] == []
    _, report = run("-m", "block_b")
    assert report["cases"] == []
    # and by Part 5 certification profile (TC_X ids are in none)
    _, report = run("-m", "profile_core")
    assert report["cases"] == []


def test_junit_carries_id_title_and_rule(run, pytester):
    run()
    suite = ET.parse(pytester.path / "out" / "junit.xml").getroot()
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    # the case id is the test name; the block is the class; a plain pytest test is no
    # case (pytest's own --junitxml has it)
    assert set(cases) == {"TC_X_01_CS", "TC_X_02_CS", "TC_X_04_CS"}  # TC_X_03 deselected
    trouble = cases["TC_X_04_CS"]
    assert trouble.get("classname") == "ocpp.2.0.1.charging-station.X"
    props = {p.get("name"): p.get("value") for p in trouble.iter("property")}
    assert props["ocpp_id"] == "TC_X_04_CS" and props["title"] == "harness trouble"
    assert props["verdict"] == "error" and props["rule"] == "harness"
    # a harness error is an <error>, not a <failure>
    assert trouble.find("error") is not None and trouble.find("failure") is None
    assert (pytester.path / "out" / "report.html").exists()


def test_junit_failure_carries_reason_and_rule(pytester):
    pytester.makepyfile(
        test_failing="""
from harness import DutFailure, testcase


@testcase("TC_X_09_CS", "a DUT failure", ocpp="2.0.1", dut_kind="charging-station",
          requirements=["B01.FR.05"], catches=["no-heartbeat"])
def test_dut_failure(csms, dut):
    raise DutFailure("StatusNotification says Unavailable", "B01.FR.05")
"""
    )
    pytester.runpytest_inprocess("--report-dir", "out", "-p", "no:cacheprovider")
    suite = ET.parse(pytester.path / "out" / "junit.xml").getroot()
    case = next(c for c in suite.iter("testcase") if c.get("name") == "TC_X_09_CS")
    failure = case.find("failure")
    assert failure is not None and case.find("error") is None
    assert "StatusNotification says Unavailable [B01.FR.05]" in failure.get("message")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["requirement"] == "B01.FR.05" and props["rule"] == "B01.FR.05"


def test_unwritable_report_dir_is_a_usage_error(pytester):
    pytester.makepyfile(test_cases=CASES)
    blocker = pytester.path / "file"
    blocker.write_text("")
    result = pytester.runpytest_inprocess("--report-dir", str(blocker / "sub"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--report-dir {blocker / 'sub'}: cannot write there*"])


def test_cert_profile_deselects_other_cases_and_refuses_an_unknown_slug(pytester):
    # TC_X_* ids are in no certification profile: core selects none of them (a plain
    # test beside the catalog is not a case and stays).
    pytester.makepyfile(test_cases=CASES)
    result = pytester.runpytest_inprocess("--cert-profile", "core", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=4)
    result = pytester.runpytest_inprocess("--cert-profile", "nope", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--cert-profile: unknown profile 'nope'*use one of core,*"])


@pytest.mark.parametrize(
    "flag,name,message",
    [
        (
            "--sim-defect",
            "boot-omit-model",
            "*--sim-defect boot-omit-model: no such simulator defect; "
            "did you mean 'boot-omits-model'?*",
        ),
        ("--sim-option", "nonsense", "*--sim-option nonsense: no such simulator option*"),
    ],
    ids=["defect", "option"],
)
def test_a_misspelt_simulator_defect_or_option_is_a_usage_error(pytester, flag, name, message):
    """A misspelt name would run the conformant simulator and pass: refused, with the
    nearest known name (the command line passes both flags on to the plugin)."""
    result = pytester.runpytest_inprocess(flag, name, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_fixture_outside_a_catalog_case_is_refused(pytester):
    pytester.makepyfile("def test_x(csms):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*the 'csms/station' fixture is for catalog cases*"])


HOLD_CASE = """
import time

from harness import testcase


@testcase("TC_H_01_CS", "a CALL while the case's code runs", ocpp="2.0.1",
          dut_kind="charging-station")
def test_hold(csms, dut):
    csms.will_reply("BootNotification", status="Accepted", interval=1)
    dut.act("reboot")
    csms.expect("BootNotification", timeout=dut.timeouts.connect)
    entries = csms.session.trace.entries

    def heartbeat_answered():
        frames = [e for e in list(entries) if e.kind == "frame"]
        calls = [e for e in frames if e.action == "Heartbeat" and e.message_type == "CALL"]
        for call in calls:
            for answer in frames:
                if answer.message_id == call.message_id and answer is not call:
                    return call, answer
        return None

    # The case's own code runs on, making no harness call, until the station's next
    # Heartbeat has been answered (bounded): only the loop's keeper can answer it.
    deadline = time.monotonic() + 10
    found = heartbeat_answered()
    while found is None and time.monotonic() < deadline:
        time.sleep(0.01)
        found = heartbeat_answered()
    seen = [(e.seq, e.message_type, e.action, round(e.t, 3)) for e in list(entries)
            if e.kind == "frame"]
    assert found is not None, f"the held Heartbeat was never answered; frames: {seen}"
    call, answer = found
    waited = answer.t - call.t
    print(f"HELD {waited:.3f}")
    assert 0.25 <= waited < 0.3 + 0.4, waited
"""


def test_hold_seconds_bounds_a_held_call_on_the_plugins_loop(pytester):
    """A DUT CALL that arrives while the case's own code runs is held for the case
    (it may still expect it) and answered by default after --hold-seconds, on the
    DrivenLoop the plugin uses, not only at the case's next harness call."""
    pytester.makepyfile(test_hold=HOLD_CASE)
    result = pytester.runpytest_inprocess(
        "--hold-seconds", "0.3", "-p", "no:cacheprovider", "-s", "--case", "TC_H_01_CS"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*HELD 0.*"])


SCREEN_CASES = """
from harness import testcase


@testcase("TC_X_20_CS", "answers garbage", ocpp="2.0.1", dut_kind="charging-station",
          catches=["sends-invalid-json"])
def test_garbage(csms, dut):
    csms.call("GetVariables", getVariableData=[{"component": {"name": "OCPPCommCtrlr"},
              "variable": {"name": "OfflineThreshold"}}])
"""


def test_a_dut_failure_reads_as_a_verdict_not_a_traceback(pytester):
    """A failed case shows its id, verdict, rule, reason, the frame and the case line;
    none of the harness's own frames (with --tb, the traceback is there for who asks)."""
    pytester.makepyfile(test_screen=SCREEN_CASES)
    args = ("--sim-defect", "sends-invalid-json", "-p", "no:cacheprovider")
    result = pytester.runpytest_inprocess(*args)
    result.stdout.fnmatch_lines(
        [
            "*TC_X_20_CS failed*[[]ocppj.not-json[]]",
            "  frame * is not a valid OCPP-J frame: frame is not JSON*",
            "  frame: {not json",
            "  case line: test_screen.py:7  csms.call(*",
        ]
    )
    assert "harness/session.py" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()
    traced = pytester.runpytest_inprocess(*args, "--tb=long")
    assert "harness/session.py" in traced.stdout.str()


def test_a_dut_failure_in_set_up_counts_as_a_failure(pytester):
    """A station whose BootNotification breaks the schema fails while the case is set up
    (the boot wait): pytest counts it as failed, as the verdict says, not as an error."""
    pytester.makepyfile(
        test_boot="""
from harness import testcase


@testcase("TC_X_21_CS", "boots", ocpp="2.0.1", dut_kind="charging-station",
          catches=["boot-omits-model"])
def test_boots(csms, dut):
    pass
"""
    )
    result = pytester.runpytest_inprocess(
        "--sim-defect", "boot-omits-model", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1, errors=0)
    result.stdout.fnmatch_lines(["*TC_X_21_CS failed*[[]schema:BootNotificationRequest:*"])


def test_a_catalog_case_carries_the_markers_of_its_certification_profiles():
    """TC_B_06_CS is a Core case of Part 5 (2.0.1): -m profile_core selects it."""
    from harness.cli import catalog_functions
    from harness.plugin import _case_markers

    (case,) = [f for f in catalog_functions() if f.ocpp_testcase.id == "TC_B_06_CS"]
    assert _case_markers(case.ocpp_testcase) == ["cs", "ocpp201", "block_b", "profile_core"]


def test_a_misspelt_marker_is_a_usage_error(pytester):
    """-m with a marker nobody has would select nothing and pass: refused."""
    pytester.makepyfile(test_cases=CASES)
    result = pytester.runpytest_inprocess("-m", "csmss or ocpp201", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no such marker 'csmss'; did you mean 'csms'?*"])
