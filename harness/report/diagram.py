"""An SVG sequence diagram of one case's trace, inlined in the HTML report.

The trace table holds every byte; the diagram is there so an engineer sees the shape of
the exchange at a glance: who spoke, in which order, where the DUT went wrong. So it
draws one arrow per frame between two lifelines (harness and DUT), colours invalid
frames, marks the failing frame, and puts connection changes, operator actions and the
script's steps beside the lanes.

The output is a single ``<svg>`` element inlined in report.html, so it must be safe and
self-contained:

* every piece of text that came from the DUT is sanitised (characters XML 1.0 forbids,
  other control characters and bidi overrides are shown as ``\\xNN``/``\\uNNNN``) and
  escaped; long text is cut with "…" (the trace table and report.json keep it whole);
* no ``<style>`` (it would leak into the whole page), no ``id``/``url(#…)`` references
  (several diagrams share one page and some sit in collapsed rows), no scripts, no
  external resources: colours are presentation attributes, arrowheads are polygons;
* the same trace always gives the same string, so reports can be diffed.

Classes and ``data-`` attributes let tests and the browser check find things: the root
``svg.ocpp-sequence``, one ``g.msg`` per arrow (``data-seq``, ``data-direction``,
``data-action``, ``data-type``; extra classes ``failing``, ``warning``, ``invalid``,
``unparsed``)
and ``g.note`` for everything else (extra classes ``event``, ``action``, ``step``,
``connection``, ``more``, ``empty``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.trace import IN, OUT, EntryKind, Topic

__all__ = ["sequence_svg"]

# -- layout (px); the report shows the diagram at about 900 px -------------------------------
_WIDTH = 900
_TIME_X = 46  # right edge of the time column
_HARNESS_X = 250  # harness lifeline
_DUT_X = 650  # DUT lifeline
_MID = (_HARNESS_X + _DUT_X) // 2
_HEAD_W = 280
_HEAD_BOTTOM = 36
_FIRST_ROW = 48
_BOTTOM_PAD = 14

_ROW_FRAME = 30
_ROW_FRAME_MARKED = 42  # a frame with a marker line under its arrow
_ROW_STEP = 20
_ROW_NOTE = 26
_ROW_CONNECTION = 22

# characters that fit: estimated from font size, with some margin for wide glyphs
_HEAD_CHARS = 36
_LABEL_CHARS = 56
_MARKER_CHARS = 60
_NOTE_CHARS = 62
_STEP_CHARS = 62
_RULE_CHARS = 90
_ATTR_CHARS = 80
_TITLE_RAW_CHARS = 300

# -- colours (GitHub Primer palette, readable on white) --------------------------------------
_INK = "#24292f"
_OUT_INK = "#0969da"
_GREY = "#57606a"
_LIGHT = "#8c959f"
_WARN = "#9a6700"
_RED = "#cf222e"
_FAIL_BAND = "#ffebe9"

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: control characters (C0 except whitespace, DEL, C1), lone surrogates, the two
#: non-characters XML 1.0 forbids, and bidi overrides that could make a label lie
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but tab, LF, CR; DEL; C1
    "\ud800-\udfff\ufffe\uffff"  # lone surrogates, non-characters
    "\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides, isolates
)


# -- text ------------------------------------------------------------------------------------


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _clean(value: Any, *, lines: bool = False) -> str:
    """Text safe for XML 1.0 that still shows what was there (``\\x07``, not nothing).

    Labels are one line, so whitespace runs collapse to one space; tooltips keep lines.
    """
    text = str(value)
    if lines:
        text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    else:
        text = " ".join(text.split())
    return _UNSAFE.sub(_visible, text)


def _fit(value: Any, limit: int, *, lines: bool = False) -> str:
    """Cleaned text of at most ``limit`` characters, cut with "…" when longer.

    Cut before cleaning too, so a 1 MB frame costs no more than a short one.
    """
    text = str(value)
    shown = _clean(text[: limit * 2], lines=lines)
    if len(shown) > limit or len(text) > limit * 2:
        shown = shown[: limit - 1].rstrip() + "…"
    return shown


def _x(text: str) -> str:
    """XML-escape for text and double- or single-quoted attribute values."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _t(value: Any, limit: int) -> str:
    return _x(_fit(value, limit))


def _seconds(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:.3f}"


# -- what a frame says -----------------------------------------------------------------------


