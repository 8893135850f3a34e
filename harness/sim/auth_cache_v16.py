"""The simulated 1.6 charge point's authorization cache: ClearCache (OCPP 1.6 §5.4).

It keeps no cache (AuthorizationCacheEnabled is not offered), so there is nothing to
clear and the answer is Accepted.
"""

from __future__ import annotations

from typing import Any

from harness.sim.blocks import Block
from harness.sim.declare import V16
from harness.sim.peer import Reply

__all__ = ["BLOCK"]


async def clear_cache(owner: object, payload: dict[str, Any]) -> Reply:
    """Accepted: the (empty) cache is clear."""
    return Reply({"status": "Accepted"})


BLOCK: Block[object] = Block("authorization", V16, {"ClearCache": clear_cache})
