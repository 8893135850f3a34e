"""The loader's API: lookups by version (enum or text), role and key."""

from __future__ import annotations

import pytest

from harness.ocppj import OcppVersion
from harness.spec.catalog import (
    case_ids_in_profile,
    catalog,
    entry,
    feature_label,
    features,
    profiles,
    resolve_feature,
)


def test_entry_by_enum_or_text():
    assert entry("TC_B_01_CS", OcppVersion.V201) is entry("TC_B_01_CS", "2.0.1")
    assert entry("TC_B_01_CS", "1.6") is None
    case = entry("TC_B_01_CS", "2.0.1")
    assert case.block == "B" and case.block_name == "Provisioning" and case.table == 18
    assert case.ocpp is OcppVersion.V201 and case.dut_kind == "charging-station"


def test_catalog_is_read_only():
    with pytest.raises(TypeError):
        catalog("2.0.1")["TC_X_01_CS"] = None  # type: ignore[index]


def test_profiles_per_version():
    assert profiles("2.0.1")[0] == "core" and "iso15118" in profiles("2.0.1")
    assert profiles("1.6")[0] == "core" and "remote-trigger" in profiles("1.6")


def test_features_take_the_role():
    assert "C-44" in features("2.0.1", "csms") and "C-44" not in features("2.0.1", "cs")
    station, csms = features("2.0.1", "charging-station"), features("2.0.1", "csms")
    assert station["C-13"].variable == "AllowReset" and csms["C-13"].variable is None
    assert station["C-09.2"].parent == "C-09"
    # the additional questions were renumbered for the CSMS, so ids do not collide
    assert station["AQ-1"].name != csms["AQ-17"].name and "AQ-1" not in csms


def test_resolve_by_id_alias_or_profile():
    assert resolve_feature("2.0.1", "csms", "c-44").id == "C-44"
    assert resolve_feature("2.0.1", "csms", "boot_pending").id == "C-44"
    assert resolve_feature("2.0.1", "cs", "local_auth_list").id == "profile:local-auth-list"
    assert resolve_feature("1.6", "cs", "local_auth_list").id == "LocalAuthListManagement"
    assert resolve_feature("2.0.1", "cs", "no_such_thing") is None
    with pytest.raises(ValueError, match="unknown role 'station'"):
        resolve_feature("2.0.1", "station", "C-44")


def test_feature_label():
    assert feature_label("2.0.1", "csms", "C-44") == (
        "C-44 (Support for sending a BootNotification Pending before Accepting)"
    )
    assert feature_label("2.0.1", "csms", "boot_pending").startswith("boot_pending = C-44 (")
    assert feature_label("2.0.1", "csms", "X-1") == "X-1"


def test_case_ids_in_profile():
    core = case_ids_in_profile("2.0.1", "cs", "core")
    assert {"TC_B_01_CS", "TC_B_30_CS", "TC_F_20_CS"} <= core
    assert "TC_K_01_CS" not in core and all(i.endswith("_CS") for i in core)
    assert "TC_O_15_CS" not in case_ids_in_profile("2.0.1", "cs", "advanced-user-interface")
    assert "TC_O_15_CS" in case_ids_in_profile(
        "2.0.1", "cs", "advanced-user-interface", include_removed=True
    )
    assert "TC_019_1_CSMS" in case_ids_in_profile("1.6", "csms", "core")
    with pytest.raises(ValueError, match="unknown profile 'corr'; use one of core, "):
        case_ids_in_profile("2.0.1", "cs", "corr")
