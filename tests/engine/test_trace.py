"""The trace: every frame both ways, with direction, time, raw text, type, action, validity."""

from __future__ import annotations

import json

import pytest

from harness.sim import FrameEvent
from harness.verdicts import DutFailure
from tests.engine.bench import IN, OUT, CsmsBench, settle_boot

TYPES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
def test_every_frame_both_ways_is_in_the_trace(make_csms_bench, version: str) -> None:
    bench: CsmsBench = make_csms_bench(version)
    on_the_wire: list[FrameEvent] = []
    settle_boot(bench, subscribe=on_the_wire.append)
    bench.role.call("TriggerMessage", requestedMessage="Heartbeat").expect(rule="F06")
    bench.role.expect("Heartbeat")
    bench.role.call("Reset", type="Bogus", validate=False)  # answered with a CALLERROR
    # the last round trip is complete: every earlier frame has crossed both ways

    frames = bench.frames()
    sent_by_station = [e.text for e in on_the_wire if e.direction == "out"]
    seen_by_station = [e.text for e in on_the_wire if e.direction == "in"]
    assert [e.raw for e in frames if e.direction == IN] == sent_by_station
    assert [e.raw for e in frames if e.direction == OUT] == seen_by_station

    entries = bench.on_loop(lambda: list(bench.session.trace.entries))
    times = [e.t for e in entries]
    assert times == sorted(times) and times[0] >= 0
    assert [e.seq for e in entries] == list(range(len(entries)))

    calls: dict[str, str] = {}
    for entry in frames:
        decoded = json.loads(entry.raw or "")
        assert entry.message_type == TYPES[decoded[0]]
        assert entry.message_id == decoded[1]
        assert entry.valid and not entry.failing
        if entry.message_type == "CALL":
            assert entry.action == decoded[2]
            calls[entry.message_id] = entry.action
        else:  # a CALLRESULT or CALLERROR carries the action it answers
            assert entry.action == calls[entry.message_id]

    directed = {(e.direction, e.message_type, e.action) for e in frames}
    assert {
        (IN, "CALL", "BootNotification"),
        (OUT, "CALLRESULT", "BootNotification"),
        (OUT, "CALL", "TriggerMessage"),
        (IN, "CALLRESULT", "TriggerMessage"),
        (IN, "CALL", "Heartbeat"),
        (OUT, "CALLRESULT", "Heartbeat"),
        (OUT, "CALL", "Reset"),
        (IN, "CALLERROR", "Reset"),
    } <= directed


def test_invalid_frames_are_marked_invalid_with_their_violations(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.start_station(defects=["boot-omits-model"])
    with pytest.raises(DutFailure):
        bench.role.expect("StatusNotification")

    [entry] = [e for e in bench.frames(IN) if not e.valid]
    assert entry.action == "BootNotification" and entry.message_type == "CALL"
    assert entry.failing
    assert entry.violations[0]["severity"] == "error"
    as_json = bench.on_loop(lambda: entry.to_json())
    assert as_json["valid"] is False and as_json["failing"] is True
    assert as_json["direction"] == IN and as_json["raw"] == entry.raw


def test_trace_steps_record_what_the_test_did(booted: CsmsBench) -> None:
    booted.role.comment("1. the operator does nothing")
    booted.role.expect_silence(0.05)

    entries = booted.on_loop(lambda: list(booted.session.trace.entries))
    steps = [e.note for e in entries if e.kind == "step"]
    assert steps[-2:] == ["1. the operator does nothing", "expect silence for 0.05 s"]


def test_table_steps_number_the_steps_that_follow(booted: CsmsBench) -> None:
    """Role.step: the Part 6 table's step is shown in the trace and carried by every
    script step recorded after it, a failing one included."""
    booted.role.expect_silence(0.01)  # before any table step: no number
    booted.role.step("3-4", "TriggerMessage Heartbeat: Accepted")
    booted.role.call("TriggerMessage", requestedMessage="Heartbeat").expect(rule="F06")
    booted.role.step(5, "a Heartbeat")
    booted.role.expect("Heartbeat")
    booted.role.step(6, "nothing more")
    with pytest.raises(DutFailure):
        booted.role.expect("MeterValues", timeout=0.05)

    trace = booted.session.trace
    entries = booted.on_loop(lambda: list(trace.entries))
    assert "step 3-4: TriggerMessage Heartbeat: Accepted" in [e.note for e in entries]
    steps = booted.on_loop(lambda: [dict(s) for s in trace.steps])
    assert "table_step" not in steps[0]
    assert [(s["kind"], s.get("table_step")) for s in steps[1:]] == [
        ("call", "3-4"),
        ("check", "3-4"),  # the answer's tool validation, a step of its own
        ("expect", "5"),
        ("expect", "6"),
    ]
    assert steps[-1]["outcome"] == "failed"
    assert trace.table_step == "6"


def test_the_report_schema_knows_every_entry_kind_topic_and_direction():
    import json

    from harness.trace import Direction, EntryKind, Topic
    from tests.helpers import ROOT

    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    entry = schema["$defs"]["entry"]["properties"]
    assert entry["kind"]["enum"] == [kind.value for kind in EntryKind]
    assert entry["topic"]["enum"] == [topic.value for topic in Topic]
    assert entry["direction"]["enum"] == [direction.value for direction in Direction]


def test_entries_are_written_with_plain_strings():
    from harness.trace import Topic, Trace

    trace = Trace()
    trace.event("connection 1 opened", topic=Topic.CONNECTION)
    (entry,) = trace.to_json()
    assert type(entry["kind"]) is str and type(entry["topic"]) is str
    assert (entry["kind"], entry["topic"]) == ("event", "connection")


def test_connection_events_carry_their_topic(make_csms_bench) -> None:
    from harness.trace import EntryKind, Topic

    bench: CsmsBench = make_csms_bench("2.0.1")
    settle_boot(bench)
    entries = bench.on_loop(lambda: list(bench.session.trace.entries))
    opened = [e for e in entries if e.topic is Topic.CONNECTION]
    assert opened and opened[0].kind is EntryKind.EVENT
    assert "opened" in (opened[0].note or "")
    # a step is not about a connection, whatever its words
    assert all(e.topic is None for e in entries if e.kind is EntryKind.STEP)
