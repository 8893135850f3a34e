"""The command line: list, check-profile, run's reports and exit codes, and the catalog
found from any directory."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tests.helpers import ROOT, run_cli


def test_list_json_fields():
    run = run_cli("list", "--format", "json")
    assert run.code == 0
    cases = json.loads(run.stdout)
    assert len(cases) >= 16
    for case in cases:
        assert {"id", "title", "ocpp", "dut_kind", "block"} <= set(case)
        assert case["dut_kind"] in ("charging-station", "csms")
    ids = {case["id"] for case in cases}
    assert {"TC_B_01_CS", "TC_B_01_CSMS", "TC_001_CS", "TC_019_1_CSMS"} <= ids


def test_list_for_a_profile():
    run = run_cli("list", "--dut", str(ROOT / "fixtures" / "sim-csms-1.6.toml"))
    assert run.code == 0
    assert "TC_001_CSMS" in run.stdout and "TC_001_CS " not in run.stdout


def test_check_profile_ok():
    profile = ROOT / "fixtures" / "sim-station-2.0.1.toml"
    run = run_cli("check-profile", str(profile))
    assert run.code == 0
    assert run.stdout.strip().endswith(
        "OK (charging-station, OCPP 2.0.1, identity SIM001, control http)"
    )


def test_run_from_another_directory_writes_three_reports(tmp_path):
    # The catalog ships inside the package: a run from anywhere finds it.
    run = run_cli(
        "run",
        "--case",
        "TC_B_06_CS",
        "--case",
        "TC_B_01_CSMS",
        report_dir=tmp_path / "r",
        cwd=tmp_path,
    )
    assert run.code == 0, run.stdout[-2000:]
    assert run.report["complete"] is True
    assert run.report["summary"]["passed"] == 2
    assert (tmp_path / "r" / "report.html").stat().st_size > 0
    suite = ET.parse(tmp_path / "r" / "junit.xml").getroot()
    assert suite.find(".//testcase") is not None


def test_run_exit_code_1_on_failure(tmp_path):
    run = run_cli(
        "run", "--case", "TC_B_01_CS", "--sim-defect", "boot-omits-model", report_dir=tmp_path / "r"
    )
    assert run.code == 1
    case = run.case("TC_B_01_CS")
    assert case["rule"] == "schema:BootNotificationRequest:required"
    assert f"FAILED  TC_B_01_CS: {case['reason']} [{case['rule']}]" in run.stdout


def test_run_with_no_applicable_case_exits_0(tmp_path):
    run = run_cli("run", "--case", "TC_NOPE", report_dir=tmp_path / "r")
    assert run.code == 0
    assert run.report["summary"]["total"] == 0


def test_report_diff_gate_through_the_cli(tmp_path):
    good = run_cli("run", "--case", "TC_B_06_CS", report_dir=tmp_path / "good")
    bad = run_cli(
        "run",
        "--case",
        "TC_B_06_CS",
        "--sim-defect",
        "sends-invalid-json",
        report_dir=tmp_path / "bad",
    )
    assert (good.code, bad.code) == (0, 1)
    old, new = tmp_path / "good" / "report.json", tmp_path / "bad" / "report.json"
    regression = run_cli("report", "diff", str(old), str(new))
    assert regression.code == 1
    assert "TC_B_06_CS (2.0.1, charging-station): passed -> failed" in regression.stdout
    assert "[ocppj.not-json]" in regression.stdout
    fixed = run_cli("report", "diff", str(new), str(old))
    assert fixed.code == 0
    assert fixed.stdout.strip().endswith("no regression")


def test_a_misspelt_simulator_defect_or_option_is_a_usage_error(tmp_path):
    done = run_cli("run", "--sim-defect", "boot-omit-model", report_dir=tmp_path / "r")
    assert done.code == 2
    assert "--sim-defect boot-omit-model: no such simulator defect; did you mean " in done.stderr
    assert "'boot-omits-model'?" in done.stderr
    done = run_cli("run", "--sim-option", "nonsense", report_dir=tmp_path / "s")
    assert done.code == 2 and "--sim-option nonsense: no such simulator option" in done.stderr


def test_run_profile_selects_the_cases_of_a_certification_profile(tmp_path):
    # TC_B_06_CS is a Core case of Part 5, not one of Local Auth List Management.
    core = run_cli("run", "--profile", "core", "--case", "TC_B_06_CS", report_dir=tmp_path / "c")
    assert core.code == 0, core.stdout[-2000:]
    assert [c["id"] for c in core.report["cases"]] == ["TC_B_06_CS"]
    other = run_cli(
        "run", "--profile", "local-auth-list", "--case", "TC_B_06_CS", report_dir=tmp_path / "l"
    )
    assert other.code == 0 and other.report["summary"]["total"] == 0
    wrong = run_cli("run", "--profile", "cores", report_dir=tmp_path / "w")
    assert wrong.code == 2
    assert wrong.stderr.startswith("ocpp-harness: --profile: unknown profile 'cores' for any")
    assert "use one of core, " in wrong.stderr
