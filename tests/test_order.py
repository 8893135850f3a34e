"""Every catalog case gives the same verdict whatever the order of the cases (issue 10):
neither the harness's run-long state (the session, the boot gate, the heartbeat it gave)
nor what a case leaves on the device may let one case decide another's verdict. The
catalog runs twice against the embedded simulators with their legal variations on, in
catalog order and reversed (:data:`SETUPS`), in sessions of their own in this process,
with one device for the whole run (``--sim-one-device``, which keeps what a case leaves
behind as a lab's device does), and every case must pass (or skip, on a device it is
not for).

A device left in a state the next case cannot start from makes that case an error
naming the case that left it (Part 6 §2.1), never a failure under an unrelated rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import catalog_functions
from harness.environment import embedded_profiles, profile_with_options
from harness.sim.options import OPTIONS
from tests.helpers import case_verdicts, free_port, pytester_run, write_profile
from tests.matrix import applies_to_the_simulator

#: the whole catalog as a test module of the session
CATALOG = """
from harness.cli import catalog_functions

# keyed by case id and version: two cases a factory made may share a function name, and
# one id may be a case of two versions (the harness's own HX_ cases)
globals().update(
    {
        f"test_{f.ocpp_testcase.id.lower()}_{f.ocpp_testcase.ocpp.name.lower()}": f
        for f in catalog_functions()
    }
)
"""

REVERSE = """
def pytest_collection_modifyitems(items):
    items.reverse()
