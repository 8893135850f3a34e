"""What a defect is, and how a simulator module declares the ones that live in it.

A defect is declared in the module whose code it perturbs, at module level, so the
description and the rule the verdict must name sit beside the ``has("<name>")`` check
that makes the simulator break it; :mod:`harness.sim.defects` gathers the declarations
into the tables callers use. This module imports nothing of the simulators, so any of
them can import it without a circle.

Each defect carries the rule id the harness verdict must name: a requirement id
(``B01.FR.04``), a schema rule (``schema:<SchemaName>:<keyword>``, as
:class:`harness.ocppj.SchemaViolation` spells it) or a framing/transport rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["BOTH", "V16", "V201", "Defect", "Side", "declare"]

Side = Literal["station", "csms"]

#: the OCPP versions a defect applies to
BOTH = frozenset({"1.6", "2.0.1"})
V16 = frozenset({"1.6"})
V201 = frozenset({"2.0.1"})


@dataclass(frozen=True)
class Defect:
    """One way a simulator misbehaves.

    ``rule`` is one string when the verdict names the same rule in every version, or a
    mapping version -> rule when the versions word the rule differently.
    """

    name: str
    side: Side
    versions: frozenset[str]
    description: str
    rule: str | Mapping[str, str]

    def rule_for(self, version: str) -> str:
        """The rule id the harness verdict must name for this defect in ``version``."""
        if isinstance(self.rule, str):
            return self.rule
        return self.rule[version]

    def applies_to(self, side: str, version: str) -> bool:
        return self.side == side and version in self.versions


def declare(*defects: Defect) -> tuple[Defect, ...]:
    """A module's defects, each once per side (a name may exist on both sides:
    ``never-replies``)."""
    keys = [(defect.side, defect.name) for defect in defects]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"defects declared twice: {repeated}")
    return defects
