"""Part 6 §3.18 reusable states for a CSMS DUT, run against the embedded simulated CSMS.

Every state, alone and chained in both orders a driver can choose (cable first,
token first), passes against the conformant simulator with either connector-report
style, and sends what the tables say: the event types, trigger reasons and charging
states, one transaction id, seqNo 0, 1, 2 …, the EVSE on the first event, the token
where it belongs, every frame schema-valid. Each simulator defect that breaks a tool
validation of these states fails exactly the cases that reach that validation, at that
step, naming the defect's rule; every other case still passes.

The cases run in this process (:mod:`tests.matrix`): one item per case and set-up (each
connector-report style, each defect), judged by the verdict it must get and by a check
of what it sent and where it failed, read from the case as report.json holds it. The
profile's transaction duration is proven by one run of pytest in a subprocess.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

import pytest

from harness import testcase
from harness.connectors import read_connector_states
from harness.ocppj import OcppVersion, validate_payload
from harness.sim.defects import get_defect
from harness.states import csms as states
from harness.states import csms_transactions as transactions
from tests.helpers import ROOT, harness_sent, pytester_run
from tests.matrix import Expectation, by_id, case_item, run_catalog_case

ON = {"ocpp": "2.0.1", "dut_kind": "csms", "catches": ["never-replies"]}


@testcase("TC_S_01_CSMS", "every state, cable first", **ON)
def cable_first(station, dut):
    states.booted(station, dut)
    tx = transactions.ev_connected_pre_session(station, dut)
    transactions.authorized(station, dut, tx)
    transactions.energy_transfer_started(station, dut, tx)
    transactions.energy_transfer_suspended(station, dut, tx)
    transactions.stop_authorized(station, dut, tx)
    transactions.ev_connected_post_session(station, dut, tx)
    transactions.ev_disconnected(station, dut, tx)
    assert tx.ended and tx.seq_no == 7


@testcase("TC_S_02_CSMS", "every state, token first", **ON)
def token_first(station, dut):
    states.booted(station, dut)
    tx = transactions.authorized(station, dut)
    transactions.energy_transfer_started(station, dut, tx)
    transactions.energy_transfer_suspended(station, dut, tx)
    transactions.stop_authorized(station, dut, tx)
    transactions.ev_connected_post_session(station, dut, tx)
    transactions.ev_disconnected(station, dut, tx)


def _alone(case_id, state, holds):
    # a case that asks for one state from a fresh station; holds(tx) must be true of
    # the transaction it leaves

    @testcase(case_id, f"{state} from a fresh station", **ON)
    def case(station, dut):
        tx = getattr(transactions, state)(station, dut)
        assert holds(tx), tx

    return case


disconnected_alone = _alone(
    "TC_S_03_CSMS", "ev_disconnected", lambda tx: tx.ended and not tx.ev_connected
)
pre_session_alone = _alone(
    "TC_S_04_CSMS", "ev_connected_pre_session", lambda tx: tx.ev_connected and not tx.authorized
)
authorized_alone = _alone(
    "TC_S_05_CSMS", "authorized", lambda tx: tx.authorized and not tx.ev_connected
)
started_alone = _alone(
    "TC_S_06_CSMS", "energy_transfer_started", lambda tx: tx.charging_state == "Charging"
)
suspended_alone = _alone(
    "TC_S_07_CSMS", "energy_transfer_suspended", lambda tx: tx.charging_state == "SuspendedEV"
)
stop_authorized_alone = _alone(
    "TC_S_08_CSMS", "stop_authorized", lambda tx: tx.stop_authorized and not tx.authorized
)
post_session_alone = _alone(
    "TC_S_09_CSMS", "ev_connected_post_session", lambda tx: tx.charging_state == "EVConnected"
)


@testcase("TC_S_10_CSMS", "Reserved", **ON)
def reserved(station, dut):
    request = states.reserved(station, dut)
    assert request["evseId"] == 1


@testcase("TC_S_11_CSMS", "Unavailable", **ON)
def unavailable(station, dut):
    states.unavailable(station, dut)


@testcase("TC_S_12_CSMS", "an ended transaction takes no more states", **ON)
def ended(station, dut):
    tx = transactions.ev_disconnected(station, dut)
    transactions.ev_disconnected(station, dut, tx)


CASES = by_id(
    cable_first,
    token_first,
    disconnected_alone,
    pre_session_alone,
    authorized_alone,
    started_alone,
    suspended_alone,
    stop_authorized_alone,
    post_session_alone,
    reserved,
    unavailable,
    ended,
)

ALL = [f"TC_S_{n:02d}_CSMS" for n in range(1, 13)]
#: the harness refuses to run a state on an ended transaction: a script error
MISUSE = "TC_S_12_CSMS"
#: the cases that reach each validation (TC_S_12 reaches them before its misuse)
AUTHORIZING = ["TC_S_01_CSMS", "TC_S_02_CSMS", "TC_S_03_CSMS", *ALL[4:9], MISUSE]
STOPPING = ["TC_S_01_CSMS", "TC_S_02_CSMS", "TC_S_03_CSMS", "TC_S_08_CSMS", "TC_S_09_CSMS"]
STOPPING.append(MISUSE)

#: (eventType, triggerReason, chargingState) of each TransactionEvent, per table
PLUG_IN_FIRST = ("Started", "CablePluggedIn", "EVConnected")  # Table 701
AUTHORIZE_AFTER_PLUG = ("Updated", "Authorized", None)  # Table 702, EVConnected before
AUTHORIZE_FIRST = ("Started", "Authorized", None)  # Table 702, nothing before
PLUG_IN_LATER = ("Updated", "CablePluggedIn", "EVConnected")  # Table 703 part 1
CHARGING = ("Updated", "ChargingStateChanged", "Charging")  # Table 703 part 2
SUSPENDED = ("Updated", "ChargingStateChanged", "SuspendedEV")  # Table 704
STOP = ("Updated", "StopAuthorized", None)  # Table 705
POST_SESSION = ("Updated", "ChargingStateChanged", "EVConnected")  # Table 706
GONE = ("Ended", "EVCommunicationLost", "Idle")  # Table 707

EVENTS = {
    "TC_S_01_CSMS": [
        PLUG_IN_FIRST,
        AUTHORIZE_AFTER_PLUG,
        CHARGING,
        SUSPENDED,
        STOP,
        POST_SESSION,
        GONE,
    ],
    "TC_S_02_CSMS": [AUTHORIZE_FIRST, PLUG_IN_LATER, CHARGING, SUSPENDED, STOP, POST_SESSION, GONE],
    "TC_S_03_CSMS": [AUTHORIZE_FIRST, PLUG_IN_LATER, CHARGING, STOP, POST_SESSION, GONE],
    "TC_S_04_CSMS": [PLUG_IN_FIRST],
    "TC_S_05_CSMS": [AUTHORIZE_FIRST],
    "TC_S_06_CSMS": [AUTHORIZE_FIRST, PLUG_IN_LATER, CHARGING],
    "TC_S_07_CSMS": [AUTHORIZE_FIRST, PLUG_IN_LATER, CHARGING, SUSPENDED],
    "TC_S_08_CSMS": [AUTHORIZE_FIRST, PLUG_IN_LATER, CHARGING, STOP],
    "TC_S_09_CSMS": [AUTHORIZE_FIRST, PLUG_IN_LATER, CHARGING, STOP, POST_SESSION],
}

#: connector states the station reports, in order (the boot's Available first)
CONNECTOR_STATES = {
    **{case: ["Available", "Occupied", "Available"] for case in ("TC_S_01_CSMS", "TC_S_02_CSMS")},
    "TC_S_03_CSMS": ["Available", "Occupied", "Available"],
    "TC_S_04_CSMS": ["Available", "Occupied"],
    "TC_S_05_CSMS": ["Available"],
    "TC_S_10_CSMS": ["Available", "Reserved"],
    "TC_S_11_CSMS": ["Available", "Unavailable"],
}

REPORT_ACTION = {"status-notification": "StatusNotification", "notify-event": "NotifyEvent"}

#: defect -> (the cases that fail, the step at which they fail: kind and start of what)
DEFECT_FAILURES: dict[str, tuple[list[str], str, str]] = {
    "authorize-rejects-valid-token": (AUTHORIZING, "call", "Authorize "),
    "transaction-event-omits-id-token-info": (AUTHORIZING, "call", "TransactionEvent "),
    "transaction-event-rejects-valid-token": (AUTHORIZING, "call", "TransactionEvent "),
    "stop-authorized-omits-id-token-info": (STOPPING, "call", "TransactionEvent "),
    "reserve-now-wrong-evse": (["TC_S_10_CSMS"], "expect", "ReserveNow "),
    "reserve-now-with-connector-type": (["TC_S_10_CSMS"], "expect", "ReserveNow "),
    "reserve-now-wrong-token": (["TC_S_10_CSMS"], "expect", "ReserveNow "),
    "change-availability-with-connector": (["TC_S_11_CSMS"], "expect", "ChangeAvailability "),
    "change-availability-operative": (["TC_S_11_CSMS"], "expect", "ChangeAvailability "),
}

#: the trigger reason of the event whose answer each TransactionEvent defect breaks
BROKEN_EVENT = {
    "transaction-event-omits-id-token-info": "Authorized",
    "transaction-event-rejects-valid-token": "Authorized",
    "stop-authorized-omits-id-token-info": "StopAuthorized",
}


def _connector_states(case: dict[str, Any], style: str) -> list[str]:
    found = []
    for payload in harness_sent(case, REPORT_ACTION[style]):
        action = REPORT_ACTION[style]
        found += [state for _, state in read_connector_states(OcppVersion.V201, action, payload)]
    return found


def _check_events(case_id: str, events: list[dict[str, Any]], valid_token: str) -> None:
    shape = [
        (e["eventType"], e["triggerReason"], e["transactionInfo"].get("chargingState"))
        for e in events
    ]
    assert shape == EVENTS[case_id], case_id
    assert [e["seqNo"] for e in events] == list(range(len(events))), case_id
    assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1, case_id
    assert events[0]["evse"] == {"id": 1, "connectorId": 1}, case_id
    for event in events:
        problems = validate_payload(OcppVersion.V201, "TransactionEvent", event, response=False)
        assert not problems, (case_id, problems)
        token = event.get("idToken")
        if event["triggerReason"] in ("Authorized", "StopAuthorized"):
            assert token == {"idToken": valid_token, "type": "ISO14443"}, case_id
        else:
            assert token is None, case_id
        if event["triggerReason"] == "CablePluggedIn":
            assert event["evse"] == {"id": 1, "connectorId": 1}, case_id
        if event["eventType"] == "Ended":
            assert event["transactionInfo"]["stoppedReason"] == "EVDisconnected", case_id


def test_the_cases_are_all_there():
    assert sorted(CASES) == ALL


def _misused(case: dict[str, Any]) -> None:
    assert "has ended" in case["reason"], case["reason"]


#: the harness refuses the misuse: a script error, whatever the simulator does
MISUSED = Expectation("error", "script", exact_rule=True, check=_misused)


def conformant(case_id: str, style: str):
    """What the case sent against the conformant CSMS, reporting connectors by ``style``."""

    def sent_as_the_tables_say(case: dict[str, Any]) -> None:
        for entry in case["trace"]:
            assert entry.get("valid", True), (case_id, entry)
        if case_id in EVENTS:
            _check_events(case_id, harness_sent(case, "TransactionEvent"), "04A1B2C3D4")
        if case_id in CONNECTOR_STATES:
            assert _connector_states(case, style) == CONNECTOR_STATES[case_id], case_id
            other = REPORT_ACTION[
                "notify-event" if style == "status-notification" else "status-notification"
            ]
            assert harness_sent(case, other) == [], f"{case_id} reported by {other} too"
        if case_id == "TC_S_05_CSMS":
            # Authorized asks the CSMS first, with the same token
            assert harness_sent(case, "Authorize") == [
                {"idToken": {"idToken": "04A1B2C3D4", "type": "ISO14443"}}
            ]
        if case_id == "TC_S_01_CSMS":
            # the embedded profile charges for no time: no hold in any state
            assert not any(s["kind"] == "hold" for s in case["steps"])

    return sent_as_the_tables_say


def _conformant_items() -> list:
    items = []
    for style in sorted(REPORT_ACTION):
        for case_id, case in CASES.items():
            expected = (
                MISUSED
                if case_id == MISUSE
                else Expectation("passed", check=conformant(case_id, style))
            )
            items.append(case_item(case, f"{style}-{case_id}", expected, connector_report=style))
    return items


@pytest.mark.parametrize("case", _conformant_items())
def test_every_state_passes_against_the_conformant_csms(case, request) -> None:
    run_catalog_case(case, request)


def failed_at(kind: str, what: str, trigger: str | None):
    """The last step the case took is the one whose validation failed: a ``kind`` step
    on ``what`` (for a TransactionEvent answer, the event of trigger reason ``trigger``).
    A call's answer is validated in a ``check`` step right after the call."""

    def failed_at_its_step(case: dict[str, Any]) -> None:
        last = case["steps"][-1]
        assert last["outcome"] == "failed", last
        if kind == "call":
            assert last["kind"] == "check" and last["what"].startswith(f"{what}response"), last
            last = case["steps"][-2]
        assert last["kind"] == kind and last["what"].startswith(what), last
        if trigger is not None:
            assert f'"triggerReason": "{trigger}"' in last["what"], last

    return failed_at_its_step


