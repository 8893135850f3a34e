"""Write report.json and junit.xml atomically after every case, so that an interrupted or
crashed run still leaves readable reports (report.html is pytest-html's, at the end)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from harness.report.junit import junit_xml
from harness.report.records import CaseRecord, RunRecord

__all__ = ["ReportWriter", "write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename over ``path``."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; a report is as readable as report.html
        os.chmod(temp, 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class ReportWriter:
    """Writes a run's reports, again after every case.

    Rewriting the whole report.json after every case re-encoded every case before it:
    quadratic in the run's length, and the better part of a long run's time (a Core
    catalog run spent more time in ``json.dumps`` than in its cases). A finished case
    does not change, so its JSON is encoded once and kept; each write encodes only the
    run's head and splices the kept cases in. The text is the one ``json.dumps(...,
    indent=1)`` gives for the whole document.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        #: id(case record) -> (its fingerprint when encoded, the record, its JSON)
        self._encoded: dict[int, tuple[tuple[Any, ...], CaseRecord, str]] = {}

    def write(self, run: RunRecord, *, complete: bool) -> Path:
        """Write both; returns report.json's path."""
        path = self.directory / "report.json"
        write_atomic(path, self.report_text(run, complete=complete))
        write_atomic(self.directory / "junit.xml", junit_xml(run, complete=complete))
        return path

    def report_text(self, run: RunRecord, *, complete: bool) -> str:
        """report.json's text (``json.dumps(run.to_json(...), indent=1)``)."""
        head = json.dumps(run.to_json(complete=complete, cases=False), indent=1, ensure_ascii=False)
        empty = '\n "cases": []\n}'
        assert head.endswith(empty), "the cases come last in report.json"
        if not run.cases:
            return head
        cases = ",\n".join(self._case_text(case) for case in run.cases)
        return f'{head[: -len(empty)]}\n "cases": [\n{cases}\n ]\n}}'

    def _case_text(self, case: CaseRecord) -> str:
        # what may still change of a record a run holds (the self-test matrix judges
        # warnings at teardown): a different fingerprint encodes it again
        fingerprint = (
            case.verdict,
            case.reason,
            case.rule,
            case.duration_s,
            len(case.trace),
            len(case.steps),
            len(case.warnings),
        )
        kept = self._encoded.get(id(case))
        if kept is not None and kept[1] is case and kept[0] == fingerprint:
            return kept[2]
        # a case is an item of the top-level list: two spaces deeper than on its own
        text = json.dumps(case.to_json(), indent=1, ensure_ascii=False)
        text = "\n".join("  " + line for line in text.split("\n"))
        self._encoded[id(case)] = (fingerprint, case, text)
        return text
