"""The self-test matrix's judge (:mod:`tests.matrix`) can fail: an item whose case gets
another verdict, another rule or other warnings than expected is reported failed, with
what it got."""

from __future__ import annotations

import os

from tests.helpers import ROOT

ITEMS = """
import pytest

from harness.catalog.v201.cs.test_b_provisioning import test_tc_b_06_cs as case
from tests.matrix import Expectation, matrix_item, run_catalog_case

INFO = case.ocpp_testcase


def item(name, expected, **sim):
    return matrix_item(INFO, INFO, name, expected, **sim)


WRONG = "get-variables-wrong-component"


@pytest.mark.parametrize("info", [
    item("pass-as-expected", Expectation("passed")),
    item("fail-as-expected", Expectation("failed", "B06.FR.02"), defects=(WRONG,)),
    item("passes-but-should-fail", Expectation("failed", "B06.FR.02")),
    item("fails-but-should-pass", Expectation("passed"), defects=(WRONG,)),
    item("fails-for-another-rule", Expectation("failed", "B06.FR.99"), defects=(WRONG,)),
    item("warnings-missing", Expectation("passed", warnings=("B06.FR.02",))),
])
def test_item(info, request):
    run_catalog_case(case, request)
"""


def test_the_judge_fails_an_item_that_gets_another_verdict(pytester):
    pytester.makeconftest('pytest_plugins = ["tests.matrix"]')
    pytester.makepyfile(test_items=ITEMS)
    pytester._monkeypatch.setenv(
        "PYTHONPATH", f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rfE")
    # the warnings are judged at teardown: that item's call passed, its teardown errs
    result.assert_outcomes(passed=3, failed=3, errors=1)
    # (no brackets in the patterns: fnmatch reads them as character sets)
    result.stdout.fnmatch_lines_random(
        [
            "*passes-but-should-fail*expected failed naming 'B06.FR.02', got passed*",
            "*fails-but-should-pass*expected passed, got failed*B06.FR.02*",
            "*fails-for-another-rule*failed for the wrong rule: expected 'B06.FR.99'*",
            "*warnings-missing*expected warnings*B06.FR.02*, got*",
        ]
    )
