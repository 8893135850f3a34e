"""Typical OCPP 2.0.1 frames, as the harness receives them from a charging station.

The frames are shaped like what real stations send (a full BootNotification, a periodic
three-phase MeterValues sample, one page of a NotifyReport answering GetBaseReport), so
that the throughput figures say something about a real session rather than about a
minimal ``{}`` payload that the schema validator dismisses in a few nanoseconds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["boot_notification", "frame_text", "meter_values", "notify_report"]

#: fixed so that every run benchmarks the same bytes
_BASE_TIME = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)


def _timestamp(offset_seconds: float = 0.0) -> str:
    moment = _BASE_TIME + timedelta(seconds=offset_seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def frame_text(message_id: str, action: str, payload: dict[str, Any]) -> str:
    """A CALL as text on the wire: compact JSON, as stations send it."""
    return json.dumps([2, message_id, action, payload], separators=(",", ":"))


def boot_notification() -> dict[str, Any]:
    """BootNotificationRequest of a station that just powered up, modem included."""
    return {
        "reason": "PowerUp",
        "chargingStation": {
            "model": "AC-Wallbox-22kW",
            "vendorName": "Example Charging Systems GmbH",
            "serialNumber": "ECS-22-0004711",
            "firmwareVersion": "4.2.1-build.1187",
            "modem": {"iccid": "89490200001234567890", "imsi": "262011234567890"},
        },
    }


def meter_values() -> dict[str, Any]:
    """MeterValuesRequest with 10 sampled values of a three-phase AC session.

    Energy register, active power, per-phase current and voltage, the EV's state of
    charge and the offered power: the measurands a ``SampledDataCtrlr`` typically sends.
    """
    periodic = "Sample.Periodic"

    def sample(
        value: float,
        measurand: str,
        unit: str,
        *,
        phase: str | None = None,
        location: str = "Outlet",
        multiplier: int = 0,
    ) -> dict[str, Any]:
        sampled: dict[str, Any] = {
            "value": value,
            "context": periodic,
            "measurand": measurand,
            "location": location,
            "unitOfMeasure": {"unit": unit, "multiplier": multiplier},
        }
        if phase is not None:
            sampled["phase"] = phase
        return sampled

    samples = [
        sample(15342.7, "Energy.Active.Import.Register", "Wh"),
        sample(10.98, "Power.Active.Import", "W", multiplier=3),
        sample(15.9, "Current.Import", "A", phase="L1"),
        sample(16.1, "Current.Import", "A", phase="L2"),
        sample(15.8, "Current.Import", "A", phase="L3"),
        sample(229.4, "Voltage", "V", phase="L1-N"),
        sample(231.2, "Voltage", "V", phase="L2-N"),
        sample(230.6, "Voltage", "V", phase="L3-N"),
        sample(63, "SoC", "Percent", location="EV"),
        sample(11.04, "Power.Offered", "W", multiplier=3),
    ]
    return {"evseId": 1, "meterValue": [{"timestamp": _timestamp(), "sampledValue": samples}]}


def _report_entry(
    component: str,
    variable: str,
    value: str,
    data_type: str,
    *,
    mutability: str = "ReadWrite",
    evse: int | None = None,
    connector: int | None = None,
    instance: str | None = None,
    unit: str | None = None,
    limits: tuple[float, float] | None = None,
    values_list: str | None = None,
) -> dict[str, Any]:
    comp: dict[str, Any] = {"name": component}
    if evse is not None:
        comp["evse"] = {"id": evse} if connector is None else {"id": evse, "connectorId": connector}
    var: dict[str, Any] = {"name": variable}
    if instance is not None:
        var["instance"] = instance
    characteristics: dict[str, Any] = {"dataType": data_type, "supportsMonitoring": False}
    if unit is not None:
        characteristics["unit"] = unit
    if limits is not None:
        characteristics["minLimit"], characteristics["maxLimit"] = limits
    if values_list is not None:
        characteristics["valuesList"] = values_list
    return {
        "component": comp,
        "variable": var,
        "variableAttribute": [
            {
                "type": "Actual",
                "value": value,
                "mutability": mutability,
                "persistent": True,
                "constant": False,
            }
        ],
        "variableCharacteristics": characteristics,
    }


def notify_report() -> dict[str, Any]:
    """One NotifyReportRequest page (20 entries) of a GetBaseReport(FullInventory)."""
    measurands = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"
    entries = [
        _report_entry("OCPPCommCtrlr", "HeartbeatInterval", "300", "integer", unit="s"),
        _report_entry("OCPPCommCtrlr", "NetworkConfigurationPriority", "1,0", "SequenceList"),
        _report_entry("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "3", "integer"),
        _report_entry("OCPPCommCtrlr", "OfflineThreshold", "60", "integer", unit="s"),
        _report_entry(
            "OCPPCommCtrlr", "MessageAttempts", "3", "integer", instance="TransactionEvent"
        ),
        _report_entry(
            "OCPPCommCtrlr", "MessageAttemptInterval", "60", "integer", instance="TransactionEvent"
        ),
        _report_entry("OCPPCommCtrlr", "WebSocketPingInterval", "30", "integer", unit="s"),
        _report_entry("OCPPCommCtrlr", "ResetRetries", "2", "integer"),
        _report_entry("AuthCtrlr", "AuthorizeRemoteStart", "true", "boolean"),
        _report_entry("AuthCtrlr", "LocalAuthorizeOffline", "true", "boolean"),
        _report_entry("AuthCtrlr", "LocalPreAuthorize", "false", "boolean"),
        _report_entry(
            "TxCtrlr", "EVConnectionTimeOut", "120", "integer", unit="s", limits=(0, 3600)
        ),
        _report_entry("TxCtrlr", "StopTxOnEVSideDisconnect", "true", "boolean"),
        _report_entry(
            "TxCtrlr",
            "TxStartPoint",
            "PowerPathClosed",
            "MemberList",
            values_list="ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed",
        ),
        _report_entry(
            "TxCtrlr",
            "TxStopPoint",
            "EVConnected,Authorized",
            "MemberList",
            values_list="ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed",
        ),
        _report_entry(
            "SampledDataCtrlr",
            "TxUpdatedMeasurands",
            measurands,
            "MemberList",
            values_list=measurands,
        ),
        _report_entry("SampledDataCtrlr", "TxUpdatedInterval", "60", "integer", unit="s"),
        _report_entry(
            "EVSE",
            "AvailabilityState",
            "Available",
            "OptionList",
            mutability="ReadOnly",
            evse=1,
            values_list="Available,Occupied,Reserved,Unavailable,Faulted",
        ),
        _report_entry(
            "EVSE",
            "Power",
            "22080",
            "decimal",
            mutability="ReadOnly",
            evse=1,
            unit="W",
            limits=(0, 22080),
        ),
        _report_entry(
            "Connector",
            "ConnectorType",
            "cType2",
            "string",
            mutability="ReadOnly",
            evse=1,
            connector=1,
        ),
    ]
    return {
        "requestId": 4217,
        "generatedAt": _timestamp(2.5),
        "tbc": True,
        "seqNo": 0,
        "reportData": entries,
    }
