"""Setting a station up for one start or stop option of a transaction case (Part 6 E).

Part 6's E cases share their "Before": a TxStartPoint or TxStopPoint that contains the
point the case is about (where the station lets it be set, Part 5 C-51/C-52), the
authorization left to the CSMS, and one of §2.18's transaction states. These steps are
that preparation, written once; the session they return is left idle after the case
(:func:`harness.steps.idle.leave_idle`).
"""

from __future__ import annotations

from typing import Any

from harness.states import cs_transactions as tx_states
from harness.steps.device_model import Variable, configure, configure_if_implemented
from harness.steps.idle import leave_idle
from harness.verdicts import DutFailure, HarnessError

__all__ = [
    "AUTH_ENABLED",
    "DISABLE_REMOTE_AUTHORIZATION",
    "EV_CONNECTION_TIMEOUT",
    "authorization_by_csms",
    "charging_until_stop",
    "check_connection_timeout_waited",
    "check_stop_point",
    "start_at",
    "stop_at",
    "transaction",
]

AUTH_ENABLED = Variable("AuthCtrlr", "AuthEnabled")
DISABLE_REMOTE_AUTHORIZATION = Variable("AuthCtrlr", "DisableRemoteAuthorization")
EV_CONNECTION_TIMEOUT = Variable("TxCtrlr", "EVConnectionTimeOut")


def transaction(csms: Any, dut: Any, *states: Any) -> tx_states.Session:
    """A transaction brought through ``states`` (Part 6's "Before"), left idle after."""
    tx = tx_states.session(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    for state in states:
        state(csms, dut, tx)
    return tx


def authorization_by_csms(csms: Any) -> None:
    """Part 6: AuthEnabled true and DisableRemoteAuthorization false, each if the
    station implements it (and can change it)."""
    configure_if_implemented(csms, AUTH_ENABLED, "true")
    configure_if_implemented(csms, DISABLE_REMOTE_AUTHORIZATION, "false")


def _points(points: frozenset[str]) -> str:
    return ",".join(sorted(points)) or "empty"


def start_at(csms: Any, dut: Any, point: str, *states: Any) -> tx_states.Session:
    """Part 6's "Configuration State: if TxStartPoint is ReadWrite it contains
    ``point``" and the case's "Before" states: on a station whose TxStartPoint is
    configurable (Part 5 C-51) it is set to ``point`` alone for the case and set back
    after; a fixed one must contain it (the case's Part 5 condition says so)."""
    if dut.supports("C-51"):
        configure(csms, tx_states.TX_START_POINT, point)
    tx = transaction(csms, dut, *states)
    if not tx.starts_at(point):
        raise HarnessError(
            f"TxStartPoint is {_points(tx.start_points)}, without {point}, and the "
            "profile does not declare it configurable (C-51)",
            "setup",
        )
    return tx


def stop_at(csms: Any, dut: Any, point: str) -> None:
    """Part 6's "Configuration State: if TxStopPoint is ReadWrite it contains
    ``point``": on a station whose TxStopPoint is configurable (Part 5 C-52) it is set
    to ``point`` alone for the case and set back after. Call before the session reads
    the points."""
    if dut.supports("C-52"):
        configure(csms, tx_states.TX_STOP_POINT, point)


def check_stop_point(tx: tx_states.Session, *points: str) -> None:
    """A set-up error unless the station's TxStopPoint contains one of ``points``."""
    if not tx.stops_at(*points):
        raise HarnessError(
            f"TxStopPoint is {_points(tx.stop_points)}, without {' or '.join(points)}, and "
            "the profile does not declare it configurable (C-52)",
            "setup",
        )


def charging_until_stop(csms: Any, dut: Any, point: str) -> tx_states.Session:
    """Configuration State "TxStopPoint contains ``point``" and state
    EnergyTransferStarted."""
    stop_at(csms, dut, point)
    tx = transaction(csms, dut)
    check_stop_point(tx, point)
    return tx_states.energy_transfer_started(csms, dut, tx)


def check_connection_timeout_waited(
    event: Any, since: float, timeout: float, deviation: float, *, what: str, rule: str
) -> None:
    """The EVConnectTimeout ``event`` came no earlier than TxCtrlr.EVConnectionTimeOut
    (``timeout`` seconds, less the profile's time ``deviation``) after trace time
    ``since``, read just before the action that starts the station's timer (``what``
    says which): the station's own latency can only make the event look later. An
    earlier one did not wait for the cable, which breaks ``rule``."""
    after = event.entry.t - since
    if after < timeout - deviation:
        event.entry.failing = True
        raise DutFailure(
            f"TransactionEvent (frame {event.entry.seq}) EVConnectTimeout came {after:.2f} s "
            f"after {what}; EVConnectionTimeOut is {timeout} s",
            rule,
            event.entry.raw,
        )
