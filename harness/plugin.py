"""pytest plugin: options, markers, fixtures, applicability and verdicts. It only wires;
the work lives in ``environment``, ``session``, ``roles`` and ``report``.

Fixtures for test cases: ``csms`` (the harness as CSMS, DUT = station), ``station``
(the harness as station, DUT = CSMS) and ``dut`` (the device: profile and ``act``).
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

import pytest

from harness.applicability import why_it_applies
from harness.control.http import forget_descriptions
from harness.cut import cut
from harness.dut import DutProfile, ProfileError, ProfileWarning, load_profile
from harness.dut_kind import DutKind
from harness.environment import (
    CaseSetup,
    DutEnvironment,
    defects_option,
    embedded_profiles,
    not_applicable_to,
    profile_with_options,
    simulator_variant,
)
from harness.loop import DrivenLoop
from harness.parallel import (
    STOP_FILE_KEY,
    ParallelReports,
    WorkerStop,
    is_controller,
    is_worker,
    parallel_problem,
)
from harness.report.records import CaseRecord, RunRecord, verdict_of
from harness.report.writer import ReportWriter
from harness.secrets import scrub
from harness.testcase import TestCaseInfo
from harness.verdicts import DutFailure, HarnessError, Unreachable, Verdict

__all__ = ["run_summary"]

_RUN = pytest.StashKey["HarnessRun"]()
_ENV = pytest.StashKey[DutEnvironment]()
_CASE = pytest.StashKey[CaseRecord]()
#: why a collected case applies (harness.applicability.why_it_applies), for its record
_APPLIES = pytest.StashKey[str]()
_PREVIOUS_HANDLERS = pytest.StashKey[dict[signal.Signals, Any]]()
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp", "OCPP harness")
    group.addoption(
        "--dut",
        metavar="PROFILE",
        default=None,
        help="DUT profile (TOML). Without it, the bundled simulators are the DUTs.",
    )
    group.addoption(
        "--report-dir",
        metavar="DIR",
        default=None,
        help="write report.json, junit.xml and report.html here",
    )
    group.addoption(
        "--sim-defect",
        metavar="NAME",
        action="append",
        default=[],
        help="give the embedded simulators this defect (repeatable; self-tests)",
    )
    group.addoption(
        "--sim-option",
        metavar="NAME",
        action="append",
        default=[],
        help="give the embedded simulators this legal variation (repeatable; self-tests)",
    )
    group.addoption(
        "--sim-as-given",
        action="store_true",
        default=False,
        help="run the embedded simulators as given: a case of another variation of the "
        "device (a fixed cable, resets per EVSE) is skipped, naming the --sim-option that "
        "would run it (default: without --sim-option, such a case runs on that variation)",
    )
    group.addoption(
        "--sim-one-device",
        action="store_true",
        default=False,
        help="keep one embedded simulator for the whole run, as a lab keeps its device, so "
        "that what one case leaves behind reaches the next (default: a fresh simulator per "
        "case; a case that asks for other defects or options still gets its own)",
    )
    group.addoption(
        "--connector-report",
        choices=("status-notification", "notify-event"),
        default=None,
        help="as charging station, report connectors this way (overrides the profile's "
        "[harness] connector_report): OCTT's station uses both",
    )
    group.addoption(
        "--case",
        metavar="ID",
        action="append",
        default=[],
        help="run only the case with this exact id (repeatable)",
    )
    group.addoption(
        "--cert-profile",
        metavar="SLUG",
        default=None,
        help="run only the cases this Part 5 certification profile lists (core, "
        "advanced-security, local-auth-list, smart-charging, iso15118, ...)",
    )
    group.addoption(
        "--ocpp-strict",
        action="store_true",
        default=False,
        help="a rehearsal of the certification run: named warnings (checks beyond OCTT, "
        "places where OCTT expects more than the specification) fail the case",
    )
    group.addoption(
        "--hold-seconds",
        type=float,
        default=2.0,
        help="how long an unscripted DUT CALL may wait for the script (s)",
    )
    group.addoption(
        "--connect-each-case",
        action="store_true",
        help="wait for the DUT in every case, even after it never connected in one "
        "(default: the DUT's later cases are skipped, naming the case it was not there in)",
    )


class HarnessRun:
    """Run-wide state: the loop, the DUT environments, the report."""

    def __init__(
        self, config: pytest.Config, profiles: list[DutProfile], report_dir: Path | None
    ) -> None:
        self.config = config
        self.profiles = profiles
        self.loop: DrivenLoop | None = None
        self.environments: dict[tuple[str, str], DutEnvironment] = {}
        defects = defects_option(config.getoption("--sim-defect"))
        self.defects = defects
        self.options = defects_option(config.getoption("--sim-option"))
        self.strict = bool(config.getoption("--ocpp-strict"))
        self.record = RunRecord.start(profiles, defects, strict=self.strict)
        # a parallel run's reports are the controller's to write (harness.parallel)
        self.writer = ReportWriter(report_dir) if report_dir and not is_worker(config) else None
        #: the controller's gathering of a parallel run's cases, in that process
        self.parallel: ParallelReports | None = None
        #: nodeid -> case id of the collected catalog cases
        self.case_ids: dict[str, str] = {}
        #: the signal that asked the run to stop, if one did
        self.stop_requested: str | None = None
        #: why the reports could not be written (a full disk, say), once that happened
        self.report_error: str | None = None
        self.session: pytest.Session | None = None

    def write_reports(self, *, complete: bool) -> None:
        """report.json and junit.xml as the run stands; a disk that refuses them stops the
        run with one line (exit 3 from the command line), rather than a traceback."""
        if self.writer is None or self.report_error is not None:
            return
        try:
            self.writer.write(self.record, complete=complete)
        except OSError as exc:
            self.reports_unwritable(
                f"cannot write the reports to {self.writer.directory}: {exc.strerror or exc}"
            )

    def reports_unwritable(self, reason: str) -> None:
        """The first report write that failed: say it once, and stop the run after the
        running case (the command line then exits 3)."""
        if self.report_error is not None:
            return
        self.report_error = reason
        self.say(f"{reason}; the run stops")
        if self.session is not None:
            self.session.shouldstop = reason

    def profile_for(self, info: TestCaseInfo) -> DutProfile | None:
        for profile in self.profiles:
            if profile.kind == info.dut_kind and profile.ocpp is info.ocpp:
                return profile
        return None

    def environment(self, profile: DutProfile) -> DutEnvironment:
        key = (profile.kind, profile.ocpp.value)
        if key not in self.environments:
            if self.loop is None:
                # The keeper's turns come often enough that a held DUT CALL waits
                # hardly longer than --hold-seconds.
                hold = self.config.getoption("--hold-seconds")
                self.loop = DrivenLoop(keep_alive=min(0.1, hold / 4))
            self.environments[key] = DutEnvironment(
                profile,
                self.loop,
                defects=self.defects,
                options=self.options,
                hold_seconds=self.config.getoption("--hold-seconds"),
                strict=self.strict,
                one_device=bool(self.config.getoption("--sim-one-device")),
                say=self.say,
            )
        return self.environments[key]

    def say(self, text: str, *, flush: bool = True) -> None:
        """One line on the terminal now, even while pytest captures the case's output:
        what the harness waits for, so that a person at a real device is not left
        looking at a silent screen."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        if reporter is None:
            return
        disabled = (
            capture.global_and_fixture_disabled()
            if capture is not None
            else contextlib.nullcontext()
        )
        with disabled:
            reporter.write_line(f"ocpp-harness: {text}")
            # out of Python's buffer while the terminal is ours: on a pipe (a CI runner)
            # stdout is block-buffered, and a line left there shows only at pytest's next
            # flush. Not from a signal handler (flush=False): it may have interrupted the
            # main thread inside that same buffer's flush, and a second one from here
            # raises "reentrant call inside <_io.BufferedWriter>" (an INTERNALERROR).
            if flush:
                reporter.flush()

    def close(self) -> None:
        for environment in self.environments.values():
            # Closing: whatever fails here, the report must still be written.
            with contextlib.suppress(Exception):
                environment.close()
        if self.loop is not None:
            self.loop.close()


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads its path
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ocpp_testcase(info): an OCPP catalog test case")
    for name, what in (
        ("cs", "a case whose DUT is a charging station (select with -m cs)"),
        ("csms", "a case whose DUT is a CSMS (select with -m csms)"),
        ("ocpp16", "an OCPP 1.6 case"),
        ("ocpp201", "an OCPP 2.0.1 case"),
        ("ocpp21", "an OCPP 2.1 case"),
    ):
        config.addinivalue_line("markers", f"{name}: {what}")
    for letter in "abcdefghijklmnopqrstuvwxyz":
        config.addinivalue_line(
            "markers", f"block_{letter}: a case of functional block {letter.upper()}"
        )
    from harness.ocppj import OcppVersion
    from harness.spec.catalog import profiles as cert_profiles

    for slug in sorted({slug for version in OcppVersion for slug in cert_profiles(version)}):
        config.addinivalue_line(
            "markers",
            f"{_profile_marker(slug)}: a case Part 5 certification profile {slug} lists",
        )
    config.addinivalue_line(
        "markers",
        "ocpp_sim(defects=(), options=(), strict=None, connector_report=None): this case's "
        "simulator defects, legal variations, strictness and connector-report style, in "
        "place of the run's --sim-defect, --sim-option, --strict and --connector-report",
    )
    profile_path = config.getoption("--dut")
    try:
        # its warnings are shown once, as lines of the run's start (pytest_sessionstart)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProfileWarning)
            profiles = [load_profile(profile_path)] if profile_path else embedded_profiles()
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    report_dir = config.getoption("--report-dir")
    directory = Path(report_dir) if report_dir else None
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            probe = directory / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise pytest.UsageError(
                f"--report-dir {report_dir}: cannot write there ({exc.strerror or exc})"
            ) from None
        if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
            config.option.htmlpath = str(directory / "report.html")
            config.option.self_contained_html = True
    _check_sim_names(
        "--sim-{kind}",
        defects_option(config.getoption("--sim-defect")),
        defects_option(config.getoption("--sim-option")),
    )
    for profile in profiles:
        # one device cannot have two variations that contradict each other (a UI and none)
        try:
            profile_with_options(profile, defects_option(config.getoption("--sim-option")))
        except ValueError as error:
            raise pytest.UsageError(f"--sim-option: {error}") from None
    _check_cert_profile(config, profiles)
    style = config.getoption("--connector-report")
    if style:
        profiles = [p.with_connector_report(style) for p in profiles]
    run = HarnessRun(config, profiles, directory)
    config.stash[_RUN] = run
    _wire_parallel_run(config, run)
    hooks = RunHooks(config, run)
    if threading.current_thread() is threading.main_thread():
        config.stash[_PREVIOUS_HANDLERS] = {
            signum: signal.signal(signum, hooks.on_stop_signal) for signum in _STOP_SIGNALS
        }
    if config.pluginmanager.hasplugin("html"):
        from harness.report.pytest_html_hooks import HtmlReportHooks

        config.pluginmanager.register(HtmlReportHooks(run.record), "ocpp-harness-html")
    config.pluginmanager.register(hooks, "ocpp-harness-run")


