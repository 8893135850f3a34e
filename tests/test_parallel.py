"""A run over workers (``ocpp-harness run --workers``, harness.parallel) says what a
serial run says: the same cases in the same order with the same verdicts, in reports
that one process writes; a worker that dies leaves its case an error; a real DUT, one
device, is refused a parallel run with one line naming its profile."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from harness.cli import MAX_AUTO_WORKERS, _parser, _workers
from harness.report.records import CaseRecord, RunRecord
from harness.verdicts import CaseWarning, Verdict, WarningKind
from tests.helpers import ROOT, html_rows, main_in_process, run_cli, write_profile

#: quick cases of both roles; the defect fails the station's TC_B_06_CS
SELECTION = ("TC_B_01_CS", "TC_B_06_CS", "TC_001_CSMS", "TC_B_01_CSMS", "TC_B_03_CS")
DEFECT = ("--sim-defect", "sends-invalid-json")
STANDALONE = ROOT / "fixtures" / "sim-station-2.0.1.toml"


def _cases(*ids: str) -> list[str]:
    return [arg for case_id in ids for arg in ("--case", case_id)]


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    runs = {}
    for workers in (1, 3):
        report_dir = tmp_path_factory.mktemp(f"workers{workers}") / "r"
        args = (*_cases(*SELECTION), *DEFECT, "--workers", str(workers))
        runs[workers] = (run_cli("run", *args, report_dir=report_dir), report_dir)
    return runs


def _verdicts(report):
    return [(c["id"], c["verdict"], c["rule"], c["table_step"]) for c in report["cases"]]


def test_a_parallel_run_reports_what_a_serial_run_does(serial_and_parallel):
    (serial, _), (parallel, report_dir) = serial_and_parallel[1], serial_and_parallel[3]
    assert (serial.code, parallel.code) == (1, 1), parallel.stdout[-3000:]
    assert _verdicts(parallel.report) == _verdicts(serial.report)
    failed = parallel.case("TC_B_06_CS")
    assert (failed["verdict"], failed["rule"]) == ("failed", "ocppj.not-json"), failed
    assert (serial.report["run"]["workers"], parallel.report["run"]["workers"]) == (1, 3)
    assert parallel.report["complete"] is True and parallel.report["running_cases"] == []
    assert parallel.report["summary"] == serial.report["summary"]
    # every case keeps its trace and steps across the trip from its worker
    for case in parallel.report["cases"]:
        assert case["trace"] and case["steps"], case["id"]
        assert case["applicability"], case["id"]
    # junit.xml and report.html: every case, once, with the harness's verdict
    suite = ET.parse(report_dir / "junit.xml").getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert sorted(names) == sorted(SELECTION)
    rows = html_rows((report_dir / "report.html").read_text())
    for case_id in SELECTION:
        assert case_id in rows
    last_lines = [run.stdout.strip().splitlines()[-1].split(";")[0] for run in (serial, parallel)]
    assert last_lines[0] == last_lines[1], last_lines


def test_a_worker_that_dies_leaves_its_case_an_error(tmp_path):
    """A worker process that goes in the middle of a case (here: a plugin ends it) is
    the harness's failure, not the DUT's: that case is an error naming the crash, the
    other cases keep their verdicts, and the run exits 3."""
    (tmp_path / "die_in_case.py").write_text(
        "import os\n\n\n"
        "def pytest_runtest_call(item):\n"
        "    if item.name == 'TC_B_06_CS' and hasattr(item.config, 'workerinput'):\n"
        "        os._exit(17)\n"
    )
    environment = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    args = (*_cases(*SELECTION), "--workers", "2", "--", "-p", "die_in_case")
    run = run_cli("run", *args, report_dir=tmp_path / "r", env=environment)
    assert run.code == 3, run.stdout[-3000:]
    died = run.case("TC_B_06_CS")
    assert (died["verdict"], died["rule"]) == ("error", "harness"), died
    assert "the worker running it died" in died["reason"] and "crashed" in died["reason"]
    others = {c["id"]: c["verdict"] for c in run.report["cases"] if c["id"] != "TC_B_06_CS"}
    assert others == dict.fromkeys(set(SELECTION) - {"TC_B_06_CS"}, "passed")


def test_workers_are_refused_for_a_dut_that_is_one_device(capsys, tmp_path):
    refused = main_in_process(
        capsys, "run", "--dut", str(STANDALONE), "--workers", "2", "--report-dir", str(tmp_path)
    )
    assert refused.code == 2
    assert refused.stderr.strip() == (
        f"ocpp-harness: --workers 2: the DUT of {STANDALONE} is one device (control adapter "
        "http): it serves one case at a time"
    )


def test_xdist_asked_directly_is_refused_for_a_dut_that_is_one_device(tmp_path):
    """``-- -n 2`` goes past the command line's --workers: the plugin refuses it too."""
    run = run_cli(
        "run", "--dut", str(STANDALONE), "--", "-n", "2", report_dir=tmp_path / "r", timeout=60
    )
    assert run.code == 2, run.stdout[-2000:] + run.stderr[-2000:]
    assert f"parallel run (-n, --workers): the DUT of {STANDALONE} is one device" in run.stderr, (
        run.stderr
    )


