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
from typing import Any

from harness.matching import ABSENT, absent_or
from harness.messages import Message
from harness.verdicts import DutFailure

__all__ = ["LIST_TYPES", "check_variables", "collect_report", "request_base_report"]

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
