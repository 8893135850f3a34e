"""Shared helpers of the self-tests: run the real command line, read its report."""

from __future__ import annotations

import json
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
