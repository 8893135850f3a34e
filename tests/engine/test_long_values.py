"""A DUT's megabyte value is cut wherever a person reads it, and kept whole as evidence.

Before, a 16 MB string in a field with a length limit was copied into the schema
message, the reason, the step, the trace's validation and the terminal (a 64 MB
report.json). Now each of those says how long it was; the frame in the trace is whole.
"""

from __future__ import annotations

import json

import pytest

from harness.cut import MESSAGE_CHARS, REASON_CHARS, cut
from harness.ocppj import OcppVersion, validate_payload
from harness.verdicts import CaseWarning, DutFailure, WarningKind
from tests.engine.bench import IN, CsmsBench, settle_boot

HUGE = "x" * 1_000_000


def test_cut_keeps_short_text_and_says_how_long_the_rest_was():
    assert cut("short", 10) == "short"
    assert cut("abcdefghijk", 10) == "abcdefghij… (11 characters in all)"


def test_a_schema_message_quoting_a_huge_value_is_cut():
    payload = {"chargingStation": {"model": HUGE, "vendorName": "v"}, "reason": "PowerUp"}
    (violation,) = validate_payload(OcppVersion.V201, "BootNotification", payload, response=False)
    assert violation.rule == "schema:BootNotificationRequest:maxLength"
    assert len(violation.message) < MESSAGE_CHARS + 40
    assert violation.message.endswith("characters in all)")
    assert violation.path == "$.chargingStation.model"


def test_reasons_are_cut_the_frame_is_not():
    failure = DutFailure(f"sent {HUGE}", "B01.FR.01", frame=HUGE)
    assert len(failure.reason) < REASON_CHARS + 40 and failure.frame == HUGE
    warning = CaseWarning(WarningKind.NOTE, "x", HUGE)
    assert len(warning.reason) < REASON_CHARS + 40


def test_a_huge_invalid_call_fails_with_a_short_reason_and_a_whole_frame(make_csms_bench):
    bench: CsmsBench = make_csms_bench("2.0.1")
    settle_boot(bench)
    token = {"idToken": HUGE, "type": "ISO14443"}  # at most 36 characters
    text = json.dumps([2, "big-1", "Authorize", {"idToken": token}])
    assert bench.station is not None
    # the simulator's own connection, to send what no defect sends
    bench.run(bench.station._peer.send_text(text))  # type: ignore[union-attr]
    with pytest.raises(DutFailure) as raised:
        bench.role.expect("StatusNotification", timeout=2)
    failure = raised.value
    assert failure.rule == "schema:AuthorizeRequest:maxLength"
    assert len(failure.reason) < REASON_CHARS + 40
    entries = bench.on_loop(lambda: list(bench.session.trace.entries))
    (frame,) = [e for e in entries if e.direction is IN and e.message_id == "big-1"]
    assert frame.raw == text  # the evidence, whole
    assert all(len(v["message"]) < MESSAGE_CHARS + 200 for v in frame.violations)
    assert "characters in all" in frame.violations[0]["message"]


def test_cut_can_say_where_the_whole_text_is():
    assert cut("abcdefghijk", 4, whole_in="report.json") == (
        "abcd… (11 characters in all; whole in report.json)"
    )
