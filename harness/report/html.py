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
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from harness.report.records import VERDICTS, CaseRecord, RunRecord

__all__ = [
    "DISPLAY_LIMIT",
    "case_cells",
    "case_details",
    "header_cells",
    "run_header",
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
""".strip()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _block_span(block: str) -> str:
    return f'<span class="ocpp-block" data-block="{_e(block)}">{_e(block)}</span>'


# -- the results table ----------------------------------------------------------------------


def header_cells() -> list[str]:
    """Our columns, in place of pytest-html's result column: the verdict is the one word
    a row says about its case (pytest's outcome may disagree: a DUT failure while a case
    is set up is a pytest "error")."""
    # pytest-html reads its rows' "result" from this sortable column (its filters,
    # sorting and row classes): given the verdict, they all follow the verdict
    return [
        '<th class="sortable" data-column-type="result">Verdict</th>',
        '<th class="sortable" data-column-type="ocpp-id">Case</th>',
        "<th>Title</th>",
        "<th>Block</th>",
        "<th>Reason [rule]</th>",
    ]


#: pytest-html's own parts that speak of pytest outcomes or of the Python environment,
#: hidden: the harness's header above says what a certification engineer needs
CHROME_HIDDEN = """
#environment-header, #environment, .summary .run-count, .summary p.filter,
.summary .controls .filters, #results-table th:last-child, #results-table td.col-links
{ display: none; }
""".strip()


def _at_step(record: CaseRecord) -> str:
    """Where in the Part 6 table the verdict arose, if the case declares its steps."""
    return f" at step {record.table_step}" if record.table_step else ""


def case_cells(record: CaseRecord) -> list[str]:
    """A case's cells, the verdict first (see :func:`header_cells`)."""
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
        f'<td class="col-result">{_e((record.verdict or "error").capitalize())}</td>',
        f'<td class="col-ocpp-id">{_e(record.id)}</td>',
        f"<td>{_e(record.title)}<br><span class='ocpp-note'>OCPP {_e(record.ocpp)} · "
        f"DUT {_e(record.dut_kind)}</span></td>",
        f"<td>{_block_span(record.block)}</td>",
        f"<td>{reason}</td>",
    ]


# -- the templates ---------------------------------------------------------------------------


@cache
def _templates() -> jinja2.Environment:
    """The report's templates, autoescaped: what comes from a DUT can only be text."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def _render(name: str, **values: Any) -> str:
    return _templates().get_template(name).render(colours=_VERDICT_COLOURS, **values)


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


@dataclass
class _Row:
    """One trace entry as the trace table shows it."""

    seq: int
    t: float
    frame: bool
    direction: str
    content: str
    classes: list[str]
    action: str = ""
    message_type: str = ""
    message_id: str = ""
    failing: bool = False
    warning: bool = False
    problems: list[str] = field(default_factory=list)
    #: a frame longer than DISPLAY_LIMIT: shown cut, with its length
    cut: bool = False
    length: int = 0


def _row(entry: dict[str, Any]) -> _Row:
    kind = entry["kind"]
    frame = kind == "frame"
    classes = [kind]
    if entry.get("failing"):
        classes.append("failing")
    elif entry.get("warning"):
        classes.append("warning")
    elif not entry.get("valid", True):
        classes.append("invalid")
    problems = [v["message"] for v in entry.get("violations", [])]
    if entry.get("note") and frame:
        problems.append(entry["note"])
    row = _Row(
        seq=entry["seq"],
        t=entry["t"],
        frame=frame,
        direction=kind,
        content=entry.get("note") or "",
        classes=classes,
        message_id=entry.get("message_id") or "",
        failing=bool(entry.get("failing")),
        warning=bool(entry.get("warning")),
        problems=problems,
    )
    if frame:
        raw = entry.get("raw") or ""
        row.direction = (
            "DUT → harness" if entry.get("direction") == "dut->harness" else "harness → DUT"
        )
        row.action = entry.get("action") or ""
        row.message_type = entry.get("message_type") or "invalid frame"
        row.cut = len(raw) > DISPLAY_LIMIT
        row.length = len(raw)
        row.content = raw[:DISPLAY_LIMIT] if row.cut else _pretty(raw)
    return row


def case_details(record: CaseRecord, diagram: str) -> str:
    """What a row expands into: the verdict line, the sequence diagram, the trace."""
    return _render(
        "case.html.j2",
        record=record,
        at_step=_at_step(record),
        # the diagram is our own SVG, sanitised where it is drawn (diagram.py)
        diagram=Markup(diagram),
        rows=[_row(entry) for entry in record.trace],
    )


# -- the run header, summary and filters ----------------------------------------------------


def run_header(run: RunRecord) -> str:
    """Run metadata, DUT profiles (secrets masked), summary by block, and filters."""
    # The DUTs this run's cases ran against (all of them when none ran).
    used = {(case.dut_kind, case.ocpp) for case in run.cases}
    profiles = []
    for profile in run.profiles:
        dut = profile.get("dut", {})
        if used and (dut.get("kind"), dut.get("ocpp")) not in used:
            continue
        features = profile.get("features", {}) or {}
        profiles.append(
            {
                "kind": dut.get("kind"),
                "ocpp": dut.get("ocpp"),
                "identity": dut.get("identity"),
                "security_profile": dut.get("security_profile", 0),
                "supported": sorted(k for k, v in features.items() if v),
                "unsupported": sorted(k for k, v in features.items() if not v),
                "json": json.dumps(profile, indent=1, ensure_ascii=False),
            }
        )
    counts: Counter[tuple[str, str]] = Counter((c.block, c.verdict or "error") for c in run.cases)
    blocks = sorted({block for block, _ in counts})
    verdicts = list(VERDICTS)
    return _render(
        "header.html.j2",
        style=Markup(_STYLE + "\n" + CHROME_HIDDEN),
        run=run,
        profiles=profiles,
        verdicts=verdicts,
        summary=[(block, [counts[(block, v)] for v in verdicts]) for block in blocks],
        totals=run.summary(),
        blocks=blocks,
    )