def _defect_items() -> list:
    items = []
    for defect, (failing, kind, what) in sorted(DEFECT_FAILURES.items()):
        rule = get_defect("csms", defect).rule_for("2.0.1")
        for case_id, case in CASES.items():
            if case_id not in failing:
                expected = MISUSED if case_id == MISUSE else Expectation("passed")
            else:
                wanted = rule
                if case_id == "TC_S_01_CSMS" and defect in (
                    "transaction-event-omits-id-token-info",
                    "transaction-event-rejects-valid-token",
                ):
                    wanted = "E02.FR.02"  # cable first: the token updates a running transaction
                check = failed_at(kind, what, BROKEN_EVENT.get(defect))
                expected = Expectation("failed", wanted, exact_rule=True, check=check)
            items.append(case_item(case, f"{defect}-{case_id}", expected, defects=(defect,)))
    return items


@pytest.mark.parametrize("case", _defect_items())
def test_each_defect_fails_the_states_that_check_it(case, request) -> None:
    run_catalog_case(case, request)


#: the sample's module: TC_S_01_CSMS, the case of this module (tests.matrix registers the
#: markers this module's items carry)
SAMPLE = "from tests.states.test_csms_states import cable_first as test_cable_first\n"

PROFILE = """
[dut]
kind = "csms"
ocpp = "2.0.1"
identity = "SIM-CSMS-DURATION"

[connect]
url = "ws://127.0.0.1:0/ocpp"

[timeouts]
connect = 5
response = 2
operator = 5

[harness]
transaction_duration = 0.3

[control]
adapter = "sim"
"""


def test_the_configured_transaction_duration_is_waited_before_suspend_and_stop(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables 704 and 705: the station charges for the profile's transaction duration
    before the EV suspends and again before the driver stops; a hold, not a sleep.

    A DUT profile of its own (no ocpp_sim marker can give one): a run of pytest in a
    subprocess, the end-to-end sample of this module."""
    pytester.makefile(".toml", dut=textwrap.dedent(PROFILE))
    monkeypatch.setenv("PYTHONPATH", f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    go = pytester_run(pytester, SAMPLE)
    _, report = go("--dut", "dut.toml", "-p", "tests.matrix")
    [case] = report["cases"]
    assert case["verdict"] == "passed", case["reason"]
    holds = [s for s in case["steps"] if s["kind"] == "hold"]
    assert [h["what"] for h in holds] == ["0.3 s: the configured transaction duration"] * 2
    assert all(h["duration_s"] >= 0.3 for h in holds), holds
    kinds = [s["what"].split('"triggerReason": "')[-1].split('"')[0] for s in case["steps"]]
    after = [kinds[i + 1] for i, s in enumerate(case["steps"]) if s["kind"] == "hold"]
    assert after == ["ChargingStateChanged", "StopAuthorized"]
