"""Conversation rules of one OCPP-J connection, two ``Conversation``s back to back.

As h11's ``ConnectionPair``: a station and a CSMS conversation, each fed the frames the
other sends (through ``encode``/``decode``, as on the wire). A well-behaved peer goes
through its own ``send`` first; a misbehaving peer is simulated with ``inject``, which
hands a frame to one side without the other side's bookkeeping (it would refuse it).
"""

from __future__ import annotations

import pytest

from harness.ocppj.conversation import (
    RULES,
    Conversation,
    ConversationViolation,
    LocalProtocolError,
    Received,
)
from harness.ocppj.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Frame,
    FramingViolation,
    OcppVersion,
    Send,
    decode,
    encode,
)
from harness.severity import Severity

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21
ALL = tuple(OcppVersion)
FROM_201 = (V201, V21)

BOOT = Call("s-1", "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "M"}})
HEARTBEAT = Call("s-2", "Heartbeat", {})


class Pair:
    """A charging station and a CSMS conversation wired to each other."""

    def __init__(self, version: OcppVersion) -> None:
        self.version = version
        self.station = Conversation(version)
        self.csms = Conversation(version)

    def peer_of(self, side: Conversation) -> Conversation:
        return self.csms if side is self.station else self.station

    def _wire(self, frame: Frame) -> Frame:
        decoded = decode(encode(frame), self.version)
        assert not isinstance(decoded, FramingViolation), decoded
        return decoded

    def send(self, side: Conversation, frame: Frame) -> Received:
        """``side`` sends ``frame``; returns what its peer made of it."""
        side.send(frame)
        return self.peer_of(side).receive(self._wire(frame))

    def inject(self, side: Conversation, frame: Frame) -> Received:
        """``side`` receives ``frame`` from a peer that skipped its own bookkeeping."""
        return side.receive(self._wire(frame))


@pytest.fixture(params=ALL, ids=lambda v: v.value)
def pair(request) -> Pair:
    return Pair(request.param)


def rules(received: Received) -> list[str]:
    return [v.rule for v in received.violations]


def clean(received: Received) -> bool:
    return received.violations == ()


def directions(pair: Pair) -> list[tuple[Conversation, Conversation]]:
    """Both ways: the rules do not depend on who plays the CSMS."""
    return [(pair.station, pair.csms), (pair.csms, pair.station)]


# -- the happy path ---------------------------------------------------------------------------


def test_call_and_result_round_trip_both_ways(pair):
    for caller, callee in directions(pair):
        got = pair.send(caller, BOOT)
        assert got == Received(BOOT, "BootNotification", ())
        assert callee.theirs == {"s-1": "BootNotification"}
        answer = CallResult("s-1", {"status": "Accepted"})
        got = pair.send(callee, answer)
        assert got == Received(answer, "BootNotification", ())
        assert caller.ours is None and callee.theirs == {}
        # the slot is free again: the next CALL is fine on both sides
        assert clean(pair.send(caller, HEARTBEAT))
        assert clean(pair.send(callee, CallResult("s-2", {"currentTime": "2025-01-01T00:00:00Z"})))


def test_callerror_answers_the_call_too(pair):
    pair.send(pair.csms, Call("c-1", "Reset", {"type": "Immediate"}))
    error = CallError("c-1", "NotSupported", "no reset here")
    got = pair.send(pair.station, error)
    assert got == Received(error, "Reset", ())
    assert pair.csms.ours is None and pair.station.theirs == {}


def test_a_long_conversation_stays_clean(pair):
    for n in range(50):
        caller, callee = directions(pair)[n % 2]
        assert clean(pair.send(caller, Call(f"m-{n}", "Heartbeat", {})))
        assert clean(pair.send(callee, CallResult(f"m-{n}", {})))


def test_calls_may_cross(pair):
    """Each side may have one CALL outstanding at the same time (OCPP-J §4.1.1)."""
    assert clean(pair.send(pair.station, BOOT))
    assert clean(pair.send(pair.csms, Call("c-1", "GetVariables", {"getVariableData": []})))
    assert pair.station.ours.message_id == "s-1" and pair.csms.ours.message_id == "c-1"
    got = pair.send(pair.station, CallResult("c-1", {"getVariableResult": []}))
    assert got.action == "GetVariables" and clean(got)
    got = pair.send(pair.csms, CallResult("s-1", {}))
    assert got.action == "BootNotification" and clean(got)
    assert pair.station.ours is None and pair.csms.ours is None


def test_same_id_in_both_directions_is_not_a_reuse(pair):
    """Message ids are per sender: the CSMS may pick an id the station also used."""
    assert clean(pair.send(pair.station, Call("1", "Heartbeat", {})))
    assert clean(pair.send(pair.csms, Call("1", "Reset", {"type": "Immediate"})))
    assert pair.send(pair.csms, CallResult("1", {})).action == "Heartbeat"
    assert pair.send(pair.station, CallResult("1", {})).action == "Reset"


# -- results with unknown ids -----------------------------------------------------------------


@pytest.mark.parametrize(
    "answer,kind",
    [(CallResult("nope", {}), "CALLRESULT"), (CallError("nope", "GenericError"), "CALLERROR")],
    ids=["callresult", "callerror"],
)
def test_answer_with_no_call_outstanding_is_unknown_id(pair, answer, kind):
    got = pair.inject(pair.station, answer)
    assert got.action is None
    (violation,) = got.violations
    assert violation.rule == "ocppj.unknown-message-id"
    assert violation.severity is Severity.ERROR
    assert violation.message == f"{kind} with message id 'nope' answers no outstanding CALL"


def test_answer_with_wrong_id_keeps_our_call_outstanding(pair):
    pair.send(pair.station, BOOT)
    got = pair.inject(pair.station, CallResult("s-999", {}))
    assert rules(got) == ["ocppj.unknown-message-id"] and got.action is None
    assert pair.station.ours.message_id == "s-1"
    # the right answer still arrives and is matched
    assert pair.send(pair.csms, CallResult("s-1", {})) == Received(
        CallResult("s-1", {}), "BootNotification", ()
    )


def test_answering_twice_is_unknown_id_the_second_time(pair):
    pair.send(pair.station, BOOT)
    assert clean(pair.send(pair.csms, CallResult("s-1", {})))
    assert rules(pair.inject(pair.station, CallResult("s-1", {}))) == ["ocppj.unknown-message-id"]
    assert rules(pair.inject(pair.station, CallError("s-1", "GenericError"))) == [
        "ocppj.unknown-message-id"
    ]


def test_answer_to_a_peer_call_id_is_unknown(pair):
    """A result must answer *our* CALL, not echo the id of the peer's own CALL."""
    pair.send(pair.csms, Call("c-1", "Reset", {"type": "Immediate"}))
    assert rules(pair.inject(pair.station, CallResult("c-1", {}))) == ["ocppj.unknown-message-id"]


# -- one CALL at a time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "version,severity",
    [(V16, Severity.WARNING), (V201, Severity.ERROR), (V21, Severity.ERROR)],
    ids=["1.6-should", "2.0.1-shall", "2.1-shall"],
)
def test_second_call_while_first_unanswered(version, severity):
    pair = Pair(version)
    assert clean(pair.send(pair.station, BOOT))
    got = pair.inject(pair.csms, HEARTBEAT)
    assert got.action == "Heartbeat"
    (violation,) = got.violations
    assert violation.rule == "ocppj.one-call-at-a-time"
    assert violation.severity is severity
    assert "Heartbeat" in violation.message
    assert "BootNotification (id s-1) is still unanswered" in violation.message
    # both CALLs can still be answered, and then the peer may call again
    assert set(pair.csms.theirs) == {"s-1", "s-2"}
    pair.csms.send(CallResult("s-2", {}))
    pair.csms.send(CallResult("s-1", {}))
    assert clean(pair.inject(pair.csms, Call("s-3", "Heartbeat", {})))


