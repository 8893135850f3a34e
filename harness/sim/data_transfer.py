"""Data transfer of the simulated station (2.0.1 Part 2 block P, 1.6 §5.6): DataTransfer.

The simulator knows no vendor extension, so every DataTransfer is answered
UnknownVendorId, in both versions. It keeps no state: the handler's owner is whatever
station binds it.
"""

from __future__ import annotations

from typing import Any

from harness.sim.blocks import Block
from harness.sim.declare import BOTH
from harness.sim.peer import Reply

__all__ = ["BLOCK"]


async def data_transfer(owner: object, payload: dict[str, Any]) -> Reply:
    """UnknownVendorId: no vendor extension is known."""
    return Reply({"status": "UnknownVendorId"})


BLOCK: Block[object] = Block("data transfer", BOTH, {"DataTransfer": data_transfer})
