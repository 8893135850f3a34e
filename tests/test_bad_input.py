"""Bad input gets one clear line and the right verdict, within its timeout.

Each case here is a way a DUT or a set-up goes wrong: a broken profile, a port in use,
a DUT that never connects, a DUT that closes mid-call, a frame that is not JSON, a reply
with an unknown message id. For each: the verdict (failed for a DUT that broke a rule,
error for a broken set-up), the rule, a one-line reason that names the culprit, the CLI
exit code, and a report.json that validates against the schema.
"""

from __future__ import annotations

import socket

import pytest

from tests.helpers import free_port, run_cli, write_profile

# -- the DUT misbehaves: the case fails, naming the rule ------------------------------------

FRAMING = [
    ("sends-invalid-json", "TC_B_06_CS", "ocppj.not-json", "is not JSON"),
    (
        "replies-unknown-message-id",
        "TC_B_06_CS",
        "ocppj.unknown-message-id",
        "answers no outstanding CALL",
    ),
    (
        "closes-mid-call",
        "TC_B_06_CS",
        "transport.closed-mid-call",
        "closed the connection while the harness's GetVariables",
    ),
    ("reuses-message-id", "TC_019_CS", "ocppj.message-id-reused", "reuses message id"),
    ("no-subprotocol", "TC_B_06_CS", "transport.subprotocol", "offered subprotocol(s) none"),
    ("never-replies", "TC_019_CS", "ocppj.response-timeout", "no response to GetConfiguration"),
]


@pytest.mark.parametrize("defect,case_id,rule,words", FRAMING, ids=[f[0] for f in FRAMING])
def test_misbehaving_dut_fails_with_rule(tmp_path, defect, case_id, rule, words):
    run = run_cli("run", "--case", case_id, "--sim-defect", defect, report_dir=tmp_path)
    case = run.case(case_id)
    assert (case["verdict"], case["rule"]) == ("failed", rule), case["reason"]
    assert words in case["reason"]
    assert "\n" not in case["reason"]
    assert run.code == 1
    assert run.report["complete"] is True


def test_invalid_frame_is_marked_in_the_trace(tmp_path):
    run = run_cli(
        "run", "--case", "TC_B_06_CS", "--sim-defect", "sends-invalid-json", report_dir=tmp_path
    )
    failing = [e for e in run.case("TC_B_06_CS")["trace"] if e.get("failing")]
    assert failing and failing[0]["raw"] == "{not json"
    assert failing[0]["valid"] is False
    assert failing[0]["violations"][0]["rule"] == "ocppj.not-json"


# -- the set-up is broken: the case is an error, naming what to fix --------------------------

STATION_PROFILE = """\
    [dut]
    kind = "charging-station"
    ocpp = "2.0.1"
    identity = "BAD-INPUT-1"

    [listen]
    host = "127.0.0.1"
    port = {port}

    [timeouts]
    connect = 1
    response = 1
    operator = 1

    [control]
    adapter = "{adapter}"
    {extra}
"""


def test_port_in_use_is_an_error_naming_host_and_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        profile = write_profile(
            tmp_path, STATION_PROFILE.format(port=port, adapter="sim", extra="")
        )
        run = run_cli(
            "run", "--dut", str(profile), "--case", "TC_B_06_CS", report_dir=tmp_path / "r"
        )
    case = run.case("TC_B_06_CS")
    assert case["verdict"] == "error"
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in case["reason"]
    assert run.code == 3


def test_dut_that_never_connects_is_an_error_naming_the_url(tmp_path):
    port = free_port()
    profile = write_profile(
        tmp_path,
        STATION_PROFILE.format(
            port=port, adapter="http", extra='url = "http://127.0.0.1:9/control"'
        ),
    )
    run = run_cli("run", "--dut", str(profile), "--case", "TC_B_06_CS", report_dir=tmp_path / "r")
    case = run.case("TC_B_06_CS")
    assert case["verdict"] == "error"
    assert case["reason"] == (
        f"DUT never connected to ws://127.0.0.1:{port}/ocpp/BAD-INPUT-1 within 1 s"
    )
    assert run.code == 3


def test_unreachable_csms_is_an_error_naming_the_url(tmp_path):
    port = free_port()
    profile = write_profile(
        tmp_path,
        f"""\
        [dut]
        kind = "csms"
        ocpp = "2.0.1"
        identity = "BAD-INPUT-2"

        [connect]
        url = "ws://127.0.0.1:{port}/ocpp"

        [timeouts]
        connect = 1
        response = 1
        operator = 1

        [control]
        adapter = "http"
        url = "http://127.0.0.1:9/control"
    """,
    )
    run = run_cli("run", "--dut", str(profile), "--case", "TC_B_01_CSMS", report_dir=tmp_path / "r")
    case = run.case("TC_B_01_CSMS")
    assert case["verdict"] == "error"
    assert case["reason"].startswith(
        f"cannot connect to CSMS at ws://127.0.0.1:{port}/ocpp/BAD-INPUT-2"
    )
    assert "\n" not in case["reason"]
    assert run.code == 3


# -- a broken profile: usage error, one line naming the file and the key ---------------------

BAD_PROFILES = [
    (
        "wrong key",
        '[dut]\nkind = "charging-station"\nocpp = "2.0.1"\nidentity = "X"\nkynd = "csms"\n',
        "dut.kynd: unknown key (did you mean 'kind'?)",
    ),
    (
        "wrong type",
        '[dut]\nkind = "charging-station"\nocpp = "2.0.1"\nidentity = "X"\n'
        '[timeouts]\nconnect = "soon"\n',
        "timeouts.connect: 'soon' is not of type 'number'",
    ),
]


@pytest.mark.parametrize("command", ["run", "check-profile"])
@pytest.mark.parametrize("label,text,message", BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES])
def test_broken_profile_is_one_line_naming_file_and_key(tmp_path, command, label, text, message):
    profile = tmp_path / "broken.toml"
    profile.write_text(text)
    args = ("run", "--dut", str(profile)) if command == "run" else ("check-profile", str(profile))
    run = run_cli(*args, report_dir=tmp_path / "r" if command == "run" else None)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert lines == [f"ocpp-harness: {profile}: {message}"]


def test_missing_profile_file(tmp_path):
    run = run_cli("run", "--dut", str(tmp_path / "absent.toml"))
    assert run.code == 2
    assert run.stderr.strip() == f"ocpp-harness: {tmp_path / 'absent.toml'}: file not found"
