"""The case record travels: what pytest sends between processes must be plain data."""

from __future__ import annotations

from harness.ocppj import OcppVersion
from harness.report.records import CaseRecord
from harness.testcase import TestCaseInfo
from harness.verdicts import Verdict


def test_junit_properties_are_plain_strings() -> None:
    """They ride on the pytest report, which xdist pickles with execnet: an enum there
    crashes the worker (a Verdict did, until the property was written as its value)."""
    info = TestCaseInfo("TC_X_01_CS", "x", OcppVersion.V201, "charging-station", "X")
    record = CaseRecord.begin(info, "node")
    record.set_verdict(Verdict.FAILED, "broke it", "B01.FR.05")
    record.table_step = "3-4"
    for name, value in record.junit_properties():
        assert type(name) is str and type(value) is str, (name, value)
    assert ("verdict", "failed") in record.junit_properties()


def test_the_first_bad_verdict_keeps_its_table_step() -> None:
    info = TestCaseInfo("TC_X_01_CS", "x", OcppVersion.V201, "charging-station", "X")
    record = CaseRecord.begin(info, "node")
    record.set_verdict(Verdict.PASSED, "", "", table_step="1-2")
    assert record.table_step is None  # a pass names no step
    record.set_verdict(Verdict.FAILED, "broke it", "B02.FR.05", table_step="11-12")
    record.set_verdict(Verdict.ERROR, "later", "harness", table_step="13-14")
    assert (record.verdict, record.table_step) == (Verdict.FAILED, "11-12")
