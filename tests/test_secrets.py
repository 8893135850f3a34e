"""Secrets never appear in any report, log or terminal output.

Runs with security profile 1 (HTTP Basic auth) in both roles, passwords given as
``env:`` references, then greps every file and stream the run produced for the
password, for ``identity:password`` in base64 (what an Authorization header carries),
and for the header itself.
"""

from __future__ import annotations

import base64
import os

import pytest

from tests.helpers import run_cli, write_profile

SECRET = "Sup3r-Secret-Passw0rd-77"

PROFILES = {
    "charging-station": """\
        [dut]
        kind = "charging-station"
        ocpp = "2.0.1"
        identity = "SECRET-CS-1"
        security_profile = 1
        password = "env:OCPP_HARNESS_TEST_SECRET"

        [listen]
        host = "127.0.0.1"
        port = 0

        [timeouts]
        connect = 5
        response = 2
        operator = 5

        [timers]
        heartbeat = 1
        boot_retry = 1

        [control]
        adapter = "sim"
    """,
    "csms": """\
        [dut]
        kind = "csms"
        ocpp = "2.0.1"
        identity = "SECRET-ST-1"
        security_profile = 1
        password = "env:OCPP_HARNESS_TEST_SECRET"

        [connect]
        url = "ws://127.0.0.1:1/ocpp"

        [timeouts]
        connect = 5
        response = 2
        operator = 5

        [timers]
        heartbeat = 1
        boot_retry = 1

        [control]
        adapter = "sim"
    """,
}
CASES = {"charging-station": ["TC_B_01_CS", "TC_B_06_CS"], "csms": ["TC_B_01_CSMS", "TC_B_06_CSMS"]}


#: (DUT kind, simulator defect): each role conformant, and a station that breaks a rule
#: (a failing case's reason and trace are in the reports too). sends-invalid-json is a
#: station defect; a run of the CSMS with it would be the conformant run again.
RUNS = [
    ("charging-station", None),
    ("charging-station", "sends-invalid-json"),
    ("csms", None),
]


@pytest.mark.parametrize(
    "kind,defect",
    RUNS,
    ids=[f"{'failing' if defect else 'conformant'}-{kind}" for kind, defect in RUNS],
)
def test_no_output_contains_a_secret(tmp_path, kind, defect):
    profile = write_profile(tmp_path, PROFILES[kind])
    report_dir = tmp_path / "r"
    args = ["run", "--dut", str(profile)]
    for case in CASES[kind]:
        args += ["--case", case]
    if defect:
        args += ["--sim-defect", defect]
    run = run_cli(
        *args, report_dir=report_dir, env={**os.environ, "OCPP_HARNESS_TEST_SECRET": SECRET}
    )

    verdicts = {c["id"]: c["verdict"] for c in run.report["cases"]}
    assert set(verdicts) == set(CASES[kind])
    if defect:
        assert "failed" in verdicts.values()
    else:
        assert set(verdicts.values()) == {"passed"}, run.report["cases"]

    identity = "SECRET-CS-1" if kind == "charging-station" else "SECRET-ST-1"
    forbidden = {
        SECRET,
        base64.b64encode(f"{identity}:{SECRET}".encode()).decode(),
        "Authorization: Basic",
    }
    outputs = {"stdout": run.stdout, "stderr": run.stderr}
    for path in sorted(report_dir.iterdir()):
        outputs[path.name] = path.read_text(errors="replace")
    assert {"report.json", "junit.xml", "report.html"} <= set(outputs)
    for name, text in outputs.items():
        for secret in forbidden:
            assert secret not in text, f"{secret!r} leaked into {name}"
    assert '"password": "***"' in outputs["report.json"]