def test_a_fixed_listen_port_is_one_port_for_every_worker(capsys, tmp_path):
    profile = write_profile(
        tmp_path,
        """
        [dut]
        kind = "charging-station"
        ocpp = "2.0.1"
        identity = "SIM-FIXED"

        [listen]
        port = 9876

        [control]
        adapter = "sim"
        """,
    )
    refused = main_in_process(capsys, "run", "--dut", str(profile), "--workers", "4")
    assert refused.code == 2
    assert refused.stderr.strip().endswith(
        "[listen] port 9876 is one port for every worker; port 0 gives each its own"
    ), refused.stderr


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["run"], min(MAX_AUTO_WORKERS, 2 * (os.cpu_count() or 1))),
        (["run", "--case", "TC_B_01_CS"], 1),
        (["run", "--sim-one-device"], 1),
        (["run", "--dut", str(STANDALONE)], 1),
        (["run", "--", "-n", "2"], 1),  # pytest-xdist as asked, not ours on top
        (["run", "--", "-p", "no:xdist"], 1),
        (["run", "--workers", "3"], 3),
        (["run", "--workers", "1"], 1),
    ],
)
def test_auto_runs_side_by_side_only_where_it_pays(argv, expected):
    from harness.dut import load_profile

    args = _parser().parse_args(argv)
    dut = load_profile(args.dut) if args.dut else None
    assert _workers(args, dut) == expected


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_workers_takes_a_whole_number_or_auto(capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["run", "--workers", value])
    assert exit_info.value.code == 2
    assert "a whole number of at least 1, or auto" in capsys.readouterr().err


def test_a_case_record_survives_the_trip_from_its_worker():
    record = CaseRecord(
        "TC_B_06_CS",
        "Get Variables - single value",
        "2.0.1",
        "charging-station",
        "B",
        ["B06.FR.01"],
        "v201/cs/test_b.py::TC_B_06_CS",
        verdict=Verdict.FAILED,
        reason="why",
        rule="B06.FR.01",
        duration_s=1.5,
        started="2026-12-04T21:00:00Z",
        trace=[{"dir": "in", "raw": "[2]"}],
        steps=[{"kind": "call"}],
        warnings=[CaseWarning(WarningKind.BEYOND_OCTT, "B06.FR.02", "late", "[3]", "why not")],
        table_step="3",
        applicability="mandatory",
    )
    assert CaseRecord.from_json(record.to_json()) == record


def test_cases_finishing_out_of_order_are_kept_in_catalog_order():
    run = RunRecord.start([], ())
    run.order = {"a": 0, "b": 1, "c": 2}
    for nodeid in ("c", "a", "unknown", "b"):
        run.case_started(nodeid, nodeid)
    for nodeid in ("c", "unknown", "a"):
        run.add(CaseRecord(nodeid, "", "2.0.1", "csms", "B", [], nodeid))
    assert [case.nodeid for case in run.cases] == ["a", "c", "unknown"]
    assert run.to_json(complete=False)["running_cases"][0]["nodeid"] == "b"
