"""Data transfer of the simulators (2.0.1 Part 2 block P, 1.6 §4.3/§5.6): DataTransfer.

The simulators know no vendor extension, so every DataTransfer is answered
UnknownVendorId, in both versions and on both sides: the station answers the CSMS's,
the CSMS the station's. It keeps no state: the handler's owner is whatever binds it
(a station's version behaviour, or the CSMS's caller). A simulated CSMS with the option
``data-transfer-knows-vendor`` knows every vendorId but none of its messages, and says
UnknownMessageId instead (P02.FR.07), as a CSMS that does have a vendor extension may.
"""

from __future__ import annotations

from typing import Any

from harness.sim.blocks import BOTH_SIDES, Block
from harness.sim.declare import BOTH, V201, Defect, declare
from harness.sim.peer import Reply

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # data_transfer
    Defect(
        "data-transfer-accepts-unknown-vendor",
        "station",
        V201,
        "answers a DataTransfer of a vendor it has no implementation for Accepted",
        "P01.FR.05",
    ),
    # _csms_answer
    Defect(
        "data-transfer-accepts-unknown-vendor",
        "csms",
        V201,
        "answers a station's DataTransfer of a vendor it has no implementation for Accepted",
        "P02.FR.06",
    ),
    # _csms_answer
    Defect(
        "data-transfer-rejects-unknown-vendor",
        "csms",
        V201,
        "answers a station's DataTransfer of a vendor it has no implementation for "
        "Rejected instead of UnknownVendorId (Part 6 TC_P_02_CSMS lets it pass)",
        "P02.FR.06",
    ),
)


async def data_transfer(owner: object, payload: dict[str, Any]) -> Reply:
    """UnknownVendorId: no vendor extension is known (P01.FR.05, P02.FR.06)."""
    csms = getattr(owner, "csms", None)
    if csms is not None:
        return _csms_answer(csms)
    station = getattr(owner, "station", None)
    if station is not None and station.has("data-transfer-accepts-unknown-vendor"):
        return Reply({"status": "Accepted"})
    return Reply({"status": "UnknownVendorId"})


def _csms_answer(csms: Any) -> Reply:
    """The simulated CSMS's answer to a station's DataTransfer (P02)."""
    if csms.has("data-transfer-accepts-unknown-vendor"):
        return Reply({"status": "Accepted"})
    if csms.has("data-transfer-rejects-unknown-vendor"):
        return Reply({"status": "Rejected"})
    if csms.has_option("data-transfer-knows-vendor"):
        return Reply({"status": "UnknownMessageId"})
    return Reply({"status": "UnknownVendorId"})


BLOCK: Block[object] = Block(
    "data transfer", BOTH, {"DataTransfer": data_transfer}, sides=BOTH_SIDES
)
