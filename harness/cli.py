"""``ocpp-harness``: a thin command line over the pytest plugin.

    ocpp-harness run [--dut PROFILE] [--report-dir DIR] [-k EXPR] [--profile SLUG]
                     [--strict] [-- PYTEST-ARGS…]
    ocpp-harness list [--format text|json] [--dut PROFILE] [--ocpp V] [--role cs|csms]
                      [--profile SLUG] [--coverage]
    ocpp-harness check-profile FILE
    ocpp-harness report diff OLD.json NEW.json
    ocpp-harness sim station|csms …

Exit codes of ``run``: 0 every case passed or was skipped; 1 a case failed; 2 usage or
profile error; 3 harness error (a case ended in *error*, pytest itself broke, or the run
was interrupted); 4 the selection ran no case at all (a filter that matches nothing
would otherwise pass a CI gate), unless ``--allow-empty``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import importlib
import json
import os
import pkgutil
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["catalog_cases", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ERROR, EXIT_NOTHING = 0, 1, 2, 3, 4


def _catalog() -> ModuleType:
    """The catalog package. setup.py maps it to ``testcases/`` at install time, so there
    is no ``harness/catalog`` source folder for a static import to name."""
    return importlib.import_module("harness.catalog")


def _catalog_dir() -> Path:
    return Path(next(iter(_catalog().__path__)))


def catalog_functions() -> list[Any]:
    """Every catalog case's function, in catalog order (imports the catalog modules);
    each carries its metadata as ``ocpp_testcase``."""
    functions = []
    for module_info in pkgutil.walk_packages(_catalog().__path__, "harness.catalog."):
        if not module_info.name.rsplit(".", 1)[-1].startswith("test_"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if getattr(value, "ocpp_testcase", None) is not None:
                functions.append(value)
    return functions


def catalog_cases() -> list[Any]:
    """Every catalog case's metadata, in catalog order (imports the catalog modules)."""
    return [function.ocpp_testcase for function in catalog_functions()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocpp-harness",
        description="OCPP-J compliance test harness: runs OCA-style test cases against a "
        "charging station or a CSMS (or the bundled simulators).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the catalog against a DUT")
    run.add_argument(
        "--dut",
        metavar="PROFILE",
        help="DUT profile (TOML); default: the bundled simulators, both roles, OCPP 1.6 and 2.0.1",
    )
    run.add_argument(
        "--report-dir",
        metavar="DIR",
        help="where to write report.json, junit.xml and report.html (default: reports/<timestamp>)",
    )
    run.add_argument(
        "-k",
        metavar="EXPR",
        dest="keyword",
        help="only cases matching EXPR (pytest -k syntax, e.g. TC_B_01_CS)",
    )
    run.add_argument(
        "--case",
        metavar="ID",
        action="append",
        default=[],
        help="only the case with this exact id (repeatable)",
    )
    run.add_argument(
        "--profile",
        metavar="SLUG",
        help="only the cases of this certification profile (core, advanced-security, "
        "local-auth-list, smart-charging, iso15118, ...; ocpp-harness list --coverage "
        "names them)",
    )
    run.add_argument(
        "--sim-defect",
        metavar="NAME",
        action="append",
        default=[],
        help="give the embedded simulators this defect (repeatable), to see "
        "how the harness reports a misbehaving device",
    )
    run.add_argument(
        "--sim-option",
        metavar="NAME",
        action="append",
        default=[],
        help="give the embedded simulators this legal variation (repeatable), e.g. "
        "connector-report-notify-event",
    )
    run.add_argument(
        "--sim-as-given",
        action="store_true",
        help="run the embedded simulators as they come: a case of another variation of the "
        "device (a fixed cable, resets per EVSE) is skipped, naming the --sim-option that "
        "runs it (default: without --sim-option, each such case runs on its variation)",
    )
    run.add_argument(
        "--sim-one-device",
        action="store_true",
        help="keep one embedded simulator for the whole run, as a lab keeps its device, so "
        "that what one case leaves behind reaches the next (default: a fresh one per case)",
    )
    run.add_argument(
        "--workers",
        metavar="N",
        type=_workers_value,
        default="auto",
        help="run N cases side by side, each against its own simulated device (default "
        "auto: two a CPU core, at most 8, when every DUT is an embedded simulator and no "
        "--case picks the cases; 1 otherwise). A real DUT is one device: it takes 1",
    )
    run.add_argument(
        "--connector-report",
        choices=("status-notification", "notify-event"),
        help="when the harness is the station: report connectors by StatusNotification or "
        "NotifyEvent (default: the profile's [harness] connector_report)",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="rehearse the certification run: named warnings (checks beyond OCTT, places "
        "where OCTT expects more than the specification) fail their case",
    )
    run.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 when the selection runs no case (default: exit 4, so that a filter "
        "that matches nothing does not pass a CI gate)",
    )
    run.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")

    listing = commands.add_parser("list", help="list the catalog's test cases")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--dut", metavar="PROFILE", help="only cases that apply to it")
    listing.add_argument("--ocpp", choices=("1.6", "2.0.1", "2.1"), help="only this version")
    listing.add_argument("--role", choices=("cs", "csms"), help="only cases of this DUT kind")
    listing.add_argument(
        "--profile",
        metavar="SLUG",
        help="only cases of this certification profile (core, advanced-security, …)",
    )
    listing.add_argument(
        "--coverage",
        action="store_true",
        help="implemented/known cases of the OCA catalog, per version, role, profile, block",
    )

    check = commands.add_parser("check-profile", help="validate a DUT profile")
    check.add_argument("file")

    from harness.report.diff import add_report_subparser

    add_report_subparser(commands)

    try:
        from harness.sim.cli import add_sim_subparsers
    except ImportError:  # pragma: no cover - the simulators are part of the package
        pass
    else:
        add_sim_subparsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "list":
        try:
            return _list(args)
        except BrokenPipeError:
            # `ocpp-harness list | head`: the reader had enough; say nothing more (and
            # let the interpreter's last flush at exit go nowhere)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if args.command == "check-profile":
        return _check_profile(args.file)
    if args.command == "report":
        from harness.report.diff import run_report

        return run_report(args)
    from harness.sim.cli import run_sim

    return run_sim(args)


