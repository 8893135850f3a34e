"""OCPP 1.6 §9: the standard configuration keys, per feature profile.

Facts the 1.6 catalog cases and the simulated charge point share (one place, so the
case and the device it is proven against cannot drift apart): for each key its
profile, whether a charge point that supports the profile must have it, whether it
is read-only (``R``), read-write (``RW``) or either at the implementation's choice, and
the type of its value. A required key of a profile is only required when the charge
point lists that profile in SupportedFeatureProfiles (§9, first paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["PROFILES", "STANDARD_KEYS", "StandardKey", "required_keys"]

Access = Literal["R", "RW", "R or RW"]
ValueType = Literal["boolean", "integer", "CSL", "string"]

#: SupportedFeatureProfiles values (§3.3 feature profiles)
PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)


@dataclass(frozen=True)
class StandardKey:
    name: str
    profile: str
    required: bool
    access: Access
    type: ValueType


def _keys(profile: str, rows: str) -> list[StandardKey]:
    keys = []
    for row in rows.strip().splitlines():
        name, required, access, value_type = (part.strip() for part in row.split("|"))
        keys.append(
            StandardKey(name, profile, required == "required", access, value_type)  # type: ignore[arg-type]
        )
    return keys


STANDARD_KEYS: tuple[StandardKey, ...] = (
    *_keys(
        "Core",
        """
        AllowOfflineTxForUnknownId | optional | RW | boolean
        AuthorizationCacheEnabled | optional | RW | boolean
        AuthorizeRemoteTxRequests | required | R or RW | boolean
        BlinkRepeat | optional | RW | integer
        ClockAlignedDataInterval | required | RW | integer
        ConnectionTimeOut | required | RW | integer
        ConnectorPhaseRotation | required | RW | CSL
        ConnectorPhaseRotationMaxLength | optional | R | integer
        GetConfigurationMaxKeys | required | R | integer
        HeartbeatInterval | required | RW | integer
        LightIntensity | optional | RW | integer
        LocalAuthorizeOffline | required | RW | boolean
        LocalPreauthorize | required | RW | boolean
        MaxEnergyOnInvalidId | optional | RW | integer
        MeterValuesAlignedData | required | RW | CSL
        MeterValuesAlignedDataMaxLength | optional | R | integer
        MeterValuesSampledData | required | RW | CSL
        MeterValuesSampledDataMaxLength | optional | R | integer
        MeterValueSampleInterval | required | RW | integer
        MinimumStatusDuration | optional | RW | integer
        NumberOfConnectors | required | R | integer
        ResetRetries | required | RW | integer
        StopTransactionOnEVSideDisconnect | required | RW | boolean
        StopTransactionOnInvalidId | required | RW | boolean
        StopTxnAlignedData | required | RW | CSL
        StopTxnAlignedDataMaxLength | optional | R | integer
        StopTxnSampledData | required | RW | CSL
        StopTxnSampledDataMaxLength | optional | R | integer
        SupportedFeatureProfiles | required | R | CSL
        SupportedFeatureProfilesMaxLength | optional | R | integer
        TransactionMessageAttempts | required | RW | integer
        TransactionMessageRetryInterval | required | RW | integer
        UnlockConnectorOnEVSideDisconnect | required | RW | boolean
        WebSocketPingInterval | optional | RW | integer
        """,
    ),
    *_keys(
        "LocalAuthListManagement",
        """
        LocalAuthListEnabled | required | RW | boolean
        LocalAuthListMaxLength | required | R | integer
        SendLocalListMaxLength | required | R | integer
        """,
    ),
    *_keys(
        "Reservation",
        """
        ReserveConnectorZeroSupported | optional | R | boolean
        """,
    ),
    *_keys(
        "SmartCharging",
        """
        ChargeProfileMaxStackLevel | required | R | integer
        ChargingScheduleAllowedChargingRateUnit | required | R | CSL
        ChargingScheduleMaxPeriods | required | R | integer
        ConnectorSwitch3to1PhaseSupported | optional | R | boolean
        MaxChargingProfilesInstalled | required | R | integer
        """,
    ),
)


def required_keys(profiles: set[str] | frozenset[str]) -> list[StandardKey]:
    """The keys a charge point supporting ``profiles`` must have."""
    return [key for key in STANDARD_KEYS if key.required and key.profile in profiles]
