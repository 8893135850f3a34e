"""The SVG sequence diagram: arrows, marks, notes, escaping, truncation, determinism.

Every test parses the output with ElementTree: the diagram is inlined in report.html, so
well-formed XML with no script is the contract, whatever the DUT sent.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from harness.report.diagram import sequence_svg

NS = "{http://www.w3.org/2000/svg}"
IN = "dut->harness"
OUT = "harness->dut"


def _frame(seq: int, t: float, direction: str, payload: list[Any], **extra: Any) -> dict:
    types = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR", 5: "CALLRESULTERROR", 6: "SEND"}
    entry = {
        "seq": seq,
        "t": t,
        "kind": "frame",
        "direction": direction,
        "raw": json.dumps(payload),
        "message_type": types[payload[0]],
        "message_id": payload[1],
        "valid": True,
    }
    entry.update(extra)
    return entry


def _boot_trace() -> list[dict]:
    """What a station's boot looks like in a real trace: connection, boot, status, heartbeat."""
    return [
        {
            "seq": 0,
            "t": 0.0,
            "kind": "event",
            "valid": True,
            "note": "connection 1 opened",
            "topic": "connection",
        },
        {"seq": 1, "t": 0.001, "kind": "step", "valid": True, "note": "expect BootNotification"},
        _frame(
            2,
            0.012,
            IN,
            [2, "b1", "BootNotification", {"reason": "PowerUp"}],
            action="BootNotification",
        ),
        _frame(
            3,
            0.014,
            OUT,
            [3, "b1", {"status": "Accepted", "interval": 300}],
            action="BootNotification",
        ),
        _frame(
            4,
            0.03,
            IN,
            [2, "s1", "StatusNotification", {"connectorStatus": "Available"}],
            action="StatusNotification",
        ),
        _frame(5, 0.031, OUT, [3, "s1", {}], action="StatusNotification"),
        _frame(6, 0.05, IN, [2, "h1", "Heartbeat", {}], action="Heartbeat"),
        _frame(
            7,
            0.051,
            OUT,
            [4, "h1", "FormatViolation", "bad", {}],
            action="Heartbeat",
        ),
    ]


def _svg(trace: list[dict], **kwargs: Any) -> tuple[str, ET.Element]:
    text = sequence_svg(
        trace, harness_role="harness (CSMS)", dut_label="DUT: charging station CP001", **kwargs
    )
    return text, ET.fromstring(text)


def _classes(element: ET.Element) -> list[str]:
    return (element.get("class") or "").split()


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if cls in _classes(g)]


def _text(element: ET.Element, cls: str | None = None) -> str:
    """The visible text of an element (its <title> tooltip left out)."""
    return " ".join(
        t.text or "" for t in element.iter(f"{NS}text") if cls is None or cls in _classes(t)
    )


def test_root_and_lanes():
    _, root = _svg(_boot_trace())
    assert root.tag == f"{NS}svg"
    assert _classes(root) == ["ocpp-sequence"]
    assert root.get("width") == "900"
    lanes = _text(root)
    assert "harness (CSMS)" in lanes
    assert "DUT: charging station CP001" in lanes


def test_one_arrow_per_frame_with_direction_and_label():
    _, root = _svg(_boot_trace())
    arrows = _groups(root, "msg")
    assert [a.get("data-seq") for a in arrows] == ["2", "3", "4", "5", "6", "7"]
    assert [a.get("data-direction") for a in arrows] == [IN, OUT, IN, OUT, IN, OUT]
    assert [a.get("data-action") for a in arrows] == [
        "BootNotification",
        "BootNotification",
        "StatusNotification",
        "StatusNotification",
        "Heartbeat",
        "Heartbeat",
    ]
    labels = [_text(a, "label") for a in arrows]
    assert labels == [
        "BootNotification",
        "BootNotification ✓ result",
        "StatusNotification",
        "StatusNotification ✓ result",
        "Heartbeat",
        "Heartbeat ✗ CALLERROR FormatViolation",
    ]
    assert root.get("data-arrows") == "6"


