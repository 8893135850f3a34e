"""A run over pytest-xdist workers: each worker runs cases, one process writes the reports.

A case against the embedded simulator starts its own simulated device on its own port,
so cases need not wait for each other: most of a case's time is a protocol wait (a
heartbeat, a retry interval), and a 2-core machine runs four such cases at once nearly
as fast as one. A real DUT is one device that serves one case at a time, so a parallel
run is refused for it (:func:`parallel_problem`).

The split of the work:

- A **worker** runs its cases as a serial run does, writes no report file, and sends
  each case's record (``CaseRecord.to_json``) with the pytest report of every phase
  (``ocpp_case``). It stops after its running case once the controller's stop file
  exists (:class:`WorkerStop`).
- The **controller** (:class:`ParallelReports`) turns those records back into
  :class:`~harness.report.records.CaseRecord` objects, keeps them in catalog order
  (xdist tells it the collection), writes report.json and junit.xml after every case
  as a serial run does, and hands each record to pytest-html. A worker that dies in a
  case leaves that case an *error* naming the crash, never a gap in the report.

The hooks here are xdist's: they are registered only where xdist runs (a run with
``-p no:xdist`` would otherwise fail on unknown hooks).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from harness.dut import DutProfile
from harness.dut_kind import DutKind
from harness.report.records import CaseRecord, RunRecord
from harness.verdicts import Verdict

__all__ = [
    "STOP_FILE_KEY",
    "ParallelReports",
    "WorkerStop",
    "is_controller",
    "is_worker",
    "parallel_problem",
]

#: the ``workerinput`` key naming the file whose existence tells a worker to stop
STOP_FILE_KEY = "ocpp_harness_stop_file"


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker (it runs cases, writes no report)."""
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """Whether this process hands cases to xdist workers (and writes the reports)."""
    if is_worker(config):
        return False
    return bool(config.getoption("dist", "no") != "no" and config.getoption("numprocesses", 0))


def parallel_problem(profiles: Iterable[DutProfile], *, one_device: bool) -> str | None:
    """Why the cases of ``profiles`` cannot run side by side, or None when they can:
    only a simulator the harness starts for each case (the ``sim`` adapter) on a port
    of the system's choosing is a device per case."""
    if one_device:
        return "--sim-one-device keeps one simulated device from case to case"
    for profile in profiles:
        if profile.control.adapter != "sim":
            return (
                f"the DUT of {profile.source} is one device (control adapter "
                f"{profile.control.adapter}): it serves one case at a time"
            )
        if profile.kind == DutKind.CHARGING_STATION and profile.listen.port != 0:
            return (
                f"{profile.source}: [listen] port {profile.listen.port} is one port for "
                "every worker; port 0 gives each its own"
            )
    return None


class WorkerStop:
    """A worker's side of a stop: after each case, whether the controller asked it to
    stop (a signal there); a worker then ends after the case it was running, like a
    serial run does, rather than run the cases xdist had queued for it."""

    def __init__(self, session_of: Callable[[], pytest.Session | None], stop_file: str) -> None:
        self._session_of = session_of
        self._stop_file = Path(stop_file)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        session = self._session_of()
        if session is not None and not session.shouldstop and self._stop_file.exists():
            session.shouldstop = self._stop_file.read_text(encoding="utf-8") or "stopped"


class ParallelReports:
    """The controller's side: gather the workers' case records into the run's record
    and write the reports from it, as a serial run writes them."""

    def __init__(
        self,
        config: pytest.Config,
        record: RunRecord,
        write_reports: Callable[[], None],
    ) -> None:
        self.config = config
        self.record = record
        self.write_reports = write_reports
        self._stop_dir = tempfile.TemporaryDirectory(prefix="ocpp-harness-stop-")
        self.stop_file = Path(self._stop_dir.name) / "stop"
        #: nodeid -> the reports of its phases so far (pytest-html reads them all)
        self._phases: dict[str, list[pytest.TestReport]] = defaultdict(list)
        #: nodeid -> its record as the last report sent it
        self._records: dict[str, CaseRecord] = {}

    # -- xdist's hooks ------------------------------------------------------------------

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[STOP_FILE_KEY] = str(self.stop_file)

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.record.order:
            self.record.order = {nodeid: index for index, nodeid in enumerate(ids)}

    # -- pytest's -----------------------------------------------------------------------

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.record.case_started(nodeid.rpartition("::")[2], nodeid)
        self.write_reports()

    @pytest.hookimpl(tryfirst=True)  # before pytest-html builds the case's rows
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "ocpp_case", None)
        if data is not None:
            self._records[report.nodeid] = CaseRecord.from_json(data)
        self._phases[report.nodeid].append(report)
        if report.when == "teardown":
            self._finish(report.nodeid)
        elif report.when not in ("setup", "call") and report.failed:
            self._crashed(report)

    def pytest_sessionfinish(self) -> None:
        self._stop_dir.cleanup()

    # -- the record ---------------------------------------------------------------------

    def request_stop(self, reason: str, dsession: Any) -> None:
        """Stop the run after the running cases: each worker ends after its own, and
        xdist hands out no more."""
        self.stop_file.write_text(reason, encoding="utf-8")
        # before xdist's loop begins it has no shouldstop (and sets it False there): the
        # workers, who read the stop file after their first case, stop the run then
        if dsession is not None and not getattr(dsession, "shouldstop", True):
            dsession.shouldstop = reason

    def _finish(self, nodeid: str) -> None:
        record = self._records.pop(nodeid, None)
        phases = self._phases.pop(nodeid, [])
        if record is None:
            return  # not a catalog case: pytest's own report is all there is
        for report in phases:
            report.ocpp_record = record  # type: ignore[attr-defined]
        self.record.add(record)
        self.write_reports()

    def _crashed(self, report: pytest.TestReport) -> None:
        """xdist's report of a worker that died in a case: the case is an error (the
        harness's process went, not the DUT's rule), with what xdist saw."""
        record = self._records.get(report.nodeid)
        if record is None:
            self._phases.pop(report.nodeid, None)
            self.record.running.pop(report.nodeid, None)
            self.write_reports()
            return
        record.set_verdict(
            Verdict.ERROR, f"the worker running it died: {report.longrepr}", "harness"
        )
        report.ocpp_verdict = Verdict.ERROR.value  # type: ignore[attr-defined]
        self._finish(report.nodeid)
