"""The ``@testcase`` decorator: the metadata a catalog case carries.

A case names its OCA id and title, the Part 6 table it is built from, the requirement
ids it checks, when it applies — features it ``needs`` (all), features it ``lacks`` (none
of them may be supported: "requires absence" cases), ``any_of`` (at least one): Part 5
feature ids such as ``C-44`` or readable profile keys; a case that does not apply is
skipped with the reason, never passed — and the simulator defects it must catch (the
self-tests prove it fails against each) or only warns about (``warns``: it passes with a
named warning, and fails with ``--strict``).

Every rule a case names must be declared in the rule registry
(:mod:`harness.spec.rules`): its ``requirements``, the rules its ``catches`` and
``warns`` defects fail it with, and the rule literals of its body and of the module's
helpers it uses, read from the source. A case naming an undeclared rule fails at
import, with one line naming the rule and the nearest declared one.

The OCPP version and the DUT kind come from where the module lives in the catalog
(``v201/cs/…`` = OCPP 2.0.1, DUT is a charging station; ``…/csms/…`` = DUT is a CSMS),
the functional block from the module's ``BLOCK`` constant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pytest

from harness.control.vocabulary import RESTARTS
from harness.dut_kind import DutKind
from harness.ocppj import OcppVersion
from harness.spec.rules import check_case

__all__ = ["CHARGING_STATION", "CSMS", "TestCaseInfo", "testcase"]

CHARGING_STATION = DutKind.CHARGING_STATION
CSMS = DutKind.CSMS

_VERSION_DIRS = {"v16": OcppVersion.V16, "v201": OcppVersion.V201, "v21": OcppVersion.V21}
_KIND_DIRS = {"cs": CHARGING_STATION, "csms": CSMS}

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class TestCaseInfo:
    """What a catalog case is; reports and ``ocpp-harness list`` show it."""

    __test__ = False  # not a pytest test class

    id: str
    title: str
    ocpp: OcppVersion
    dut_kind: DutKind
    block: str
    requirements: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    #: defect name -> rule the failing verdict must name (None: the defect's own rule)
    catches: Mapping[str, str | None] = field(default_factory=dict)
    #: defect name -> rule of the named warning it gets (a failure only with --strict)
    warns: Mapping[str, str | None] = field(default_factory=dict)
    #: the Part 6 table the case is built from (None for 1.6: no public Part 6)
    table: int | None = None
    #: the restarting action (reboot, power_cycle) that is the case's first step: the
    #: case may then begin with no station connected, since that action brings it (a
    #: one-shot device, a station the control adapter starts)
    starts_with: str | None = None
    #: the fewest EVSEs the station must have (Part 6 runs a few cases only on a
    #: station with more than one: Part 5's HFS-8, the number of EVSEs); the DUT
    #: profile's [layout] answers
    evses: int = 1

    def __post_init__(self) -> None:
        # Built in code with the profile's spelling ("csms") too: hold the enum.
        object.__setattr__(self, "dut_kind", DutKind(self.dut_kind))

    @property
    def lacks(self) -> tuple[str, ...]:
        """Features that must not be supported (Part 5 "NOT" conditions)."""
        return self.absent

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "ocpp": self.ocpp.value,
            "dut_kind": self.dut_kind.value,
            "block": self.block,
            "requirements": list(self.requirements),
            "needs": list(self.needs),
            "absent": list(self.absent),
            "any_of": list(self.any_of),
            "catches": sorted(self.catches),
            "warns": sorted(self.warns),
            "table": self.table,
            "starts_with": self.starts_with,
            "evses": self.evses,
        }


def _from_module(module_name: str) -> tuple[OcppVersion | None, DutKind | None]:
    parts = module_name.split(".")
    version = next((_VERSION_DIRS[p] for p in parts if p in _VERSION_DIRS), None)
    kind = next((_KIND_DIRS[p] for p in parts if p in _KIND_DIRS), None)
    return version, kind


def testcase(
    id: str,
    title: str,
    *,
    requirements: Iterable[str] = (),
    needs: Iterable[str] = (),
    absent: Iterable[str] = (),
    lacks: Iterable[str] = (),
    any_of: Iterable[str] = (),
    catches: Iterable[str] | Mapping[str, str | None] = (),
    warns: Iterable[str] | Mapping[str, str | None] = (),
    table: int | None = None,
    ocpp: str | None = None,
    dut_kind: str | None = None,
    block: str | None = None,
    starts_with: str | None = None,
    evses: int = 1,
) -> Callable[[F], F]:
    """Mark a function as catalog case ``id``; see the module docstring."""
    if starts_with is not None and starts_with not in RESTARTS:
        raise TypeError(
            f"{id}: starts_with={starts_with!r} is not an action that restarts the station "
            f"(one of {', '.join(sorted(RESTARTS))})"
        )

    def decorate(func: F) -> F:
        module_version, module_kind = _from_module(func.__module__)
        module = sys.modules.get(func.__module__)
        version = OcppVersion.parse(ocpp) if ocpp else module_version
        kind = DutKind(dut_kind) if dut_kind else module_kind
        if version is None or kind is None:
            raise TypeError(
                f"{id}: cannot tell the OCPP version and DUT kind from module "
                f"{func.__module__!r}; pass ocpp= and dut_kind="
            )
        caught = dict(catches) if isinstance(catches, Mapping) else dict.fromkeys(catches)
        warned = dict(warns) if isinstance(warns, Mapping) else dict.fromkeys(warns)
        info = TestCaseInfo(
            id=id,
            title=title,
            ocpp=version,
            dut_kind=kind,
            block=block or getattr(module, "BLOCK", "") or id.split("_")[1],
            requirements=tuple(requirements),
            needs=tuple(needs),
            absent=(*absent, *lacks),
            any_of=tuple(any_of),
            catches=caught,
            warns=warned,
            table=table,
            starts_with=starts_with,
            evses=evses,
        )
        # Every rule the case names must be declared (harness/spec/rules): a typo fails
        # the import of the module, with the nearest declared id.
        check_case(info, func)
        func.ocpp_testcase = info  # type: ignore[attr-defined]
        # A mark returns the function it marks; pytest's two MarkDecorator.__call__
        # overloads both accept a callable, so mypy infers Any.
        return cast(F, pytest.mark.ocpp_testcase(info)(func))

    return decorate


testcase.__test__ = False  # type: ignore[attr-defined]  # imported into test modules
