"""TC_F_20_CS tells the Heartbeat it asked for from the periodic one (issue 10 item 3).

A station given a heartbeat interval shorter than the response timeout sends its
periodic Heartbeat inside a window of "one response timeout"; before the fix, a station
that ignores TriggerMessage passed whenever the periodic one fell in that window. Here
the station heartbeats every second in real time (the harness's response timeout is
3 s), and the case runs both right after a periodic Heartbeat and late in the cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

import testcases.v201.cs.test_f_remote_control as block_f
from harness.roles import CsmsRole
from harness.steps.heartbeat import trigger_window
from harness.verdicts import DutFailure, HarnessError
from tests.engine.bench import REAL_TIME, CsmsBench, settle_boot

DEVIATION = 0.3
RESPONSE = 3.0


def _dut() -> Any:
    """What TC_F_20_CS reads of the Dut: the response timeout and the time deviation."""
    return SimpleNamespace(
        timeouts=SimpleNamespace(response=RESPONSE),
        profile=SimpleNamespace(tolerances=SimpleNamespace(time_deviation=DEVIATION)),
    )


def _role(bench: CsmsBench) -> CsmsRole:
    return CsmsRole(
        bench.loop,
        bench.session,
        url=bench.server.url,
        response_timeout=RESPONSE,
        connect_timeout=2,
        evses=bench.evses,
    )


def _late_in_the_cycle(bench: CsmsBench) -> None:
    """Hold (answering the station) until the periodic Heartbeat is due within 0.3 s: a
    trigger sent then has the periodic one inside a response timeout. The hold is a
    point on the protocol's clock that the test needs, not a wait for an event."""
    monitors = bench.session.monitors

    def due() -> float | None:
        return monitors.periodic_heartbeat_due(asyncio.get_running_loop().time())

    for _ in range(3):  # a busy machine may let the Heartbeat come during the hold
        left = bench.on_loop(due)
        assert left is not None
        if 0 < left < 0.4:
            return
        bench.run(bench.session.hold(max(left - 0.3, 0.0)), 3)
    raise AssertionError(f"never within 0.4 s of the periodic Heartbeat (due in {left} s)")


def _chatty_station(make_csms_bench: Callable[..., CsmsBench], defects: list[str]) -> CsmsBench:
    return settle_boot(make_csms_bench(heartbeat=1), defects=defects, timers=REAL_TIME)


@pytest.mark.parametrize("late", [False, True], ids=["after-a-heartbeat", "late-in-the-cycle"])
def test_a_station_that_ignores_the_trigger_fails_whatever_the_phase(
    make_csms_bench: Callable[..., CsmsBench], late: bool
) -> None:
    bench = _chatty_station(make_csms_bench, ["ignores-trigger"])
    if late:
        _late_in_the_cycle(bench)

    with pytest.raises(DutFailure) as failure:
        block_f.test_tc_f_20_cs(_role(bench), _dut())

    assert failure.value.rule == "F06.FR.10", failure.value


@pytest.mark.parametrize("late", [False, True], ids=["after-a-heartbeat", "late-in-the-cycle"])
def test_a_conformant_station_passes_whatever_the_phase(
    make_csms_bench: Callable[..., CsmsBench], late: bool
) -> None:
    bench = _chatty_station(make_csms_bench, [])
    if late:
        _late_in_the_cycle(bench)

    block_f.test_tc_f_20_cs(_role(bench), _dut())

    if late:  # the trigger waited for the periodic Heartbeat that was due
        steps = [step["what"] for step in bench.session.trace.steps]
        assert any("periodic Heartbeat" in what for what in steps), steps
    assert not bench.failures()


def test_an_interval_within_the_deviation_is_a_setup_error(
    make_csms_bench: Callable[..., CsmsBench],
) -> None:
    bench = _chatty_station(make_csms_bench, [])

    with pytest.raises(HarnessError, match=r"heartbeat interval .* \(1 s\) is within"):
        trigger_window(_role(bench), response=RESPONSE, deviation=1.0, rule="F06.FR.10")


def test_the_periodic_heartbeat_is_counted_from_the_boot_answer_or_the_latest_heartbeat() -> None:
    """Sans-IO: the monitors' clock of the periodic Heartbeat (times are given)."""
    from harness.monitors import RuleMonitors
    from harness.ocppj import OcppVersion

    monitors = RuleMonitors(OcppVersion.V201, peer="charging station")
    assert monitors.periodic_heartbeat_due(100.0) is None  # no interval given yet
    monitors.boot_gate.boot_requested()
    monitors.harness_boot_answer("Accepted", 60, now=100.0)
    assert monitors.periodic_heartbeat_due(110.0) == 50.0
    monitors.dut_call("Heartbeat", {}, seq=3, now=130.0)
    assert monitors.periodic_heartbeat_due(140.0) == 50.0
    monitors.dut_call("StatusNotification", {}, seq=4, now=150.0)  # not a heartbeat
    assert monitors.periodic_heartbeat_due(190.0) == 0.0
    monitors.harness_boot_answer("Pending", 5, now=200.0)  # no heartbeat interval
    assert monitors.periodic_heartbeat_due(200.0) == -10.0
    monitors.new_device()
    assert monitors.periodic_heartbeat_due(200.0) is None
