"""The option registry: names, sides, versions, validation messages, constructors, CLI."""

from __future__ import annotations

import argparse

import pytest

from harness.sim import (
    CSMS_DEFECTS,
    OPTIONS,
    STATION_DEFECTS,
    SimCsms,
    SimStation,
    get_option,
    options_for,
    validate_options,
)
from harness.sim.cli import add_sim_subparsers, run_sim


def test_table_is_consistent() -> None:
    for name, option in OPTIONS.items():
        assert option.name == name and option.side in ("station", "csms")
        assert option.description and option.versions <= {"1.6", "2.0.1"}
        # an option is a legal behaviour, never also a defect of the same side
        defects = STATION_DEFECTS if option.side == "station" else CSMS_DEFECTS
        assert name not in defects
    assert get_option("pending-interval-zero").side == "csms"
    assert set(options_for("station", "1.6")) == {
        "unavailable-before-reboot",
        "disconnect-while-rejected",
        "slow-restart",
        "late-boot-retry",
        "off-until-started",
    }
    assert "connector-report-notify-event" in options_for("station", "2.0.1")
    assert set(options_for("csms")) == {
        "unknown-subprotocol-upgrade-then-close",
        "pending-interval-zero",
        "refusals-as-invalid",
        "invalid-token-unknown",
        "station-two-evses",
        "data-transfer-knows-vendor",
        "remote-start-without-evse",
        "current-time-with-offset",
        "transaction-costs",
        "variables-explicit-actual",
        "report-request-ids-from-zero",
        "transaction-status-after-reconnect",
        "get-log-time-window",
        "request-ids-from-large",
    }


@pytest.mark.parametrize(
    ("side", "version", "name", "message"),
    [
        ("station", "2.0.1", "notify-event", "unknown option 'notify-event' for the simulated"),
        ("station", "2.0.1", "pending-interval-zero", "is a csms option, not a station one"),
        ("csms", "2.0.1", "unavailable-before-reboot", "is a station option, not a csms one"),
        ("station", "1.6", "connector-report-notify-event", "does not apply to OCPP 1.6"),
        ("csms", "1.6", "pending-interval-zero", "does not apply to OCPP 1.6 (only 2.0.1)"),
    ],
)
def test_validation_messages(side: str, version: str, name: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_options(side, version, [name])
    text = str(error.value)
    assert message in text and "\n" not in text
    # the message names what would have been valid
    assert f"valid {side} options for OCPP {version}:" in text
    for valid in options_for(side, version):
        assert valid in text


def test_constructors_take_options() -> None:
    station = SimStation(
        "2.0.1", "ws://127.0.0.1:1/ocpp", "CP1", options=["connector-report-notify-event"]
    )
    assert station.has_option("connector-report-notify-event")
    assert not station.has_option("unavailable-before-reboot")
    assert station.state()["options"] == ["connector-report-notify-event"]
    csms = SimCsms("2.0.1", options=["pending-interval-zero"])
    assert csms.has_option("pending-interval-zero") and csms.state()["options"]
    with pytest.raises(ValueError):
        SimStation("1.6", "ws://127.0.0.1:1/ocpp", "CP1", options=["status-after-security-event"])
    with pytest.raises(ValueError):
        SimCsms("2.0.1", options=["disconnect-while-rejected"])


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ocpp-harness")
    add_sim_subparsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_option_arguments(capsys) -> None:
    args = _parse(
        ["sim", "station", "--csms", "ws://h/o", "--option", "a", "--option", "b"]
        + ["--defect", "c"]
    )
    assert (args.option, args.defect) == (["a", "b"], ["c"])
    args = _parse(
        ["sim", "csms", "--option", "pending-interval-zero", "--boot-retry-interval", "3"]
    )
    assert (args.option, args.boot_retry_interval) == (["pending-interval-zero"], 3)
    assert run_sim(_parse(["sim", "csms", "--port", "0", "--option", "nope"])) == 2
    err = capsys.readouterr().err
    assert "unknown option 'nope'" in err and err.count("\n") == 1
