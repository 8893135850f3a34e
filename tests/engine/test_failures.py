"""Pending failures (schema, ``only_allow``, the boot gate), silence and raw frames."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from harness.verdicts import DutFailure
from tests.engine.bench import IN, OUT, REAL_TIME, CsmsBench, settle_boot

# -- a broken frame fails the wait at once ---------------------------------------------


def test_schema_breaking_frame_fails_the_current_wait_at_once(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.start_station(defects=["boot-omits-model"])
    started = time.monotonic()

    with pytest.raises(DutFailure) as failure:
        bench.role.expect("StatusNotification", timeout=5)

    assert time.monotonic() - started < 1, "the failure must not wait for the timeout"
    text = str(failure.value)
    assert re.fullmatch(
        r"charging station sent an invalid BootNotification \(frame \d+\): "
        r'BootNotificationRequest: \$\.chargingStation\.model: "model" is a required property '
        r"\(schema rule: required\) "
        r"\[schema:BootNotificationRequest:required\]",
        text,
    ), text
    assert failure.value.rule == "schema:BootNotificationRequest:required"
    [entry] = [e for e in bench.frames(IN) if e.failing]
    assert entry.action == "BootNotification" and not entry.valid
    assert entry.raw == failure.value.frame
    assert entry.violations[0]["rule"] == "schema:BootNotificationRequest:required"
    # the harness's conformant answer to an invalid CALL is a CALLERROR
    [answer] = bench.replies_to("BootNotification")
    assert answer[0] == 4 and answer[2] == "FormatViolation"


def test_invalid_json_from_the_station_fails_with_not_json(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.start_station(defects=["sends-invalid-json"])

    with pytest.raises(DutFailure) as failure:
        bench.role.expect("Heartbeat", timeout=2)

    assert failure.value.rule == "ocppj.not-json"
    assert re.fullmatch(
        r"frame \d+ is not a valid OCPP-J frame: .+ \[ocppj\.not-json\]", str(failure.value)
    ), str(failure.value)
    assert failure.value.frame == "{not json"
    [entry] = [e for e in bench.frames(IN) if e.raw == "{not json"]
    assert entry.failing and not entry.valid and entry.message_type is None
    # OCPP-J: answered with a CALLERROR whose message id is "-1"; text that is not JSON is
    # not a valid RPC frame (RpcFrameworkError), as opposed to a bad payload (FormatViolation)
    errors = [json.loads(e.raw or "") for e in bench.frames(OUT) if e.note == "error reply"]
    assert [e[:3] for e in errors] == [[4, "-1", "RpcFrameworkError"]]


# -- only_allow --------------------------------------------------------------------------


def test_only_allow_fails_a_disallowed_call_with_its_rule(booted: CsmsBench) -> None:
    assert booted.station is not None
    with booted.role.only_allow("Heartbeat", rule="TEST.ONLY.1"):
        booted.spawn(booted.station.act("plug_in", {"evse": 1}))
        with pytest.raises(DutFailure) as failure:
            booted.role.expect("StatusNotification")

    assert re.fullmatch(
        r"charging station sent StatusNotification \(frame \d+\) where only Heartbeat "
        r"may be sent \[TEST\.ONLY\.1\]",
        str(failure.value),
    ), str(failure.value)
    [entry] = [e for e in booted.frames(IN) if e.failing]
    assert entry.action == "StatusNotification" and entry.valid  # valid, but not allowed


def test_only_allow_lets_allowed_calls_through_and_is_lifted_after(booted: CsmsBench) -> None:
    with booted.role.only_allow("StatusNotification", rule="TEST.ONLY.2"):
        booted.act("plug_in", evse=1)
        booted.role.expect("StatusNotification", connectorStatus="Occupied")
    booted.act("present_token", token="TOKEN-1")  # after the block: allowed again
    booted.role.expect("Authorize")

    assert booted.failures() == []


# -- the boot gate -----------------------------------------------------------------------


def test_boot_gate_fails_a_station_that_sends_while_pending(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.role.will_reply("BootNotification", status="Pending", interval=1)
    bench.start_station(defects=["sends-while-pending"])

    # the boot is answered Pending by the set-up or at the test's next step; from then
    # on the station's StatusNotification fails whichever wait is current
    with pytest.raises(DutFailure) as failure:
        bench.role.expect("BootNotification")
        bench.role.expect("BootNotification", timeout=2)

    assert re.fullmatch(
        r"charging station sent StatusNotification while its boot was Pending; allowed is "
        r"BootNotification, or what the CSMS asked for \(frame \d+\) \[B02\.FR\.02\]",
        str(failure.value),
    ), str(failure.value)
    [entry] = [e for e in bench.frames(IN) if e.failing]
    assert entry.action == "StatusNotification"


def test_boot_gate_fails_from_the_set_up_too(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.role.will_reply("BootNotification", status="Pending", interval=1)
    bench.start_station(defects=["sends-while-pending"])

    # wait_booted returns at the Pending answer; whichever wait is current raises
    with pytest.raises(DutFailure, match=r"\[B02\.FR\.02\]$"):
        bench.boot()
        bench.role.expect_silence(1)


def test_boot_gate_passes_a_conformant_pending_station(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.role.will_reply("BootNotification", status="Pending", interval=1)
    bench.start_station(timers=REAL_TIME)  # the retry comes after a real second
    bench.role.expect("BootNotification")  # answered Pending (now or at the next step)

    bench.role.expect("BootNotification", timeout=3)  # the retry after the interval
    statuses = bench.role.expect("StatusNotification", each_connector=True)

    assert [m["connectorStatus"] for m in statuses] == ["Available"]
    assert [r[2]["status"] for r in bench.replies_to("BootNotification")] == [
        "Pending",
        "Accepted",
    ]
    assert bench.failures() == []


def test_boot_gate_fails_a_station_that_boots_again_before_the_interval(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.role.will_reply("BootNotification", status="Pending", interval=1)
    bench.start_station()  # FAST timers: "1 s" lasts 50 ms, so the retry comes early
    bench.role.expect("BootNotification")

    with pytest.raises(DutFailure) as failure:
        bench.role.expect("BootNotification", timeout=2)

    assert failure.value.rule == "B02.FR.04"
    assert re.fullmatch(
        r"charging station sent BootNotification again \d\.\d\d s before the 1 s interval "
        r"of the Pending answer had passed \(frame \d+\) \[B02\.FR\.04\]",
        str(failure.value),
    ), str(failure.value)


# -- expect_silence ----------------------------------------------------------------------


def test_expect_silence_passes_when_nothing_comes(booted: CsmsBench) -> None:
    started = time.monotonic()
    booted.role.expect_silence(0.3)
    assert time.monotonic() - started >= 0.3


def test_expect_silence_fails_naming_the_message(chatty: CsmsBench) -> None:
    with pytest.raises(DutFailure) as failure:
        chatty.role.expect_silence(1, rule="B03.FR.02")

    assert re.fullmatch(
        r"charging station sent Heartbeat \(frame \d+, \d+\.\d\d s\) where it must stay "
        r"silent \[B03\.FR\.02\]",
        str(failure.value),
    ), str(failure.value)
    failing = [e for e in chatty.frames(IN) if e.failing]
    assert [e.action for e in failing] == ["Heartbeat"]
    assert failure.value.frame == failing[0].raw


def test_expect_silence_ignores_allowed_messages(chatty: CsmsBench) -> None:
    chatty.role.expect_silence(0.3, allow=["Heartbeat"])

    assert chatty.role.expect("Heartbeat").answered


# -- send_raw ----------------------------------------------------------------------------


def test_send_raw_puts_the_text_into_the_trace_as_sent(booted: CsmsBench) -> None:
    text = '[3, "raw-unknown-id",  {"status": "Accepted"}]'  # odd spacing on purpose
    booted.role.send_raw(text)

    [entry] = [e for e in booted.frames(OUT) if e.raw == text]
    assert entry.message_type == "CALLRESULT"
    assert entry.message_id == "raw-unknown-id"


def test_send_raw_of_non_json_is_traced_verbatim(booted: CsmsBench) -> None:
    booted.role.send_raw("{this is not json")

    [entry] = [e for e in booted.frames(OUT) if (e.note or "").startswith("raw frame")]
    assert entry.raw == "{this is not json"
    assert entry.message_type is None


def test_conformant_callerror_to_a_raw_broken_frame_does_not_fail(make_csms_bench) -> None:
    bench = settle_boot(make_csms_bench())
    bench.role.send_raw("{this is not json")
    # a later call round-trip proves the station's CALLERROR has arrived
    bench.role.call("TriggerMessage", requestedMessage="Heartbeat")

    errors = [e for e in bench.frames(IN) if e.message_type == "CALLERROR"]
    assert [json.loads(e.raw or "")[:2] for e in errors] == [[4, "-1"]]
    assert bench.failures() == []


# -- transaction numbering ---------------------------------------------------------------


def _transaction_event(seq_no: int, event_type: str) -> dict:
    return {
        "eventType": event_type,
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": {"Started": "Authorized", "Updated": "MeterValuePeriodic"}.get(
            event_type, "StopAuthorized"
        ),
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "ENGINE-TX-1"},
    }


def _send_events(bench: CsmsBench, events: list[tuple[int, str]]) -> Any:
    """The station sends these TransactionEvents one after the other (each waits for its
    answer, which the harness gives while the test waits in expect)."""
    station = bench.station
    assert station is not None

    async def send_all() -> None:
        for seq_no, event_type in events:
            await station.send("TransactionEvent", _transaction_event(seq_no, event_type))

    return bench.spawn(send_all())


def test_a_gap_in_transaction_numbers_fails_at_the_end_of_the_case(booted: CsmsBench) -> None:
    sent = _send_events(booted, [(0, "Started"), (2, "Ended")])
    booted.role.expect("TransactionEvent", eventType="Started")
    booted.role.expect("TransactionEvent", eventType="Ended")
    booted.on_loop(booted.session.settle)  # answer the last one, as the next step would
    sent.result(timeout=2)
    assert booted.failures() == []  # judged when the case's frames are all in

    booted.on_loop(booted.session.end_of_case_checks)

    [failure] = booted.failures()
    assert failure.rule == "E01.FR.07"
    assert "transaction ENGINE-TX-1 ended with seqNo 0…2 but without 1" in failure.reason


def test_transaction_events_in_any_order_pass(booted: CsmsBench) -> None:
    sent = _send_events(booted, [(1, "Updated"), (0, "Started"), (2, "Ended")])
    for event_type in ("Updated", "Started", "Ended"):
        booted.role.expect("TransactionEvent", eventType=event_type)
    booted.on_loop(booted.session.settle)  # answer the last one, as the next step would
    sent.result(timeout=2)
    booted.on_loop(booted.session.end_of_case_checks)
    assert booted.failures() == []
