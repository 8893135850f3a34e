"""junit.xml from the run record: the element and the counts follow the verdicts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.ocppj import OcppVersion
from harness.report.junit import junit_xml
from harness.report.records import CaseRecord, RunRecord
from harness.testcase import TestCaseInfo
from harness.verdicts import Verdict


def _case(case_id: str, verdict: Verdict | None, reason: str = "", rule: str = "") -> CaseRecord:
    info = TestCaseInfo(case_id, f"title of {case_id}", OcppVersion.V201, "csms", "B Provisioning")
    record = CaseRecord.begin(info, f"testcases/x.py::{case_id}")
    if verdict is not None:
        record.set_verdict(verdict, reason, rule, table_step="3-4")
    record.duration_s = 0.25
    return record


def _run(*cases: CaseRecord) -> ET.Element:
    run = RunRecord.start([], ())
    for case in cases:
        run.add(case)
    return ET.fromstring(junit_xml(run, complete=True))


def test_each_verdict_has_its_element_and_the_suite_counts_verdicts():
    root = _run(
        _case("TC_B_01_CSMS", Verdict.PASSED),
        _case("TC_B_02_CSMS", Verdict.FAILED, "no Pending answer", "B02.FR.01"),
        _case("TC_B_03_CSMS", Verdict.ERROR, "relay box on fire", "harness"),
        _case("TC_B_04_CSMS", Verdict.SKIPPED, "needs C-44"),
        _case("TC_B_05_CSMS", None),  # never got a verdict: an error
    )
    suite = root.find("testsuite")
    assert suite is not None
    counts = {name: suite.get(name) for name in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "5", "failures": "1", "errors": "2", "skipped": "1"}
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    children = {
        name: [child.tag for child in case if child.tag != "properties"]
        for name, case in cases.items()
    }
    assert children == {
        "TC_B_01_CSMS": [],
        "TC_B_02_CSMS": ["failure"],
        "TC_B_03_CSMS": ["error"],
        "TC_B_04_CSMS": ["skipped"],
        "TC_B_05_CSMS": ["error"],
    }
    failure = cases["TC_B_02_CSMS"].find("failure")
    assert failure is not None
    assert failure.get("message") == "no Pending answer [B02.FR.01]"
    assert failure.get("type") == "B02.FR.01"
    assert "at step 3-4 of the Part 6 table" in (failure.text or "")
    assert cases["TC_B_02_CSMS"].get("classname") == "ocpp.2.0.1.csms.B_Provisioning"
    assert cases["TC_B_02_CSMS"].get("time") == "0.250"
    props = {p.get("name"): p.get("value") for p in cases["TC_B_02_CSMS"].iter("property")}
    assert props["verdict"] == "failed" and props["rule"] == "B02.FR.01"


def test_what_a_dut_sent_cannot_break_the_file():
    reason = "CALL with \x00\x07 and \ud800 in it"
    root = _run(_case("TC_B_02_CSMS", Verdict.FAILED, reason, "schema:x"))
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == "CALL with \\x00\\x07 and \\ud800 in it [schema:x]"


def test_an_interrupted_run_says_so():
    run = RunRecord.start([], ())
    root = ET.fromstring(junit_xml(run, complete=False))
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["complete"] == "false"
