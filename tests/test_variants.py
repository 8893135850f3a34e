"""Variations of what a simulated device has (``SimOption.features``).

Part 5 splits many cases by what a device has: TC_B_25_CS runs on a station that resets
a single EVSE (C-13), TC_B_28_CS on one that cannot. One simulator can be either, so an
option can make it the other device, and while it is on, the embedded profile declares
the features that device would: the cases of its branch run, the others skip. A run
given no option runs each case on a variation that is the device it is for. Two
options that declare one feature both ways cannot be on together (no device has a UI
and none), and a real DUT's profile is never changed by a simulator option.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.dut import profile_from_dict
from harness.environment import embedded_profiles, profile_with_options
from harness.sim import options as sim_options
from harness.sim.options import SimOption, declared_features
from tests.helpers import case_verdicts, pytester_run

PER_EVSE = SimOption(
    "test-resets-per-evse",
    "station",
    frozenset({"2.0.1"}),
    "resets one EVSE when asked (a test variation)",
    features={"C-13": True},
)
NO_PER_EVSE = SimOption(
    "test-resets-whole-station-only",
    "station",
    frozenset({"2.0.1"}),
    "resets only the whole station (a test variation)",
    features={"reset_per_evse": False, "C-07": True},
)


@pytest.fixture
def variations(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in (PER_EVSE, NO_PER_EVSE):
        monkeypatch.setitem(sim_options.OPTIONS, option.name, option)


def _station(adapter: str = "sim", features: dict[str, bool] | None = None) -> Any:
    return profile_from_dict(
        {
            "dut": {"kind": "charging-station", "ocpp": "2.0.1", "identity": "V-1"},
            "listen": {"host": "127.0.0.1", "port": 0},
            "control": {"adapter": adapter},
            "features": features or {},
        },
        source="<test>",
    )


def test_options_declare_their_features_merged(variations: None) -> None:
    assert declared_features([PER_EVSE.name]) == {"C-13": True}
    assert declared_features([]) == {}


def test_two_options_declaring_a_feature_both_ways_are_refused(variations: None) -> None:
    other = SimOption(
        "test-c13-off", "station", frozenset({"2.0.1"}), "x", features={"C-13": False}
    )
    sim_options.OPTIONS[other.name] = other
    try:
        with pytest.raises(ValueError, match="'test-c13-off' and 'test-resets-per-evse' cannot"):
            profile_with_options(_station("sim"), [PER_EVSE.name, other.name])
    finally:
        del sim_options.OPTIONS[other.name]


def test_a_declared_feature_replaces_the_profiles_word_under_any_of_its_names() -> None:
    profile = _station(features={"reset_per_evse": False, "C-08": True})
    changed = profile.with_features({"C-13": True})
    assert changed.supports("C-13") and changed.supports("reset_per_evse")
    assert changed.supports("C-08"), "the other features stay"
    assert not profile.supports("C-13"), "the original is not changed"


def test_options_declaring_one_feature_by_two_names_both_ways_are_refused(
    variations: None,
) -> None:
    # NO_PER_EVSE says reset_per_evse false: C-13 by its alias
    with pytest.raises(ValueError, match="cannot be on together"):
        profile_with_options(_station("sim"), [PER_EVSE.name, NO_PER_EVSE.name])


def test_only_the_embedded_simulators_profile_takes_an_options_features(
    variations: None,
) -> None:
    assert profile_with_options(_station("sim"), [PER_EVSE.name]).supports("C-13")
    assert not profile_with_options(_station("manual"), [PER_EVSE.name]).supports("C-13")
    # an option of the other side or version declares nothing here
    [v16] = [
        p for p in embedded_profiles() if p.kind == "charging-station" and p.ocpp.value == "1.6"
    ]
    assert profile_with_options(v16, [PER_EVSE.name]) == v16


CASES = """
import pytest

from harness import testcase


