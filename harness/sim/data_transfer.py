"""Data transfer of the simulators (2.0.1 Part 2 block P, 1.6 §4.3/§5.6): DataTransfer.

The simulators know no vendor extension, so every DataTransfer is answered
UnknownVendorId, in both versions and on both sides: the station answers the CSMS's,
the CSMS the station's. It keeps no state: the handler's owner is whatever binds it
(a station's version behaviour, or the CSMS's caller).
"""

from __future__ import annotations

from typing import Any

from harness.sim.blocks import BOTH_SIDES, Block
from harness.sim.declare import BOTH
from harness.sim.peer import Reply

__all__ = ["BLOCK"]


async def data_transfer(owner: object, payload: dict[str, Any]) -> Reply:
    """UnknownVendorId: no vendor extension is known."""
    return Reply({"status": "UnknownVendorId"})


BLOCK: Block[object] = Block(
    "data transfer", BOTH, {"DataTransfer": data_transfer}, sides=BOTH_SIDES
)
