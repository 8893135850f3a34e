"""Applicability: needs (all), lacks (none), any_of (one), with reasons that name the key."""

from __future__ import annotations

from harness.applicability import not_applicable
from harness.ocppj import OcppVersion
from harness.testcase import TestCaseInfo


def _info(**kw) -> TestCaseInfo:
    return TestCaseInfo("TC_Z_01_CS", "t", OcppVersion.V201, "charging-station", "Z", **kw)


def _supports(*keys: str):
    return lambda key: key in keys


def test_applies_without_conditions():
    assert not_applicable(_info(), _supports()) is None


def test_needs_every_feature():
    info = _info(needs=("C-44", "local_auth_list"))
    assert not_applicable(info, _supports("C-44", "local_auth_list")) is None
    reason = not_applicable(info, _supports("C-44"))
    assert reason is not None and reason.startswith("not applicable: needs local_auth_list")
    assert "features.local_auth_list = true" in reason


def test_lacks_is_a_requires_absence_case():
    info = _info(absent=("C-13",))
    assert not_applicable(info, _supports()) is None
    reason = not_applicable(info, _supports("C-13"))
    assert reason is not None and reason.startswith("not applicable: only for a DUT without C-13")


def test_any_of_needs_one():
    info = _info(any_of=("C-44", "AQ-16"))
    assert not_applicable(info, _supports("AQ-16")) is None
    reason = not_applicable(info, _supports())
    assert reason is not None and "C-44" in reason and " or " in reason and "AQ-16" in reason


def test_any_of_takes_a_negation():
    # Part 5 TC_B_30 for a CSMS: C-44 or NOT AQ-16
    info = _info(any_of=("C-44", "not AQ-16"))
    assert not_applicable(info, _supports()) is None  # no AQ-16: applies
    assert not_applicable(info, _supports("C-44", "AQ-16")) is None
    reason = not_applicable(info, _supports("AQ-16"))
    assert reason is not None and "C-44" in reason and "not AQ-16" in reason


def test_a_readable_name_satisfies_a_part5_id_and_the_skip_names_both():
    """End to end through a DUT profile: TC_B_02_CSMS needs C-44."""
    from harness.dut import profile_from_dict

    base = {"dut": {"kind": "csms", "ocpp": "2.0.1", "identity": "X"}}
    base["connect"] = {"url": "ws://127.0.0.1:9/ocpp"}
    info = TestCaseInfo("TC_B_02_CSMS", "t", OcppVersion.V201, "csms", "B", needs=("C-44",))
    with_alias = profile_from_dict({**base, "features": {"boot_pending": True}})
    assert not_applicable(info, with_alias.supports) is None
    reason = not_applicable(info, profile_from_dict(base).supports)
    assert reason == (
        "not applicable: needs C-44 (Support for sending a BootNotification Pending before "
        "Accepting), which the DUT profile does not declare (features.C-44 = true to run it)"
    )


# -- Part 5's conditions, from the catalog ------------------------------------------------


def _catalog_case(case_id: str) -> TestCaseInfo:
    """A case that is in the catalog but not (yet) implemented: Part 5 decides alone."""
    return TestCaseInfo(case_id, "t", OcppVersion.V201, "charging-station", case_id.split("_")[1])


def test_a_mandatory_case_applies_whatever_the_features():
    assert not_applicable(_catalog_case("TC_G_01_CS"), _supports()) is None


def test_a_conditional_case_runs_by_its_part5_condition():
    """TC_F_05_CS (Core): 'HFS-1 and not subtype:mode-1-2-only'."""
    info = _catalog_case("TC_F_05_CS")
    assert not_applicable(info, _supports("HFS-1")) is None
    reason = not_applicable(info, _supports())
    assert reason is not None
    assert reason.startswith("not applicable: Part 5 makes it conditional and the DUT")
    assert "core: needs HFS-1" in reason, reason
    # a NOT condition: the product subtype that excludes it
    excluded = not_applicable(info, _supports("HFS-1", "subtype:mode-1-2-only"))
    assert excluded is not None and "mode-1-2-only" in excluded, excluded


def test_the_run_s_certification_profile_decides_when_given():
    """TC_C_39_CS is conditional in Core; restricted to a profile it is not in, Part 5
    says nothing and the case's own conditions decide."""
    info = _catalog_case("TC_C_39_CS")
    assert not_applicable(info, _supports(), "core") is not None
    assert not_applicable(info, _supports("C-30"), "core") is None
    assert not_applicable(info, _supports(), "smart-charging") is None


def test_a_case_outside_the_catalog_is_left_to_its_own_conditions():
    assert not_applicable(_info(), _supports()) is None


def test_the_report_says_why_a_case_ran():
    from harness.applicability import why_it_applies

    assert why_it_applies(_catalog_case("TC_G_01_CS"), _supports()) == "mandatory in core (Part 5)"
    ran = why_it_applies(_catalog_case("TC_F_05_CS"), _supports("HFS-1"))
    assert ran == "conditional in core (Part 5): HFS-1 and not subtype:mode-1-2-only holds", ran
    own = why_it_applies(_info(needs=("C-44",)), _supports("C-44"))
    assert own.startswith("needs C-44"), own
    assert why_it_applies(_info(), _supports()) == ""
