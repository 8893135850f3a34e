"""Every catalog case can pass and can fail.

A case passes against the conformant simulators and fails, naming the stated rule,
against every simulator defect in its ``catches``. A case that cannot fail is a defect
of the catalog, so a case without ``catches`` fails here too. A defect in a case's
``warns`` breaks a rule the case checks beyond OCTT: the case passes with a named
warning for that rule, and fails for it with ``--strict``.

Runs go through the real command line (``python -m harness.cli run``) in a subprocess,
one run for the conformant simulators and one per defect, each selecting exactly the
cases concerned; their report.json files are the evidence.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from harness.cli import catalog_cases
from harness.sim.defects import defects_for, get_defect
from harness.sim.options import OPTIONS
from tests.helpers import validate_report

CASES = catalog_cases()
SIDE = {"charging-station": "station", "csms": "csms"}

#: bound for one catalog run in a subprocess (the embedded timeouts are seconds)
RUN_TIMEOUT = 240


def _expected_rule(info, defect: str) -> str:
    stated = info.catches[defect]
    if stated is not None:
        return stated
    return get_defect(SIDE[info.dut_kind], defect).rule_for(info.ocpp.value)


@functools.cache
def _run(
    defect: str | None, ids: tuple[str, ...], strict: bool = False, option: str | None = None
) -> dict[str, dict]:
    report_dir = Path(tempfile.mkdtemp(prefix="ocpp-selftest-"))
    command = [sys.executable, "-m", "harness.cli", "run", "--report-dir", str(report_dir)]
    for case_id in ids:
        command += ["--case", case_id]
    if defect:
        command += ["--sim-defect", defect]
    if strict:
        command.append("--strict")
    if option == "harness-notify-event":  # the harness's own station, not a simulator's
        command += ["--connector-report", "notify-event"]
    elif option:
        command += ["--sim-option", option]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    report = report_dir / "report.json"
    assert report.exists(), f"no report.json; exit {done.returncode}\n{done.stdout[-3000:]}"
    data = json.loads(report.read_text())
    validate_report(data)
    return {case["id"]: case | {"exit": done.returncode} for case in data["cases"]}


def _conformant() -> dict[str, dict]:
    return _run(None, tuple(sorted(info.id for info in CASES)))


def _with_defect(defect: str) -> dict[str, dict]:
    ids = tuple(sorted(info.id for info in CASES if defect in info.catches))
    return _run(defect, ids)


@pytest.mark.parametrize("info", CASES, ids=[info.id for info in CASES])
def test_case_passes_against_conformant_simulator(info):
    case = _conformant()[info.id]
    assert case["verdict"] == "passed", f"{info.id}: {case['verdict']}: {case['reason']}"


#: every legal variation the simulators can show, with the cases it concerns
OPTION_PAIRS = [
    (info, option)
    for option in sorted(OPTIONS)
    for info in CASES
    if OPTIONS[option].applies_to(SIDE[info.dut_kind], info.ocpp.value)
]


@pytest.mark.parametrize(
    "info,option", OPTION_PAIRS, ids=[f"{info.id}-{option}" for info, option in OPTION_PAIRS]
)
def test_case_passes_a_legal_variation(info, option):
    """A case that fails a legal device is a defect: each simulator option is a freedom
    the specification gives, and every case it concerns must pass with it on."""
    ids = tuple(sorted(i.id for i, o in OPTION_PAIRS if o == option))
    case = _run(None, ids, option=option)[info.id]
    assert case["verdict"] == "passed", (
        f"{info.id} with option {option}: {case['verdict']}: {case['reason']} [{case['rule']}]"
    )


CSMS_CASES = [info for info in CASES if info.dut_kind == "csms" and info.ocpp.value != "1.6"]


@pytest.mark.parametrize("info", CSMS_CASES, ids=[info.id for info in CSMS_CASES])
def test_csms_case_passes_with_the_station_reporting_by_notify_event(info):
    """OCTT's station reports connectors by StatusNotification or NotifyEvent; a CSMS
    case must work with both (the harness's station switches with --connector-report)."""
    ids = tuple(sorted(i.id for i in CSMS_CASES))
    case = _run(None, ids, option="harness-notify-event")[info.id]
    assert case["verdict"] == "passed", f"{info.id}: {case['verdict']}: {case['reason']}"


PAIRS = [(info, defect) for info in CASES for defect in info.catches]


@pytest.mark.parametrize(
    "info,defect", PAIRS, ids=[f"{info.id}-{defect}" for info, defect in PAIRS]
)
def test_case_fails_against_its_defect(info, defect):
    case = _with_defect(defect)[info.id]
    expected = _expected_rule(info, defect)
    assert case["verdict"] == "failed", (
        f"{info.id} with {defect}: {case['verdict']} ({case['reason']})"
    )
    assert expected in case["rule"], (
        f"{info.id} with {defect} failed for {case['rule']!r} ({case['reason']}), "
        f"expected rule {expected!r}"
    )
    assert (
        any(entry.get("failing") for entry in case["trace"])
        or case["rule"] in ("timeout",)
        or not case["rule"].startswith("schema:")
    ), "schema failures mark the frame"


WARNED = [(info, defect) for info in CASES for defect in info.warns]


def _warned_rule(info, defect: str) -> str:
    stated = info.warns[defect]
    return (
        stated
        if stated is not None
        else get_defect(SIDE[info.dut_kind], defect).rule_for(info.ocpp.value)
    )


@pytest.mark.parametrize(
    "info,defect", WARNED, ids=[f"{info.id}-{defect}" for info, defect in WARNED]
)
def test_case_warns_about_its_defect_and_fails_when_strict(info, defect):
    ids = tuple(sorted(i.id for i in CASES if defect in i.warns))
    rule = _warned_rule(info, defect)
    lenient = _run(defect, ids)[info.id]
    assert lenient["verdict"] == "passed", (
        f"{info.id} with {defect}: {lenient['verdict']} ({lenient['reason']})"
    )
    assert [w["rule"] for w in lenient["warnings"] if w["kind"] != "note"] == [rule], lenient[
        "warnings"
    ]
    strict = _run(defect, ids, strict=True)[info.id]
    assert strict["verdict"] == "failed" and strict["rule"] == rule, (
        f"{info.id} with {defect} and --strict: {strict['verdict']} {strict['rule']} "
        f"({strict['reason']})"
    )


def test_conformant_simulators_give_no_warnings():
    warned = {
        case_id: case["warnings"]
        for case_id, case in _conformant().items()
        if any(w["kind"] != "note" for w in case["warnings"])
    }
    assert warned == {}


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


def test_b58_a_csms_that_keeps_an_unasked_upgrade_open_fails_within_the_response_timeout():
    """Part 4 §3.2: upgraded without a subprotocol, the CSMS must close at once; the
    harness gives it the response timeout (2 s embedded), not the connect timeout."""
    case = _with_defect("upgrades-without-subprotocol-keeps-open")["TC_B_58_CSMS"]
    assert case["verdict"] == "failed" and case["rule"] == "OCPP-J 3.2", case["reason"]
    [probe, *_] = [s for s in case["steps"] if s["kind"] == "handshake"]
    assert probe["duration_s"] <= 2 + 2, probe


def test_b58_upgrade_then_close_is_an_octt_warning():
    case = _run(None, ("TC_B_58_CSMS",), option="unknown-subprotocol-upgrade-then-close")[
        "TC_B_58_CSMS"
    ]
    assert case["verdict"] == "passed", case["reason"]
    assert [(w["kind"], w["rule"]) for w in case["warnings"]] == [("octt-stricter", "OCPP-J 3.2")]
