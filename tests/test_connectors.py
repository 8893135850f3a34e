"""Connector state reports read from StatusNotification and NotifyEvent alike."""

from __future__ import annotations

from harness.connectors import connector_keys, read_connector_states, report_payloads
from harness.ocppj import OcppVersion, validate_payload

V201, V16 = OcppVersion.V201, OcppVersion.V16
LAYOUT = [(1, [1, 2]), (2, [1])]


def test_keys_per_version():
    assert connector_keys(V201, LAYOUT) == [(1, 1), (1, 2), (2, 1)]
    assert connector_keys(V16, LAYOUT) == [0, 1, 2]


def test_both_report_styles_read_the_same():
    for style in ("status-notification", "notify-event"):
        reports = report_payloads(
            V201, LAYOUT, status="Available", style=style, timestamp="2026-01-01T00:00:00Z"
        )
        states = [
            s for action, payload in reports for s in read_connector_states(V201, action, payload)
        ]
        assert states == [((1, 1), "Available"), ((1, 2), "Available"), ((2, 1), "Available")]
        for action, payload in reports:  # what the harness's station sends is schema-valid
            assert validate_payload(V201, action, payload, response=False) == []


def test_notify_event_counts_only_connector_availability_deltas():
    def event(trigger="Delta", component="Connector", variable="AvailabilityState"):
        return {
            "trigger": trigger,
            "actualValue": "Occupied",
            "component": {"name": component, "evse": {"id": 1, "connectorId": 1}},
            "variable": {"name": variable},
        }

    payload = {
        "eventData": [
            event(),
            event(trigger="Periodic"),
            event(component="EVSE"),
            event(variable="Power"),
        ]
    }
    assert read_connector_states(V201, "NotifyEvent", payload) == [((1, 1), "Occupied")]


def test_ocpp_16_status_notification():
    payload = {"connectorId": 0, "errorCode": "NoError", "status": "Available"}
    assert read_connector_states(V16, "StatusNotification", payload) == [(0, "Available")]
    assert read_connector_states(V16, "NotifyEvent", {}) == []
