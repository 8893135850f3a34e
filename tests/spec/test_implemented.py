"""Every case in code is a known case: the same id and version in the data, with the
same title (and for 2.0.1 the same Part 6 table and requirement ids)."""

from __future__ import annotations

from harness.cli import catalog_cases
from harness.spec.catalog import entry

#: 1.6 titles of octt-catalog §3.3 are abbreviated; our cases use the longer ones.
ABBREVIATED_16 = {
    "TC_001_CS": "Cold Boot",
    "TC_001_CSMS": "Cold Boot",
    "TC_021_CS": "Change configuration",
}


def test_every_implemented_case_is_in_the_data_with_its_title():
    problems = []
    for info in catalog_cases():
        known = entry(info.id, info.ocpp)
        where = f"{info.id} (OCPP {info.ocpp.value})"
        if known is None:
            problems.append(f"{where}: not in harness/spec/catalog")
            continue
        if known.dut_kind != info.dut_kind:
            problems.append(f"{where}: DUT kind {info.dut_kind} in code, {known.dut_kind} in data")
        if known.title != info.title and ABBREVIATED_16.get(info.id) != known.title:
            problems.append(f"{where}: title {info.title!r} in code, {known.title!r} in data")
    assert problems == [], "\n".join(problems)


def test_201_cases_match_part6_table_and_requirements():
    problems = []
    for info in catalog_cases():
        known = entry(info.id, info.ocpp)
        if info.ocpp.value != "2.0.1" or known is None:
            continue
        if known.table != info.table:
            problems.append(f"{info.id}: Part 6 table {info.table} in code, {known.table} in data")
        only_code = sorted(set(info.requirements) - set(known.requirements))
        only_data = sorted(set(known.requirements) - set(info.requirements))
        if only_code or only_data:
            problems.append(
                f"{info.id}: requirements only in code {only_code}, in data {only_data}"
            )
    assert problems == [], "\n".join(problems)