def test_arrows_point_the_way_the_frame_travelled_and_go_down():
    _, root = _svg(_boot_trace())
    ys = []
    for arrow in _groups(root, "msg"):
        line = arrow.find(f"{NS}line")
        x1, x2 = float(line.get("x1")), float(line.get("x2"))
        assert (x1 < x2) == (arrow.get("data-direction") == OUT)
        ys.append(float(line.get("y1")))
    assert ys == sorted(ys) and len(set(ys)) == len(ys)


def test_time_column():
    _, root = _svg(_boot_trace())
    times = [_text(a, "t") for a in _groups(root, "msg")]
    assert times == ["0.012", "0.014", "0.030", "0.031", "0.050", "0.051"]


def test_failing_frame_is_red_thick_and_names_the_rule():
    trace = _boot_trace()
    trace[4].update(
        valid=False,
        failing=True,
        violations=[
            {"rule": "schema.enum", "message": "not an enum value", "severity": "error"},
            {"rule": "other", "message": "x", "severity": "warning"},
        ],
    )
    _, root = _svg(trace)
    failing = _groups(root, "failing")
    assert len(failing) == 1
    arrow = failing[0]
    assert "msg" in _classes(arrow) and arrow.get("data-seq") == "4"
    line = arrow.find(f"{NS}line")
    assert float(line.get("stroke-width")) >= 3
    assert line.get("stroke") == "#cf222e"
    assert _text(arrow, "marker") == "✗ failing: schema.enum"
    assert "other" not in _text(arrow)
    assert "not an enum value" in arrow.find(f"{NS}title").text  # the tooltip says why


def test_invalid_frame_is_drawn_in_warning_colour():
    trace = _boot_trace()
    trace[2].update(
        valid=False,
        violations=[{"rule": "schema.required", "message": "m", "severity": "warning"}],
    )
    _, root = _svg(trace)
    invalid = _groups(root, "invalid")
    assert [g.get("data-seq") for g in invalid] == ["2"]
    ok = [g for g in _groups(root, "msg") if g.get("data-seq") == "4"][0]
    assert invalid[0].find(f"{NS}line").get("stroke") != ok.find(f"{NS}line").get("stroke")
    assert "schema.required" in _text(invalid[0], "marker")
    assert _groups(root, "failing") == []


def test_unparseable_frame_is_a_red_dashed_arrow():
    bad = {
        "seq": 0,
        "t": 0.5,
        "kind": "frame",
        "direction": IN,
        "raw": "not json {",
        "valid": False,
        "violations": [{"rule": "framing.json", "message": "m", "severity": "error"}],
    }
    _, root = _svg([bad])
    (arrow,) = _groups(root, "msg")
    assert "unparsed" in _classes(arrow)
    line = arrow.find(f"{NS}line")
    assert line.get("stroke-dasharray")
    assert line.get("stroke") == "#cf222e"
    assert _text(arrow, "label") == "invalid frame"
    assert arrow.get("data-action") == ""
    # parsed frames are solid
    _, root = _svg(_boot_trace())
    assert all(g.find(f"{NS}line").get("stroke-dasharray") is None for g in _groups(root, "msg"))


def test_other_message_types():
    trace = [
        _frame(
            0,
            0.1,
            IN,
            [6, "n1", "NotifyPeriodicEventStream", {}],
            action="NotifyPeriodicEventStream",
        ),
        _frame(1, 0.2, OUT, [5, "r1", "InternalError", "", {}], action="Heartbeat"),
        # a CALLERROR whose raw cannot be read still gets a label
        {**_frame(2, 0.3, OUT, [4, "e", "X", "", {}], action="Reset"), "raw": "[4,"},
    ]
    _, root = _svg(trace)
    labels = [_text(a, "label") for a in _groups(root, "msg")]
    assert labels == [
        "NotifyPeriodicEventStream send",
        "Heartbeat ✗ CALLRESULTERROR InternalError",
        "Reset ✗ CALLERROR",
    ]


