"""``ocpp-harness sim …`` / ``python -m harness.sim …``: arguments, ready lines, frame
log, control over HTTP, and a clean exit 0 on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from simkit import FAST, post_action, run

from harness.sim import SimCsms, SimStation
from harness.sim.cli import add_sim_subparsers, redact, run_sim

ROOT = Path(__file__).resolve().parents[2]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ocpp-harness")
    add_sim_subparsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_arguments() -> None:
    args = _parse(["sim", "station", "--ocpp", "1.6", "--csms", "ws://h/ocpp", "--defect", "a"])
    assert (args.command, args.sim_role, args.ocpp, args.defect) == ("sim", "station", "1.6", ["a"])
    assert args.identity and args.control_port == 0
    args = _parse(["sim", "csms", "--port", "0", "--heartbeat-interval", "5"])
    assert (args.sim_role, args.port, args.heartbeat_interval, args.host) == (
        "csms",
        0,
        5,
        "127.0.0.1",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sim", "station", "--csms", "ws://h/o", "--defect", "nope"], "unknown defect 'nope'"),
        (["sim", "csms", "--port", "0", "--defect", "no-heartbeat"], "is a station defect"),
        (["sim", "station", "--csms", "ws://h/o", "--password-env", "SIM_NO_SUCH_VAR"], "not set"),
        (["sim", "csms", "--port", "0", "--station-password-env", "CP1"], "wants ID=NAME"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys, monkeypatch) -> None:
    monkeypatch.delenv("SIM_NO_SUCH_VAR", raising=False)
    assert run_sim(_parse(argv)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_redact_hides_passwords() -> None:
    set_var = (
        '[2,"1","SetVariables",{"setVariableData":[{"attributeValue":"topsecret-password",'
        '"component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}}]}]'
    )
    assert "topsecret" not in redact(set_var) and "***" in redact(set_var)
    change = (
        '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"00112233445566778899"}]'
    )
    assert "0011" not in redact(change)
    plain = '[2,"1","Heartbeat",{}]'
    assert redact(plain) == plain


async def _start(*argv: str) -> tuple[asyncio.subprocess.Process, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIM_TEST_PASSWORD": "s3cret-password-1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "harness.sim",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdout is not None
    async with asyncio.timeout(5):
        ready = (await proc.stdout.readline()).decode()
    return proc, ready


async def _terminate(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(5):
        _, err = await proc.communicate()
    return proc.returncode or 0, err.decode()


def test_csms_process() -> None:
    async def scenario() -> None:
        proc, ready = await _start("csms", "--ocpp", "2.0.1", "--port", "0")
        try:
            match = re.fullmatch(r"sim csms listening on (\S+) control (\S+)\n", ready)
            assert match, ready
            url, control = match.groups()
            station = SimStation("2.0.1", url, "CP1", timers=FAST)
            await station.start()
            try:
                await station.wait_until(lambda: station.boot_status == "Accepted")
                status, body = await post_action(
                    control, "trigger_message", {"message": "Heartbeat"}
                )
                assert (status, body["result"]) == (200, {"status": "Accepted"})
            finally:
                await station.stop()
        finally:
            code, err = await _terminate(proc)
        assert code == 0
        assert re.search(r'^CP1 < \[2,"[^"]+","BootNotification"', err, re.M)
        assert re.search(r"^CP1 > \[3,", err, re.M)

    run(scenario(), timeout=10)


def test_station_process_with_password() -> None:
    async def scenario() -> None:
        csms = SimCsms("1.6", timers=FAST, passwords={"CP7": "s3cret-password-1"})
        await csms.start()
        try:
            proc, ready = await _start(
                "station",
                "--ocpp",
                "1.6",
                "--csms",
                csms.url,
                "--identity",
                "CP7",
                "--password-env",
                "SIM_TEST_PASSWORD",
            )
            try:
                match = re.fullmatch(r"sim station ready: control (\S+)\n", ready)
                assert match, ready
                await csms.wait_until(lambda: csms.stations.get("CP7") is not None)
                await csms.wait_until(lambda: csms.stations["CP7"].boot_status == "Accepted")
                status, body = await post_action(match.group(1), "state")
                assert status == 200 and body["result"]["identity"] == "CP7"
            finally:
                code, err = await _terminate(proc)
            assert code == 0
            assert "s3cret" not in err
        finally:
            await csms.stop()

    run(scenario(), timeout=10)
