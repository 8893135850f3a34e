"""Part 6 §2.19 memory states against the simulated 2.0.1 station.

The cases of this module hold every state, each used the way a case of its block would
use it (a local-list token presented with LocalPreAuthorize on, the cached token
presented again, a profile and certificates installed), and a case that checks the
station it gets is empty: no list, no profile, no certificate. Each station defect that
breaks a check of the states fails the state (or, for a check OCTT does not make, warns)
naming its rule; a defect that breaks an undo leaves the verdict alone and puts a note
naming its rule on the case, as every post-condition does.

The cases run in this process (:mod:`tests.matrix`): one item per case and simulator
set-up, judged by the verdict it must get. Each case gets a fresh simulator (in a
subprocess run as well), so what shows that a state leaves the station as found is its
case's restore steps: each carried out, each undo answered Accepted.
"""

from __future__ import annotations

import pytest

from harness import testcase
from harness.states import cs_memory as memory
from harness.states import cs_transactions as states
from harness.steps.device_model import Variable, configure, get_variable
from tests.matrix import CLEAN, Expectation, by_id, case_item, defect_items, run_catalog_case

#: (TxStartPoint, TxStopPoint) under which IdTokenCached must end its transaction
POINTS = [
    ("Authorized", "Authorized"),
    ("EVConnected,Authorized", "EVConnected"),
    ("PowerPathClosed", "PowerPathClosed"),
    ("EnergyTransfer", "EnergyTransfer"),
    ("ParkingBayOccupancy", "ParkingBayOccupancy"),
]

PRE_AUTHORIZE = Variable("AuthCtrlr", "LocalPreAuthorize")

#: a TxDefaultProfile for the whole station: 16 A from the start, no end
PROFILE = {
    "id": 41,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "startSchedule": "2024-01-01T00:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
        }
    ],
}


def charge_without_asking(csms, dut):
    # The whole chain, with no AuthorizeRequest for the token (C12.FR.02, C14.FR.02).
    mark = csms.mark()
    tx = states.ev_disconnected(csms, dut)
    assert tx.ended
    assert not csms.received("Authorize", after=mark), "the station asked the CSMS"


@testcase("TC_Y_01_CS", "IdTokenLocalAuthList", ocpp="2.0.1", dut_kind="charging-station")
def local_list(csms, dut):
    version = memory.id_token_local_auth_list(csms, dut)
    assert version >= 1
    value, _ = get_variable(csms, Variable("LocalAuthListCtrlr", "Entries"))
    assert value == "1", value


