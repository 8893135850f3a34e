"""Base reports of a 2.x station DUT (Part 2 B07): ask for one, collect its parts, and
check what Part 6 checks of every variable reported.

A report comes as NotifyReport messages numbered from 0 (B07.FR.10), each with the
request's requestId (B07.FR.04), the last with ``tbc`` absent or false. Part 6 TC_B_12_CS
and TC_B_13_CS then check every reported variable: its characteristics are there, a
list type (OptionList, SequenceList, MemberList) gives its valuesList, and for the
configuration inventory only what an operator can set (ReadWrite, WriteOnly) is in it.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from harness.matching import ABSENT, absent_or
from harness.messages import Message
from harness.verdicts import DutFailure

__all__ = [
    "LIST_TYPES",
    "check_availability",
    "check_problems",
    "check_required",
    "check_values",
    "check_variables",
    "collect_report",
    "request_base_report",
    "required_variables",
]

#: the data types whose allowed values a report must list (valuesList)
LIST_TYPES = ("OptionList", "SequenceList", "MemberList")

#: request ids for the harness's report requests (any integer; unique per run)
_REQUEST_IDS = itertools.count(7001)


def request_base_report(
    csms: Any, base: str, *, status: str = "Accepted", rule: str
) -> tuple[int, Any]:
    """GetBaseReport(``base``) with a fresh requestId; the answer must be ``status``
    (statusInfo absent or NoError for Accepted, UnsupportedParam for NotSupported).
    Returns (requestId, response)."""
    request_id = next(_REQUEST_IDS)
    response = csms.call("GetBaseReport", requestId=request_id, reportBase=base).expect(
        rule=rule, status=status
    )
    reason = "NoError" if status == "Accepted" else "UnsupportedParam"
    response.expect(rule=rule, statusInfo=absent_or({"reasonCode": reason}))
    return request_id, response


def collect_report(csms: Any, request_id: int) -> list[Message]:
    """The NotifyReport parts of request ``request_id``, in order: the first with seqNo
    0, each next one numbered one up, until one says it is the last (tbc absent or
    false). Each part waits at most the response timeout."""
    parts: list[Message] = []
    for seq_no in itertools.count():
        part = csms.expect("NotifyReport", rule="B07.FR.03")
        part.expect(rule="B07.FR.04", requestId=request_id)
        part.expect(rule="B07.FR.10", seqNo=seq_no)
        parts.append(part)
        if not part.get("tbc", False):
            return parts
    raise AssertionError("unreachable")  # itertools.count never ends


def check_variables(parts: list[Message], *, rule: str, settable_only: bool = False) -> int:
    """Part 6's checks of every reported variable: characteristics present, a valuesList
    for a list type, and (``settable_only``: the configuration inventory) mutability
    ReadWrite or WriteOnly. Fails under ``rule`` naming the variable and the frame.
    Returns the number of variables reported."""
    count = 0
    for part in parts:
        for data in part.get("reportData") or []:
            count += 1
            problem = _problem(data, settable_only)
            if problem is not None:
                part.entry.failing = True
                name = _name(data)
                raise DutFailure(
                    f"NotifyReport (frame {part.entry.seq}) reports {name} {problem}",
                    rule,
                    part.entry.raw,
                )
    return count


def _problem(data: dict[str, Any], settable_only: bool) -> str | None:
    characteristics = data.get("variableCharacteristics", ABSENT)
    if not isinstance(characteristics, dict):
        return "without variableCharacteristics"
    data_type = characteristics.get("dataType")
    if data_type in LIST_TYPES and not characteristics.get("valuesList"):
        return f"with dataType {data_type} but no valuesList"
    if settable_only:
        fixed = [
            attribute.get("mutability", "ReadWrite")
            for attribute in data.get("variableAttribute") or []
            if attribute.get("mutability", "ReadWrite") not in ("ReadWrite", "WriteOnly")
        ]
        if fixed:
            return f"as {fixed[0]} in a configuration inventory (only ReadWrite or WriteOnly)"
    return None


def _name(data: dict[str, Any]) -> str:
    component = data.get("component") or {}
    variable = data.get("variable") or {}
    text = f"{component.get('name')}.{variable.get('name')}"
    instance = variable.get("instance")
    return f"{text}[{instance}]" if instance else text


@cache
def required_variables() -> tuple[dict[str, Any], ...]:
    """The component variables Part 2's device model appendix marks required (2.0.1):
    component, name, instance, data_type, scope (station/evse/connector), when."""
    data = files("harness.spec").joinpath("device_model", "v201.toml").read_bytes()
    return tuple(tomllib.loads(data.decode("utf-8"))["variable"])


def check_required(
    parts: list[Message],
    layout: Iterable[tuple[int, Iterable[int]]],
    supports: Callable[[str], bool],
    *,
    rule: str,
) -> None:
    """Every required variable of the blocks the station implements is in the report:
    the controllers' and the station's once, each EVSE's per EVSE, each connector's per
    connector of ``layout`` ((evse, connectors) pairs). A block's controller counts
    where ``supports(when)``. Fails under ``rule`` naming the first one missing."""
    reported = {_key(data) for part in parts for data in part.get("reportData") or []}
    places = [(evse, connector) for evse, connectors in layout for connector in connectors]
    for variable in required_variables():
        when = variable["when"]
        if when != "always" and not supports(when):
            continue
        scope = variable["scope"]
        wheres: list[tuple[int | None, int | None]] = [(None, None)]
        if scope == "evse":
            wheres = sorted({(evse, None) for evse, _ in places})
        elif scope == "connector":
            wheres = list(places)
        for evse, connector in wheres:
            key = (
                variable["component"],
                evse,
                connector,
                variable["name"],
                variable.get("instance"),
            )
            if key not in reported:
                last = parts[-1]
                last.entry.failing = True
                where = f" of EVSE {evse}" + (f" connector {connector}" if connector else "")
                raise DutFailure(
                    f"the FullInventory reports no {variable['component']}."
                    f"{variable['name']}"
                    + (f"[{variable['instance']}]" if variable.get("instance") else "")
                    + (where if evse is not None else "")
                    + ", which the device model requires",
                    rule,
                    last.entry.raw,
                )


def check_availability(parts: list[Message], evses: Iterable[int], *, rule: str) -> None:
    """What Part 6 TC_B_14_CS asks of a SummaryInventory (B07.FR.09): the
    AvailabilityState of the ChargingStation and of each of ``evses``. Fails under
    ``rule`` naming the first one missing."""
    reported = {_key(data)[:4] for part in parts for data in part.get("reportData") or []}
    wanted = [("ChargingStation", None)] + [("EVSE", evse) for evse in evses]
    for component, evse in wanted:
        if (component, evse, None, "AvailabilityState") not in reported:
            last = parts[-1]
            last.entry.failing = True
            where = f" of EVSE {evse}" if evse is not None else ""
            raise DutFailure(
                f"the SummaryInventory reports no {component}.AvailabilityState{where}",
                rule,
                last.entry.raw,
            )


def check_problems(parts: list[Message], *, rule: str) -> None:
    """What Part 6 TC_B_14_CS asks of a SummaryInventory (B07.FR.09) for the components
    in an abnormal state: their problem variables. A component the report itself shows
    Faulted is in one, and the device model counts a fault as a Problem, so its Problem
    variable must be in the report and set. Fails under ``rule`` naming the first one
    whose Problem is missing or not true."""
    actual: dict[tuple[Any, ...], Any] = {}
    for part in parts:
        for data in part.get("reportData") or []:
            attributes = data.get("variableAttribute") or []
            value = next(
                (a.get("value") for a in attributes if a.get("type", "Actual") == "Actual"), None
            )
            actual[_key(data)[:4]] = value
    for (component, evse, connector, name), value in actual.items():
        if name != "AvailabilityState" or value != "Faulted":
            continue
        problem = actual.get((component, evse, connector, "Problem"))
        if problem != "true":
            last = parts[-1]
            last.entry.failing = True
            shown = "no Problem variable" if problem is None else f"Problem {problem!r}"
            if evse is not None:
                component += f" of EVSE {evse}" if component != "EVSE" else f" {evse}"
            if connector is not None:
                component += f" connector {connector}"
            raise DutFailure(
                f"the SummaryInventory shows {component} Faulted but reports "
                f"{shown} for it, where a fault is a Problem condition",
                rule,
                last.entry.raw,
            )


def check_values(parts: list[Message], *, rule: str) -> None:
    """What Part 6 TC_B_53_CS checks of each reported value: a list type's value is
    among its valuesList (each member, for MemberList and SequenceList), and a
    WriteOnly variable reports no value."""
    for part in parts:
        for data in part.get("reportData") or []:
            problem = _value_problem(data)
            if problem is not None:
                part.entry.failing = True
                raise DutFailure(
                    f"NotifyReport (frame {part.entry.seq}) reports {_name(data)} {problem}",
                    rule,
                    part.entry.raw,
                )


def _value_problem(data: dict[str, Any]) -> str | None:
    characteristics = data.get("variableCharacteristics") or {}
    allowed = [v.strip() for v in str(characteristics.get("valuesList") or "").split(",")]
    data_type = characteristics.get("dataType")
    for attribute in data.get("variableAttribute") or []:
        value = attribute.get("value")
        if attribute.get("mutability") == "WriteOnly" and value is not None:
            return "with a value though it is WriteOnly"
        if value in (None, "") or data_type not in LIST_TYPES:
            continue
        members = [value] if data_type == "OptionList" else [v.strip() for v in value.split(",")]
        strange = [member for member in members if member not in allowed]
        if strange:
            return f"with value {strange[0]!r}, not in its valuesList"
    return None


def _key(data: dict[str, Any]) -> tuple[Any, ...]:
    component = data.get("component") or {}
    variable = data.get("variable") or {}
    evse = component.get("evse") or {}
    return (
        component.get("name"),
        evse.get("id"),
        evse.get("connectorId"),
        variable.get("name"),
        variable.get("instance"),
    )
