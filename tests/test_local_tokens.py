"""Cases whose verdict needs a station whose drivers present locally generated ids.

The embedded station's tokens are RFID cards (its profile's [tokens] type ISO14443).
Part 6 TC_C_05_CS names C01.FR.02 or C06.FR.02 for its AuthorizeRequest: which one binds
is the presented token's type, C06.FR.02 being the one of a token of type Local (use
case C06). These self-tests run the case against the simulated station with a profile
whose tokens are of type Local, which the simulator's drivers then present, in a session
of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import case_verdicts, free_port, pytester_run, write_profile
from tests.test_two_evses import CASE, TWO_EVSES

#: the embedded station's settings, one EVSE, its tokens locally generated ids
LOCAL_TOKENS = (
    TWO_EVSES.replace("TWO-EVSES-1", "LOCAL-TOKENS-1")
    .replace(
        "{{ id = 1, connectors = [1] }}, {{ id = 2, connectors = [1] }}",
        "{{ id = 1, connectors = [1] }}",
    )
    .replace('"C-29.1" = true', '"C-30" = true\n    "C-29.1" = true')
    .replace("    [control]", '    [tokens]\n    type = "Local"\n\n    [control]')
)

#: (case, defect) of a case's catches that only a token of type Local shows:
#: tests/test_catalog.py leaves these defect items to this module (with the embedded
#: station's cards the case rightly passes)
DEFECTS_NEED_LOCAL_TOKENS = {
    ("TC_C_05_CS", "no-authorize-for-local-token"),
    ("TC_C_02_CS", "no-authorize-for-local-token"),
}


@pytest.mark.parametrize(
    ("defect", "expected"),
    [
        (None, ("passed", "")),
        ("no-authorize-for-local-token", ("failed", "C06.FR.02")),
        ("no-authorize-for-unknown-token", ("failed", "C06.FR.02")),
        ("starts-on-refused-token", ("failed", "C01.FR.01")),
    ],
    ids=[
        "conformant",
        "no-authorize-for-local-token",
        "no-authorize-for-unknown-token",
        "starts-on-refused-token",
    ],
)
def test_tc_c_05_cs_judges_a_local_token_by_c06(pytester, tmp_path: Path, defect, expected):
    """A station with a cable lock whose driver presents an invalid token of type Local:
    the AuthorizeRequest for it is C06.FR.02's, so a station that takes the token
    without asking fails that rule."""
    profile = write_profile(tmp_path, LOCAL_TOKENS.format(port=free_port()))
    run = pytester_run(pytester, CASE.format(case="TC_C_05_CS"), in_process=True)
    args = ["--dut", str(profile), "--sim-option", "cable-lock-before-authorization"]
    _, report = run(*args, *(["--sim-defect", defect] if defect else []))
    verdict, rule, reason = case_verdicts(report)["TC_C_05_CS"]
    assert (verdict, rule or "") == expected, reason


@pytest.mark.parametrize(
    ("defect", "expected"),
    [
        (None, ("passed", "")),
        ("no-authorize-for-local-token", ("failed", "C06.FR.02")),
        ("starts-on-refused-token", ("failed", "C01.FR.01")),
    ],
    ids=["conformant", "no-authorize-for-local-token", "starts-on-refused-token"],
)
def test_tc_c_02_cs_judges_a_local_token_by_c06(pytester, tmp_path: Path, defect, expected):
    """Table 65 names C06.FR.02 beside C01.FR.02, as Table 66 does: with the EV
    connected, an invalid token of type Local taken without asking fails C06.FR.02."""
    profile = write_profile(tmp_path, LOCAL_TOKENS.format(port=free_port()))
    run = pytester_run(pytester, CASE.format(case="TC_C_02_CS"), in_process=True)
    _, report = run("--dut", str(profile), *(["--sim-defect", defect] if defect else []))
    verdict, rule, reason = case_verdicts(report)["TC_C_02_CS"]
    assert (verdict, rule or "") == expected, reason
