"""The command line: list, check-profile, run's reports and exit codes, and the catalog
found from any directory.

``list``, ``check-profile``, ``report diff`` and a ``run`` refused before pytest starts
run ``main`` in this process (:func:`tests.helpers.main_in_process`): they need no
interpreter of their own. A ``run`` that starts pytest is a subprocess, as a user's is;
runs that several tests read (a passing run, a failing run, a run that selects nothing)
are made once per module. (A misspelt --sim-defect or --sim-option is the plugin's
usage error: tests/test_plugin.py; the command line's exit 2 for a usage error of the
plugin is tests/test_report_content.py's unwritable report dir.)
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, CliRun, main_in_process, run_cli

#: a station case and a CSMS case (quick ones): a run of both shows the catalog of both
#: roles found
BOTH_ROLES = ("--case", "TC_B_06_CS", "--case", "TC_B_01_CSMS")


def test_list_json_fields(capsys):
    run = main_in_process(capsys, "list", "--format", "json")
    assert run.code == 0
    cases = json.loads(run.stdout)
    assert len(cases) >= 16
    for case in cases:
        assert {"id", "title", "ocpp", "dut_kind", "block"} <= set(case)
        assert case["dut_kind"] in ("charging-station", "csms")
    ids = {case["id"] for case in cases}
    assert {"TC_B_01_CS", "TC_B_01_CSMS", "TC_001_CS", "TC_019_1_CSMS"} <= ids


def test_list_for_a_profile(capsys):
    run = main_in_process(capsys, "list", "--dut", str(ROOT / "fixtures" / "sim-csms-1.6.toml"))
    assert run.code == 0
    assert "TC_001_CSMS" in run.stdout and "TC_001_CS " not in run.stdout


def test_check_profile_ok(capsys):
    profile = ROOT / "fixtures" / "sim-station-2.0.1.toml"
    run = main_in_process(capsys, "check-profile", str(profile))
    assert run.code == 0
    assert run.stdout.strip().endswith(
        "OK (charging-station, OCPP 2.0.1, identity SIM001, control http)"
    )


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, Path]:
    """A passing run of a case of each role, from a directory that is not the project's,
    of the Part 5 Core profile (both cases are Core cases)."""
    where = tmp_path_factory.mktemp("elsewhere")
    args = ("--profile", "core", *BOTH_ROLES)
    return run_cli("run", *args, report_dir=where / "r", cwd=where), where / "r"


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, Path]:
    """The same cases against a station that sends a frame that is not JSON (a station
    defect: the CSMS case still passes)."""
    report_dir = tmp_path_factory.mktemp("failing") / "r"
    defect = ("--sim-defect", "sends-invalid-json")
    return run_cli("run", *BOTH_ROLES, *defect, report_dir=report_dir), report_dir


def test_run_from_another_directory_writes_three_reports(passing):
    # The catalog ships inside the package: a run from anywhere finds it.
    run, report_dir = passing
    assert run.code == 0, run.stdout[-2000:]
    assert run.report["complete"] is True
    assert run.report["summary"]["passed"] == 2
    assert (report_dir / "report.html").stat().st_size > 0
    suite = ET.parse(report_dir / "junit.xml").getroot()
    assert suite.find(".//testcase") is not None


def test_report_diff_gate_on_real_runs(passing, failing, capsys):
    """The gate on two real runs: the case the defect broke is a regression, named with
    its rule (and the other case is not); the other way round nothing got worse."""
    (good, good_dir), (bad, bad_dir) = passing, failing
    assert (good.code, bad.code) == (0, 1), good.stdout[-2000:] + bad.stdout[-2000:]
    old, new = str(good_dir / "report.json"), str(bad_dir / "report.json")
    regression = main_in_process(capsys, "report", "diff", old, new)
    assert regression.code == 1, regression.stdout
    lines = regression.stdout.splitlines()
    regressions = lines[lines.index("Regressions (1):") + 1]
    assert regressions.startswith("  TC_B_06_CS (2.0.1, charging-station): passed -> failed — ")
    assert regressions.endswith(" [ocppj.not-json]")
    assert lines[-1] == "regression: 1 case(s) got worse"
    fixed = main_in_process(capsys, "report", "diff", new, old)
    assert fixed.code == 0
    assert fixed.stdout.strip().endswith("no regression")


def test_run_exit_code_1_on_failure(failing):
    """End to end: a failed case makes ``run`` exit 1, says so on the terminal, and the
    report is complete (every case has its verdict)."""
    run, _ = failing
    assert run.code == 1
    case = run.case("TC_B_06_CS")
    assert (case["verdict"], case["rule"]) == ("failed", "ocppj.not-json"), case["reason"]
    assert f"FAILED  TC_B_06_CS: {case['reason']} [{case['rule']}]" in run.stdout
    assert run.case("TC_B_01_CSMS")["verdict"] == "passed"
    assert run.report["complete"] is True


def test_the_terminal_speaks_of_cases_and_ends_with_the_verdicts(failing):
    """What a person reads: the failed case by its id, without a traceback or a path
    into the installed package; the last line is the harness's verdicts and the report."""
    run, report_dir = failing
    lines = run.stdout.strip().splitlines()
    assert lines[-1] == f"ocpp-harness: 1 passed, 1 failed; report: {report_dir / 'report.html'}"
    assert lines[-2].startswith("1 failed, 1 passed")  # pytest's counters agree
    assert "TC_B_06_CS failed [ocppj.not-json]" in lines
    assert "Traceback" not in run.stdout and "site-packages" not in run.stdout
    assert "harness/session.py" not in run.stdout
    # one screen for the failed case
    assert len(lines) < 25, run.stdout