@testcase(
    "TC_Y_02_CS",
    "the listed token needs no AuthorizeRequest",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def local_list_used(csms, dut):
    configure(csms, PRE_AUTHORIZE, "true")
    memory.id_token_local_auth_list(csms, dut)
    charge_without_asking(csms, dut)


def make_cached(number, start, stop):
    @testcase(
        f"TC_Y_1{number}_CS",
        f"IdTokenCached, {start} / {stop}",
        ocpp="2.0.1",
        dut_kind="charging-station",
    )
    def case(csms, dut):
        configure(csms, states.TX_START_POINT, start)
        configure(csms, states.TX_STOP_POINT, stop)
        tx = memory.id_token_cached(csms, dut)
        assert tx.ended and tx.transaction_id

    return case


CACHED_CASES = [make_cached(number, start, stop) for number, (start, stop) in enumerate(POINTS)]


@testcase(
    "TC_Y_20_CS",
    "the cached token needs no AuthorizeRequest until ClearCache",
    ocpp="2.0.1",
    dut_kind="charging-station",
)
def cache_used_and_cleared(csms, dut):
    memory.id_token_cached(csms, dut)
    configure(csms, PRE_AUTHORIZE, "true")
    charge_without_asking(csms, dut)
    csms.call("ClearCache").expect(rule="C11.FR.03", status="Accepted")
    mark = csms.mark()
    tx = states.ev_disconnected(csms, dut)
    assert tx.ended
    assert csms.received("Authorize", after=mark), "a cleared cache still knew the token"


@testcase("TC_Y_30_CS", "SetChargingProfile", ocpp="2.0.1", dut_kind="charging-station")
def profile(csms, dut):
    memory.set_charging_profile(csms, dut, PROFILE, evse=0)
    csms.call("GetChargingProfiles", requestId=7, chargingProfile={}).expect(
        rule="K09.FR.06", status="Accepted"
    )
    csms.expect("ReportChargingProfiles", requestId=7, chargingProfile=[PROFILE])


@testcase(
    "TC_Y_40_CS", "CertificateInstalled, two types", ocpp="2.0.1", dut_kind="charging-station"
)
def certificates(csms, dut):
    for use in ("CSMSRootCertificate", "V2GRootCertificate"):
        installed = memory.certificate_installed(csms, dut, use)
        assert installed.certificate_type == use and installed.hash_data["serialNumber"]


@testcase("TC_Y_99_CS", "the station is as it was found", ocpp="2.0.1", dut_kind="charging-station")
def as_found(csms, dut):
    for component, name, instance in (
        ("LocalAuthListCtrlr", "Entries", None),
        ("SmartChargingCtrlr", "Entries", "ChargingProfiles"),
        ("SecurityCtrlr", "CertificateEntries", None),
    ):
        value, _ = get_variable(csms, Variable(component, name, instance=instance))
        assert value == "0", (component, value)
    csms.call("GetChargingProfiles", requestId=8, chargingProfile={}).expect(
        rule="K09.FR.06", status="NoProfiles"
    )
    csms.call("GetInstalledCertificateIds").expect(rule="M03.FR.02", status="NotFound")
    value, _ = get_variable(csms, PRE_AUTHORIZE)
    assert value == "false", value


CASES = by_id(
    local_list,
    local_list_used,
    *CACHED_CASES,
    cache_used_and_cleared,
    profile,
    certificates,
    as_found,
)

CACHED = [f"TC_Y_1{number}_CS" for number in range(len(POINTS))]
ALL = ["TC_Y_01_CS", "TC_Y_02_CS", *CACHED, "TC_Y_20_CS", "TC_Y_30_CS", "TC_Y_40_CS", "TC_Y_99_CS"]

#: the undo each state registers, as the restore step of report.json names it
UNDONE = {
    "TC_Y_01_CS": ["empty the local authorization list"],
    "TC_Y_30_CS": ["clear charging profile 41"],
    "TC_Y_40_CS": [
        "delete the V2GRootCertificate installed",
        "delete the CSMSRootCertificate installed",
    ],
}


#: the calls that undo what a state installed
UNDO_CALLS = ("ClearCharging", "DeleteCert", "SendLocal")


def undone(wanted: list[str]):
    """The case's restore steps are ``wanted``, each carried out, and the station
    answered every undo call Accepted (not just sent)."""

    def restored_all(case):
        restores = [s for s in case["steps"] if s["kind"] == "restore"]
        assert [s["what"].split(" (")[0] for s in restores] == wanted
        assert all(s["outcome"] == "ok" for s in restores), restores
        answers = [
            s.get("detail", "")
            for s in case["steps"]
            if s["kind"] == "call" and s["what"].startswith(UNDO_CALLS)
        ]
        assert answers and all('"Accepted"' in detail for detail in answers), answers

    return restored_all


def test_the_cases_are_all_there():
    assert list(CASES) == ALL


@pytest.mark.parametrize(
    "case",
    [
        case_item(case, case_id, Expectation("passed", notes=(), check=undone(UNDONE[case_id])))
        if case_id in UNDONE
        else case_item(case, case_id, CLEAN)
        for case_id, case in CASES.items()
    ],
)
def test_every_memory_state_passes_and_leaves_the_station_as_found(case, request):
    run_catalog_case(case, request)


@pytest.mark.parametrize(
    "case",
    [
        case_item(CASES[case_id], case_id, CLEAN, options=("connector-report-notify-event",))
        for case_id in (*CACHED, "TC_Y_20_CS")
    ],
)
def test_the_states_pass_a_station_reporting_by_notify_event(case, request):
    run_catalog_case(case, request)


#: each memory defect: the case that meets it, the rule, and how it shows: a "failed"
#: verdict; a "beyond-octt" warning (a check OCTT does not make here; with --strict a
#: failure); a "note" (an undo the station did not carry out; the verdict stands)
PROOFS = {
    "local-list-update-failed": ("TC_Y_01_CS", "D01.FR.15", "failed"),
    "set-charging-profile-rejected": ("TC_Y_30_CS", "K01.FR.14", "failed"),
    "install-certificate-failed": ("TC_Y_40_CS", "M05.FR.02", "failed"),
    "local-list-version-not-kept": ("TC_Y_01_CS", "D01.FR.15", "beyond-octt"),
    "local-list-not-emptied": ("TC_Y_01_CS", "D01.FR.04", "note"),
    "certificate-ids-omit-installed": ("TC_Y_40_CS", "M03.FR.03", "note"),
    "delete-certificate-not-found": ("TC_Y_40_CS", "M04.FR.02", "note"),
}

#: for tests/sim/test_sim_defects.py: every defect here has its proof
PROVEN = set(PROOFS)


def _shown(shows: str) -> dict[str, tuple[str, str]]:
    return {
        defect: (case_id, rule) for defect, (case_id, rule, how) in PROOFS.items() if how == shows
    }


def undo_failed(rule: str):
    """An undo the station did not carry out: the first failed restore step names ``rule``."""

    def restore_failed(case):
        failed = [s for s in case["steps"] if s["kind"] == "restore" and s["outcome"] != "ok"]
        assert failed and failed[0]["rule"] == rule, failed

    return restore_failed


def _warned_items() -> list:
    items = []
    for defect, (case_id, rule) in sorted(_shown("beyond-octt").items()):
        passed = Expectation("passed", warnings=(rule,), notes=())
        items.append(case_item(CASES[case_id], defect, passed, defects=(defect,)))
    for defect, (case_id, rule) in sorted(_shown("note").items()):
        # every undo of the case fails (TC_Y_40 installs two certificates): a note each
        notes = (rule,) * len(UNDONE[case_id])
        passed = Expectation("passed", notes=notes, check=undo_failed(rule))
        items.append(case_item(CASES[case_id], defect, passed, defects=(defect,)))
    return items


@pytest.mark.parametrize(
    "case",
    defect_items(CASES, _shown("failed"))
    + _warned_items()
    + defect_items(CASES, _shown("beyond-octt"), strict=True),
)
def test_each_memory_defect_shows_naming_its_rule(case, request):
    run_catalog_case(case, request)
