"""Part 6 offline states for a charging-station DUT (the harness is the CSMS).

*StartOfflineTransaction* (Table 436) and the memory state
*TransactionEventsInQueueEnded* (Table 441): the harness plays an unreachable CSMS (it
closes the connection and refuses the reconnects), the driver charges meanwhile, and the
harness then lets the station back in. What the station did offline reaches the CSMS
afterwards: :func:`deliver_queued` waits for those TransactionEvents and holds each to
the rules of queued messages, sent once the link is back (E04.FR.02) and flagged
``offline`` (E04.FR.03), besides Part 6 §2.1's rules that every event is held to
(see :mod:`harness.states.cs_transactions`).

An offline station can only charge if it may authorize locally; Table 441 sets
AuthCtrlr.OfflineTxForUnknownIdEnabled to true where the station has it (C15.FR.08:
any token is then accepted offline).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any, Literal

from harness.matching import ANY
from harness.messages import Message
from harness.states.cs_transactions import Session, session, transaction_event
from harness.steps.device_model import Variable, configure_if_implemented
from harness.verdicts import DutFailure

__all__ = [
    "OFFLINE_TX_FOR_UNKNOWN_ID",
    "after_queue",
    "deliver_queued",
    "only_a_reading",
    "stamped_offline",
    "start_offline_transaction",
    "transaction_events_in_queue_ended",
]

OFFLINE_TX_FOR_UNKNOWN_ID = Variable("AuthCtrlr", "OfflineTxForUnknownIdEnabled")

#: no offline session of these states produces more TransactionEvents than this
_MAX_QUEUED = 12

Until = Literal["Ended", "Charging"]

#: the triggers of an event that only carries a reading
_READINGS = ("MeterValuePeriodic", "MeterValueClock")


def _offline_session(csms: Any, dut: Any, tx: Session | None) -> Session:
    """Before the link goes: the optional setting, and the session (TxStart/StopPoint
    are read while the station can still answer)."""
    configure_if_implemented(csms, OFFLINE_TX_FOR_UNKNOWN_ID, "true")
    return tx if tx is not None else session(csms, dut)


def _back_online(csms: Any, dut: Any) -> None:
    # The harness accepts the reconnection attempt (Table 436 step 2, Table 441 step 2).
    csms.come_online()
    csms.expect_reconnect(timeout=dut.timeouts.connect, rule="E04.FR.02")


def start_offline_transaction(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """State *StartOfflineTransaction* (Part 6 Table 436): offline, the driver presents
    the token and connects the EV; then the station may reconnect. The events of that
    start are still to come (:func:`deliver_queued` with ``until="Charging"``)."""
    tx = _offline_session(csms, dut, tx)
    # 1. The CSMS closes the connection and refuses reconnects.
    csms.go_offline("Part 6 Table 436: the CSMS closes the connection and stays away")
    # Manual actions (the parking bay is optional: Part 6 §2.18 Table 426).
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    tx.authorized, tx.token_due = "local", True
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected, tx.evse_due = True, True
    # 2. The station is let back in.
    _back_online(csms, dut)
    return tx


def transaction_events_in_queue_ended(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """Memory state *TransactionEventsInQueueEnded* (Part 6 Table 441): a whole
    transaction happens offline (connect, token, the same token again, disconnect), so
    the station holds its TransactionEvents, up to the Ended one, in its queue; then it
    may reconnect. :func:`deliver_queued` takes the events that follow."""
    tx = _offline_session(csms, dut, tx)
    # 1. The CSMS closes the connection and refuses reconnects.
    csms.go_offline("Part 6 Table 441: the CSMS closes the connection and stays away")
    # Manual actions, in the table's order (the parking bay is optional).
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected, tx.evse_due = True, True
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    tx.authorized, tx.token_due = "local", True
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    tx.stop = "local"
    dut.act("unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = False
    # 2. The station is let back in.
    _back_online(csms, dut)
    return tx


def deliver_queued(
    csms: Any,
    dut: Any,
    tx: Session,
    *,
    until: Until = "Ended",
    sent_rule: str = "E04.FR.02",
    offline_rule: str = "E04.FR.03",
) -> list[Message]:
    """The TransactionEvents the station queued offline, up to the Ended one (or the
    one that reports Charging): each flagged ``offline`` (E04.FR.03), the first Started,
    and the §2.1 rules of :mod:`harness.states.cs_transactions` on each. A case about
    another use case's queue names its rules: ``sent_rule`` for the queued events being
    sent once the link is back, ``offline_rule`` for their flag (E08, E11, E12 say the
    same as E04)."""
    # Which queued event follows the plug-in or the token cannot be told from outside,
    # so those two rules are checked over the whole delivery instead of per event.
    token_due, evse_due = tx.token_due, tx.evse_due
    tx.token_due = tx.evse_due = False
    delivered: list[Message] = []
    for _ in range(_MAX_QUEUED):
        event = transaction_event(csms, tx, rule=sent_rule, trigger=ANY)
        event.expect(rule=offline_rule, offline=True)
        delivered.append(event)
        done = (until == "Ended" and tx.ended) or (
            until == "Charging" and tx.charging_state == "Charging"
        )
        if done:
            tx.energy = until == "Charging"
            _carried(delivered, token_due, evse_due, tx)
            return delivered
    raise DutFailure(
        f"the queued TransactionEvents did not reach {until} within {_MAX_QUEUED} events",
        sent_rule,
        delivered[-1].entry.raw if delivered else None,
    )


def _reconnected_at(csms: Any) -> _dt.datetime | None:
    """The wall-clock time (UTC) of the station's latest connection, from the link's
    trace time; None when the case saw none open."""
    opened = [t for kind, t in csms.link_events() if kind == "opened"]
    if not opened:
        return None
    return _dt.datetime.now(_dt.UTC) - _dt.timedelta(seconds=csms.clock() - opened[-1])


def _stamp(event: Any) -> _dt.datetime | None:
    """The event's timestamp (None when it cannot be read: the schema check names that)."""
    try:
        return _dt.datetime.fromisoformat(str(event.get("timestamp")).replace("Z", "+00:00"))
    except ValueError:
        return None


