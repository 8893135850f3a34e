"""Block F triggers for every EVSE, on a station with two of them.

TC_F_12_CS and TC_F_14_CS ask for MeterValues and TransactionEvent without an EVSE,
which means every EVSE (F06.FR.11). On the embedded station, with one EVSE, a station
that reports only its first EVSE cannot be told from a conformant one; these self-tests
run both cases against the simulated station with two EVSEs, in a session of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import case_verdicts, free_port, pytester_run, write_profile
from tests.test_two_evses import TWO_EVSES

#: station defects these self-tests prove (tests/sim/test_sim_defects.py counts them)
PROVEN = {"triggered-first-evse-only"}

CASES = """
from harness.cli import catalog_functions

WANTED = ("TC_F_12_CS", "TC_F_14_CS")
globals().update({f.__name__: f for f in catalog_functions() if f.ocpp_testcase.id in WANTED})
"""


@pytest.mark.parametrize(
    ("defect", "expected"),
    [(None, ("passed", "")), ("triggered-first-evse-only", ("failed", "F06.FR.11"))],
    ids=["conformant", "triggered-first-evse-only"],
)
def test_triggers_without_an_evse_are_for_every_evse(pytester, tmp_path: Path, defect, expected):
    """Both EVSEs report (a reading each, a transaction each); a station that reports
    only the first fails F06.FR.11 in both cases."""
    profile = write_profile(tmp_path, TWO_EVSES.format(port=free_port()))
    run = pytester_run(pytester, CASES, in_process=True)
    args = ["--dut", str(profile)] + (["--sim-defect", defect] if defect else [])
    _, report = run(*args)
    verdicts = case_verdicts(report)
    assert set(verdicts) == {"TC_F_12_CS", "TC_F_14_CS"}
    for case, (verdict, rule, reason) in verdicts.items():
        assert (verdict, rule or "") == expected, f"{case}: {reason}"