def _wire_parallel_run(config: pytest.Config, run: HarnessRun) -> None:
    """Under pytest-xdist (``-n``, ``ocpp-harness run --workers``): refuse a DUT that
    is one device, and register the controller's or the worker's side of the run."""
    if is_controller(config):
        problem = parallel_problem(
            run.profiles, one_device=bool(config.getoption("--sim-one-device"))
        )
        if problem is not None:
            raise pytest.UsageError(f"parallel run (-n, --workers): {problem}")
        run.record.workers = int(config.getoption("numprocesses"))
        run.parallel = ParallelReports(
            config, run.record, lambda: run.write_reports(complete=False)
        )
        config.pluginmanager.register(run.parallel, "ocpp-harness-parallel")
    elif is_worker(config):
        stop_file = config.workerinput.get(STOP_FILE_KEY)  # type: ignore[attr-defined]
        if stop_file:
            worker_stop = WorkerStop(lambda: run.session, stop_file)
            config.pluginmanager.register(worker_stop, "ocpp-harness-worker-stop")


def _check_sim_names(where: str, defects: Iterable[str], options: Iterable[str]) -> None:
    """A misspelt defect or option would run the conformant simulator and pass: refuse,
    naming ``where`` it was given (a flag, a marker) and the nearest known name."""
    from harness.sim.defects import DEFECTS
    from harness.sim.options import OPTIONS

    known_defects = {defect.name for defect in DEFECTS.values()}
    for kind, names, known in (
        ("defect", defects, known_defects),
        ("option", options, set(OPTIONS)),
    ):
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise pytest.UsageError(
                    f"{where.format(kind=kind)} {name}: no such simulator {kind}{hint}"
                )


