"""Provisioning of the simulated 2.0.1 station (Part 2 block B): the CSMS's calls about
the device model and resets: GetVariables, SetVariables, GetBaseReport, Reset.

The device model itself is :mod:`harness.sim.device_model`; the boot (BootNotification,
its reasons, the boot gate) is the station's wire engine (:mod:`harness.sim.station_link`)
with the frames of :mod:`harness.sim.station_v201`. Requirement ids are from OCPP 2.0.1
Part 2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import NETWORK_SLOTS
from harness.sim.errors import SimError
from harness.sim.peer import Reply
from harness.sim.reports import PROBLEM_VARIABLES, base_report_variables, notify_report_parts
from harness.sim.transactions_v201 import end_now
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.station_link import StationLink
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # get_variables
    Defect(
        "get-variables-wrong-component",
        "station",
        V201,
        "GetVariablesResult names a different component than the one requested",
        "B06.FR.02",
    ),
    # get_variables
    Defect(
        "get-variables-wrong-attribute-type",
        "station",
        V201,
        "a GetVariablesResult carries another attributeType than the one asked for "
        "(Target when Actual was asked)",
        "B06.FR.03",
    ),
    # get_variables
    Defect(
        "get-variables-unknown-swapped",
        "station",
        V201,
        "answers UnknownVariable for an unknown component and UnknownComponent for an "
        "unknown variable",
        "B06.FR.06",
    ),
    # get_variables
    Defect(
        "get-variables-any-attribute-type",
        "station",
        V201,
        "reads the Actual value for an attributeType it does not support (Accepted "
        "instead of NotSupportedAttributeType)",
        "B06.FR.08",
    ),
    # get_variables
    Defect(
        "get-variables-first-only",
        "station",
        V201,
        "answers a GetVariables of several items with the result of the first only",
        "B06.FR.01",
    ),
    # set_variables
    Defect(
        "set-variables-unknown-swapped",
        "station",
        V201,
        "answers UnknownVariable for an unknown component and UnknownComponent for an "
        "unknown variable",
        "B05.FR.04",
    ),
    # set_variables
    Defect(
        "set-variables-any-attribute-type",
        "station",
        V201,
        "sets the Actual value for an attributeType it does not support (Accepted instead "
        "of NotSupportedAttributeType)",
        "B05.FR.06",
    ),
    # set_variables
    Defect(
        "set-variables-read-only-accepted",
        "station",
        V201,
        "answers Accepted to setting a ReadOnly variable (and keeps the value it had)",
        "B05.FR.09",
    ),
    # set_variables
    Defect(
        "set-variables-any-format",
        "station",
        V201,
        "accepts (and stores) a value of the wrong format for its variable's data type",
        "B05.FR.07",
    ),
    # set_variables
    Defect(
        "set-variables-first-only",
        "station",
        V201,
        "answers a SetVariables of several items with the result of the first only",
        "B05.FR.01",
    ),
    # get_base_report
    Defect(
        "report-read-only-in-configuration",
        "station",
        V201,
        "reports its ReadOnly variables in a ConfigurationInventory too",
        "B07.FR.07",
    ),
    # get_base_report.report
    Defect(
        "report-seq-no-from-one",
        "station",
        V201,
        "numbers the NotifyReport parts of a report from 1 instead of 0",
        "B07.FR.10",
    ),
    # get_base_report
    Defect(
        "report-without-values-list",
        "station",
        V201,
        "reports its list-typed variables (OptionList, SequenceList, MemberList) without "
        "their valuesList",
        "B07.FR.08",
    ),
    # get_base_report
    Defect(
        "report-omits-required-variable",
        "station",
        V201,
        "leaves ChargingStation.AvailabilityState, which the device model requires, out of "
        "its FullInventory",
        "Part 2 Referenced Components and Variables",
    ),
    # get_base_report
    Defect(
        "report-summary-accepted",
        "station",
        V201,
        "answers a SummaryInventory request, which it does not support, Accepted and "
        "sends its full inventory",
        "B07.FR.02",
    ),
    # get_base_report
    Defect(
        "summary-without-problems",
        "station",
        V201,
        "its SummaryInventory leaves out the Problem variable of a component in a fault",
        "B07.FR.09",
    ),
    # get_base_report
    Defect(
        "summary-without-evse-availability",
        "station",
        V201,
        "its SummaryInventory leaves out the AvailabilityState of each EVSE",
        "B07.FR.09",
    ),
    # set_network_profile
    Defect(
        "network-profile-any-slot",
        "station",
        V201,
        "accepts a SetNetworkProfile for a configuration slot it does not have",
        "B09.FR.02",
    ),
    # reset
    Defect(
        "reset-evse-unsupported-accepted",
        "station",
        V201,
        "answers a Reset of one EVSE, which it cannot do, Accepted (and resets nothing)",
        "B11.FR.09",
    ),
    # _reset_evse
    Defect(
        "reset-evse-refused",
        "station",
        V201,
        "a station that resets single EVSEs (Part 5 C-13) answers a Reset of one EVSE Rejected",
        "B11.FR.08",
    ),
    # _reset_evse
    Defect(
        "reset-evse-on-idle-at-once",
        "station",
        V201,
        "answers a Reset OnIdle of an EVSE whose transaction runs Scheduled, then resets the "
        "EVSE at once, ending the transaction with ResetCommand",
        "B12.FR.07",
    ),
    # _evse_reset_now
    Defect(
        "reset-evse-immediate-no-ended",
        "station",
        V201,
        "resets an EVSE on a Reset Immediate without ending its transaction first",
        "B12.FR.08",
    ),
    # reset
    Defect(
        "reset-on-idle-never",
        "station",
        V201,
        "answers a Reset OnIdle during a transaction Scheduled, and never resets once the "
        "transaction has ended",
        "B12.FR.01",
    ),
    # reset
    Defect(
        "reset-on-idle-first-idle",
        "station",
        V201,
        "with a Reset OnIdle scheduled during several transactions, reboots as soon as the "
        "first of them has ended, cutting the others off",
        "B12.FR.03",
    ),
    # reset
    Defect(
        "reset-on-idle-at-once",
        "station",
        V201,
        "answers a Reset OnIdle during a transaction Scheduled, then reboots at once, "
        "cutting the transaction off",
        "B12.FR.03",
    ),
    # reset.reboot
    Defect(
        "reset-immediate-no-ended",
        "station",
        V201,
        "reboots on a Reset Immediate without ending the running transaction first",
        "B12.FR.04",
    ),
    # set_variables
    Defect(
        "set-variables-wrong-attribute-type",
        "station",
        V201,
        "a SetVariablesResult carries another attributeType than the one asked for "
        "(Target when Actual was asked)",
        "B05.FR.03",
    ),
    # set_variables
    Defect(
        "set-variables-not-applied",
        "station",
        V201,
        "SetVariables answers Accepted but does not store the value",
        "B05.FR.10",
    ),
)


#: the two "unknown" statuses, each as the other (defects *-unknown-swapped)
_SWAPPED = {"UnknownComponent": "UnknownVariable", "UnknownVariable": "UnknownComponent"}


async def get_variables(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """B06: each asked variable's value, or why there is none."""
    wrong = v201.station.has("get-variables-wrong-component")
    wrong_type = v201.station.has("get-variables-wrong-attribute-type")
    results = []
    for item in payload["getVariableData"]:
        status, value = v201.device_model.get(item)
        if status == "NotSupportedAttributeType" and v201.station.has(
            "get-variables-any-attribute-type"
        ):
            status, value = v201.device_model.get({**item, "attributeType": "Actual"})
        if v201.station.has("get-variables-unknown-swapped"):
            status = _SWAPPED.get(status, status)
        component = dict(item["component"])
        if wrong:
            component["name"] = (
                "ChargingStation" if component["name"] != "ChargingStation" else "EVSE"
            )
        result: dict[str, Any] = {
            "attributeStatus": status,
            "attributeType": _answered_type(item, wrong_type),  # B06.FR.03/11
            "component": component,
            "variable": item["variable"],
        }
        if status == "Accepted" and value is not None:
            result["attributeValue"] = value[:2500]
        results.append(result)
    if v201.station.has("get-variables-first-only"):
        results = results[:1]
    return Reply({"getVariableResult": results})


