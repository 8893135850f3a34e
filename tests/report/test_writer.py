"""The atomic report writer: whole files only, readable like any file the run writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from harness.report.writer import write_atomic


def test_a_report_gets_the_umasks_mode_not_a_private_one(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left
