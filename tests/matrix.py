"""The self-test matrix in one pytest process: a catalog case as a self-test item.

Each item runs one catalog case, in this process and on the plugin's own fixtures,
against a simulator set up by its ``ocpp_sim`` marker (a defect, a legal variation,
``--strict``), and is judged by the verdict it *should* get (``selftest_expect``):
passed, or failed naming a rule, with exactly the warnings expected. A run per defect
in a subprocess cost an interpreter start each and ran its cases one after another;
here the items spread over the xdist workers like any other test.

The harness fixtures are requested inside the item's body (not as arguments), so that
everything the harness does, set-up included, happens in the call phase that is judged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from harness.environment import applies_with_options, embedded_profiles
from harness.environment import simulator_variant as find_variant
from harness.plugin import run_record


@dataclass(frozen=True)
class Expectation:
    """The verdict a case must get on one simulator set-up."""

    verdict: str  # "passed", "failed" or "error"
    #: failed or error: a rule the verdict must name (substring, as rule families nest)
    rule: str | None = None
    #: rules of the non-note warnings a passing case must carry, in order (None: any;
    #: a legal variation may earn an OCTT-stricter warning, and still passes)
    warnings: tuple[str, ...] | None = ()
    #: a schema failure must mark its frame in the trace
    schema_marks_frame: bool = True
    #: the verdict must name ``rule`` itself, not a rule of its family
    exact_rule: bool = False
    #: rules of the note warnings the case must carry, in order (None: any)
    notes: tuple[str, ...] | None = None
    #: a further check of the finished case, given as report.json holds it (what a
    #: verdict cannot say: its steps, its trace); the AssertionError it raises is the
    #: problem
    check: Callable[[dict[str, Any]], None] | None = None

    def verdict_problem(self, record: Any) -> str | None:
        verdict = (record.verdict if record is not None else None) or "passed"
        got = verdict
        if record is not None and record.reason:
            got += f" ({record.reason}) [{record.rule}]"
        if verdict != self.verdict:
            return f"expected {self.verdict}{self._rule_text()}, got {got}"
        if self.verdict != "passed" and self.rule is not None:
            named = record.rule == self.rule if self.exact_rule else self.rule in record.rule
            if not named:
                return f"{verdict} for the wrong rule: expected {self.rule!r}, got {got}"
        return None

    def after_problem(self, record: Any) -> str | None:
        """What only the finished record shows: its warnings and its trace."""
        if record is None:
            return "the harness kept no record of the case"
        if self.verdict == "passed" and self.warnings is not None:
            rules = tuple(w.rule for w in record.warnings if w.kind.strict_fails)
            if rules != self.warnings:
                shown = [w.line() for w in record.warnings]
                return f"expected warnings {list(self.warnings)}, got {shown}"
        elif (
            self.schema_marks_frame
            and (record.rule or "").startswith("schema:")
            and not any(entry.get("failing") for entry in record.trace)
        ):
            return "a schema failure must mark the failing frame in the trace"
        if self.notes is not None:
            notes = tuple(w.rule for w in record.warnings if not w.kind.strict_fails)
            if notes != self.notes:
                shown = [w.line() for w in record.warnings]
                return f"expected notes {list(self.notes)}, got {shown}"
        if self.check is not None:
            try:
                self.check(record.to_json())
            except AssertionError as error:
                return f"check {self.check.__qualname__} failed: {error}"
            except Exception as error:  # a broken check is reported as this item's problem
                return f"check {self.check.__qualname__} raised {type(error).__name__}: {error}"
        return None

    def _rule_text(self) -> str:
        return f" naming {self.rule!r}" if self.rule else ""


#: passed, with no warning of any kind (notes included)
CLEAN = Expectation("passed", notes=())


def matrix_item(value: Any, info: Any, item_id: str, expected: Expectation, **sim: Any) -> Any:
    """One matrix item (a ``pytest.param`` of ``value``): case ``info``, its simulator
    set-up (no defect and no option unless given, so the run's own --sim-defect never
    leaks in; ``strict``, ``connector_report`` as :class:`harness.environment.CaseSetup`)
    and the verdict it must get."""
    return pytest.param(
        value,
        marks=[
            pytest.mark.ocpp_testcase(info),
            pytest.mark.ocpp_sim(**{"defects": (), "options": (), **sim}),
            pytest.mark.selftest_expect(expected),
        ],
        id=item_id,
    )


def by_id(*cases: Any) -> dict[str, Any]:
    """Case functions (``@testcase``) by their case id."""
    return {case.ocpp_testcase.id: case for case in cases}


def case_item(case: Any, item_id: str, expected: Expectation, **sim: Any) -> Any:
    """A matrix item of a case function (``@testcase``), which is the item's value."""
    return matrix_item(case, case.ocpp_testcase, item_id, expected, **sim)


