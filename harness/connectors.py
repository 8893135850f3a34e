"""Connector state reports: read them from either message a station may use, and write them.

A 2.0.1 station reports a connector's state with a StatusNotification or, just as
legally, with a NotifyEvent for component "Connector", variable "AvailabilityState",
trigger "Delta" (G01.FR.03/.04/.07 name both; Part 6 accepts both in every case that
checks connector state). A case must not care which one a station chose, so both are
read here into the same shape: ``(evse id, connector id) -> state``. OCPP 1.6 has only
StatusNotification, keyed by connectorId (0 is the charge point itself).

The same module builds the reports the harness sends when it plays the station, in the
style the DUT profile picks (``[harness] connector_report``), as OCTT's station does.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from harness.ocppj import OcppVersion

__all__ = [
    "CONNECTOR_REPORT_ACTIONS",
    "ConnectorKey",
    "ReportedKey",
    "connector_keys",
    "read_connector_states",
    "report_payloads",
]

#: (evse id, connector id) in 2.x; connectorId in 1.6
ConnectorKey = int | tuple[int, int]
#: a connector as a report names it: a ConnectorKey in a schema-valid report; the ids are
#: read as the station sent them, so in an invalid one they may be any JSON value
ReportedKey = Hashable

#: the actions that can carry a connector state report
CONNECTOR_REPORT_ACTIONS = ("StatusNotification", "NotifyEvent")

_EVENT_IDS = itertools.count(1)


def connector_keys(
    version: OcppVersion, evses: Iterable[tuple[int, Iterable[int]]]
) -> list[ConnectorKey]:
    """Every connector a station of this layout reports after boot (B01.FR.05; 1.6
    §4.2: connector 0 too)."""
    layout = [(evse, tuple(connectors)) for evse, connectors in evses]
    if version is OcppVersion.V16:
        return [0, *(evse for evse, _ in layout)]
    return [*_evse_connectors(layout)]


def _evse_connectors(evses: Iterable[tuple[int, Iterable[int]]]) -> list[tuple[int, int]]:
    return [(evse, connector) for evse, connectors in evses for connector in connectors]


def read_connector_states(
    version: OcppVersion, action: str, payload: Mapping[str, Any]
) -> list[tuple[ReportedKey, str]]:
    """The connector states one message reports, in the order it gives them."""
    if action == "StatusNotification":
        if version is OcppVersion.V16:
            return [(payload.get("connectorId"), str(payload.get("status")))]
        key = (payload.get("evseId"), payload.get("connectorId"))
        return [(key, str(payload.get("connectorStatus")))]
    if action != "NotifyEvent" or version is OcppVersion.V16:
        return []
    states: list[tuple[ReportedKey, str]] = []
    for event in payload.get("eventData") or []:
        if not isinstance(event, Mapping):
            continue
        component = event.get("component") or {}
        variable = event.get("variable") or {}
        if (
            component.get("name") != "Connector"
            or variable.get("name") != "AvailabilityState"
            or event.get("trigger") != "Delta"
        ):
            continue
        evse = component.get("evse") or {}
        states.append(((evse.get("id"), evse.get("connectorId")), str(event.get("actualValue"))))
    return states


def report_payloads(
    version: OcppVersion,
    evses: Iterable[tuple[int, Iterable[int]]],
    *,
    status: str,
    style: str,
    timestamp: str,
) -> list[tuple[str, dict[str, Any]]]:
    """``(action, payload)`` for reporting every connector in ``status``.

    ``style`` is ``"status-notification"`` or ``"notify-event"`` (2.x only; 1.6 always
    uses StatusNotification).
    """
    if version is OcppVersion.V16:
        return [
            ("StatusNotification", {"connectorId": key, "errorCode": "NoError", "status": status})
            for key in connector_keys(version, evses)
        ]
    keys = _evse_connectors(evses)
    if style == "notify-event":
        return [
            ("NotifyEvent", _notify_event(evse, connector, status, timestamp))
            for evse, connector in keys
        ]
    return [
        (
            "StatusNotification",
            {
                "timestamp": timestamp,
                "connectorStatus": status,
                "evseId": evse,
                "connectorId": connector,
            },
        )
        for evse, connector in keys
    ]


def _notify_event(evse: int, connector: int, status: str, timestamp: str) -> dict[str, Any]:
    return {
        "generatedAt": timestamp,
        "seqNo": 0,
        "eventData": [
            {
                "eventId": next(_EVENT_IDS),
                "timestamp": timestamp,
                "trigger": "Delta",
                "actualValue": status,
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": evse, "connectorId": connector}},
                "variable": {"name": "AvailabilityState"},
            }
        ],
    }
