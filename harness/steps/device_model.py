"""Device-model steps for a 2.x station DUT: get, set, and configure-then-restore.

Cases and states share these, so a tool validation of a Get/SetVariables result is
written once: the result names the component and variable asked for (B06.FR.02,
B05.FR.02), carries the attributeType asked for, Actual when none was (B06.FR.03/.11,
B05.FR.03/.12), and on success has no attributeStatusInfo or reasonCode "NoError"
(Part 6 TC_B_06_CS / TC_B_09_CS step 2).

:func:`configure` is Part 6's "Configuration State": the variable is read first and,
when the case is over (passed or not), set back to what it was, so that a real device
leaves the run as it came.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.matching import absent_or, exactly_one, has_item
from harness.messages import Response

if TYPE_CHECKING:
    from harness.roles import CsmsRole

__all__ = [
    "Variable",
    "expect_result",
    "fits",
    "names",
    "refused",
    "restore_after",
    "configure",
    "configure_if_implemented",
    "get_variable",
    "read_optional",
    "set_variable",
]


@dataclass(frozen=True)
class Variable:
    """A component/variable pair of the device model."""

    component: str
    name: str
    evse: int | None = None
    instance: str | None = None

    def data(self) -> dict[str, Any]:
        """The component and variable as GetVariableData/SetVariableData name them."""
        component: dict[str, Any] = {"name": self.component}
        if self.evse is not None:
            component["evse"] = {"id": self.evse}
        variable: dict[str, Any] = {"name": self.name}
        if self.instance is not None:
            variable["instance"] = self.instance
        return {"component": component, "variable": variable}

    def __str__(self) -> str:
        return f"{self.component}.{self.name}"


#: what a successful result says about why (Part 6: absent, or NoError)
_NO_ERROR = absent_or({"reasonCode": "NoError"})


#: the rules of one result, per message: (count, names, type asked, type default, status)
_RULES = {
    "getVariableResult": ("B06.FR.01", "B06.FR.02", "B06.FR.03", "B06.FR.11", "B06.FR.10"),
    "setVariableResult": ("B05.FR.01", "B05.FR.02", "B05.FR.03", "B05.FR.12", "B05.FR.10"),
}


def _check_one_result(
    response: Response, key: str, variable: Variable, attribute_type: str | None, status: str
) -> None:
    """The tool validations of a one-item Get/SetVariables result, each with its rule."""
    count, names, type_asked, type_default, accepted = _RULES[key]
    response.expect(rule=count, **{key: exactly_one({})})
    data = variable.data()
    named = {"component": {"name": data["component"]["name"]}, "variable": {"name": variable.name}}
    response.expect(rule=names, **{key: exactly_one(named)})
    response.expect(
        rule=type_asked if attribute_type is not None else type_default,
        **{key: exactly_one({"attributeType": attribute_type or "Actual"})},
    )
    wanted: dict[str, Any] = {"attributeStatus": status}
    if status == "Accepted":
        wanted["attributeStatusInfo"] = _NO_ERROR
    response.expect(rule=accepted if status == "Accepted" else count, **{key: exactly_one(wanted)})


def _item(variable: Variable, attribute_type: str | None, **extra: Any) -> dict[str, Any]:
    item = {**variable.data(), **extra}
    if attribute_type is not None:
        item["attributeType"] = attribute_type
    return item


def get_variable(
    csms: Any,
    variable: Variable,
    *,
    attribute_type: str | None = None,
    status: str = "Accepted",
) -> tuple[Any, Response]:
    """GetVariables for one variable; checks the one result and returns (value, response).

    Rules: one result per item (B06.FR.01), the same component and variable (B06.FR.02),
    the same attributeType or Actual when none was asked (B06.FR.03/.11), and the status
    (B06.FR.10 for Accepted) with no error info.
    """
    item = _item(variable, attribute_type)
    response = csms.call("GetVariables", getVariableData=[item]).expect(rule="B06.FR.01")
    _check_one_result(response, "getVariableResult", variable, attribute_type, status)
    return response["getVariableResult"][0].get("attributeValue"), response


def set_variable(
    csms: CsmsRole,
    variable: Variable,
    value: str,
    *,
    attribute_type: str | None = None,
    status: str = "Accepted",
) -> Response:
    """SetVariables for one variable; checks the one result (B05.FR.01/.02/.03/.12, and
    the status: B05.FR.10 for Accepted, with no error info)."""
    item = _item(variable, attribute_type, attributeValue=value)
    response = csms.call("SetVariables", setVariableData=[item]).expect(rule="B05.FR.01")
    _check_one_result(response, "setVariableResult", variable, attribute_type, status)
    return response


def configure(csms: Any, variable: Variable, value: str) -> None:
    """Part 6 "Configuration State: <variable> is <value>": set it if it is not so, and
    set it back after the case (also when the case fails)."""
    current, _ = get_variable(csms, variable)
    if current == value:
        return
    set_variable(csms, variable, value)
    if current is not None:
        csms.finally_do(f"{variable} = {current!r}", set_variable, csms, variable, str(current))


def read_optional(csms: Any, variable: Variable) -> tuple[str | None, str | None]:
    """(attributeStatus, attributeValue) of one optional ``variable``, without the tool
    validations of :func:`get_variable`: for a variable the station may not have."""
    response = csms.call("GetVariables", getVariableData=[variable.data()]).expect(rule="B06.FR.01")
    result = (response.get("getVariableResult") or [{}])[0]
    return result.get("attributeStatus"), result.get("attributeValue")


def configure_if_implemented(csms: Any, variable: Variable, value: str) -> bool:
    """Part 6's "(If implemented)" configuration state: when the station knows
    ``variable``, :func:`configure` it; when it answers UnknownComponent or
    UnknownVariable, leave it (the variable is optional). Returns whether it is set."""
    status, _ = read_optional(csms, variable)
    if status in ("UnknownComponent", "UnknownVariable"):
        return False
    configure(csms, variable, value)
    return True


#: the list of results in each answer
_RESULTS = {"GetVariables": "getVariableResult", "SetVariables": "setVariableResult"}


def refused(
    csms: Any,
    action: str,
    variable: Variable,
    status: str,
    *,
    rule: str,
    attribute_type: str | None = None,
    value: str | None = None,
) -> Response:
    """A Get/SetVariables of one item the station must refuse with ``status``
    (UnknownComponent, UnknownVariable, NotSupportedAttributeType, Rejected): Part 6
    checks the status, the component and variable named (and the attributeType, when
    one was asked), all under the one requirement its table lists (``rule``)."""
    extra = {"attributeValue": value} if value is not None else {}
    item = _item(variable, attribute_type, **extra)
    data_key = "getVariableData" if action == "GetVariables" else "setVariableData"
    response: Response = csms.call(action, **{data_key: [item]}).expect(rule=rule)
    wanted: dict[str, Any] = {"attributeStatus": status, **names(variable)}
    if attribute_type is not None:
        wanted["attributeType"] = attribute_type
    response.expect(rule=rule, **{_RESULTS[action]: exactly_one(wanted)})
    return response


def restore_after(csms: Any, variable: Variable) -> str | None:
    """Read ``variable`` before a case sets it, and set it back after the case (passed
    or not): not in Part 6, so a station that cannot be read here is a named warning,
    and the case goes on (only the restore is lost). Returns the value read."""
    original: str | None = None
    with csms.beyond_octt("read before, to restore the value after the case"):
        read, _ = get_variable(csms, variable)
        if read is not None:
            original = str(read)
            csms.finally_do(f"{variable} = {original!r}", set_variable, csms, variable, original)
    return original


def expect_result(response: Response, variable: Variable, *, rule: str, **fields: Any) -> None:
    """The result for ``variable`` among those of a Get/SetVariables of several items
    (Part 6: "has, in arbitrary order") has ``fields``."""
    key = _RESULTS[response.action]
    response.expect(rule=rule, **{key: has_item({**names(variable), **fields})})


def names(variable: Variable) -> dict[str, Any]:
    """The component and variable a result must name (the instance too, when asked)."""
    data = variable.data()
    named: dict[str, Any] = {"component": {"name": data["component"]["name"]}}
    named["variable"] = data["variable"]
    return named


#: what a well-formed value of each data type looks like (Part 2 DataEnumType)
_FORMATS = {
    "integer": re.compile(r"-?[0-9]+"),
    "decimal": re.compile(r"-?[0-9]+(\.[0-9]+)?"),
    "boolean": re.compile(r"true|false"),
    "dateTime": re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
    ),
}


def fits(data_type: str, value: str) -> bool:
    """Whether ``value`` is well formed for ``data_type`` (integer, decimal, boolean,
    dateTime): what a station must accept, and refuse otherwise (B05.FR.07)."""
    return bool(_FORMATS[data_type].fullmatch(value))
