"""What a run and its cases were: the data every report is written from."""

from __future__ import annotations

import bisect
import datetime as _dt
import platform
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness import __version__
from harness.testcase import TestCaseInfo
from harness.verdicts import CaseWarning, Verdict, classify

__all__ = ["VERDICTS", "CaseRecord", "RunRecord", "utc_now_iso", "verdict_of"]

VERDICTS = tuple(Verdict)


def utc_now_iso() -> str:
    return _utc()


def _utc() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def verdict_of(
    report: pytest.TestReport, call: pytest.CallInfo[Any]
) -> tuple[Verdict, str, str] | None:
    """(verdict, reason, rule) that one phase's report implies, or None."""
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return Verdict.SKIPPED, reason.removeprefix("Skipped: "), ""
    if report.failed:
        if call.excinfo is not None:
            verdict, reason, rule = classify(call.excinfo.value)
            if report.when != "call" and verdict is Verdict.FAILED and rule == "assertion":
                verdict = Verdict.ERROR  # a plain assert in set-up is the harness's
            return verdict, reason, rule
        return Verdict.ERROR, f"{report.when} failed", "harness"
    if report.when == "call":
        return Verdict.PASSED, "", ""
    return None


@dataclass
class CaseRecord:
    id: str
    title: str
    ocpp: str
    dut_kind: str
    block: str
    requirements: list[str]
    nodeid: str
    verdict: Verdict | None = None
    reason: str = ""
    rule: str = ""
    duration_s: float = 0.0
    started: str = ""
    trace: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[CaseWarning] = field(default_factory=list)
    #: the Part 6 table step under way when the verdict failed or erred (Role.step)
    table_step: str | None = None
    #: why the case ran (Part 5 status and condition, features it needs); a skipped
    #: case says why not in its reason
    applicability: str = ""

    @classmethod
    def begin(cls, info: TestCaseInfo, nodeid: str) -> CaseRecord:
        return cls(
            info.id,
            info.title,
            info.ocpp.value,
            info.dut_kind.value,
            info.block,
            list(info.requirements),
            nodeid,
            started=_utc(),
        )

    def set_verdict(
        self, verdict: Verdict, reason: str, rule: str, *, table_step: str | None = None
    ) -> None:
        """The first thing that went wrong decides; a passing call does not undo it.
        ``table_step`` (the Part 6 step under way) is kept with a failure or an error."""
        if self.verdict in (None, "passed") or (self.verdict == "skipped" and verdict != "passed"):
            if self.verdict == "passed" and verdict == "passed":
                return
            self.verdict, self.reason, self.rule = verdict, reason, rule
            self.table_step = table_step if Verdict(verdict).is_bad else None

    def junit_properties(self) -> list[tuple[str, str]]:
        props = [("ocpp_id", self.id), ("title", self.title), ("verdict", str(self.verdict or ""))]
        props += [("requirement", r) for r in self.requirements]
        if self.rule:
            props.append(("rule", self.rule))
        if self.table_step is not None:
            props.append(("table_step", self.table_step))
        props += [("warning", warning.line()) for warning in self.warnings]
        return props

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "ocpp": self.ocpp,
            "dut_kind": self.dut_kind,
            "block": self.block,
            "requirements": self.requirements,
            "nodeid": self.nodeid,
            "verdict": Verdict(self.verdict or Verdict.ERROR).value,
            "reason": self.reason,
            "rule": self.rule,
            "table_step": self.table_step,
            "applicability": self.applicability,
            "duration_s": self.duration_s,
            "started": self.started,
            "warnings": [warning.to_json() for warning in self.warnings],
            "steps": self.steps,
            "trace": self.trace,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseRecord:
        """The record ``to_json`` wrote: how a case run by a parallel run's worker
        reaches the process that writes the reports (a case still under way is sent
        with verdict None, which report.json writes as its "error")."""
        return cls(
            data["id"],
            data["title"],
            data["ocpp"],
            data["dut_kind"],
            data["block"],
            list(data["requirements"]),
            data["nodeid"],
            verdict=Verdict(data["verdict"]) if data["verdict"] else None,
            reason=data["reason"],
            rule=data["rule"],
            duration_s=data["duration_s"],
            started=data["started"],
            trace=data["trace"],
            steps=data["steps"],
            warnings=[CaseWarning.from_json(warning) for warning in data["warnings"]],
            table_step=data["table_step"],
            applicability=data["applicability"],
        )


