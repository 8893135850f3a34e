"""The defect registry: names, sides, versions, rules and the validation messages."""

from __future__ import annotations

import pytest

from harness.sim import (
    CSMS_DEFECTS,
    DEFECTS,
    STATION_DEFECTS,
    SimCsms,
    SimStation,
    defects_for,
    get_defect,
    validate_defects,
)


def test_tables_are_consistent() -> None:
    for side, table in (("station", STATION_DEFECTS), ("csms", CSMS_DEFECTS)):
        for name, defect in table.items():
            assert defect.name == name and defect.side == side
            assert defect.description and defect.versions <= {"1.6", "2.0.1"}
            for version in defect.versions:
                assert defect.rule_for(version)
    assert set(DEFECTS) == set(STATION_DEFECTS) | set(CSMS_DEFECTS)
    assert get_defect("csms", "never-replies").side == "csms"
    assert get_defect("station", "never-replies").side == "station"


def test_rules_by_version() -> None:
    wrong = get_defect("station", "wrong-connector-status")
    assert wrong.rule_for("2.0.1") == "B01.FR.05"
    assert wrong.rule_for("1.6") == "E16.3.22"
    invalid = get_defect("csms", "get-variables-invalid")
    assert invalid.rule_for("2.0.1") == "schema:GetVariablesRequest:minItems"
    assert invalid.rule_for("1.6") == "schema:GetConfigurationRequest:type"
    assert "get-configuration-missing-keys" in defects_for("station", "1.6")
    assert "get-configuration-missing-keys" not in defects_for("station", "2.0.1")


@pytest.mark.parametrize(
    ("side", "version", "name", "message"),
    [
        ("station", "2.0.1", "boot-omits-modle", "unknown defect 'boot-omits-modle'"),
        ("station", "2.0.1", "boot-response-invalid", "is a csms defect, not a station one"),
        ("csms", "1.6", "no-heartbeat", "is a station defect, not a csms one"),
        ("station", "2.0.1", "get-configuration-missing-keys", "does not apply to OCPP 2.0.1"),
        ("csms", "2.0.1", "get-configuration-with-keys", "does not apply to OCPP 2.0.1"),
    ],
)
def test_validation_messages(side: str, version: str, name: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_defects(side, version, [name])
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_constructors_validate() -> None:
    assert validate_defects("csms", "1.6", ["never-replies"]) == {"never-replies"}
    with pytest.raises(ValueError):
        SimStation("2.0.1", "ws://127.0.0.1:1/ocpp", "CP1", defects=["nope"])
    with pytest.raises(ValueError):
        SimCsms("1.6", defects=["set-variables-not-applied"])