def _error_code(raw: Any) -> str | None:
    """The error code of a CALLERROR/CALLRESULTERROR: ``[4, id, code, description, …]``."""
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list) and len(value) > 2 and value[2] is not None:
        return str(value[2])
    return None


def _label(entry: Mapping[str, Any]) -> str:
    """Action plus the short form of the message type, e.g. "Heartbeat ✓ result"."""
    message_type = entry.get("message_type")
    if not message_type:
        return "invalid frame"
    action = str(entry.get("action") or "").strip()
    if message_type == "CALL":
        text = action or "CALL"
    elif message_type == "SEND":
        text = f"{action} send"
    elif message_type == "CALLRESULT":
        text = f"{action} ✓ result"
    elif message_type in ("CALLERROR", "CALLRESULTERROR"):
        code = _error_code(entry.get("raw"))
        text = f"{action} ✗ {message_type}" + (f" {code}" if code else "")
    else:
        text = f"{action} {message_type}"
    return text.strip()


def _violations(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = entry.get("violations")
    if not isinstance(found, list):
        return []
    return [v for v in found if isinstance(v, Mapping)]


def _tooltip(entry: Mapping[str, Any]) -> str:
    """Hover text: what the arrow cannot show (id, violations, the start of the frame)."""
    head = (
        f"#{entry.get('seq', '?')} t={_seconds(entry.get('t'))} s {entry.get('direction', '')} "
        f"{entry.get('message_type') or 'unparseable'}"
    )
    if entry.get("message_id") is not None:
        head += f" id={entry.get('message_id')}"
    lines = [_fit(head, 160)]
    for violation in _violations(entry)[:5]:
        lines.append(_fit(f"{violation.get('rule', '')}: {violation.get('message', '')}", 200))
    if entry.get("note"):
        lines.append(_fit(entry["note"], 200))
    if entry.get("raw") is not None:
        lines.append(_fit(entry["raw"], _TITLE_RAW_CHARS, lines=True))
    return _x("\n".join(lines))


def _note_style(entry: Mapping[str, Any]) -> str:
    """Where a non-frame entry goes, by its kind and topic (harness.trace): a rule
    across both lanes for a connection, a note by the DUT for an action done to it, a
    step on the harness's side, an event note otherwise."""
    topic = entry.get("topic")
    if topic == Topic.CONNECTION:
        return "connection"
    if topic == Topic.ACTION:
        return "action"
    if entry.get("kind") == EntryKind.STEP:
        return "step"
    return "event"


def _is_frame(entry: Mapping[str, Any]) -> bool:
    return entry.get("kind") == EntryKind.FRAME


# -- drawing ---------------------------------------------------------------------------------


class _Diagram:
    """Collects rows top to bottom; the height is known only once all are drawn."""

    def __init__(self, harness: str, dut: str) -> None:
        self.harness = harness
        self.dut = dut
        self.bands: list[str] = []  # drawn under the lifelines
        self.parts: list[str] = []
        self.y = _FIRST_ROW
        self.arrows = 0
        self.rows = 0

    def entry(self, entry: Mapping[str, Any]) -> None:
        if _is_frame(entry) and entry.get("direction") in (IN, OUT):
            self.frame(entry)
        elif _is_frame(entry):
            self.note(entry, f"frame with unknown direction: {entry.get('raw', '')}", "event")
        else:
            self.note(entry, entry.get("note") or "", _note_style(entry))

    def _time(self, entry: Mapping[str, Any], baseline: int) -> str:
        return (
            f'<text class="t" x="{_TIME_X}" y="{baseline}" text-anchor="end" font-size="10" '
            f'fill="{_GREY}">{_seconds(entry.get("t"))}</text>'
        )

    def frame(self, entry: Mapping[str, Any]) -> None:
        direction = entry["direction"]
        failing = bool(entry.get("failing"))
        unparsed = not entry.get("message_type")
        invalid = entry.get("valid") is False
        violations = _violations(entry)
        rule = str(violations[0].get("rule", "")) if violations else ""

        warned = bool(entry.get("warning"))
        width: float
        if failing:
            marker = "✗ failing" + (f": {rule}" if rule else "")
            colour, width = _RED, 3
        elif warned:
            marker = "⚠ warning" + (f": {rule}" if rule else "")
            colour, width = _WARN, 2.5
        else:
            marker = "⚠ " + (rule or "invalid") if invalid else ""
            if unparsed:
                colour = _RED
            elif invalid:
                colour = _WARN
            else:
                colour = _OUT_INK if direction == OUT else _INK
            width = 1.5

        top = self.y
        height = _ROW_FRAME_MARKED if marker else _ROW_FRAME
        y = top + 20
        start, end = (_HARNESS_X, _DUT_X) if direction == OUT else (_DUT_X, _HARNESS_X)
        step = 1 if end > start else -1
        tip = end - step * 9
        classes = ["msg"]
        if unparsed:
            classes.append("unparsed")
        if invalid:
            classes.append("invalid")
        if warned:
            classes.append("warning")
        if failing:
            classes.append("failing")
            self.bands.append(
                f'<rect x="0" y="{top}" width="{_WIDTH}" height="{height}" fill="{_FAIL_BAND}"/>'
            )
        dash = ' stroke-dasharray="6 4"' if unparsed else ""
        label_weight = ' font-weight="bold"' if failing else ""
        action = _t(entry.get("action") or "", _ATTR_CHARS)
        parts = [
            f'<g class="{" ".join(classes)}" data-seq="{_t(entry.get("seq", ""), 20)}" '
            f'data-direction="{direction}" data-action="{action}" '
            f'data-type="{_t(entry.get("message_type") or "", 20)}">',
            f"<title>{_tooltip(entry)}</title>",
            self._time(entry, y + 4),
            f'<line x1="{start}" y1="{y}" x2="{tip + 2 * step}" y2="{y}" stroke="{colour}" '
            f'stroke-width="{width}"{dash}/>',
            f'<polygon points="{end},{y} {tip},{y - 5} {tip},{y + 5}" fill="{colour}"/>',
            f'<text class="label" x="{_MID}" y="{y - 5}" text-anchor="middle" '
            f'fill="{colour if colour != _OUT_INK else _INK}"{label_weight}>'
            f"{_t(_label(entry), _LABEL_CHARS)}</text>",
        ]
        if marker:
            parts.append(
                f'<text class="marker" x="{_MID}" y="{y + 15}" text-anchor="middle" '
                f'font-size="11" font-weight="bold" fill="{colour}">'
                f"{_t(marker, _MARKER_CHARS)}</text>"
            )
        parts.append("</g>")
        self.parts.append("".join(parts))
        self.y += height
        self.arrows += 1
        self.rows += 1

    def note(self, entry: Mapping[str, Any] | None, text: str, style: str) -> None:
        top = self.y
        seq = "" if entry is None else f' data-seq="{_t(entry.get("seq", ""), 20)}"'
        parts = [f'<g class="note {style}"{seq}>']
        if style == "connection":
            height = _ROW_CONNECTION
            parts += [
                self._time(entry or {}, top + 11),
                f'<line x1="{_TIME_X + 10}" y1="{top + 15}" x2="{_WIDTH - 6}" y2="{top + 15}" '
                f'stroke="{_LIGHT}" stroke-width="1"/>',
                f'<text x="{_MID}" y="{top + 11}" text-anchor="middle" font-size="10.5" '
                f'fill="{_GREY}">{_t(text, _RULE_CHARS)}</text>',
            ]
        elif style == "step":
            height = _ROW_STEP
            left = _TIME_X + 10
            parts += [
                self._time(entry or {}, top + 14),
                f'<rect x="{left}" y="{top + 3}" width="{2 * (_HARNESS_X - left)}" height="15" '
                f'rx="2" fill="#f6f8fa"/>',
                f'<text x="{left + 6}" y="{top + 14}" font-size="10.5" font-style="italic" '
                f'fill="{_GREY}">{_t(text, _STEP_CHARS)}</text>',
            ]
        elif style in ("event", "action"):
            height = _ROW_NOTE
            left = _DUT_X - 180
            fill, stroke = ("#fff8c5", "#d4a72c") if style == "action" else ("#f6f8fa", _LIGHT)
            parts += [
                self._time(entry or {}, top + 17),
                f'<rect x="{left}" y="{top + 3}" width="{_WIDTH - 10 - left}" height="20" rx="3" '
                f'fill="{fill}" stroke="{stroke}"/>',
                f'<text x="{left + 8}" y="{top + 17}" font-size="11" fill="{_INK}">'
                f"{_t(text, _NOTE_CHARS)}</text>",
            ]
        else:  # more, empty: the diagram's own notes, centred
            height = _ROW_NOTE
            parts += [
                f'<rect x="{_MID - 300}" y="{top + 3}" width="600" height="20" rx="3" '
                f'fill="#ffffff" stroke="{_LIGHT}" stroke-dasharray="3 3"/>',
                f'<text x="{_MID}" y="{top + 17}" text-anchor="middle" font-size="11" '
                f'font-style="italic" fill="{_GREY}">{_t(text, _RULE_CHARS)}</text>',
            ]
        parts.append("</g>")
        self.parts.append("".join(parts))
        self.y += height
        self.rows += 1

    def more(self, skipped: list[Mapping[str, Any]]) -> None:
        """One note for entries left out, counting the frames (what a reader looks for)."""
        if not skipped:
            return
        frames = sum(1 for entry in skipped if _is_frame(entry))
        if frames:
            what = f"{frames} more frame{'s' if frames != 1 else ''}"
        else:
            what = f"{len(skipped)} more entr{'ies' if len(skipped) != 1 else 'y'}"
        self.note(None, f"… {what} (see the trace)", "more")

    def render(self) -> str:
        height = self.y + _BOTTOM_PAD
        heads = []
        for x, label in ((_HARNESS_X, self.harness), (_DUT_X, self.dut)):
            heads.append(
                f'<g class="lane" data-lane="{"harness" if x == _HARNESS_X else "dut"}">'
                f'<line x1="{x}" y1="{_HEAD_BOTTOM}" x2="{x}" y2="{height - 6}" '
                f'stroke="{_LIGHT}" stroke-dasharray="4 4"/>'
                f'<rect x="{x - _HEAD_W // 2}" y="6" width="{_HEAD_W}" height="{_HEAD_BOTTOM - 6}" '
                f'rx="4" fill="#f6f8fa" stroke="{_INK}"/>'
                f'<text x="{x}" y="{_HEAD_BOTTOM - 10}" text-anchor="middle" font-size="13" '
                f'font-weight="bold" fill="{_INK}">{_t(label, _HEAD_CHARS)}</text></g>'
            )
        title = _t(f"Sequence diagram: {self.harness} and {self.dut}", 200)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="ocpp-sequence" '
            f'width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" '
            f'role="img" aria-label="{title}" data-arrows="{self.arrows}" '
            f'data-rows="{self.rows}" font-family="{_x(_FONT)}" font-size="12" '
            f'style="max-width:100%;height:auto">'
            f"<title>{title}</title>"
            + "".join(self.bands)
            + f'<text x="{_TIME_X}" y="{_HEAD_BOTTOM - 10}" text-anchor="end" font-size="10" '
            f'fill="{_GREY}">t (s)</text>' + "".join(heads) + "".join(self.parts) + "</svg>"
        )


