"""GetTransactionStatus from the simulated CSMS (2.0.1 Part 2 E14): the
``get_transaction_status`` action.

The CSMS asks the station about one transaction (``transaction_id``) or, without one,
whether the station has any transaction messages still queued. Which transaction to ask
about is the operator's choice, so the action sends exactly what it is given; its
defects send something else, which the cases of E14 (TC_E_29_CSMS ... TC_E_34_CSMS)
see as a request with other values than the step needs.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from harness.sim.csms_actions import CsmsAction, send
from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import UnsupportedAction
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms, StationRecord

__all__ = ["ACTIONS", "DEFECTS", "ask_after_reconnect"]

log = logging.getLogger(__name__)

#: the legal variation of a CSMS that asks by itself (harness.sim.options)
ASKS_BY_ITSELF = "transaction-status-after-reconnect"

#: what the ``get-transaction-status-with-id`` defect names when no transaction was seen
MADE_UP_ID = "no-such-transaction"

#: the defects that live in this module, each checked in get_transaction_status
DEFECTS = declare(
    Defect(
        "get-transaction-status-wrong-id",
        "csms",
        V201,
        "get_transaction_status with a transaction id asks about another transaction "
        "(the id with its last character changed)",
        "expect:GetTransactionStatus",
    ),
    Defect(
        "get-transaction-status-with-id",
        "csms",
        V201,
        "get_transaction_status without a transaction id asks about the station's last "
        "transaction anyway",
        "expect:GetTransactionStatus",
    ),
)


async def get_transaction_status(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """GetTransactionStatus for ``transaction_id``, or without a transactionId when
    the action names none (E14.FR.06: the station then reports on its queue only)."""
    if csms.version.value == "1.6":
        raise UnsupportedAction("get_transaction_status")
    transaction_id = params.get("transaction_id")
    if transaction_id is not None and csms.has("get-transaction-status-wrong-id"):
        text = str(transaction_id)
        transaction_id = text[:-1] + ("1" if text.endswith("0") else "0")
    if transaction_id is None and csms.has("get-transaction-status-with-id"):
        last = csms.record(params.get("identity")).last_transaction_id
        transaction_id = last if last is not None else MADE_UP_ID
    payload: dict[str, Any] = {}
    if transaction_id is not None:
        payload["transactionId"] = str(transaction_id)
    return await send(csms, params, "GetTransactionStatus", payload)


ACTIONS: dict[str, CsmsAction] = {"get_transaction_status": get_transaction_status}


def ask_after_reconnect(csms: SimCsms, record: StationRecord, action: str, reply: Reply) -> Reply:
    """Option ``transaction-status-after-reconnect``: a station that comes back without
    a new boot while its last transaction has not ended gets, after the answer to its
    first CALL on the new connection, a GetTransactionStatus for that transaction (a
    CSMS checking what the station may still have queued, E14)."""
    if not csms.has_option(ASKS_BY_ITSELF) or record.first_call_seen_on == record.connections:
        return reply
    # only the first CALL of each connection counts; one that boots has restarted
    record.first_call_seen_on = record.connections
    if record.connections < 2 or action == "BootNotification":
        return reply
    open_id = _open_transaction(record)
    if open_id is None or reply.payload is None or reply.after is not None:
        return reply
    identity = record.identity

    async def ask() -> None:
        try:
            await csms.call(identity, "GetTransactionStatus", {"transactionId": open_id})
        except Exception as error:  # the station left meanwhile: nothing to ask
            log.info("GetTransactionStatus after reconnect not answered: %s", error)

    return dataclasses.replace(reply, after=ask)


def _open_transaction(record: StationRecord) -> str | None:
    """The id of the station's last transaction if this CSMS has not seen it end."""
    events = record.transaction_events
    if not events:
        return None
    last = str((events[-1].get("transactionInfo") or {}).get("transactionId"))
    ended = any(
        e.get("eventType") == "Ended"
        and str((e.get("transactionInfo") or {}).get("transactionId")) == last
        for e in events
    )
    return None if ended else last
