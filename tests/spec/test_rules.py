"""The rule registry's data and API: valid files, lookups per version, families whose
placeholders are checked, one-line errors that name the nearest declared id, and the
scan that finds rule literals in source."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from harness.ocppj import RULES, OcppVersion
from harness.ocppj.schemas import _schema_dir, known_actions
from harness.spec import rules
from harness.spec.rule_literals import function_literals, module_literals

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "harness" / "spec" / "rules"


#: every rule file: the version files, their per-block files, common.toml
RULE_FILES = sorted(str(path.relative_to(DATA)) for path in DATA.rglob("*.toml"))


@pytest.mark.parametrize("name", RULE_FILES)
def test_data_file_is_valid(name):
    schema = json.loads((ROOT / "schemas" / "rules.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)] == []


def test_version_files_name_their_version():
    for version in OcppVersion:
        slug = rules._SLUGS[version]
        for _, data in rules._version_documents(slug):
            assert data["ocpp"] == version.value


def test_no_id_is_declared_twice_in_a_version():
    common = tomllib.loads((DATA / "common.toml").read_text("utf-8"))["rule"]
    for version in OcppVersion:
        slug = rules._SLUGS[version]
        requirements, ocpp_j = (
            set(rules._merged(slug, "requirements")),
            set(rules._merged(slug, "ocpp-j")),
        )
        assert not (requirements & ocpp_j) and not ((requirements | ocpp_j) & set(common))


def test_an_id_in_two_files_of_a_version_is_refused(monkeypatch):
    """The per-block files are merged; an id (or a case's beyond_row) in two of them
    would have two summaries, so it is refused, naming both files."""
    documents = (
        ("v201.toml", {"ocpp": "2.0.1", "requirements": {"G01.FR.01": "one"}}),
        ("v201/g.toml", {"ocpp": "2.0.1", "requirements": {"G01.FR.01": "two"}}),
    )
    monkeypatch.setattr(rules, "_version_documents", lambda slug: documents)
    with pytest.raises(
        ValueError, match=r"'G01.FR.01' is declared in both v201.toml and v201/g.toml"
    ):
        rules._merged("v201", "requirements")


def test_a_requirement_of_one_version():
    found = rules.rule("2.0.1", "B01.FR.05")
    assert found.kind == "requirement" and found.version is OcppVersion.V201
    assert "StatusNotification" in found.summary and found.source == "v201.toml"
    assert rules.rule(OcppVersion.V201, "B01.FR.05") == found
    # 2.1 words B01.FR.05 otherwise (NotifyEvent): not declared there until read
    assert not rules.is_declared("2.1", "B01.FR.05")
    assert rules.rule("1.6", "C16.4.2").kind == "requirement"
    assert rules.rule("2.0.1", "OCPP-J 3.2").kind == "ocpp-j"


def test_common_rules_and_their_versions():
    assert rules.rule("1.6", "ocppj.not-json").reference == "OCPP-J §4.1.2"
    assert rules.rule("2.0.1", "timeout").kind == "harness"
    assert rules.is_declared("2.1", "ocppj.callresulterror-unknown-id")
    assert not rules.is_declared("2.0.1", "ocppj.callresulterror-unknown-id")
    # a fixed rule wins over the family of the same prefix
    assert rules.rule("2.0.1", "expect:connector-state").family is None


def test_families_check_their_placeholders():
    expect = rules.rule("2.0.1", "expect:GetVariables")
    assert expect.family == "expect:<Action>" and "GetVariables" in expect.summary
    assert rules.is_declared("1.6", "expect:GetConfiguration")
    assert not rules.is_declared("1.6", "expect:GetVariables")  # a 2.x action
    assert rules.rule("1.6", "schema:BootNotificationRequest:required").kind == "schema"
    assert rules.is_declared("2.0.1", "schema:HeartbeatResponse:required")
    assert not rules.is_declared("2.0.1", "schema:HeartbeatReply:required")
    assert not rules.is_declared("2.0.1", "schema:HeartbeatResponse:requried")
    # an action the version lacks has no schema: its own family
    assert rules.is_declared("2.0.1", "schema:FooRequest:unknown-action")
    assert rules.is_declared("2.0.1", "answer:StatusNotification")


def test_check_names_the_id_and_the_nearest_declared_one():
    with pytest.raises(rules.UndeclaredRule) as error:
        rules.check("2.0.1", "B01.FR.5", where="TC_X_01_CS")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("TC_X_01_CS: rule 'B01.FR.5' is not declared for OCPP 2.0.1")
    assert "nearest declared: 'B01.FR.05'" in message and error.value.nearest == "B01.FR.05"
    with pytest.raises(rules.UndeclaredRule, match="nearest declared: 'OCPP-J 3.2'"):
        rules.rule("2.0.1", "OCPP-J.3.2")


def test_check_says_why_a_family_id_is_not_declared():
    with pytest.raises(rules.UndeclaredRule) as error:
        rules.check("2.0.1", "expect:GetVaribles")
    assert "'GetVaribles' is not an action of OCPP 2.0.1" in str(error.value)
    assert error.value.nearest == "expect:GetVariables"
    with pytest.raises(rules.UndeclaredRule, match="it is for OCPP 2.0.1"):
        rules.check("1.6", "B01.FR.04")


def test_versions_declaring():
    assert rules.versions_declaring("B02.FR.02") == (OcppVersion.V201, OcppVersion.V21)
    assert rules.versions_declaring("C16.4.2") == (OcppVersion.V16,)
    assert rules.versions_declaring("no-such-rule") == ()


def test_conversation_rules_are_declared():
    for rule_id in RULES:
        assert rules.versions_declaring(rule_id), rule_id


def _keywords(node, found: set[str]) -> None:
    """The validation keywords a JSON schema uses (not its property or definition names)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "definitions", "$defs", "patternProperties"):
                for sub in value.values():
                    _keywords(sub, found)
                continue
            found.add(key)
            _keywords(value, found)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)


