"""Answering the DUT: ``will_reply``, ``will_reply_error``, ``reply`` and the defaults."""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.sim import CallErrorReceived
from harness.verdicts import DutFailure, ScriptError
from tests.engine.bench import CsmsBench, settle_boot


def _authorize(bench: CsmsBench, token: str = "TOKEN-1") -> str:
    """Present a token at the station; the status the harness answered."""
    result = bench.act("present_token", token=token)
    return result["response"]["idTokenInfo"]["status"]


# -- will_reply ------------------------------------------------------------------------


def test_will_reply_fields_are_merged_over_the_default_reply(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.role.will_reply("BootNotification", interval=7)
    bench.start_station()
    bench.boot()

    [reply] = bench.replies_to("BootNotification")
    assert reply[0] == 3
    payload = reply[2]
    assert payload["interval"] == 7  # the scripted field
    assert payload["status"] == "Accepted"  # the default's fields stay
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["currentTime"])


def test_will_reply_answers_only_the_next_message(booted: CsmsBench) -> None:
    booted.role.will_reply("Authorize", idTokenInfo={"status": "Blocked"})

    assert [_authorize(booted) for _ in range(2)] == ["Blocked", "Accepted"]


def test_will_replies_queue_in_order(booted: CsmsBench) -> None:
    booted.role.will_reply("Authorize", idTokenInfo={"status": "Blocked"})
    booted.role.will_reply("Authorize", {"idTokenInfo": {"status": "Expired"}})

    assert [_authorize(booted) for _ in range(3)] == ["Blocked", "Expired", "Accepted"]


def test_will_reply_always_sticks(booted: CsmsBench) -> None:
    booted.role.will_reply("Authorize", always=True, idTokenInfo={"status": "Blocked"})

    assert [_authorize(booted) for _ in range(3)] == ["Blocked"] * 3


def test_a_one_off_reply_after_an_always_reply_does_not_unstick_it(booted: CsmsBench) -> None:
    booted.role.will_reply("Authorize", always=True, idTokenInfo={"status": "Blocked"})
    booted.role.will_reply("Authorize", idTokenInfo={"status": "Expired"})

    # the one-off answers the next Authorize, then the always-reply answers every one
    assert [_authorize(booted) for _ in range(3)] == ["Expired", "Blocked", "Blocked"]


def test_will_reply_with_a_function_gets_the_request(booted: CsmsBench) -> None:
    requests: list[dict[str, Any]] = []

    def decide(request: dict[str, Any]) -> dict[str, Any]:
        requests.append(request)
        known = request["idToken"]["idToken"] == "GOOD"
        return {"idTokenInfo": {"status": "Accepted" if known else "Invalid"}}

    booted.role.will_reply("Authorize", decide, always=True)

    assert [_authorize(booted, "BAD"), _authorize(booted, "GOOD")] == ["Invalid", "Accepted"]
    assert [r["idToken"] for r in requests] == [
        {"idToken": "BAD", "type": "ISO14443"},
        {"idToken": "GOOD", "type": "ISO14443"},
    ]


def test_will_reply_error_answers_callerror(booted: CsmsBench) -> None:
    booted.role.will_reply_error("Authorize", "SecurityError", "not today")

    with pytest.raises(CallErrorReceived) as received:
        _authorize(booted)

    assert received.value.code == "SecurityError"
    message = booted.role.expect("Authorize")
    [reply] = booted.replies_to("Authorize")
    assert reply == [4, message.message_id, "SecurityError", "not today", {}]
    assert message.answer == ("SecurityError", "not today")


# -- reply -----------------------------------------------------------------------------


def test_reply_answers_the_expected_message(booted: CsmsBench) -> None:
    assert booted.station is not None
    presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")

    booted.role.reply(message, idTokenInfo={"status": "Blocked"})

    assert presented.result(1)["response"] == {"idTokenInfo": {"status": "Blocked"}}
    assert message.answered


def test_reply_to_a_message_already_answered_is_a_script_error(booted: CsmsBench) -> None:
    _authorize(booted)  # answered by default while the action ran
    message = booted.role.expect("Authorize")
    assert message.answered

    with pytest.raises(ScriptError) as error:
        booted.role.reply(message, idTokenInfo={"status": "Accepted"})

    assert str(error.value) == f"Authorize (message id {message.message_id}) was already answered"
    assert len(booted.replies_to("Authorize")) == 1


