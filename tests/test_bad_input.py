"""Bad input gets one clear line and the right verdict, within its timeout.

Each case here is a way a DUT or a set-up goes wrong: a broken profile, a port in use,
a DUT that never connects, a DUT that closes mid-call, a frame that is not JSON, a reply
with an unknown message id. For each: the verdict (failed for a DUT that broke a rule,
error for a broken set-up), the rule, a one-line reason that names the culprit, the CLI
exit code, and a report.json that validates against the schema.

A misbehaving DUT is a simulator defect, so those cases run in this process as
:mod:`tests.matrix` items (the verdict, the rule, and a check of the reason and the
trace as report.json holds them); the exit code and the complete report of such a run
through the command line are tests/test_cli.py's (sends-invalid-json, exit 1). A broken
set-up needs a DUT profile of its own: the port in use goes through the command line
(exit 3 for a set-up error), the others are pytest sessions of their own in this
process (pytester), on the catalog's case. A broken profile is refused before pytest
starts, so ``main`` runs in this process for all but one of them.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.cli import catalog_functions
from tests.helpers import free_port, main_in_process, pytester_run, run_cli, write_profile
from tests.matrix import Expectation, by_id, case_item, run_catalog_case

CASES = by_id(*catalog_functions())

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
    (
        "closes-mid-call",
        "TC_B_06_CS",
        "transport.closed-mid-call",
        # who closed, and with which code: a CSMS's 1011 says more than "it closed"
        "was unanswered (the charging station closed it with code ",
    ),
    ("reuses-message-id", "TC_019_CS", "ocppj.message-id-reused", "reuses message id"),
    ("no-subprotocol", "TC_B_06_CS", "transport.subprotocol", "offered subprotocol(s) none"),
    ("never-replies", "TC_019_CS", "ocppj.response-timeout", "no response to GetConfiguration"),
]


def one_line_naming(words: str) -> Callable[[dict[str, Any]], None]:
    """The reason is one line (a terminal, a CI log) and names the culprit."""

    def reason_is_one_line_naming(case: dict[str, Any]) -> None:
        assert words in case["reason"], case["reason"]
        assert "\n" not in case["reason"], case["reason"]

    return reason_is_one_line_naming


@pytest.mark.parametrize(
    "case",
    [
        case_item(
            CASES[case_id],
            defect,
            Expectation("failed", rule, exact_rule=True, check=one_line_naming(words)),
            defects=(defect,),
        )
        for defect, case_id, rule, words in FRAMING
    ],
)
def test_misbehaving_dut_fails_with_rule(case, request):
    run_catalog_case(case, request)


def invalid_frame_marked(case: dict[str, Any]) -> None:
    """The frame that is not JSON is the trace's failing entry, kept as it came."""
    failing = [e for e in case["trace"] if e.get("failing")]
    assert failing and failing[0]["raw"] == "{not json", failing
    assert failing[0]["valid"] is False
    assert failing[0]["violations"][0]["rule"] == "ocppj.not-json"


@pytest.mark.parametrize(
    "case",
    [
        case_item(
            CASES["TC_B_06_CS"],
            "sends-invalid-json",
            Expectation("failed", "ocppj.not-json", exact_rule=True, check=invalid_frame_marked),
            defects=("sends-invalid-json",),
        )
    ],
)
def test_invalid_frame_is_marked_in_the_trace(case, request):
    run_catalog_case(case, request)


# -- the set-up is broken: the case is an error, naming what to fix --------------------------

STATION_PROFILE = """\
    [dut]
    kind = "charging-station"
    ocpp = "2.0.1"
    identity = "BAD-INPUT-1"

    [listen]
    host = "127.0.0.1"
    port = {port}

    # short: the DUT that never connects is waited for this long
    [timeouts]
    connect = 0.2
    response = 1
    operator = 1

    [control]
    adapter = "{adapter}"
    {extra}
"""


def test_port_in_use_is_an_error_naming_host_and_port(tmp_path):
    """End to end: a set-up error makes ``run`` exit 3 (not a verdict on the DUT)."""
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


#: a test module of the catalog's own cases (``{ids}``), for a session of its own
CATALOG_MODULE = """
from harness.cli import catalog_functions

globals().update(
    {{f.__name__: f for f in catalog_functions() if f.ocpp_testcase.id in {ids!r}}}
)
"""


def run_in_session(pytester: pytest.Pytester, profile: Path, case_id: str) -> dict[str, Any]:
    """Catalog case ``case_id`` against ``profile``, in a pytest session of its own in
    this process; the case as report.json holds it. (The verdict and reason are the
    plugin's; the command line's exit code for a set-up error is the port-in-use
    sample's.)"""
    module = CATALOG_MODULE.format(ids=(case_id,))
    run = pytester_run(pytester, module, in_process=True)
    _, report = run("--dut", str(profile), "--case", case_id)
    [case] = [case for case in report["cases"] if case["id"] == case_id]
    return case


def test_dut_that_never_connects_is_an_error_naming_the_url(tmp_path, pytester):
    port = free_port()
    profile = write_profile(
        tmp_path,
        STATION_PROFILE.format(
            port=port, adapter="http", extra='url = "http://127.0.0.1:9/control"'
        ),
    )
    case = run_in_session(pytester, profile, "TC_B_06_CS")
    assert case["verdict"] == "error"
    assert case["reason"] == (
        f"DUT never connected to ws://127.0.0.1:{port}/ocpp/BAD-INPUT-1 within 0.2 s"
    )


