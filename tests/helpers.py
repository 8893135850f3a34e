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


def start_cli(
    *args: str,
    report_dir: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start the real command line in a subprocess (:func:`finish_cli` waits for it), for
    a test that has something to do while the run goes on (start a DUT it waits for)."""
    command = [sys.executable, "-m", "harness.cli", *args]
    if report_dir is not None and args and args[0] == "run":
        command[4:4] = ["--report-dir", str(report_dir)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
    )


def finish_cli(
    process: subprocess.Popen[str], report_dir: Path | None = None, timeout: float = RUN_TIMEOUT
) -> CliRun:
    """Wait (bounded) for a command line started by :func:`start_cli`; read its report."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    report = None
    if report_dir is not None and (report_dir / "report.json").exists():
        report = json.loads((report_dir / "report.json").read_text())
        validate_report(report)
    return CliRun(process.returncode, stdout, stderr, report)


def run_cli(
    *args: str,
    report_dir: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> CliRun:
    """Run the real command line in a subprocess, as a user or a CI job does."""
    process = start_cli(*args, report_dir=report_dir, cwd=cwd, env=env)
    return finish_cli(process, report_dir, timeout)


def main_in_process(capsys: Any, *args: str) -> CliRun:
    """Run the command line's ``main`` in this process and return what it printed.

    For a command that never starts pytest (list, check-profile, report diff, and a run
    refused before pytest starts): these need no interpreter of their own. A pytest run
    would be a session inside the self-test's own, so starting one fails the test."""
    from unittest import mock

    import pytest

    from harness.cli import main

    capsys.readouterr()  # what the test printed before is not the command's
    refuse = AssertionError(f"{args}: starts pytest; run it with run_cli")
    with mock.patch.object(pytest, "main", side_effect=refuse):
        code = main(list(args))
    out, err = capsys.readouterr()
    return CliRun(code, out, err, None)


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


def pytester_run(pytester: Any, cases: str, *, in_process: bool = False) -> Any:
    """Write ``cases`` as a test module and return ``go(*args)``, which runs pytest on it
    with a report dir and returns (result, report.json).

    The run is a subprocess (a fresh interpreter, the plugin loaded as a user's pytest
    loads it) unless ``in_process``: then it is a pytest session of its own in this
    process (pytester's in-process run), which spares the interpreter start, for what a
    session shows whatever process it runs in (its verdicts, its reports)."""
    pytester.makepyfile(test_cases=cases)
    run = pytester.runpytest_inprocess if in_process else pytester.runpytest_subprocess

    def go(*args: str) -> tuple[Any, dict[str, Any]]:
        result = run("--report-dir", "out", "-p", "no:cacheprovider", *args)
        report = json.loads((pytester.path / "out" / "report.json").read_text())
        validate_report(report)
        return result, report

    return go


def pytester_outputs(pytester: Any, result: Any) -> dict[str, str]:
    """Every stream and report file of a ``pytester_run`` run, by name (for a test that
    greps all of them: a secret that must not leak)."""
    outputs = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    for path in sorted((pytester.path / "out").iterdir()):
        outputs[path.name] = path.read_text(errors="replace")
    assert {"report.json", "junit.xml", "report.html"} <= set(outputs), sorted(outputs)
    return outputs


def case_verdicts(report: dict[str, Any]) -> dict[str, tuple[str, str | None, str | None]]:
    """Each case of a report.json by id: (verdict, rule, reason)."""
    return {c["id"]: (c["verdict"], c.get("rule"), c.get("reason")) for c in report["cases"]}


def harness_sent(case: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The payloads of the CALLs ``action`` the harness sent to the DUT, in order, read
    from a finished case's trace as report.json holds it."""
    return [
        json.loads(entry["raw"])[3]
        for entry in case["trace"]
        if entry["kind"] == "frame"
        and entry["direction"] == "harness->dut"
        and entry.get("message_type") == "CALL"
        and entry.get("action") == action
    ]
