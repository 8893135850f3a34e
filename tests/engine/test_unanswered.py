"""Answering the DUT late or never: ``CsmsRole.unanswered`` and ``will_not_reply``.

Part 6's retry and queue cases need a CSMS that does not answer a CALL of the station
(E13: the station must time it out and send it again) or answers it only after a step
of its own (E14: a GetTransactionStatus while a queued TransactionEvent waits).
"""

from __future__ import annotations

import dataclasses

import pytest

from harness.replies import no_reply
from harness.verdicts import ScriptError
from tests.engine.bench import FAST, CsmsBench, settle_boot

#: the station gives up on an unanswered CALL after 1 s
QUICK = dataclasses.replace(FAST, message_timeout=1)


def _quick_station(make_csms_bench) -> CsmsBench:
    return settle_boot(make_csms_bench(), timers=QUICK)


def _heartbeat(bench: CsmsBench, after: int):
    bench.role.call("TriggerMessage", requestedMessage="Heartbeat")
    return bench.role.expect("Heartbeat", after=after, timeout=2)


def test_will_not_reply_leaves_the_next_call_unanswered(make_csms_bench) -> None:
    bench = _quick_station(make_csms_bench)
    bench.role.will_not_reply("Heartbeat")

    first = _heartbeat(bench, bench.role.mark())
    # the station times the first out, and its next CALL is answered as usual
    second = _heartbeat(bench, first.entry.seq)
    bench.role.hold_for(0.1, "the default answer goes out")

    assert first.abandoned and not first.answered
    assert second.answered
    replies = bench.replies_to("Heartbeat")
    assert [r[1] for r in replies] == [second.message_id]
    assert bench.failures() == []  # the second CALL broke no one-call-at-a-time rule


def test_a_function_may_leave_some_requests_unanswered(make_csms_bench) -> None:
    bench = _quick_station(make_csms_bench)
    seen: list[str] = []

    def first_only(request):
        seen.append("Heartbeat")
        return no_reply() if len(seen) == 1 else None

    bench.role.will_reply("Heartbeat", first_only, always=True)
    first = _heartbeat(bench, bench.role.mark())
    second = _heartbeat(bench, first.entry.seq)
    bench.role.hold_for(0.1, "the default answer goes out")

    assert first.abandoned and second.answered
    assert bench.failures() == []


def test_a_message_left_unanswered_for_good_cannot_be_answered(make_csms_bench) -> None:
    bench = _quick_station(make_csms_bench)
    bench.role.will_not_reply("Heartbeat")
    message = _heartbeat(bench, bench.role.mark())
    bench.role.hold_for(0.05, "the harness decides not to answer")

    with pytest.raises(ScriptError, match=r"left unanswered for good"):
        bench.role.reply(message)


def test_unanswered_keeps_a_message_unanswered_across_steps(booted: CsmsBench) -> None:
    assert booted.station is not None
    presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")

    with booted.role.unanswered(message):
        # a step of the harness's own: the station answers while its CALL waits
        response = booted.role.call(
            "GetVariables",
            getVariableData=[
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}}
            ],
        )
        assert not response.is_error
        booted.role.hold_for(0.05, "nothing answers the Authorize meanwhile")
        assert not message.answered
        assert booted.replies_to("Authorize") == []

    # the block ended: the default answer went out, and the station went on with it
    assert message.answered
    [reply] = booted.replies_to("Authorize")
    assert reply[2]["idTokenInfo"]["status"] == "Accepted"
    booted.role.expect("TransactionEvent", eventType="Started")
    assert presented is not None


def test_the_block_may_answer_the_message_itself(booted: CsmsBench) -> None:
    assert booted.station is not None
    presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
    message = booted.role.expect("Authorize")

    with booted.role.unanswered(message):
        booted.role.hold_for(0.05, "the answer comes late")
        booted.role.reply(message, idTokenInfo={"status": "Blocked"})

    assert presented.result(1)["response"] == {"idTokenInfo": {"status": "Blocked"}}
    assert len(booted.replies_to("Authorize")) == 1


def test_unanswered_refuses_a_message_already_answered(booted: CsmsBench) -> None:
    booted.act("present_token", token="TOKEN-1")  # answered by default meanwhile
    message = booted.role.expect("Authorize")

    with pytest.raises(ScriptError, match=r"already answered"), booted.role.unanswered(message):
        pass


def test_holding_keeps_every_call_of_the_action_until_the_block_ends(booted: CsmsBench) -> None:
    assert booted.station is not None
    with booted.role.holding("Authorize"):
        # the CALL comes while no expect waits for it: still not answered
        presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
        booted.role.hold_for(0.1, "the station's Authorize arrives and waits")
        message = booted.role.expect("Authorize")
        booted.role.call("TriggerMessage", requestedMessage="StatusNotification")
        assert not message.answered and booted.replies_to("Authorize") == []

    assert message.answered
    [reply] = booted.replies_to("Authorize")
    assert reply[2]["idTokenInfo"]["status"] == "Accepted"
    assert presented is not None


def test_holding_lets_the_block_answer_one_itself(booted: CsmsBench) -> None:
    assert booted.station is not None
    with booted.role.holding("Authorize"):
        presented = booted.spawn(booted.station.act("present_token", {"token": "TOKEN-1"}))
        message = booted.role.expect("Authorize")
        booted.role.hold_for(0.05, "the answer comes late")
        booted.role.reply(message, idTokenInfo={"status": "Blocked"})
        assert presented.result(1)["response"] == {"idTokenInfo": {"status": "Blocked"}}

    assert len(booted.replies_to("Authorize")) == 1
