"""Part 6 §3.18 reusable states for a CSMS DUT (the harness is the charging station).

The harness's station reports its connectors the way the DUT profile says
(``[harness] connector_report``): by StatusNotification or by NotifyEvent, the two ways
OCTT's station does it, so a CSMS is tried with both.
"""

from __future__ import annotations

from typing import Any

from harness.connectors import report_payloads
from harness.defaults import utc_now
from harness.ocppj import OcppVersion
from harness.session import Response

__all__ = ["boot_payload", "booted", "report_connectors"]


def boot_payload(version: OcppVersion, dut: Any, reason: str = "PowerUp") -> dict[str, Any]:
    """The BootNotification the harness's station sends: the configured vendor and
    model (Part 6 ``<Configured model>``, ``<Configured vendorName>``)."""
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


def report_connectors(station: Any, dut: Any, status: str = "Available") -> list[Response]:
    """Report every connector in ``status``; the CSMS must answer each report.

    A CALLERROR where the answer is due fails: N07.FR.03 for NotifyEvent; for
    StatusNotification Part 2 has no requirement of its own, so the rule is the
    harness's ``answer:StatusNotification`` (a CSMS must process a valid CALL).
    """
    style = dut.profile.harness.connector_report
    responses = []
    for action, payload in report_payloads(
        station.version, station.evses, status=status, style=style, timestamp=utc_now()
    ):
        if station.version is OcppVersion.V16:
            rule = "C16.4.9"  # 1.6 §4.9: the central system answers StatusNotification
        else:
            rule = "N07.FR.03" if action == "NotifyEvent" else f"answer:{action}"
        responses.append(station.call(action, payload).expect(rule=rule))
    return responses


def booted(station: Any, dut: Any) -> Response:
    """State *Booted* (Part 6 Table 698): connect, boot with reason PowerUp, be accepted,
    report every connector Available. Returns the BootNotification response."""
    station.connect()
    # 1-2. BootNotification; tool validation: status Accepted (B01.FR.02: the CSMS
    # says whether it accepts the station; a registered station is accepted).
    response = station.call("BootNotification", boot_payload(station.version, dut))
    response.expect(
        rule="C16.4.2" if station.version is OcppVersion.V16 else "B01.FR.02", status="Accepted"
    )
    # 3-4. Every connector Available; the CSMS answers each report.
    report_connectors(station, dut)
    return response
