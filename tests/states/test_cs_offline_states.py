"""Part 6 offline states against the simulated 2.0.1 station: the harness plays an
unreachable CSMS, the station charges offline and delivers its queued TransactionEvents
once it is let back in.

The cases run in this process (:mod:`tests.matrix`): one item per case and simulator
set-up, judged by the verdict it must get.
"""

from __future__ import annotations

import pytest

from harness import testcase
from harness.states import cs_offline as offline
from harness.states import cs_transactions as states
from harness.steps.device_model import configure
from tests.matrix import (
    CLEAN,
    Expectation,
    by_id,
    case_item,
    defect_items,
    run_catalog_case,
)


@testcase("TC_Q_01_CS", "a whole transaction offline", ocpp="2.0.1", dut_kind="charging-station")
def queue_ended(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = offline.transaction_events_in_queue_ended(csms, dut)
    events = offline.deliver_queued(csms, dut, tx)
    assert [e["eventType"] for e in events][0] == "Started"
    assert events[-1]["eventType"] == "Ended" and tx.ended


@testcase(
    "TC_Q_02_CS",
    "a whole transaction offline, power path",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def queue_ended_power_path(csms, dut):
    configure(csms, states.TX_START_POINT, "PowerPathClosed")
    configure(csms, states.TX_STOP_POINT, "PowerPathClosed")
    tx = offline.transaction_events_in_queue_ended(csms, dut)
    offline.deliver_queued(csms, dut, tx)


@testcase(
    "TC_Q_03_CS", "started offline, stopped online", ocpp="2.0.1", dut_kind="charging-station"
)
def start_offline(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = offline.start_offline_transaction(csms, dut)
    offline.deliver_queued(csms, dut, tx, until="Charging")
    states.ev_disconnected(csms, dut, tx)  # StopAuthorized, post-session, unplug: online


CASES = by_id(queue_ended, queue_ended_power_path, start_offline)


def went_away_and_back(case):
    """The harness really went away: the steps show it offline, then online."""
    kinds = [s["kind"] for s in case["steps"]]
    assert "offline" in kinds and "online" in kinds, kinds


CONFORMANT = {"TC_Q_01_CS": Expectation("passed", notes=(), check=went_away_and_back)}


@pytest.mark.parametrize(
    "case",
    [case_item(case, case_id, CONFORMANT.get(case_id, CLEAN)) for case_id, case in CASES.items()],
)
def test_offline_states_pass_the_conformant_station(case, request):
    run_catalog_case(case, request)


#: each offline defect of the simulated station and the rule its verdict must name
FAILING = {
    "offline-flag-missing": ("TC_Q_01_CS", "E04.FR.03"),
    "drops-offline-events": ("TC_Q_01_CS", "E04.FR.02"),
}

#: for tests/sim/test_sim_defects.py
PROVEN = set(FAILING)


@pytest.mark.parametrize("case", defect_items(CASES, FAILING))
def test_each_offline_defect_fails_naming_its_rule(case, request):
    run_catalog_case(case, request)
