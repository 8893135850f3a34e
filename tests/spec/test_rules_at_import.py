"""A case naming an undeclared rule fails at import: ``@testcase`` checks its
requirements, its defects' rules and the rule literals of its source."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

import pytest

from harness.spec.rules import UndeclaredRule

HEADER = """
from harness import DutFailure, testcase

BLOCK = "B Provisioning"

ON = dict(ocpp="2.0.1", dut_kind="charging-station")
"""


def _import(tmp_path, name: str, body: str):
    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_a_case_with_declared_rules_imports(tmp_path):
    module = _import(
        tmp_path,
        "good_case",
        """
        def _fail(csms):
            raise DutFailure("broke it", "B01.FR.05")

        @testcase("TC_B_01_CS", "ok", requirements=["B01.FR.01"],
                  catches={"no-heartbeat": "B01.FR.04", "boot-omits-model": None}, **ON)
        def test_case(csms, dut):
            csms.expect("Heartbeat", rule="timeout")
            csms.expect("GetVariables", rule="expect:GetVariables")
            _fail(csms)
        """,
    )
    assert module.test_case.ocpp_testcase.id == "TC_B_01_CS"


def test_a_typo_in_requirements_fails_the_import(tmp_path):
    with pytest.raises(UndeclaredRule) as error:
        _import(
            tmp_path,
            "bad_requirement",
            """
            @testcase("TC_B_01_CS", "typo", requirements=["B01.FR.5"], **ON)
            def test_case(csms, dut):
                pass
            """,
        )
    assert str(error.value).startswith(
        "TC_B_01_CS: requirements: rule 'B01.FR.5' is not declared for OCPP 2.0.1"
    )
    assert "nearest declared: 'B01.FR.05'" in str(error.value)


def test_a_defect_rule_of_another_spelling_fails_the_import(tmp_path):
    with pytest.raises(UndeclaredRule, match=r"catches 'no-heartbeat': rule 'B01-FR-04'"):
        _import(
            tmp_path,
            "bad_catch",
            """
            @testcase("TC_B_01_CS", "typo", catches={"no-heartbeat": "B01-FR-04"}, **ON)
            def test_case(csms, dut):
                pass
            """,
        )


def test_a_rule_in_the_body_or_a_helper_fails_the_import_with_its_line(tmp_path):
    with pytest.raises(UndeclaredRule) as error:
        _import(
            tmp_path,
            "bad_literal",
            """
            def _helper(csms):
                csms.note("B03.FR.4", "a typo in a helper")

            @testcase("TC_B_30_CS", "typo", **ON)
            def test_case(csms, dut):
                _helper(csms)
            """,
        )
    message = str(error.value)
    assert "TC_B_30_CS (" in message and "bad_literal.py:9)" in message
    assert "rule 'B03.FR.4'" in message and "nearest declared: 'B03.FR.04'" in message


def test_a_family_rule_with_an_unknown_action_fails_the_import(tmp_path):
    with pytest.raises(UndeclaredRule, match="'GetVariable' is not an action of OCPP 2.0.1"):
        _import(
            tmp_path,
            "bad_action",
            """
            @testcase("TC_B_06_CSMS", "typo", ocpp="2.0.1", dut_kind="csms")
            def test_case(station, dut):
                station.expect("GetVariables", rule="expect:GetVariable")
            """,
        )
