"""The action vocabulary of the simulated CSMS: "make the CSMS send X to the station".

Each action targets ``params["identity"]`` (default: the most recently connected
station), sends one CALL and returns the station's CALLRESULT payload. A CALLERROR or
a timeout raises, so the control API answers 500 with the reason.

``get_variables`` also returns what the CSMS read, as ``values``: ``{"Component.Variable":
value}`` for every result the station answered Accepted with a value (``[instance]``
after a name that has one), so a case can check the CSMS read what the station said.

The boot actions configure answers, they send nothing: ``boot_pending`` and
``boot_reject`` plan the answer to the next BootNotification (then Accepted once its
interval is over; ``interval`` sets it, ``sticky: true`` answers every boot so instead),
``boot_accept`` answers every boot Accepted from now on.
"""

from __future__ import annotations

import datetime as _dt
import functools
import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from harness.ocppj import OcppVersion
from harness.sim.declare import BOTH, V16, V201, Defect, declare
from harness.sim.errors import InvalidParams, UnsupportedAction

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["DEFECTS", "FEATURE_MODULES", "CsmsAction", "CsmsActions", "send"]

#: an action of a feature module: (the CSMS, the action's params) -> its result
CsmsAction = Callable[["SimCsms", dict[str, Any]], Awaitable[dict[str, Any]]]

#: the feature modules that add actions: each has ``ACTIONS: dict[str, CsmsAction]``
#: (and its defects in ``DEFECTS``, gathered by harness.sim.defects); imported when a
#: CSMS is made, so a feature module may import this one
FEATURE_MODULES: tuple[str, ...] = (
    "harness.sim.csms_tokens",
    "harness.sim.csms_credentials",
    "harness.sim.csms_data_transfer",
    "harness.sim.csms_remote_control",
    "harness.sim.csms_reports",
    "harness.sim.csms_network_profiles",
    "harness.sim.csms_transaction_status",
    "harness.sim.csms_diagnostics",
)


