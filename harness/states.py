"""Reusable OCTT states: bring the DUT into a named precondition ("Before" sections).

Each state is a short sequence of ordinary facade steps, so it appears in the trace and
a DUT that cannot reach the state fails there, with the rule of the step that broke.
"""

from __future__ import annotations

from typing import Any

from harness.ocppj import OcppVersion

__all__ = ["boot_payload", "booted_station", "status_payloads"]


def boot_payload(version: OcppVersion, dut: Any, reason: str = "PowerUp") -> dict[str, Any]:
    """The BootNotification the harness's station sends, from the profile."""
    profile = dut.profile
    if version is OcppVersion.V16:
        payload = {"chargePointVendor": profile.vendor[:20], "chargePointModel": profile.model[:20]}
        if profile.serial:
            payload["chargePointSerialNumber"] = profile.serial[:25]
        return payload
    station = {"vendorName": profile.vendor[:50], "model": profile.model[:20]}
    if profile.serial:
        station["serialNumber"] = profile.serial[:25]
    return {"reason": reason, "chargingStation": station}


def status_payloads(version: OcppVersion, dut: Any, status: str = "Available") -> list[dict]:
    """One StatusNotification payload per connector (1.6: connector 0 too)."""
    from harness.defaults import utc_now

    if version is OcppVersion.V16:
        ids = [0, *(evse.id for evse in dut.layout)]
        return [{"connectorId": i, "errorCode": "NoError", "status": status} for i in ids]
    return [
        {
            "timestamp": utc_now(),
            "connectorStatus": status,
            "evseId": evse.id,
            "connectorId": connector,
        }
        for evse in dut.layout
        for connector in evse.connectors
    ]


def booted_station(station: Any, dut: Any, *, rule: str = "B01.FR.02") -> Any:
    """State *Booted* with the harness as station: connect, boot Accepted, report status.

    Returns the BootNotification response.
    """
    station.connect()
    response = station.call("BootNotification", boot_payload(station.version, dut), rule=rule)
    response.expect(status="Accepted", rule=rule)
    for payload in status_payloads(station.version, dut):
        station.call("StatusNotification", payload)
    return response
