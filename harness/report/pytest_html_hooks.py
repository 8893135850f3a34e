"""pytest-html hook implementations, registered only when pytest-html is active (a run
with ``-p no:html`` would otherwise fail on unknown hooks)."""

from __future__ import annotations

from typing import Any

from harness.dut_kind import DutKind
from harness.report.html import case_cells, case_details, header_cells, run_header
from harness.report.records import CaseRecord, RunRecord

__all__ = ["HtmlReportHooks"]


def _diagram(record: CaseRecord) -> str:
    try:
        from harness.report.diagram import sequence_svg
    except ImportError:  # pragma: no cover - the diagram module ships with the package
        return ""
    station = record.dut_kind == DutKind.CHARGING_STATION
    harness_role = "CSMS" if station else "charging station"
    dut = "charging station" if station else "CSMS"
    return sequence_svg(
        record.trace, harness_role=f"harness ({harness_role})", dut_label=f"DUT: {dut}"
    )


class HtmlReportHooks:
    def __init__(self, run: RunRecord) -> None:
        self.run = run

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "ocpp-harness report"

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[0:1] = header_cells()

    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        record = getattr(report, "ocpp_record", None)
        if record is None:
            # not a catalog case (a plain test in the same run): pytest's outcome is all
            # there is to say, in the verdict column
            cells[1:1] = ["<td></td>"] * 4
        else:
            cells[0:1] = case_cells(record)

    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        record = getattr(report, "ocpp_record", None)
        if record is not None:
            data[:] = [case_details(record, _diagram(record))]

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: Any
    ) -> None:
        prefix.append(run_header(self.run))
