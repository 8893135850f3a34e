"""The simulated CSMS's data transfer action (2.0.1 Part 2 P01, 1.6 §5.6): make it send
a DataTransfer to a station.

The answers to a station's DataTransfer are the shared block of
:mod:`harness.sim.data_transfer`; this module only adds the action of the control
vocabulary (``data_transfer``: ``vendor_id``, ``message_id``, ``data``). With no
``vendor_id`` the CSMS names a vendor of its own that no station implements, so the
station's answer is UnknownVendorId (P01.FR.05).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.csms_actions import CsmsAction, send
from harness.sim.declare import declare
from harness.sim.errors import InvalidParams

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["ACTIONS", "DEFECTS", "DEFAULT_VENDOR_ID"]

#: no defect lives here yet: no Part 6 case of a CSMS makes it send a DataTransfer
DEFECTS = declare()

#: the vendorId the CSMS sends when the action names none (reversed DNS, P01.FR.02)
DEFAULT_VENDOR_ID = "org.ocpp-harness.sim-csms"


async def data_transfer(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """DataTransfer with ``vendor_id`` (default :data:`DEFAULT_VENDOR_ID`), and the
    ``message_id`` and ``data`` when given; returns the station's answer."""
    vendor = params.get("vendor_id", DEFAULT_VENDOR_ID)
    if not isinstance(vendor, str) or not vendor:
        raise InvalidParams("data_transfer needs vendor_id as a non-empty string")
    payload: dict[str, Any] = {"vendorId": vendor}
    message = params.get("message_id")
    if message is not None:
        if not isinstance(message, str):
            raise InvalidParams("data_transfer message_id must be a string")
        payload["messageId"] = message
    if "data" in params:
        payload["data"] = params["data"]
    return await send(csms, params, "DataTransfer", payload)


ACTIONS: dict[str, CsmsAction] = {"data_transfer": data_transfer}
