"""The simulated station and CSMS are composed of functional blocks (issue 8 item 5).

Each feature module declares the calls it answers (a module-level
:class:`harness.sim.blocks.Block`, or ``BLOCKS``, a tuple of them, one per version set)
and each version's station, and each version's CSMS, builds what it answers from those
declarations. Held here, for each side and version: no action is claimed by two
blocks, the simulator answers exactly the actions its blocks declare (so none is
answered from outside a block, and no block is left out), and the dispatch refuses a
double claim or a block of another version or side.
"""

from __future__ import annotations

import asyncio
import importlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import harness.sim
from harness.sim import SimCsms, SimStation, StationRecord
from harness.sim.blocks import CSMS, Block, Bound, dispatch
from harness.sim.peer import Reply
from harness.spec.boot import BootGate

SIM = Path(harness.sim.__file__).parent
VERSIONS = ("1.6", "2.0.1")
SIDES = ("station", "csms")


def declared_blocks() -> list[tuple[str, Block[Any]]]:
    """(module stem, block) for every block a module declares: its module-level
    ``BLOCK`` or each of its ``BLOCKS`` (a module that imports another's blocks names
    them otherwise)."""
    found: list[tuple[str, Block[Any]]] = []
    for path in sorted(SIM.glob("*.py")):
        if path.stem == "__main__":
            continue  # importing it runs the command line
        module = importlib.import_module(f"harness.sim.{path.stem}")
        block = getattr(module, "BLOCK", None)
        blocks = getattr(module, "BLOCKS", ())
        assert isinstance(blocks, tuple), path.stem
        for declared in (*([block] if block is not None else []), *blocks):
            assert isinstance(declared, Block), path.stem
            found.append((path.stem, declared))
    return found


def claims(side: str, version: str) -> dict[str, list[str]]:
    """action -> the 'module: block' entries that claim it for ``side`` in ``version``."""
    claimed: dict[str, list[str]] = defaultdict(list)
    for module, block in declared_blocks():
        if version in block.versions and side in block.sides:
            for action in block.handlers:
                claimed[action].append(f"{module}: {block.name}")
    return claimed


def _differs(answered: set[str], declared: set[str]) -> str:
    return (
        f"answered but declared by no block: {sorted(answered - declared)}; "
        f"declared but not answered: {sorted(declared - answered)}"
    )


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("version", VERSIONS)
def test_no_action_is_claimed_by_two_blocks(side: str, version: str) -> None:
    twice = {action: who for action, who in claims(side, version).items() if len(who) > 1}
    assert not twice, f"claimed by more than one {side} block: {twice}"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_station_answers_exactly_what_its_blocks_declare(version: str) -> None:
    station = SimStation(version, "ws://127.0.0.1:1/ocpp", "CP1")
    answered = set(station.behaviour.handlers)
    declared = set(claims("station", version))
    assert answered == declared, _differs(answered, declared)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_csms_answers_exactly_what_its_blocks_declare(version: str) -> None:
    """What a calling station is answered from: the table the CSMS binds to its record
    (any other known action gets only the minimal answer, which no block declares)."""
    csms = SimCsms(version)
    record = StationRecord("CP1", boot_gate=BootGate(csms.version))
    answered = set(csms.handlers.table(record))
    declared = set(claims("csms", version))
    assert answered == declared, _differs(answered, declared)


def test_every_block_declares_some_action_a_known_version_and_side() -> None:
    for module, block in declared_blocks():
        assert block.handlers, f"{module}: {block.name} answers nothing"
        assert block.versions and block.versions <= set(VERSIONS), (module, block.name)
        assert block.sides and block.sides <= set(SIDES), (module, block.name)


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


def test_dispatch_refuses_a_block_of_the_other_side() -> None:
    station: Block[object] = Block("one", frozenset({"2.0.1"}), {"A": _answer})
    csms: Block[object] = Block("two", frozenset({"2.0.1"}), {"B": _answer}, sides=CSMS)
    with pytest.raises(ValueError, match="block one does not serve the simulated csms"):
        dispatch("2.0.1", station.bind(None), side="csms")
    with pytest.raises(ValueError, match="block two does not serve the simulated station"):
        dispatch("2.0.1", csms.bind(None))
    assert set(dispatch("2.0.1", csms.bind(None), side="csms")) == {"B"}