async def send(
    csms: SimCsms, params: dict[str, Any], action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Send ``action`` to the station ``params["identity"]`` names (default: the one
    that connected last) and return its CALLRESULT payload."""
    return await csms.call(params.get("identity"), action, payload)


#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # CsmsActions.get_variables, CsmsActions._get_configuration
    Defect(
        "get-variables-invalid",
        "csms",
        BOTH,
        "GetVariables has an empty getVariableData (1.6: GetConfiguration key is a string)",
        {
            "1.6": "schema:GetConfigurationRequest:type",
            "2.0.1": "schema:GetVariablesRequest:minItems",
        },
    ),
    # CsmsActions._get_configuration
    Defect(
        "get-configuration-with-keys",
        "csms",
        V16,
        "get_configuration without keys sends a non-empty key list",
        "C16.5.8",
    ),
    # CsmsActions.get_variables
    Defect(
        "get-variables-wrong-variable",
        "csms",
        V201,
        "get_variables sends GetVariables for another variable of the component than "
        "the one it was asked to get",
        "expect:GetVariables",
    ),
    # CsmsActions.request_stop
    Defect(
        "request-stop-wrong-transaction",
        "csms",
        V201,
        "request_stop sends RequestStopTransaction for another transaction id than the "
        "one it was asked to stop (its last character changed)",
        "F03.FR.01",
    ),
    # CsmsActions.reserve_now
    Defect(
        "reserve-now-wrong-evse",
        "csms",
        V201,
        "reserve_now sends ReserveNow for the EVSE after the one it was asked to reserve",
        "expect:ReserveNow",
    ),
    # CsmsActions.reserve_now
    Defect(
        "reserve-now-with-connector-type",
        "csms",
        V201,
        "reserve_now for an EVSE also sends a connectorType (cType2)",
        "expect:ReserveNow",
    ),
    # CsmsActions.reserve_now
    Defect(
        "reserve-now-wrong-token",
        "csms",
        V201,
        "reserve_now reserves for another idToken than the one it was given (the last "
        "character changed)",
        "expect:ReserveNow",
    ),
    # CsmsActions.request_start
    Defect(
        "request-start-wrong-token",
        "csms",
        V201,
        "request_start sends RequestStartTransaction for another idToken than the one it "
        "was given (the last character changed)",
        "expect:RequestStartTransaction",
    ),
    # CsmsActions.trigger_message
    Defect(
        "trigger-message-wrong-message",
        "csms",
        V201,
        "trigger_message asks for another message than the one it was told to trigger "
        "(Heartbeat, or StatusNotification when told Heartbeat)",
        "expect:TriggerMessage",
    ),
    # CsmsActions.trigger_message
    Defect(
        "trigger-message-without-evse",
        "csms",
        V201,
        "trigger_message leaves out the evse it was given",
        "expect:TriggerMessage",
    ),
    # CsmsActions.trigger_message
    Defect(
        "trigger-status-without-connector",
        "csms",
        V201,
        "trigger_message for StatusNotification names the EVSE but not the connector",
        "F06.FR.13",
    ),
    # CsmsActions.trigger_message
    Defect(
        "trigger-message-invalid",
        "csms",
        V201,
        "trigger_message sends a requestedMessage outside MessageTriggerEnumType (the name "
        "with an 's' added)",
        "schema:TriggerMessageRequest:enum",
    ),
    # CsmsActions.change_availability
    Defect(
        "change-availability-with-connector",
        "csms",
        V201,
        "change_availability for an EVSE also names connector 1 in the ChangeAvailability",
        "expect:ChangeAvailability",
    ),
    # CsmsActions.change_availability
    Defect(
        "change-availability-operative",
        "csms",
        V201,
        "change_availability asked for Inoperative sends operationalStatus Operative",
        "expect:ChangeAvailability",
    ),
    # CsmsActions.change_availability
    Defect(
        "change-availability-inoperative",
        "csms",
        V201,
        "change_availability asked for Operative sends operationalStatus Inoperative",
        "expect:ChangeAvailability",
    ),
    # CsmsActions.change_availability
    Defect(
        "change-availability-station-names-evse",
        "csms",
        V201,
        "change_availability for the whole station names EVSE 1 in the ChangeAvailability",
        "expect:ChangeAvailability",
    ),
    # CsmsActions.change_availability
    Defect(
        "change-availability-drops-connector",
        "csms",
        V201,
        "change_availability for one connector sends its EVSE without the connectorId",
        "expect:ChangeAvailability",
    ),
    # CsmsActions.get_variables
    Defect(
        "get-variables-first-item-only",
        "csms",
        V201,
        "get_variables asked for several variables sends only the first of them",
        "expect:GetVariables",
    ),
    # _read_values
    Defect(
        "get-variables-misread",
        "csms",
        V201,
        "get_variables reports every variable it read with the value of the first one",
        "B06.FR.01",
    ),
    # CsmsActions.set_variables
    Defect(
        "set-variables-first-item-only",
        "csms",
        V201,
        "set_variables asked for several variables sends only the first of them",
        "expect:SetVariables",
    ),
    # CsmsActions.set_variables
    Defect(
        "set-variables-wrong-value",
        "csms",
        V201,
        "set_variables sends each value with a 0 appended",
        "expect:SetVariables",
    ),
    # CsmsActions.set_variables
    Defect(
        "set-variables-target-attribute",
        "csms",
        V201,
        "set_variables sets attributeType Target instead of the actual value",
        "expect:SetVariables",
    ),
    # CsmsActions.reset
    Defect(
        "reset-names-evse",
        "csms",
        V201,
        "a reset of the whole station also names EVSE 1 in the ResetRequest",
        "expect:Reset",
    ),
    # CsmsActions.reset
    Defect(
        "reset-type-swapped",
        "csms",
        V201,
        "reset sends Immediate when asked for OnIdle and OnIdle when asked for Immediate",
        "expect:Reset",
    ),
    # CsmsActions.reset
    Defect(
        "reset-evse-dropped",
        "csms",
        V201,
        "reset of one EVSE leaves evseId out, resetting the whole station",
        "expect:Reset",
    ),
)

Action = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

_BOOT_MODES = {"boot_accept": "Accepted", "boot_pending": "Pending", "boot_reject": "Rejected"}


def _named(value: Any, what: str) -> dict[str, Any]:
    """``"OCPPCommCtrlr"`` or ``{"name": ..., "instance": ...}`` -> a Component/Variable."""
    if isinstance(value, str) and value:
        return {"name": value}
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return dict(value)
    raise InvalidParams(f"{what} must be a name or an object with a name, not {value!r}")


def _variable_item(item: dict[str, Any]) -> dict[str, Any]:
    """One Get/SetVariableData entry from an action's item: component, variable, and
    the attribute type when the item names one."""
    entry: dict[str, Any] = {
        "component": _named(item.get("component"), "component"),
        "variable": _named(item.get("variable"), "variable"),
    }
    if "attribute_type" in item:
        entry["attributeType"] = item["attribute_type"]
    return entry


class CsmsActions:
    """Builds each action's CALL for the CSMS's OCPP version."""

    def __init__(self, csms: SimCsms) -> None:
        self.csms = csms
        self.v16 = csms.version is OcppVersion.V16
        self.table: dict[str, Action] = {
            "request_start": self.request_start,
            "request_stop": self.request_stop,
            "reset": self.reset,
            "get_variables": self.get_variables,
            "set_variables": self.set_variables,
            "trigger_message": self.trigger_message,
            "get_configuration": self.get_configuration,
            "change_availability": self.change_availability,
            "reserve_now": self.reserve_now,
            "call": self.call,
            "state": self.state,
        }
        for name in _BOOT_MODES:
            self.table[name] = self._boot_mode(name)
        for module in FEATURE_MODULES:
            for name, action in importlib.import_module(module).ACTIONS.items():
                if name in self.table:
                    raise ValueError(f"action {name} is claimed twice ({module})")
                self.table[name] = functools.partial(action, csms)

    async def _send(
        self, params: dict[str, Any], action: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        return await send(self.csms, params, action, payload)

    def _boot_mode(self, name: str) -> Action:
        async def set_mode(params: dict[str, Any]) -> dict[str, Any]:
            csms, status = self.csms, _BOOT_MODES[name]
            if "interval" in params:
                try:
                    csms.boot_retry_interval = int(params["interval"])
                except (TypeError, ValueError):
                    raise InvalidParams("interval must be a number of seconds") from None
            if status == "Accepted":
                csms.accept_all()
            elif params.get("sticky"):
                csms.boot_mode = status
            else:
                csms.next_boot = status
            return {"boot_mode": csms.boot_mode, "next_boot": csms.next_boot}

        return set_mode

    async def state(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.csms.state()

    async def call(self, params: dict[str, Any]) -> dict[str, Any]:
        """Any CALL: ``{"action": "ClearCache", "payload": {}}``."""
        action, payload = params.get("action"), params.get("payload", {})
        if not isinstance(action, str) or not isinstance(payload, dict):
            raise InvalidParams("call needs an 'action' string and a 'payload' object")
        return await self._send(params, action, payload)

    async def request_start(self, params: dict[str, Any]) -> dict[str, Any]:
        token = str(params.get("token", self.csms.default_token))
        evse = params.get("evse")
        if self.v16:
            payload: dict[str, Any] = {"idTag": token}
            if evse is not None:
                payload["connectorId"] = int(evse)
            return await self._send(params, "RemoteStartTransaction", payload)
        if self.csms.has("request-start-wrong-token"):
            token = _other_token(token)
        payload = {
            "idToken": {"idToken": token, "type": str(params.get("token_type", "ISO14443"))},
            "remoteStartId": next(self.csms.remote_start_ids),
        }
        if evse is not None and not self.csms.has_option("remote-start-without-evse"):
            payload["evseId"] = int(evse)
        return await self._send(params, "RequestStartTransaction", payload)

    async def request_stop(self, params: dict[str, Any]) -> dict[str, Any]:
        transaction_id = params.get("transaction_id")
        if transaction_id is None:
            transaction_id = self.csms.record(params.get("identity")).last_transaction_id
        if transaction_id is None:
            raise InvalidParams("request_stop needs transaction_id (no transaction seen yet)")
        payload: dict[str, Any]
        if self.v16:
            payload = {"transactionId": int(transaction_id)}
            return await self._send(params, "RemoteStopTransaction", payload)
        if self.csms.has("request-stop-wrong-transaction"):
            text = str(transaction_id)
            transaction_id = text[:-1] + ("1" if text.endswith("0") else "0")
        payload = {"transactionId": str(transaction_id)}
        return await self._send(params, "RequestStopTransaction", payload)

    async def reset(self, params: dict[str, Any]) -> dict[str, Any]:
        kind = str(params.get("type", "Hard" if self.v16 else "Immediate"))
        if self.v16:
            return await self._send(params, "Reset", {"type": kind})
        csms = self.csms
        if csms.has("reset-type-swapped"):
            kind = {"OnIdle": "Immediate", "Immediate": "OnIdle"}.get(kind, kind)
        payload: dict[str, Any] = {"type": kind}
        evse = params.get("evse")
        if evse is None and csms.has("reset-names-evse"):
            evse = 1
        elif evse is not None and csms.has("reset-evse-dropped"):
            evse = None
        if evse is not None:
            payload["evseId"] = int(evse)
        return await self._send(params, "Reset", payload)

    async def get_variables(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.v16:
            keys = params.get("keys")
            if keys is None and "items" in params:
                keys = [item["variable"] for item in params["items"]]
            answer = await self._get_configuration(params, keys)
            entries = answer.get("configurationKey", [])
            values = {e["key"]: e["value"] for e in entries if "value" in e}
            return {**answer, "values": values}
        if self.csms.has("get-variables-invalid"):
            return await self._send(params, "GetVariables", {"getVariableData": []})
        data = [_variable_item(item) for item in params.get("items") or []]
        if not data:
            raise InvalidParams("get_variables needs items: [{component, variable}]")
        if self.csms.has("get-variables-wrong-variable"):
            asked = data[0]["variable"].get("name")
            other = "OfflineThreshold" if asked == "HeartbeatInterval" else "HeartbeatInterval"
            data[0]["variable"] = {"name": other}
        if self.csms.has("get-variables-first-item-only"):
            data = data[:1]
        if self.csms.has_option("variables-explicit-actual"):
            for entry in data:
                entry.setdefault("attributeType", "Actual")
        answer = await self._send(params, "GetVariables", {"getVariableData": data})
        values = _read_values(answer.get("getVariableResult", []))
        if self.csms.has("get-variables-misread") and values:
            first = next(iter(values.values()))
            values = dict.fromkeys(values, first)
        return {**answer, "values": values}

    async def set_variables(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("items") or []
        if self.v16:
            key, value = params.get("key"), params.get("value")
            if key is None and items:
                key, value = items[0]["variable"], items[0]["value"]
            if key is None or value is None:
                raise InvalidParams("ChangeConfiguration needs key and value")
            payload = {"key": str(key), "value": str(value)}
            return await self._send(params, "ChangeConfiguration", payload)
        data = [{"attributeValue": str(item["value"]), **_variable_item(item)} for item in items]
        if not data:
            raise InvalidParams("set_variables needs items: [{component, variable, value}]")
        csms = self.csms
        if csms.has("set-variables-first-item-only"):
            data = data[:1]
        for entry in data:
            if csms.has("set-variables-wrong-value"):
                entry["attributeValue"] += "0"
            if csms.has("set-variables-target-attribute"):
                entry["attributeType"] = "Target"
            elif csms.has_option("variables-explicit-actual"):
                entry.setdefault("attributeType", "Actual")
        return await self._send(params, "SetVariables", {"setVariableData": data})

    async def get_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.v16:
            raise UnsupportedAction("get_configuration")
        return await self._get_configuration(params, params.get("keys"))

    async def _get_configuration(self, params: dict[str, Any], keys: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if keys:
            payload["key"] = [str(key) for key in keys]
        elif self.csms.has("get-configuration-with-keys"):
            payload["key"] = ["HeartbeatInterval"]
        if self.csms.has("get-variables-invalid"):
            payload["key"] = payload.get("key", ["HeartbeatInterval"])[0]
        return await self._send(params, "GetConfiguration", payload)

    async def trigger_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = params.get("message")
        if not isinstance(message, str):
            raise InvalidParams("trigger_message needs message (e.g. 'Heartbeat')")
        payload: dict[str, Any] = {"requestedMessage": message}
        evse, connector = params.get("evse"), params.get("connector")
        if self.v16:
            target = connector if connector is not None else evse
            if target is not None:
                payload["connectorId"] = int(target)
            return await self._send(params, "TriggerMessage", payload)
        csms = self.csms
        if csms.has("trigger-message-wrong-message"):
            other = "StatusNotification" if message == "Heartbeat" else "Heartbeat"
            payload["requestedMessage"] = other
        if csms.has("trigger-message-invalid"):
            payload["requestedMessage"] = message + "s"
        if evse is not None and not csms.has("trigger-message-without-evse"):
            payload["evse"] = {"id": int(evse)}
            without_connector = message == "StatusNotification" and csms.has(
                "trigger-status-without-connector"
            )
            if connector is not None and not without_connector:
                payload["evse"]["connectorId"] = int(connector)
        return await self._send(params, "TriggerMessage", payload)

    async def change_availability(self, params: dict[str, Any]) -> dict[str, Any]:
        """ChangeAvailability for the whole station (no ``evse``), an EVSE, or one
        ``connector`` of that EVSE (2.x; 1.6: ``evse`` is the connectorId, 0 the whole
        charge point)."""
        operative = bool(params.get("operative", True))
        kind = "Operative" if operative else "Inoperative"
        if self.v16:
            payload: dict[str, Any] = {"connectorId": int(params.get("evse", 0)), "type": kind}
            return await self._send(params, "ChangeAvailability", payload)
        csms = self.csms
        if not operative and csms.has("change-availability-operative"):
            kind = "Operative"
        elif operative and csms.has("change-availability-inoperative"):
            kind = "Inoperative"
        payload = {"operationalStatus": kind}
        evse, connector = params.get("evse"), params.get("connector")
        if evse is None and connector is not None:
            raise InvalidParams("change_availability of a connector needs its evse")
        if evse is None and csms.has("change-availability-station-names-evse"):
            evse = 1
        if evse is not None:
            payload["evse"] = {"id": int(evse)}
            if connector is not None and not csms.has("change-availability-drops-connector"):
                payload["evse"]["connectorId"] = int(connector)
            elif connector is None and csms.has("change-availability-with-connector"):
                payload["evse"]["connectorId"] = 1
        return await self._send(params, "ChangeAvailability", payload)

    async def reserve_now(self, params: dict[str, Any]) -> dict[str, Any]:
        """ReserveNow (2.x) for ``token`` on ``evse`` (any EVSE when not given), valid
        for ``expiry`` seconds (default one hour); ``connector_type`` when given."""
        if self.v16:
            raise UnsupportedAction("reserve_now")
        csms = self.csms
        token = str(params.get("token", csms.default_token))
        if csms.has("reserve-now-wrong-token"):
            token = _other_token(token)
        expiry = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=int(params.get("expiry", 3600)))
        payload: dict[str, Any] = {
            "id": int(params.get("id", next(csms.reservation_ids))),
            "expiryDateTime": expiry.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "idToken": {"idToken": token, "type": str(params.get("token_type", "ISO14443"))},
        }
        if params.get("evse") is not None:
            evse = int(params["evse"])
            payload["evseId"] = evse + 1 if csms.has("reserve-now-wrong-evse") else evse
        connector_type = params.get("connector_type")
        if connector_type is None and csms.has("reserve-now-with-connector-type"):
            connector_type = "cType2"
        if connector_type is not None:
            payload["connectorType"] = str(connector_type)
        return await self._send(params, "ReserveNow", payload)


def _other_token(token: str) -> str:
    """Another idToken of the same length: the last character changed."""
    return token[:-1] + ("1" if token.endswith("0") else "0")


def _label(named: dict[str, Any]) -> str:
    name = str(named.get("name"))
    return f"{name}[{named['instance']}]" if named.get("instance") else name


def _read_values(results: list[dict[str, Any]]) -> dict[str, str]:
    """What a GetVariablesResponse told the CSMS, keyed ``Component.Variable``."""
    return {
        f"{_label(r.get('component', {}))}.{_label(r.get('variable', {}))}": r["attributeValue"]
        for r in results
        if r.get("attributeStatus") == "Accepted" and "attributeValue" in r
    }