def stamped_offline(csms: Any, dut: Any) -> Callable[[Any], bool]:
    """A test of a TransactionEvent: stamped before the station's latest reconnection by
    more than the profile's time deviation, so it happened offline and was queued (its
    offline flag is due). Take it once the station is back."""
    back = _reconnected_at(csms)
    deviation = _dt.timedelta(seconds=dut.profile.tolerances.time_deviation)

    def before(event: Any) -> bool:
        stamp = _stamp(event)
        return back is not None and stamp is not None and stamp < back - deviation

    return before


def _unchanged(event: Any) -> bool:
    """An Updated event that leaves the transaction as it was (Charging, or no state)."""
    info = event.get("transactionInfo") or {}
    return bool(
        event.get("eventType") == "Updated" and info.get("chargingState") in (None, "Charging")
    )


def only_a_reading(event: Any) -> bool:
    """The TransactionEvent only carries a reading of the running transaction (Updated,
    MeterValuePeriodic or MeterValueClock, the state unchanged): a station metering the
    transaction sends it whatever the case is doing (E02.FR.10, J01.FR.22)."""
    return _unchanged(event) and event.get("triggerReason") in _READINGS


def after_queue(
    csms: Any,
    dut: Any,
    tx: Session,
    *,
    rule: str,
    trigger: Any,
    trigger_rule: str = "E02.FR.15",
    offline_rule: str = "E04.FR.03",
    **fields: Any,
) -> Message:
    """The station's first TransactionEvent of ``tx`` after :func:`deliver_queued`
    stopped at Charging that is not the rest of the queue or a reading: checked for
    ``trigger`` (``trigger_rule``) and ``fields`` (``rule``). Skipped on the way, each
    leaving the transaction Charging: the queued events still to come (flagged
    offline, E04.FR.02 sends every one) and the readings a station metering the
    transaction sends meanwhile (MeterValuePeriodic, MeterValueClock); a reading
    stamped before the reconnection (beyond the time deviation) was queued, and must
    carry offline true (``offline_rule``)."""
    queued = stamped_offline(csms, dut)
    for _ in range(_MAX_QUEUED):
        event = transaction_event(csms, tx, rule=rule, trigger=ANY)
        if _unchanged(event) and event.get("offline") is True:
            continue
        if only_a_reading(event):
            if queued(event):
                event.expect(rule=offline_rule, offline=True)  # a queued reading
            continue
        event.expect(rule=trigger_rule, triggerReason=trigger)
        if fields:
            event.expect(rule=rule, **fields)
        return event
    raise DutFailure(
        f"no TransactionEvent {trigger} within {_MAX_QUEUED} events after the queue",
        rule,
        tx.events[-1].entry.raw if tx.events else None,
    )


def _carried(delivered: list[Message], token_due: bool, evse_due: bool, tx: Session) -> None:
    """The token (E02.FR.20) and the EVSE with its connector (E01.FR.16) were each in
    one of the delivered events, when they were due."""
    last = delivered[-1]
    if token_due and not any(e.get("idToken") == tx.token for e in delivered):
        raise DutFailure(
            f"no queued TransactionEvent carried the token {tx.token['idToken']!r}",
            "E02.FR.20",
            last.entry.raw,
        )
    wanted = {"id": tx.evse, "connectorId": tx.connector}
    if evse_due and not any(e.get("evse") == wanted for e in delivered):
        raise DutFailure(
            f"no queued TransactionEvent named EVSE {tx.evse} connector {tx.connector}",
            "E01.FR.16",
            last.entry.raw,
        )
