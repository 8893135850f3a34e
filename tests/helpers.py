"""Shared helpers of the self-tests: run the real command line, read its report."""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())

#: bound for one harness run in a subprocess; the embedded timeouts are seconds
RUN_TIMEOUT = 240


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    def case(self, case_id: str) -> dict[str, Any]:
        assert self.report is not None, f"no report.json\n{self.stdout[-2000:]}{self.stderr}"
        for case in self.report["cases"]:
            if case["id"] == case_id:
                return case
        raise AssertionError(f"{case_id} not in report: {[c['id'] for c in self.report['cases']]}")


def validate_report(report: dict[str, Any]) -> None:
    """Every report the self-tests write must satisfy the published schema."""
    jsonschema.validate(
        report, REPORT_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def run_cli(
    *args: str,
    report_dir: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> CliRun:
    command = [sys.executable, "-m", "harness.cli", *args]
    if report_dir is not None and args and args[0] == "run":
        command[4:4] = ["--report-dir", str(report_dir)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd, env=env
    )
    report = None
    if report_dir is not None and (report_dir / "report.json").exists():
        report = json.loads((report_dir / "report.json").read_text())
        validate_report(report)
    return CliRun(done.returncode, done.stdout, done.stderr, report)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_profile(directory: Path, text: str, name: str = "dut.toml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def html_rows(page: str) -> str:
    """The HTML of every row of report.html and its details, from pytest-html's data
    blob (pytest-html keeps each row as an escaped JSON string)."""
    blob = re.search(r'data-jsonblob="([^"]*)"', page)
    assert blob, "no data blob in report.html"
    data = json.loads(html.unescape(blob.group(1)))
    parts = []
    for runs in data["tests"].values():
        for test in runs:
            parts += test.get("resultsTableRow", []) + test.get("log", "").split("\n")
    return "\n".join(parts)


def pytester_run(pytester: Any, cases: str) -> Any:
    """Write ``cases`` as a test module and return ``go(*args)``, which runs pytest on it
    in a subprocess with a report dir and returns (result, report.json)."""
    pytester.makepyfile(test_cases=cases)

    def go(*args: str) -> tuple[Any, dict[str, Any]]:
        result = pytester.runpytest_subprocess(
            "--report-dir", "out", "-p", "no:cacheprovider", *args
        )
        report = json.loads((pytester.path / "out" / "report.json").read_text())
        validate_report(report)
        return result, report

    return go


def case_verdicts(report: dict[str, Any]) -> dict[str, tuple[str, str | None, str | None]]:
    """Each case of a report.json by id: (verdict, rule, reason)."""
    return {c["id"]: (c["verdict"], c.get("rule"), c.get("reason")) for c in report["cases"]}
