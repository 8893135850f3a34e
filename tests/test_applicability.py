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