def test_events_actions_connections_and_steps_are_notes():
    trace = _boot_trace() + [
        {
            "seq": 8,
            "t": 1.0,
            "kind": "step",
            "valid": True,
            "note": "act reboot",
            "topic": "action",
        },
        {
            "seq": 9,
            "t": 1.1,
            "kind": "event",
            "valid": True,
            "note": "operator prompt: plug in",
            "topic": "action",
        },
        {
            "seq": 10,
            "t": 1.2,
            "kind": "event",
            "valid": True,
            "note": "connection 1 closed (code 1000)",
            "topic": "connection",
        },
        {"seq": 11, "t": 1.3, "kind": "event", "valid": True, "note": "handshake refused: x"},
        # the text alone decides nothing: a step that reads like an action is a step
        {"seq": 12, "t": 1.4, "kind": "step", "valid": True, "note": "act as if connected"},
    ]
    _, root = _svg(trace)
    notes = _groups(root, "note")
    by_seq = {g.get("data-seq"): g for g in notes}
    assert set(by_seq) == {"0", "1", "8", "9", "10", "11", "12"}
    assert "connection" in _classes(by_seq["0"]) and "connection" in _classes(by_seq["10"])
    assert "step" in _classes(by_seq["1"])
    assert "action" in _classes(by_seq["8"]) and "action" in _classes(by_seq["9"])
    assert "event" in _classes(by_seq["11"])
    assert "step" in _classes(by_seq["12"])
    assert "operator prompt: plug in" in _text(by_seq["9"])
    assert by_seq["10"].find(f"{NS}line") is not None  # a rule across the diagram
    # notes are beside the DUT lane, steps on the harness side
    dut_note = float(by_seq["9"].find(f"{NS}rect").get("x"))
    step = float(by_seq["1"].find(f"{NS}rect").get("x"))
    assert step < 250 < dut_note < 650


HOSTILE = "</svg><script>alert(1)</script> & \"q\" 'a' \x00\x07\x1b[31m \ud800 \u202e 🚗⚡ é"


def test_hostile_text_is_escaped_everywhere():
    trace = [
        {
            "seq": 0,
            "t": 0.0,
            "kind": "frame",
            "direction": IN,
            "raw": f'[2,"1",{json.dumps(HOSTILE)},{{}}]',
            "message_type": "CALL",
            "message_id": HOSTILE,
            "action": HOSTILE,
            "valid": False,
            "failing": True,
            "violations": [{"rule": HOSTILE, "message": HOSTILE, "severity": "error"}],
            "note": HOSTILE,
        },
        {
            "seq": 1,
            "t": 0.1,
            "kind": "frame",
            "direction": OUT,
            "raw": f'[4,"1",{json.dumps(HOSTILE)},"",{{}}]',
            "message_type": "CALLERROR",
            "action": HOSTILE,
            "valid": True,
        },
        {"seq": 2, "t": 0.2, "kind": "frame", "direction": IN, "raw": HOSTILE, "valid": False},
        {"seq": 3, "t": 0.3, "kind": "event", "valid": True, "note": HOSTILE},
        {"seq": 4, "t": 0.4, "kind": "step", "valid": True, "note": HOSTILE},
    ]
    text = sequence_svg(trace, harness_role=HOSTILE, dut_label=HOSTILE)
    root = ET.fromstring(text)  # well-formed despite all of it
    assert not [e for e in root.iter() if e.tag.lower().endswith("script")]
    assert "<script" not in text and "</svg><" not in text.replace("</svg>", "", 1)
    assert text.count("</svg>") == 1 and text.endswith("</svg>")
    for bad in ("\x00", "\x07", "\x1b", "\ud800", "\u202e"):
        assert bad not in text
    assert "\\x07" in text  # shown, not silently dropped
    assert "🚗⚡ é" in text
    assert len(_groups(root, "msg")) == 3
    assert len(_groups(root, "failing")) == 1
    assert text.encode("utf-8")  # no lone surrogate left: encodable as the page is


