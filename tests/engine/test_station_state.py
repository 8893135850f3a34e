"""The harness's station keeps what it accepts (harness.station_state), so that a CSMS's
next request about it gets a true answer (issue 12: one state model, the simulated
station's keepers), and refuses what it cannot do rather than claim it did."""

from __future__ import annotations

from typing import Any

import pytest

from harness.ocppj import OcppVersion, validate_payload
from harness.station_answers import _REFUSED, StationLayout
from harness.station_state import HarnessStation
from tests.engine.bench import StationBench
from tests.engine.test_follow_ups import _ask, _booted, _sent

TOKEN = {"idToken": "LIST-1", "type": "ISO14443"}
PROFILE = {
    "id": 7,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": [
        {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
        }
    ],
}


def _station(evses: int = 2) -> HarnessStation:
    layout = StationLayout(evses=[(n, (1,)) for n in range(1, evses + 1)])
    return HarnessStation.for_case(
        OcppVersion.V201, layout, heartbeat_interval=60, security_profile=0
    )


def _valid(action: str, reply: dict[str, Any]) -> dict[str, Any]:
    assert not validate_payload(OcppVersion.V201, action, reply, response=True), reply
    return reply


def test_the_local_list_it_accepts_is_the_one_it_reports() -> None:
    station = _station()
    assert station.answer("GetLocalListVersion", {}) == {"versionNumber": 0}  # D02.FR.02
    full = {
        "versionNumber": 4,
        "updateType": "Full",
        "localAuthorizationList": [{"idToken": TOKEN, "idTokenInfo": {"status": "Accepted"}}],
    }
    assert _valid("SendLocalList", station.answer("SendLocalList", full)) == {"status": "Accepted"}
    assert station.answer("GetLocalListVersion", {}) == {"versionNumber": 4}
    stale = {"versionNumber": 3, "updateType": "Differential"}
    assert station.answer("SendLocalList", stale) == {"status": "VersionMismatch"}  # D01.FR.19
    # its device model counts the entries, as the simulated station's does
    assert station.model.value("LocalAuthListCtrlr", "Entries") == "1"


