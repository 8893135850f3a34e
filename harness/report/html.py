"""The HTML report: what pytest-html shows, extended through its hooks.

A certification engineer should see in one minute what failed, why, and which frame
proves it. So the report gets a run header (harness, DUT, profile with secrets masked,
features), a summary by functional block and verdict, one row per case with its id,
title, verdict, block, reason and rule, and in each row's details the message trace
(time, direction, action, message id, payload pretty-printed, validation; the failing
frame highlighted) and an SVG sequence diagram. Filters by verdict and block work with
CSS alone (``:has()``), so pytest-html's own rendering can redraw rows freely and the
file stays self-contained: no CDN, no external fonts or scripts.

Everything that comes from the DUT is escaped; frames longer than
:data:`DISPLAY_LIMIT` are shown cut with a note (report.json keeps them whole).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from harness.report.records import VERDICTS, CaseRecord, RunRecord

__all__ = [
    "DISPLAY_LIMIT",
    "case_cells",
    "case_details",
    "header_cells",
    "run_header",
    "trace_table",
]

#: characters of one frame shown in the HTML; report.json keeps the whole frame
DISPLAY_LIMIT = 4000

_VERDICT_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "error": "#9a6700",
    "skipped": "#57606a",
}

_STYLE = """
<style>
.ocpp-header table, .ocpp-summary, .ocpp-trace { border-collapse: collapse; margin: 4px 0 10px; }
.ocpp-header td, .ocpp-header th, .ocpp-summary td, .ocpp-summary th,
.ocpp-trace td, .ocpp-trace th { border: 1px solid #d0d7de; padding: 2px 6px;
  vertical-align: top; text-align: left; font-size: 12px; }
