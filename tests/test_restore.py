"""Undoing what a case changed (Part 6 §2.1): the table, and a case run on the simulator."""

from __future__ import annotations

import pytest

from harness.restore import undo_for
from tests.helpers import pytester_run
from tests.test_two_evses import CASE

ACCEPTED = {"status": "Accepted"}


@pytest.mark.parametrize(
    "action,request_,response,undo",
    [
        ("ReserveNow", {"id": 7}, ACCEPTED, ("CancelReservation", {"reservationId": 7})),
        ("ReserveNow", {"id": 7}, {"status": "Occupied"}, None),
        (
            "SetChargingProfile",
            {"chargingProfile": {"id": 3}},
            ACCEPTED,
            ("ClearChargingProfile", {"chargingProfileId": 3}),
        ),
        ("SetDisplayMessage", {"message": {"id": 5}}, ACCEPTED, ("ClearDisplayMessage", {"id": 5})),
        (
            "SetVariableMonitoring",
            {},
            {"setMonitoringResult": [{"id": 1, "status": "Accepted"}, {"status": "Rejected"}]},
            ("ClearVariableMonitoring", {"id": [1]}),
        ),
        (
            "ChangeAvailability",
            {"operationalStatus": "Inoperative", "evse": {"id": 1}},
            {"status": "Scheduled"},
            ("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 1}}),
        ),
        ("ChangeAvailability", {"operationalStatus": "Operative"}, ACCEPTED, None),
        ("GetVariables", {}, ACCEPTED, None),
    ],
)
def test_undo_table(action, request_, response, undo):
    found = undo_for(action, request_, response)
    assert (found[1:] if found else None) == undo


CASES = """
from harness import testcase


@testcase("TC_R_01_CS", "leaves an EVSE inoperative", ocpp="2.0.1",
          dut_kind="charging-station", catches=["no-heartbeat"])
def test_inoperative(csms, dut):
    csms.call("ChangeAvailability", operationalStatus="Inoperative", evse={"id": 1}).expect(
        rule="G03.FR.01", status="Accepted"
    )
"""


def test_an_inoperative_evse_is_made_operative_after_the_case(pytester: pytest.Pytester):
    _, report = pytester_run(pytester, CASES)()
    [case] = report["cases"]
    assert case["verdict"] == "passed", case["reason"]
    [restore] = [s for s in case["steps"] if s["kind"] == "restore"]
    assert restore["what"] == "make the station of EVSE 1 Operative again"
    calls = [s["what"] for s in case["steps"] if s["kind"] == "call"]
    assert calls[-1].startswith('ChangeAvailability {"operationalStatus": "Operative"')


@pytest.mark.parametrize(("defect", "verdict"), [(None, "passed"), ("closes-on-pending", "failed")])
def test_a_csms_set_to_answer_pending_is_set_back_after_the_case(pytester, defect, verdict):
    """Issue 12: a failed TC_B_02_CSMS left a CSMS answering Pending, and the next case
    blamed a legal Pending on B01.FR.02. boot_pending declares its undo (boot_accept),
    which runs after the case whatever its verdict, once."""
    run = pytester_run(pytester, CASE.format(case="TC_B_02_CSMS"), in_process=True)
    _, report = run(*(["--sim-defect", defect] if defect else []))
    [case] = report["cases"]
    assert case["verdict"] == verdict, case["reason"]
    restores = [s["what"] for s in case["steps"] if s["kind"] == "restore"]
    assert restores == ["boot_accept: undo boot_pending"], case["steps"]