#: the most workers ``--workers auto`` starts: beyond it, the run's longest cases bound
#: its wall time and more processes only cost their start-up
MAX_AUTO_WORKERS = 8


def _workers_value(text: str) -> str:
    if text == "auto" or text.isdigit() and int(text) >= 1:
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: a whole number of at least 1, or auto")


def _workers(args: argparse.Namespace, dut: Any) -> int | str:
    """How many workers the run gets, or why it cannot have the number asked for.

    ``auto`` runs side by side only where it pays: every DUT a simulator the harness
    starts per case, a selection not picked case by case (a worker's start-up costs
    more than a few cases take), and pytest-xdist neither disabled nor already asked.
    """
    from harness.parallel import parallel_problem

    profiles = [dut] if dut is not None else []  # the embedded simulators can
    problem = parallel_problem(profiles, one_device=args.sim_one_device)
    if args.workers != "auto":
        wanted = int(args.workers)
        if wanted > 1 and problem is not None:
            return f"--workers {wanted}: {problem}"
        return wanted
    extra = " ".join(args.pytest_args)
    if (
        problem is not None
        or args.case
        or "no:xdist" in extra
        or re.search(r"(^| )(-n|--numprocesses)", extra)
    ):
        return 1
    return min(MAX_AUTO_WORKERS, 2 * (os.cpu_count() or 1))


def _error(text: str) -> None:
    print(f"ocpp-harness: {text}", file=sys.stderr)


def _load(path: str) -> Any:
    """The profile, or None after one line naming what is wrong. Its warnings are not
    raised as Python warnings (with a source path); check-profile lists them, and a run
    shows each once at its start (the plugin's)."""
    from harness.dut import ProfileError, ProfileWarning, load_profile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProfileWarning)
            return load_profile(path)
    except ProfileError as exc:
        _error(str(exc))
        return None


def _check_profile(path: str) -> int:
    profile = _load(path)
    if profile is None:
        return EXIT_USAGE
    for warning in profile.warnings:
        print(f"warning: {warning}")
    print(
        f"{path}: OK ({profile.kind}, OCPP {profile.ocpp.value}, identity "
        f"{profile.identity}, control {profile.control.adapter})"
    )
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from harness.ocppj import OcppVersion
    from harness.spec import listing

    versions = [OcppVersion.parse(args.ocpp)] if args.ocpp else list(OcppVersion)
    kinds = [listing.KINDS[args.role]] if args.role else list(listing.KINDS.values())
    if args.dut:
        profile = _load(args.dut)
        if profile is None:
            return EXIT_USAGE
        versions = [v for v in versions if v is profile.ocpp]
        kinds = [k for k in kinds if k == profile.kind]
    if args.profile:
        problem = listing.profile_problem(args.profile, versions or list(OcppVersion))
        if problem:
            _error(problem)
            return EXIT_USAGE
    infos = catalog_cases()
    if args.coverage:
        implemented = [(i.id, i.ocpp, i.dut_kind) for i in infos]
        print(listing.coverage_output(implemented, versions, kinds, args.profile, args.format))
        return EXIT_OK
    infos = listing.select(infos, versions, kinds, args.profile)
    if args.format == "json":
        print(json.dumps([info.to_json() for info in infos], indent=1))
        return EXIT_OK
    for info in infos:
        print(f"{info.id:16} {info.ocpp.value:6} {info.dut_kind:17} {info.block:18} {info.title}")
    print(f"{len(infos)} case(s)")
    return EXIT_OK


#: pytest options whose value is a path (the ones a run of the catalog is likely to get)
_PATH_OPTIONS = frozenset(
    {"--junitxml", "--junit-xml", "--html", "--basetemp", "--log-file", "--confcutdir"}
)


