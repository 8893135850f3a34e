"""Every rule the harness can name is declared, and every case's rules agree with its
catalog row.

* each case's ``requirements``, the rules of its ``catches`` and ``warns`` defects and
  the rule literals of its source (``@testcase`` checks these at import too);
* every rule literal of the catalog modules and of the harness modules that judge a
  DUT (states, steps, session, monitors, transport, OCPP-J core), for the version the
  module serves;
* every simulator defect's rule, for each version it applies to;
* the requirement ids (and OCPP-J sections) a case names beyond its Part 6 table are
  exactly the ones ``beyond_row`` of its version's rules file lists, each with why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.cli import catalog_cases
from harness.ocppj import OcppVersion
from harness.sim.defects import CSMS_DEFECTS, STATION_DEFECTS
from harness.spec import rules
from harness.spec.catalog import entry
from harness.spec.rule_literals import module_literals

ROOT = Path(__file__).resolve().parents[2]
VERSION_DIRS = {"v16": OcppVersion.V16, "v201": OcppVersion.V201, "v21": OcppVersion.V21}

#: the harness modules whose rule literals reach verdicts; the simulators (harness/sim)
#: use requirement ids as their own reasons, the reports only show rules
HARNESS_SOURCES = [
    "harness/states",
    "harness/steps",
    "harness/ocppj",
    "harness/transport",
    "harness/control",
    "harness/session.py",
    "harness/roles.py",
    "harness/spec/boot.py",
    "harness/seqno.py",
    "harness/connectors.py",
    "harness/environment.py",
    "harness/preconditions.py",
    "harness/plugin.py",
    "harness/verdicts.py",
]


def _cases():
    """(info, function) of every catalog case, in catalog order."""
    infos = catalog_cases()  # imports every catalog module
    functions = {
        id(value.ocpp_testcase): value
        for name, module in list(sys.modules.items())
        if name.startswith("harness.catalog.")
        for value in vars(module).values()
        if hasattr(value, "ocpp_testcase")
    }
    return [(info, functions[id(info)]) for info in infos]


CASES = _cases()
IDS = [info.id for info, _ in CASES]


@pytest.mark.parametrize("info,func", CASES, ids=IDS)
def test_every_rule_a_case_names_is_declared(info, func):
    named = list(rules.case_rules(info, func))
    assert rules.problems(info.ocpp, named) == []


def _python_files(*places: str) -> list[Path]:
    found = []
    for place in places:
        path = ROOT / place
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


@pytest.mark.parametrize(
    "path", _python_files("testcases"), ids=lambda p: str(p.relative_to(ROOT / "testcases"))
)
def test_every_rule_literal_of_the_catalog_is_declared_for_its_version(path):
    version = next(
        (VERSION_DIRS[p] for p in path.relative_to(ROOT).parts if p in VERSION_DIRS), None
    )
    literals = module_literals(path.read_text(encoding="utf-8"))
    if version is None:
        assert literals == [], f"{path}: rules outside a version folder"
        return
    where = str(path.relative_to(ROOT))
    found = [(lit.rule, f"{where}:{lit.line}") for lit in literals]
    assert rules.problems(version, found) == []


def test_every_rule_literal_of_the_harness_is_declared():
    """Harness modules serve every version: a literal must be declared for one of them
    (a ``C16.`` section for 1.6, a Part 2 id for 2.0.1 or 2.1, ``timeout`` for all)."""
    undeclared = []
    for path in _python_files(*HARNESS_SOURCES):
        for literal in module_literals(path.read_text(encoding="utf-8")):
            if not rules.versions_declaring(literal.rule):
                where = f"{path.relative_to(ROOT)}:{literal.line}"
                try:
                    rules.check(OcppVersion.V201, literal.rule, where=where)
                except rules.UndeclaredRule as error:
                    undeclared.append(str(error))
    assert undeclared == []


def test_the_harness_scan_sees_the_monitors():
    """A guard on the scan itself: it finds the rules the monitors are known to name."""
    found = {
        lit.rule
        for path in _python_files(*HARNESS_SOURCES)
        for lit in module_literals(path.read_text(encoding="utf-8"))
    }
    assert {"B01.FR.08", "B02.FR.04", "C16.4.2", "E01.FR.07", "ocppj.not-json"} <= found
    assert {"timeout", "setup", "transport.closed-mid-call", "expect:silence"} <= found


DEFECTS = [*STATION_DEFECTS.values(), *CSMS_DEFECTS.values()]


@pytest.mark.parametrize("defect", DEFECTS, ids=[f"{d.side}:{d.name}" for d in DEFECTS])
def test_every_defect_rule_is_declared(defect):
    where = f"{defect.side} defect {defect.name!r}"
    found = []
    for version in sorted(defect.versions):
        found += rules.problems(version, [(defect.rule_for(version), where)])
    assert found == []


# -- a case's rules against its catalog row -------------------------------------------------


def _beyond_row(info, func) -> dict[str, str]:
    """Requirement ids and OCPP-J sections the case names that its row does not list."""
    row = entry(info.id, info.ocpp)
    assert row is not None, f"{info.id} is not in the catalog"
    beyond = {}
    for rule_id, where in rules.case_rules(info, func):
        if not rules.is_declared(info.ocpp, rule_id):
            continue  # reported by the test above
        kind = rules.rule(info.ocpp, rule_id).kind
        if kind in ("requirement", "ocpp-j") and rule_id not in row.requirements:
            beyond.setdefault(rule_id, where)
    return beyond


ROWS = [(info, func) for info, func in CASES if entry(info.id, info.ocpp).requirements]


@pytest.mark.parametrize("info,func", ROWS, ids=[info.id for info, _ in ROWS])
def test_a_case_declares_the_requirements_of_its_row(info, func):
    row = entry(info.id, info.ocpp)
    assert set(info.requirements) <= set(row.requirements), (
        f"{info.id}: requirements {sorted(set(info.requirements) - set(row.requirements))} "
        "are not in its Part 6 table"
    )


@pytest.mark.parametrize("info,func", ROWS, ids=[info.id for info, _ in ROWS])
def test_rules_beyond_the_row_are_the_recorded_exceptions(info, func):
    beyond = _beyond_row(info, func)
    recorded = rules.beyond_row(info.ocpp).get(info.id, {})
    unexplained = {rule_id: where for rule_id, where in beyond.items() if rule_id not in recorded}
    assert unexplained == {}, (
        f"{info.id} names rules its Part 6 table does not list; check each against Part 6 "
        f"and record why in harness/spec/rules/{rules._SLUGS[info.ocpp]}.toml [beyond_row]"
    )
    stale = sorted(set(recorded) - set(beyond))
    assert stale == [], f"{info.id}: [beyond_row] lists rules the case no longer names"


#: 2.x cases whose Part 6 table lists no requirement ("Requirement(s): N/a")
NO_REQUIREMENT_IN_PART6 = {
    "TC_P_03_CS",
    "TC_E_38_CS",
    "TC_J_06_CS",
    "TC_C_37_CSMS",
    "TC_C_38_CSMS",
    # the CSMS's ChangeAvailability cases and custom data (Part 6 Tables 547-555, 697)
    *(f"TC_G_{n:02d}_CSMS" for n in (3, 4, 5, 6, 7, 8, 11, 14, 17)),
    "TC_P_03_CSMS",
    "TC_F_01_CSMS",
    "TC_F_06_CSMS",
    "TC_B_22_CSMS",
    "TC_B_27_CSMS",
    "TC_B_31_CSMS",
    "TC_E_38_CSMS",
    # the CSMS side of N01 (Tables 657, 666, 667, 668): its rules are the station's
    "TC_N_25_CSMS",
    "TC_N_34_CSMS",
    "TC_N_35_CSMS",
    "TC_N_36_CSMS",
}


def test_rows_without_requirements_are_only_the_16_ones():
    """1.6 rows have no requirement ids (no public OCTT document): nothing to hold a 1.6
    case against. Every 2.x case has its table's ids, but for the few tables that list
    none (their rules are all in [beyond_row], with why)."""
    without = {info.id for info, _ in CASES if not entry(info.id, info.ocpp).requirements}
    unexpected = {
        info.id
        for info, _ in CASES
        if info.id in without
        and info.ocpp is not OcppVersion.V16
        and info.id not in NO_REQUIREMENT_IN_PART6
    }
    assert not unexpected, unexpected


def test_every_recorded_exception_is_an_implemented_case():
    implemented = {(info.ocpp, info.id) for info, _ in CASES}
    for version in OcppVersion:
        for case_id in rules.beyond_row(version):
            assert (version, case_id) in implemented, f"{version.value}: {case_id}"
