"""Part 2 §3.1 (2.0.1 and 2.1): a time value gives at most three decimals of a second.
The JSON schemas say only ``format: date-time``, which RFC 3339 lets carry any number,
so the harness checks the limit beside them, on every date-time field of a payload."""

from __future__ import annotations

import pytest

from harness.ocppj import OcppVersion
from harness.ocppj.schemas import time_precision_violations, validate_payload


def _boot_answer(time: str) -> dict:
    return {"currentTime": time, "interval": 10, "status": "Accepted"}


@pytest.mark.parametrize(
    ("time", "allowed"),
    [
        ("2026-12-04T21:00:00Z", True),
        ("2026-12-04T21:00:00.5Z", True),
        ("2026-12-04T21:00:00.123Z", True),
        ("2026-12-04T21:00:00.123+01:00", True),
        ("2026-12-04T21:00:00.1234Z", False),
        ("2026-12-04T21:00:00.123456Z", False),
    ],
)
@pytest.mark.parametrize("version", [OcppVersion.V201, OcppVersion.V21])
def test_three_decimals_of_a_second_at_most(version, time, allowed):
    found = validate_payload(version, "BootNotification", _boot_answer(time), response=True)
    if allowed:
        assert found == []
    else:
        [violation] = found
        assert violation.rule == "schema:BootNotificationResponse:time-precision"
        assert violation.path == "$.currentTime"
        assert "Part 2 §3.1 allows at most 3" in violation.message


def test_ocpp_16_sets_no_limit():
    answer = _boot_answer("2026-12-04T21:00:00.123456Z")
    assert validate_payload(OcppVersion.V16, "BootNotification", answer, response=True) == []


def test_every_time_value_is_checked_by_its_path_arrays_included():
    reading = {"sampledValue": [{"value": 1.0}]}
    payload = {
        "eventType": "Updated",
        "timestamp": "2026-12-04T21:00:00.000001Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 1,
        "transactionInfo": {"transactionId": "t"},
        "meterValue": [
            {**reading, "timestamp": "2026-12-04T21:00:00.123Z"},
            {**reading, "timestamp": "2026-12-04T21:00:01.1234Z"},
        ],
    }
    found = time_precision_violations(OcppVersion.V201, "TransactionEvent", payload, response=False)
    assert sorted(v.path for v in found) == ["$.meterValue[1].timestamp", "$.timestamp"]


def test_a_string_field_that_looks_like_a_time_is_not_one():
    """Only the schema's date-time fields count: an idToken may hold anything."""
    payload = {"idToken": {"idToken": "2026-12-04T21:00:00.123456Z", "type": "Central"}}
    assert validate_payload(OcppVersion.V201, "Authorize", payload, response=False) == []
