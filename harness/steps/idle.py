"""Leaving the station idle after a case that started a transaction.

Part 6 §2.1 starts every station case from an idle station. A case whose scenario ends
with a transaction still running, or a cable still in (a reset that ended the
transaction but left the EV connected), would hand the next case a station it cannot
start from; on a real device (and on ``--sim-one-device``) that next case is then an
error. :func:`leave_idle` is the post-condition such a case registers with
``csms.finally_do``: it runs after the verdict, and what the station does not do is a
note, never a change of verdict.
"""

from __future__ import annotations

from typing import Any

from harness.states import cs_transactions as tx_states

__all__ = ["leave_idle", "unplug"]


def leave_idle(csms: Any, dut: Any, tx: tx_states.Session) -> None:
    """End what ``tx`` left: a running transaction is stopped by its driver (unless
    nobody was ever authorized and the cable's coming out ends it) and the cable pulled
    out (the states StopAuthorized … EVDisconnected, ParkingBayUnoccupied when the EV
    is in the bay); a transaction already ended with the cable still in gets the cable
    pulled out and its connector Available again, and an EV still in the bay drives
    out."""
    if tx.running:
        unplug_ends = tx.ev_connected and tx.stops_at("EVConnected", "PowerPathClosed")
        if tx.stop is None and tx.authorized is None and unplug_ends:
            # started by the cable and never authorized: no driver to stop it and no
            # energy to end, and the cable coming out ends it
            tx.post_session = True
        elif tx.stop is None:
            tx_states.stop_authorized(csms, dut, tx)
        if tx.ev_connected:
            tx_states.ev_disconnected(csms, dut, tx)
        if tx.in_bay:
            tx_states.parking_bay_unoccupied(csms, dut, tx)
        return
    if tx.ev_connected:
        unplug(csms, dut, (tx.evse, tx.connector))
        tx.ev_connected = False
    if tx.in_bay:
        dut.act("leave_bay", evse=tx.evse)
        tx.in_bay = False


def unplug(csms: Any, dut: Any, key: tuple[int, int]) -> None:
    """Pull the cable out of connector ``key`` (evse, connector), no transaction at it,
    and see the connector Available again (G01.FR.04)."""
    dut.act("unplug", evse=key[0], connector=key[1])
    csms.expect_connectors("Available", only=[key], rule="G01.FR.04")
