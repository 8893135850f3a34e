"""Remote control actions of the simulated CSMS (2.0.1 Part 2 block F) that
:class:`harness.sim.csms_actions.CsmsActions` does not have: ``unlock_connector``.

RequestStartTransaction and TriggerMessage stay in ``csms_actions`` (1.6 shares them);
this module adds what only a feature of its own needs. Its defects sit beside the code
they perturb, as everywhere in the simulators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.csms_actions import CsmsAction, send
from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import InvalidParams, UnsupportedAction

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["ACTIONS", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # unlock_connector
    Defect(
        "unlock-connector-wrong-connector",
        "csms",
        V201,
        "unlock_connector sends UnlockConnector for the connector after the one it was "
        "asked to unlock",
        "expect:UnlockConnector",
    ),
)


def _whole_number(params: dict[str, Any], name: str) -> int:
    """``params[name]`` as an id (1 when absent: the CSMS's own choice, the first one)."""
    value = params.get(name, 1)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParams(f"{name} must be an integer, not {value!r}") from None


async def unlock_connector(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """F05: UnlockConnector for ``evse`` and ``connector`` (both required by the
    schema; the first EVSE's first connector when not given)."""
    if csms.version.value != "2.0.1":
        raise UnsupportedAction("unlock_connector")
    evse = _whole_number(params, "evse")
    connector = _whole_number(params, "connector")
    if csms.has("unlock-connector-wrong-connector"):
        connector += 1
    return await send(csms, params, "UnlockConnector", {"evseId": evse, "connectorId": connector})


ACTIONS: dict[str, CsmsAction] = {"unlock_connector": unlock_connector}
