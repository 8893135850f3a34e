"""Legal variations that OCTT is stricter about: the case passes against the simulator
showing one, with an octt-stricter warning that names the rule, and fails for that rule
with ``--strict`` (the rehearsal of a certification run). test_catalog.py runs every
option with the cases it concerns but takes any warning there; these pin the warning
each such check gives, so that the check itself is shown to fire."""

from __future__ import annotations

import pytest

from harness.cli import catalog_functions
from tests.matrix import Expectation, by_id, case_item, run_catalog_case

CASES = by_id(*catalog_functions())

#: (case id, option, the rule of the octt-stricter warning)
STRICTER = [
    # Part 6 wants every sampled value signed; J01.FR.21/J02.FR.21 only those of the
    # components that sign (here the energy register)
    ("TC_J_04_CS", "signs-energy-register-only", "J01.FR.21"),
    ("TC_J_11_CS", "signs-energy-register-only", "J02.FR.21"),
    # Part 6 wants no TransactionEvent with meter values during the transaction; J01.FR.20
    # rules out only the clock-aligned ones (a station may meter the transaction)
    ("TC_J_06_CS", "meters-every-transaction", "J01.FR.20"),
]


def _items(*, strict: bool) -> list:
    return [
        case_item(
            CASES[case_id],
            f"{case_id}-{option}" + ("-strict" if strict else ""),
            Expectation("failed", rule, exact_rule=True)
            if strict
            else Expectation("passed", warnings=(rule,)),
            options=(option,),
            strict=strict,
        )
        for case_id, option, rule in STRICTER
    ]


@pytest.mark.parametrize("case", _items(strict=False))
def test_variation_passes_with_an_octt_warning(case, request):
    run_catalog_case(case, request)


@pytest.mark.parametrize("case", _items(strict=True))
def test_variation_fails_when_strict(case, request):
    run_catalog_case(case, request)
