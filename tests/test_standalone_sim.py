"""A simulator started as its own process is driven exactly like a lab device.

``ocpp-harness sim station|csms --control-port N`` serves the http control API; the
example profiles in ``fixtures/`` point the harness at it. A conformant simulator
passes; the same simulator with a defect makes the run exit 1 with the schema rule.
The fixtures' fixed ports are swapped for free ones so runs never collide.

The harness as CSMS is started before the station simulator, as a lab's CSMS is up
before its stations: the simulator connects as soon as the harness listens, instead of
backing off from refused attempts while the harness starts.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, RUN_TIMEOUT, CliRun, finish_cli, free_port, run_cli, start_cli

READY_TIMEOUT = 20


@contextmanager
def simulator(*args: str) -> Iterator[subprocess.Popen[str]]:
    """Start ``ocpp-harness sim …`` and wait (bounded) for its ready line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "sim", *args, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT
        line = ""
        while "ready" not in line and "listening" not in line:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise AssertionError(f"simulator not ready within {READY_TIMEOUT} s")
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise AssertionError(f"simulator exited: {process.stderr.read()}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _profile(tmp_path: Path, name: str, replacements: dict[str, str]) -> Path:
    text = (ROOT / "fixtures" / name).read_text()
    for old, new in replacements.items():
        assert old in text, f"{name} no longer contains {old!r}"
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text)
    return path


def _station_run(
    tmp_path: Path,
    profile: Path,
    selection: list[str],
    ports: tuple[int, int],
    flags: list[str],
    timeout: float = RUN_TIMEOUT,
) -> CliRun:
    """``ocpp-harness run --dut profile`` with ``selection``, and the station simulator
    in its own process (``flags``: its --defect/--option) connecting to it on ``ports``
    (websocket, control)."""
    ws_port, control_port = ports
    report_dir = tmp_path / "r"
    harness = start_cli("run", "--dut", str(profile), *selection, report_dir=report_dir)
    try:
        with simulator(
            "station",
            "--ocpp",
            "2.0.1",
            "--csms",
            f"ws://127.0.0.1:{ws_port}/ocpp",
            "--identity",
            "SIM001",
            "--control-port",
            str(control_port),
            *flags,
        ):
            return finish_cli(harness, report_dir, timeout=timeout)
    finally:
        if harness.poll() is None:  # the simulator never came up: the run is no use
            harness.kill()
            harness.communicate()


@pytest.mark.parametrize("defect", [None, "boot-omits-model"])
def test_station_simulator_in_its_own_process(tmp_path, defect):
    ws_port, control_port = free_port(), free_port()
    profile = _profile(
        tmp_path,
        "sim-station-2.0.1.toml",
        {
            "port = 9000": f"port = {ws_port}",
            "127.0.0.1:8181": f"127.0.0.1:{control_port}",
            # TC_B_01_CS waits for a Heartbeat at this interval: the shortest there is
            "heartbeat = 2": "heartbeat = 1",
        },
    )
    extra = ["--defect", defect] if defect else []
    run = _station_run(tmp_path, profile, ["-k", "TC_B_01_CS"], (ws_port, control_port), extra)
    case = run.case("TC_B_01_CS")
    if defect is None:
        assert (run.code, case["verdict"]) == (0, "passed"), case["reason"]
    else:
        assert (run.code, case["verdict"]) == (1, "failed")
        assert case["rule"] == "schema:BootNotificationRequest:required"
        assert "$.chargingStation.model" in case["reason"]


@pytest.mark.parametrize("defect", [None, "boot-response-invalid"])
def test_csms_simulator_in_its_own_process(tmp_path, defect):
    ws_port, control_port = free_port(), free_port()
    profile = _profile(
        tmp_path,
        "sim-csms-2.0.1.toml",
        {
            "127.0.0.1:9100": f"127.0.0.1:{ws_port}",
            "127.0.0.1:8182": f"127.0.0.1:{control_port}",
        },
    )
    extra = ["--defect", defect] if defect else []
    with simulator(
        "csms",
        "--ocpp",
        "2.0.1",
        "--port",
        str(ws_port),
        "--control-port",
        str(control_port),
        *extra,
    ):
        run = run_cli(
            "run",
            "--dut",
            str(profile),
            "--case",
            "TC_B_01_CSMS",
            "--case",
            "TC_B_06_CSMS",
            report_dir=tmp_path / "r",
        )
    boot = run.case("TC_B_01_CSMS")
    if defect is None:
        assert run.code == 0, [(c["id"], c["reason"]) for c in run.report["cases"]]
        assert run.case("TC_B_06_CSMS")["verdict"] == "passed"
    else:
        assert (run.code, boot["verdict"]) == (1, "failed")
        assert boot["rule"] == "schema:BootNotificationResponse:required"


