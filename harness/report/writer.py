"""Write report.json atomically after every case, so an interrupted run leaves a report."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from harness.report.records import RunRecord

__all__ = ["ReportWriter", "write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename over ``path``."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class ReportWriter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, run: RunRecord, *, complete: bool) -> Path:
        path = self.directory / "report.json"
        write_atomic(path, json.dumps(run.to_json(complete=complete), indent=1, ensure_ascii=False))
        return path