@testcase("TC_B_25_CS", "Reset EVSE", ocpp="2.0.1", dut_kind="charging-station")
def test_needs_reset_per_evse(csms, dut):
    assert dut.profile.supports("C-13"), "the case sees the device it runs on"


@testcase("TC_B_28_CS", "Reset EVSE - Not Supported", ocpp="2.0.1", dut_kind="charging-station")
def test_needs_no_reset_per_evse(csms, dut):
    assert not dut.profile.supports("C-13")
"""

MARKED = """
import pytest

from harness import testcase


@testcase("TC_B_28_CS", "Reset EVSE - Not Supported", ocpp="2.0.1", dut_kind="charging-station")
@pytest.mark.ocpp_sim(options=("test-resets-per-evse",))
def test_marked(csms, dut):
    pass
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # the embedded station as given resets the whole station only
        (("--sim-as-given",), {"TC_B_25_CS": "skipped", "TC_B_28_CS": "passed"}),
        # made the other device, it runs the other branch's cases
        (
            ("--sim-option", PER_EVSE.name),
            {"TC_B_25_CS": "passed", "TC_B_28_CS": "skipped"},
        ),
    ],
    ids=["as-given", "per-evse"],
)
def test_a_variation_runs_the_cases_of_its_branch_and_skips_the_others(
    pytester: pytest.Pytester, variations: None, args: tuple[str, ...], expected: dict[str, str]
) -> None:
    run = pytester_run(pytester, CASES, in_process=True)
    _, report = run(*args)
    verdicts = {case["id"]: case["verdict"] for case in report["cases"]}
    assert verdicts == expected, report["cases"]
    [skipped] = [c for c in report["cases"] if c["verdict"] == "skipped"]
    assert "C-13" in skipped["reason"], skipped
    # the skip of a case some variation would run says which (none undoes a variation)
    hint = "the simulated station is such a device with --sim-option "
    assert (hint in skipped["reason"]) == (skipped["id"] == "TC_B_25_CS"), skipped["reason"]
    if hint in skipped["reason"]:
        named = skipped["reason"].split(hint)[1].split()[0]
        assert sim_options.OPTIONS[named].features.get("C-13") is True, named


def test_without_options_each_case_runs_on_the_device_it_is_for(
    pytester: pytest.Pytester, variations: None
) -> None:
    """The simulators as they come run every case: one of another device's branch on
    the variation that is such a device, and its record says which."""
    run = pytester_run(pytester, CASES, in_process=True)
    _, report = run()
    verdicts = {case["id"]: case["verdict"] for case in report["cases"]}
    assert verdicts == {"TC_B_25_CS": "passed", "TC_B_28_CS": "passed"}, report["cases"]
    by_id = {case["id"]: case for case in report["cases"]}
    made = "run on the simulated station made such a device (--sim-option "
    assert made in by_id["TC_B_25_CS"]["applicability"], by_id["TC_B_25_CS"]
    named = by_id["TC_B_25_CS"]["applicability"].split(made)[1].split(")")[0]
    assert sim_options.OPTIONS[named].features.get("C-13") is True, named
    assert made not in by_id["TC_B_28_CS"]["applicability"]


def test_an_items_own_variation_decides_its_applicability(
    pytester: pytest.Pytester, variations: None
) -> None:
    run = pytester_run(pytester, MARKED, in_process=True)
    _, report = run()
    [(verdict, _, reason)] = case_verdicts(report).values()
    assert verdict == "skipped" and "C-13" in (reason or ""), reason


def test_options_that_contradict_each_other_stop_the_run_with_one_line(
    pytester: pytest.Pytester, variations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = SimOption(
        "test-c13-off", "station", frozenset({"2.0.1"}), "x", features={"C-13": False}
    )
    monkeypatch.setitem(sim_options.OPTIONS, other.name, other)
    pytester.makepyfile(test_cases=CASES)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--sim-option", PER_EVSE.name, "--sim-option", other.name
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--sim-option: options 'test-c13-off' and*cannot be on together*"]
    )
