"""The session's parts without a connection: observing a frame, the always-on monitors,
the reply book. Each is fed text and times by hand, which is the point of keeping them
apart from the session's connections and waits."""

from __future__ import annotations

import json

from harness.monitors import RuleMonitors
from harness.observe import observe
from harness.ocppj import Call, Conversation, OcppVersion
from harness.replies import ReplyBook, error_reply, sticky

V201 = OcppVersion.V201


def _observe(text: str, conversation: Conversation | None = None, **kwargs):
    return observe(text, V201, conversation or Conversation(V201), **kwargs)


# -- observe ------------------------------------------------------------------------------


def test_a_valid_call_has_no_violation_and_no_failure():
    seen = _observe('[2,"1","Heartbeat",{}]')
    assert seen.call is not None and seen.call.action == "Heartbeat"
    assert seen.violations == [] and seen.failure(7, "station") is None
    assert seen.error_reply(V201) is None


def test_a_schema_invalid_call_fails_naming_the_frame_and_the_schema_rule():
    seen = _observe('[2,"1","Heartbeat",{"extra":1}]')
    reason, rule = seen.failure(7, "charging station")
    assert rule.startswith("schema:HeartbeatRequest")
    assert reason.startswith("charging station sent an invalid Heartbeat (frame 7)")
    assert seen.violation_records()[0]["severity"] == "error"


def test_text_that_is_not_json_owes_an_rpc_framework_error_with_id_minus_one():
    seen = _observe("{not json")
    assert seen.frame is None
    assert seen.failure(3, "station")[1] == "ocppj.not-json"
    assert json.loads(seen.error_reply(V201))[:3] == [4, "-1", "RpcFrameworkError"]
    assert json.loads(seen.error_reply(OcppVersion.V16))[2] == "FormationViolation"


def test_an_unknown_message_type_is_a_failure_that_owes_no_answer():
    seen = _observe('[9,"1","Heartbeat",{}]')
    assert seen.failure(1, "station")[1] == "ocppj.unknown-message-type"
    assert seen.error_reply(V201) is None


def test_an_answer_to_the_harnesss_call_names_the_action_it_answers():
    conversation = Conversation(V201)
    conversation.send(Call("h1", "GetVariables", {"getVariableData": []}))
    seen = _observe('[3,"h1",{"getVariableResult":[]}]', conversation)
    assert seen.response_to == "GetVariables"
    reason, rule = seen.failure(4, "station")
    assert rule.startswith("schema:GetVariablesResponse")
    assert "invalid CALLRESULT to GetVariables (frame 4)" in reason


def test_an_answer_to_a_raw_frame_bypasses_the_conversation_rules():
    raw_ids = {"raw-1"}
    seen = _observe('[3,"raw-1",{}]', raw_ids=raw_ids)
    assert seen.answers_raw and raw_ids == set() and seen.violations == []
    # the same answer without the raw frame answers no CALL: a conversation rule
    assert _observe('[3,"raw-1",{}]').failure(1, "station")[1] == "ocppj.unknown-message-id"


# -- monitors -----------------------------------------------------------------------------


def test_the_boot_gate_judges_what_a_station_sends_before_its_boot_is_answered():
    monitors = RuleMonitors(V201, peer="charging station")
    assert monitors.dut_call("BootNotification", {}, seq=1, now=0.0) == []
    (finding,) = monitors.dut_call("Heartbeat", {}, seq=2, now=0.1)
    assert finding.rule == "B01.FR.08" and "(frame 2)" in finding.reason
    monitors.harness_boot_answer("Accepted", 30, now=0.2)
    assert monitors.dut_call("Heartbeat", {}, seq=3, now=0.3) == []
    assert monitors.heartbeat_interval_given == 30


def test_only_allow_fails_any_other_call_and_begin_case_lifts_it():
    monitors = RuleMonitors(V201, peer="station")
    monitors.restriction = (("BootNotification",), "B02.FR.02")
    (finding,) = monitors.dut_call("Heartbeat", {}, seq=5, now=0.0)
    assert finding.rule == "B02.FR.02"
    assert "only BootNotification may be sent" in finding.reason
    monitors.begin_case()
    assert monitors.dut_call("Heartbeat", {}, seq=6, now=0.0) == []


def _status(evse: int, connector: int) -> dict:
    return {
        "timestamp": "2026-01-01T00:00:00Z",
        "connectorStatus": "Available",
        "evseId": evse,
        "connectorId": connector,
    }


