"""Block E cases on set-ups of the simulated station that the self-test matrix does not
make by itself: a check that only fires on some legal configurations is shown to fire
there, and to pass a conformant station there.

Each item runs the catalog case itself, after a preparation of its own that sets the
station up as such a device would be (a factory TxStartPoint other than Authorized, a
station metering its transactions, one whose TxStopPoint cannot be set ...), and is
judged by :mod:`tests.matrix`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.cli import catalog_functions
from harness.states import cs_transactions as tx_states
from harness.steps.device_model import configure
from tests.matrix import CLEAN, Expectation, by_id, matrix_item, run_catalog_case

CASES = by_id(*catalog_functions())


def _prepared(case_id: str, prepare: Callable[[Any, Any], Any]) -> Callable[..., None]:
    """Case ``case_id`` run after ``prepare(csms, dut)``, on the DUT it returns (the
    fixture's, or a stand-in for it)."""
    case = CASES[case_id]

    def run(csms: Any, dut: Any) -> None:
        case(csms, prepare(csms, dut))

    run.__name__ = f"{case.__name__}_prepared"
    return run


def _at_step(step: str) -> Callable[[dict[str, Any]], None]:
    """A check of the finished case: it failed in Part 6 step ``step``."""

    def failed_at(case: dict[str, Any]) -> None:
        assert case["table_step"] == step, (case["table_step"], case["reason"])

    failed_at.__qualname__ = f"failed_at_step_{step}"
    return failed_at


def _item(
    case_id: str, name: str, prepare: Callable[[Any, Any], None], expected: Expectation, **sim: Any
) -> Any:
    info = CASES[case_id].ocpp_testcase
    return matrix_item(_prepared(case_id, prepare), info, f"{case_id}-{name}", expected, **sim)


# -- TC_E_52_CS: where TxStartPoint is not Authorized (errata 6.2.48) -------------------


def _start_point(point: str) -> Callable[[Any, Any], Any]:
    """TxStartPoint ``point``; a transaction the cable starts ends when it comes out
    (TxStopPoint EVConnected, the combination E03.FR.05's note calls sensible)."""

    def prepare(csms: Any, dut: Any) -> Any:
        configure(csms, tx_states.TX_START_POINT, point)
        if point == "EVConnected":
            configure(csms, tx_states.TX_STOP_POINT, point)
        return dut

    return prepare


#: start points at which a token the station took shows nothing before the plug-in
_LATE_START_POINTS = ("PowerPathClosed", "EVConnected")

E52 = [
    _item("TC_E_52_CS", f"start-{point}", _start_point(point), CLEAN)
    for point in _LATE_START_POINTS
] + [
    # a station that takes the unknown token itself: seen only once the EV is connected
    _item(
        "TC_E_52_CS",
        f"start-{point}-no-authorize-for-unknown-token",
        _start_point(point),
        Expectation("failed", "C01.FR.01", exact_rule=True, check=_at_step("3")),
        defects=("no-authorize-for-unknown-token",),
    )
    for point in _LATE_START_POINTS
]


@pytest.mark.parametrize("case", E52)
def test_tc_e_52_cs_sees_the_charging_of_a_token_taken_silently(case, request):
    run_catalog_case(case, request)


# -- TC_E_16_CS: readings queued offline (a station metering its transactions) ----------


class _LateReturn:
    """The DUT, with the harness letting the station back in only ``seconds`` after the
    EV was connected offline (a person takes that long between the manual actions and
    the tool): a station metering its transactions queues readings after the Charging
    event meanwhile. Everything else is the DUT's."""

    def __init__(self, csms: Any, dut: Any, seconds: float) -> None:
        self._csms = csms
        self._dut = dut
        self._seconds = seconds

    def act(self, name: str, **args: Any) -> Any:
        done = self._dut.act(name, **args)
        if name == "plug_in" and self._csms.session.offline_reason is not None:
            self._csms.hold_for(self._seconds, "the EV charges offline a while")
        return done

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dut, name)


def _late_return(csms: Any, dut: Any) -> Any:
    # two readings of the option's 1 s interval, stamped clearly before the return
    return _LateReturn(csms, dut, 2 + dut.profile.tolerances.time_deviation)


METERED = ("meters-every-transaction",)

E16 = [
    _item("TC_E_16_CS", "metered-offline", _late_return, Expectation("passed"), options=METERED),
    # the readings of the queue come after its Charging event, before the deauthorization
    _item(
        "TC_E_16_CS",
        "metered-offline-offline-readings-unflagged",
        _late_return,
        Expectation("failed", "E04.FR.03", exact_rule=True),
        options=METERED,
        defects=("offline-readings-unflagged",),
    ),
]


@pytest.mark.parametrize("case", E16)
def test_tc_e_16_cs_holds_the_queued_readings_to_the_offline_flag(case, request):
    run_catalog_case(case, request)


# -- TC_E_31_CS: a station that takes no token (its remote scenario) --------------------


class _Declares:
    """The DUT, declaring some features otherwise than its profile does: what the case
    asks of the device, not what the simulator is."""

    def __init__(self, dut: Any, features: dict[str, bool]) -> None:
        self._dut = dut
        self._features = features

    def supports(self, feature: str) -> bool:
        return self._features.get(feature, self._dut.supports(feature))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dut, name)


def _fixed_stop_point(csms: Any, dut: Any) -> Any:
    # TxStopPoint not configurable (Part 5 C-52 not supported): Authorized alone
    return _Declares(dut, {"C-52": False})


def _calls(case: dict[str, Any], action: str) -> list[str]:
    return [
        s["what"] for s in case["steps"] if s["kind"] == "call" and s["what"].startswith(action)
    ]


def _remote_scenario(set_up: str) -> Callable[[dict[str, Any]], None]:
    """A check of the finished case: it started the transaction remotely, presented no
    token, and made the EV's side end it by ``set_up`` (the variable it set)."""

    def remote(case: dict[str, Any]) -> None:
        acts = [s["what"].split(" ")[0] for s in case["steps"] if s["kind"] == "act"]
        assert "present_token" not in acts, acts
        assert _calls(case, "RequestStartTransaction"), case["steps"]
        assert any(set_up in call for call in _calls(case, "SetVariables")), set_up

    remote.__qualname__ = f"remote_scenario_{set_up}"
    return remote


def _as_it_is(csms: Any, dut: Any) -> Any:
    return dut


#: (item name, preparation, the variable set so that the EV's side ends the transaction)
_NO_TOKEN_SET_UPS = (
    # TxStopPoint configurable: set to EVConnected, which the unplug ends
    ("remote-start-only", _as_it_is, "EVConnected"),
    # TxStopPoint fixed at Authorized: the cable leaving the EV ends the authorization
    ("remote-start-only-fixed-stop-point", _fixed_stop_point, "StopTxOnEVSideDisconnect"),
)

E31 = [
    _item(
        "TC_E_31_CS",
        name,
        prepare,
        Expectation("passed", notes=(), check=_remote_scenario(set_up)),
        options=("remote-start-only",),
    )
    for name, prepare, set_up in _NO_TOKEN_SET_UPS
]


@pytest.mark.parametrize("case", E31)
def test_tc_e_31_cs_ends_a_remote_start_from_the_ev_side(case, request):
    run_catalog_case(case, request)
