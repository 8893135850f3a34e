"""Functional blocks: the station is composed of feature modules, each answering its calls.

Each feature module (provisioning, availability, reservation, remote control, local
list, ...) declares the CSMS calls it answers as a module-level :class:`Block`: its
name, the OCPP versions it serves, and action -> handler, where a handler takes the
module's *owner* (the object that holds the state it works on: the version behaviour,
or a keeper such as the local list) and the request payload. A station binds every
block to its owner and merges them with :func:`dispatch`, so the table of what it
answers is built from the modules' declarations, and an action two blocks claim is an
error at construction instead of a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from harness.sim.peer import Reply

__all__ = ["Block", "Bound", "Handler", "dispatch"]

#: a handler bound to its owner: request payload -> the answer
Handler = Callable[[dict[str, Any]], Awaitable[Reply]]

Owner = TypeVar("Owner")


@dataclass(frozen=True)
class Bound:
    """A block's handlers, bound to one owner."""

    block: str
    versions: frozenset[str]
    handlers: Mapping[str, Handler]


@dataclass(frozen=True)
class Block(Generic[Owner]):
    """The CSMS calls one feature module answers, for the OCPP versions it serves."""

    name: str
    versions: frozenset[str]
    handlers: Mapping[str, Callable[[Owner, dict[str, Any]], Awaitable[Reply]]]

    def bind(self, owner: Owner) -> Bound:
        return Bound(
            self.name,
            self.versions,
            {action: partial(handler, owner) for action, handler in self.handlers.items()},
        )


def dispatch(version: str, *blocks: Bound) -> dict[str, Handler]:
    """action -> handler over ``blocks``; ``ValueError`` for a block that does not serve
    ``version`` or an action that two blocks claim."""
    table: dict[str, Handler] = {}
    claimed: dict[str, str] = {}
    for block in blocks:
        if version not in block.versions:
            raise ValueError(f"block {block.block} does not serve OCPP {version}")
        for action, handler in block.handlers.items():
            if action in claimed:
                raise ValueError(
                    f"{action} is claimed by blocks {claimed[action]} and {block.block}"
                )
            claimed[action] = block.block
            table[action] = handler
    return table
