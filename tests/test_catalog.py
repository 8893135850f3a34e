"""Every catalog case can pass and can fail.

A case passes against the conformant simulators and fails, naming the stated rule,
against every simulator defect in its ``catches``. A case that cannot fail is a defect
of the catalog, so a case without ``catches`` fails here too. A defect in a case's
``warns`` breaks a rule the case checks beyond OCTT: the case passes with a named
warning for that rule, and fails for it with ``--strict``. A case that fails a legal
device is a defect too: every simulator option (a freedom the specification gives)
must pass every case it concerns. A case of the branch of a Part 5 condition the
embedded device is not on (reset per EVSE, a UI) runs, in every item, on the simulator
set up as a device of that branch (an option with ``features``).

The matrix runs in this process (:mod:`tests.matrix`): one item per case and
set-up, each with a fresh simulator given its defect or option by the ``ocpp_sim``
marker, judged by the verdict it must get. A few end-to-end samples still go through
the real command line (``python -m harness.cli run``) in a subprocess.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest

from harness.cli import catalog_functions
from harness.sim.defects import defects_for, get_defect
from harness.sim.options import OPTIONS
from tests.helpers import html_rows, run_cli
from tests.matrix import (
    Expectation,
    applies_to_the_simulator,
    matrix_item,
    run_catalog_case,
    simulator_variant,
)
from tests.test_local_tokens import DEFECTS_NEED_LOCAL_TOKENS
from tests.test_two_evses import DEFECTS_NEED_TWO_EVSES

FUNCTIONS = {function.ocpp_testcase.id: function for function in catalog_functions()}
#: every case (one Part 6 runs only with two EVSEs or more runs on the simulator's
#: two-evses variation, as simulator_variant finds)
CASES = [function.ocpp_testcase for function in FUNCTIONS.values()]
SIDE = {"charging-station": "station", "csms": "csms"}

#: bound for one catalog run in a subprocess (the embedded timeouts are seconds)
RUN_TIMEOUT = 240


def _expected_rule(info, defect: str) -> str:
    stated = info.catches[defect]
    if stated is not None:
        return stated
    return get_defect(SIDE[info.dut_kind], defect).rule_for(info.ocpp.value)


def _warned_rule(info, defect: str) -> str:
    stated = info.warns[defect]
    return (
        stated
        if stated is not None
        else get_defect(SIDE[info.dut_kind], defect).rule_for(info.ocpp.value)
    )


def _item(info, item_id: str, expected: Expectation, **sim):
    """An item of ``info`` on the simulator set up as a device the case applies to
    (:func:`simulator_variant`; a case no set-up meets runs plain and is judged
    skipped, which fails its pass item), with ``sim``'s options on top."""
    variant = simulator_variant(info) or ()
    options = tuple(dict.fromkeys((*variant, *sim.pop("options", ()))))
    return matrix_item(info, info, item_id, expected, options=options, **sim)


PASS = Expectation("passed")
#: a legal variation passes; OCTT may be stricter than the specification about it, which
#: is a warning (TC_B_58_CSMS's own sample below pins that one)
PASS_ANY_WARNING = Expectation("passed", warnings=None)


@pytest.mark.parametrize("info", [_item(info, info.id, PASS) for info in CASES])
def test_case_passes_against_conformant_simulator(info, request):
    """Passes, and with no warning: the conformant simulators break no rule."""
    run_catalog_case(FUNCTIONS[info.id], request)


#: options only the cases that start the station themselves (``starts_with``) can meet:
#: the others find no station, which tests/test_one_shot.py shows
STARTED_BY_THE_CASE = {"off-until-started"}


def _concerns(option: str, info) -> bool:
    """The option applies to the case's simulator, it can change the case's verdict
    (``SimOption.concerns``), and the case still applies to a device with it (a
    variation of what the device has takes some cases out)."""
    if not OPTIONS[option].applies_to(SIDE[info.dut_kind], info.ocpp.value):
        return False
    if option in STARTED_BY_THE_CASE and info.starts_with is None:
        return False
    variant = simulator_variant(info) or ()
    if option not in variant and not OPTIONS[option].concerns_case(info.id):
        return False
    return applies_to_the_simulator(info, (*variant, option))


