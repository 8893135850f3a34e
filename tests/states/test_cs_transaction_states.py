"""Part 6 §2.18 transaction states against the simulated 2.0.1 station.

Every chain of states is run under several TxStartPoint/TxStopPoint configurations (each
a legal station), in both orders Part 6 uses (cable first, token first) and with both
ways of authorizing and stopping (local token, Request{Start,Stop}Transaction). One
pytest run holds them all, so the matrix costs one subprocess. Each station defect
that breaks a rule of the states fails the chain naming that rule.
"""

from __future__ import annotations

import itertools

import pytest

from tests.helpers import case_verdicts, pytester_run

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

CASES = f"""
from harness import testcase
from harness.states import cs, cs_transactions as states
from harness.steps.device_model import configure

MATRIX = {MATRIX!r}


def make(number, start, stop, order, method):
    @testcase(f"TC_T_{{number:02d}}_CS", f"{{start}} / {{stop}}, {{order}}, {{method}}",
              ocpp="2.0.1", dut_kind="charging-station")
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


for number, ((start, stop), order, method) in enumerate(MATRIX):
    globals()[f"test_t_{{number:02d}}"] = make(number, start, stop, order, method)


@testcase("TC_T_90_CS", "EV suspends, then a local stop", ocpp="2.0.1",
          dut_kind="charging-station")
def test_suspended(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = states.energy_transfer_suspended(csms, dut)  # runs Authorized, EnergyTransferStarted
    states.ev_disconnected(csms, dut, tx)  # runs StopAuthorized, EVConnectedPostSession


@testcase("TC_T_91_CS", "suspended with TxStopPoint EnergyTransfer ends", ocpp="2.0.1",
          dut_kind="charging-station")
def test_suspended_ends(csms, dut):
    configure(csms, states.TX_START_POINT, "PowerPathClosed")
    configure(csms, states.TX_STOP_POINT, "EnergyTransfer")
    tx = states.energy_transfer_suspended(csms, dut)
    assert tx.ended


@testcase("TC_T_92_CS", "Unavailable, then back", ocpp="2.0.1", dut_kind="charging-station")
def test_unavailable(csms, dut):
    states.unavailable(csms, dut, evse=1)


@testcase("TC_T_93_CS", "Reserved, then the reserved driver charges", ocpp="2.0.1",
          dut_kind="charging-station")
def test_reserved_token_first(csms, dut):
    configure(csms, states.TX_START_POINT, "EVConnected,Authorized")
    configure(csms, states.TX_STOP_POINT, "EVConnected")
    tx = states.reserved(csms, dut)
    states.ev_disconnected(csms, dut, tx)  # Authorized ... EVDisconnected


@testcase("TC_T_94_CS", "Reserved, the cable first, then the token", ocpp="2.0.1",
          dut_kind="charging-station")
def test_reserved_cable_first(csms, dut):
    configure(csms, states.TX_START_POINT, "PowerPathClosed")
    configure(csms, states.TX_STOP_POINT, "PowerPathClosed")
    tx = states.reserved(csms, dut)
    states.ev_connected_pre_session(csms, dut, tx)
    states.authorized(csms, dut, tx, method="remote")
    states.ev_disconnected(csms, dut, tx)
"""


@pytest.fixture
def run(pytester):
    return pytester_run(pytester, CASES)


def test_every_chain_passes_the_conformant_station(run):
    result, report = run()
    verdicts = case_verdicts(report)
    assert len(verdicts) == len(MATRIX) + 5
    failed = {k: v for k, v in verdicts.items() if v[0] != "passed"}
    assert failed == {}
    assert all(not c["warnings"] for c in report["cases"])


def test_every_chain_passes_a_station_reporting_by_notify_event(run):
    _, report = run("--sim-option", "connector-report-notify-event", "-k", "TC_T_0 or TC_T_9")
    failed = {k: v for k, v in case_verdicts(report).items() if v[0] != "passed"}
    assert failed == {}


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


@pytest.mark.parametrize("defect", sorted(FAILING))
def test_each_transaction_defect_fails_its_chain_naming_the_rule(run, defect):
    case_id, rule = FAILING[defect]
    _, report = run("--sim-defect", defect, "--case", case_id)
    [(verdict, named, reason)] = case_verdicts(report).values()
    assert (verdict, named) == ("failed", rule), reason


@pytest.mark.parametrize("defect", sorted(WARNING))
def test_a_defect_beyond_octt_warns_and_fails_with_strict(run, defect):
    case_id, rule = WARNING[defect]
    _, report = run("--sim-defect", defect, "--case", case_id)
    [case] = report["cases"]
    assert case["verdict"] == "passed"
    assert [(w["kind"], w["rule"]) for w in case["warnings"]] == [("beyond-octt", rule)]
    _, strict = run("--sim-defect", defect, "--case", case_id, "--ocpp-strict")
    [(verdict, named, _)] = case_verdicts(strict).values()
    assert (verdict, named) == ("failed", rule)
