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
from harness.steps.device_model import Variable, configure
from tests.matrix import (
    CLEAN,
    Expectation,
    by_id,
    case_item,
    defect_items,
    run_catalog_case,
)

TX_UPDATED_INTERVAL = Variable("SampledDataCtrlr", "TxUpdatedInterval")


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


@testcase(
    "TC_Q_04_CS",
    "started offline with periodic readings, stopped online",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def start_offline_metered(csms, dut):
    """The queue goes on past Charging with the readings taken offline (each offline
    true); after_queue passes them and takes the driver's stop."""
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    configure(csms, TX_UPDATED_INTERVAL, "1")
    csms.finally_do("no periodic readings", configure, csms, TX_UPDATED_INTERVAL, "0")
    configure(csms, offline.OFFLINE_TX_FOR_UNKNOWN_ID, "true")
    tx = states.session(csms, dut)
    csms.go_offline("the readings go to the queue")
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    tx.authorized, tx.token_due = "local", True
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected, tx.evse_due = True, True
    seconds = 2 * 1 + dut.profile.tolerances.time_deviation
    csms.hold_for(seconds, "two readings offline (TxUpdatedInterval 1 s)")
    csms.come_online()
    csms.expect_reconnect(timeout=dut.timeouts.connect, rule="E04.FR.02")
    offline.deliver_queued(csms, dut, tx, until="Charging")
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    offline.after_queue(csms, dut, tx, rule="E07.FR.02", trigger="StopAuthorized")


CASES = by_id(queue_ended, queue_ended_power_path, start_offline, start_offline_metered)


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
    "offline-readings-unflagged": ("TC_Q_04_CS", "E04.FR.03"),
}

#: for tests/sim/test_sim_defects.py
PROVEN = set(FAILING)


@pytest.mark.parametrize("case", defect_items(CASES, FAILING))
def test_each_offline_defect_fails_naming_its_rule(case, request):
    run_catalog_case(case, request)