def test_replying_twice_is_a_script_error(booted: CsmsBench) -> None:
    assert booted.station is not None
    booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")
    booted.role.reply(message, idTokenInfo={"status": "Accepted"})

    with pytest.raises(ScriptError, match=r"^Authorize \(message id .+\) was already answered$"):
        booted.role.reply_error(message, "InternalError")


def test_reply_that_breaks_the_schema_is_a_script_error_naming_the_rule(
    booted: CsmsBench,
) -> None:
    assert booted.station is not None
    booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")

    with pytest.raises(ScriptError) as error:
        booted.role.reply(message, idTokenInfo={"status": "Bogus"})

    text = str(error.value)
    assert text.startswith(
        "the harness's reply to Authorize is not schema-valid: AuthorizeResponse: "
        "$.idTokenInfo.status: "
    ), text
    assert text.endswith("(schema rule: enum)"), text
    assert error.value.rule == "script"
    assert booted.replies_to("Authorize") == []  # nothing invalid went out


def test_after_an_invalid_reply_the_message_can_still_be_answered(booted: CsmsBench) -> None:
    assert booted.station is not None
    presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")
    with pytest.raises(ScriptError):
        booted.role.reply(message, idTokenInfo={"status": "Bogus"})

    booted.role.reply(message, idTokenInfo={"status": "Blocked"})

    assert presented.result(1)["response"] == {"idTokenInfo": {"status": "Blocked"}}


def test_unvalidated_reply_goes_out_as_given(booted: CsmsBench) -> None:
    assert booted.station is not None
    booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")

    booted.role.reply(message, validate=False, idTokenInfo={"status": "Bogus"})

    [reply] = booted.replies_to("Authorize")
    assert reply == [3, message.message_id, {"idTokenInfo": {"status": "Bogus"}}]


# -- the defaults and the hold ---------------------------------------------------------


def test_unscripted_calls_get_the_default_at_once_while_the_test_waits_for_another(
    chatty: CsmsBench,
) -> None:
    with pytest.raises(DutFailure, match=r"received instead: Heartbeat"):
        chatty.role.expect("Authorize", timeout=0.3)

    frames = chatty.frames()
    heartbeats = [e for e in frames if e.action == "Heartbeat" and e.message_type == "CALL"]
    assert len(heartbeats) >= 2, "the station sends the next Heartbeat only once answered"
    answers = {e.message_id: e for e in frames if e.message_type == "CALLRESULT"}
    for call in heartbeats[:-1]:
        answer = answers[call.message_id]
        assert answer.action == "Heartbeat"
        assert answer.t - call.t < 0.05, "answered at once, not held"

    # answered, and still there for a later expect
    message = chatty.role.expect("Heartbeat")
    assert message.answered
    assert message.message_id in {e.message_id for e in heartbeats}


def test_a_message_sent_during_an_action_is_answered_and_still_expected(
    booted: CsmsBench,
) -> None:
    booted.act("plug_in", evse=1)  # returns once the station had its answer

    message = booted.role.expect("StatusNotification", connectorStatus="Occupied")

    assert message.answered and message.answer == {}


def test_a_call_while_the_test_scripts_is_held_then_answered_by_default(
    make_csms_bench,
) -> None:
    bench = settle_boot(make_csms_bench(hold_seconds=0.2))
    assert bench.station is not None

    # no step follows: after hold_seconds the default reply goes out on its own
    presented = bench.spawn(bench.station.act("present_token", {"token": "TOKEN-1"}))

    assert presented.result(1.5)["response"] == {"idTokenInfo": {"status": "Accepted"}}
    [call] = [e for e in bench.frames() if e.action == "Authorize" and e.message_type == "CALL"]
    [answer] = [e for e in bench.frames() if e.message_id == call.message_id and e is not call]
    assert 0.15 <= answer.t - call.t < 1.0


def test_a_held_call_can_be_claimed_by_the_next_expect(booted: CsmsBench) -> None:
    assert booted.station is not None
    presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))

    message = booted.role.expect("Authorize", idToken={"idToken": "TOKEN-1", "type": "ISO14443"})
    assert not message.answered
    # The next step sends the default reply; the station then starts its transaction
    # (TxStartPoint Authorized).
    booted.role.expect("TransactionEvent", eventType="Started")
    booted.role.expect_silence(0.05)  # no cable: the connector stays Available

    assert presented.result(1)["response"] == {"idTokenInfo": {"status": "Accepted"}}