"""

#: the legal variations that can be on together (one connector-report style at a time;
#: a station off until a case starts it is tests/test_one_shot.py's; a variation of
#: what the device has makes another device, whose cases the matrix runs)
TOGETHER = sorted(
    name
    for name, option in OPTIONS.items()
    if name not in ("connector-report-notify-event", "off-until-started")
    and not option.makes_another_device
)


#: variations of what the device has that take more cases out than they bring in: a
#: station with no token reader skips every case that presents a token, and its own
#: branch is TC_E_31_CS's remote scenario alone, which the matrix runs
NOT_ON_ANOTHER_DEVICE = {"remote-start-only"}


def _another_device() -> list[str]:
    """The variations of what the device has that one device can have together (the
    first of two that contradict each other: a UI and none)."""
    [station] = [
        p for p in embedded_profiles() if p.kind == "charging-station" and p.ocpp.value == "2.0.1"
    ]
    chosen: list[str] = []
    for name in sorted(
        n for n, option in OPTIONS.items() if option.features and n not in NOT_ON_ANOTHER_DEVICE
    ):
        try:
            profile_with_options(station, [*chosen, name])
        except ValueError:
            continue
        chosen.append(name)
    return chosen


#: the set-ups the whole catalog runs on, one device each: the embedded device with its
#: legal behaviours on, in catalog order, and the other device its variations of what it
#: has make (the cases of the other branch of a Part 5 condition: reset per EVSE, a UI, a
#: fixed cable ...) with the same behaviours on, reversed. So each case runs once after
#: the case before it in the catalog and once after the one behind it, and every case of
#: either branch of a condition runs on a device kept from other cases. (Three set-ups,
#: each device both ways, took three minutes of the suite's ten more; each device's
#: every case also runs alone, on a fresh device, in the matrix.)
SETUPS = {
    "catalog-order": (False, TOGETHER),
    "reversed-on-another-device": (True, TOGETHER + _another_device()),
}


def _verdicts(
    pytester: pytest.Pytester, reverse: bool, together: list[str], *args: str
) -> tuple[list[str], dict[str, str]]:
    """(the order the cases ran in, each case's verdict)."""
    if reverse:
        pytester.makeconftest(REVERSE)
    run = pytester_run(pytester, CATALOG, in_process=True)
    options = [arg for name in together for arg in ("--sim-option", name)]
    _, report = run(*options, *args)
    kept = [
        case["id"]
        for case in report["cases"]
        if any("kept from the previous case" in (e.get("note") or "") for e in case["trace"])
    ]
    # the cases after the first of each DUT ran on the device kept
    assert bool(kept) == ("--sim-one-device" in args), kept
    order = [case["id"] for case in report["cases"]]
    return order, {case_id: verdict for case_id, (verdict, _, _) in case_verdicts(report).items()}


@pytest.mark.timeout(600)  # the whole catalog, on one device
@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_the_verdicts_do_not_depend_on_the_order_of_the_cases(pytester, setup):
    """Every case passes in either order, so no case's verdict depends on the ones
    before it (the set-ups run as items of their own, side by side on the xdist
    workers). One device, the stricter set-up: what the session keeps is kept either
    way, and here what the device keeps is kept too. The other device passes the cases
    that apply to it, all in one run, where the matrix runs each option with the cases
    it concerns."""
    reverse, together = SETUPS[setup]
    order, verdicts = _verdicts(pytester, reverse, together, "--sim-one-device")
    catalog = [f.ocpp_testcase.id for f in catalog_functions()]
    assert sorted(order) == sorted(catalog)  # every case ran, once
    if reverse:  # it did run the other way round (per DUT, as the run groups them)
        assert order != sorted(order, key=catalog.index)
    # the cases of another device (a variation it lacks, a second EVSE) skip; all others
    # pass
    runs = {
        f.ocpp_testcase.id
        for f in catalog_functions()
        if applies_to_the_simulator(f.ocpp_testcase, tuple(together))
    }
    failing = {
        case: verdict
        for case, verdict in verdicts.items()
        if verdict != ("passed" if case in runs else "skipped")
    }
    assert not failing, failing


#: a 2.0.1 station whose Rejected interval (the heartbeat timer, 5 s) outlasts the next
#: case's wait for it (the connect timeout, 1 s)
LONG_REJECTION = """\
    [dut]
    kind = "charging-station"
    ocpp = "2.0.1"
    identity = "ORDER-1"

    [listen]
    host = "127.0.0.1"
    port = {port}

    [timeouts]
    connect = 1
    response = 1
    operator = 2

    [timers]
    heartbeat = 5

    [tolerances]
    time_deviation = 0.3

    [control]
    adapter = "sim"
"""

LEFT_REJECTED = """
from harness.cli import catalog_functions

THREE = ("TC_B_30_CS", "TC_B_06_CS", "TC_B_09_CS")
globals().update({f.__name__: f for f in catalog_functions() if f.ocpp_testcase.id in THREE})
"""


@pytest.mark.parametrize("device", ["fresh-per-case", "one-device"])
def test_a_station_left_rejected_makes_the_next_case_an_error_naming_it(
    pytester, tmp_path: Path, device: str
):
    """A station that answers while Rejected fails TC_B_30_CS at its check, which leaves
    it Rejected (the case re-accepts it only at its end). One device is still Rejected
    when TC_B_06_CS begins, so that case cannot start and says why, instead of failing
    the station under a device-model rule; a fresh device starts unrejected and passes."""
    profile = write_profile(tmp_path, LONG_REJECTION.format(port=free_port()))
    run = pytester_run(pytester, LEFT_REJECTED, in_process=True)
    args = ("--sim-one-device",) if device == "one-device" else ()
    _, report = run("--dut", str(profile), "--sim-defect", "answers-while-rejected", *args)

    verdicts = case_verdicts(report)
    assert [case["id"] for case in report["cases"]] == ["TC_B_30_CS", "TC_B_06_CS", "TC_B_09_CS"]
    assert verdicts["TC_B_30_CS"][:2] == ("failed", "B03.FR.08"), verdicts
    if device == "fresh-per-case":
        assert verdicts["TC_B_06_CS"][0] == verdicts["TC_B_09_CS"][0] == "passed", verdicts
        return
    # each later case names the case that left the station so, not the one before it
    for later in ("TC_B_06_CS", "TC_B_09_CS"):
        verdict, rule, reason = verdicts[later]
        assert (verdict, rule) == ("error", "setup"), verdicts
        assert reason is not None and reason.startswith(
            "precondition not met: the station's boot was answered Rejected since TC_B_30_CS"
        ), reason
