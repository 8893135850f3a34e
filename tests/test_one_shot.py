"""A station that is not running before a case starts (issue 10 item 10).

A one-shot device, or a station its control adapter starts, connects only when it is
switched on. A case whose first step restarts the station (``starts_with``: a reboot or
a power cycle) begins without one, since that action brings it; a case that needs a
running station finds none and is an error saying so, not a failure of the station, and
it does not stop the later cases that start the station themselves. On one device for
the run, the station one case started is there for the next.
"""

from __future__ import annotations

import pytest

from tests.helpers import case_verdicts, pytester_run

CASES = """
from harness.cli import catalog_functions

ORDER = ("TC_B_01_CS", "TC_B_06_CS", "TC_B_02_CS")
by_id = {f.ocpp_testcase.id: f for f in catalog_functions()}
globals().update({by_id[case_id].__name__: by_id[case_id] for case_id in ORDER})
"""


@pytest.mark.parametrize("device", ["fresh-per-case", "one-device"])
def test_a_station_started_by_the_cases_own_first_step(pytester, device):
    run = pytester_run(pytester, CASES, in_process=True)
    args = ("--sim-one-device",) if device == "one-device" else ()
    _, report = run("--sim-option", "off-until-started", *args)

    verdicts = case_verdicts(report)
    assert [case["id"] for case in report["cases"]] == ["TC_B_01_CS", "TC_B_06_CS", "TC_B_02_CS"]
    # the power cycle and the reboot that begin these cases bring the station
    assert verdicts["TC_B_01_CS"][0] == "passed", verdicts
    assert verdicts["TC_B_02_CS"][0] == "passed", verdicts
    first = report["cases"][0]
    assert any(
        "no station connected; the case's first step (power_cycle) brings it"
        in (e.get("note") or "")
        for e in first["trace"]
    )
    if device == "one-device":
        # the station TC_B_01_CS started is still on
        assert verdicts["TC_B_06_CS"][0] == "passed", verdicts
        return
    # a fresh station is off again: a case that needs it running cannot start
    verdict, rule, reason = verdicts["TC_B_06_CS"]
    assert (verdict, rule) == ("error", "setup"), verdicts
    assert reason is not None and "never connected" in reason, reason