@dataclass
class RunRecord:
    harness_version: str
    started: str
    profiles: list[dict[str, Any]]
    defects: list[str]
    strict: bool = False
    #: how many xdist workers ran the cases (1: the run's own process)
    workers: int = 1
    finished: str | None = None
    interrupted: bool = False
    cases: list[CaseRecord] = field(default_factory=list)
    #: nodeid -> the cases running when the report was written (a crash leaves them
    #: here): one in a serial run, one a worker in a parallel run
    running: dict[str, dict[str, str]] = field(default_factory=dict)
    #: nodeid -> its place in the catalog: a parallel run's cases finish in any order,
    #: and its reports list them in the order a serial run would
    order: dict[str, int] = field(default_factory=dict)
    _t0: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls, profiles: list[Any], defects: tuple[str, ...], *, strict: bool = False
    ) -> RunRecord:
        return cls(__version__, _utc(), [p.public_dict() for p in profiles], list(defects), strict)

    def add(self, case: CaseRecord) -> None:
        """Keep a finished case, in catalog order where the order is known."""
        self.running.pop(case.nodeid, None)
        if not self.order:
            self.cases.append(case)
            return
        unknown = len(self.order)
        place = self.order.get(case.nodeid, unknown)
        index = bisect.bisect_right(
            self.cases, place, key=lambda kept: self.order.get(kept.nodeid, unknown)
        )
        self.cases.insert(index, case)

    def case_started(self, case_id: str, nodeid: str) -> None:
        """A case began: the reports name it until it ends."""
        self.running[nodeid] = {"id": case_id, "nodeid": nodeid, "started": _utc()}

    def finish(self, *, interrupted: bool) -> None:
        self.finished = _utc()
        self.interrupted = interrupted

    def summary(self) -> dict[str, int]:
        """Cases per verdict, every verdict present (a case without one is an error)."""
        counts = {verdict.value: 0 for verdict in VERDICTS}
        for case in self.cases:
            counts[Verdict(case.verdict or Verdict.ERROR).value] += 1
        return counts

    def passed_with_warnings(self) -> int:
        return sum(1 for case in self.cases if case.verdict == "passed" and case.warnings)

    def to_json(self, *, complete: bool, cases: bool = True) -> dict[str, Any]:
        """report.json's document; without ``cases``, its ``cases`` list is empty (the
        writer encodes each finished case once and splices them in)."""
        return {
            "format": "ocpp-harness-report/1",
            "complete": complete,
            "run": {
                "harness_version": self.harness_version,
                "python": platform.python_version(),
                "started": self.started,
                "finished": self.finished,
                "duration_s": round(time.monotonic() - self._t0, 3),
                "interrupted": self.interrupted,
                "strict": self.strict,
                "workers": self.workers,
                "duts": self.profiles,
                "sim_defects": self.defects,
            },
            "summary": {
                **self.summary(),
                "total": len(self.cases),
                "warnings": self.passed_with_warnings(),
            },
            # the case that began first of those running; all of them below
            "running": next(iter(self.running.values()), None),
            "running_cases": list(self.running.values()),
            "note": ""
            if self.cases or not complete
            else (
                "no applicable case: nothing in the catalog matched the DUT profile and the "
                "selection"
            ),
            "cases": [case.to_json() for case in self.cases] if cases else [],
        }
