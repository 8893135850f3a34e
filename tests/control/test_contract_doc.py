"""docs/control.md, the contract a lab service implements, says what the code does: every
action of the vocabulary with exactly its parameters, under the DUT kind it is done to,
every parameter with the meaning the vocabulary gives it, and every control code."""

from __future__ import annotations

import re

from harness.control.protocol import ControlCode
from harness.control.vocabulary import ACTIONS, PARAMS
from harness.dut_kind import DutKind
from tests.helpers import ROOT

DOC = (ROOT / "docs" / "control.md").read_text()


def _rows(section: str) -> list[list[str]]:
    """The table rows (cells stripped) of the section whose heading starts so."""
    text = DOC.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _names(cell: str) -> list[str]:
    return re.findall(r"`([a-z_]+)`", cell)


def test_every_action_is_listed_with_exactly_its_params_under_its_dut_kind() -> None:
    listed = {}
    for section, kind in (
        ("Actions done to a charging station", DutKind.CHARGING_STATION),
        ("Actions done to a CSMS", DutKind.CSMS),
    ):
        for name_cell, params_cell, _ in _rows(section):
            [name] = _names(name_cell)
            listed[name] = (kind, tuple(_names(params_cell)))
    assert listed == {name: (a.dut_kind, a.params) for name, a in ACTIONS.items()}


def test_every_parameter_has_the_meaning_the_vocabulary_gives() -> None:
    rows = {_names(name)[0]: meaning for name, meaning in _rows("Parameters")}
    assert rows == PARAMS


def test_every_control_code_is_named() -> None:
    for code in ControlCode:
        assert f'"{code.value}"' in DOC or f"`{code.value}`" in DOC, code
