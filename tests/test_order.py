"""Every catalog case gives the same verdict whatever the order of the cases (issue 10):
the harness's run-long state (the session, the boot gate, the heartbeat it gave) must not
let one case's leftovers decide another's verdict. The catalog runs twice against the
embedded simulators with their legal variations on, in catalog order and reversed, in
sessions of their own in this process, and the verdicts are compared case by case.
"""

from __future__ import annotations

import pytest

from harness.sim.options import OPTIONS
from tests.helpers import case_verdicts, pytester_run

#: the whole catalog as a test module of the session
CATALOG = """
from harness.cli import catalog_functions

globals().update({f.__name__: f for f in catalog_functions()})
"""

REVERSE = """
def pytest_collection_modifyitems(items):
    items.reverse()
"""

#: the legal variations that can be on together (one connector-report style at a time)
TOGETHER = sorted(name for name in OPTIONS if name != "connector-report-notify-event")


def _verdicts(pytester: pytest.Pytester, reverse: bool) -> tuple[list[str], dict[str, str]]:
    """(the order the cases ran in, each case's verdict)."""
    if reverse:
        pytester.makeconftest(REVERSE)
    run = pytester_run(pytester, CATALOG, in_process=True)
    options = [arg for name in TOGETHER for arg in ("--sim-option", name)]
    _, report = run(*options)
    order = [case["id"] for case in report["cases"]]
    return order, {case_id: verdict for case_id, (verdict, _, _) in case_verdicts(report).items()}


def test_the_verdicts_do_not_depend_on_the_order_of_the_cases(pytester):
    order, forward = _verdicts(pytester, reverse=False)
    assert forward and set(forward.values()) == {"passed"}, forward
    reversed_order, backward = _verdicts(pytester, reverse=True)
    assert reversed_order == order[::-1]  # the second run did run the other way round
    assert backward == forward
