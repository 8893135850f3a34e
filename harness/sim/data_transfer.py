"""Data transfer of the simulators (2.0.1 Part 2 block P, 1.6 §4.3/§5.6): DataTransfer.

The simulators know no vendor extension, so every DataTransfer is answered
UnknownVendorId, in both versions and on both sides: the station answers the CSMS's,
the CSMS the station's. It keeps no state: the handler's owner is whatever binds it
(a station's version behaviour, or the CSMS's caller).
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
)


async def data_transfer(owner: object, payload: dict[str, Any]) -> Reply:
    """UnknownVendorId: no vendor extension is known (P01.FR.05)."""
    station = getattr(owner, "station", None)
    if station is not None and station.has("data-transfer-accepts-unknown-vendor"):
        return Reply({"status": "Accepted"})
    return Reply({"status": "UnknownVendorId"})


BLOCK: Block[object] = Block(
    "data transfer", BOTH, {"DataTransfer": data_transfer}, sides=BOTH_SIDES
)