def pytest_unconfigure(config: pytest.Config) -> None:
    for signum, previous in config.stash.get(_PREVIOUS_HANDLERS, {}).items():
        signal.signal(signum, previous)
    hooks = config.pluginmanager.get_plugin("ocpp-harness-run")
    if isinstance(hooks, RunHooks):
        hooks.close()


def _terminal_fd() -> int | None:
    """A copy of the descriptor of the terminal (or pipe) the run writes to, taken at
    configure time, while pytest's capture is off; None where the process's stdout has
    no descriptor (an in-process test run)."""
    try:
        return os.dup(sys.__stdout__.fileno()) if sys.__stdout__ is not None else None
    except (AttributeError, OSError, ValueError):
        return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash.get(_RUN, None)
    if run is None:
        return []
    return [
        f"ocpp-harness DUT: {p.kind} OCPP {p.ocpp.value} {p.identity} ({p.source}, "
        f"control {p.control.adapter})"
        for p in run.profiles
    ]


def _info(item: pytest.Item) -> TestCaseInfo | None:
    marker = item.get_closest_marker("ocpp_testcase")
    return marker.args[0] if marker and marker.args else None


def _check_cert_profile(config: pytest.Config, profiles: list[DutProfile]) -> None:
    """``--cert-profile`` must name a certification profile of a version under test."""
    slug = config.getoption("--cert-profile")
    if slug is None:
        return
    from harness.spec.listing import profile_problem

    versions = list(dict.fromkeys(p.ocpp for p in profiles))
    problem = profile_problem(slug, versions)
    if problem is not None:
        raise pytest.UsageError(f"--cert-profile: {problem}")