@pytest.fixture(scope="module")
def nothing_selected(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, Path]:
    """TC_B_06_CS is a Core case of Part 5, not one of Local Auth List Management: a run
    of that profile and that case has no case to run."""
    report_dir = tmp_path_factory.mktemp("nothing") / "r"
    args = ("--profile", "local-auth-list", "--case", "TC_B_06_CS")
    return run_cli("run", *args, report_dir=report_dir), report_dir


def test_run_with_no_applicable_case_exits_4_and_says_so(nothing_selected):
    """A selection that runs nothing is no pass: exit 4, one line saying so, and the
    report's note (with --allow-empty the same run exits 0)."""
    run, report_dir = nothing_selected
    assert run.code == 4, run.stdout[-2000:]
    assert run.stderr.strip().splitlines()[-1] == (
        "ocpp-harness: the selection ran no case (see the report's note); pass "
        "--allow-empty to accept an empty run"
    )
    assert run.report["complete"] is True
    assert run.report["summary"]["total"] == 0
    assert run.report["note"].startswith("no applicable case")
    assert "No applicable case" in (report_dir / "report.html").read_text()


def test_allow_empty_accepts_a_run_of_no_case(tmp_path):
    args = ("--profile", "local-auth-list", "--case", "TC_B_06_CS", "--allow-empty")
    run = run_cli("run", *args, report_dir=tmp_path / "r")
    assert run.code == 0, run.stderr
    assert run.report["summary"]["total"] == 0


def test_run_profile_selects_the_cases_of_a_certification_profile(
    passing: Any, nothing_selected: Any, tmp_path: Path, capsys: Any
) -> None:
    core, _ = passing
    assert core.code == 0, core.stdout[-2000:]
    assert [c["id"] for c in core.report["cases"]] == ["TC_B_06_CS", "TC_B_01_CSMS"]
    other, _ = nothing_selected
    assert other.code == 4 and other.report["summary"]["total"] == 0
    wrong = main_in_process(capsys, "run", "--profile", "cores", "--report-dir", str(tmp_path))
    assert wrong.code == 2
    assert wrong.stderr.startswith("ocpp-harness: --profile: unknown profile 'cores' for any")
    assert "use one of core, " in wrong.stderr


def test_last_failed_reruns_what_failed(failing):
    """pytest's cache lives beside the reports (not in the installed catalog), so
    ``-- --lf`` after a failing run runs the case that failed, and only it."""
    _, report_dir = failing
    again = run_cli("run", "--", "--lf", report_dir=report_dir.parent / "again")
    assert again.code == 0, again.stdout[-2000:]
    assert [case["id"] for case in again.report["cases"]] == ["TC_B_06_CS"]


def test_paths_given_to_pytest_are_paths_from_where_they_were_typed(tmp_path, monkeypatch):
    """The run goes on in the catalog's directory (short case ids on screen), so the
    paths of pytest's options after -- are made absolute first."""
    from harness.cli import _from_here

    monkeypatch.chdir(tmp_path)
    assert _from_here(["--junitxml=out/j.xml", "--basetemp", "bt", "-k", "TC_B", "--lf"]) == [
        f"--junitxml={tmp_path / 'out' / 'j.xml'}",
        "--basetemp",
        str(tmp_path / "bt"),
        "-k",
        "TC_B",
        "--lf",
    ]


def test_list_into_a_pipe_that_closes_early_ends_quietly() -> None:
    """`ocpp-harness list | head`: no traceback when the reader stops reading."""
    import subprocess
    import sys

    lister = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "list", "--coverage", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert lister.stdout is not None
    lister.stdout.readline()
    lister.stdout.close()  # the reader goes away, as head does
    _, stderr = lister.communicate(timeout=60)
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr, stderr.decode()
    assert lister.returncode == 0