#: every legal variation the simulators can show, with the cases it concerns
OPTION_ITEMS = [
    _item(info, f"{info.id}-{option}", PASS_ANY_WARNING, options=(option,))
    for option in sorted(OPTIONS)
    for info in CASES
    if _concerns(option, info)
]


@pytest.mark.parametrize("info", OPTION_ITEMS)
def test_case_passes_a_legal_variation(info, request):
    """A case that fails a legal device is a defect: each simulator option is a freedom
    the specification gives, and every case it concerns must pass with it on."""
    run_catalog_case(FUNCTIONS[info.id], request)


CSMS_CASES = [info for info in CASES if info.dut_kind == "csms" and info.ocpp.value != "1.6"]


@pytest.mark.parametrize(
    "info",
    [_item(info, info.id, PASS, connector_report="notify-event") for info in CSMS_CASES],
)
def test_csms_case_passes_with_the_station_reporting_by_notify_event(info, request):
    """OCTT's station reports connectors by StatusNotification or NotifyEvent; a CSMS
    case must work with both (the harness's station switches with --connector-report)."""
    run_catalog_case(FUNCTIONS[info.id], request)


@pytest.mark.parametrize(
    "info",
    [
        _item(
            info,
            f"{info.id}-{defect}",
            Expectation("failed", _expected_rule(info, defect)),
            defects=(defect,),
        )
        for info in CASES
        for defect in info.catches
        if (info.id, defect) not in DEFECTS_NEED_TWO_EVSES | DEFECTS_NEED_LOCAL_TOKENS
    ],
)
def test_case_fails_against_its_defect(info, request):
    """Fails, naming the stated rule; a schema failure marks its frame."""
    run_catalog_case(FUNCTIONS[info.id], request)


def _warned_items(*, strict: bool) -> list:
    """A defect in a case's ``warns``: passes with that warning, or fails when strict."""
    items = []
    for info in CASES:
        for defect in info.warns:
            rule = _warned_rule(info, defect)
            expected = (
                Expectation("failed", rule) if strict else Expectation("passed", warnings=(rule,))
            )
            items.append(
                _item(info, f"{info.id}-{defect}", expected, defects=(defect,), strict=strict)
            )
    return items


@pytest.mark.parametrize("info", _warned_items(strict=False))
def test_case_warns_about_its_defect(info, request):
    """A rule checked beyond OCTT: the case passes with exactly that named warning."""
    run_catalog_case(FUNCTIONS[info.id], request)


@pytest.mark.parametrize("info", _warned_items(strict=True))
def test_case_fails_for_its_warning_when_strict(info, request):
    """With --strict, the same warning is the failing verdict, naming its rule."""
    run_catalog_case(FUNCTIONS[info.id], request)


# -- end-to-end samples through the command line -------------------------------------


@functools.cache
def _run(
    defect: str | None, ids: tuple[str, ...], strict: bool = False, option: str | None = None
) -> dict[str, dict]:
    args = ["run"]
    for case_id in ids:
        args += ["--case", case_id]
    if defect:
        args += ["--sim-defect", defect]
    if strict:
        args.append("--strict")
    if option:
        args += ["--sim-option", option]
    report_dir = Path(tempfile.mkdtemp(prefix="ocpp-selftest-"))
    done = run_cli(*args, report_dir=report_dir, timeout=RUN_TIMEOUT)
    assert done.report is not None, f"no report.json; exit {done.code}\n{done.stdout[-3000:]}"
    return {case["id"]: case | {"exit": done.code} for case in done.report["cases"]}


@pytest.mark.parametrize("info", CASES, ids=[info.id for info in CASES])
def test_case_applies_to_some_set_up_of_the_simulator(info):
    """A case no simulated device meets the Part 5 condition of is skipped by every
    self-test, so nothing would show it can pass or fail: one of the simulator's
    variations of what a device has must make it apply."""
    assert simulator_variant(info) is not None, (
        f"{info.id}: no set-up of the simulated {SIDE[info.dut_kind]} meets its conditions; "
        "give the simulator an option with the features it needs (SimOption.features)"
    )


@pytest.mark.parametrize("info", CASES, ids=[info.id for info in CASES])
def test_case_declares_defects_it_catches(info):
    assert info.catches, f"{info.id} has no catches: a case that cannot fail is a defect"
    known = defects_for(SIDE[info.dut_kind], info.ocpp.value)
    for defect in (*info.catches, *info.warns):
        assert defect in known, (
            f"{info.id}: {defect!r} is not a {SIDE[info.dut_kind]} defect for OCPP "
            f"{info.ocpp.value}"
        )