@pytest.mark.parametrize("each", [False, True], ids=["fail-fast", "connect-each-case"])
def test_after_a_dut_that_never_connected_its_other_cases_are_skipped(
    tmp_path, pytester, each, monkeypatch
):
    """One connect timeout is enough: the DUT's later cases are skipped, naming the case
    it was not there in (--connect-each-case waits in every case, each an error). The
    wait speaks: where the station is expected, then what is awaited and the time left."""
    import harness.session

    monkeypatch.setattr(harness.session, "LONG_WAIT_TICK", 0.05)
    port = free_port()
    profile = write_profile(
        tmp_path,
        STATION_PROFILE.format(
            port=port, adapter="http", extra='url = "http://127.0.0.1:9/control"'
        ),
    )
    ids = ("TC_B_06_CS", "TC_B_09_CS")
    run = pytester_run(pytester, CATALOG_MODULE.format(ids=ids), in_process=True)
    result, report = run("--dut", str(profile), *(["--connect-each-case"] if each else []))
    # the person at the terminal is told once where the station is expected
    said = [line for line in result.outlines if line.startswith("ocpp-harness: waiting")]
    assert said == [
        f"ocpp-harness: waiting for charging station BAD-INPUT-1 to connect to "
        f"ws://127.0.0.1:{port}/ocpp/BAD-INPUT-1 (up to 0.2 s)"
    ]
    ticks = [line for line in result.outlines if line.startswith("ocpp-harness: still")]
    assert ticks and ticks[0].startswith("ocpp-harness: still waiting for the connection ("), (
        result.outlines
    )
    verdicts = {case["id"]: (case["verdict"], case["reason"]) for case in report["cases"]}
    first, second = (verdicts[case_id] for case_id in ids)
    assert first[0] == "error" and first[1].startswith("DUT never connected")
    if each:
        assert second[0] == "error" and second[1].startswith("DUT never connected")
    else:
        assert second == (
            "skipped",
            f"not run: the DUT was not reachable in TC_B_06_CS ({first[1]})",
        )


def test_a_literal_password_is_warned_about_once_in_one_line(tmp_path, pytester):
    """Once, at the start of the run, as the harness's line: not also as a raw Python
    warning with a source path."""
    text = STATION_PROFILE.format(
        port=free_port(), adapter="http", extra='url = "http://127.0.0.1:9/control"'
    ).replace(
        'identity = "BAD-INPUT-1"',
        'identity = "BAD-INPUT-1"\nsecurity_profile = 1\npassword = "hunter2hunter2"',
    )
    profile = write_profile(tmp_path, text)
    run = pytester_run(pytester, CATALOG_MODULE.format(ids=("TC_B_06_CS",)), in_process=True)
    result, _ = run("--dut", str(profile))
    warned = [line for line in result.outlines if "literal password" in line]
    assert warned == [
        f"ocpp-harness: warning: {profile}: dut.password: literal password in the profile; "
        'write "env:NAME" to keep it out of the file'
    ]
    assert "ProfileWarning" not in result.stdout.str() + result.stderr.str()


def test_unreachable_csms_is_an_error_naming_the_url(tmp_path, pytester):
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
    case = run_in_session(pytester, profile, "TC_B_01_CSMS")
    assert case["verdict"] == "error"
    assert case["reason"].startswith(
        f"cannot connect to CSMS at ws://127.0.0.1:{port}/ocpp/BAD-INPUT-2"
    )
    assert "\n" not in case["reason"]


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
    (
        "negative spacing",
        '[dut]\nkind = "csms"\nocpp = "2.0.1"\nidentity = "X"\n'
        '[connect]\nurl = "ws://csms.test/ocpp"\nspacing = -1\n',
        "connect.spacing: -1 is less than the minimum of 0",
    ),
    (
        # check-profile refuses what the run would refuse (every case a set-up error)
        "tls",
        '[dut]\nkind = "charging-station"\nocpp = "2.0.1"\nidentity = "X"\nsecurity_profile = 3\n',
        "dut.security_profile: 3 (TLS) is not supported yet; use 0 or 1",
    ),
]


#: the one broken profile given to the command line in a subprocess: nothing else (a
#: warning, a traceback) reaches stderr of the real process; the others run ``main`` here
END_TO_END = ("wrong key", "run")


@pytest.mark.parametrize("command", ["run", "check-profile"])
@pytest.mark.parametrize("label,text,message", BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES])
def test_broken_profile_is_one_line_naming_file_and_key(
    tmp_path, capsys, command, label, text, message
):
    profile = tmp_path / "broken.toml"
    profile.write_text(text)
    args = ("run", "--dut", str(profile)) if command == "run" else ("check-profile", str(profile))
    if (label, command) == END_TO_END:
        run = run_cli(*args, report_dir=tmp_path / "r")
    else:
        run = main_in_process(capsys, *args)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert lines == [f"ocpp-harness: {profile}: {message}"]


def test_missing_profile_file(tmp_path, capsys):
    run = main_in_process(capsys, "run", "--dut", str(tmp_path / "absent.toml"))
    assert run.code == 2
    assert run.stderr.strip() == f"ocpp-harness: {tmp_path / 'absent.toml'}: file not found"
