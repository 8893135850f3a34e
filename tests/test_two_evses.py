"""Cases whose verdict needs a station with more than one EVSE.

The embedded station has one EVSE with one connector, the layout most cases need. Part 6
says of a few cases that on such a station they equal another one (TC_B_51_CS: "If the
Charging Station does not have more than one EVSE, this testcase will be equal to
TC_B_52_CS"): the defect that tells them apart needs a second EVSE. These self-tests run
the case against the simulated station with two EVSEs, in a session of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import case_verdicts, free_port, pytester_run, write_profile

#: the embedded station's settings with two EVSEs (tests/test_f_two_evses.py uses it too)
TWO_EVSES = """\
    [dut]
    kind = "charging-station"
    ocpp = "2.0.1"
    identity = "TWO-EVSES-1"

    [listen]
    host = "127.0.0.1"
    port = {port}

    [layout]
    evses = [{{ id = 1, connectors = [1] }}, {{ id = 2, connectors = [1] }}]

    [timeouts]
    connect = 2
    response = 1
    operator = 5

    [timers]
    heartbeat = 1
    boot_retry = 1

    [network]
    retry_backoff_wait_minimum = 1
    offline_threshold = 1

    [tolerances]
    time_deviation = 0.3

    [harness]
    transaction_duration = 0

    [features]
    "C-29.1" = true
    "C-29.2" = true

    [control]
    adapter = "sim"
"""

#: station defects these self-tests prove (tests/sim/test_sim_defects.py counts them)
PROVEN = {"offline-reports-changes-only"}

#: (case, defect) of a case's catches that only a second EVSE shows: tests/test_catalog.py
#: leaves these defect items to this module (on one EVSE the case rightly passes)
DEFECTS_NEED_TWO_EVSES = {
    ("TC_C_48_CS", "master-pass-choice-ignored"),
    ("TC_C_48_CS", "master-pass-suspends-others"),
}

CASE = """
from harness.cli import catalog_functions

globals().update({{f.__name__: f for f in catalog_functions() if f.ocpp_testcase.id == {case!r}}})
"""


@pytest.mark.parametrize(
    ("defect", "expected"),
    [(None, ("passed", "")), ("offline-reports-changes-only", ("failed", "B04.FR.01"))],
    ids=["conformant", "offline-reports-changes-only"],
)
def test_tc_b_51_cs_needs_every_connector_after_a_long_offline_period(
    pytester, tmp_path: Path, defect, expected
):
    """Back after more than the OfflineThreshold, the station reports the connector that
    changed (Occupied) and the one that did not (Available): a station reporting only
    the changed one fails B04.FR.01."""
    profile = write_profile(tmp_path, TWO_EVSES.format(port=free_port()))
    run = pytester_run(pytester, CASE.format(case="TC_B_51_CS"), in_process=True)
    args = ["--dut", str(profile)] + (["--sim-defect", defect] if defect else [])
    _, report = run(*args)
    verdict, rule, reason = case_verdicts(report)["TC_B_51_CS"]
    assert (verdict, rule or "") == expected, reason


#: the two-EVSE station with an RFID reader and a master pass screen (Part 5 C-30, C-07)
MASTER_PASS_UI = TWO_EVSES.replace('"C-29.1" = true', '"C-30" = true\n    "C-29.1" = true')


@pytest.mark.parametrize(
    ("case", "defect", "expected"),
    [
        ("TC_C_47_CS", None, ("passed", "")),
        ("TC_C_48_CS", None, ("passed", "")),
        ("TC_C_47_CS", "master-pass-screen-skipped", ("failed", "C16.FR.01")),
        ("TC_C_48_CS", "master-pass-screen-skipped", ("failed", "C16.FR.01")),
        ("TC_C_48_CS", "master-pass-ends-before-choice", ("failed", "C16.FR.01")),
        ("TC_C_48_CS", "master-pass-choice-ignored", ("failed", "C16.FR.01")),
        ("TC_C_48_CS", "master-pass-suspends-others", ("failed", "C16.FR.01")),
    ],
    ids=[
        "TC_C_47_CS",
        "TC_C_48_CS",
        "TC_C_47_CS-master-pass-screen-skipped",
        "TC_C_48_CS-master-pass-screen-skipped",
        "TC_C_48_CS-master-pass-ends-before-choice",
        "TC_C_48_CS-master-pass-choice-ignored",
        "TC_C_48_CS-master-pass-suspends-others",
    ],
)
def test_master_pass_screen_stops_the_chosen_transactions(
    pytester, tmp_path: Path, case, defect, expected
):
    """On two EVSEs, the choice on the master pass screen counts: all transactions end
    for TC_C_47_CS, only EVSE 1's for TC_C_48_CS, whose post-scenario validation fails a
    station that ends the other one too, or ends them before the choice (passes strictly,
    without warnings)."""
    profile = write_profile(tmp_path, MASTER_PASS_UI.format(port=free_port()))
    run = pytester_run(pytester, CASE.format(case=case), in_process=True)
    args = ["--dut", str(profile), "--sim-option", "master-pass-ui", "--ocpp-strict"]
    _, report = run(*args, *(["--sim-defect", defect] if defect else []))
    verdict, rule, reason = case_verdicts(report)[case]
    assert (verdict, rule or "") == expected, reason