def test_charging_profiles_are_kept_reported_and_cleared() -> None:
    station = _station()
    set_request = {"evseId": 0, "chargingProfile": PROFILE}
    reply = station.answer("SetChargingProfile", set_request)
    assert _valid("SetChargingProfile", reply) == {"status": "Accepted"}
    ask = {"requestId": 5, "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}}
    answer = station.answer("GetChargingProfiles", ask)
    assert _valid("GetChargingProfiles", answer) == {"status": "Accepted"}
    [(action, report)] = station.follow_ups("GetChargingProfiles", ask, answer, "now")
    assert action == "ReportChargingProfiles"
    assert report["requestId"] == 5 and report["evseId"] == 0  # K09.FR.01
    assert [p["id"] for p in report["chargingProfile"]] == [7]
    assert not validate_payload(OcppVersion.V201, action, report, response=False)
    cleared = station.answer("ClearChargingProfile", {"chargingProfileId": 7})
    assert cleared == {"status": "Accepted"}
    assert station.answer("GetChargingProfiles", ask) == {"status": "NoProfiles"}
    assert station.follow_ups("GetChargingProfiles", ask, {"status": "NoProfiles"}, "now") == []


def test_a_tx_profile_needs_a_transaction_the_station_runs() -> None:
    """K01.FR.09: no TxProfile without a transaction; the station knows its
    transactions from the TransactionEvents it sent."""
    station = _station()
    tx_profile = {**PROFILE, "id": 8, "chargingProfilePurpose": "TxProfile"}
    refused = station.answer("SetChargingProfile", {"evseId": 1, "chargingProfile": tx_profile})
    assert (
        refused["status"] == "Rejected" and refused["statusInfo"]["additionalInfo"] == "K01.FR.09"
    )
    station.sent("TransactionEvent", _event("Started", "TX-1", evse=1), "now")
    accepted = station.answer("SetChargingProfile", {"evseId": 1, "chargingProfile": tx_profile})
    assert accepted == {"status": "Accepted"}


def _event(kind: str, tx: str, *, evse: int | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"eventType": kind, "transactionInfo": {"transactionId": tx}}
    if evse is not None:
        event["evse"] = {"id": evse}
    return event


def test_the_transaction_status_follows_the_events_the_station_sent() -> None:
    station = _station()
    status = station.answer
    # E14.FR.01: never ran; E14.FR.06: no ongoingIndicator without a transactionId
    assert status("GetTransactionStatus", {"transactionId": "TX-9"}) == {
        "messagesInQueue": False,
        "ongoingIndicator": False,
    }
    assert status("GetTransactionStatus", {}) == {"messagesInQueue": False}
    station.sent("TransactionEvent", _event("Started", "TX-9"), "now")
    station.sent("TransactionEvent", _event("Updated", "TX-9", evse=2), "now")
    running = status("GetTransactionStatus", {"transactionId": "TX-9"})
    assert running["ongoingIndicator"] is True  # E14.FR.02
    assert station.running == {"TX-9": 2}  # the EVSE the later event named
    station.sent("TransactionEvent", _event("Ended", "TX-9"), "now")
    ended = status("GetTransactionStatus", {"transactionId": "TX-9"})
    assert ended["ongoingIndicator"] is False  # E14.FR.03


@pytest.mark.parametrize("action", sorted(_REFUSED))
def test_what_it_cannot_do_it_refuses_in_a_valid_answer(action: str) -> None:
    reply = _station().answer(action, {})
    assert reply is not None and reply.get("status") != "Accepted"
    _valid(action, reply)


def test_monitors_it_cannot_set_or_clear_are_answered_one_by_one() -> None:
    station = _station()
    item = {
        "id": 3,
        "value": 10,
        "type": "UpperThreshold",
        "severity": 5,
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
    }
    reply = station.answer("SetVariableMonitoring", {"setMonitoringData": [item]})
    [result] = _valid("SetVariableMonitoring", reply)["setMonitoringResult"]
    assert result["status"] == "Rejected" and result["component"] == item["component"]
    cleared = station.answer("ClearVariableMonitoring", {"id": [3, 4]})
    assert _valid("ClearVariableMonitoring", cleared)["clearMonitoringResult"] == [
        {"id": 3, "status": "NotFound"},
        {"id": 4, "status": "NotFound"},
    ]


def test_an_unscripted_get_charging_profiles_is_followed_by_its_report(
    make_station_bench,
) -> None:
    """Through the session: the profile a CSMS set unscripted comes back in the
    ReportChargingProfiles the station owes after its Accepted (K09.FR.01)."""
    bench: StationBench = _booted(make_station_bench("2.0.1"))
    assert _ask(bench, "SetChargingProfile", {"evseId": 0, "chargingProfile": PROFILE}) == {
        "status": "Accepted"
    }
    ask = {"requestId": 11, "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}}
    assert _ask(bench, "GetChargingProfiles", ask) == {"status": "Accepted"}
    [report] = _sent(bench, "ReportChargingProfiles")
    assert report["requestId"] == 11 and report["chargingProfile"][0]["id"] == 7
    assert bench.session.failures == []


def test_a_transaction_the_case_runs_is_one_the_station_knows(make_station_bench) -> None:
    """The case's own TransactionEvents (sent through the session) are what the
    station's GetTransactionStatus answer is made from."""
    bench: StationBench = _booted(make_station_bench("2.0.1"))
    started = {
        "eventType": "Started",
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "CASE-TX"},
        "evse": {"id": 1, "connectorId": 1},
    }
    bench.role.call("TransactionEvent", started)
    reply = _ask(bench, "GetTransactionStatus", {"transactionId": "CASE-TX"})
    assert reply == {"messagesInQueue": False, "ongoingIndicator": True}


def _status(evse: int, status: str) -> dict[str, Any]:
    return {"evseId": evse, "connectorId": 1, "connectorStatus": status, "timestamp": "now"}


def _reported(messages: list[tuple[str, dict[str, Any]]]) -> list[tuple[int, str]]:
    return [(m["evseId"], m["connectorStatus"]) for action, m in messages]


def test_availability_changes_report_what_changed_and_revert_to_what_was() -> None:
    """G03.FR.03/.04/.07: the same state again is Accepted with no report; an EVSE made
    Operative again shows what it showed before (Occupied, with a cable in)."""
    station = _station()
    station.sent("StatusNotification", _status(1, "Occupied"), "now")
    down = {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    assert station.answer("ChangeAvailability", down) == {"status": "Accepted"}
    owed = station.follow_ups("ChangeAvailability", down, {"status": "Accepted"}, "now")
    assert _reported(owed) == [(1, "Unavailable")]
    for _, message in owed:
        station.sent("StatusNotification", message, "now")
    assert station.answer("ChangeAvailability", down) == {"status": "Accepted"}
    assert station.follow_ups("ChangeAvailability", down, {"status": "Accepted"}, "now") == []
    up = {"operationalStatus": "Operative"}  # the whole station (G04.FR.01)
    assert station.answer("ChangeAvailability", up) == {"status": "Accepted"}
    owed = station.follow_ups("ChangeAvailability", up, {"status": "Accepted"}, "now")
    assert _reported(owed) == [(1, "Occupied")]  # EVSE 2 was never down


def test_an_availability_change_during_a_transaction_waits_for_its_end() -> None:
    """G03.FR.05: Scheduled while a transaction runs at the EVSE; the change, and its
    report, come once the transaction has ended."""
    station = _station()
    station.sent("TransactionEvent", _event("Started", "TX-1", evse=1), "now")
    down = {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    assert station.answer("ChangeAvailability", down) == {"status": "Scheduled"}
    other = {"operationalStatus": "Inoperative", "evse": {"id": 2}}
    assert station.answer("ChangeAvailability", other) == {"status": "Accepted"}
    assert station.sent("TransactionEvent", _event("Updated", "TX-1"), "now") == []
    owed = station.sent("TransactionEvent", _event("Ended", "TX-1"), "now")
    assert _reported(owed) == [(1, "Unavailable")]
    assert station.scheduled == []


def test_an_availability_change_for_no_such_evse_is_rejected() -> None:
    station = _station()
    answer = station.answer(
        "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 9}}
    )
    assert answer == {"status": "Rejected"}


def test_the_change_a_transaction_held_back_is_sent_after_its_end(make_station_bench) -> None:
    """Through the session: the reports owed after the case's Ended event go out after
    that event is answered, and the case's next CALL waits for them."""
    bench: StationBench = _booted(make_station_bench("2.0.1"))
    event = {
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "Authorized",
        "transactionInfo": {"transactionId": "CASE-TX"},
    }
    started = {**event, "eventType": "Started", "seqNo": 0, "evse": {"id": 1, "connectorId": 1}}
    bench.role.call("TransactionEvent", started)
    down = {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    assert _ask(bench, "ChangeAvailability", down) == {"status": "Scheduled"}
    assert _sent(bench, "StatusNotification") == []
    ended = {**event, "eventType": "Ended", "seqNo": 1, "triggerReason": "StopAuthorized"}
    bench.role.call("TransactionEvent", ended)
    bench.role.call("Heartbeat").expect(rule="G02.FR.03")
    assert [m["connectorStatus"] for m in _sent(bench, "StatusNotification")] == ["Unavailable"]
    assert bench.session.failures == []


def test_a_faulted_connector_stays_faulted_when_its_evse_goes_inoperative() -> None:
    station = _station()
    station.sent("StatusNotification", _status(1, "Faulted"), "now")
    down = {"operationalStatus": "Inoperative"}
    assert station.answer("ChangeAvailability", down) == {"status": "Accepted"}
    owed = station.follow_ups("ChangeAvailability", down, {"status": "Accepted"}, "now")
    assert _reported(owed) == [(2, "Unavailable")]  # G03.FR.06, G04.FR.07


@pytest.mark.parametrize(
    "action,payload",
    [
        ("TransactionEvent", {"eventType": "Started", "transactionInfo": "TX", "evse": 5}),
        ("TransactionEvent", {"eventType": "Started", "transactionInfo": {"transactionId": 3}}),
        ("TransactionEvent", {"transactionInfo": {"transactionId": "TX"}, "evse": {"id": "1"}}),
        ("StatusNotification", {"evseId": "one", "connectorId": None, "connectorStatus": 1}),
        ("NotifyEvent", {"eventData": ["not an event"]}),
    ],
)
def test_a_payload_a_case_made_invalid_does_not_upset_the_state(
    action: str, payload: dict[str, Any]
) -> None:
    """NEG cases send broken payloads unvalidated: the station notes what it can read."""
    station = _station()
    assert station.sent(action, payload, "now") == []
    assert station.reported == {}
    assert set(station.running.values()) <= {0}
