"""The device model of the harness's own station, when the DUT is a CSMS.

A CSMS under test reads and writes the station's variables (GetVariables,
SetVariables) in many cases, so the harness's station answers them from a real model
instead of "unknown component": the simulated station's model (one model, shared, not a
second one), set to the values Part 6 §3.1 presumes for every CSMS case — TxStartPoint
"EVConnected,Authorized", TxStopPoint "EVConnected", authorization enabled,
AuthorizeRemoteStart false, AdditionalRootCertificateCheck false,
AllowNewSessionsPendingFirmwareUpdate false, AlignedDataCtrlr.SendDuringIdle false.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.sim.device_model import DeviceModel, Variable, default_variables
from harness.sim.reports import base_report_variables, notify_report_parts

__all__ = [
    "GENERAL_PRECONDITIONS",
    "base_report_reply",
    "get_variables_reply",
    "report_follow_ups",
    "report_reply",
    "set_variables_reply",
    "station_model",
]

#: Part 6 §3.1: (component, variable) -> value every CSMS case starts from
GENERAL_PRECONDITIONS: dict[tuple[str, str], str] = {
    ("TxCtrlr", "TxStartPoint"): "EVConnected,Authorized",
    ("TxCtrlr", "TxStopPoint"): "EVConnected",
    ("AuthCtrlr", "Enabled"): "true",
    ("AuthCtrlr", "AuthorizeRemoteStart"): "false",
    ("SecurityCtrlr", "AdditionalRootCertificateCheck"): "false",
    ("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate"): "false",
    ("AlignedDataCtrlr", "SendDuringIdle"): "false",
}


def station_model(
    *, heartbeat_interval: int, security_profile: int, extra: Iterable[Variable] = ()
) -> DeviceModel:
    """A fresh model with the §3.1 values (each CSMS case starts from them); ``extra``:
    the variables of what the station keeps (harness.station_state)."""
    variables = default_variables(
        heartbeat_interval=heartbeat_interval,
        message_timeout=30,
        security_profile=security_profile,
    ) + list(extra)
    known = {(v.component, v.name) for v in variables if v.instance is None}
    for (component, name), value in GENERAL_PRECONDITIONS.items():
        if (component, name) not in known:
            variables.append(Variable(component, name, value, data_type="boolean"))
    model = DeviceModel(variables)
    for (component, name), value in GENERAL_PRECONDITIONS.items():
        model.store(component, name, value)
    return model


def get_variables_reply(model: DeviceModel, request: dict[str, Any]) -> dict[str, Any]:
    """GetVariablesResponse from the model (B06.FR.01/.02/.03/.11)."""
    results = []
    for item in request.get("getVariableData", []):
        status, value = model.get(item)
        result: dict[str, Any] = {
            "attributeStatus": status,
            "attributeType": item.get("attributeType", "Actual"),
            "component": item.get("component", {}),
            "variable": item.get("variable", {}),
        }
        if value is not None:
            result["attributeValue"] = value
        results.append(result)
    return {"getVariableResult": results}


def set_variables_reply(model: DeviceModel, request: dict[str, Any]) -> dict[str, Any]:
    """SetVariablesResponse from the model, applying what it accepts (B05)."""
    results = []
    for item in request.get("setVariableData", []):
        status, variable = model.check_set(item)
        if status == "Accepted" and variable is not None:
            variable.value = str(item.get("attributeValue", ""))
        results.append(
            {
                "attributeStatus": status,
                "attributeType": item.get("attributeType", "Actual"),
                "component": item.get("component", {}),
                "variable": item.get("variable", {}),
            }
        )
    return {"setVariableResult": results}


def _base_report(model: DeviceModel, request: dict[str, Any]) -> list[Variable] | None:
    # the harness's station supports no SummaryInventory (Part 5 C-56 is optional)
    return base_report_variables(model, str(request.get("reportBase")), summary_inventory=False)


def base_report_reply(model: DeviceModel, request: dict[str, Any]) -> dict[str, Any]:
    """GetBaseReportResponse (B07.FR.01/.02): Accepted for the bases the station has, then
    the report follows (:func:`report_follow_ups`); NotSupported for SummaryInventory."""
    if _base_report(model, request) is None:
        return {"status": "NotSupported"}
    return {"status": "Accepted"}


#: GetReport componentCriteria a component meets when its variable of that name is
#: "true", or when it has no such variable (B08.FR.07/.08/.09); Problem only when set
#: (B08.FR.10)
_MET_WHEN_ABSENT = {"Active": True, "Available": True, "Enabled": True, "Problem": False}


def _report(model: DeviceModel, request: dict[str, Any]) -> list[Variable]:
    """The variables a GetReport asks for (B08): those its componentVariable entries
    name (a component alone: all its variables, B08.FR.20), of components that meet at
    least one componentCriteria given (B08.FR.13: a logical OR); everything when it
    names neither."""
    wanted = request.get("componentVariable") or []
    criteria = [c for c in request.get("componentCriteria") or [] if c in _MET_WHEN_ABSENT]
    chosen = []
    for variable in model:
        if wanted and not any(_names(variable, item) for item in wanted):
            continue
        if criteria and not any(_meets(model, variable, name) for name in criteria):
            continue
        chosen.append(variable)
    return chosen


def _names(variable: Variable, item: dict[str, Any]) -> bool:
    component, named = item.get("component") or {}, item.get("variable")
    if component.get("name") != variable.component:
        return False
    if component.get("instance") not in (None, variable.component_instance):
        return False
    evse = component.get("evse") or {}
    if evse.get("id") not in (None, variable.evse):
        return False
    if named is None:
        return True
    return named.get("name") == variable.name and named.get("instance") in (None, variable.instance)


def _meets(model: DeviceModel, variable: Variable, criterion: str) -> bool:
    for other in model:
        if other.key[:4] == variable.key[:4] and other.name == criterion:
            return other.current() == "true"
    return _MET_WHEN_ABSENT[criterion]


def report_reply(model: DeviceModel, request: dict[str, Any]) -> dict[str, Any]:
    """GetReportResponse: Accepted when something matches (the report follows),
    EmptyResultSet when nothing does (B08.FR.15)."""
    return {"status": "Accepted" if _report(model, request) else "EmptyResultSet"}


def report_follow_ups(
    model: DeviceModel, action: str, request: dict[str, Any], generated_at: str
) -> list[tuple[str, dict[str, Any]]]:
    """The NotifyReport messages a station owes after it accepted a GetBaseReport or a
    GetReport (B07.FR.03, B08.FR.03): the report of the variables asked for, in parts."""
    variables = (
        _base_report(model, request) if action == "GetBaseReport" else _report(model, request)
    )
    if not variables:
        return []
    data = [variable.report_data() for variable in variables]
    parts = notify_report_parts(data, int(request["requestId"]), generated_at)
    return [("NotifyReport", part) for part in parts]
