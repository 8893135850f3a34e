"""Named matchers of Part 6 tool validations: what they accept and how they say no."""

from __future__ import annotations

import pytest

from harness.matching import ABSENT, DIGITS, absent_or, differences, each, exactly_one, one_of

RESULT = {"attributeStatus": "Accepted", "attributeType": "Actual", "attributeValue": "300"}


@pytest.mark.parametrize(
    "expected,payload,diffs",
    [
        ({"status": one_of("Accepted", "NotImplemented")}, {"status": "Accepted"}, []),
        (
            {"status": one_of("Accepted", "NotImplemented")},
            {"status": "Rejected"},
            ["$.status: expected 'Accepted' or 'NotImplemented', got 'Rejected'"],
        ),
        ({"info": absent_or({"reasonCode": "NoError"})}, {}, []),
        ({"info": absent_or({"reasonCode": "NoError"})}, {"info": {"reasonCode": "NoError"}}, []),
        (
            {"info": absent_or({"reasonCode": "NoError"})},
            {"info": {"reasonCode": "InternalError"}},
            ["$.info.reasonCode: expected 'NoError', got 'InternalError'"],
        ),
        ({"x": ABSENT}, {}, []),
        ({"x": ABSENT}, {"x": 1}, ["$.x: expected to be absent, got 1"]),
        ({"r": exactly_one({"attributeValue": DIGITS})}, {"r": [RESULT]}, []),
        (
            {"r": exactly_one({"attributeValue": "300"})},
            {"r": [RESULT, RESULT]},
            ["$.r: expected exactly one item, got 2"],
        ),
        (
            {"r": each({"attributeType": "Actual"})},
            {"r": [RESULT, {**RESULT, "attributeType": "Target"}]},
            ["$.r[1].attributeType: expected 'Actual', got 'Target'"],
        ),
        (
            {"r": exactly_one({"attributeValue": DIGITS})},
            {"r": [{"attributeValue": "3x"}]},
            ["$.r[0].attributeValue: expected a string of digits, got '3x'"],
        ),
        # a missing field names what was wanted
        ({"status": one_of("A", "B")}, {}, ["$.status: missing, expected 'A' or 'B'"]),
        # an int is not a bool and the other way round
        ({"n": one_of(1)}, {"n": True}, ["$.n: expected 1, got True"]),
    ],
)
def test_matchers(expected, payload, diffs):
    assert differences(expected, payload) == diffs


def test_has_item_finds_a_match_wherever_it_is_and_says_the_closest_miss():
    from harness.matching import has_item

    wanted = {"results": has_item({"name": "b", "status": "Accepted"})}
    assert (
        differences(wanted, {"results": [{"name": "a"}, {"name": "b", "status": "Accepted"}]}) == []
    )
    missed = differences(wanted, {"results": [{"name": "b", "status": "Rejected"}, {"x": 1}]})
    assert missed == [
        "$.results: no item matches {'name': 'b', 'status': 'Accepted'} "
        "(closest: $.results[0].status: expected 'Accepted', got 'Rejected')"
    ]
    assert differences(wanted, {"results": []})[0].endswith("(the list is empty)")
    assert "expected a list" in differences(wanted, {"results": {}})[0]


def test_first_item_matches_the_first_item_only():
    from harness.matching import first_item

    wanted = {"meterValue": first_item({"context": "Trigger"})}
    assert differences(wanted, {"meterValue": [{"context": "Trigger"}, {"context": "x"}]}) == []
    assert differences(wanted, {"meterValue": [{"context": "x"}, {"context": "Trigger"}]}) == [
        "$.meterValue[0].context: expected 'Trigger', got 'x'"
    ]
    assert "a list with a first item" in differences(wanted, {"meterValue": []})[0]