def test_a_connector_report_outside_the_profiles_layout_fails_naming_the_numbering_rule():
    monitors = RuleMonitors(V201, peer="charging station")
    assert monitors.dut_call("StatusNotification", _status(3, 1), seq=1, now=0.0) == []
    monitors.layout = {1: (1,), 2: (1, 2)}
    assert monitors.dut_call("StatusNotification", _status(2, 2), seq=2, now=0.0) == []
    (evse,) = monitors.dut_call("StatusNotification", _status(3, 1), seq=3, now=0.0)
    assert evse.rule == "Part 1 §7.1" and "frame 3" in evse.reason
    assert "reports EVSE 3 connector 1" in evse.reason and "EVSEs 1, 2" in evse.reason
    (connector,) = monitors.dut_call("StatusNotification", _status(1, 2), seq=4, now=0.0)
    assert connector.rule == "Part 1 §7.2" and "EVSE 1 with connectors 1" in connector.reason
    # the same in a NotifyEvent; evseId 0 (the station itself) is no connector either
    event = {
        "generatedAt": "2026-01-01T00:00:00Z",
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 1,
                "timestamp": "2026-01-01T00:00:00Z",
                "trigger": "Delta",
                "actualValue": "Available",
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": 0, "connectorId": 1}},
                "variable": {"name": "AvailabilityState"},
            }
        ],
    }
    (station,) = monitors.dut_call("NotifyEvent", event, seq=5, now=0.0)
    assert station.rule == "Part 1 §7.1" and "NotifyEvent (frame 5)" in station.reason
    # 1.6 numbers connectors only: not judged here
    v16 = RuleMonitors(OcppVersion.V16, peer="charging station")
    v16.layout = {1: (1,)}
    assert v16.dut_call("StatusNotification", {"connectorId": 7}, seq=1, now=0.0) == []


def test_an_unknown_callerror_code_is_a_note_and_a_known_one_nothing():
    monitors = RuleMonitors(V201, peer="station")
    note = monitors.dut_error_code("Oops", seq=9)
    assert note is not None and note.note and note.rule == "ocppj.error-code"
    assert monitors.dut_error_code("NotSupported", seq=9) is None
    # 1.6 spells it FormationViolation: 2.x's FormatViolation is unknown there
    assert RuleMonitors(OcppVersion.V16, peer="station").dut_error_code("FormatViolation", seq=1)


def _event(event_type: str, seq_no: int) -> dict:
    return {
        "eventType": event_type,
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "t1"},
    }


def test_transaction_numbering_is_judged_at_the_end_of_the_case():
    monitors = RuleMonitors(V201, peer="station")
    assert monitors.dut_call("TransactionEvent", _event("Started", 0), seq=1, now=0.0) == []
    monitors.dut_call("TransactionEvent", _event("Ended", 2), seq=2, now=0.0)
    (finding,) = monitors.end_of_case()
    assert finding.rule == "E01.FR.07"


# -- replies ------------------------------------------------------------------------------


def test_registered_replies_go_first_in_order_then_the_always_reply_stays():
    book = ReplyBook(V201, heartbeat_interval=300)
    assert book.choose("BootNotification", {}).payload["interval"] == 300
    book.will_reply("BootNotification", sticky({"status": "Rejected"}))
    book.will_reply("BootNotification", {"status": "Pending"})
    book.will_reply("BootNotification", error_reply("InternalError", "down"))
    first = book.choose("BootNotification", {})
    assert first.payload["status"] == "Pending" and "currentTime" in first.payload
    assert book.choose("BootNotification", {}).error == ("InternalError", "down")
    for _ in range(2):
        assert book.choose("BootNotification", {}).payload["status"] == "Rejected"
    book.clear()
    assert book.choose("BootNotification", {}).payload["status"] == "Accepted"


def test_a_reply_may_be_computed_from_the_request():
    book = ReplyBook(V201, heartbeat_interval=300)
    book.will_reply("Authorize", lambda request: {"idTokenInfo": {"status": request["s"]}})
    assert book.choose("Authorize", {"s": "Blocked"}).payload == {
        "idTokenInfo": {"status": "Blocked"}
    }


def test_the_boot_gate_keeps_the_status_as_an_enum_and_ignores_a_made_up_one():
    from harness.spec.boot import BootStatus

    monitors = RuleMonitors(V201, peer="station")
    monitors.dut_call("BootNotification", {}, seq=1, now=0.0)
    monitors.harness_boot_answer("Pending", 5, now=0.0)
    assert monitors.boot_gate.status is BootStatus.PENDING
    # a hostile CSMS's status is no status: the gate does not hold the station to it
    monitors.boot_gate.boot_answered("Maybe", 5, now=0.0)
    assert monitors.boot_gate.status is None
    assert monitors.dut_call("Heartbeat", {}, seq=2, now=0.1) == []


