"""The OCPP 1.6 configuration keys of the simulated charge point.

Every required core key of OCPP 1.6 §9.1 is present with its ``readonly`` flag, plus
WebSocketPingInterval and the security whitepaper's AuthorizationKey. AuthorizationKey
is write-only in effect: GetConfiguration lists it without a value (SW16: the key
should not be readable), ChangeConfiguration accepts 20-40 hex digits (OCTT TC_086).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ConfigKey", "Configuration", "default_keys"]

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

    def __iter__(self):
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


def default_keys(*, heartbeat_interval: int, connectors: int) -> list[ConfigKey]:
    """The keys the simulated 1.6 charge point reports, required core keys first."""
    return [
        ConfigKey("AuthorizeRemoteTxRequests", "false", kind="bool"),
        ConfigKey("ClockAlignedDataInterval", "0", kind="int"),
        ConfigKey("ConnectionTimeOut", "60", kind="int"),
        ConfigKey("ConnectorPhaseRotation", "0.RST,1.RST"),
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
        ConfigKey("SupportedFeatureProfiles", "Core,RemoteTrigger", readonly=True),
        ConfigKey("TransactionMessageAttempts", "3", kind="int"),
        ConfigKey("TransactionMessageRetryInterval", "60", kind="int"),
        ConfigKey("UnlockConnectorOnEVSideDisconnect", "true", kind="bool"),
        ConfigKey("WebSocketPingInterval", "0", kind="int"),
        ConfigKey(
            "AuthorizationKey",
            "",
            secret=True,
            check=lambda value: bool(_HEX_KEY.fullmatch(value)),
        ),
    ]
