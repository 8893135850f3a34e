"""Functional blocks: each simulator is composed of feature modules, each answering its calls.

Each feature module (provisioning, availability, reservation, remote control, local
list, ...) declares the calls it answers as a module-level :class:`Block`: its name,
the OCPP versions it serves, the simulated side that answers with it (the station by
default: the CSMS's calls; ``sides=CSMS``: the stations' calls to the simulated CSMS),
and action -> handler, where a handler takes the module's *owner* (the object that
holds the state it works on: the version behaviour, a keeper such as the local list,
or for the CSMS the calling station as it knows it) and the request payload. A
simulator binds every block to its owner and merges them with :func:`dispatch`, so the
table of what it answers is built from the modules' declarations, and an action two
blocks claim is an error when the table is built instead of a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from harness.sim.declare import Side
from harness.sim.peer import Reply

__all__ = ["BOTH_SIDES", "CSMS", "STATION", "Block", "Bound", "Handler", "dispatch"]

#: the simulated sides a block answers for
STATION: frozenset[Side] = frozenset({"station"})
CSMS: frozenset[Side] = frozenset({"csms"})
BOTH_SIDES: frozenset[Side] = STATION | CSMS

#: a handler bound to its owner: request payload -> the answer
Handler = Callable[[dict[str, Any]], Awaitable[Reply]]

Owner = TypeVar("Owner")


@dataclass(frozen=True)
class Bound:
    """A block's handlers, bound to one owner."""

    block: str
    versions: frozenset[str]
    handlers: Mapping[str, Handler]
    sides: frozenset[Side] = STATION


@dataclass(frozen=True)
class Block(Generic[Owner]):
    """The calls one feature module answers, for the OCPP versions and the simulated
    sides it serves (the station's unless ``sides`` says otherwise)."""

    name: str
    versions: frozenset[str]
    handlers: Mapping[str, Callable[[Owner, dict[str, Any]], Awaitable[Reply]]]
    sides: frozenset[Side] = field(default=STATION, kw_only=True)

    def bind(self, owner: Owner) -> Bound:
        return Bound(
            self.name,
            self.versions,
            {action: partial(handler, owner) for action, handler in self.handlers.items()},
            self.sides,
        )


def dispatch(version: str, *blocks: Bound, side: Side = "station") -> dict[str, Handler]:
    """action -> handler over ``blocks``; ``ValueError`` for a block that does not serve
    ``version`` or ``side``, or an action that two blocks claim."""
    table: dict[str, Handler] = {}
    claimed: dict[str, str] = {}
    for block in blocks:
        if version not in block.versions:
            raise ValueError(f"block {block.block} does not serve OCPP {version}")
        if side not in block.sides:
            raise ValueError(f"block {block.block} does not serve the simulated {side}")
        for action, handler in block.handlers.items():
            if action in claimed:
                raise ValueError(
                    f"{action} is claimed by blocks {claimed[action]} and {block.block}"
                )
            claimed[action] = block.block
            table[action] = handler
    return table
