"""``call``: the DUT's Response, ``Response.expect``, and a DUT that does not answer."""

from __future__ import annotations

import re
import time

import pytest

from harness.messages import Response
from harness.verdicts import DutFailure, ScriptError
from tests.engine.bench import OUT, CsmsBench, _call, settle_boot


def test_call_returns_the_response(booted: CsmsBench) -> None:
    response = booted.role.call("TriggerMessage", requestedMessage="Heartbeat")

    assert isinstance(response, Response)
    assert response.action == "TriggerMessage"
    assert not response.is_error
    assert response["status"] == "Accepted"
    assert response.raw.startswith("[3,")
    assert response.expect(rule="F06.FR.04", status="Accepted") is response
    # the station does what it accepted; the harness answers it by default
    assert booted.role.expect("Heartbeat").payload == {}


def test_response_expect_mismatch_fails_with_the_rule(booted: CsmsBench) -> None:
    response = booted.role.call("TriggerMessage", requestedMessage="Heartbeat")

    with pytest.raises(DutFailure) as failure:
        response.expect(rule="TEST.RULE.1", status="Rejected")

    assert str(failure.value) == (
        "TriggerMessage response does not match: $.status: expected 'Rejected', "
        "got 'Accepted' [TEST.RULE.1]"
    )
    assert failure.value.frame == response.raw


def test_response_expect_fails_on_callerror_with_the_rule(booted: CsmsBench) -> None:
    response = booted.role.call("Reset", type="Bogus", validate=False)

    assert response.is_error
    assert response.error_code == "PropertyConstraintViolation"
    with pytest.raises(DutFailure) as failure:
        response.expect(rule="B11.FR.01", status="Accepted")

    text = str(failure.value)
    assert text.startswith("Reset answered with CALLERROR PropertyConstraintViolation: "), text
    assert text.endswith("[B11.FR.01]"), text
    assert failure.value.rule == "B11.FR.01"
    assert failure.value.frame == response.raw and response.raw.startswith("[4,")


def test_call_that_breaks_the_schema_is_a_script_error(booted: CsmsBench) -> None:
    with pytest.raises(ScriptError) as error:
        booted.role.call("Reset", type="Bogus")

    assert str(error.value).startswith("the harness's Reset is not schema-valid: ResetRequest: ")
    assert str(error.value).endswith("(schema rule: enum)")
    assert [e for e in booted.frames(OUT) if e.action == "Reset"] == []


def test_a_dut_that_never_answers_fails_with_response_timeout(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.start_station(defects=["never-replies"])
    bench.boot()
    started = time.monotonic()

    with pytest.raises(DutFailure) as failure:
        bench.role.call("TriggerMessage", requestedMessage="Heartbeat", timeout=0.3)

    assert time.monotonic() - started >= 0.3
    text = str(failure.value)
    match = re.fullmatch(
        r"no response to TriggerMessage \(message id (\S+)\) within 0\.3 s; "
        r"received nothing \[ocppj\.response-timeout\]",
        text,
    )
    assert match, text
    [sent] = [e for e in bench.frames(OUT) if e.action == "TriggerMessage"]
    assert sent.message_id == match.group(1)
    assert failure.value.rule == "ocppj.response-timeout"


def test_call_with_the_station_gone_fails_not_connected(make_csms_bench) -> None:
    bench = settle_boot(make_csms_bench())
    bench.act("network_down")

    with pytest.raises(DutFailure) as failure:
        bench.role.call("TriggerMessage", requestedMessage="Heartbeat")

    assert str(failure.value) == (
        "cannot send TriggerMessage: the charging station is not connected "
        "[transport.not-connected]"
    )


def test_station_role_calls_the_csms(make_station_bench) -> None:
    bench = make_station_bench()
    bench.role.connect()

    response = bench.role.call(
        "BootNotification",
        reason="PowerUp",
        chargingStation={"model": "EngineTest", "vendorName": "Harness"},
    )

    response.expect(rule="B01.FR.02", status="Accepted")
    assert response["interval"] == 60
    assert response.action == "BootNotification"


def test_offline_refuses_reconnects_until_online(booted) -> None:
    """go_offline closes the connection and refuses handshakes (the station keeps
    trying); come_online lets the next attempt in; no new boot is needed."""
    booted.role.go_offline("test: an unreachable CSMS")

    def refused() -> bool:
        return any(r.rule == "harness.offline" for r in booted.session.rejections)

    assert booted.run(booted.session._wait(refused, 3), 4), "no reconnect was refused"
    assert not booted.on_loop(lambda: booted.session.connected)

    booted.role.come_online()
    booted.role.expect_reconnect(timeout=3)

    assert booted.on_loop(lambda: booted.session.connected)
    assert booted.station is not None and booted.station.boots_sent == 1


def test_the_end_of_a_case_brings_the_harness_back_online(booted) -> None:
    booted.role.go_offline("test: a case that forgets to come back")
    booted.run(_call(booted.session.end_case))
    assert booted.on_loop(booted.session.refusal) is None
