"""CommandAdapter: shell templates with shell-quoted parameters, exits and timeouts."""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import signal
import time
from pathlib import Path

import pytest

from harness.control.adapters import CommandAdapter
from harness.verdicts import HarnessError

NASTY = 'it\'s a "token" with $HOME `id` $(touch {pwned}) ; & | * \\ {{braces}}\nline 2'


def test_parameters_arrive_intact_and_nothing_is_injected(tmp_path: Path) -> None:
    out, pwned = tmp_path / "token.txt", tmp_path / "PWNED"
    token = NASTY.replace("{pwned}", str(pwned))
    records: list[str] = []
    adapter = CommandAdapter(
        {"present_token": f"printf %s {{token}} > {shlex.quote(str(out))}"},
        "CP1",
        5,
        record=records.append,
    )
    assert adapter.act("present_token", {"token": token, "evse": 1}) == {"stdout": ""}
    assert out.read_text() == token
    assert not pwned.exists()
    assert records == [
        f"command: printf %s {shlex.quote(token)} > {shlex.quote(str(out))}",
    ]


def test_identity_and_numbers_are_filled_in_and_stdout_returned(tmp_path: Path) -> None:
    adapter = CommandAdapter(
        {"plug_in": "printf '%s|%s|%s' {identity} {evse} {connector}"}, "CP 1; rm x", 5
    )
    assert adapter.act("plug_in", {"evse": 1, "connector": 2}) == {"stdout": "CP 1; rm x|1|2"}


def test_non_zero_exit_names_the_last_stderr_line() -> None:
    adapter = CommandAdapter(
        {"reboot": "echo progress; echo first >&2; echo 'relay did not open' >&2; exit 3"},
        "CP1",
        5,
    )
    with pytest.raises(HarnessError) as info:
        adapter.act("reboot", {})
    assert str(info.value) == "control command for 'reboot' exited 3: relay did not open"
    assert info.value.rule == "setup"


def test_command_exceeding_the_timeout() -> None:
    adapter = CommandAdapter({"reboot": "sleep 5"}, "CP1", 0.2)
    started = time.monotonic()
    with pytest.raises(HarnessError) as info:
        adapter.act("reboot", {})
    assert time.monotonic() - started < 2
    assert str(info.value) == "control command for 'reboot' did not finish within 0.2 s: sleep 5"
    assert info.value.rule == "setup"


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfd_open (Linux)")
def test_timeout_ends_what_the_command_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    adapter = CommandAdapter(
        {"network_down": f"sleep 30 & echo $! > {shlex.quote(str(pid_file))}; wait"}, "CP1", 0.3
    )
    with pytest.raises(HarnessError, match="did not finish within 0.3 s"):
        adapter.act("network_down", {})
    pid = int(pid_file.read_text())
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # already gone
    try:
        exited, _, _ = select.select([pidfd], [], [], 0.5)
        assert exited, f"the command's child {pid} outlived the timeout"
    finally:
        os.close(pidfd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_action_without_a_template_skips() -> None:
    adapter = CommandAdapter({"reboot": "true"}, "CP1", 5)
    with pytest.raises(pytest.skip.Exception) as info:
        adapter.act("plug_in", {"evse": 1, "connector": 1})
    assert str(info.value) == (
        "no command configured for action 'plug_in' (control.commands.plug_in)"
    )


def test_unknown_placeholder_is_named() -> None:
    adapter = CommandAdapter({"reboot": "relayctl --port {port} off"}, "CP1", 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("reboot", {})
    assert str(info.value) == (
        "control.commands.reboot: template uses 'port' but the action gives only ['identity']"
    )
    assert info.value.rule == "setup"


@pytest.mark.parametrize(
    "template",
    [
        "find /var/lib/cp -name '*.lock' -exec rm {} +",  # IndexError
        "relayctl --station {identity} {",  # ValueError: single '{'
        "relayctl {identity.name}",  # AttributeError
    ],
    ids=["positional", "unbalanced", "attribute"],
)
def test_malformed_template_is_a_setup_error(template: str) -> None:
    adapter = CommandAdapter({"reboot": template}, "CP1", 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("reboot", {})
    assert str(info.value).startswith("control.commands.reboot: ")