def test_long_labels_are_cut_with_an_ellipsis():
    action = "A" * 500
    trace = [_frame(0, 0.0, IN, [2, "1", action, {}], action=action)]
    trace.append({"seq": 1, "t": 0.0, "kind": "event", "valid": True, "note": "n" * 5000})
    _, root = _svg(trace)
    label = _text(_groups(root, "msg")[0], "label")
    assert label.endswith("…") and len(label) <= 60
    note = _text(_groups(root, "note")[0])
    assert note.endswith("…") and len(note) < 100
    assert len(_groups(root, "msg")[0].get("data-action")) <= 80


def test_a_huge_frame_stays_small():
    raw = '[2,"1","DataTransfer",{"data":"' + "A" * 1_000_000 + '"}]'
    trace = [_frame(0, 0.0, OUT, [2, "1", "DataTransfer", {}], action="DataTransfer", raw=raw)]
    text, _ = _svg(trace)
    assert len(text) < 10_000


def _long_trace(n: int) -> list[dict]:
    return [
        _frame(i, i * 0.01, IN if i % 2 == 0 else OUT, [2, str(i), "Heartbeat", {}], action="H")
        for i in range(n)
    ]


def test_rows_beyond_max_rows_become_one_note():
    _, root = _svg(_long_trace(25), max_rows=10)
    assert len(_groups(root, "msg")) == 10
    (more,) = _groups(root, "more")
    assert "note" in _classes(more)
    assert _text(more) == "… 15 more frames (see the trace)"


def test_default_max_rows_is_400():
    _, root = _svg(_long_trace(401))
    assert len(_groups(root, "msg")) == 400
    assert _text(_groups(root, "more")[0]) == "… 1 more frame (see the trace)"
    _, root = _svg(_long_trace(400))
    assert len(_groups(root, "msg")) == 400 and _groups(root, "more") == []


def test_a_failing_frame_beyond_the_cut_is_still_shown():
    trace = _long_trace(30)
    trace[20]["failing"] = True
    _, root = _svg(trace, max_rows=10)
    assert [g.get("data-seq") for g in _groups(root, "msg")][-1] == "20"
    assert len(_groups(root, "failing")) == 1
    assert [_text(g) for g in _groups(root, "more")] == [
        "… 10 more frames (see the trace)",
        "… 9 more frames (see the trace)",
    ]


def test_empty_trace_says_no_frames():
    text, root = _svg([])
    assert _groups(root, "msg") == []
    (empty,) = _groups(root, "empty")
    assert "note" in _classes(empty) and _text(empty) == "no frames"
    assert int(root.get("height")) < 150
    assert len(text) < 3000


def test_trace_without_frames_says_so_but_keeps_its_notes():
    trace = [{"seq": 0, "t": 0.0, "kind": "event", "valid": True, "note": "handshake refused"}]
    _, root = _svg(trace)
    assert len(_groups(root, "note")) == 2
    assert _groups(root, "empty")


def test_self_contained():
    text, root = _svg(_boot_trace())
    for attr in ("href", "{http://www.w3.org/1999/xlink}href", "src", "id"):
        assert not [e for e in root.iter() if e.get(attr) is not None]
    assert "url(" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert not [e for e in root.iter() if e.tag in (f"{NS}style", f"{NS}script")]


def test_deterministic():
    trace = _boot_trace()
    trace[3]["failing"] = True
    first = _svg(trace)[0]
    assert _svg(json.loads(json.dumps(trace)))[0] == first
    assert _svg(trace)[0] == first


@pytest.mark.parametrize(
    ("role", "label"),
    [("harness (station)", "harness (station)"), ("CSMS", "harness (CSMS)"), ("", "harness")],
)
def test_harness_lane_label(role: str, label: str):
    root = ET.fromstring(sequence_svg([], harness_role=role, dut_label="DUT: CSMS"))
    lane = [g for g in root.iter(f"{NS}g") if g.get("data-lane") == "harness"][0]
    assert _text(lane) == label
