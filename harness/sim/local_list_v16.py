"""The simulated 1.6 charge point's Local Authorization List: GetLocalListVersion,
SendLocalList (OCPP 1.6 §5.10, §5.15).

The list and its update rules are :class:`harness.sim.config_v16.LocalAuthList`; this
block answers the two messages about it.
"""

from __future__ import annotations

from typing import Any

from harness.sim.blocks import Block
from harness.sim.config_v16 import LocalAuthList
from harness.sim.declare import V16
from harness.sim.peer import Reply

__all__ = ["BLOCK"]


async def get_local_list_version(local_list: LocalAuthList, payload: dict[str, Any]) -> Reply:
    """§5.10: the list's version (0: no list)."""
    return Reply({"listVersion": local_list.version})


async def send_local_list(local_list: LocalAuthList, payload: dict[str, Any]) -> Reply:
    """§5.15: apply the update; its status is the answer."""
    return Reply({"status": local_list.update(payload)})


BLOCK: Block[LocalAuthList] = Block(
    "local list",
    V16,
    {"GetLocalListVersion": get_local_list_version, "SendLocalList": send_local_list},
)
