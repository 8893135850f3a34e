"""Part 6 §2.18 transaction states against the simulated 2.0.1 station.

Every chain of states is run under several TxStartPoint/TxStopPoint configurations (each
a legal station), in both orders Part 6 uses (cable first, token first) and with both
ways of authorizing and stopping (local token, Request{Start,Stop}Transaction). Each
station defect that breaks a rule of the states fails the chain naming that rule.

The cases run in this process (:mod:`tests.matrix`): one item per case and simulator
set-up (conformant, NotifyEvent connector reports, each defect, --strict), judged by the
verdict it must get.
"""

from __future__ import annotations

import itertools

import pytest

from harness import testcase
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

#: (TxStartPoint, TxStopPoint) pairs: the simulator's default, Part 6 §3.1's, and one
#: per point the simulator can meet
POINTS = [
    ("Authorized", "Authorized"),
    ("EVConnected,Authorized", "EVConnected"),
    ("EVConnected", "EVConnected"),
    ("PowerPathClosed", "PowerPathClosed"),
    ("EnergyTransfer", "EnergyTransfer"),
    ("ParkingBayOccupancy", "ParkingBayOccupancy"),
]
ORDERS = ["cable-first", "token-first"]
METHODS = ["local", "remote"]

MATRIX = list(itertools.product(POINTS, ORDERS, METHODS))


def make(number: int, start: str, stop: str, order: str, method: str):
    """The chain of every transaction state, under one configuration and order."""

    @testcase(
        f"TC_T_{number:02d}_CS",
        f"{start} / {stop}, {order}, {method}",
        ocpp="2.0.1",
        dut_kind="charging-station",
    )
    def case(csms, dut):
        configure(csms, states.TX_START_POINT, start)
        configure(csms, states.TX_STOP_POINT, stop)
        tx = states.session(csms, dut)
        if order == "cable-first":
            states.ev_connected_pre_session(csms, dut, tx)
            states.authorized(csms, dut, tx, method=method)
        else:
            states.authorized(csms, dut, tx, method=method)
        states.energy_transfer_started(csms, dut, tx)
        states.stop_authorized(csms, dut, tx, method=method)
        states.ev_connected_post_session(csms, dut, tx)
        states.parking_bay_unoccupied(csms, dut, tx)  # runs EVDisconnected first
        assert tx.ended and tx.transaction_id

    return case


CHAINS = [
    make(number, *points, order, method) for number, (points, order, method) in enumerate(MATRIX)
]


@testcase("TC_T_90_CS", "EV suspends, then a local stop", ocpp="2.0.1", dut_kind="charging-station")
def suspended(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = states.energy_transfer_suspended(csms, dut)  # runs Authorized, EnergyTransferStarted
    states.ev_disconnected(csms, dut, tx)  # runs StopAuthorized, EVConnectedPostSession


@testcase(
    "TC_T_91_CS",
    "suspended with TxStopPoint EnergyTransfer ends",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def suspended_ends(csms, dut):
    configure(csms, states.TX_START_POINT, "PowerPathClosed")
    configure(csms, states.TX_STOP_POINT, "EnergyTransfer")
    tx = states.energy_transfer_suspended(csms, dut)
    assert tx.ended


@testcase("TC_T_92_CS", "Unavailable, then back", ocpp="2.0.1", dut_kind="charging-station")
def unavailable(csms, dut):
    states.unavailable(csms, dut, evse=1)


@testcase(
    "TC_T_93_CS",
    "Reserved, then the reserved driver charges",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def reserved_token_first(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = states.reserved(csms, dut)
    states.ev_disconnected(csms, dut, tx)  # Authorized ... EVDisconnected


@testcase(
    "TC_T_94_CS",
    "Reserved, the cable first, then the token",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def reserved_cable_first(csms, dut):
    configure(csms, states.TX_START_POINT, "PowerPathClosed")
    configure(csms, states.TX_STOP_POINT, "PowerPathClosed")
    tx = states.reserved(csms, dut)
    states.ev_connected_pre_session(csms, dut, tx)
    states.authorized(csms, dut, tx, method="remote")
    states.ev_disconnected(csms, dut, tx)


#: every case by id: the chains of MATRIX, then the other states
CASES = by_id(
    *CHAINS, suspended, suspended_ends, unavailable, reserved_token_first, reserved_cable_first
)


def test_every_chain_of_the_matrix_is_a_case():
    assert len(CASES) == len(MATRIX) + 5


@pytest.mark.parametrize(
    "case", [case_item(case, case_id, CLEAN) for case_id, case in CASES.items()]
)
def test_every_chain_passes_the_conformant_station(case, request):
    run_catalog_case(case, request)


@pytest.mark.parametrize(
    "case",
    [
        case_item(case, case_id, CLEAN, options=("connector-report-notify-event",))
        for case_id, case in CASES.items()
    ],
)
def test_every_chain_passes_a_station_reporting_by_notify_event(case, request):
    run_catalog_case(case, request)


def _number(points: tuple[str, str], order: str, method: str) -> str:
    return f"TC_T_{MATRIX.index((points, order, method)):02d}_CS"


#: Part 6 §3.1's configuration, cable first, local token: the usual chain
USUAL = _number(("EVConnected,Authorized", "EVConnected"), "cable-first", "local")

#: each transaction defect of the simulated station, the chain that meets it, and the
#: rule the verdict must name
FAILING = {
    "tx-first-event-updated": (USUAL, "E01.FR.02"),
    "tx-no-evse-after-plug-in": (USUAL, "E01.FR.16"),
    "tx-no-token-after-authorization": (USUAL, "E02.FR.20"),
    "tx-remote-start-as-authorized": (
        _number(("EVConnected,Authorized", "EVConnected"), "cable-first", "remote"),
        "F02.FR.21",
    ),
    "tx-no-charging-state": (USUAL, "E02.FR.13"),
    "tx-not-ended-at-unplug": (USUAL, "E06.FR.02"),
    "tx-remote-stop-reason-local": (
        _number(("Authorized", "Authorized"), "cable-first", "remote"),
        "F03.FR.03",
    ),
    "tx-stop-trigger-wrong": (USUAL, "E07.FR.02"),
    "no-occupied-at-plug-in": (USUAL, "G01.FR.03"),
    "reserve-no-reserved-status": ("TC_T_93_CS", "H01.FR.23"),
    "tx-no-reservation-id": ("TC_T_93_CS", "H01.FR.15"),
}

#: defects OCTT would not see: the chain passes with a warning, and fails with --strict
WARNING = {"tx-authorize-before-stop": (USUAL, "C01.FR.03")}

#: for tests/sim/test_sim_defects.py: every defect here has its proof
PROVEN = set(FAILING) | set(WARNING)


@pytest.mark.parametrize("case", defect_items(CASES, FAILING))
def test_each_transaction_defect_fails_its_chain_naming_the_rule(case, request):
    run_catalog_case(case, request)


WARNED = [
    case_item(
        CASES[case_id], defect, Expectation("passed", warnings=(rule,), notes=()), defects=(defect,)
    )
    for defect, (case_id, rule) in sorted(WARNING.items())
]


@pytest.mark.parametrize("case", WARNED + defect_items(CASES, WARNING, strict=True))
def test_a_defect_beyond_octt_warns_and_fails_with_strict(case, request):
    run_catalog_case(case, request)