def _in_cert_profile(config: pytest.Config, info: TestCaseInfo) -> bool:
    """Whether ``info`` is one of the ``--cert-profile`` cases (all are, without it)."""
    slug = config.getoption("--cert-profile")
    if slug is None:
        return True
    from harness.spec.catalog import case_ids_in_profile, profiles

    if slug not in profiles(info.ocpp):
        return False  # this version has no such profile
    return info.id in case_ids_in_profile(info.ocpp, info.dut_kind, slug)


def _check_case_ids(wanted: set[str], collected: set[str]) -> None:
    """A misspelt ``--case`` would select nothing and pass: refuse it, naming the
    nearest collected id, or saying that the id is an OCA case not implemented here."""
    from harness.ocppj import OcppVersion
    from harness.spec.catalog import entry

    problems = []
    for case_id in sorted(wanted - collected):
        close = difflib.get_close_matches(case_id, sorted(collected), n=1)
        if any(entry(case_id, version) for version in OcppVersion):
            problems.append(f"--case {case_id}: an OCA case this catalog does not implement")
        elif close:
            problems.append(f"--case {case_id}: no such case; did you mean {close[0]}?")
        else:
            problems.append(f"--case {case_id}: no such case")
    if problems:
        raise pytest.UsageError("; ".join(problems))


#: markers every catalog case gets, so that ``-m`` can select by role, version and block
_ROLE_MARKERS = {DutKind.CHARGING_STATION: "cs", DutKind.CSMS: "csms"}


def _profile_marker(slug: str) -> str:
    """A Part 5 certification profile's marker name: ``profile_local_auth_list``."""
    return "profile_" + slug.replace("-", "_")


def _case_markers(info: TestCaseInfo) -> list[str]:
    from harness.spec.catalog import entry

    markers = [_ROLE_MARKERS[info.dut_kind], "ocpp" + info.ocpp.value.replace(".", "")]
    letter = info.id.split("_")[1] if info.id.count("_") >= 2 else ""
    if len(letter) == 1 and letter.isalpha():  # 2.x ids name their block (1.6's number)
        markers.append(f"block_{letter.lower()}")
    known = entry(info.id, info.ocpp)
    if known is not None and not known.removed:
        markers += [_profile_marker(slug) for slug in sorted(known.in_profiles)]
    return markers


def pytest_itemcollected(item: pytest.Item) -> None:
    info = _info(item)
    if info is not None:
        for name in _case_markers(info):
            item.add_marker(name)


