"""The atomic report writer: whole files only, readable like any file the run writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from harness.ocppj import OcppVersion
from harness.report import records
from harness.report.records import CaseRecord, RunRecord
from harness.report.writer import ReportWriter, write_atomic
from harness.testcase import TestCaseInfo
from harness.verdicts import Verdict


def test_a_report_gets_the_umasks_mode_not_a_private_one(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def _record(case_id: str) -> CaseRecord:
    info = TestCaseInfo(case_id, "x", OcppVersion.V201, "charging-station", "X")
    record = CaseRecord.begin(info, "node")
    record.trace = [{"seq": 1, "raw": '[2,"1","Heartbeat",{}]', "note": "line\nbreak «ü»"}]
    record.set_verdict(Verdict.PASSED, "", "")
    return record


def test_the_report_text_is_the_whole_documents_encoding_as_cases_are_added_and_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each finished case is encoded once and spliced in: the text stays what encoding
    the whole document gives, before any case, with several, and after a kept case
    changed (the self-test matrix judges a case's warnings once it is in)."""
    run = RunRecord.start([], ())
    monkeypatch.setattr(records.time, "monotonic", lambda: run._t0)  # one duration_s
    writer = ReportWriter(tmp_path)

    def whole() -> str:
        return json.dumps(run.to_json(complete=False), indent=1, ensure_ascii=False)

    assert writer.report_text(run, complete=False) == whole()
    first, second = _record("TC_X_01_CS"), _record("TC_X_02_CS")
    for record in (first, second):
        run.add(record)
        assert writer.report_text(run, complete=False) == whole()
    first.set_verdict(Verdict.FAILED, "a warning judged late", "B01.FR.04")
    assert writer.report_text(run, complete=False) == whole()
    writer.write(run, complete=True)
    assert json.loads((tmp_path / "report.json").read_text())["cases"][0]["verdict"] == "failed"
