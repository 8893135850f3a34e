"""Write report.json and junit.xml atomically after every case, so that an interrupted or
crashed run still leaves readable reports (report.html is pytest-html's, at the end)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from harness.report.junit import junit_xml
from harness.report.records import RunRecord

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
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, run: RunRecord, *, complete: bool) -> Path:
        """Write both; returns report.json's path."""
        path = self.directory / "report.json"
        write_atomic(path, json.dumps(run.to_json(complete=complete), indent=1, ensure_ascii=False))
        write_atomic(self.directory / "junit.xml", junit_xml(run, complete=complete))
        return path