def test_catalog_spans_versions_and_kinds():
    kinds = {(info.ocpp.value, info.dut_kind) for info in CASES}
    assert kinds >= {
        ("1.6", "charging-station"),
        ("1.6", "csms"),
        ("2.0.1", "charging-station"),
        ("2.0.1", "csms"),
    }
    assert len({info.id for info in CASES}) == len(CASES), "case ids are unique"


def _set_variables_was_tested(case: dict) -> None:
    """The SetVariables of step 1-2 went out and its check ran, whatever the reads did."""
    calls = [s for s in case["steps"] if s["kind"] == "call" and s.get("table_step") == "1-2"]
    assert calls and calls[0]["what"].startswith("SetVariables"), case["steps"]


@pytest.mark.parametrize(
    "info",
    [
        # A station whose GetVariables is broken is still tested on SetVariables (issue
        # 10 item 6): the read before and the read back are beyond Part 6, so each is a
        # named warning, and the case goes on to step 1-2.
        _item(
            FUNCTIONS["TC_B_09_CS"].ocpp_testcase,
            "TC_B_09_CS-get-variables-broken",
            Expectation(
                "passed", warnings=("B06.FR.02", "B06.FR.02"), check=_set_variables_was_tested
            ),
            defects=("get-variables-wrong-component",),
        ),
        # ... and fails it when SetVariables is broken too, for the SetVariables rule.
        _item(
            FUNCTIONS["TC_B_09_CS"].ocpp_testcase,
            "TC_B_09_CS-get-and-set-variables-broken",
            Expectation("failed", "B05.FR.03", exact_rule=True, check=_set_variables_was_tested),
            defects=("get-variables-wrong-component", "set-variables-wrong-attribute-type"),
        ),
    ],
)
def test_tc_b_09_cs_tests_set_variables_whatever_get_variables_does(info, request):
    run_catalog_case(FUNCTIONS[info.id], request)


def test_b58_a_csms_that_keeps_an_unasked_upgrade_open_fails_within_the_response_timeout():
    """Part 4 §3.2: upgraded without a subprotocol, the CSMS must close at once; the
    harness gives it the response timeout (2 s embedded), not the connect timeout."""
    case = _run("upgrades-without-subprotocol-keeps-open", ("TC_B_58_CSMS",))["TC_B_58_CSMS"]
    assert case["verdict"] == "failed" and case["rule"] == "OCPP-J 3.2", case["reason"]
    [probe, *_] = [s for s in case["steps"] if s["kind"] == "handshake"]
    assert probe["duration_s"] <= 2 + 2, probe


def test_b58_upgrade_then_close_is_an_octt_warning():
    case = _run(None, ("TC_B_58_CSMS",), option="unknown-subprotocol-upgrade-then-close")[
        "TC_B_58_CSMS"
    ]
    assert case["verdict"] == "passed", case["reason"]
    assert [(w["kind"], w["rule"]) for w in case["warnings"]] == [("octt-stricter", "OCPP-J 3.2")]


def test_a_failure_names_the_part6_step_it_happened_in(tmp_path):
    """End to end: report.json says which step of the case's Part 6 table failed (and
    which table step each script step belongs to); report.html says "at step 11-12"."""
    done = run_cli(
        "run",
        "--case",
        "TC_B_02_CS",
        "--sim-defect",
        "remote-start-while-pending",
        report_dir=tmp_path,
    )
    case = done.case("TC_B_02_CS")
    assert (case["verdict"], case["rule"], case["table_step"]) == (
        "failed",
        "B02.FR.05",
        "11-12",
    ), case["reason"]
    # the script's last steps: the call, and the check of its answer that broke the rule
    call, check = case["steps"][-2:]
    assert (call["kind"], call["outcome"], call["table_step"]) == ("call", "ok", "11-12")
    assert (check["kind"], check["outcome"], check["table_step"]) == ("check", "failed", "11-12")
    assert check["rule"] == "B02.FR.05"
    assert check["what"] == 'RequestStartTransaction response {"status": "Rejected"}'
    assert {s.get("table_step") for s in case["steps"]} >= {"1-2", "3-4", "11-12"}
    assert "at step 11-12" in html_rows((tmp_path / "report.html").read_text())