#: keys of a schema that no violation is named after: annotations, references, and
#: "items", whose failures jsonschema-rs reports by the keyword inside
NOT_REPORTED = {"$schema", "$id", "$ref", "$comment", "id", "title", "description",
                "comment", "default", "javaType", "items"}  # fmt: skip


@pytest.mark.parametrize("version", list(OcppVersion))
def test_schema_family_knows_every_keyword_the_schemas_use(version):
    used: set[str] = set()
    for entry in _schema_dir(version).iterdir():
        if entry.name.endswith(".json"):
            _keywords(json.loads(entry.read_text(encoding="utf-8")), used)
    family = next(f for f in rules.families() if f.name == "schema")
    assert sorted(used - NOT_REPORTED - set(family.values["keyword"])) == []


def test_every_action_has_its_expect_and_answer_rules():
    for version in OcppVersion:
        for action in known_actions(version):
            assert rules.is_declared(version, f"expect:{action}")
            assert rules.is_declared(version, f"answer:{action}")


# -- the scan of source for rule literals -------------------------------------------------

SOURCE = '''
"""A module. B01.FR.05 in a docstring is text, not a rule."""

TABLE = {"Core": "C16.9.1"}


def helper(role):
    role.note("B03.FR.04", "a note")


def case(role, flag):
    role.expect("Heartbeat", rule="timeout" if flag == "local" else "B01.FR.04")
    helper(role)
    if flag:
        raise DutFailure("reason", "OCPP1.6:Status")
    action = "Heartbeat"
    role.expect(action, rule=f"expect:{action}")
    return TABLE[flag]


def other():
    raise HarnessError("why", "setup")
'''


def test_function_literals_follow_helpers_and_tables():
    found = [(lit.rule, lit.scope) for lit in function_literals(SOURCE, "case")]
    assert found == [
        ("C16.9.1", "TABLE"),
        ("B03.FR.04", "helper"),
        ("timeout", "case"),
        ("B01.FR.04", "case"),
        ("OCPP1.6:Status", "case"),
    ]
    assert function_literals(SOURCE, "no_such_function") == []


def test_module_literals_are_every_rule_in_source_order():
    assert [lit.rule for lit in module_literals(SOURCE)] == [
        "C16.9.1",
        "B03.FR.04",
        "timeout",
        "B01.FR.04",
        "OCPP1.6:Status",
        "setup",
    ]