def _core_station_cases() -> list:
    from harness.cli import catalog_cases
    from harness.ocppj import OcppVersion
    from harness.spec.catalog import case_ids_in_profile

    core = case_ids_in_profile(OcppVersion.V201, "charging-station", "core")
    return [
        info
        for info in catalog_cases()
        if info.ocpp is OcppVersion.V201 and info.dut_kind == "charging-station" and info.id in core
    ]


#: cases per run against the simulator in its own process: a block's cases in slices of
#: about a minute, so that the xdist workers share them (block E alone takes 4 minutes)
SLICE = 12


def _run_core_cases(
    tmp_path: Path, ids: list[str], *, timeout: float, options: tuple[str, ...] = ()
) -> dict[str, tuple[str, str | None]]:
    """Run cases ``ids`` against ``ocpp-harness sim station`` in its own process (with
    ``options``, the fixture declaring what they give the device): case id -> (verdict,
    reason)."""
    ws_port, control_port = free_port(), free_port()
    profile = _profile(
        tmp_path,
        "sim-station-2.0.1.toml",
        {"port = 9000": f"port = {ws_port}", "127.0.0.1:8181": f"127.0.0.1:{control_port}"},
    )
    if options:
        profile.write_text(_as_that_device(profile.read_text(), options))
    chosen = [arg for case_id in ids for arg in ("--case", case_id)]
    flags = [arg for option in options for arg in ("--option", option)]
    run = _station_run(tmp_path, profile, chosen, (ws_port, control_port), flags, timeout)
    assert run.report is not None, run.stdout[-3000:]
    return {case["id"]: (case["verdict"], case.get("reason")) for case in run.report["cases"]}


