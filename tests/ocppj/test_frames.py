"""OCPP-J frames: every broken input is a named violation, every good frame round-trips.

``decode`` is fed peer input, so it must never raise: each bad input below must come back
as a :class:`FramingViolation` with the exact rule id, a message that names the culprit,
and the message id when the frame let us read it (a CALLERROR about the frame echoes it).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from harness.ocppj.frames import (
    MAX_MESSAGE_ID_LENGTH,
    Call,
    CallError,
    CallResult,
    CallResultError,
    FramingViolation,
    MessageType,
    OcppVersion,
    Send,
    decode,
    encode,
    encode_raw,
)
from harness.severity import Severity

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21
ALL = tuple(OcppVersion)
BEFORE_21 = (V16, V201)

ID36 = "i" * 36
ID37 = "L" * 37

FRAME_TYPES = (Call, CallResult, CallError, CallResultError, Send)

RULES = {
    "ocppj.binary-frame",
    "ocppj.not-json",
    "ocppj.not-an-array",
    "ocppj.empty-array",
    "ocppj.message-type-not-integer",
    "ocppj.unknown-message-type",
    "ocppj.wrong-arity",
    "ocppj.message-id-not-string",
    "ocppj.message-id-too-long",
    "ocppj.action-not-string",
    "ocppj.payload-not-object",
    "ocppj.error-code-not-string",
    "ocppj.error-description-not-string",
    "ocppj.error-details-not-object",
}


def j(value: Any) -> str:
    """JSON text of a value, built independently of the code under test."""
    return json.dumps(value)


# -- bad inputs -------------------------------------------------------------------------------

# (id, input, versions, rule, words the message must contain, message_id on the violation)
BAD: list[tuple[str, str | bytes | bytearray, tuple[OcppVersion, ...], str, str, str | None]] = [
    # not JSON at all
    ("not-json/empty", "", ALL, "ocppj.not-json", "frame is not JSON", None),
    ("not-json/blank", "  \n ", ALL, "ocppj.not-json", "frame is not JSON", None),
    ("not-json/brace", "{not json", ALL, "ocppj.not-json", "frame is not JSON", None),
    ("not-json/truncated-array", '[2,"m1","Heartbeat",{', ALL, "ocppj.not-json", "not JSON", None),
    ("not-json/truncated-string", '[2,"m1","Heartb', ALL, "ocppj.not-json", "not JSON", None),
    ("not-json/single-quotes", "[2,'m1','Heartbeat',{}]", ALL, "ocppj.not-json", "not JSON", None),
    ("not-json/trailing-comma", '[3,"m1",{},]', ALL, "ocppj.not-json", "not JSON", None),
    ("not-json/trailing-data", '[3,"m1",{}] x', ALL, "ocppj.not-json", "Extra data", None),
    ("not-json/two-frames", '[3,"m1",{}][3,"m2",{}]', ALL, "ocppj.not-json", "Extra data", None),
    ("not-json/bom", '\ufeff[3,"m1",{}]', ALL, "ocppj.not-json", "BOM", None),
    ("not-json/deep-array", "[" * 100_000, ALL, "ocppj.not-json", "recursion", None),
    ("not-json/deep-object", '{"a":' * 100_000, ALL, "ocppj.not-json", "recursion", None),
    # binary WebSocket messages, even when the bytes are a valid frame
    ("binary/valid-frame", b'[2,"m1","Heartbeat",{}]', ALL, "ocppj.binary-frame", "binary", None),
    ("binary/empty", b"", ALL, "ocppj.binary-frame", "binary", None),
    ("binary/not-utf8", b"\xff\xfe\x00\x80", ALL, "ocppj.binary-frame", "binary", None),
    ("binary/bytearray", bytearray(b'[3,"m1",{}]'), ALL, "ocppj.binary-frame", "binary", None),
    # JSON, but not an array
    ("not-array/object", j({"0": 2}), ALL, "ocppj.not-an-array", "JSON object, not an array", None),
    ("not-array/empty-object", "{}", ALL, "ocppj.not-an-array", "JSON object", None),
    ("not-array/string", j('[2,"m1","Heartbeat",{}]'), ALL, "ocppj.not-an-array", "string", None),
    ("not-array/integer", "2", ALL, "ocppj.not-an-array", "JSON number, not an array", None),
    ("not-array/float", "2.5", ALL, "ocppj.not-an-array", "JSON number", None),
    ("not-array/null", "null", ALL, "ocppj.not-an-array", "JSON null, not an array", None),
    ("not-array/boolean", "true", ALL, "ocppj.not-an-array", "JSON boolean", None),
    ("empty-array", "[]", ALL, "ocppj.empty-array", "empty array", None),
    ("empty-array/spaced", " [ ] ", ALL, "ocppj.empty-array", "empty array", None),
    # the message type id is not an integer
    ("type/string", j(["2", "m1", "Heartbeat", {}]), ALL, "ocppj.message-type-not-integer",
     "message type id '2' is not an integer", None),
    ("type/float", j([2.0, "m1", "Heartbeat", {}]), ALL, "ocppj.message-type-not-integer",
     "message type id 2.0 is not an integer", None),
    ("type/bool", j([True, "m1", "Heartbeat", {}]), ALL, "ocppj.message-type-not-integer",
     "is not an integer", None),
    ("type/false", j([False, "m1"]), ALL, "ocppj.message-type-not-integer", "not an integer", None),
    ("type/null", j([None, "m1", "Heartbeat", {}]), ALL, "ocppj.message-type-not-integer",
     "is not an integer", None),
    ("type/array", j([[2], "m1", "Heartbeat", {}]), ALL, "ocppj.message-type-not-integer",
     "[2] is not an integer", None),
    # unknown message type ids
    *[
        (f"type/unknown-{type_id}", j([type_id, "m1", "Heartbeat", {}]), ALL,
         "ocppj.unknown-message-type", f"unknown message type id {type_id}", None)
        for type_id in (0, 1, 7, 99, -1, 2**70)
    ],
    # CALLRESULTERROR (5) and SEND (6) only exist from 2.1 on
    ("type/5-before-2.1", j([5, "m1", "GenericError", "", {}]), BEFORE_21,
     "ocppj.unknown-message-type", "unknown message type id 5 for OCPP", None),
    ("type/6-before-2.1", j([6, "m1", "NotifyPeriodicEventStream", {}]), BEFORE_21,
     "ocppj.unknown-message-type", "unknown message type id 6 for OCPP", None),
    # wrong number of elements, for each message type
    ("arity/call-type-only", "[2]", ALL, "ocppj.wrong-arity",
     "CALL frame has 1 elements, expected 4", None),
    ("arity/call-too-few", j([2, "m1", "Heartbeat"]), ALL, "ocppj.wrong-arity",
     "CALL frame has 3 elements, expected 4", "m1"),
    ("arity/call-too-many", j([2, "m1", "Heartbeat", {}, {}]), ALL, "ocppj.wrong-arity",
     "CALL frame has 5 elements, expected 4", "m1"),
    ("arity/callresult-too-few", j([3, "m1"]), ALL, "ocppj.wrong-arity",
     "CALLRESULT frame has 2 elements, expected 3", "m1"),
    ("arity/callresult-too-many", j([3, "m1", {}, {}]), ALL, "ocppj.wrong-arity",
     "CALLRESULT frame has 4 elements, expected 3", "m1"),
    ("arity/callresult-with-action", j([3, "m1", "Heartbeat", {}]), ALL, "ocppj.wrong-arity",
     "CALLRESULT frame has 4 elements, expected 3", "m1"),
    ("arity/callerror-too-few", j([4, "m1", "GenericError", ""]), ALL, "ocppj.wrong-arity",
     "CALLERROR frame has 4 elements, expected 5", "m1"),
    ("arity/callerror-too-many", j([4, "m1", "GenericError", "", {}, {}]), ALL,
     "ocppj.wrong-arity", "CALLERROR frame has 6 elements, expected 5", "m1"),
    ("arity/callresulterror-too-few", j([5, "m1", "GenericError", ""]), (V21,),
     "ocppj.wrong-arity", "CALLRESULTERROR frame has 4 elements, expected 5", "m1"),
    ("arity/callresulterror-too-many", j([5, "m1", "GenericError", "", {}, 1]), (V21,),
     "ocppj.wrong-arity", "CALLRESULTERROR frame has 6 elements, expected 5", "m1"),
    ("arity/send-too-few", j([6, "m1", "NotifyPeriodicEventStream"]), (V21,),
     "ocppj.wrong-arity", "SEND frame has 3 elements, expected 4", "m1"),
    ("arity/send-too-many", j([6, "m1", "NotifyPeriodicEventStream", {}, {}]), (V21,),
     "ocppj.wrong-arity", "SEND frame has 5 elements, expected 4", "m1"),
    ("arity/unreadable-id", j([3, 7]), ALL, "ocppj.wrong-arity", "has 2 elements", None),
    # the message id is not a string
    ("id/int", j([2, 1, "Heartbeat", {}]), ALL, "ocppj.message-id-not-string",
     "message id 1 is not a string", None),
    ("id/float", j([3, 1.5, {}]), ALL, "ocppj.message-id-not-string",
     "message id 1.5 is not a string", None),
    ("id/null", j([2, None, "Heartbeat", {}]), ALL, "ocppj.message-id-not-string",
     "is not a string", None),
    ("id/list", j([2, ["m1"], "Heartbeat", {}]), ALL, "ocppj.message-id-not-string",
     "message id ['m1'] is not a string", None),
    ("id/object", j([3, {"id": "m1"}, {}]), ALL, "ocppj.message-id-not-string",
     "is not a string", None),
    ("id/callerror-null", j([4, None, "GenericError", "", {}]), ALL,
     "ocppj.message-id-not-string", "is not a string", None),
    ("id/send-int", j([6, 6, "NotifyPeriodicEventStream", {}]), (V21,),
     "ocppj.message-id-not-string", "message id 6 is not a string", None),
    # the message id is longer than 36 characters
    ("id/37-chars-call", j([2, ID37, "Heartbeat", {}]), ALL, "ocppj.message-id-too-long",
     "message id is 37 characters, at most 36 are allowed", ID37),
    ("id/37-chars-callresult", j([3, ID37, {}]), ALL, "ocppj.message-id-too-long",
     "37 characters", ID37),
    ("id/37-chars-callerror", j([4, ID37, "GenericError", "", {}]), ALL,
     "ocppj.message-id-too-long", "37 characters", ID37),
    ("id/37-non-ascii-chars", j([3, "é" * 37, {}]), ALL, "ocppj.message-id-too-long",
     "37 characters", "é" * 37),
    ("id/100-chars", j([3, "x" * 100, {}]), ALL, "ocppj.message-id-too-long",
     "100 characters", "x" * 100),
    # the action is not a non-empty string
    ("action/int", j([2, "m1", 5, {}]), ALL, "ocppj.action-not-string",
     "action 5 is not a non-empty string", "m1"),
    ("action/null", j([2, "m1", None, {}]), ALL, "ocppj.action-not-string",
     "is not a non-empty string", "m1"),
    ("action/empty", j([2, "m1", "", {}]), ALL, "ocppj.action-not-string",
     "action '' is not a non-empty string", "m1"),
    ("action/list", j([2, "m1", ["Heartbeat"], {}]), ALL, "ocppj.action-not-string",
     "action ['Heartbeat']", "m1"),
    ("action/send-empty", j([6, "m1", "", {}]), (V21,), "ocppj.action-not-string",
     "action '' is not a non-empty string", "m1"),
    # the payload is not an object
    ("payload/call-list", j([2, "m1", "Heartbeat", []]), ALL, "ocppj.payload-not-object",
     "Heartbeat payload is a JSON array, not an object", "m1"),
    ("payload/call-null", j([2, "m1", "Heartbeat", None]), ALL, "ocppj.payload-not-object",
     "Heartbeat payload is a JSON null, not an object", "m1"),
    ("payload/call-string", j([2, "m1", "Heartbeat", "{}"]), ALL, "ocppj.payload-not-object",
     "Heartbeat payload is a JSON string", "m1"),
    ("payload/call-number", j([2, "m1", "Heartbeat", 0]), ALL, "ocppj.payload-not-object",
     "JSON number", "m1"),
    ("payload/callresult-list", j([3, "m1", []]), ALL, "ocppj.payload-not-object",
     "CALLRESULT payload is a JSON array, not an object", "m1"),
    ("payload/callresult-null", j([3, "m1", None]), ALL, "ocppj.payload-not-object",
     "CALLRESULT payload is a JSON null", "m1"),
    ("payload/callresult-string", j([3, "m1", "ok"]), ALL, "ocppj.payload-not-object",
     "CALLRESULT payload is a JSON string", "m1"),
    ("payload/send-list", j([6, "m1", "NotifyPeriodicEventStream", []]), (V21,),
     "ocppj.payload-not-object", "NotifyPeriodicEventStream payload is a JSON array", "m1"),
    # CALLERROR (and 2.1 CALLRESULTERROR) fields of the wrong type
    ("callerror/code-int", j([4, "m1", 500, "", {}]), ALL, "ocppj.error-code-not-string",
     "error code 500 is not a string", "m1"),
    ("callerror/code-null", j([4, "m1", None, "", {}]), ALL, "ocppj.error-code-not-string",
     "error code None is not a string", "m1"),
    ("callerror/description-null", j([4, "m1", "GenericError", None, {}]), ALL,
     "ocppj.error-description-not-string", "error description None is not a string", "m1"),
    ("callerror/description-object", j([4, "m1", "GenericError", {}, {}]), ALL,
     "ocppj.error-description-not-string", "error description {} is not a string", "m1"),
    ("callerror/details-list", j([4, "m1", "GenericError", "", []]), ALL,
     "ocppj.error-details-not-object", "error details is a JSON array, not an object", "m1"),
    ("callerror/details-null", j([4, "m1", "GenericError", "", None]), ALL,
     "ocppj.error-details-not-object", "error details is a JSON null", "m1"),
    ("callerror/details-string", j([4, "m1", "GenericError", "", "{}"]), ALL,
     "ocppj.error-details-not-object", "error details is a JSON string", "m1"),
    ("callresulterror/code-int", j([5, "m1", 1, "", {}]), (V21,),
     "ocppj.error-code-not-string", "error code 1 is not a string", "m1"),
    ("callresulterror/description-int", j([5, "m1", "GenericError", 1, {}]), (V21,),
     "ocppj.error-description-not-string", "error description 1 is not a string", "m1"),
    ("callresulterror/details-list", j([5, "m1", "GenericError", "", [1]]), (V21,),
     "ocppj.error-details-not-object", "error details is a JSON array", "m1"),
]  # fmt: skip


def _expand(table):
    for name, text, versions, rule, words, message_id in table:
        for version in versions:
            yield pytest.param(text, version, rule, words, message_id, id=f"{name}@{version.value}")


@pytest.mark.parametrize("text,version,rule,words,message_id", list(_expand(BAD)))
def test_bad_input_is_a_named_violation(text, version, rule, words, message_id):
    result = decode(text, version)
    assert isinstance(result, FramingViolation), result
    assert result.rule == rule
    assert words in result.message
    assert result.message_id == message_id
    assert result.severity is Severity.ERROR
    assert result.reference.startswith("OCPP-J §4")
    assert "\n" not in result.message
    assert rule in str(result) and result.reference in str(result)


def test_bad_input_table_covers_every_rule():
    assert {row[3] for row in BAD} == RULES


def test_message_id_of_exactly_36_characters_is_accepted():
    assert MAX_MESSAGE_ID_LENGTH == 36
    assert decode(j([2, ID36, "Heartbeat", {}]), V201) == Call(ID36, "Heartbeat", {})
    assert decode(j([3, "é" * 36, {}]), V16) == CallResult("é" * 36, {})


@pytest.mark.parametrize("version", ALL, ids=lambda v: v.value)
def test_readable_message_id_lets_a_callerror_echo_it(version):
    """A violation with a readable id can be answered by a CALLERROR the peer can match."""
    for text in (
        j([2, "m-42", "Heartbeat"]),
        j([2, "m-42", "Heartbeat", []]),
        j([2, "m-42", "", {}]),
        j([4, "m-42", "GenericError", None, {}]),
    ):
        violation = decode(text, version)
        assert isinstance(violation, FramingViolation)
        assert violation.message_id == "m-42"
        reply = CallError(violation.message_id, "GenericError", violation.message[:255])
        assert decode(encode(reply), version) == reply


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(literal):
    result = decode(f'[2,"m1","MeterValues",{{"value":{literal}}}]', V201)
    assert isinstance(result, FramingViolation)
    assert result.rule == "ocppj.not-json"


# -- good frames ------------------------------------------------------------------------------

UNICODE = "Wallbox Ünïcødé ⚡ 充电站 🚗"

GOOD_ALL = [
    ("call-empty-payload", Call("m1", "Heartbeat", {})),
    (
        "call-nested",
        Call(
            "b7e1c3d2-8f0a-4a6e-9c11-2d3f4e5a6b7c",
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
        ),
    ),
    ("call-id-36", Call(ID36, "Heartbeat")),
    ("call-unicode", Call("ü-1", "DataTransfer", {"vendorId": UNICODE, "data": [UNICODE, 1]})),
    ("callresult-empty", CallResult("m1", {})),
    ("callresult", CallResult("m1", {"currentTime": "2025-01-01T00:00:00Z"})),
    (
        "callresult-json-types",
        CallResult("m1", {"a": [1, -2.5, True, False, None, "s", {}, []], "b": {"c": {}}}),
    ),
    ("callerror-defaults", CallError("m1", "NotImplemented")),
    ("callerror", CallError("m1", "GenericError", UNICODE, {"why": ["x", 1, None]})),
]
GOOD_21 = [
    ("callresulterror", CallResultError("m1", "FormatViolation", "bad result", {"at": "$"})),
    ("callresulterror-defaults", CallResultError("m1", "GenericError")),
    (
        "send",
        Send("m1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0, "data": [{"t": 0}]}),
    ),
    ("send-empty", Send("m1", "NotifyPeriodicEventStream")),
]
GOOD = [
    pytest.param(frame, version, id=f"{name}@{version.value}")
    for name, frame in GOOD_ALL
    for version in ALL
] + [pytest.param(frame, V21, id=f"{name}@2.1") for name, frame in GOOD_21]


@pytest.mark.parametrize("frame,version", GOOD)
def test_good_frame_round_trips(frame, version):
    text = encode(frame)
    assert isinstance(text, str)
    assert decode(text, version) == frame
    value = json.loads(text)
    assert type(value[0]) is int and value[0] == frame.message_type
    assert value[1] == frame.message_id


@pytest.mark.parametrize(
    "frame,text",
    [
        (Call("m1", "Heartbeat"), '[2,"m1","Heartbeat",{}]'),
        (CallResult("m1"), '[3,"m1",{}]'),
        (CallError("m1", "GenericError"), '[4,"m1","GenericError","",{}]'),
        (CallResultError("m1", "GenericError", "d"), '[5,"m1","GenericError","d",{}]'),
        (Send("m1", "NotifyPeriodicEventStream", {"id": 1}),
         '[6,"m1","NotifyPeriodicEventStream",{"id":1}]'),
    ],
    ids=["call", "callresult", "callerror", "callresulterror", "send"],
)  # fmt: skip
def test_encode_is_compact_with_integer_type_ids(frame, text):
    assert encode(frame) == text


@pytest.mark.parametrize("version", ALL, ids=lambda v: v.value)
def test_decode_accepts_whitespace_between_tokens(version):
    text = ' [ 2 ,\n\t"m1" , "Heartbeat" , { } ] '
    assert decode(text, version) == Call("m1", "Heartbeat", {})


def test_message_types_5_and_6_are_valid_on_2_1():
    assert decode('[5,"m1","GenericError","",{}]', V21) == CallResultError("m1", "GenericError")
    assert decode('[6,"m1","NotifyPeriodicEventStream",{}]', V21) == Send(
        "m1", "NotifyPeriodicEventStream", {}
    )
    assert MessageType.CALLRESULTERROR == 5 and MessageType.SEND == 6


def test_non_ascii_text_is_kept_not_escaped():
    frame = CallResult("ü-1", {"vendorName": UNICODE})
    text = encode(frame)
    assert UNICODE in text and "ü-1" in text
    assert "\\u" not in text
    assert json.loads(text)[2]["vendorName"] == UNICODE
    assert decode(text, V201) == frame
    # the escaped spelling of the same text decodes to the same frame
    assert decode(json.dumps([3, "ü-1", {"vendorName": UNICODE}]), V201) == frame


@pytest.mark.parametrize(
    "value,rule",
    [
        ([2, 5, "Heartbeat", {}], "ocppj.message-id-not-string"),
        ([2, "m1", "Heartbeat"], "ocppj.wrong-arity"),
        ([3, "m1", []], "ocppj.payload-not-object"),
        ([9, "m1", "Heartbeat", {}], "ocppj.unknown-message-type"),
        (["2", "m1", "Heartbeat", {}], "ocppj.message-type-not-integer"),
        ([4, "m1", "GenericError", None, {}], "ocppj.error-description-not-string"),
        ([2, ID37, "Heartbeat", {}], "ocppj.message-id-too-long"),
        ([], "ocppj.empty-array"),
        ({"type": 2}, "ocppj.not-an-array"),
        ("text", "ocppj.not-an-array"),
        (None, "ocppj.not-an-array"),
    ],
    ids=lambda x: x if isinstance(x, str) and x.startswith("ocppj.") else None,
)
def test_encode_raw_builds_invalid_frames(value, rule):
    text = encode_raw(value)
    assert json.loads(text) == value
    result = decode(text, V201)
    assert isinstance(result, FramingViolation)
    assert result.rule == rule


def test_encode_raw_is_compact_and_keeps_non_ascii():
    assert encode_raw([2, "é", "Heartbeat", {"k": [1, 2]}]) == '[2,"é","Heartbeat",{"k":[1,2]}]'


# -- property: decode never raises --------------------------------------------------------------

# no "N"/"I": NaN and Infinity are tested on their own above
JSONISH = '[]{}",:0123456789.-+eE truefalsnl\\u/abcxyz\t\n' + "é⚡\x00\x7f"
SEEDS = [encode(frame) for _, frame in GOOD_ALL + GOOD_21] + [
    '[4,"m1","GenericError","",{}]',
    '[2,"m1","BootNotification",{"chargingStation":{"model":"M"}}]',
]


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, 2, 3, 4, 5, 6, 7, -1, 2**64, rng.randrange(-(10**6), 10**6)])
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind in (4, 5):
        return "".join(chr(rng.randrange(0x20, 0x10000)) for _ in range(rng.randrange(0, 40)))
    if kind in (6, 7):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(0, 6))]
    return {f"k{i}": _random_json(rng, depth + 1) for i in range(rng.randrange(0, 4))}


def _random_frame_like(rng: random.Random) -> Any:
    """An array that starts like a frame, so the checks past the type id get exercised."""
    head: list[Any] = [rng.choice([2, 3, 4, 5, 6, 2, 3, 4, 0, 7, "2", 2.0, None])]
    if rng.random() < 0.8:
        head.append(rng.choice(["m1", ID36, ID37, "", 1, None, _random_json(rng)]))
    return head + [_random_json(rng, 1) for _ in range(rng.randrange(0, 5))]


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(3)
        at = rng.randrange(len(chars) + 1)
        if op == 0 and chars:
            del chars[min(at, len(chars) - 1)]
        elif op == 1:
            chars.insert(at, rng.choice(JSONISH))
        elif chars:
            chars[min(at, len(chars) - 1)] = rng.choice(JSONISH)
    return "".join(chars)


def _random_inputs(seed: int, count: int):
    rng = random.Random(seed)
    for i in range(count):
        kind = i % 5
        if kind == 0:
            yield rng.randbytes(rng.randrange(0, 48))
        elif kind == 1:
            yield "".join(rng.choice(JSONISH) for _ in range(rng.randrange(0, 40)))
        elif kind == 2:
            yield _mutate(rng, rng.choice(SEEDS))
        elif kind == 3:
            yield json.dumps(_random_frame_like(rng), ensure_ascii=rng.random() < 0.5)
        else:
            yield json.dumps(_random_json(rng))


def test_decode_never_raises_on_random_input():
    rules_seen = set()
    frames_seen = set()
    for text in _random_inputs(seed=0x0CB9, count=2000):
        for version in ALL:
            try:
                result = decode(text, version)
            except Exception as exc:  # pragma: no cover - the failure report
                pytest.fail(f"decode({text!r}, {version}) raised {exc!r}")
            if isinstance(result, FramingViolation):
                assert result.rule in RULES, (text, result)
                assert result.message
                rules_seen.add(result.rule)
            else:
                assert isinstance(result, FRAME_TYPES), (text, result)
                assert decode(encode(result), version) == result, text
                frames_seen.add(type(result))
    # the generator reaches deep into decode, not only the first checks
    assert len(rules_seen) >= 10, rules_seen
    assert len(frames_seen) >= 3, frames_seen


# -- what Python's json would let through --------------------------------------------------


def test_a_key_named_twice_breaks_the_frame():
    text = '[3,"1",{"status":"Rejected","status":"Accepted"}]'
    violation = decode(text, OcppVersion.V201)
    assert isinstance(violation, FramingViolation)
    assert violation.rule == "ocppj.duplicate-key"
    assert "'status' appears twice" in violation.message
    assert violation.message_id is None or violation.message_id == "1"


def test_lenient_decoding_takes_the_last_value_and_names_the_key():
    duplicates: list[str] = []
    frame = decode('[3,"1",{"a":{"b":1,"b":2}}]', OcppVersion.V201, duplicates=duplicates)
    assert not isinstance(frame, FramingViolation)
    assert frame.payload == {"a": {"b": 2}} and duplicates == ["b"]


def test_a_number_no_double_holds_is_not_read_as_infinity():
    violation = decode('[2,"1","MeterValues",{"value":1e999}]', OcppVersion.V201)
    assert isinstance(violation, FramingViolation) and violation.rule == "ocppj.not-json"
    assert "1e999 is out of the range of a double" in violation.message
    assert not isinstance(decode('[2,"1","A",{"v":1.5e308}]', OcppVersion.V201), FramingViolation)
