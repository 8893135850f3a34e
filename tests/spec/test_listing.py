"""``ocpp-harness list`` with --coverage, --ocpp, --role and --profile."""

from __future__ import annotations

import json
from collections import Counter

from tests.helpers import run_cli


def _coverage_json(*args: str) -> dict:
    run = run_cli("list", "--coverage", "--format", "json", *args)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def test_coverage_json_lists_every_known_id():
    data = _coverage_json()
    cases = data["cases"]
    by_version = Counter((c["ocpp"], c["dut_kind"]) for c in cases)
    assert by_version[("2.0.1", "charging-station")] == 424
    assert by_version[("2.0.1", "csms")] == 252
    assert by_version[("1.6", "charging-station")] == 107
    assert by_version[("2.1", "csms")] > 252
    b01 = next(c for c in cases if c["id"] == "TC_B_01_CS" and c["ocpp"] == "2.0.1")
    assert b01["implemented"] is True and b01["part5"][0]["status"] == "M"
    assert b01["title"] == "Cold Boot Charging Station - Accepted" and b01["table"] == 18
    assert not next(c for c in cases if c["id"] == "TC_K_01_CS")["implemented"]
    totals = data["summary"]["totals"]["2.0.1 CS"]
    assert totals["known"] == 422 and totals["removed_known"] == 2
    assert totals["implemented"] >= 8
    assert data["summary"]["not_in_catalog"] == []


def test_coverage_of_one_profile():
    data = _coverage_json("--ocpp", "2.0.1", "--role", "csms", "--profile", "core")
    assert {c["dut_kind"] for c in data["cases"]} == {"csms"}
    assert all(any(s["profile"] == "core" for s in c["part5"]) for c in data["cases"])
    core = data["summary"]["profiles"]["2.0.1 CSMS"]["core"]
    assert core["M"]["known"] == 105 and core["C"]["known"] == 27


def test_coverage_text_tables():
    run = run_cli("list", "--coverage")
    assert run.code == 0
    assert "version  role" in run.stdout
    assert "OCPP 2.0.1 by certification profile" in run.stdout
    assert "2.0.1    CS" in run.stdout and "removed" in run.stdout


def test_list_profile_selects_implemented_cases_of_that_profile():
    run = run_cli("list", "--profile", "core", "--ocpp", "2.0.1", "--format", "json")
    assert run.code == 0
    ids = {case["id"] for case in json.loads(run.stdout)}
    assert {"TC_B_01_CS", "TC_B_58_CSMS"} <= ids
    assert all(case["ocpp"] == "2.0.1" for case in json.loads(run.stdout))
    keys = set(json.loads(run.stdout)[0])
    assert {"id", "title", "ocpp", "dut_kind", "block", "requirements", "table"} <= keys


def test_list_role_filter():
    run = run_cli("list", "--role", "csms")
    assert run.code == 0
    assert "TC_B_01_CSMS" in run.stdout and "TC_B_01_CS " not in run.stdout


def test_unknown_profile_is_a_one_line_error():
    run = run_cli("list", "--profile", "advanced-secrity", "--ocpp", "2.0.1")
    assert run.code == 2
    assert run.stderr.strip() == (
        "ocpp-harness: unknown profile 'advanced-secrity' for OCPP 2.0.1; use one of core, "
        "advanced-security, local-auth-list, smart-charging, advanced-device-management, "
        "advanced-user-interface, reservation, iso15118"
    )
    assert run.stdout == ""


def test_a_profile_of_another_version():
    run = run_cli("list", "--profile", "remote-trigger", "--ocpp", "2.0.1")
    assert run.code == 2 and "for OCPP 2.0.1" in run.stderr
    run = run_cli("list", "--profile", "remote-trigger", "--coverage")
    assert run.code == 0 and "remote-trigger" in run.stdout