def test_a_duplicate_key_fails_in_strict_mode_and_warns_in_lenient():
    from harness.ocppj import Strictness

    text = '[2,"1","Heartbeat",{}]'.replace("{}", '{"a":1,"a":2}')
    strict = _observe(text)
    assert strict.failure(3, "station")[1] == "ocppj.duplicate-key"
    lenient = _observe(text, strictness=Strictness.LENIENT)
    (warning,) = [v for v in lenient.warnings if v.rule == "ocppj.duplicate-key"]
    assert "'a' appears twice" in str(warning) and "RFC 8259" in str(warning)


def test_a_frame_on_a_replaced_connection_is_named_and_not_taken():
    """The answer to the harness's CALL arriving on the old connection, after a new one of
    the same identity replaced it, does not answer the CALL; it is traced and named."""
    import asyncio

    from harness.session import Session, _Connection

    async def scenario() -> Session:
        session = Session(V201, describe_peer="charging station")
        old = _Connection(1, None, Conversation(V201))
        session._current = _Connection(2, None, Conversation(V201))
        await session._ingest('[3,"h-1",{"status":"Accepted"}]', old)
        return session

    session = asyncio.run(scenario())
    (entry,) = [e for e in session.trace.entries if e.kind == "frame"]
    assert entry.violations[0]["rule"] == "transport.replaced-connection"
    assert "on connection 1 after connection 2 replaced it: not taken" in (entry.note or "")
    assert [w.rule for w in session.warnings] == ["transport.replaced-connection"]
    assert session.failures == []


def test_a_long_wait_speaks_with_the_time_left(monkeypatch):
    """Every LONG_WAIT_TICK seconds of a wait, what it waits for and how long is left."""
    import asyncio

    import harness.session as session_module
    from harness.session import Session

    monkeypatch.setattr(session_module, "LONG_WAIT_TICK", 0.05)
    told: list[tuple[str, float]] = []

    async def scenario() -> None:
        session = Session(V201)
        session.on_long_wait = lambda what, left: told.append((what, left))
        assert await session._wait(lambda: False, 0.22, "Heartbeat") is None

    asyncio.run(scenario())
    assert 3 <= len(told) <= 5, told
    assert {what for what, _ in told} == {"Heartbeat"}
    lefts = [left for _, left in told]
    assert lefts == sorted(lefts, reverse=True) and 0 < lefts[-1] < 0.22


def test_an_answer_owed_goes_out_before_the_harness_calls():
    """The station's BootNotification, taken by an expect() and not answered yet: the
    harness's next CALL waits until that answer is on the wire (a station waiting for its
    boot answer drops a request that overtakes it)."""
    import asyncio

    from harness.session import Session, _Connection

    on_the_wire: list[list] = []
    later: list[asyncio.Future] = []

    async def scenario() -> None:
        session = Session(V201)

        class Wire:
            async def send(self, text: str) -> None:
                frame = json.loads(text)
                on_the_wire.append(frame[:2])
                if frame[0] == 2:  # the harness's CALL: the station answers it
                    answer = json.dumps([3, frame[1], {"status": "Accepted"}])
                    later.append(asyncio.ensure_future(session._ingest(answer, connection)))

        connection = _Connection(1, Wire(), Conversation(V201))
        session._current = connection
        boot = {"chargingStation": {"model": "m", "vendorName": "v"}, "reason": "PowerUp"}
        session._awaiting = "BootNotification"  # an expect() takes it: not answered yet
        await session._ingest(json.dumps([2, "b1", "BootNotification", boot]), connection)
        session._awaiting = None
        response = await session.call("Reset", {"type": "Immediate"}, timeout=2)
        assert response["status"] == "Accepted"

    asyncio.run(scenario())
    assert [kind for kind, _ in on_the_wire] == [3, 2], on_the_wire  # answer, then CALL


def test_a_schema_valid_call_that_breaks_a_conversation_rule_is_answered_as_usual():
    """FormatViolation says the payload breaks its schema: a valid CALL sent while the
    previous one is unanswered fails the one-call rule, and gets its normal answer."""
    import asyncio

    from harness.session import Session, _Connection

    replies: list[list] = []

    async def scenario() -> Session:
        session = Session(V201)

        class Wire:
            async def send(self, text: str) -> None:
                replies.append(json.loads(text))

        connection = _Connection(1, Wire(), Conversation(V201))
        session._current = connection
        session._awaiting = "Authorize"  # an expect() holds the first CALL unanswered
        token = {"idToken": {"idToken": "AB12", "type": "ISO14443"}}
        await session._ingest(json.dumps([2, "a1", "Authorize", token]), connection)
        await session._ingest('[2,"h1","Heartbeat",{}]', connection)
        await asyncio.sleep(0)  # let the reply task write
        return session

    session = asyncio.run(scenario())
    assert [f.rule for f in session.failures] == ["ocppj.one-call-at-a-time"]
    (reply,) = [r for r in replies if r[1] == "h1"]
    assert reply[0] == 3 and "currentTime" in reply[2]  # a CALLRESULT, not a CALLERROR
