"""Network connection profiles the simulated CSMS sets (2.0.1 Part 2 B09): the
``set_network_profile`` action.

It sends one SetNetworkProfile for ``configuration_slot`` with the connection data
``network_profile`` gives, over defaults that point at this CSMS (OCPP20 over JSON,
its own URL, a 30 s message timeout, security profile 0, Wired0), and returns the
station's answer whatever its status: what the CSMS does with Rejected or Failed is
its operator's business. The defects make the request differ from what it was asked.
"""

from __future__ import annotations

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
    # set_network_profile
    Defect(
        "network-profile-wrong-slot",
        "csms",
        V201,
        "set_network_profile writes the slot after the one it was asked to set",
        "expect:SetNetworkProfile",
    ),
    # set_network_profile
    Defect(
        "network-profile-wrong-security-profile",
        "csms",
        V201,
        "set_network_profile gives a securityProfile one above the one it was asked for",
        "expect:SetNetworkProfile",
    ),
    # set_network_profile
    Defect(
        "network-profile-invalid",
        "csms",
        V201,
        "SetNetworkProfile's connectionData omits ocppTransport",
        "schema:SetNetworkProfileRequest:required",
    ),
)

#: connectionData fields an action may give (the schema's required ones, plus apn/vpn)
_FIELDS = (
    "ocppVersion",
    "ocppTransport",
    "ocppCsmsUrl",
    "messageTimeout",
    "securityProfile",
    "ocppInterface",
    "apn",
    "vpn",
)


def _connection_data(csms: SimCsms, given: Any) -> dict[str, Any]:
    """The action's connectionData over this CSMS's defaults."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise InvalidParams(f"network_profile must be an object, not {given!r}")
    unknown = sorted(set(given) - set(_FIELDS))
    if unknown:
        raise InvalidParams(f"network_profile has unknown fields: {', '.join(unknown)}")
    data: dict[str, Any] = {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": csms.url,
        "messageTimeout": 30,
        "securityProfile": 0,
        "ocppInterface": "Wired0",
    }
    data.update(given)
    return data


async def set_network_profile(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """SetNetworkProfile for ``configuration_slot`` (default 1) with ``network_profile``."""
    if csms.version is OcppVersion.V16:
        raise UnsupportedAction("set_network_profile")
    try:
        slot = int(params.get("configuration_slot", 1))
    except (TypeError, ValueError):
        raise InvalidParams("configuration_slot must be an integer") from None
    data = _connection_data(csms, params.get("network_profile"))
    if csms.has("network-profile-wrong-slot"):
        slot += 1
    if csms.has("network-profile-wrong-security-profile"):
        data["securityProfile"] = int(data["securityProfile"]) + 1
    if csms.has("network-profile-invalid"):
        del data["ocppTransport"]
    payload = {"configurationSlot": slot, "connectionData": data}
    return await send(csms, params, "SetNetworkProfile", payload)


ACTIONS: dict[str, CsmsAction] = {"set_network_profile": set_network_profile}
