"""harness/spec/left.toml, the known cases not implemented yet with why, stays true: a
case it names is not implemented, and every id or prefix it gives names a known case of
its versions and roles (a typo would leave the cases it meant under "no reason")."""

from __future__ import annotations

from harness.cli import catalog_cases
from harness.dut_kind import DutKind
from harness.ocppj import OcppVersion
from harness.spec.catalog import catalog
from harness.spec.coverage import NO_REASON, left_groups, measure, render_text


def test_every_listed_id_or_prefix_names_a_known_case():
    for group in left_groups():
        known = [
            entry
            for version in group.versions
            for entry in catalog(OcppVersion.parse(version)).values()
            if DutKind(entry.dut_kind).value in group.roles
        ]
        for case in group.cases:
            assert any(e.id == case or e.id.startswith(case) for e in known), case


def test_no_listed_case_is_implemented():
    implemented = {(info.id, info.ocpp.value, info.dut_kind.value) for info in catalog_cases()}
    for group in left_groups():
        wrong = sorted(
            case_id
            for case_id, version, role in implemented
            if version in group.versions
            and role in group.roles
            and any(case_id == case or case_id.startswith(case) for case in group.cases)
        )
        assert not wrong, f"implemented, but left.toml lists them as left: {wrong}"


def test_coverage_names_each_case_left_under_its_reason():
    implemented = [(info.id, info.ocpp, info.dut_kind.value) for info in catalog_cases()]
    kinds = [DutKind.CHARGING_STATION.value, DutKind.CSMS.value]
    coverage = measure(implemented, [OcppVersion.V201], kinds, "core")
    [security] = [g for g in left_groups() if "TC_A_" in g.cases]
    station = coverage.left["2.0.1 CS"]
    assert "TC_B_50_CS" in station[security.reason]
    assert all(case_id.startswith("TC_") for ids in station.values() for case_id in ids)
    text = render_text(coverage, show_blocks=True)
    assert "OCPP 2.0.1 CS not implemented (" in text and "TC_B_50_CS" in text
    # a case with no recorded reason is counted by block, not listed
    if NO_REASON in coverage.left.get("2.0.1 CSMS", {}):
        assert f"- {NO_REASON}: " in text
    assert coverage.to_json()["summary"]["left"] == coverage.left
