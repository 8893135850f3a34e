"""The HTML extras rendered from their templates: what a DUT sent is text, never markup."""

from __future__ import annotations

import json

from harness.ocppj import OcppVersion
from harness.report.html import DISPLAY_LIMIT, case_details, run_header
from harness.report.records import CaseRecord, RunRecord
from harness.testcase import TestCaseInfo
from harness.verdicts import CaseWarning, Verdict, WarningKind

HOSTILE = '<script>alert("x")</script>&'


def _record() -> CaseRecord:
    info = TestCaseInfo(
        "TC_B_06_CS", "Get Variables", OcppVersion.V201, "charging-station", "B Provisioning"
    )
    record = CaseRecord.begin(info, "node")
    record.requirements = ["B06.FR.01"]
    record.set_verdict(Verdict.FAILED, f"the DUT said {HOSTILE}", "B06.FR.04", table_step="1-2")
    record.warnings = [CaseWarning(WarningKind.BEYOND_OCTT, "B01.FR.04", HOSTILE, "", "why")]
    frame = json.dumps([2, "m1", "Heartbeat", {"note": HOSTILE}])
    record.trace = [
        {"seq": 0, "t": 0.0, "kind": "event", "valid": True, "note": f"connection {HOSTILE}"},
        {
            "seq": 1,
            "t": 0.0125,
            "kind": "frame",
            "direction": "dut->harness",
            "raw": frame,
            "message_type": "CALL",
            "message_id": "m1",
            "action": "Heartbeat",
            "valid": False,
            "failing": True,
            "violations": [{"rule": "x", "message": f"bad {HOSTILE}", "severity": "error"}],
        },
        {
            "seq": 2,
            "t": 0.02,
            "kind": "frame",
            "direction": "harness->dut",
            "raw": "x" * (DISPLAY_LIMIT + 10),
            "valid": True,
        },
    ]
    return record


def test_case_details_escape_everything_the_dut_sent_and_keep_the_diagram():
    page = case_details(_record(), '<svg class="ocpp-sequence"></svg>')
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert '<svg class="ocpp-sequence"></svg>' in page  # our own markup, as given
    assert "at step 1-2" in page and "[B06.FR.04]" in page
    assert "<b>beyond-octt</b> [B01.FR.04]" in page
    assert '<tr class="frame failing" data-seq="1"><td>0.013</td><td>DUT → harness</td>' in page
    assert "<b>✗ failing frame</b><br>bad &lt;script&gt;" in page
    # a frame too long to show is cut, and says where the rest is
    assert f"frame cut here: {DISPLAY_LIMIT + 10:,} characters in all" in page
    # the payload is pretty-printed for reading
    assert "&#34;note&#34;: &#34;&lt;script&gt;" in page


def test_a_case_without_frames_says_so():
    record = _record()
    record.trace = []
    assert "No frames: the case ended before anything was exchanged." in case_details(record, "")


def test_run_header_counts_by_block_and_masks_nothing_it_was_not_given():
    run = RunRecord.start([], ("sends-invalid-json",))
    run.add(_record())
    run.profiles = [
        {"dut": {"kind": "charging-station", "ocpp": "2.0.1", "identity": HOSTILE}},
        {"dut": {"kind": "csms", "ocpp": "1.6", "identity": "unused"}},
    ]
    page = run_header(run)
    assert "<script>" not in page and "identity &lt;script&gt;" in page
    assert "unused" not in page  # only the DUTs this run's cases ran against
    assert "<tr><th>B Provisioning</th><td></td><td>1</td>" in page
    assert "simulator defects</th><td>sends-invalid-json" in page
    assert 'body[data-ocpp-block="B Provisioning"]' in page
    assert '<option value="failed">failed</option>' in page


def test_an_empty_run_says_no_case_applied():
    assert "No applicable case" in run_header(RunRecord.start([], ()))
