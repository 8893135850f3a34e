"""``report diff``: the CI regression gate.

The gate fails a build, so every transition is pinned down here, as are the exact lines a
CI log shows and the one-line errors for files that are not reports. The reports are built
by hand, minimal but valid against ``schemas/report.schema.json`` (checked on every build),
so that a schema change that the diff does not follow shows up here. The gate on two
real runs is tests/test_cli.py's (the runs are the command line's).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from harness.report.diff import (
    ABSENT,
    EXIT_INPUT,
    EXIT_NO_REGRESSION,
    EXIT_REGRESSION,
    ReportDiff,
    add_report_subparser,
    diff_reports,
    is_regression,
    render_text,
    run_report,
)
from tests.helpers import validate_report

CS, CSMS = "charging-station", "csms"


# --------------------------------------------------------------------------- builders


def _case(
    case_id: str,
    verdict: str,
    *,
    ocpp: str = "2.0.1",
    kind: str = CS,
    reason: str | None = None,
    rule: str | None = None,
) -> dict[str, Any]:
    if reason is None:
        reason = "" if verdict == "passed" else f"{case_id} {verdict}"
    if rule is None:
        rule = {"passed": "", "failed": "B01.FR.01", "error": "harness/setup"}.get(
            verdict, "feature"
        )
    return {
        "id": case_id,
        "title": f"title of {case_id}",
        "ocpp": ocpp,
        "dut_kind": kind,
        "verdict": verdict,
        "reason": reason,
        "rule": rule,
        "duration_s": 0.01,
        "trace": [],
    }


def _dut(kind: str = CS, ocpp: str = "2.0.1", identity: str = "SIM-CS-201") -> dict[str, Any]:
    return {"dut": {"kind": kind, "ocpp": ocpp, "identity": identity}, "control": {}}


def _report(
    *cases: dict[str, Any],
    complete: bool = True,
    duts: list[dict[str, Any]] | None = None,
    **run: Any,
) -> dict[str, Any]:
    counts = {verdict: 0 for verdict in ("passed", "failed", "error", "skipped")}
    for case in cases:
        counts[case["verdict"]] += 1
    report = {
        "format": "ocpp-harness-report/1",
        "complete": complete,
        "run": {
            "harness_version": "0.1.0",
            "started": "2026-01-01T00:00:00Z",
            "duts": [_dut()] if duts is None else duts,
            **run,
        },
        "summary": {**counts, "total": len(cases)},
        "cases": list(cases),
    }
    validate_report(report)
    return report


def _old_new(old: str | None, new: str | None, case_id: str = "TC_B_01_CS") -> ReportDiff:
    before = [_case(case_id, old)] if old else []
    after = [_case(case_id, new)] if new else []
    return diff_reports(_report(*before), _report(*after))


def _lists(diff: ReportDiff) -> dict[str, int]:
    names = ("regressions", "fixes", "still_failing", "now_skipped", "now_passing")
    counts = {name: len(getattr(diff, name)) for name in (*names, "added", "removed")}
    counts["unchanged"] = diff.unchanged_count
    return {name: count for name, count in counts.items() if count}


# --------------------------------------------------------------------------- transitions


@pytest.mark.parametrize(
    ("old", "new", "where", "gate"),
    [
        ("passed", "failed", "regressions", True),
        ("passed", "error", "regressions", True),
        ("skipped", "failed", "regressions", True),
        ("skipped", "error", "regressions", True),
        ("failed", "passed", "fixes", False),
        ("error", "passed", "fixes", False),
        ("failed", "failed", "still_failing", False),
        ("error", "failed", "still_failing", False),
        ("failed", "error", "still_failing", False),
        ("passed", "skipped", "now_skipped", False),
        ("failed", "skipped", "now_skipped", False),
        ("skipped", "passed", "now_passing", False),
        ("passed", "passed", "unchanged", False),
        ("skipped", "skipped", "unchanged", False),
        (None, "passed", "added", False),
        (None, "failed", "added", False),
        ("passed", None, "removed", True),
        ("failed", None, "removed", False),
        ("skipped", None, "removed", False),
    ],
)
def test_transition(old: str | None, new: str | None, where: str, gate: bool) -> None:
    diff = _old_new(old, new)
    assert _lists(diff) == {where: 1}
    assert is_regression(diff) is gate
    if where != "unchanged":
        (change,) = getattr(diff, where)
        assert (change.old_verdict, change.new_verdict) == (old or ABSENT, new or ABSENT)
        assert change.key == ("TC_B_01_CS", "2.0.1", CS)


@pytest.mark.parametrize(
    "other",
    [{"kind": CSMS}, {"ocpp": "1.6"}],
    ids=["other-kind", "other-version"],
)
def test_same_id_other_dut_is_another_case(other: dict[str, str]) -> None:
    old = _report(_case("TC_B_01_CS", "failed"))
    new = _report(_case("TC_B_01_CS", "passed", **other))
    diff = diff_reports(old, new)
    assert _lists(diff) == {"added": 1, "removed": 1}
    assert diff.fixes == []


def test_same_id_in_two_versions_each_compared_with_its_own() -> None:
    old = _report(_case("TC_B_01_CS", "passed", ocpp="1.6"), _case("TC_B_01_CS", "failed"))
    new = _report(_case("TC_B_01_CS", "failed", ocpp="1.6"), _case("TC_B_01_CS", "passed"))
    diff = diff_reports(old, new)
    assert [c.key for c in diff.regressions] == [("TC_B_01_CS", "1.6", CS)]
    assert [c.key for c in diff.fixes] == [("TC_B_01_CS", "2.0.1", CS)]


def test_still_failing_notes_what_changed() -> None:
    old = _report(
        _case("A", "failed", rule="B01.FR.01", reason="no boot"),
        _case("B", "failed", rule="B01.FR.01", reason="no boot"),
        _case("C", "error", rule="harness/setup", reason="port busy"),
        _case("D", "failed", rule="B01.FR.01", reason="no boot"),
    )
    new = _report(
        _case("A", "failed", rule="B01.FR.05", reason="no boot"),
        _case("B", "failed", rule="B01.FR.01", reason="boot too late"),
        _case("C", "failed", rule="harness/setup", reason="port busy"),
        _case("D", "failed", rule="B01.FR.01", reason="no boot"),
    )
    notes = {change.id: change.note for change in diff_reports(old, new).still_failing}
    assert notes == {
        "A": "rule changed, was B01.FR.01",
        "B": "reason changed, was: no boot",
        "C": "verdict changed, was error",
        "D": "",
    }


def test_duplicate_case_keeps_the_worse_verdict_and_warns() -> None:
    old = _report(_case("A", "passed"))
    new = _report(_case("A", "failed"), _case("A", "passed"))
    diff = diff_reports(old, new)
    assert [change.id for change in diff.regressions] == ["A"]
    assert diff.warnings == [
        "new report lists A (2.0.1, charging-station) more than once; the worse counts"
    ]


# --------------------------------------------------------------------------- warnings


def test_incomplete_report_warns() -> None:
    old = _report(_case("A", "passed"))
    new = _report(_case("A", "passed"), complete=False, interrupted=True)
    assert diff_reports(old, new).warnings == [
        "new report is incomplete (complete: false, run interrupted): cases may be missing"
    ]
    assert diff_reports(new, old).warnings == [
        "old report is incomplete (complete: false, run interrupted): cases may be missing"
    ]


def test_other_dut_profiles_warn() -> None:
    old = _report(duts=[_dut(), _dut(CSMS, "1.6", "SIM-CSMS-16")])
    new = _report(duts=[_dut(identity="CS-2"), _dut(CSMS, "1.6", "SIM-CSMS-16")])
    assert diff_reports(old, new).warnings == [
        "DUT profiles differ: only in old: charging-station 2.0.1 SIM-CS-201; "
        "only in new: charging-station 2.0.1 CS-2"
    ]


def test_profile_order_and_other_profile_fields_do_not_warn() -> None:
    first, second = _dut(), _dut(CSMS, "1.6", "SIM-CSMS-16")
    changed = _dut()
    changed["control"] = {"adapter": "manual"}
    old, new = _report(duts=[first, second]), _report(duts=[second, changed])
    assert diff_reports(old, new).warnings == []


def test_other_format_warns() -> None:
    old, new = _report(), _report()
    new["format"] = "ocpp-harness-report/2"
    assert diff_reports(old, new).warnings == [
        "report formats differ: old ocpp-harness-report/1, new ocpp-harness-report/2"
    ]


def test_sim_defects_and_harness_version_warn() -> None:
    old = _report()
    new = _report(sim_defects=["boot-omits-model"], harness_version="0.2.0")
    assert diff_reports(old, new).warnings == [
        "simulator defects differ: old none, new boot-omits-model",
        "harness versions differ: old 0.1.0, new 0.2.0; a verdict change may come from the harness",
    ]


# --------------------------------------------------------------------------- text


def test_text_report_exact_lines() -> None:
    old = _report(
        _case("TC_REG", "passed"),
        _case("TC_FIX", "failed", reason="no reply", rule="B01.FR.05"),
        _case("TC_STILL", "failed", reason="bad status", rule="B01.FR.01"),
        _case("TC_SKIP", "passed"),
        _case("TC_GONE", "passed"),
        _case("TC_SAME", "passed"),
        _case("TC_B_01_CS", "passed", ocpp="1.6"),
    )
    new = _report(
        _case("TC_REG", "failed", reason="sent an invalid\nBootNotification", rule="schema:X:y"),
        _case("TC_FIX", "passed"),
        _case("TC_STILL", "failed", reason="bad status", rule="B01.FR.02"),
        _case("TC_SKIP", "skipped", reason="feature not declared", rule=""),
        _case("TC_NEW", "error", kind=CSMS, reason="port busy", rule="harness/setup"),
        _case("TC_SAME", "passed"),
        _case("TC_B_01_CS", "passed", ocpp="1.6"),
    )
    text = render_text(diff_reports(old, new), "old.json", "new.json")
    assert text.splitlines() == [
        "report diff old.json -> new.json: 1 regression, 1 fix, 1 still failing, "
        "1 now skipped, 0 now passing, 1 added, 1 removed, 2 unchanged",
        "",
        "Regressions (1):",
        "  TC_REG (2.0.1, charging-station): passed -> failed — sent an invalid "
        "BootNotification [schema:X:y]",
        "",
        "Fixes (1):",
        "  TC_FIX (2.0.1, charging-station): failed -> passed — no reply [B01.FR.05]",
        "",
        "Still failing (1):",
        "  TC_STILL (2.0.1, charging-station): failed -> failed — bad status [B01.FR.02] "
        "(rule changed, was B01.FR.01)",
        "",
        "Now skipped (1):",
        "  TC_SKIP (2.0.1, charging-station): passed -> skipped — feature not declared",
        "",
        "Added (1):",
        "  TC_NEW (2.0.1, csms): absent -> error — port busy [harness/setup]",
        "",
        "Removed (1):",
        "  TC_GONE (2.0.1, charging-station): passed -> absent",
        "",
        "regression: 2 case(s) got worse",
    ]
    assert text.endswith("got worse\n")


def test_text_report_without_changes() -> None:
    report = _report(_case("A", "passed"), complete=False)
    text = render_text(diff_reports(report, report), "a", "b")
    assert text.splitlines() == [
        "report diff a -> b: 0 regressions, 0 fixes, 0 still failing, 0 now skipped, "
        "0 now passing, 0 added, 0 removed, 1 unchanged",
        "warning: old report is incomplete (complete: false, run unfinished): cases may be missing",
        "warning: new report is incomplete (complete: false, run unfinished): cases may be missing",
        "",
        "no regression",
    ]


def test_long_reason_is_cut_to_one_line() -> None:
    new = _report(_case("TC_B_01_CS", "failed", reason="x" * 1000 + "\r\ny", rule="r"))
    diff = diff_reports(_report(_case("TC_B_01_CS", "passed")), new)
    text = render_text(diff, "a", "b")
    (line,) = [line for line in text.splitlines() if "TC_B" in line]
    assert line.endswith("x… [r]")
    assert len(line) < 320


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocpp-harness")
    add_report_subparser(parser.add_subparsers(dest="command", required=True))
    return parser


def _write(path: Path, report: Any) -> str:
    path.write_text(report if isinstance(report, str) else json.dumps(report))
    return str(path)


def _diff(*argv: str) -> int:
    return run_report(_parser().parse_args(["report", "diff", *argv]))


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("passed", "passed", EXIT_NO_REGRESSION),
        ("failed", "passed", EXIT_NO_REGRESSION),
        ("passed", "skipped", EXIT_NO_REGRESSION),
        ("passed", "failed", EXIT_REGRESSION),
        ("skipped", "error", EXIT_REGRESSION),
        ("passed", None, EXIT_REGRESSION),
    ],
)
def test_exit_codes(tmp_path: Path, capsys: Any, old: str, new: str | None, code: int) -> None:
    old_file = _write(tmp_path / "old.json", _report(_case("A", old)))
    new_file = _write(tmp_path / "new.json", _report(*([_case("A", new)] if new else [])))
    assert _diff(old_file, new_file) == code
    out, err = capsys.readouterr()
    assert err == ""
    last = "no regression" if code == EXIT_NO_REGRESSION else "regression: 1 case(s) got worse"
    assert out.splitlines()[-1] == last


def test_json_format(tmp_path: Path, capsys: Any) -> None:
    old_file = _write(tmp_path / "old.json", _report(_case("A", "passed")))
    new_file = _write(tmp_path / "new.json", _report(_case("A", "error", rule="harness/setup")))
    assert _diff(old_file, new_file, "--format", "json") == EXIT_REGRESSION
    out = json.loads(capsys.readouterr().out)
    assert (out["old"], out["new"], out["regression"], out["worse"]) == (
        old_file,
        new_file,
        True,
        1,
    )
    assert out["counts"]["regressions"] == 1
    (change,) = out["regressions"]
    assert (change["id"], change["old_verdict"], change["new_verdict"], change["rule"]) == (
        "A",
        "passed",
        "error",
        "harness/setup",
    )


def test_incomplete_report_warning_in_the_log(tmp_path: Path, capsys: Any) -> None:
    old_file = _write(tmp_path / "old.json", _report(_case("A", "passed")))
    new_file = _write(tmp_path / "new.json", _report(_case("A", "passed"), complete=False))
    assert _diff(old_file, new_file) == EXIT_NO_REGRESSION
    assert (
        "warning: new report is incomplete (complete: false, run unfinished): "
        "cases may be missing" in capsys.readouterr().out.splitlines()
    )


_NOT_A_REPORT = json.dumps({"format": "ocpp-harness-report/1", "complete": True})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ('{"cases": [', "not JSON (line 1, column 12: Expecting value)"),
        (b"\xff\xfe{}", "not JSON (not UTF-8 text)"),
        (_NOT_A_REPORT, "not a valid ocpp-harness report: $: 'run' is a required property"),
        ("[1, 2]", "not an ocpp-harness report (a JSON array, not an object)"),
        ('{"junit": true}', 'not an ocpp-harness report (no "format" key)'),
        (
            '{"format": "ocpp-harness-report/2"}',
            "unsupported report format 'ocpp-harness-report/2' (expected ocpp-harness-report/1)",
        ),
    ],
    ids=["missing", "bad-json", "not-utf8", "not-report", "array", "no-format", "other-format"],
)
@pytest.mark.parametrize("side", ["old", "new"])
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: Any, side: str, content: str | bytes | None, message: str
) -> None:
    good = _write(tmp_path / "good.json", _report(_case("A", "passed")))
    bad = tmp_path / "bad.json"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content is not None:
        bad.write_text(content)
    argv = (str(bad), good) if side == "old" else (good, str(bad))
    assert _diff(*argv) == EXIT_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"ocpp-harness report diff: {bad}: {message}\n"


def test_case_with_a_bad_verdict_is_not_a_report(tmp_path: Path, capsys: Any) -> None:
    report = _report(_case("A", "passed"))
    report["cases"][0]["verdict"] = "passd"
    bad = _write(tmp_path / "bad.json", report)
    assert _diff(bad, bad) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"ocpp-harness report diff: {bad}: not a valid ocpp-harness report: ")
    assert "$.cases[0].verdict" in err


def test_usage_error_exits_2(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["report", "diff", "only-one.json"])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- warnings axis


def test_a_new_named_warning_is_listed_but_not_a_regression() -> None:
    old = _case("TC_B_20_CS", "passed")
    new = _case("TC_B_20_CS", "passed")
    new["warnings"] = [
        {"kind": "beyond-octt", "rule": "B01.FR.09", "reason": "reason PowerUp"},
        {"kind": "note", "rule": "ocppj.error-code", "reason": "a note is not listed"},
    ]
    diff = diff_reports(_report(old), _report(new))

    assert not is_regression(diff)
    [change] = diff.new_warnings
    assert change.rule == "B01.FR.09"
    text = render_text(diff, "old", "new")
    assert "New warnings (a --strict run fails these) (1):" in text
    assert text.splitlines()[-1] == "no regression"
    # the same warning in both reports is not new
    assert diff_reports(_report(new), _report(new)).new_warnings == []
