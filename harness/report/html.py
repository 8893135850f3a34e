"""The trace of a case as HTML, for pytest-html's row details (escaped, offline)."""

from __future__ import annotations

import html

from harness.report.records import CaseRecord

__all__ = ["trace_html"]

#: frames longer than this are shown cut, with a note; report.json keeps them whole
DISPLAY_LIMIT = 4000


def trace_html(record: CaseRecord) -> str:
    rows = []
    for entry in record.trace:
        raw = entry.get("raw") or entry.get("note") or ""
        if len(raw) > DISPLAY_LIMIT:
            raw = raw[:DISPLAY_LIMIT] + f" … ({len(raw)} characters; full frame in report.json)"
        problems = "; ".join(v["message"] for v in entry.get("violations", []))
        style = ' style="background:#fdd"' if entry.get("failing") else ""
        rows.append(
            f"<tr{style}><td>{entry['t']:.3f}</td>"
            f"<td>{html.escape(entry.get('direction') or entry['kind'])}</td>"
            f"<td>{html.escape(entry.get('action') or entry.get('message_type') or '')}</td>"
            f"<td><code>{html.escape(raw)}</code></td><td>{html.escape(problems)}</td></tr>"
        )
    verdict = html.escape(
        f"{record.verdict}: {record.reason} [{record.rule}]"
        if record.reason
        else str(record.verdict)
    )
    return (
        f"<div><p><b>{html.escape(record.id)}</b> {html.escape(record.title)} — {verdict}</p>"
        "<table border=1 cellspacing=0 cellpadding=2><tr><th>t (s)</th><th>direction</th>"
        "<th>action</th><th>frame</th><th>validation</th></tr>" + "".join(rows) + "</table></div>"
    )