def _check_marker_expression(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A misspelt marker in -m ('csmss') would select nothing: refuse a name that is
    neither registered nor on any collected item, with the nearest known one."""
    expression = config.getoption("markexpr", "") or ""
    names = set(re.findall(r"[A-Za-z_]\w*", expression)) - {"and", "or", "not"}
    if not names:
        return
    known = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    known |= {mark.name for item in items for mark in item.iter_markers()}
    for name in sorted(names - known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise pytest.UsageError(f"-m {expression!r}: no such marker {name!r}{hint}")


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect: an unknown --case id is refused
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash[_RUN]
    wanted = set(config.getoption("--case"))
    if wanted:
        _check_case_ids(wanted, {info.id for info in map(_info, items) if info is not None})
    _check_marker_expression(config, items)
    keep, drop = [], []
    for item in items:
        info = _info(item)
        if info is None:
            keep.append(item)
            continue
        profile = run.profile_for(info)
        if (
            profile is None
            or (wanted and info.id not in wanted)
            or not _in_cert_profile(config, info)
        ):
            drop.append(item)  # another version, DUT kind or profile: not in this plan
            continue
        item.extra_keyword_matches.add(info.id)
        run.case_ids[item.nodeid] = info.id
        options = _case_options(item, run)
        base, profile = profile, _case_profile(item, profile, options)
        cert_profile = config.getoption("--cert-profile")
        reason = not_applicable_to(info, profile, cert_profile)
        variant = _own_variant(item, info, base, run) if reason is not None else None
        if variant:
            # the embedded simulator made the device the case is for (harness.sim.options)
            item.add_marker(pytest.mark.ocpp_sim(options=variant))
            profile = _case_profile(item, base, variant)
            flags = " ".join(f"--sim-option {option}" for option in variant)
            item.stash[_APPLIES] = (
                f"{why_it_applies(info, profile.supports, cert_profile)}; run on the "
                f"simulated {base.kind.sim_side} made such a device ({flags})"
            )
        elif reason is not None:
            hint = _variant_hint(info, base, options)
            item.add_marker(pytest.mark.skip(reason=reason + hint))
        else:
            item.stash[_APPLIES] = why_it_applies(info, profile.supports, cert_profile)
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _own_variant(
    item: pytest.Item, info: TestCaseInfo, profile: DutProfile, run: HarnessRun
) -> tuple[str, ...] | None:
    """The simulator options a case of another device runs with, so that a run of the
    simulators as they come (no --sim-option, no --sim-one-device, no --sim-as-given)
    runs every case: each on the variation of the device it applies to. None where the
    run or the case asked for a device of its own, or no variation is such a device."""
    config = item.config
    if (
        profile.control.adapter != "sim"
        or run.options
        or config.getoption("--sim-as-given")
        or config.getoption("--sim-one-device")
        or _case_setup(item).options is not None
    ):
        return None
    return simulator_variant(info, profile) or None


def _variant_hint(info: TestCaseInfo, profile: DutProfile, options: tuple[str, ...]) -> str:
    """For the embedded simulator: the options to add to ``options`` (the run's) that
    make it a device the case applies to, so that a reader of the skip knows how to see
    the case run."""
    if profile.control.adapter != "sim":
        return ""
    variant = simulator_variant(info, profile, given=options)
    if not variant:
        return ""
    flags = " ".join(f"--sim-option {option}" for option in variant)
    return f"; the simulated {profile.kind.sim_side} is such a device with {flags}"


def _case_options(item: pytest.Item, run: HarnessRun) -> tuple[str, ...]:
    """The simulator options ``item`` runs with: its ``ocpp_sim`` marker's, else the
    run's."""
    setup = _case_setup(item).over(defects=run.defects, options=run.options, strict=run.strict)
    return setup.options


def _case_profile(item: pytest.Item, profile: DutProfile, options: tuple[str, ...]) -> DutProfile:
    """The profile ``item`` is judged applicable by: with the embedded simulator, the
    one its options make it declare."""
    try:
        return profile_with_options(profile, options)
    except ValueError as error:
        raise pytest.UsageError(f"{item.nodeid}: {error}") from None


def _environment(request: pytest.FixtureRequest, kind: str) -> DutEnvironment:
    info = _info(request.node)
    run = request.config.stash[_RUN]
    if info is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: the '{kind}' fixture is for catalog "
            "cases marked with @testcase"
        )
    profile = run.profile_for(info)
    assert profile is not None
    return run.environment(profile)


@pytest.fixture
def _ocpp_case(request: pytest.FixtureRequest) -> Generator[tuple[Any, Any], None, None]:
    environment = _environment(request, "csms/station")
    request.node.stash[_ENV] = environment
    info = _info(request.node)
    starts_with = info.starts_with if info is not None else None
    if (
        environment.unreachable
        and starts_with is None  # a case that starts the station may still find it
        and not request.config.getoption("--connect-each-case")
    ):
        # the DUT was not there for an earlier case: one connect timeout is enough
        pytest.skip(f"not run: the DUT was not reachable in {environment.unreachable}")
    finalizers: list[Any] = []
    try:
        role, dut = environment.start_case(
            finalizers,
            lambda session: request.node.stash.__setitem__(_SESSION, session),
            case_id=info.id if info is not None else None,
            setup=_case_setup(request.node),
            starts_with=starts_with,
        )
        yield role, dut
    finally:
        for finalize in reversed(finalizers):
            # Teardown must reach every finalizer.
            with contextlib.suppress(Exception):
                finalize()


_SESSION = pytest.StashKey[Any]()


def _case_setup(item: pytest.Item) -> CaseSetup:
    """The item's ``ocpp_sim`` marker as a :class:`CaseSetup`; names are checked, since a
    misspelt defect would run the conformant simulator and pass."""
    marker = item.get_closest_marker("ocpp_sim")
    if marker is None:
        return CaseSetup()
    setup = CaseSetup(
        defects=tuple(marker.kwargs["defects"]) if "defects" in marker.kwargs else None,
        options=tuple(marker.kwargs["options"]) if "options" in marker.kwargs else None,
        strict=marker.kwargs.get("strict"),
        connector_report=marker.kwargs.get("connector_report"),
    )
    _check_sim_names(f"{item.nodeid}: ocpp_sim {{kind}}", setup.defects or (), setup.options or ())
    return setup


@pytest.fixture
def csms(_ocpp_case: tuple[Any, Any], request: pytest.FixtureRequest) -> Any:
    """The harness playing the CSMS for a charging-station DUT."""
    role, _ = _ocpp_case
    if _info(request.node).dut_kind is not DutKind.CHARGING_STATION:  # type: ignore[union-attr]
        raise pytest.UsageError("the 'csms' fixture is for cases whose DUT is a station")
    return role


@pytest.fixture
def station(_ocpp_case: tuple[Any, Any], request: pytest.FixtureRequest) -> Any:
    """The harness playing a charging station for a CSMS DUT."""
    role, _ = _ocpp_case
    if _info(request.node).dut_kind is not DutKind.CSMS:  # type: ignore[union-attr]
        raise pytest.UsageError("the 'station' fixture is for cases whose DUT is a CSMS")
    return role


@pytest.fixture
def dut(_ocpp_case: tuple[Any, Any]) -> Any:
    """The device under test: its profile and ``act(action, **params)``."""
    return _ocpp_case[1]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    session = item.stash.get(_SESSION, None)
    if session is not None:
        session.end_of_case_checks()
    if session is not None and session.failures:
        # The DUT broke a rule after the script's last wait: the case still fails.
        raise session.failures[0]
    return result


def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Any:
    """A catalog case is collected under its case id (``…/test_b_provisioning.py::
    TC_B_01_CS``), so that -v, the summary and --lf speak of cases, not of functions."""
    info = getattr(obj, "ocpp_testcase", None)
    if not isinstance(info, TestCaseInfo) or not collector.funcnamefilter(name):
        return None  # pytest's own collection decides
    if (
        not inspect.isfunction(obj)
        or hasattr(obj, "pytestmark")
        and any(mark.name == "parametrize" for mark in obj.pytestmark)
    ):
        return None  # a parametrized case needs pytest's own item generation
    return pytest.Function.from_parent(collector, name=info.id, callobj=obj)


#: the longest evidence frame the terminal shows (report.json keeps it whole)
_EVIDENCE_CHARS = 300


def _case_line(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """Where in the case's own code it stopped: ``file:line  statement``."""
    path = getattr(item, "path", None)
    for entry in reversed(excinfo.traceback):
        if path is not None and Path(entry.path) == path:
            try:
                statement = str(entry.statement).strip().splitlines()[0]
            except (IndexError, OSError):
                statement = ""
            return f"{path.name}:{entry.lineno + 1}  {statement}".rstrip()
    return ""


def _short_longrepr(
    item: pytest.Item, record: CaseRecord, excinfo: pytest.ExceptionInfo[BaseException]
) -> str:
    """What a person needs of a failed case: its id, verdict, rule, reason, the frame
    that shows it and the case line, instead of a traceback of harness internals.
    Scrubbed of every known secret: the case line may be a ``dut.act`` that writes a
    password out (``password="…"``)."""
    head = f"{record.id} {record.verdict}"
    if record.table_step:
        head += f" at step {record.table_step}"
    lines = [f"{head} [{record.rule}]", f"  {record.reason}"]
    frame = getattr(excinfo.value, "frame", None)
    if frame:
        lines.append(f"  frame: {cut(frame, _EVIDENCE_CHARS, whole_in='report.json')}")
    where = _case_line(item, excinfo)
    if where:
        lines.append(f"  case line: {where}")
    return scrub("\n".join(lines))


def _shows_traceback(config: pytest.Config, excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    """A traceback is for a harness bug, or for whoever asks for one (--tb)."""
    if config.getoption("tbstyle", "auto") != "auto":
        return True
    return not isinstance(excinfo.value, DutFailure | HarnessError)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    info = _info(item)
    if info is None:
        return report
    record = item.stash.get(_CASE, None)
    if record is None:
        record = CaseRecord.begin(info, item.nodeid)
        record.applicability = item.stash.get(_APPLIES, "")
        item.stash[_CASE] = record
    verdict = verdict_of(report, call)
    if verdict is not None:
        session = item.stash.get(_SESSION, None)
        record.set_verdict(*verdict, table_step=session.trace.table_step if session else None)
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        record.duration_s = round(record.duration_s + report.duration, 6)
    if report.when == "teardown":
        session = item.stash.get(_SESSION, None)
        if session is not None:
            record.trace = session.trace.to_json()
            record.steps = [dict(step) for step in session.trace.steps]
            record.warnings = list(session.warnings)
        if record.verdict is None:
            record.set_verdict(Verdict.PASSED, "", "")
        report.user_properties.extend(record.junit_properties())
        run = item.config.stash[_RUN]
        run.record.add(record)
        run.write_reports(complete=False)
    excinfo = call.excinfo if report.failed and verdict is not None else None
    if excinfo is not None and isinstance(excinfo.value, Unreachable):
        environment = item.stash.get(_ENV, None)
        if environment is not None and environment.unreachable is None:
            environment.unreachable = f"{info.id} ({excinfo.value.reason})"
    if excinfo is not None and not _shows_traceback(item.config, excinfo):
        report.longrepr = _short_longrepr(item, record, excinfo)
    # pytest-html builds the row at teardown from every phase's report: all see the record.
    report.ocpp_record = record
    # the verdict as plain text: it survives the trip to an xdist controller, which the
    # record does not, so that its terminal counts verdicts too
    report.ocpp_verdict = str(record.verdict.value) if record.verdict else ""
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """pytest's counters, letters and words follow the harness's verdict: a DUT that
    breaks a rule while a case is set up (the boot gate) is a failure, not an error."""
    verdict = getattr(report, "ocpp_verdict", "")
    if not report.failed or not verdict:
        return None
    if verdict == Verdict.FAILED:
        return "failed", "F", "FAILED"
    if verdict == Verdict.ERROR:
        return "error", "E", "ERROR"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: Any) -> Any:
    """A report sent elsewhere (an xdist worker's to its controller) carries the case
    record as plain JSON (``ocpp_case``): the record itself cannot be pickled, and the
    controller writes the reports from it (harness.parallel)."""
    data = yield
    if isinstance(data, dict):
        record = data.pop("ocpp_record", None)
        if isinstance(record, CaseRecord):
            # the controller of a parallel run writes the reports from it
            data["ocpp_case"] = record.to_json() | {
                "verdict": record.verdict.value if record.verdict else None
            }
    return data


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash.get(_RUN, None)
    if run is None:
        return
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or bool(run.stop_requested)
    try:
        run.close()
    finally:
        # Whatever closing did, the report is written (and pytest-html's hook runs next).
        run.record.finish(interrupted=interrupted)
        run.write_reports(complete=not interrupted)


class RunHooks:
    """Hooks that need the run's config, which their pytest signatures do not carry."""

    def __init__(self, config: pytest.Config, run: HarnessRun) -> None:
        self.config = config
        self.run = run
        #: the stop signal's acknowledgement goes here (see :func:`_terminal_fd`)
        self.terminal_fd = _terminal_fd()

    def close(self) -> None:
        if self.terminal_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.terminal_fd)
            self.terminal_fd = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run.session = session
        # a new run asks each control service afresh what it offers (describe)
        forget_descriptions()
        for profile in self.run.profiles:
            for warning in profile.warnings:
                self.run.say(f"warning: {warning}")

    def on_stop_signal(self, signum: int, frame: Any) -> None:
        """Ctrl-C or SIGTERM: finish the running case, then stop; a second one stops now.

        Stopping between cases keeps every verdict honest (a case cut off half-way
        would blame the DUT for the harness being stopped); the report says the run is
        incomplete either way.
        """
        name = signal.Signals(signum).name
        session = self.run.session
        if self.run.stop_requested or session is None:
            # Stopping now may leave a coroutine unstarted wherever the signal landed;
            # Python's "never awaited" warning about it at exit says nothing to a user.
            warnings.filterwarnings(
                "ignore", message="coroutine .* was never awaited", category=RuntimeWarning
            )
            raise KeyboardInterrupt(f"stopped by {name}")
        self.run.stop_requested = name
        session.shouldstop = f"{name}: run stopped after the running case"
        if self.run.parallel is not None:
            dsession = self.config.pluginmanager.get_plugin("dsession")
            self.run.parallel.request_stop(str(session.shouldstop), dsession)
        # on the terminal at once, past the running case's capture (an operator prompt
        # may be waiting)
        running = "running cases" if self.run.parallel is not None else "running case"
        line = f"{name} received: stopping after the {running} (send it again to stop at once)"
        if self.terminal_fd is None:
            self.run.say(line, flush=False)
            return
        # One write to the terminal's own descriptor: a handler that writes through
        # Python's buffered stdout can land inside pytest's capture switch (the line goes
        # into the case's capture and is lost) or inside that buffer's own flush.
        with contextlib.suppress(OSError):
            os.write(self.terminal_fd, f"\nocpp-harness: {line}\n".encode())

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        """Mark the case that starts, in the report on disk: a crash then shows where."""
        item_id = self.run.case_ids.get(nodeid)
        if item_id is None or self.run.writer is None:
            return
        self.run.record.case_started(item_id, nodeid)
        self.run.write_reports(complete=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Any:
        """pytest-html rewrites report.html after every case: a disk that refuses it is
        the same one-line stop as for report.json, not an internal error."""
        try:
            return (yield)
        except OSError as exc:
            self._unwritable(exc)
            return None

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        """The last writes of the reports (ours and pytest-html's), as above."""
        try:
            return (yield)
        except OSError as exc:
            self._unwritable(exc)
            return None

    def _unwritable(self, exc: OSError) -> None:
        self.run.reports_unwritable(f"cannot write the reports: {exc.strerror or exc}")


def run_record(config: pytest.Config) -> RunRecord | None:
    """The run's record (what report.json is written from), None outside a harness run."""
    run = config.stash.get(_RUN, None)
    return run.record if run is not None else None


def run_summary(config: pytest.Config) -> dict[str, int] | None:
    """Verdict counts of the run and whether it was interrupted (for the CLI's exit code)."""
    run = config.stash.get(_RUN, None)
    if run is None:
        return None
    return {
        **run.record.summary(),
        "interrupted": int(run.record.interrupted),
        "report_error": int(run.report_error is not None),
    }


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is None or not run.record.cases:
        return
    counts = run.record.summary()
    terminalreporter.write_sep("-", "ocpp-harness verdicts")
    line = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    warned = run.record.passed_with_warnings()
    if warned:
        line += f" ({warned} passed with warnings)"
    terminalreporter.write_line(line + (" [strict]" if run.strict else ""))
    for case in run.record.cases:
        if case.verdict in ("failed", "error"):
            terminalreporter.write_line(
                f"{case.verdict.upper():7} {case.id}: {case.reason} [{case.rule}]"
            )
        elif case.verdict == "passed":
            for warning in case.warnings:
                if warning.kind.strict_fails:
                    terminalreporter.write_line(f"WARNING {case.id}: {warning.line()}")
    if run.writer is not None:
        terminalreporter.write_line(f"report: {run.writer.directory / 'report.json'}")
