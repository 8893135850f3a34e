"""Part 6 §2.1 pre-conditions before a station case: accepted (waited for) and idle."""

from __future__ import annotations

import pytest

from harness.preconditions import establish_station_preconditions
from harness.verdicts import HarnessError
from tests.engine.bench import REAL_TIME, CsmsBench, _call


def _establish(bench: CsmsBench, wait: float) -> None:
    bench.run(
        establish_station_preconditions(bench.session, previous_case="TC_B_02_CS", wait=wait),
        wait + 2,
    )


def test_a_station_left_pending_is_waited_for_and_accepted(make_csms_bench) -> None:
    bench = make_csms_bench()
    # The interval outlasts the bench's boot wait (1 s for reports a Pending station
    # does not send), so the station is still Pending when the next case begins.
    bench.role.will_reply("BootNotification", status="Pending", interval=2)
    bench.start_station(timers=REAL_TIME)
    bench.boot()
    assert bench.on_loop(lambda: bench.session.monitors.boot_gate.status) == "Pending"
    bench.run(_call(bench.session.begin_case))  # the next case begins

    _establish(bench, wait=5)  # the retry after 2 s gets the default answer: Accepted

    assert bench.on_loop(lambda: bench.session.monitors.boot_gate.status) == "Accepted"


def test_a_station_that_stays_unaccepted_is_a_set_up_error(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.role.will_reply("BootNotification", status="Rejected", interval=60)
    bench.start_station(timers=REAL_TIME)
    bench.boot()
    bench.run(_call(bench.session.begin_case))

    with pytest.raises(HarnessError) as error:
        _establish(bench, wait=0.3)

    assert error.value.rule == "setup"
    assert str(error.value).startswith(
        "precondition not met: the station's boot was answered Rejected since TC_B_02_CS"
    )


def test_an_open_transaction_is_a_set_up_error(booted: CsmsBench) -> None:
    booted.on_loop(
        lambda: booted.session.monitors.seq_nos.observe(
            {"eventType": "Started", "seqNo": 0, "transactionInfo": {"transactionId": "TX9"}}
        )
    )
    with pytest.raises(
        HarnessError, match="not idle, transaction TX9 has not ended since TC_B_02_CS"
    ):
        _establish(booted, wait=0.1)


def test_a_station_that_only_reconnects_is_booted_at_once(booted: CsmsBench) -> None:
    """OCPP asks no new BootNotification for a reconnection: a station whose boot this
    session accepted is booted as soon as it is back, not after the boot wait (5 s here)."""
    import time

    booted.run(booted.session.close_current())
    booted.run(_call(booted.session.begin_case))  # the next case begins
    started = time.monotonic()
    assert booted.run(booted.session.wait_booted(5, 5), 12)
    assert time.monotonic() - started < 2.5, "a reconnection must not wait for a boot"
    assert booted.session.connections == 2


def test_a_station_that_connects_without_booting_gets_a_note(make_csms_bench) -> None:
    """No failure (a bare reconnection needs no boot), but a note saying the case starts
    from a station this CSMS never accepted, so that a later failure is understood."""
    from websockets.asyncio.client import connect

    from tests.engine.bench import IDENTITY

    bench = make_csms_bench()
    url = f"{bench.endpoint}/{IDENTITY}"

    async def quiet_station() -> object:
        return await connect(url, subprotocols=["ocpp2.0.1"])  # type: ignore[list-item]

    connection = bench.run(quiet_station())
    try:
        assert bench.run(bench.session.wait_booted(2, 0.2), 4)
        warnings = bench.on_loop(lambda: list(bench.session.warnings))
        assert [w.rule for w in warnings] == ["precondition.booted"]
        assert "sent no BootNotification within 0.2 s" in warnings[0].reason
    finally:
        bench.run(connection.close())  # type: ignore[attr-defined]


def test_the_set_up_does_not_wait_for_a_1_6_connector_0_status(make_csms_bench) -> None:
    """A 1.6 station that reports its connectors but not connector 0 (the charge point)
    is booted as soon as the connectors are in, not after the whole boot wait (5 s)."""
    import json
    import time

    from websockets.asyncio.client import connect

    from tests.engine.bench import IDENTITY

    bench = make_csms_bench("1.6")

    async def station() -> object:
        ws = await connect(f"{bench.endpoint}/{IDENTITY}", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
        boot = {"chargePointVendor": "v", "chargePointModel": "m"}
        await ws.send(json.dumps([2, "b1", "BootNotification", boot]))
        await ws.recv()  # the boot answer
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
        await ws.send(json.dumps([2, "s1", "StatusNotification", status]))
        return ws

    ws = bench.run(station())
    try:
        started = time.monotonic()
        assert bench.run(bench.session.wait_booted(2, 5, required=[1]), 8)
        assert time.monotonic() - started < 2.5
    finally:
        bench.run(ws.close())  # type: ignore[attr-defined]


def test_the_set_up_waits_for_every_real_connector_only() -> None:
    from harness.environment import DutEnvironment, embedded_profiles

    by_version = {p.ocpp.value: p for p in embedded_profiles() if p.kind == "charging-station"}
    waits = {
        version: DutEnvironment(profile, loop=None)._boot_reports(profile)  # type: ignore[arg-type]
        for version, profile in by_version.items()
    }
    assert waits == {"1.6": [1], "2.0.1": [(1, 1)]}
