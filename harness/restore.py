"""Undo what a case changed on a station, so the next case finds Part 6 §2.1's station.

Part 6 starts every station case from a station with its connectors available, no
reservation, no charging profile, no display message and no custom monitor. A case that
makes one (ReserveNow, SetChargingProfile, SetDisplayMessage, SetVariableMonitoring,
ChangeAvailability to Inoperative) leaves it behind on a real device, and the next case
then fails for a reason that is not its own. So every such request the station accepts
gets its undo registered as a post-condition (``finally_do``): it runs after the case,
passed or failed, and only when the station took the change.

Pure: :func:`undo_for` maps a request and its answer to the request that undoes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["undo_for"]


def _accepted(response: Mapping[str, Any]) -> bool:
    return response.get("status") == "Accepted"


def undo_for(
    action: str, request: Mapping[str, Any], response: Mapping[str, Any]
) -> tuple[str, str, dict[str, Any]] | None:
    """(what, action, payload) that undoes an accepted 2.x request, else None."""
    if action == "ReserveNow" and _accepted(response):
        reservation = request.get("id")
        return (
            f"cancel reservation {reservation}",
            "CancelReservation",
            {"reservationId": reservation},
        )
    if action == "SetChargingProfile" and _accepted(response):
        profile = (request.get("chargingProfile") or {}).get("id")
        return (
            f"clear charging profile {profile}",
            "ClearChargingProfile",
            {"chargingProfileId": profile},
        )
    if action == "SetDisplayMessage" and _accepted(response):
        message = (request.get("message") or {}).get("id")
        return f"clear display message {message}", "ClearDisplayMessage", {"id": message}
    if action == "SetVariableMonitoring":
        ids = [
            result["id"]
            for result in response.get("setMonitoringResult") or []
            if result.get("status") == "Accepted" and "id" in result
        ]
        if ids:
            return f"clear monitors {ids}", "ClearVariableMonitoring", {"id": ids}
        return None
    if (
        action == "ChangeAvailability"
        and request.get("operationalStatus") == "Inoperative"
        and response.get("status") in ("Accepted", "Scheduled")
    ):
        payload: dict[str, Any] = {"operationalStatus": "Operative"}
        if "evse" in request:
            payload["evse"] = request["evse"]
        where = f" of EVSE {request['evse'].get('id')}" if "evse" in request else ""
        return f"make the station{where} Operative again", "ChangeAvailability", payload
    return None