def _slices() -> dict[str, list[str]]:
    """The Core station cases by block, in slices of at most :data:`SLICE`: "E-2" is
    block E's second."""
    blocks: dict[str, list[str]] = {}
    for info in _core_station_cases():
        blocks.setdefault(info.id.split("_")[1], []).append(info.id)
    slices = {}
    for block, ids in sorted(blocks.items()):
        count = -(-len(ids) // SLICE)
        for index in range(count):
            slices[f"{block}-{index + 1}"] = ids[index::count]
    return slices


CORE_SLICES = _slices()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("part", sorted(CORE_SLICES))
def test_the_core_station_cases_pass_against_the_simulator_in_its_own_process(tmp_path, part):
    """Issue 11: the simulated station run as its own process, driven over its control
    port through fixtures/sim-station-2.0.1.toml, passes the Core cases it passes
    embedded. A case the embedded station runs only as another device (an option with
    features) or on two EVSEs skips here, as it does for the embedded run."""
    ids = CORE_SLICES[part]
    got = _run_core_cases(tmp_path, ids, timeout=540)
    wrong = _not_as_embedded(got, _core_station_cases(), ids)
    assert not wrong, wrong


def _not_as_embedded(
    got: dict[str, tuple[str, str | None]], cases: list[Any], ids: list[str]
) -> dict[str, tuple[str, str | None] | None]:
    """The cases of ``ids`` whose verdict in ``got`` is not the embedded run's: passed,
    or skipped for a case the embedded run takes on another device (an option with
    features, two EVSEs); with what they got instead."""
    from tests.matrix import simulator_variant

    expected = {
        info.id: "skipped" if simulator_variant(info) else "passed"
        for info in cases
        if info.id in ids
    }
    return {
        case: got.get(case)
        for case, verdict in expected.items()
        if got.get(case, ("",))[0] != verdict
    }


def _variant_runs() -> dict[str, tuple[tuple[str, ...], list[str]]]:
    """The Core station cases the embedded run takes on a variation of the simulated
    station (simulator_variant), grouped by the options that make it that device."""
    from tests.matrix import simulator_variant

    runs: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    for info in _core_station_cases():
        options = simulator_variant(info)
        if options:
            runs.setdefault("+".join(options), (options, []))[1].append(info.id)
    return runs


VARIANT_RUNS = _variant_runs()


def _as_that_device(text: str, options: tuple[str, ...]) -> str:
    """The station fixture's text for the simulator with ``options``: its [features]
    declare what the options give the device (a key meaning the same feature, by id or
    alias, gives way), and its [layout] is theirs where they give other EVSEs."""
    from harness.dut import load_profile
    from harness.sim.options import OPTIONS, declared_features

    fixture = load_profile(ROOT / "fixtures" / "sim-station-2.0.1.toml")
    declared = declared_features(options)
    changed = {fixture.feature_id(key) for key in declared}
    lines, in_features = [], False
    for line in text.splitlines():
        if line.startswith("["):
            in_features = line.startswith("[features]")
        key = line.split("=", 1)[0].strip().strip('"')
        if in_features and "=" in line and fixture.feature_id(key) in changed:
            continue  # the option's word replaces it
        lines.append(line)
        if line.startswith("[features]"):
            lines += [f'"{key}" = {str(value).lower()}' for key, value in declared.items()]
    text = "\n".join(lines) + "\n"
    for option in options:
        if OPTIONS[option].evses:
            evses = ", ".join(
                f"{{ id = {evse}, connectors = {list(connectors)} }}"
                for evse, connectors in OPTIONS[option].evses
            )
            text = text.replace("evses = [{ id = 1, connectors = [1] }]", f"evses = [{evses}]")
    return text


@pytest.mark.timeout(300)
@pytest.mark.parametrize("variant", sorted(VARIANT_RUNS))
def test_the_core_cases_of_a_variation_pass_against_it_in_its_own_process(tmp_path, variant):
    """The cases the embedded run takes on a variation of the station (a fixed cable,
    resets per EVSE, two EVSEs ...) pass against the simulator started as its own
    process with that --option, driven through the fixture declaring what such a
    device has: the embedded run's 'all passed' holds for a lab set-up too."""
    options, ids = VARIANT_RUNS[variant]
    got = _run_core_cases(tmp_path, ids, timeout=240, options=options)
    assert got == {case_id: ("passed", "") for case_id in ids}, got


def test_the_station_fixture_declares_what_the_simulator_implements():
    """fixtures/sim-station-2.0.1.toml drives the simulator run as its own process: it
    must declare the Part 5 features the embedded simulated station declares, or the
    conditional cases that pass embedded would be skipped (or run) against the same
    simulator in a lab set-up."""
    from harness.dut import load_profile
    from harness.environment import CHARGING_STATION, EMBEDDED_FEATURES, embedded_profiles

    profile = load_profile(ROOT / "fixtures" / "sim-station-2.0.1.toml")
    for feature, supported in EMBEDDED_FEATURES[(CHARGING_STATION, "2.0.1")].items():
        assert profile.supports(feature) == supported, feature
    # and nothing more: a feature only the fixture declares runs or skips a case there
    # that the embedded run does not
    [embedded] = [
        p for p in embedded_profiles() if p.kind == CHARGING_STATION and p.ocpp.value == "2.0.1"
    ]
    for feature in profile.features:
        assert profile.supports(feature) == embedded.supports(feature), feature


def _core_csms_cases() -> list:
    from harness.cli import catalog_cases
    from harness.ocppj import OcppVersion
    from harness.spec.catalog import case_ids_in_profile

    core = case_ids_in_profile(OcppVersion.V201, "csms", "core")
    return [
        info
        for info in catalog_cases()
        if info.ocpp is OcppVersion.V201
        and info.dut_kind == "csms"
        and (info.id in core or info.id.startswith("HX_"))
    ]


#: the Core CSMS cases in two runs, so that two xdist workers share them
CSMS_HALVES = {
    "1": [info.id for info in _core_csms_cases()][0::2],
    "2": [info.id for info in _core_csms_cases()][1::2],
}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("half", sorted(CSMS_HALVES))
def test_the_core_csms_cases_pass_against_the_simulator_in_its_own_process(tmp_path, half):
    """Issue 12: ``ocpp-harness sim csms`` run as its own process, driven over its control
    port through fixtures/sim-csms-2.0.1.toml, passes the Core CSMS cases it passes
    embedded. A case the embedded run takes on a variation of the CSMS (two EVSEs of
    the harness's station, say) skips here, as it does for a profile that lacks it."""
    ids = CSMS_HALVES[half]
    ws_port, control_port = free_port(), free_port()
    profile = _profile(
        tmp_path,
        "sim-csms-2.0.1.toml",
        {
            "127.0.0.1:9100": f"127.0.0.1:{ws_port}",
            "127.0.0.1:8182": f"127.0.0.1:{control_port}",
        },
    )
    chosen = [arg for case_id in ids for arg in ("--case", case_id)]
    with simulator(
        "csms", "--ocpp", "2.0.1", "--port", str(ws_port), "--control-port", str(control_port)
    ):
        run = run_cli("run", "--dut", str(profile), *chosen, report_dir=tmp_path / "r", timeout=540)
    assert run.report is not None, run.stdout[-3000:]
    got = {case["id"]: (case["verdict"], case.get("reason")) for case in run.report["cases"]}
    wrong = _not_as_embedded(got, _core_csms_cases(), ids)
    assert not wrong, wrong


def test_the_csms_fixture_declares_what_the_simulator_implements():
    """fixtures/sim-csms-2.0.1.toml, as the station's fixture: the Part 5 features the
    embedded simulated CSMS declares, and nothing more."""
    from harness.dut import load_profile
    from harness.environment import CSMS, EMBEDDED_FEATURES, embedded_profiles

    profile = load_profile(ROOT / "fixtures" / "sim-csms-2.0.1.toml")
    for feature, supported in EMBEDDED_FEATURES[(CSMS, "2.0.1")].items():
        assert profile.supports(feature) == supported, feature
    [embedded] = [p for p in embedded_profiles() if p.kind == CSMS and p.ocpp.value == "2.0.1"]
    for feature in profile.features:
        assert profile.supports(feature) == embedded.supports(feature), feature