async def set_variables(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """B05: store each value the device model accepts, and say so per variable."""
    wrong_type = v201.station.has("set-variables-wrong-attribute-type")
    results = []
    for item in payload["setVariableData"]:
        status, variable = v201.device_model.check_set(item)
        store = not v201.station.has("set-variables-not-applied")
        if status == "NotSupportedAttributeType" and v201.station.has(
            "set-variables-any-attribute-type"
        ):
            status, variable = v201.device_model.check_set({**item, "attributeType": "Actual"})
        if v201.station.has("set-variables-unknown-swapped"):
            status = _SWAPPED.get(status, status)
        writable = variable is not None and variable.mutability == "ReadWrite"
        if status == "Rejected" and writable and v201.station.has("set-variables-any-format"):
            status = "Accepted"
        read_only = variable is not None and variable.mutability == "ReadOnly"
        if read_only and v201.station.has("set-variables-read-only-accepted"):
            status, store = "Accepted", False
        if variable is not None and variable.name == "NetworkConfigurationPriority":
            status = v201.network.priority_status(status)  # B10.FR.01
        if status in _SET and variable is not None and store:
            variable.value = str(item["attributeValue"])
            _applied(v201.station, variable.component, variable.name, variable.value)
        results.append(
            {
                "attributeStatus": status,
                "attributeType": _answered_type(item, wrong_type),  # B05.FR.03/12
                "component": item["component"],
                "variable": item["variable"],
            }
        )
    if v201.station.has("set-variables-first-only"):
        results = results[:1]
    return Reply({"setVariableResult": results})


#: the SetVariables statuses of a value the station took (RebootRequired: used from the
#: next start on)
_SET = ("Accepted", "RebootRequired")


def _applied(station: StationLink, component: str, name: str, value: str) -> None:
    """A stored value the station acts on at once."""
    if (component, name) == ("OCPPCommCtrlr", "HeartbeatInterval"):
        station.heartbeat_changed()
    elif (component, name) == ("AlignedDataCtrlr", "Interval"):
        station.behaviour.aligned_changed.set()  # type: ignore[union-attr]
    elif (component, name) == ("SecurityCtrlr", "BasicAuthPassword"):
        station.password = value  # used from the next connection on


async def get_base_report(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """B07: Accepted, then the report in NotifyReport parts of 32 variables."""
    station = v201.station
    base = payload["reportBase"]
    summary = station.has_option("summary-inventory")  # Part 5 C-56
    if base == "SummaryInventory" and not summary and station.has("report-summary-accepted"):
        base = "FullInventory"
    # B07.FR.09 asks for the problem variables too (defect: without them)
    problems = () if station.has("summary-without-problems") else PROBLEM_VARIABLES
    chosen = base_report_variables(
        v201.device_model,
        base,
        summary_inventory=summary,
        read_only_in_configuration=station.has("report-read-only-in-configuration"),
        problems=problems,
    )
    if chosen is None:
        return Reply({"status": "NotSupported", "statusInfo": {"reasonCode": "UnsupportedParam"}})
    variables = chosen
    if base == "SummaryInventory" and station.has("summary-without-evse-availability"):
        variables = [v for v in variables if v.component != "EVSE"]
    if station.has("report-omits-required-variable"):
        omitted = ("ChargingStation", "AvailabilityState")
        variables = [v for v in variables if (v.component, v.name) != omitted]
    request_id = payload["requestId"]
    data = [variable.report_data() for variable in variables]
    if station.has("report-without-values-list"):
        for item in data:
            item["variableCharacteristics"].pop("valuesList", None)
    first = 1 if station.has("report-seq-no-from-one") else 0

    async def report() -> None:
        # generatedAt is the time each part is made
        for message in notify_report_parts(data, request_id, utc_now(), first_seq_no=first):
            await v201.station.send("NotifyReport", {**message, "generatedAt": utc_now()})

    return Reply({"status": "Accepted"}, after=report)


async def reset(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """B11/B12: reboot now, or once no transaction runs (OnIdle)."""
    station = v201.station
    if payload.get("evseId") is not None:
        return _reset_evse(v201, int(payload["evseId"]), payload["type"])
    # declared in provisioning_v16 with its 1.6 perturbation (both versions)
    if station.has("ignores-reset"):
        return Reply({"status": "Accepted"})
    running = station.transactions()
    if running and payload["type"] == "OnIdle":
        if station.has("reset-on-idle-at-once"):
            return Reply({"status": "Scheduled"}, after=_cut_off(v201))
        if not station.has("reset-on-idle-never"):
            station.schedule_reset_when_idle(at_first_end=station.has("reset-on-idle-first-idle"))
        return Reply({"status": "Scheduled"})  # B12.FR.01

    async def reboot() -> None:
        for session in list(v201.sessions.values()):  # B12.FR.04
            if station.has("reset-immediate-no-ended"):
                break
            with suppress(SimError):
                events = end_now(session, "ResetCommand", "ImmediateReset")
                await v201.send_events(session, events)
        # B11.FR.03/04: reboot and boot again as after a cold boot
        await station.go_down(v201.reset_boot_reason(), event="ResetOrReboot")

    return Reply({"status": "Accepted"}, after=reboot)


async def set_network_profile(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """B09: store a connection profile in one of the station's configuration slots, or
    refuse it: a slot that is not in NetworkConfigurationPriority's valuesList
    (B09.FR.02/.05), a security profile below the one in use (B09.FR.04)."""
    slot = payload["configurationSlot"]
    data = payload["connectionData"]
    current = int(v201.device_model.value("SecurityCtrlr", "SecurityProfile"))
    known = str(slot) in NETWORK_SLOTS or v201.station.has("network-profile-any-slot")
    if not known or data.get("securityProfile", 0) < current:
        return Reply({"status": "Rejected"})
    if not v201.network.store(slot, data):  # B09.FR.01
        return Reply({"status": "Rejected"})
    return Reply({"status": "Accepted"})


def _reset_evse(v201: StationV201, evse: int, kind: str) -> Reply:
    """B11/B12 for one EVSE. Only a station with option ``resets-per-evse`` (Part 5
    C-13) can: it resets the EVSE now, ending its transaction first (Immediate,
    B12.FR.08), or once its transaction has ended (OnIdle, B12.FR.07); the others say
    Rejected (B11.FR.09, B12.FR.09)."""
    station = v201.station
    if not station.has_option("resets-per-evse"):
        if station.has("reset-evse-unsupported-accepted"):
            return Reply({"status": "Accepted"})
        return Reply({"status": "Rejected"})
    known = any(connector.evse == evse for connector in station.connectors.values())
    if not known or station.has("reset-evse-refused"):
        return Reply({"status": "Rejected"})
    session = v201.sessions.get(evse)
    if session is not None and session.running and kind == "OnIdle":
        if station.has("reset-evse-on-idle-at-once"):
            return Reply({"status": "Scheduled"}, after=lambda: _evse_reset_now(v201, evse))
        station.schedule_evse_reset_when_idle(evse, lambda: _restart_evse(v201, evse))
        return Reply({"status": "Scheduled"})  # B12.FR.01
    return Reply({"status": "Accepted"}, after=lambda: _evse_reset_now(v201, evse))  # B11.FR.08


async def _evse_reset_now(v201: StationV201, evse: int) -> None:
    """Reset one EVSE now: its transaction ends first (Ended, ResetCommand,
    ImmediateReset: B12.FR.08), then the EVSE restarts."""
    session = v201.sessions.get(evse)
    if session is not None and not v201.station.has("reset-evse-immediate-no-ended"):
        with suppress(SimError):
            await v201.send_events(session, end_now(session, "ResetCommand", "ImmediateReset"))
    await _restart_evse(v201, evse)


async def _restart_evse(v201: StationV201, evse: int) -> None:
    """The EVSE restarts (B11.FR.08): with option ``unavailable-before-reboot`` its
    connectors say Unavailable first (the MAY of B11.FR.08), then each reports the
    state it is in (a cable still plugged in: Occupied)."""
    station = v201.station
    keys = [key for key in station.connectors if key[0] == evse]
    with suppress(SimError):
        if station.has_option("unavailable-before-reboot"):
            for action, message in v201.connector_reports(only=keys, force_unavailable=True):
                await station.send(action, message)
        await station.report_status(keys)


def _cut_off(v201: StationV201) -> Callable[[], Awaitable[None]]:
    """Defect reset-on-idle-at-once: reboot now, the transaction cut off unended."""

    async def reboot() -> None:
        await v201.station.go_down(v201.reset_boot_reason(), event="ResetOrReboot")

    return reboot


def _answered_type(item: dict[str, Any], wrong: bool) -> str:
    """The attributeType of a Get/SetVariables result: the one asked for, Actual when
    none was (B06.FR.03/.11, B05.FR.03/.12). ``wrong`` (a defect) answers another one
    when a type was asked: Target for Actual, Actual for the rest."""
    asked = item.get("attributeType")
    if asked is None:
        return "Actual"
    if wrong:
        return "Target" if asked == "Actual" else "Actual"
    return str(asked)


BLOCK: Block[StationV201] = Block(
    "provisioning",
    V201,
    {
        "GetVariables": get_variables,
        "SetVariables": set_variables,
        "GetBaseReport": get_base_report,
        "Reset": reset,
        "SetNetworkProfile": set_network_profile,
    },
)