def test_one_call_rule_is_per_direction_not_per_connection(pair):
    """Our own open CALL does not make the peer's CALL a second one."""
    pair.send(pair.csms, Call("c-1", "Reset", {"type": "Immediate"}))
    assert clean(pair.send(pair.station, BOOT))


# -- message id reuse -------------------------------------------------------------------------


def test_reusing_an_id_for_a_different_call_is_flagged(pair):
    pair.send(pair.station, Call("m-1", "Heartbeat", {}))
    pair.send(pair.csms, CallResult("m-1", {}))
    status = Call("m-1", "StatusNotification", {"connectorId": 1})
    got = pair.inject(pair.csms, status)
    (violation,) = got.violations
    assert violation.rule == "ocppj.message-id-reused"
    assert violation.severity is Severity.ERROR
    assert violation.message == (
        "CALL StatusNotification reuses message id 'm-1' of an earlier Heartbeat"
    )
    assert got.action == "StatusNotification"


def test_reusing_an_id_with_another_payload_is_not_a_retry(pair):
    pair.send(pair.station, Call("m-1", "Heartbeat", {}))
    pair.send(pair.csms, CallResult("m-1", {}))
    assert rules(pair.inject(pair.csms, Call("m-1", "Heartbeat", {"x": 1}))) == [
        "ocppj.message-id-reused"
    ]


