"""Conformant default replies for the DUT's unscripted CALLs.

A test case scripts the messages it is about; everything else the DUT sends still needs
a correct answer, or a real device stalls (it may hold one CALL at a time). Where the
answer carries meaning (a boot status, the time, an authorization) it is written out
here; the rest are the smallest payload the response schema accepts.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.ocppj import OcppVersion
from harness.ocppj.schemas import load_schema
from harness.ocppj.synth import minimal_instance

if TYPE_CHECKING:
    from harness.station_answers import StationLayout
    from harness.station_state import HarnessStation

__all__ = ["DefaultReplies", "utc_now"]


def utc_now() -> str:
    """Current UTC time as OCPP writes it: ISO 8601 with a ``Z``."""
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z")


@dataclass
class DefaultReplies:
    """Answers for one session; ``heartbeat_interval`` goes into BootNotification replies."""

    version: OcppVersion
    heartbeat_interval: int = 60
    #: the harness's own station's device model (DUT = CSMS): answers Get/SetVariables
    device_model: Any = None
    #: the harness's own station (DUT = CSMS, 2.x): it answers the CSMS's other requests
    #: from what it keeps, follow-ups included
    station: HarnessStation | None = None
    _transaction_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def use_station(
        self, layout: StationLayout, *, heartbeat_interval: int, security_profile: int
    ) -> None:
        """Answer as the harness's own station with ``layout`` (DUT = CSMS), from a fresh
        state: Part 6 §3.1's configuration, nothing kept."""
        from harness.station_state import HarnessStation

        self.station = HarnessStation.for_case(
            self.version,
            layout,
            heartbeat_interval=heartbeat_interval,
            security_profile=security_profile,
        )
        self.device_model = self.station.model

    def sent(self, action: str, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The harness sent ``action``: its station notes it (its transactions, its
        connectors) and returns what it owes once the CALL is answered (an
        availability change that waited for the transaction to end)."""
        if self.station is None or self.version is OcppVersion.V16:
            return []
        return self.station.sent(action, payload, utc_now())

    def response(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        if self.station is not None and self.version is not OcppVersion.V16:
            answered = self.station.answer(action, request)
            if answered is not None:
                return answered
        handler: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
            self, f"_{action}", None
        )
        if handler is not None:
            return handler(request)
        # a response schema is an object, so its smallest instance is a dict
        reply: dict[str, Any] = minimal_instance(load_schema(self.version, action, True))
        return reply

    # -- answers the harness gives as CSMS -------------------------------------------------

    def _BootNotification(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"currentTime": utc_now(), "interval": self.heartbeat_interval, "status": "Accepted"}

    def _Heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"currentTime": utc_now()}

    def _Authorize(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.version is OcppVersion.V16:
            return {"idTagInfo": {"status": "Accepted"}}
        return {"idTokenInfo": {"status": "Accepted"}}

    def _StartTransaction(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"transactionId": next(self._transaction_ids), "idTagInfo": {"status": "Accepted"}}

    def _StopTransaction(self, request: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _TransactionEvent(self, request: dict[str, Any]) -> dict[str, Any]:
        # E02.FR.02/E03.FR.02: an event carrying an idToken gets its authorization status
        if "idToken" in request:
            return {"idTokenInfo": {"status": "Accepted"}}
        return {}

    def _DataTransfer(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": "UnknownVendorId"}

    # -- answers the harness gives as a charging station -----------------------------------

    def _GetVariables(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.device_model is not None and request.get("getVariableData"):
            from harness.station_model import get_variables_reply

            return get_variables_reply(self.device_model, request)
        results = []
        for item in request.get("getVariableData", []):
            result = {
                "attributeStatus": "UnknownComponent",
                "component": item.get("component", {}),
                "variable": item.get("variable", {}),
            }
            if "attributeType" in item:
                result["attributeType"] = item["attributeType"]
            results.append(result)
        return {
            "getVariableResult": results
            or [
                minimal_instance(load_schema(self.version, "GetVariables", True))[
                    "getVariableResult"
                ][0]
            ]
        }

    def _SetVariables(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.device_model is not None:
            from harness.station_model import set_variables_reply

            return set_variables_reply(self.device_model, request)
        results = []
        for item in request.get("setVariableData", []):
            result = {
                "attributeStatus": "Rejected",
                "component": item.get("component", {}),
                "variable": item.get("variable", {}),
            }
            if "attributeType" in item:
                result["attributeType"] = item["attributeType"]
            results.append(result)
        return {"setVariableResult": results}

    def _GetBaseReport(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": "NotSupported"}  # no station model: nothing to report

    def _GetReport(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": "NotSupported"}

    def follow_ups(
        self, action: str, request: dict[str, Any], reply: dict[str, Any]
    ) -> list[tuple[str, dict[str, Any]]]:
        """The CALLs a conformant station sends after it gave ``reply`` to ``request``
        (the report after an accepted GetBaseReport …): what the session sends when the
        case did not script the answer. The harness as CSMS owes none."""
        if self.station is None or self.version is OcppVersion.V16:
            return []
        return self.station.follow_ups(action, request, reply, utc_now())

    def _GetConfiguration(self, request: dict[str, Any]) -> dict[str, Any]:
        keys = request.get("key") or []
        return (
            {"configurationKey": [], "unknownKey": list(keys)} if keys else {"configurationKey": []}
        )

    def _ChangeConfiguration(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": "NotSupported"}

    def _TriggerMessage(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Rejected"}
