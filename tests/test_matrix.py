"""The self-test matrix's judge (:mod:`tests.matrix`) can fail: an item whose case gets
another verdict, another rule (or, where the rule must be exact, one of its family),
other warnings or notes than expected, or fails the item's further check of the case, is
reported failed, with what it got."""

from __future__ import annotations

import os

from tests.helpers import ROOT

ITEMS = """
import pytest

from harness import testcase
from harness.catalog.v201.cs.test_b_provisioning import test_tc_b_06_cs as case
from harness.verdicts import ScriptError
from tests.matrix import Expectation, matrix_item, run_catalog_case

INFO = case.ocpp_testcase


def item(name, expected, **sim):
    return matrix_item(INFO, INFO, name, expected, **sim)


WRONG = "get-variables-wrong-component"


@testcase("TC_X_01_CS", "a script error", ocpp="2.0.1", dut_kind="charging-station")
def misuse(csms, dut):
    raise ScriptError("misused")


def its_own_case(case):
    assert case["id"] == INFO.id


def took_no_step(case):
    assert not case["steps"], "the case took steps"


@pytest.mark.parametrize("info", [
    item("pass-as-expected", Expectation("passed")),
    item("fail-as-expected", Expectation("failed", "B06.FR.02"), defects=(WRONG,)),
    item("passes-but-should-fail", Expectation("failed", "B06.FR.02")),
    item("fails-but-should-pass", Expectation("passed"), defects=(WRONG,)),
    item("fails-for-another-rule", Expectation("failed", "B06.FR.99"), defects=(WRONG,)),
    item("warnings-missing", Expectation("passed", warnings=("B06.FR.02",))),
    item("fails-for-a-rule-of-its-family", Expectation("failed", "B06.FR.0", exact_rule=True),
         defects=(WRONG,)),
    item("notes-missing", Expectation("passed", notes=("B06.FR.02",))),
    item("check-as-expected", Expectation("passed", check=its_own_case)),
    item("check-fails", Expectation("passed", check=took_no_step)),
])
def test_item(info, request):
    run_catalog_case(case, request)


@pytest.mark.parametrize("info", [
    matrix_item(misuse, misuse.ocpp_testcase, "error-as-expected", Expectation("error", "script")),
    matrix_item(misuse, misuse.ocpp_testcase, "errs-for-another-rule",
                Expectation("error", "harness")),
])
def test_error(info, request):
    run_catalog_case(info, request)
"""


def test_the_judge_fails_an_item_that_gets_another_verdict(pytester):
    pytester.makeconftest('pytest_plugins = ["tests.matrix"]')
    pytester.makepyfile(test_items=ITEMS)
    pytester._monkeypatch.setenv(
        "PYTHONPATH", f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rfE")
    # warnings, notes and checks are judged at teardown: those items' calls passed, their
    # teardowns err
    result.assert_outcomes(passed=7, failed=5, errors=3)
    # (no brackets in the patterns: fnmatch reads them as character sets)
    result.stdout.fnmatch_lines_random(
        [
            "*passes-but-should-fail*expected failed naming 'B06.FR.02', got passed*",
            "*fails-but-should-pass*expected passed, got failed*B06.FR.02*",
            "*fails-for-another-rule*failed for the wrong rule: expected 'B06.FR.99'*",
            "*warnings-missing*expected warnings*B06.FR.02*, got*",
            "*fails-for-a-rule-of-its-family*wrong rule: expected 'B06.FR.0', got*B06.FR.02*",
            "*notes-missing*expected notes*B06.FR.02*, got*",
            "*check-fails*check took_no_step failed: the case took steps*",
            "*errs-for-another-rule*error for the wrong rule: expected 'harness'*script*",
        ]
    )