def lose_answer_and_retry(pair: Pair, call: Call) -> Received:
    """The CSMS answers ``call`` but the answer is lost; the station gives up and resends."""
    pair.send(pair.station, call)
    pair.csms.send(CallResult(call.message_id, {}))  # never arrives
    assert pair.station.abandon_ours() == call.action
    return pair.send(pair.station, call)


@pytest.mark.parametrize("version", FROM_201, ids=lambda v: v.value)
def test_identical_retry_may_reuse_the_id_from_2_0_1(version):
    pair = Pair(version)
    got = lose_answer_and_retry(pair, BOOT)
    assert got == Received(BOOT, "BootNotification", ())
    assert pair.csms.theirs == {"s-1": "BootNotification"}
    assert pair.send(pair.csms, CallResult("s-1", {})) == Received(
        CallResult("s-1", {}), "BootNotification", ()
    )


def test_identical_retry_reuses_the_id_on_1_6():
    pair = Pair(V16)
    got = lose_answer_and_retry(pair, BOOT)
    assert rules(got) == ["ocppj.message-id-reused"]
    assert got.violations[0].severity is Severity.ERROR


@pytest.mark.parametrize("version", FROM_201, ids=lambda v: v.value)
def test_retry_before_the_answer_is_not_a_second_call(version):
    pair = Pair(version)
    pair.send(pair.station, BOOT)
    pair.station.abandon_ours()
    assert clean(pair.send(pair.station, BOOT))
    assert pair.csms.theirs == {"s-1": "BootNotification"}
    assert clean(pair.send(pair.csms, CallResult("s-1", {})))
    assert pair.csms.theirs == {} and pair.station.ours is None


def test_reuse_and_second_call_are_both_reported(pair):
    pair.send(pair.station, Call("m-1", "Heartbeat", {}))
    pair.send(pair.csms, CallResult("m-1", {}))
    pair.send(pair.station, Call("m-2", "Heartbeat", {}))
    got = pair.inject(pair.csms, Call("m-1", "Authorize", {}))
    assert rules(got) == ["ocppj.message-id-reused", "ocppj.one-call-at-a-time"]


# -- our own misuse raises --------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [CallResult("ghost", {}), CallError("ghost", "GenericError")],
    ids=["callresult", "callerror"],
)
def test_answering_an_unknown_id_raises(pair, answer):
    with pytest.raises(LocalProtocolError, match="can't answer message id 'ghost'"):
        pair.station.send(answer)


def test_answering_the_same_call_twice_raises(pair):
    pair.send(pair.csms, Call("c-1", "Reset", {"type": "Immediate"}))
    pair.send(pair.station, CallResult("c-1", {"status": "Accepted"}))
    with pytest.raises(LocalProtocolError, match="no such peer CALL is open"):
        pair.station.send(CallResult("c-1", {"status": "Accepted"}))


def test_answering_our_own_call_raises(pair):
    pair.station.send(BOOT)
    with pytest.raises(LocalProtocolError, match="'s-1'"):
        pair.station.send(CallResult("s-1", {}))


def test_second_call_of_ours_raises_and_keeps_the_first(pair):
    pair.send(pair.station, BOOT)
    with pytest.raises(
        LocalProtocolError,
        match=r"can't send CALL Heartbeat while our CALL BootNotification \(id s-1\) is "
        r"unanswered",
    ):
        pair.station.send(HEARTBEAT)
    assert pair.station.ours.message_id == "s-1"
    assert pair.send(pair.csms, CallResult("s-1", {})).action == "BootNotification"


def test_local_protocol_error_is_an_exception_not_a_violation():
    assert issubclass(LocalProtocolError, Exception)
    assert not issubclass(LocalProtocolError, ConversationViolation)


# -- giving up on our CALL --------------------------------------------------------------------


def test_abandon_ours_frees_the_slot(pair):
    assert pair.station.abandon_ours() is None
    pair.send(pair.station, BOOT)
    assert pair.station.abandon_ours() == "BootNotification"
    assert pair.station.ours is None
    assert pair.station.abandon_ours() is None
    # a new CALL is allowed, and a late answer to the abandoned one is an unknown id
    pair.station.send(HEARTBEAT)
    late = pair.inject(pair.station, CallResult("s-1", {}))
    assert rules(late) == ["ocppj.unknown-message-id"]
    assert pair.inject(pair.station, CallResult("s-2", {})).action == "Heartbeat"


