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

from typing import Any

from harness.sim.device_model import DeviceModel, Variable, default_variables

__all__ = ["GENERAL_PRECONDITIONS", "get_variables_reply", "set_variables_reply", "station_model"]

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


def station_model(*, heartbeat_interval: int, security_profile: int) -> DeviceModel:
    """A fresh model with the §3.1 values (each CSMS case starts from them)."""
    variables = default_variables(
        heartbeat_interval=heartbeat_interval,
        message_timeout=30,
        security_profile=security_profile,
    )
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