def defect_items(
    cases: Mapping[str, Any], proofs: Mapping[str, tuple[str, str]], *, strict: bool = False
) -> list[Any]:
    """An item per defect of ``proofs`` (defect -> (case id, rule)), named by the defect
    (and ``-strict``): its case of ``cases`` fails against it, naming exactly that rule."""
    return [
        case_item(
            cases[case_id],
            f"{defect}-strict" if strict else defect,
            Expectation("failed", rule, exact_rule=True),
            defects=(defect,),
            strict=strict,
        )
        for defect, (case_id, rule) in sorted(proofs.items())
    ]


@functools.cache
def _embedded(kind: str, version: str) -> Any:
    return next(p for p in embedded_profiles() if p.kind == kind and p.ocpp.value == version)


def applies_to_the_simulator(info: Any, options: tuple[str, ...] = ()) -> bool:
    """Whether case ``info`` runs against the embedded simulator with ``options`` on (the
    features they make it declare meet its conditions); False for options no device
    can have together."""
    return applies_with_options(info, _embedded(info.dut_kind, info.ocpp.value), options)


#: simulator_variant's answers by (case id, OCPP version): a case's metadata is not
#: hashable
_VARIANTS: dict[tuple[str, str], tuple[str, ...] | None] = {}


def simulator_variant(info: Any) -> tuple[str, ...] | None:
    """The options that make the embedded simulator a device case ``info`` applies to
    (:func:`harness.environment.simulator_variant`): none for most cases."""
    key = (info.id, info.ocpp.value)
    if key not in _VARIANTS:
        _VARIANTS[key] = find_variant(info, _embedded(info.dut_kind, info.ocpp.value))
    return _VARIANTS[key]


def run_catalog_case(function: Any, request: pytest.FixtureRequest) -> None:
    """Run a catalog case's body with the harness fixtures it names."""
    names = inspect.signature(function).parameters
    function(**{name: request.getfixturevalue(name) for name in names})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "selftest_expect(expectation): the verdict a catalog case must get"
    )


def _judge(report: pytest.TestReport, problem: str | None, nodeid: str) -> None:
    # this item's outcome is the judgement of the self-test, not the DUT's verdict:
    # pytest's counters must not follow the verdict here (harness.plugin's teststatus)
    report.ocpp_verdict = ""  # type: ignore[attr-defined]
    if problem is None:
        report.outcome = "passed"
        report.longrepr = None
    else:
        report.outcome = "failed"
        report.longrepr = f"{nodeid}: {problem}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    marker = item.get_closest_marker("selftest_expect")
    if marker is None:
        return report
    expected: Expectation = marker.args[0]
    record = getattr(report, "ocpp_record", None)
    if report.when == "call":
        _judge(report, expected.verdict_problem(record), item.nodeid)
    elif report.when == "teardown":
        problem = expected.after_problem(record)
        if problem is not None or report.outcome != "passed":
            _judge(report, problem or str(report.longrepr), item.nodeid)
        # The harness's own verdict summary is about DUTs, not about this matrix.
        run = run_record(item.config)
        if run is not None and record in run.cases:
            run.cases.remove(record)
    return report
