"""Schema checks: valid payloads pass, each violation names its schema rule and JSON path.

Also: every action of every version has a request and a response schema, and the
smallest payload ``synth.minimal_instance`` builds from each of them validates (it is
what the harness answers with when no test case scripts a reply).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from harness.ocppj.frames import OcppVersion
from harness.ocppj.schemas import (
    SchemaViolation,
    Severity,
    Strictness,
    known_actions,
    load_schema,
    schema_name,
    validate_payload,
)
from harness.ocppj.synth import minimal_instance

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21
ALL = tuple(OcppVersion)
NOW = "2025-06-01T12:00:00Z"

BOOT_201_REQUEST = {
    "reason": "PowerUp",
    "chargingStation": {"model": "SingleSocketCharger", "vendorName": "VendorX"},
}
BOOT_201_RESPONSE = {"currentTime": NOW, "interval": 300, "status": "Accepted"}
GET_VARIABLES_REQUEST = {
    "getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    ]
}
GET_VARIABLES_RESPONSE = {
    "getVariableResult": [
        {
            "attributeStatus": "Accepted",
            "attributeValue": "300",
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
        }
    ]
}

VALID = [
    # (version, action, response, payload)
    (V16, "BootNotification", False, {"chargePointVendor": "VendorX", "chargePointModel": "M"}),
    (
        V16,
        "BootNotification",
        False,
        {
            "chargePointVendor": "VendorX",
            "chargePointModel": "M",
            "chargePointSerialNumber": "S-1",
            "firmwareVersion": "1.0.0",
        },
    ),
    (V16, "BootNotification", True, {"status": "Accepted", "currentTime": NOW, "interval": 300}),
    (V16, "Heartbeat", False, {}),
    (V16, "Heartbeat", True, {"currentTime": NOW}),
    (
        V16,
        "StatusNotification",
        False,
        {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": NOW},
    ),
    (V16, "StatusNotification", True, {}),
    (V16, "GetConfiguration", False, {"key": ["HeartbeatInterval"]}),
    (
        V16,
        "GetConfiguration",
        True,
        {
            "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
            "unknownKey": ["Foo"],
        },
    ),
    (V201, "BootNotification", False, BOOT_201_REQUEST),
    (
        V201,
        "BootNotification",
        False,
        {**BOOT_201_REQUEST, "customData": {"vendorId": "VendorX", "anything": [1, 2]}},
    ),
    (V201, "BootNotification", True, BOOT_201_RESPONSE),
    (V201, "Heartbeat", False, {}),
    (V201, "Heartbeat", True, {"currentTime": NOW}),
    (
        V201,
        "StatusNotification",
        False,
        {"timestamp": NOW, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
    ),
    (V201, "StatusNotification", True, {}),
    (V201, "GetVariables", False, GET_VARIABLES_REQUEST),
    (V201, "GetVariables", True, GET_VARIABLES_RESPONSE),
    (V21, "BootNotification", False, BOOT_201_REQUEST),
    (V21, "BootNotification", True, BOOT_201_RESPONSE),
    (V21, "Heartbeat", False, {}),
    (V21, "Heartbeat", True, {"currentTime": NOW}),
    (
        V21,
        "StatusNotification",
        False,
        {"timestamp": NOW, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    ),
    (V21, "GetVariables", False, GET_VARIABLES_REQUEST),
    (V21, "GetVariables", True, GET_VARIABLES_RESPONSE),
]


@pytest.mark.parametrize(
    "version,action,response,payload",
    VALID,
    ids=[
        f"{v.value}-{a}{'Response' if r else 'Request'}-{i}" for i, (v, a, r, _) in enumerate(VALID)
    ],
)
@pytest.mark.parametrize("strictness", list(Strictness), ids=lambda s: s.value)
def test_valid_payload_has_no_violations(version, action, response, payload, strictness):
    assert (
        validate_payload(version, action, payload, response=response, strictness=strictness) == []
    )


# (id, version, action, response, payload, rule, path, words in the message)
INVALID = [
    (
        "missing-nested-required",
        V201,
        "BootNotification",
        False,
        {"reason": "PowerUp", "chargingStation": {"vendorName": "VendorX"}},
        "schema:BootNotificationRequest:required",
        "$.chargingStation.model",
        '"model" is a required property',
    ),
    (
        "missing-top-required",
        V21,
        "BootNotification",
        False,
        {"chargingStation": {"model": "M", "vendorName": "V"}},
        "schema:BootNotificationRequest:required",
        "$.reason",
        '"reason" is a required property',
    ),
    (
        "missing-required-1.6",
        V16,
        "BootNotification",
        False,
        {"chargePointVendor": "VendorX"},
        "schema:BootNotificationRequest:required",
        "$.chargePointModel",
        "chargePointModel",
    ),
    (
        "min-items",
        V201,
        "GetVariables",
        False,
        {"getVariableData": []},
        "schema:GetVariablesRequest:minItems",
        "$.getVariableData",
        "less than 1 item",
    ),
    (
        "required-in-array-item",
        V201,
        "GetVariables",
        False,
        {"getVariableData": [{"variable": {"name": "HeartbeatInterval"}}]},
        "schema:GetVariablesRequest:required",
        "$.getVariableData[0].component",
        '"component" is a required property',
    ),
    (
        "max-length-in-second-item",
        V201,
        "GetVariables",
        False,
        {
            "getVariableData": [
                {"component": {"name": "A"}, "variable": {"name": "B"}},
                {"component": {"name": "C" * 51}, "variable": {"name": "D"}},
            ]
        },
        "schema:GetVariablesRequest:maxLength",
        "$.getVariableData[1].component.name",
        "longer than 50 characters",
    ),
    (
        "enum",
        V201,
        "BootNotification",
        False,
        {**BOOT_201_REQUEST, "reason": "Bored"},
        "schema:BootNotificationRequest:enum",
        "$.reason",
        '"Bored" is not one of',
    ),
    (
        "enum-1.6",
        V16,
        "StatusNotification",
        False,
        {"connectorId": 1, "errorCode": "NoError", "status": "Occupied"},
        "schema:StatusNotificationRequest:enum",
        "$.status",
        '"Occupied" is not one of',
    ),
    (
        "type",
        V201,
        "StatusNotification",
        False,
        {"timestamp": NOW, "connectorStatus": "Available", "evseId": "1", "connectorId": 1},
        "schema:StatusNotificationRequest:type",
        "$.evseId",
        'is not of type "integer"',
    ),
    (
        "date-time-format",
        V201,
        "Heartbeat",
        True,
        {"currentTime": "yesterday"},
        "schema:HeartbeatResponse:format",
        "$.currentTime",
        "date-time",
    ),
    (
        "date-time-format-1.6",
        V16,
        "Heartbeat",
        True,
        {"currentTime": "12:00"},
        "schema:HeartbeatResponse:format",
        "$.currentTime",
        "date-time",
    ),
    (
        "uri-format-1.6",
        V16,
        "GetDiagnostics",
        False,
        {"location": "not a uri"},
        "schema:GetDiagnosticsRequest:format",
        "$.location",
        "uri",
    ),
    (
        "payload-not-object",
        V201,
        "Heartbeat",
        False,
        [],
        "schema:HeartbeatRequest:type",
        "$",
        'is not of type "object"',
    ),
    (
        "additional-property",
        V201,
        "Heartbeat",
        False,
        {"extra": 1},
        "schema:HeartbeatRequest:additionalProperties",
        "$",
        "'extra' was unexpected",
    ),
    (
        "nested-additional-property",
        V201,
        "BootNotification",
        False,
        {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V", "x": 1}},
        "schema:BootNotificationRequest:additionalProperties",
        "$.chargingStation",
        "'x' was unexpected",
    ),
]


@pytest.mark.parametrize(
    "version,action,response,payload,rule,path,words",
    [row[1:] for row in INVALID],
    ids=[f"{row[0]}@{row[1].value}" for row in INVALID],
)
def test_violation_names_rule_path_and_problem(
    version, action, response, payload, rule, path, words
):
    violations = validate_payload(version, action, payload, response=response)
    assert [(v.rule, v.path) for v in violations] == [(rule, path)], violations
    (violation,) = violations
    assert isinstance(violation, SchemaViolation)
    assert words in violation.message
    assert violation.severity is Severity.ERROR
    assert violation.rule == f"schema:{violation.schema}:{violation.keyword}"
    assert (
        str(violation)
        == f"{violation.schema}: {path}: {violation.message} (schema rule: {violation.keyword})"
    )


def test_every_broken_rule_is_reported():
    payload = {"reason": "Bored", "chargingStation": {"vendorName": 7}, "extra": True}
    found = {
        (v.keyword, v.path)
        for v in validate_payload(V201, "BootNotification", payload, response=False)
    }
    assert found == {
        ("enum", "$.reason"),
        ("type", "$.chargingStation.vendorName"),
        ("required", "$.chargingStation.model"),
        ("additionalProperties", "$"),
    }


@pytest.mark.parametrize("version", ALL, ids=lambda v: v.value)
def test_additional_properties_fail_in_strict_and_warn_in_lenient(version):
    payload = {"currentTime": NOW, "vendorExtra": "x"}
    (strict,) = validate_payload(version, "Heartbeat", payload, response=True)
    assert strict.keyword == "additionalProperties"
    assert strict.severity is Severity.ERROR
    (lenient,) = validate_payload(
        version, "Heartbeat", payload, response=True, strictness=Strictness.LENIENT
    )
    assert lenient.rule == strict.rule == "schema:HeartbeatResponse:additionalProperties"
    assert lenient.severity is Severity.WARNING


def test_lenient_only_softens_additional_properties():
    payload = {"currentTime": "not a time", "vendorExtra": "x"}
    found = validate_payload(
        V201, "Heartbeat", payload, response=True, strictness=Strictness.LENIENT
    )
    assert {(v.keyword, v.severity) for v in found} == {
        ("format", Severity.ERROR),
        ("additionalProperties", Severity.WARNING),
    }


@pytest.mark.parametrize(
    "version,action,response,name",
    [
        (V16, "NoSuchAction", False, "NoSuchActionRequest"),
        (V201, "NoSuchAction", True, "NoSuchActionResponse"),
        (V201, "bootNotification", False, "bootNotificationRequest"),
        (V201, "BootNotificationRequest", False, "BootNotificationRequestRequest"),
        (V201, "", False, "Request"),
        (V201, "StartTransaction", False, "StartTransactionRequest"),
        (V16, "TransactionEvent", False, "TransactionEventRequest"),
        (V201, "AFRRSignal", False, "AFRRSignalRequest"),
    ],
    ids=["1.6", "response", "case-sensitive", "suffix", "empty", "1.6-only", "2.x-only", "2.1"],
)
def test_unknown_action(version, action, response, name):
    (violation,) = validate_payload(version, action, {}, response=response)
    assert violation.rule == f"schema:{name}:unknown-action"
    assert violation.path == "$"
    assert violation.severity is Severity.ERROR
    assert f"OCPP {version.value} defines no action {action!r}" == violation.message


@pytest.mark.parametrize("version", ALL, ids=lambda v: v.value)
def test_response_flag_selects_the_response_schema(version):
    request = minimal_instance(load_schema(version, "BootNotification", False))
    response = minimal_instance(load_schema(version, "BootNotification", True))
    assert validate_payload(version, "BootNotification", request, response=False) == []
    assert validate_payload(version, "BootNotification", response, response=True) == []
    as_response = validate_payload(version, "BootNotification", request, response=True)
    assert {v.rule for v in as_response} >= {
        "schema:BootNotificationResponse:required",
        "schema:BootNotificationResponse:additionalProperties",
    }
    assert {v.path for v in as_response} >= {"$.status", "$.currentTime", "$.interval"}
    as_request = validate_payload(version, "BootNotification", response, response=False)
    assert as_request and all(v.schema == "BootNotificationRequest" for v in as_request)


def test_schema_name_is_spelled_as_in_the_specification():
    for version in ALL:
        assert schema_name(version, "Heartbeat", False) == "HeartbeatRequest"
        assert schema_name(version, "Heartbeat", True) == "HeartbeatResponse"


def _package_schema(folder: str, file_name: str) -> dict[str, Any]:
    path = resources.files("ocpp").joinpath(folder, "schemas", file_name)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "version,folder,request_file,response_file",
    [
        (V16, "v16", "BootNotification.json", "BootNotificationResponse.json"),
        (V201, "v201", "BootNotificationRequest.json", "BootNotificationResponse.json"),
        (V21, "v21", "BootNotificationRequest.json", "BootNotificationResponse.json"),
    ],
    ids=lambda x: x.value if isinstance(x, OcppVersion) else None,
)
def test_schemas_are_the_ocpp_package_files(version, folder, request_file, response_file):
    """1.6 names its request files without the ``Request`` suffix; 2.x with it."""
    assert load_schema(version, "BootNotification", False) == _package_schema(folder, request_file)
    assert load_schema(version, "BootNotification", True) == _package_schema(folder, response_file)


def test_1_6_schemas_are_the_1_6_ones():
    schema = load_schema(V16, "BootNotification", False)
    assert "draft-04" in schema["$schema"]
    assert set(schema["required"]) == {"chargePointVendor", "chargePointModel"}
    assert "draft-06" in load_schema(V201, "BootNotification", False)["$schema"]
    # a 2.0.1 payload is not a 1.6 one
    assert validate_payload(V16, "BootNotification", BOOT_201_REQUEST, response=False)


def test_known_actions_are_plausible():
    v16, v201, v21 = (known_actions(version) for version in ALL)
    assert len(v16) >= 28
    assert len(v201) >= 60
    assert len(v21) >= len(v201)
    assert v201 <= v21
    for actions in (v16, v201, v21):
        assert {"BootNotification", "Heartbeat", "StatusNotification", "DataTransfer"} <= actions
        assert not any(a.endswith(("Request", "Response")) or not a for a in actions)
    assert {"StartTransaction", "StopTransaction", "ChangeConfiguration"} <= v16 - v201
    assert {"TransactionEvent", "GetVariables", "SetVariables"} <= v201 - v16
    assert "AFRRSignal" in v21 - v201


@pytest.mark.parametrize("version", ALL, ids=lambda v: v.value)
def test_every_action_has_both_schemas_and_a_valid_minimal_instance(version):
    failures = []
    for action in sorted(known_actions(version)):
        for response in (False, True):
            schema = load_schema(version, action, response)
            instance = minimal_instance(schema)
            found = validate_payload(version, action, instance, response=response)
            if found:
                failures.append(f"{schema_name(version, action, response)}: {found}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "version,action,response,field,fmt",
    [
        (V16, "GetDiagnostics", False, "location", "uri"),
        (V16, "UpdateFirmware", False, "location", "uri"),
        (V16, "UpdateFirmware", False, "retrieveDate", "date-time"),
        (V16, "Heartbeat", True, "currentTime", "date-time"),
        (V201, "Heartbeat", True, "currentTime", "date-time"),
        (V21, "BootNotification", True, "currentTime", "date-time"),
    ],
    ids=lambda x: x.value if isinstance(x, OcppVersion) else None,
)
def test_minimal_instance_satisfies_formats_that_are_enforced(
    version, action, response, field, fmt
):
    schema = load_schema(version, action, response)
    assert schema["properties"][field]["format"] == fmt
    instance = minimal_instance(schema)
    assert validate_payload(version, action, instance, response=response) == []
    # the format is really checked, so passing above is not vacuous
    broken = {**instance, field: "not a " + fmt}
    (violation,) = validate_payload(version, action, broken, response=response)
    assert (violation.keyword, violation.path) == ("format", f"$.{field}")


def _integers_that_are_floats(schema, instance, root, path="$"):
    """Paths where the schema says ``integer`` and the instance holds a float."""
    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    kind = schema.get("type")
    if kind == "integer" and not isinstance(instance, int):
        yield path
    elif isinstance(instance, dict):
        for name, value in instance.items():
            sub = schema.get("properties", {}).get(name, {})
            yield from _integers_that_are_floats(sub, value, root, f"{path}.{name}")
    elif isinstance(instance, list):
        for index, value in enumerate(instance):
            yield from _integers_that_are_floats(
                schema.get("items", {}), value, root, f"{path}[{index}]"
            )


@pytest.mark.parametrize(
    "version",
    [V16, V201, V21],
    ids=lambda v: v.value,
)
def test_minimal_instance_puts_ints_in_integer_fields(version):
    floats = []
    for action in sorted(known_actions(version)):
        for response in (False, True):
            schema = load_schema(version, action, response)
            instance = minimal_instance(schema)
            for path in _integers_that_are_floats(schema, instance, schema):
                floats.append(f"{schema_name(version, action, response)} {path}")
    assert not floats, floats


def test_2_1_send_action_notify_periodic_event_stream_is_known():
    payload = {"id": 1, "pending": 0, "basetime": NOW, "data": [{"t": 0.5, "v": "230.1"}]}
    assert "NotifyPeriodicEventStream" in known_actions(V21)
    assert validate_payload(V21, "NotifyPeriodicEventStream", payload, response=False) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"extra": "\ud800"},
        {"\udfff": 1},
    ],
    ids=["in-value", "in-key"],
)
def test_validate_payload_never_raises_on_lone_surrogates(payload):
    found = validate_payload(V201, "Heartbeat", payload, response=False)
    assert [v.keyword for v in found] == ["additionalProperties"]