def _from_here(args: Sequence[str]) -> list[str]:
    """pytest arguments given after ``--``, with the paths of the options that take one
    made absolute: pytest runs from the catalog's directory, and a user means a path
    from where they typed it."""
    out: list[str] = []
    expect_path = False
    for arg in args:
        if expect_path:
            out.append(str(Path(arg).resolve()))
            expect_path = False
            continue
        name, sep, value = arg.partition("=")
        if name in _PATH_OPTIONS and sep:
            out.append(f"{name}={Path(value).resolve()}")
        else:
            out.append(arg)
            expect_path = name in _PATH_OPTIONS and not sep
    return out


def _print_last_line(summary: dict[str, int] | None, report_dir: Path) -> None:
    """The harness's verdicts are the last line a person reads, with where the report is."""
    if not summary:
        return
    counts = ", ".join(
        f"{summary[verdict]} {verdict}"
        for verdict in ("passed", "failed", "error", "skipped")
        if summary.get(verdict)
    )
    stopped = " (interrupted)" if summary.get("interrupted") else ""
    print(f"ocpp-harness: {counts or 'no case'}{stopped}; report: {report_dir / 'report.html'}")


class _Outcome:
    """Reads the run's verdict counts before pytest tears the config down."""

    def __init__(self) -> None:
        self.summary: dict[str, int] | None = None

    def pytest_unconfigure(self, config: Any) -> None:
        from harness.plugin import run_summary

        self.summary = run_summary(config)


def _run(args: argparse.Namespace) -> int:
    dut = _load(args.dut) if args.dut else None
    if args.dut and dut is None:
        return EXIT_USAGE
    if args.profile:
        from harness.ocppj import OcppVersion
        from harness.spec import listing

        versions = [dut.ocpp] if dut else list(OcppVersion)
        problem = listing.profile_problem(args.profile, versions)
        if problem is not None:
            print(f"ocpp-harness: --profile: {problem}", file=sys.stderr)
            return EXIT_USAGE
    report_dir = Path(
        args.report_dir or Path("reports") / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    ).resolve()
    catalog = _catalog_dir()
    pytest_args = [
        str(catalog),
        f"--rootdir={catalog}",
        "-c",
        str(Path(__file__).with_name("catalog.ini")),
        "--report-dir",
        str(report_dir),
        # pytest's cache (what --lf and --ff read) beside the reports, not in the
        # installed catalog's directory
        "-o",
        f"cache_dir={report_dir.parent / '.pytest_cache'}",
        "-q",
        # the harness's own summary lists what failed; pytest's would repeat it
        "-rN",
    ]
    if args.dut:
        pytest_args += ["--dut", str(Path(args.dut).resolve())]
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    for case in args.case:
        pytest_args += ["--case", case]
    if args.profile:
        pytest_args += ["--cert-profile", args.profile]
    for defect in args.sim_defect:
        pytest_args += ["--sim-defect", defect]
    for option in args.sim_option:
        pytest_args += ["--sim-option", option]
    if args.sim_one_device:
        pytest_args.append("--sim-one-device")
    if args.sim_as_given:
        pytest_args.append("--sim-as-given")
    if args.connector_report:
        pytest_args += ["--connector-report", args.connector_report]
    workers = _workers(args, dut)
    if isinstance(workers, str):
        _error(workers)
        return EXIT_USAGE
    if workers > 1:
        pytest_args += ["-n", str(workers)]
    if args.strict:
        pytest_args.append("--ocpp-strict")
    pytest_args += _from_here(args.pytest_args)

    import pytest

    outcome = _Outcome()
    # From the catalog's directory, pytest names a case v201/cs/test_b_….py::TC_B_01_CS
    # rather than by a path into site-packages.
    with contextlib.chdir(catalog):
        code = pytest.main(pytest_args, plugins=[outcome])
    _print_last_line(outcome.summary, report_dir)
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    summary = outcome.summary or {}
    # An interrupted run is no verdict on the DUT, whatever its finished cases said.
    if code == pytest.ExitCode.INTERRUPTED or summary.get("interrupted"):
        # a hard stop may leave a coroutine unstarted; Python's "never awaited" warning
        # about it at exit (pytest restored the filters by now) says nothing to a user
        warnings.filterwarnings(
            "ignore", message="coroutine .* was never awaited", category=RuntimeWarning
        )
        return EXIT_ERROR
    if (
        code == pytest.ExitCode.INTERNAL_ERROR
        or summary.get("error")
        or summary.get("report_error")
    ):
        return EXIT_ERROR
    if summary.get("failed") or code == pytest.ExitCode.TESTS_FAILED:
        return EXIT_FAILED
    ran_nothing = not any(summary.get(verdict, 0) for verdict in ("passed", "skipped"))
    if ran_nothing and not args.allow_empty:
        _error(
            "the selection ran no case (see the report's note); pass --allow-empty "
            "to accept an empty run"
        )
        return EXIT_NOTHING
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
