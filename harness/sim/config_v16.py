"""The OCPP 1.6 configuration keys of the simulated charge point.

Every required key of the profiles the charge point lists in SupportedFeatureProfiles
(Core, LocalAuthListManagement, RemoteTrigger; §9.1 and §9.2) is present with the
accessibility §9 gives it (``R`` -> ``readonly``), plus WebSocketPingInterval and the
security whitepaper's AuthorizationKey. AuthorizationKey is write-only in effect:
GetConfiguration lists it without a value (SW16: the key should not be readable),
ChangeConfiguration accepts 20-40 hex digits (OCTT TC_086).

:class:`LocalAuthList` is the Local Authorization List of §3.5.2 with the
SendLocalList rules of §5.15 (full or differential update, version, size limits).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["LOCAL_AUTH_LIST_KEYS", "ConfigKey", "Configuration", "LocalAuthList", "default_keys"]

Kind = Literal["int", "bool", "csl", "str"]

_INTEGER = re.compile(r"[0-9]+")
_HEX_KEY = re.compile(r"[0-9a-fA-F]{20,40}")
_MEASURANDS = {
    "Energy.Active.Import.Register",
    "Energy.Active.Export.Register",
    "Power.Active.Import",
    "Current.Import",
    "Current.Offered",
    "Voltage",
    "SoC",
}


@dataclass
class ConfigKey:
    """One configuration key: its value, whether it is read-only, and how to check values."""

    key: str
    value: str
    readonly: bool = False
    kind: Kind = "str"
    secret: bool = False
    check: Callable[[str], bool] | None = None

    def accepts(self, value: str) -> bool:
        if self.kind == "int" and not _INTEGER.fullmatch(value):
            return False
        if self.kind == "bool" and value.lower() not in ("true", "false"):
            return False
        return self.check is None or self.check(value)

    def as_entry(self) -> dict[str, Any]:
        """A GetConfiguration ``configurationKey`` entry (secrets without a value)."""
        entry: dict[str, Any] = {"key": self.key, "readonly": self.readonly}
        if not self.secret:
            entry["value"] = self.value
        return entry


class Configuration:
    """Keys by name, with the ChangeConfiguration statuses of OCPP 1.6 §5.3."""

    def __init__(self, keys: Iterable[ConfigKey]) -> None:
        self._keys = {key.key: key for key in keys}

    def __iter__(self) -> Iterator[ConfigKey]:
        return iter(self._keys.values())

    def get(self, key: str) -> ConfigKey | None:
        return self._keys.get(key)

    def value(self, key: str) -> str:
        return self._keys[key].value

    def check_change(self, key: str, value: str) -> str:
        """Accepted, Rejected (read-only or bad value) or NotSupported (unknown key)."""
        entry = self._keys.get(key)
        if entry is None:
            return "NotSupported"
        if entry.readonly or not entry.accepts(value):
            return "Rejected"
        return "Accepted"

    def store(self, key: str, value: str) -> None:
        self._keys[key].value = value


def _measurands(value: str) -> bool:
    items = [item.strip() for item in value.split(",")] if value else []
    return all(item in _MEASURANDS for item in items)


#: the required keys of the LocalAuthListManagement profile (§9.2)
LOCAL_AUTH_LIST_KEYS = ("LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength")

#: sizes of the Local Authorization List (reported read-only, §9.2.2/.3)
LOCAL_LIST_MAX = 100
SEND_LOCAL_LIST_MAX = 20


def default_keys(*, heartbeat_interval: int, connectors: int) -> list[ConfigKey]:
    """The keys the simulated 1.6 charge point reports, required core keys first."""
    rotation = ",".join(f"{n}.RST" for n in range(connectors + 1))
    return [
        ConfigKey("AuthorizeRemoteTxRequests", "false", kind="bool"),
        ConfigKey("ClockAlignedDataInterval", "0", kind="int"),
        ConfigKey("ConnectionTimeOut", "60", kind="int"),
        ConfigKey("ConnectorPhaseRotation", rotation),
        ConfigKey("GetConfigurationMaxKeys", "50", readonly=True, kind="int"),
        ConfigKey("HeartbeatInterval", str(heartbeat_interval), kind="int"),
        ConfigKey("LocalAuthorizeOffline", "true", kind="bool"),
        ConfigKey("LocalPreauthorize", "false", kind="bool"),
        ConfigKey("MeterValuesAlignedData", "Energy.Active.Import.Register", check=_measurands),
        ConfigKey("MeterValuesSampledData", "Energy.Active.Import.Register", check=_measurands),
        ConfigKey("MeterValueSampleInterval", "60", kind="int"),
        ConfigKey("NumberOfConnectors", str(connectors), readonly=True, kind="int"),
        ConfigKey("ResetRetries", "1", kind="int"),
        ConfigKey("StopTransactionOnEVSideDisconnect", "true", kind="bool"),
        ConfigKey("StopTransactionOnInvalidId", "true", kind="bool"),
        ConfigKey("StopTxnAlignedData", "", check=_measurands),
        ConfigKey("StopTxnSampledData", "", check=_measurands),
        ConfigKey(
            "SupportedFeatureProfiles",
            "Core,LocalAuthListManagement,RemoteTrigger",
            readonly=True,
        ),
        ConfigKey("TransactionMessageAttempts", "3", kind="int"),
        ConfigKey("TransactionMessageRetryInterval", "60", kind="int"),
        ConfigKey("UnlockConnectorOnEVSideDisconnect", "true", kind="bool"),
        ConfigKey("WebSocketPingInterval", "0", kind="int"),
        ConfigKey("LocalAuthListEnabled", "true", kind="bool"),
        ConfigKey("LocalAuthListMaxLength", str(LOCAL_LIST_MAX), readonly=True, kind="int"),
        ConfigKey("SendLocalListMaxLength", str(SEND_LOCAL_LIST_MAX), readonly=True, kind="int"),
        ConfigKey(
            "AuthorizationKey",
            "",
            secret=True,
            check=lambda value: bool(_HEX_KEY.fullmatch(value)),
        ),
    ]


class LocalAuthList:
    """The Local Authorization List: idTag -> idTagInfo, and its version."""

    def __init__(self) -> None:
        self.version = 0
        self.entries: dict[str, dict[str, Any]] = {}

    def update(self, payload: dict[str, Any]) -> str:
        """Apply a SendLocalList.req; returns the UpdateStatus (§7.48).

        Full replaces the list; Differential adds, updates (with idTagInfo) or removes
        (without) entries and needs a version above the current one (VersionMismatch).
        Too many entries in the request or in the result: Failed.
        """
        items = payload.get("localAuthorizationList") or []
        version = int(payload["listVersion"])
        if len(items) > SEND_LOCAL_LIST_MAX:
            return "Failed"
        if payload["updateType"] == "Full":
            entries: dict[str, dict[str, Any]] = {}
        else:
            if version <= self.version:
                return "VersionMismatch"
            entries = dict(self.entries)
        for item in items:
            if "idTagInfo" in item:
                entries[item["idTag"]] = dict(item["idTagInfo"])
            else:
                entries.pop(item["idTag"], None)
        if len(entries) > LOCAL_LIST_MAX:
            return "Failed"
        self.entries, self.version = entries, version
        return "Accepted"
