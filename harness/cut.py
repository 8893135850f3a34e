"""Long text cut for people: whatever a DUT sends can be megabytes long.

A reason, a validation message or a step is read on a terminal or in a report row; a
DUT's 16 MB value copied into each of them made a 64 MB report.json and a terminal
nobody can read. Such text is cut, and says how long it was; the frame itself stays
whole in report.json's trace, where the evidence belongs.
"""

from __future__ import annotations

__all__ = ["MESSAGE_CHARS", "REASON_CHARS", "cut"]

#: a verdict's reason (terminal, report rows, report.json's reason)
REASON_CHARS = 600
#: one validation message (a schema error quoting the value it rejects)
MESSAGE_CHARS = 300


def cut(text: str, limit: int, *, whole_in: str | None = None) -> str:
    """``text`` as it is when at most ``limit`` characters, else its start and its length
    (and where the whole of it is, when the reader can find it: ``whole_in``)."""
    if len(text) <= limit:
        return text
    where = f"; whole in {whole_in}" if whole_in else ""
    return f"{text[:limit]}… ({len(text):,} characters in all{where})"
