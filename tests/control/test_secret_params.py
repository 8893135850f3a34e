"""Secret parameters of the action vocabulary (a station's password): wrapped into a
Secret before anything records them, named by where to read them on the operator's
terminal, handed to a command in its environment, never on its command line."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from harness.control.adapters import CommandAdapter, ManualAdapter
from harness.control.vocabulary import SECRET_PARAMS, prompt_for, protect_params
from harness.secrets import MASK, Secret, resolve_secret, scrub
from harness.verdicts import ScriptError
from tests.control.test_manual import _WAIT, _confirmed, _operate, _skip_message
from tests.helpers import case_verdicts, pytester_outputs, pytester_run, write_profile
from tests.test_secrets import PROFILES as SECRET_PROFILES

PASSWORD = "Operator-Passw0rd-9931"


def test_password_is_a_secret_parameter() -> None:
    assert "password" in SECRET_PARAMS


def test_a_plain_password_becomes_a_registered_secret() -> None:
    params = protect_params("set_station_password", {"password": PASSWORD})
    assert isinstance(params["password"], Secret)
    assert params["password"].reveal() == PASSWORD
    assert str(params) == f"{{'password': {MASK}}}"
    assert scrub(f"echoed {PASSWORD}!") == f"echoed {MASK}!"


def test_a_secret_stays_the_same_secret() -> None:
    given = Secret(PASSWORD, "somewhere")
    assert protect_params("set_station_password", {"password": given})["password"] is given


def test_a_password_that_is_no_string_is_the_case_author_s_bug() -> None:
    with pytest.raises(ScriptError) as bad:
        protect_params("set_station_password", {"password": 77991234})
    assert str(bad.value) == (
        "dut.act('set_station_password'): password is a secret, a str or a Secret, not int"
    )


def test_a_profile_password_says_where_it_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    literal = resolve_secret(PASSWORD, "dut.password", "dut.toml")
    assert literal.origin == "the DUT profile's dut.password"
    monkeypatch.setenv("LAB_STATION_PASSWORD", PASSWORD)
    from_env = resolve_secret("env:LAB_STATION_PASSWORD", "dut.password", "dut.toml")
    assert from_env.origin == (
        "the environment variable LAB_STATION_PASSWORD (the DUT profile's dut.password)"
    )


def test_the_prompt_names_where_to_read_the_password_not_the_password() -> None:
    secret = resolve_secret(PASSWORD, "dut.password", "dut.toml")
    prompt = prompt_for("set_station_password", {"password": secret}, "CP1")
    assert prompt == (
        "Make the CSMS accept the value of the DUT profile's dut.password as the Basic auth "
        "password of the charging station CP1 (security profile 1 or 2) from its next "
        "connection on, and no longer its old one"
    )
    # a plain str (a caller that skipped protect_params) is not printed either
    plain = prompt_for("set_station_password", {"password": PASSWORD}, "CP1")
    assert PASSWORD not in plain and "the password the case chose (not shown)" in plain
    unknown = prompt_for("no_such_action", {"password": PASSWORD}, "CP1")
    assert PASSWORD not in unknown


def test_the_operator_is_told_where_the_password_is_and_never_shown_it(
    pty: tuple[int, str],
) -> None:
    master, path = pty
    records: list[str] = []
    adapter = ManualAdapter("CP1", _WAIT, tty_path=path, record=records.append)
    params = {"password": resolve_secret(PASSWORD, "dut.password", "dut.toml")}
    where = "the value of the DUT profile's dut.password"
    future, screen = _operate(adapter, "set_station_password", params, master, b"\n", where)
    assert _confirmed(future) == {"confirmed": True}
    assert where in screen and PASSWORD not in screen
    assert records[-1] == "operator confirmed"
    assert not [r for r in records if PASSWORD in r]


def test_a_password_written_nowhere_skips_the_operator_step(pty: tuple[int, str]) -> None:
    master, path = pty
    records: list[str] = []
    adapter = ManualAdapter("CP1", _WAIT, tty_path=path, record=records.append)
    future, screen = _operate(
        adapter, "set_station_password", {"password": PASSWORD}, master, None, ""
    )
    reason = _skip_message(future)
    assert reason.startswith("operator step needs password, a secret the case chose")
    assert PASSWORD not in reason and PASSWORD not in screen
    assert not [r for r in records if PASSWORD in r]


def test_a_command_gets_the_password_in_its_environment_not_its_command_line(
    tmp_path: Path,
) -> None:
    out = tmp_path / "password.txt"
    records: list[str] = []
    adapter = CommandAdapter(
        {"set_station_password": f"printf %s {{password}} > {shlex.quote(str(out))}"},
        "CP1",
        5,
        record=records.append,
    )
    params = protect_params("set_station_password", {"password": PASSWORD + " $HOME `id`"})
    adapter.act("set_station_password", params)
    assert out.read_text() == PASSWORD + " $HOME `id`"
    assert records == [
        'command: printf %s "${OCPP_HARNESS_PARAM_PASSWORD}" > ' + shlex.quote(str(out))
    ]


SIM_CASE = f"""
from harness import testcase
from harness.states import csms as states


@testcase("TC_X_03_CSMS", "a password change", ocpp="2.0.1", dut_kind="csms")
def test_password(station, dut):
    states.booted(station, dut)
    station.step(1, "the CSMS is given the station's new password")
    result = dut.act("set_station_password", password="{PASSWORD}")
    assert result == {{"basic_auth": True, "identity": "SECRET-ST-1"}}, result
"""


def test_through_the_simulated_csms_no_report_or_output_shows_it(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sim adapter's path: the bundled CSMS checks Basic auth (security profile 1)
    and takes the new password; the trace records ***."""
    monkeypatch.setenv("OCPP_HARNESS_TEST_SECRET", "Profile-Passw0rd-0f-ST-1")
    # the profile of tests/test_secrets.py: security profile 1, the password from env
    profile = write_profile(tmp_path, SECRET_PROFILES["csms"])
    result, report = pytester_run(pytester, SIM_CASE, in_process=True)("--dut", str(profile))
    verdict, _, reason = case_verdicts(report)["TC_X_03_CSMS"]
    assert verdict == "passed", reason
    trace = json.dumps(report["cases"][0]["trace"])
    assert "simulator: set_station_password {'password': ***}" in trace
    for name, text in pytester_outputs(pytester, result).items():
        assert PASSWORD not in text, f"the password leaked into {name}"
