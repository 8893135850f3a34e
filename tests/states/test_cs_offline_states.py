"""Part 6 offline states against the simulated 2.0.1 station: the harness plays an
unreachable CSMS, the station charges offline and delivers its queued TransactionEvents
once it is let back in."""

from __future__ import annotations

import pytest

from tests.helpers import case_verdicts, pytester_run

CASES = """
from harness import testcase
from harness.states import cs_offline as offline, cs_transactions as states
from harness.steps.device_model import configure


@testcase("TC_Q_01_CS", "a whole transaction offline", ocpp="2.0.1",
          dut_kind="charging-station")
def test_queue_ended(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = offline.transaction_events_in_queue_ended(csms, dut)
    events = offline.deliver_queued(csms, dut, tx)
    assert [e["eventType"] for e in events][0] == "Started"
    assert events[-1]["eventType"] == "Ended" and tx.ended


@testcase("TC_Q_02_CS", "a whole transaction offline, power path", ocpp="2.0.1",
          dut_kind="charging-station")
def test_queue_ended_power_path(csms, dut):
    configure(csms, states.TX_START_POINT, "PowerPathClosed")
    configure(csms, states.TX_STOP_POINT, "PowerPathClosed")
    tx = offline.transaction_events_in_queue_ended(csms, dut)
    offline.deliver_queued(csms, dut, tx)


@testcase("TC_Q_03_CS", "started offline, stopped online", ocpp="2.0.1",
          dut_kind="charging-station")
def test_start_offline(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = offline.start_offline_transaction(csms, dut)
    offline.deliver_queued(csms, dut, tx, until="Charging")
    states.ev_disconnected(csms, dut, tx)  # StopAuthorized, post-session, unplug: online
"""


@pytest.fixture
def run(pytester):
    return pytester_run(pytester, CASES)


def test_offline_states_pass_the_conformant_station(run):
    _, report = run()
    assert {k: v[0] for k, v in case_verdicts(report).items()} == {
        "TC_Q_01_CS": "passed",
        "TC_Q_02_CS": "passed",
        "TC_Q_03_CS": "passed",
    }, case_verdicts(report)
    steps = next(c for c in report["cases"] if c["id"] == "TC_Q_01_CS")["steps"]
    kinds = [s["kind"] for s in steps]
    assert "offline" in kinds and "online" in kinds  # the harness really went away


#: each offline defect of the simulated station and the rule its verdict must name
FAILING = {
    "offline-flag-missing": ("TC_Q_01_CS", "E04.FR.03"),
    "drops-offline-events": ("TC_Q_01_CS", "E04.FR.02"),
}

#: for tests/sim/test_sim_defects.py
PROVEN = set(FAILING)


@pytest.mark.parametrize("defect", sorted(FAILING))
def test_each_offline_defect_fails_naming_its_rule(run, defect):
    case_id, rule = FAILING[defect]
    _, report = run("--sim-defect", defect, "--case", case_id)
    [(verdict, named, reason)] = case_verdicts(report).values()
    assert (verdict, named) == ("failed", rule), reason
