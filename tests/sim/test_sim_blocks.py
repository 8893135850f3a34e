"""The simulated station is composed of functional blocks (issue 8 item 5).

Each feature module declares the CSMS calls it answers (a module-level
:class:`harness.sim.blocks.Block`) and each version's station builds what it answers
from those declarations. Held here: no action is claimed by two blocks of one
version, a station answers exactly the actions its version's blocks declare (so none
is answered from outside a block, and no block is left out), and the dispatch refuses
a double claim or a block of another version.
"""

from __future__ import annotations

import asyncio
import importlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import harness.sim
from harness.sim import SimStation
from harness.sim.blocks import Block, Bound, dispatch
from harness.sim.peer import Reply

SIM = Path(harness.sim.__file__).parent
VERSIONS = ("1.6", "2.0.1")


def declared_blocks() -> dict[str, Block[Any]]:
    """module stem -> the block it declares (its module-level ``BLOCK``; a module that
    imports another's block names it otherwise)."""
    found: dict[str, Block[Any]] = {}
    for path in sorted(SIM.glob("*.py")):
        if path.stem == "__main__":
            continue  # importing it runs the command line
        module = importlib.import_module(f"harness.sim.{path.stem}")
        block = getattr(module, "BLOCK", None)
        if block is not None:
            assert isinstance(block, Block), path.stem
            found[path.stem] = block
    return found


def claims(version: str) -> dict[str, list[str]]:
    """action -> the 'module: block' entries that claim it for ``version``."""
    claimed: dict[str, list[str]] = defaultdict(list)
    for module, block in declared_blocks().items():
        if version in block.versions:
            for action in block.handlers:
                claimed[action].append(f"{module}: {block.name}")
    return claimed


@pytest.mark.parametrize("version", VERSIONS)
def test_no_action_is_claimed_by_two_blocks(version: str) -> None:
    twice = {action: who for action, who in claims(version).items() if len(who) > 1}
    assert not twice, f"claimed by more than one block: {twice}"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_station_answers_exactly_what_its_blocks_declare(version: str) -> None:
    station = SimStation(version, "ws://127.0.0.1:1/ocpp", "CP1")
    answered = set(station.behaviour.handlers)
    declared = set(claims(version))
    assert answered == declared, (
        f"answered but declared by no block: {sorted(answered - declared)}; "
        f"declared but not answered: {sorted(declared - answered)}"
    )


def test_every_block_declares_some_action_and_a_known_version() -> None:
    for module, block in declared_blocks().items():
        assert block.handlers, f"{module}: {block.name} answers nothing"
        assert block.versions and block.versions <= set(VERSIONS), (module, block.name)


async def _answer(owner: object, payload: dict[str, Any]) -> Reply:
    return Reply({"owner": owner, **payload})


def test_dispatch_binds_each_block_to_its_owner() -> None:
    one: Block[object] = Block("one", frozenset({"2.0.1"}), {"A": _answer})
    table = dispatch("2.0.1", one.bind("me"))
    reply = asyncio.run(table["A"]({"x": 1}))
    assert reply.payload == {"owner": "me", "x": 1}


def test_dispatch_refuses_a_double_claim_and_another_version() -> None:
    one: Block[object] = Block("one", frozenset({"2.0.1"}), {"A": _answer})
    two: Block[object] = Block("two", frozenset({"2.0.1"}), {"A": _answer, "B": _answer})
    with pytest.raises(ValueError, match="A is claimed by blocks one and two"):
        dispatch("2.0.1", one.bind(None), two.bind(None))
    with pytest.raises(ValueError, match="block one does not serve OCPP 1.6"):
        dispatch("1.6", one.bind(None))
    assert isinstance(one.bind(None), Bound)