.ocpp-trace pre { margin: 0; white-space: pre-wrap; word-break: break-all; max-width: 640px; }
.ocpp-trace tr.failing td { background: #ffebe9; }
.ocpp-trace tr.invalid td { background: #fff8c5; }
.ocpp-trace tr.warning td { background: #fff1d6; }
.ocpp-warnings { margin: 4px 0; font-size: 12px; color: #7d4e00; }
.ocpp-trace tr.event td, .ocpp-trace tr.step td { color: #57606a; font-style: italic; }
.ocpp-verdict { font-weight: bold; }
.ocpp-filters { margin: 6px 0; font-size: 13px; }
.ocpp-note { color: #57606a; font-size: 12px; }
.ocpp-case-head { font-size: 13px; margin: 4px 0; }
/* a case's details hold a diagram and a trace: give them room (pytest-html: 230px) */
.logwrapper { max-height: 900px; background-color: #f6f8fa; }
</style>
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _verdict_span(verdict: str) -> str:
    colour = _VERDICT_COLOURS.get(verdict, "#000")
    return (
        f'<span class="ocpp-verdict" data-verdict="{_e(verdict)}" '
        f'style="color:{colour}">{_e(verdict)}</span>'
    )


def _block_span(block: str) -> str:
    return f'<span class="ocpp-block" data-block="{_e(block)}">{_e(block)}</span>'


# -- the results table ----------------------------------------------------------------------


def header_cells() -> list[str]:
    """Our columns, inserted after pytest-html's result column."""
    return [
        '<th class="sortable" data-column-type="ocpp-id">Case</th>',
        "<th>Title</th>",
        "<th>Verdict</th>",
        "<th>Block</th>",
        "<th>Reason [rule]</th>",
    ]


def _warning_line(warning: Any) -> str:
    return (
        f"<li><b>{_e(warning.kind.value)}</b> [{_e(warning.rule)}]: {_e(warning.reason)}"
        + (f' <span class="ocpp-note">({_e(warning.why)})</span>' if warning.why else "")
        + "</li>"
    )


def _at_step(record: CaseRecord) -> str:
    """Where in the Part 6 table the verdict arose, if the case declares its steps."""
    return f" at step {record.table_step}" if record.table_step else ""


def case_cells(record: CaseRecord | None) -> list[str]:
    if record is None:
        return ["<td></td>"] * 5
    reason = _e(f"{record.reason} [{record.rule}]{_at_step(record)}" if record.reason else "")
    if record.warnings:
        count = len(record.warnings)
        reason += (
            ("<br>" if reason else "")
            + f'<span class="ocpp-warning-count" data-warnings="{count}">⚠ {count} '
            + ("warning" if count == 1 else "warnings")
            + "</span>"
        )
    return [
        f'<td class="col-ocpp-id">{_e(record.id)}</td>',
        f"<td>{_e(record.title)}<br><span class='ocpp-note'>OCPP {_e(record.ocpp)} · "
        f"DUT {_e(record.dut_kind)}</span></td>",
        f"<td>{_verdict_span(record.verdict or 'error')}</td>",
        f"<td>{_block_span(record.block)}</td>",
        f"<td>{reason}</td>",
    ]


# -- one case's details ---------------------------------------------------------------------


def _pretty(raw: str) -> str:
    """A frame for reading: its payload pretty-printed (type, action and id have their
    own columns); a CALLERROR as code and description; anything else as it came."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, list) and len(value) >= 3 and isinstance(value[-1], dict):
        if value[0] in (4, 5) and len(value) == 5:
            details = json.dumps(value[4], ensure_ascii=False) if value[4] else ""
            return f"{value[2]}: {value[3]}" + (f"\n{details}" if details else "")
        return json.dumps(value[-1], indent=1, ensure_ascii=False)
    return json.dumps(value, indent=1, ensure_ascii=False)


def _shown(raw: str) -> str:
    if len(raw) <= DISPLAY_LIMIT:
        return _e(_pretty(raw))
    return (
        _e(raw[:DISPLAY_LIMIT])
        + f'\n<span class="ocpp-note">… frame cut here: {len(raw):,} characters in all; the '
        "full frame is in report.json</span>"
    )


def trace_table(record: CaseRecord) -> str:
    rows = []
    for entry in record.trace:
        kind = entry["kind"]
        classes = [kind]
        if entry.get("failing"):
            classes.append("failing")
        elif entry.get("warning"):
            classes.append("warning")
        elif not entry.get("valid", True):
            classes.append("invalid")
        if kind == "frame":
            arrow = (
                "DUT → harness" if entry.get("direction") == "dut->harness" else ("harness → DUT")
            )
            content = f"<pre>{_shown(entry.get('raw') or '')}</pre>"
            action = entry.get("action") or ""
            mtype = entry.get("message_type") or "invalid frame"
            what = f"{_e(action)}<br><span class='ocpp-note'>{_e(mtype)}</span>"
        else:
            arrow = kind
            content = _e(entry.get("note") or "")
            what = ""
        problems = [v["message"] for v in entry.get("violations", [])]
        if entry.get("note") and kind == "frame":
            problems.append(entry["note"])
        validation = "<br>".join(_e(p) for p in problems) or ("✓" if kind == "frame" else "")
        if entry.get("failing"):
            validation = "<b>✗ failing frame</b><br>" + validation
        elif entry.get("warning"):
            validation = "<b>⚠ frame of a warning</b><br>" + validation
        rows.append(
            f'<tr class="{" ".join(classes)}" data-seq="{entry["seq"]}">'
            f"<td>{entry['t']:.3f}</td><td>{_e(arrow)}</td><td>{what}</td>"
            f"<td>{_e(entry.get('message_id') or '')}</td><td>{content}</td>"
            f"<td>{validation}</td></tr>"
        )
    if not rows:
        return '<p class="ocpp-note">No frames: the case ended before anything was exchanged.</p>'
    return (
        '<table class="ocpp-trace"><tr><th>t (s)</th><th>direction</th><th>action</th>'
        "<th>message id</th><th>frame</th><th>validation</th></tr>" + "".join(rows) + "</table>"
    )


def case_details(record: CaseRecord, diagram: str) -> str:
    """What a row expands into: the verdict line, the sequence diagram, the trace."""
    verdict = _verdict_span(record.verdict or "error")
    reason = (
        f": {_e(record.reason)} [{_e(record.rule)}]{_e(_at_step(record))}" if record.reason else ""
    )
    requirements = ", ".join(record.requirements)
    return (
        f'<div class="ocpp-case" data-case="{_e(record.id)}">'
        f'<p class="ocpp-case-head"><b>{_e(record.id)}</b> {_e(record.title)} — {verdict}'
        f"{reason}</p>"
        + (f'<p class="ocpp-note">Requirements: {_e(requirements)}</p>' if requirements else "")
        + (
            '<div class="ocpp-warnings">Warnings (the case passes without --strict):<ul>'
            + "".join(_warning_line(w) for w in record.warnings)
            + "</ul></div>"
            if record.warnings
            else ""
        )
        + f'<div class="ocpp-diagram">{diagram}</div>'
        + trace_table(record)
        + "</div>"
    )


# -- the run header, summary and filters ----------------------------------------------------


def _filter_css(attribute: str, data: str, values: Sequence[str]) -> str:
    rules = []
    for value in values:
        v = _e(value)
        rules.append(
            f'body[data-ocpp-{attribute}="{v}"] tbody.results-table-row:not(:has('
            f'.ocpp-{attribute}[data-{data}="{v}"])) {{ display: none; }}'
        )
    return "\n".join(rules)


def _select(attribute: str, label: str, values: Sequence[str]) -> str:
    options = '<option value="">all</option>' + "".join(
        f'<option value="{_e(v)}">{_e(v)}</option>' for v in values
    )
    return (
        f'<label>{_e(label)} <select id="ocpp-filter-{attribute}" '
        f'onchange="document.body.dataset.ocpp{attribute.capitalize()} = this.value">'
        f"{options}</select></label>"
    )


def run_header(run: RunRecord) -> str:
    """Run metadata, DUT profiles (secrets masked), summary by block, and filters."""
    parts = [_STYLE, '<div class="ocpp-header">']
    parts.append(
        "<table><tr><th>harness</th><td>ocpp-harness "
        f"{_e(run.harness_version)}</td></tr><tr><th>started</th><td>{_e(run.started)}"
        f"</td></tr><tr><th>finished</th><td>{_e(run.finished or '(interrupted)')}</td></tr>"
        + (
            "<tr><th>strict</th><td>yes: named warnings fail their case (a rehearsal of "
            "the certification run)</td></tr>"
            if run.strict
            else ""
        )
        + (
            f"<tr><th>simulator defects</th><td>{_e(', '.join(run.defects))}</td></tr>"
            if run.defects
            else ""
        )
        + "</table>"
    )
    # The DUTs this run's cases ran against (all of them when none ran).
    used = {(case.dut_kind, case.ocpp) for case in run.cases}
    profiles = [
        p
        for p in run.profiles
        if not used or (p.get("dut", {}).get("kind"), p.get("dut", {}).get("ocpp")) in used
    ]
    for profile in profiles:
        dut = profile.get("dut", {})
        features = profile.get("features", {}) or {}
        supported = sorted(k for k, v in features.items() if v)
        unsupported = sorted(k for k, v in features.items() if not v)
        parts.append(
            f"<table><tr><th>DUT</th><td>{_e(dut.get('kind'))} · OCPP {_e(dut.get('ocpp'))}"
            f" · identity {_e(dut.get('identity'))} · security profile "
            f"{_e(dut.get('security_profile', 0))}</td></tr>"
            f"<tr><th>features</th><td>supported: {_e(', '.join(supported) or '—')}<br>"
            f"not supported: {_e(', '.join(unsupported) or '—')}</td></tr>"
            "<tr><th>profile</th><td><details><summary>show (secrets masked)</summary><pre>"
            f"{_e(json.dumps(profile, indent=1, ensure_ascii=False))}</pre></details></td></tr>"
            "</table>"
        )
    parts.append(_summary_table(run))
    verdicts = list(VERDICTS)
    blocks = sorted({case.block for case in run.cases})
    parts.append(
        "<style>"
        + _filter_css("verdict", "verdict", verdicts)
        + _filter_css("block", "block", blocks)
        + "</style>"
        + '<div class="ocpp-filters">Show: '
        + _select("verdict", "verdict", verdicts)
        + " "
        + _select("block", "block", blocks)
        + "</div>"
    )
    parts.append("</div>")
    return "".join(parts)


def _summary_table(run: RunRecord) -> str:
    if not run.cases:
        return (
            '<p class="ocpp-summary-empty"><b>No applicable case</b>: nothing in the '
            "catalog matched this DUT profile and selection.</p>"
        )
    counts: Counter[tuple[str, str]] = Counter((c.block, c.verdict or "error") for c in run.cases)
    blocks = sorted({block for block, _ in counts})
    head = "".join(f"<th>{_e(v)}</th>" for v in VERDICTS)
    rows = []
    for block in blocks:
        cells = "".join(f"<td>{counts[(block, v)] or ''}</td>" for v in VERDICTS)
        rows.append(f"<tr><th>{_e(block)}</th>{cells}</tr>")
    totals = run.summary()
    total_cells = "".join(f"<td><b>{totals[v]}</b></td>" for v in VERDICTS)
    return (
        f'<table class="ocpp-summary"><tr><th>block</th>{head}</tr>{"".join(rows)}'
        f"<tr><th>all</th>{total_cells}</tr></table>"
    )
