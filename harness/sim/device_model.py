"""A small OCPP 2.0.1 device model: the variables GetVariables/SetVariables/GetBaseReport see.

Only the ``Actual`` attribute exists; any other attributeType is
NotSupportedAttributeType (B05.FR.06, B06.FR.08). Component and variable instances are
matched exactly, so ``OCPPCommCtrlr.MessageTimeout`` must be asked for with instance
``Default``, as the 2.0.1 device model names it; without the instance it is
UnknownVariable (B06.FR.15).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.sim.util import utc_now

__all__ = ["DeviceModel", "Variable", "default_variables", "memory_variables"]

Mutability = Literal["ReadOnly", "ReadWrite", "WriteOnly"]
DataType = Literal[
    "string",
    "decimal",
    "integer",
    "dateTime",
    "boolean",
    "OptionList",
    "SequenceList",
    "MemberList",
]

_PASSWORD = re.compile(r"[a-zA-Z0-9*\-_=:+|@.]{16,40}")
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")

#: OCPPCommCtrlr.FileTransferProtocols' values (Part 2 §2.1.4)
FILE_TRANSFER_PROTOCOLS = ("FTP", "FTPS", "HTTP", "HTTPS", "SFTP")
#: AvailabilityState's values (Part 2 §2.13.2)
AVAILABILITY_STATES = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
#: the network connection profile slots the simulated station has
NETWORK_SLOTS = ("0", "1")
#: the time sources of ClockCtrlr.TimeSource (Part 2, TimeSource values)
TIME_SOURCES = ("Heartbeat", "NTP", "GPS", "RealTimeClock", "MobileNetwork", "RadioTimeTransmitter")
TX_POINTS = (
    "ParkingBayOccupancy",
    "EVConnected",
    "Authorized",
    "DataSigned",
    "PowerPathClosed",
    "EnergyTransfer",
)
#: LocalAuthListCtrlr.ItemsPerMessage: the most entries one SendLocalList may carry
LOCAL_LIST_ITEMS = 100

MEASURANDS = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Current.Import",
    "Voltage",
    "SoC",
)


@dataclass
class Variable:
    """One component variable with its Actual value and the rules for setting it."""

    component: str
    name: str
    value: str
    mutability: Mutability = "ReadWrite"
    data_type: DataType = "string"
    component_instance: str | None = None
    instance: str | None = None
    values_list: tuple[str, ...] = ()
    min_limit: int | None = None
    #: the EVSE (and connector) of a physical component (EVSE, Connector: Part 2 §2.13)
    evse: int | None = None
    connector: int | None = None
    #: the variableCharacteristics maxLimit (EVSE.Power: the most it can give)
    max_limit: float | None = None
    #: extra check on a new value (format, length)
    check: Callable[[str], bool] | None = None
    #: computed value (ClockCtrlr.DateTime)
    dynamic: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def key(self) -> VariableKey:
        return (
            self.component,
            self.component_instance,
            self.evse,
            self.connector,
            self.name,
            self.instance,
        )

    def current(self) -> str:
        return self.dynamic() if self.dynamic is not None else self.value

    def accepts(self, value: str) -> bool:
        """Is ``value`` well formed and in range for this variable (B05.FR.07/08)?"""
        if self.data_type == "integer":
            if not _INTEGER.fullmatch(value):
                return False
            if self.min_limit is not None and int(value) < self.min_limit:
                return False
        elif self.data_type == "decimal":
            if not _DECIMAL.fullmatch(value):
                return False
        elif self.data_type == "boolean":
            if value not in ("true", "false"):
                return False
        elif self.data_type == "OptionList":
            if value not in self.values_list:
                return False
        elif self.data_type == "MemberList":
            members = [item.strip() for item in value.split(",")] if value else []
            if any(item not in self.values_list for item in members):
                return False
        return self.check is None or self.check(value)

    def report_data(self) -> dict[str, Any]:
        """This variable as a NotifyReport ``reportData`` item (with characteristics)."""
        attribute: dict[str, Any] = {"type": "Actual", "mutability": self.mutability}
        if self.mutability != "WriteOnly":
            attribute["value"] = self.current()
        characteristics: dict[str, Any] = {"dataType": self.data_type, "supportsMonitoring": False}
        if self.values_list:
            characteristics["valuesList"] = ",".join(self.values_list)
        if self.min_limit is not None:
            characteristics["minLimit"] = self.min_limit
        if self.max_limit is not None:
            characteristics["maxLimit"] = self.max_limit
        component = _named(self.component, self.component_instance)
        if self.evse is not None:
            component["evse"] = {"id": self.evse}
            if self.connector is not None:
                component["evse"]["connectorId"] = self.connector
        return {
            "component": component,
            "variable": _named(self.name, self.instance),
            "variableAttribute": [attribute],
            "variableCharacteristics": characteristics,
        }


def _named(name: str, instance: str | None) -> dict[str, Any]:
    return {"name": name} if instance is None else {"name": name, "instance": instance}


#: (component, component instance, EVSE, connector, variable, variable instance)
VariableKey = tuple[str, str | None, int | None, int | None, str, str | None]


class DeviceModel:
    """Lookup and update of :class:`Variable` s with the GetVariables/SetVariables statuses."""

    def __init__(self, variables: Iterable[Variable]) -> None:
        self._variables = {variable.key: variable for variable in variables}
        self._components = {v.key[:4] for v in self._variables.values()}

    def __iter__(self) -> Iterator[Variable]:
        return iter(self._variables.values())

    def find(
        self, component: dict[str, Any], variable: dict[str, Any]
    ) -> tuple[str, Variable | None]:
        """(status, variable): status is Accepted, UnknownComponent or UnknownVariable."""
        evse = component.get("evse") or {}
        comp_key = (
            component.get("name"),
            component.get("instance") or None,
            evse.get("id"),
            evse.get("connectorId"),
        )
        if comp_key not in self._components:
            return "UnknownComponent", None
        key = (*comp_key, variable.get("name"), variable.get("instance") or None)
        found = self._variables.get(key)  # type: ignore[arg-type]
        return ("Accepted", found) if found is not None else ("UnknownVariable", None)

    def get(self, item: dict[str, Any]) -> tuple[str, str | None]:
        """Answer one GetVariableData: (attributeStatus, attributeValue or None)."""
        status, variable = self.find(item.get("component", {}), item.get("variable", {}))
        if variable is None:
            return status, None
        if item.get("attributeType", "Actual") != "Actual":
            return "NotSupportedAttributeType", None
        if variable.mutability == "WriteOnly":
            return "Rejected", None
        return "Accepted", variable.current()

    def check_set(self, item: dict[str, Any]) -> tuple[str, Variable | None]:
        """Judge one SetVariableData without applying it: (attributeStatus, variable)."""
        status, variable = self.find(item.get("component", {}), item.get("variable", {}))
        if variable is None:
            return status, None
        if item.get("attributeType", "Actual") != "Actual":
            return "NotSupportedAttributeType", None
        if variable.mutability == "ReadOnly":
            return "Rejected", variable
        if not variable.accepts(str(item.get("attributeValue", ""))):
            return "Rejected", variable
        return "Accepted", variable

    def value(self, component: str, name: str, instance: str | None = None) -> str:
        return self._variables[(component, None, None, None, name, instance)].current()

    def store(self, component: str, name: str, value: str, instance: str | None = None) -> None:
        self._variables[(component, None, None, None, name, instance)].value = value

    def set_check(self, component: str, name: str, check: Callable[[str], bool]) -> None:
        """Give a variable the extra check a new value must pass (its owner's rule)."""
        self._variables[(component, None, None, None, name, None)].check = check


def default_variables(
    *,
    heartbeat_interval: int,
    message_timeout: int,
    security_profile: int,
    start_points: tuple[str, ...] = TX_POINTS,
) -> list[Variable]:
    """The simulated station's variables: the required ones of the 2.0.1 device model
    for the blocks it implements, plus HeartbeatInterval and a few TxCtrlr/AuthCtrlr ones.
    ``start_points`` are the TxStartPoint values it supports. (The cable's variables are
    harness.sim.cable_v201's.)
    """
    comm = "OCPPCommCtrlr"
    rw_int: dict[str, Any] = {"data_type": "integer", "min_limit": 0}
    return [
        Variable(comm, "HeartbeatInterval", str(heartbeat_interval), **rw_int),
        # ReadOnly: Part 2 §2.1.3 (it is set through a NetworkConnectionProfile)
        Variable(
            comm,
            "MessageTimeout",
            str(message_timeout),
            instance="Default",
            mutability="ReadOnly",
            data_type="integer",
        ),
        Variable(comm, "OfflineThreshold", "60", **rw_int),
        # a list type reports the values it may take (valuesList; Part 6 TC_B_12/13_CS)
        Variable(
            comm,
            "NetworkConfigurationPriority",
            "0",
            data_type="SequenceList",
            values_list=NETWORK_SLOTS,
        ),
        Variable(comm, "NetworkProfileConnectionAttempts", "3", **rw_int),
        Variable(comm, "ResetRetries", "1", **rw_int),
        Variable(comm, "MessageAttempts", "3", instance="TransactionEvent", **rw_int),
        Variable(comm, "MessageAttemptInterval", "10", instance="TransactionEvent", **rw_int),
        Variable(comm, "RetryBackOffRepeatTimes", "3", **rw_int),
        Variable(comm, "RetryBackOffRandomRange", "2", **rw_int),
        # 0: the simulator's own fast back-off; a case sets it to test Part 4 §5.3's
        Variable(comm, "RetryBackOffWaitMinimum", "0", **rw_int),
        Variable(comm, "WebSocketPingInterval", "0", **rw_int),
        Variable(
            "SecurityCtrlr",
            "SecurityProfile",
            str(security_profile),
            mutability="ReadOnly",
            data_type="integer",
        ),
        Variable("SecurityCtrlr", "OrganizationName", "OcppHarness"),
        Variable(
            "SecurityCtrlr",
            "BasicAuthPassword",
            "",
            mutability="WriteOnly",
            check=lambda value: bool(_PASSWORD.fullmatch(value)),
        ),
        Variable(
            "ClockCtrlr",
            "DateTime",
            "",
            mutability="ReadOnly",
            data_type="dateTime",
            dynamic=utc_now,
        ),
        Variable(
            "ClockCtrlr",
            "TimeSource",
            "Heartbeat",
            data_type="SequenceList",
            values_list=TIME_SOURCES,
        ),
        Variable(
            "TxCtrlr",
            "TxStartPoint",
            "Authorized",
            data_type="MemberList",
            values_list=start_points,
        ),
        Variable(
            "TxCtrlr", "TxStopPoint", "Authorized", data_type="MemberList", values_list=TX_POINTS
        ),
        Variable("TxCtrlr", "EVConnectionTimeOut", "60", **rw_int),
        Variable("TxCtrlr", "StopTxOnInvalidId", "true", data_type="boolean"),
        # Wh a transaction may still draw after the CSMS refused its token (E05.FR.03)
        Variable("TxCtrlr", "MaxEnergyOnInvalidId", "0", **rw_int),
        Variable("AuthCtrlr", "AuthorizeRemoteStart", "false", data_type="boolean"),
        Variable("AuthCtrlr", "LocalAuthorizeOffline", "true", data_type="boolean"),
        # C-58: true leaves the station its list and cache only (no AuthorizeRequest)
        Variable("AuthCtrlr", "DisableRemoteAuthorization", "false", data_type="boolean"),
        Variable("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false", data_type="boolean"),
        Variable("AuthCtrlr", "LocalPreAuthorize", "false", data_type="boolean"),
        *(
            Variable(
                "DeviceDataCtrlr",
                name,
                value,
                mutability="ReadOnly",
                data_type="integer",
                instance=instance,
            )
            for name, value in (("ItemsPerMessage", "16"), ("BytesPerMessage", "65000"))
            for instance in ("GetReport", "GetVariables", "SetVariables")
        ),
        Variable("SampledDataCtrlr", "TxUpdatedInterval", "0", **rw_int),
        Variable("SampledDataCtrlr", "TxEndedInterval", "0", **rw_int),
        Variable(
            comm,
            "FileTransferProtocols",
            "HTTP,HTTPS",
            mutability="ReadOnly",
            data_type="MemberList",
            values_list=FILE_TRANSFER_PROTOCOLS,
        ),
        # clock-aligned meter values (Part 2 §2.8): none sent while the intervals are 0
        Variable("AlignedDataCtrlr", "Interval", "0", **rw_int),
        Variable("AlignedDataCtrlr", "TxEndedInterval", "0", **rw_int),
        *(
            Variable(
                "AlignedDataCtrlr",
                name,
                "Energy.Active.Import.Register",
                data_type="MemberList",
                values_list=MEASURANDS,
            )
            for name in ("Measurands", "TxEndedMeasurands")
        ),
        *(
            Variable(
                "SampledDataCtrlr",
                name,
                "Energy.Active.Import.Register",
                data_type="MemberList",
                values_list=MEASURANDS,
            )
            for name in ("TxStartedMeasurands", "TxUpdatedMeasurands", "TxEndedMeasurands")
        ),
    ]


def memory_variables(
    *,
    local_list_entries: Callable[[], int],
    charging_profile_entries: Callable[[], int],
    certificate_entries: Callable[[], int],
) -> list[Variable]:
    """The variables of what the station keeps for the CSMS: the Local Authorization
    List (D01, C13/C14), the Authorization Cache (C10-C12), charging profiles (K01) and
    installed certificates (M05). Counts are read from the keeping modules when asked
    (the callables), so a report never shows a stale number.

    Defaults are the ones Part 6's cases of those blocks start from: list and cache
    available and enabled, no post-authorization switched off; the smart-charging
    limits are generous enough for any profile a case sends.
    """

    def count(source: Callable[[], int]) -> Callable[[], str]:
        return lambda: str(source())

    read_only_int: dict[str, Any] = {"mutability": "ReadOnly", "data_type": "integer"}
    flag: dict[str, Any] = {"data_type": "boolean"}
    fixed_flag: dict[str, Any] = {"mutability": "ReadOnly", "data_type": "boolean"}
    lists, cache, smart = "LocalAuthListCtrlr", "AuthCacheCtrlr", "SmartChargingCtrlr"
    return [
        Variable(lists, "Available", "true", **fixed_flag),
        Variable(lists, "Enabled", "true", **flag),
        Variable(lists, "Entries", "", dynamic=count(local_list_entries), **read_only_int),
        Variable(lists, "ItemsPerMessage", str(LOCAL_LIST_ITEMS), **read_only_int),
        Variable(lists, "BytesPerMessage", "65000", **read_only_int),
        Variable(lists, "DisablePostAuthorize", "false", **flag),
        Variable(cache, "Available", "true", **fixed_flag),
        Variable(cache, "Enabled", "true", **flag),
        Variable(cache, "LifeTime", "86400", data_type="integer", min_limit=1),
        Variable(cache, "DisablePostAuthorize", "false", **flag),
        Variable(smart, "Available", "true", **fixed_flag),
        Variable(smart, "Enabled", "true", **flag),
        Variable(
            smart,
            "Entries",
            "",
            instance="ChargingProfiles",
            dynamic=count(charging_profile_entries),
            **read_only_int,
        ),
        Variable(smart, "LimitChangeSignificance", "10", data_type="decimal"),
        Variable(smart, "PeriodsPerSchedule", "24", **read_only_int),
        Variable(smart, "ProfileStackLevel", "8", **read_only_int),
        Variable(
            smart,
            "RateUnit",
            "A,W",
            mutability="ReadOnly",
            data_type="MemberList",
            values_list=("A", "W"),
        ),
        Variable(
            "SecurityCtrlr",
            "CertificateEntries",
            "",
            dynamic=count(certificate_entries),
            **read_only_int,
        ),
    ]


def physical_variables(
    layout: Iterable[tuple[int, int]],
    state: Callable[[int | None], str],
    problem: Callable[[int | None], bool],
    *,
    evse_reset: bool = False,
) -> list[Variable]:
    """The required variables of the station's physical components (Part 2 §2.13): the
    ChargingStation, each EVSE and each connector of ``layout`` ((evse, connector)
    pairs). ``state(evse)`` is an EVSE's AvailabilityState now, ``state(None)`` the
    station's; ``problem(evse)`` (``problem(None)``) whether it has a Problem condition
    now, which the Problem variable shows (the device model counts a fault as one). A
    station that resets single EVSEs (``evse_reset``) says so with each EVSE's
    AllowReset (B11.FR.10)."""
    fixed: dict[str, Any] = {"mutability": "ReadOnly"}
    phases: dict[str, Any] = {"mutability": "ReadOnly", "data_type": "integer"}
    found: list[Variable] = [
        Variable("ChargingStation", "Available", "true", data_type="boolean", **fixed),
        Variable("ChargingStation", "SupplyPhases", "3", **phases),
        _availability_state(None, state),
        _problem(None, problem),
    ]
    evses = sorted({evse for evse, _ in layout})
    for evse in evses:
        found += [
            Variable("EVSE", "Available", "true", data_type="boolean", evse=evse, **fixed),
            Variable("EVSE", "SupplyPhases", "3", evse=evse, **phases),
            Variable(
                "EVSE", "Power", "0", data_type="decimal", max_limit=22000.0, evse=evse, **fixed
            ),
            _availability_state(evse, state),
            _problem(evse, problem),
        ]
        if evse_reset:
            found.append(
                Variable("EVSE", "AllowReset", "true", data_type="boolean", evse=evse, **fixed)
            )
    for evse, connector in sorted(layout):
        where: dict[str, Any] = {"evse": evse, "connector": connector}
        found += [
            Variable("Connector", "Available", "true", data_type="boolean", **where, **fixed),
            Variable("Connector", "ConnectorType", "cType2", **where, **fixed),
            Variable("Connector", "SupplyPhases", "3", **where, **phases),
        ]
    return found


def _problem(evse: int | None, problem: Callable[[int | None], bool]) -> Variable:
    return _condition(evse, "Problem", lambda: "true" if problem(evse) else "false", "boolean")


def _availability_state(evse: int | None, state: Callable[[int | None], str]) -> Variable:
    return _condition(evse, "AvailabilityState", lambda: state(evse), "OptionList")


def _condition(
    evse: int | None, name: str, now: Callable[[], str], data_type: DataType
) -> Variable:
    """A read-only variable of the station's (or an EVSE's) condition, its value ``now()``."""
    return Variable(
        "EVSE" if evse is not None else "ChargingStation",
        name,
        "",
        mutability="ReadOnly",
        data_type=data_type,
        values_list=AVAILABILITY_STATES if name == "AvailabilityState" else (),
        evse=evse,
        dynamic=now,
    )
