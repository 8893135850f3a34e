"""The data files themselves: valid against their schemas, every condition parses and
names only known ids, and the figures the sources give (Part 6, errata, octt-catalog)."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from harness.ocppj import OcppVersion
from harness.spec.catalog import catalog, features, profiles, resolve_feature
from harness.spec.conditions import parse

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "harness" / "spec"
SLUGS = {"v16": OcppVersion.V16, "v201": OcppVersion.V201, "v21": OcppVersion.V21}
ROLES = ("charging-station", "csms")


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("kind", ["catalog", "features"])
@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_data_file_is_valid(kind, slug):
    data = tomllib.loads((DATA / kind / f"{slug}.toml").read_text(encoding="utf-8"))
    errors = [f"{list(e.path)}: {e.message}" for e in _validator(kind).iter_errors(data)]
    assert errors == []
    assert data["ocpp"] == SLUGS[slug].value


def _terms_known(version: OcppVersion, role: str, text: str) -> list[str]:
    return sorted(t for t in parse(text).ids() if resolve_feature(version, role, t) is None)


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_condition_parses_and_names_known_ids(version):
    unknown = []
    for case in catalog(version).values():
        texts = [s.condition for s in case.part5 if s.condition] + [case.condition or ""]
        for text in filter(None, texts):
            assert str(parse(text)) == text, f"{case.id}: {text!r} is not in canonical form"
            unknown += [f"{case.id}: {t}" for t in _terms_known(version, case.dut_kind, text)]
        for status in case.part5:
            unknown += [
                f"{case.id}: {f}"
                for f in status.features
                if resolve_feature(version, case.dut_kind, f) is None
            ]
    assert unknown == []


@pytest.mark.parametrize("version", list(OcppVersion))
def test_profiles_named_by_cases_exist(version):
    known = set(profiles(version))
    used = {p for case in catalog(version).values() for p in case.in_profiles}
    assert used <= known


@pytest.mark.parametrize("version", list(OcppVersion))
@pytest.mark.parametrize("role", ROLES)
def test_ids_and_aliases_are_unique_per_role(version, role):
    keys = Counter()
    for feature in features(version, role).values():
        keys.update({feature.id.casefold(), *(alias.casefold() for alias in feature.aliases)})
    assert [key for key, n in keys.items() if n > 1] == []
    raw = tomllib.loads((DATA / "features" / f"{_slug(version)}.toml").read_text("utf-8"))
    ids = Counter(f["id"] for f in raw["feature"] if role in f["roles"])
    assert [fid for fid, n in ids.items() if n > 1] == []


def _slug(version: OcppVersion) -> str:
    return next(slug for slug, v in SLUGS.items() if v is version)


def test_every_feature_parent_is_listed():
    for version in OcppVersion:
        for role in ROLES:
            table = features(version, role)
            assert [f.id for f in table.values() if f.parent and f.parent not in table] == []


def _roles(version: OcppVersion) -> Counter[str]:
    """The OCA's cases of ``version`` by DUT kind (the harness's own apart)."""
    return Counter(case.dut_kind for case in catalog(version).values() if not case.own)


def test_the_harness_own_cases_are_apart_and_named_hx():
    """harness/spec/catalog/own-*.toml: never an OCA id, never in a coverage figure."""
    for version in ("1.6", "2.0.1"):
        own = [case for case in catalog(version).values() if case.own]
        assert own and all(case.id.startswith("HX_") for case in own)
        assert all(not case.part5 and case.source.startswith("ocpp-harness") for case in own)


def test_201_has_every_part6_case_and_the_errata():
    cases = catalog("2.0.1")
    assert _roles(OcppVersion.V201) == {"charging-station": 424, "csms": 252}
    assert {c.id for c in cases.values() if c.removed} == {
        "TC_A_13_CS",
        "TC_A_13_CSMS",
        "TC_O_15_CS",
    }
    b58 = cases["TC_B_58_CSMS"]
    assert b58.requirements == ("OCPP-J 3.1.2",) and b58.status_in("core").status == "M"
    assert cases["TC_I_01_CSMS"].table == 566  # the caption said TC_L_01_CSMS
    assert cases["TC_L_01_CSMS"].table == 609


def test_201_part5_statuses_with_errata():
    cases = catalog("2.0.1")
    assert cases["TC_B_02_CSMS"].status_in("core").condition == "C-44"
    assert cases["TC_B_30_CSMS"].status_in("core").condition == "C-44 or not AQ-16"
    assert cases["TC_B_31_CSMS"].status_in("core").erratum == "2025-09 §5.9"
    assert cases["TC_B_30_CS"].status_in("core").status == "M"
    assert cases["TC_B_14_CS"].status_in("core").condition == "C-56"
    assert cases["TC_A_20_CS"].status_in("core").condition == "AQ-1 and C-61"
    assert cases["TC_I_01_CS"].status_in("advanced-user-interface").status == "M"
    assert cases["TC_L_01_CS"].status_in("advanced-user-interface") is None


def _core(version: OcppVersion, role: str) -> Counter[str]:
    return Counter(
        c.status_in("core").status
        for c in catalog(version).values()
        if c.dut_kind == role and c.status_in("core") and not c.removed
    )


def test_201_core_figures():
    # Part 5 §4.2 prints 221 CS (104 M, 117 C) and 130 CSMS (104 M, 26 C). TC_F_06 adds
    # one C per role (its status cells hold the conditions themselves); the errata add
    # TC_B_14_CS (C) and TC_B_58_CSMS (M).
    assert _core(OcppVersion.V201, "charging-station") == {"M": 104, "C": 117 + 1 + 1}
    assert _core(OcppVersion.V201, "csms") == {"M": 104 + 1, "C": 26 + 1}


def test_21_and_16_ids():
    assert _roles(OcppVersion.V21) == {"charging-station": 422 + 143, "csms": 252 + 1 + 77}
    assert "TC_G_01_CSMS" in catalog("2.1") and "TC_A_13_CS" not in catalog("2.1")
    assert catalog("2.1")["TC_B_01_CS"].requirements == ()
    assert catalog("2.1")["TC_K_130_CS"].condition == "not SC-6"
    # §3.3 announces 77 CSMS cases and lists 76.
    assert _roles(OcppVersion.V16) == {"charging-station": 107, "csms": 76}
    tc019 = catalog("1.6")["TC_019_1_CSMS"]
    assert tc019.in_profiles == ("core",) and tc019.profile_source