# -- 2.1 SEND ---------------------------------------------------------------------------------

NOTIFY = Send("n-1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0, "data": []})


def test_send_is_received_with_its_action_and_never_answered():
    pair = Pair(V21)
    got = pair.send(pair.station, NOTIFY)
    assert got == Received(NOTIFY, "NotifyPeriodicEventStream", ())
    assert pair.station.ours is None and pair.csms.theirs == {}
    with pytest.raises(LocalProtocolError):
        pair.csms.send(CallResult("n-1", {}))
    with pytest.raises(LocalProtocolError):
        pair.csms.send(CallError("n-1", "GenericError"))


def test_send_is_exempt_from_the_one_call_rule():
    pair = Pair(V21)
    assert clean(pair.send(pair.station, BOOT))
    # our side: a SEND while our CALL is open, and a CALL right after a SEND
    assert clean(pair.send(pair.station, NOTIFY))
    assert clean(pair.send(pair.station, Send("n-2", "NotifyPeriodicEventStream", {})))
    pair.send(pair.csms, CallResult("s-1", {}))
    pair.send(pair.station, Send("n-3", "NotifyPeriodicEventStream", {}))
    assert clean(pair.send(pair.station, HEARTBEAT))
    # peer side: SENDs between a CALL and its answer are not second CALLs
    assert pair.csms.theirs == {"s-2": "Heartbeat"}
    assert clean(pair.inject(pair.csms, Send("n-4", "NotifyPeriodicEventStream", {})))


def test_answer_to_a_send_is_unknown_id():
    pair = Pair(V21)
    pair.send(pair.station, NOTIFY)
    assert rules(pair.inject(pair.station, CallResult("n-1", {}))) == ["ocppj.unknown-message-id"]


def test_send_reusing_a_call_id_is_flagged():
    pair = Pair(V21)
    pair.send(pair.station, Call("m-1", "Heartbeat", {}))
    pair.send(pair.csms, CallResult("m-1", {}))
    got = pair.inject(pair.csms, Send("m-1", "NotifyPeriodicEventStream", {}))
    assert rules(got) == ["ocppj.message-id-reused"]


def test_call_reusing_a_send_id_is_flagged():
    pair = Pair(V21)
    pair.send(pair.station, Send("m-1", "NotifyPeriodicEventStream", {}))
    got = pair.inject(pair.csms, Call("m-1", "Heartbeat", {}))
    assert rules(got) == ["ocppj.message-id-reused"]


# -- 2.1 CALLRESULTERROR ----------------------------------------------------------------------


def test_callresulterror_about_a_result_we_sent():
    pair = Pair(V21)
    pair.send(pair.station, BOOT)
    pair.send(pair.csms, CallResult("s-1", {"status": "Bogus"}))
    complaint = CallResultError("s-1", "PropertyConstraintViolation", "status")
    got = pair.send(pair.station, complaint)
    assert got == Received(complaint, None, ())
    # it may be repeated; it does not reopen anything
    assert clean(pair.inject(pair.csms, complaint))
    assert pair.csms.theirs == {} and pair.station.ours is None


@pytest.mark.parametrize(
    "setup",
    ["nothing-sent", "we-sent-callerror", "peer-sent-result"],
)
def test_callresulterror_unknown_id(setup):
    pair = Pair(V21)
    if setup == "we-sent-callerror":
        pair.send(pair.station, BOOT)
        pair.send(pair.csms, CallError("s-1", "InternalError"))
    elif setup == "peer-sent-result":
        pair.send(pair.csms, Call("s-1", "Reset", {"type": "Immediate"}))
        pair.send(pair.station, CallResult("s-1", {"status": "Accepted"}))
    got = pair.inject(pair.csms, CallResultError("s-1", "GenericError"))
    assert got.action is None
    (violation,) = got.violations
    assert violation.rule == "ocppj.callresulterror-unknown-id"
    assert violation.severity is Severity.ERROR
    assert "CALLRESULTERROR with message id 's-1'" in violation.message
    assert "refers to no CALLRESULT we sent" in violation.message


# -- the rule table -----------------------------------------------------------------------------


def test_every_reported_rule_is_in_the_rule_table():
    assert set(RULES) == {
        "ocppj.one-call-at-a-time",
        "ocppj.unknown-message-id",
        "ocppj.message-id-reused",
        "ocppj.callresulterror-unknown-id",
    }
    for rule, (reference, text) in RULES.items():
        assert reference.startswith("OCPP-J") and text
        violation = ConversationViolation(rule, "what happened")
        assert violation.reference == reference
        assert str(violation) == f"what happened [{rule}, {reference}]"