def _lane_label(harness_role: str) -> str:
    """Accept "CSMS" as well as the full "harness (CSMS)" the report hooks pass."""
    role = " ".join(str(harness_role).split())
    if not role:
        return "harness"
    return role if role.lower().startswith("harness") else f"harness ({role})"


def _entries(trace: Iterable[Any]) -> list[Mapping[str, Any]]:
    """The trace as mappings; anything else is shown as an event rather than dropped."""
    return [
        entry if isinstance(entry, Mapping) else {"kind": "event", "note": repr(entry)}
        for entry in trace
    ]


def sequence_svg(
    trace: list[dict[str, Any]], *, harness_role: str, dut_label: str, max_rows: int = 400
) -> str:
    """One case's trace as an inline ``<svg class="ocpp-sequence">`` element.

    ``trace`` is :meth:`harness.trace.Trace.to_json` (or report.json's ``trace``).
    At most ``max_rows`` entries are drawn so a runaway case cannot make the report
    unusable; the rest is summed up in one note. A failing frame beyond the cut is still
    drawn (with notes for what was skipped around it): it is the evidence the reader
    opened the diagram for.
    """
    entries = _entries(trace)
    limit = max(int(max_rows), 0)
    diagram = _Diagram(_lane_label(harness_role), " ".join(str(dut_label).split()) or "DUT")
    for entry in entries[:limit]:
        diagram.entry(entry)
    skipped: list[Mapping[str, Any]] = []
    for entry in entries[limit:]:
        if _is_frame(entry) and entry.get("failing"):
            diagram.more(skipped)
            skipped = []
            diagram.entry(entry)
        else:
            skipped.append(entry)
    diagram.more(skipped)
    if not any(_is_frame(entry) for entry in entries):
        diagram.note(None, "no frames", "empty")
    return diagram.render()
