"""What the harness's own station answers to a CSMS request no step scripts, and what
it sends after that answer (2.x; the DUT is a CSMS).

A case scripts the answers its Part 6 table names. Everything else a CSMS may send on
its own, at any time, and a real CSMS under test does: a ChangeAvailability from its
dashboard, a TriggerMessage after a reconnection, a CustomerInformation from a GDPR
job. The station must answer each as a conformant station would, follow-up messages
included, or the CSMS is blamed for the harness's silence. One rule decides: the
station accepts only what it can carry out and report, and refuses the rest, which
OCPP allows it (Rejected is a legal answer to Reset, RequestStartTransaction,
ReserveNow …). It never claims to have done what it did not do.

Pure functions: a request in, the answer and the messages owed out. What the station
keeps (its availability, local list, charging profiles, transactions) is
harness.station_state's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.ocppj import OcppVersion

__all__ = ["StationLayout", "answer", "follow_ups"]

#: the requests the station refuses, or answers "none", because carrying them out needs
#: what it does not have outside a case's script: a reboot, a transaction, a
#: reservation, a schedule, a lock, a display, monitors, certificates, firmware, logs
#: (a bare "Accepted", the schema's smallest answer, would claim it did them)
_REFUSED = {
    "Reset": {"status": "Rejected"},
    "RequestStartTransaction": {"status": "Rejected"},
    "RequestStopTransaction": {"status": "Rejected"},
    "ReserveNow": {"status": "Rejected"},
    "CancelReservation": {"status": "Rejected"},
    "GetCompositeSchedule": {"status": "Rejected"},
    "UnlockConnector": {"status": "UnlockFailed"},
    "SetNetworkProfile": {"status": "Rejected"},
    # O01-O04: no display to show messages on, so none is known
    "SetDisplayMessage": {"status": "Rejected"},
    "GetDisplayMessages": {"status": "Unknown"},
    "ClearDisplayMessage": {"status": "Unknown"},
    # N02-N06: no monitoring (no MonitoringCtrlr in its device model)
    "GetMonitoringReport": {"status": "NotSupported"},
    "SetMonitoringBase": {"status": "NotSupported"},
    "SetMonitoringLevel": {"status": "Rejected"},
    # M: no certificates installed, none to be signed
    "CertificateSigned": {"status": "Rejected"},
    "InstallCertificate": {"status": "Rejected"},
    "DeleteCertificate": {"status": "NotFound"},
    "GetInstalledCertificateIds": {"status": "NotFound"},
    # L, N01: no firmware to fetch or publish, no log to upload
    "UpdateFirmware": {"status": "Rejected"},
    "PublishFirmware": {"status": "Rejected"},
    "UnpublishFirmware": {"status": "NoFirmware"},
    "GetLog": {"status": "Rejected"},
}

#: TriggerMessage requests the station carries out: messages it can send from no state
#: (it answers Accepted, then sends the message; F06.FR.05 lets it reject the others)
_TRIGGERABLE = ("Heartbeat", "LogStatusNotification", "FirmwareStatusNotification")


@dataclass(frozen=True)
class StationLayout:
    """The station's EVSEs and how it reports its connectors (the profile's)."""

    evses: Sequence[tuple[int, Sequence[int]]] = ((1, (1,)),)
    connector_report: str = "status-notification"


def answer(action: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The station's answer to ``request``, or None when the default reply book's own
    answer stands."""
    if action in _REFUSED:
        return dict(_REFUSED[action])
    if action == "SetVariableMonitoring":
        return {
            "setMonitoringResult": [
                _monitor_refused(item) for item in request.get("setMonitoringData", [])
            ]
        }
    if action == "ClearVariableMonitoring":
        results = [{"id": i, "status": "NotFound"} for i in request.get("id", [])]
        return {"clearMonitoringResult": results}
    if action == "TriggerMessage":
        wanted = request.get("requestedMessage")
        return {"status": "Accepted" if wanted in _TRIGGERABLE else "Rejected"}
    if action == "CustomerInformation":
        # N09.FR.07 advises Rejected when neither report nor clear is asked for, N09.FR.09
        # asks for it when the customer is named by none or several references
        named = [
            k for k in ("idToken", "customerCertificate", "customerIdentifier") if k in request
        ]
        if len(named) != 1 or not (request.get("report") or request.get("clear")):
            return {"status": "Rejected"}
        return {"status": "Accepted"}
    return None


def _monitor_refused(item: dict[str, Any]) -> dict[str, Any]:
    """N04: the result for one monitor the station cannot set, echoing what it names."""
    result = {
        "status": "Rejected",
        "type": item.get("type"),
        "severity": item.get("severity"),
        "component": item.get("component", {}),
        "variable": item.get("variable", {}),
    }
    if "id" in item:
        result["id"] = item["id"]
    return result


def follow_ups(
    version: OcppVersion,
    action: str,
    request: dict[str, Any],
    reply: dict[str, Any],
    now: str,
) -> list[tuple[str, dict[str, Any]]]:
    """The messages the station owes after it gave ``reply`` to ``request``."""
    if version is OcppVersion.V16 or reply.get("status") != "Accepted":
        return []
    if action == "TriggerMessage":
        return _triggered(request)
    if action == "CustomerInformation":
        # N09.FR.06: no data is kept here, which one NotifyCustomerInformation says
        data = "no data about this customer is stored at this charging station"
        notify = {"data": data, "seqNo": 0, "generatedAt": now, "requestId": request["requestId"]}
        return [("NotifyCustomerInformation", notify)]
    return []


def _triggered(request: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    wanted = request.get("requestedMessage")
    if wanted == "Heartbeat":
        return [("Heartbeat", {})]
    if wanted == "LogStatusNotification":
        return [("LogStatusNotification", {"status": "Idle"})]  # F06.FR.15: no upload runs
    if wanted == "FirmwareStatusNotification":
        return [("FirmwareStatusNotification", {"status": "Idle"})]  # F06.FR.16
    return []
