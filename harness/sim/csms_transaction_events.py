"""How the simulated CSMS takes the less common turns of a transaction (2.0.1 block E).

A TransactionEvent cannot be refused: whatever the station reports (a stop by the EV,
an EV that never plugged in, a cable pulled at the EV side, events that were queued
offline and arrive late or out of order, a new transaction whose seqNo starts at 0
again), the CSMS answers it. The conformant simulated CSMS answers every one; each
defect here is a CSMS that stumbles over one such turn and answers CALLERROR, which is
how a case of Part 6 block E sees a CSMS that does not handle it.

:func:`screen` runs before the answer of every TransactionEvent
(:func:`harness.sim.csms_transactions.transaction_event`): it remembers the event in the
station's record (``transaction_events``) and tells whether a defect refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms, StationRecord

__all__ = ["DEFECTS", "screen"]

#: what a tripped defect answers with
ERROR_CODE = "InternalError"

#: the bare answer of a TransactionEvent has no requirement of its own in Part 2
ANSWER_RULE = "answer:TransactionEvent"

#: the defects that live in this module, checked in _by_content and _by_history
DEFECTS = declare(
    Defect(
        "tx-event-ev-departed-error",
        "csms",
        V201,
        "answers a TransactionEvent with triggerReason EVDeparted (the EV left the "
        "parking bay) with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-ended-after-suspension-error",
        "csms",
        V201,
        "answers the Ended TransactionEvent of a transaction the EV had suspended "
        "(chargingState SuspendedEV reported earlier) with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-remote-stop-error",
        "csms",
        V201,
        "answers a TransactionEvent with triggerReason RemoteStop with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-stopped-by-ev-error",
        "csms",
        V201,
        "answers a TransactionEvent with stoppedReason StoppedByEV with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-after-communication-lost-error",
        "csms",
        V201,
        "takes an Updated TransactionEvent with triggerReason EVCommunicationLost for "
        "the end of the transaction and answers its later events with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-suspended-before-charging-error",
        "csms",
        V201,
        "answers a TransactionEvent reporting chargingState SuspendedEV before the "
        "transaction ever reported Charging with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-offline-error",
        "csms",
        V201,
        "answers a TransactionEvent with offline true (queued while the station was "
        "offline) with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-out-of-order-error",
        "csms",
        V201,
        "answers a TransactionEvent whose seqNo is lower than one it already got for "
        "that transaction (a queued event delivered late) with CALLERROR",
        ANSWER_RULE,
    ),
    Defect(
        "tx-event-seq-no-per-station",
        "csms",
        V201,
        "expects one rising seqNo per station across its transactions and answers an "
        "event whose seqNo is not above the station's highest so far (a new "
        "transaction starting at 0) with CALLERROR",
        "E01.FR.07",
    ),
)


def screen(csms: SimCsms, record: StationRecord, payload: dict[str, Any]) -> Reply | None:
    """Remember the event; the CALLERROR a defect answers it with, if one does."""
    earlier = list(record.transaction_events)
    record.transaction_events.append(payload)
    reason = _refusal(csms, payload, earlier)
    if reason is None:
        return None
    return Reply(error_code=ERROR_CODE, description=reason)


def _refusal(csms: SimCsms, payload: dict[str, Any], earlier: list[dict[str, Any]]) -> str | None:
    """Why a defect refuses this event (None: no defect does), given the station's
    earlier events."""
    return _by_content(csms, payload) or _by_history(csms, payload, earlier)


def _by_content(csms: SimCsms, payload: dict[str, Any]) -> str | None:
    """The defects that trip on the event alone."""
    trigger = payload.get("triggerReason")
    info = payload.get("transactionInfo") or {}
    if trigger == "EVDeparted" and csms.has("tx-event-ev-departed-error"):
        return "EVDeparted is not handled"
    if trigger == "RemoteStop" and csms.has("tx-event-remote-stop-error"):
        return "RemoteStop is not handled"
    if info.get("stoppedReason") == "StoppedByEV" and csms.has("tx-event-stopped-by-ev-error"):
        return "stoppedReason StoppedByEV is not handled"
    if payload.get("offline") and csms.has("tx-event-offline-error"):
        return "events sent while offline are not taken"
    return None


def _by_history(
    csms: SimCsms, payload: dict[str, Any], earlier: list[dict[str, Any]]
) -> str | None:
    """The defects that trip on the event given what came before it: of its own
    transaction (``same``) or of the station."""
    info = payload.get("transactionInfo") or {}
    same = [e for e in earlier if _tx_id(e) == info.get("transactionId")]
    states = {(e.get("transactionInfo") or {}).get("chargingState") for e in same}
    ended = payload.get("eventType") == "Ended"
    if ended and "SuspendedEV" in states and csms.has("tx-event-ended-after-suspension-error"):
        return "a suspended transaction cannot end"
    lost = any(
        e.get("triggerReason") == "EVCommunicationLost" and e.get("eventType") == "Updated"
        for e in same
    )
    if lost and csms.has("tx-event-after-communication-lost-error"):
        return "the transaction ended when the EV communication was lost"
    suspended = info.get("chargingState") == "SuspendedEV"
    if (
        suspended
        and "Charging" not in states
        and csms.has("tx-event-suspended-before-charging-error")
    ):
        return "SuspendedEV before any charging is not handled"
    seq_no = int(payload.get("seqNo", 0))
    if any(e["seqNo"] > seq_no for e in same) and csms.has("tx-event-out-of-order-error"):
        return f"seqNo {seq_no} comes after a higher one of this transaction"
    if any(e["seqNo"] >= seq_no for e in earlier) and csms.has("tx-event-seq-no-per-station"):
        return f"seqNo {seq_no} is not above this station's highest so far"
    return None


def _tx_id(event: dict[str, Any]) -> Any:
    return (event.get("transactionInfo") or {}).get("transactionId")
