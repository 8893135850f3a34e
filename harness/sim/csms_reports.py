"""Device-model reports the simulated CSMS asks for (2.0.1 Part 2 B07, B08): the
``get_base_report`` and ``get_report`` actions.

Each sends one request with a fresh ``requestId`` and returns the station's answer;
the NotifyReport messages that follow are answered by the provisioning block
(:mod:`harness.sim.csms_provisioning`), which keeps them in the station's record.
The defects here make the request itself wrong, the way a CSMS mixes up what its
operator asked for.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

from harness.ocppj import OcppVersion
from harness.sim.csms_actions import CsmsAction, send
from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import InvalidParams, UnsupportedAction

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["ACTIONS", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # get_base_report
    Defect(
        "get-base-report-wrong-base",
        "csms",
        V201,
        "get_base_report asks for another reportBase than the one it was given "
        "(FullInventory for ConfigurationInventory and the other way round)",
        "expect:GetBaseReport",
    ),
    # get_base_report
    Defect(
        "get-base-report-negative-request-id",
        "csms",
        V201,
        "get_base_report numbers its request with requestId -1",
        "expect:GetBaseReport",
    ),
)

#: the bases a wrong-base CSMS confuses
_OTHER_BASE = {
    "ConfigurationInventory": "FullInventory",
    "FullInventory": "ConfigurationInventory",
    "SummaryInventory": "FullInventory",
}

#: request ids of the reports; unique within a run, which is all B07.FR.04 needs
_REQUEST_IDS = itertools.count(1)


def _request_id(csms: SimCsms) -> int:
    """The next report's requestId: from 0 for a CSMS with the option that numbers so
    (kept per CSMS), else from the run-wide count."""
    if not csms.has_option("report-request-ids-from-zero"):
        return next(_REQUEST_IDS)
    counter = _FROM_ZERO.setdefault(csms, itertools.count(0))
    return next(counter)


#: each CSMS with report-request-ids-from-zero: its count from 0 (gone with the CSMS)
_FROM_ZERO: weakref.WeakKeyDictionary[SimCsms, itertools.count[int]] = weakref.WeakKeyDictionary()


def _v201_only(csms: SimCsms, action: str) -> None:
    if csms.version is OcppVersion.V16:
        raise UnsupportedAction(action)


async def get_base_report(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """GetBaseReport for ``report_base`` (default FullInventory)."""
    _v201_only(csms, "get_base_report")
    base = str(params.get("report_base", "FullInventory"))
    if base not in _OTHER_BASE:
        raise InvalidParams(f"report_base must be one of {', '.join(_OTHER_BASE)}, not {base!r}")
    if csms.has("get-base-report-wrong-base"):
        base = _OTHER_BASE[base]
    request_id = -1 if csms.has("get-base-report-negative-request-id") else _request_id(csms)
    payload = {"requestId": request_id, "reportBase": base}
    return await send(csms, params, "GetBaseReport", payload)


async def get_report(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """GetReport with ``criteria`` (componentCriteria) and ``items`` (componentVariable:
    ``{component, variable}``, the variable optional; a component may name its EVSE as
    ``{"name": "EVSE", "evse": {"id": 1}}``)."""
    _v201_only(csms, "get_report")
    payload: dict[str, Any] = {"requestId": _request_id(csms)}
    criteria = params.get("criteria")
    if criteria:
        payload["componentCriteria"] = [str(c) for c in criteria]
    items = params.get("items")
    if items:
        payload["componentVariable"] = [_component_variable(item) for item in items]
    return await send(csms, params, "GetReport", payload)


def _component_variable(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or "component" not in item:
        raise InvalidParams(f"each item needs a component, not {item!r}")
    entry: dict[str, Any] = {"component": _named(item["component"])}
    if item.get("variable") is not None:
        entry["variable"] = _named(item["variable"])
    return entry


def _named(value: Any) -> dict[str, Any]:
    if isinstance(value, str) and value:
        return {"name": value}
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return dict(value)
    raise InvalidParams(f"a component or variable is a name or an object with one, not {value!r}")


ACTIONS: dict[str, CsmsAction] = {"get_base_report": get_base_report, "get_report": get_report}
