"""GetTransactionStatus of the simulated 2.0.1 station (Part 2 E14): whether a
transaction runs and whether messages about it wait in the offline queue.

The station remembers every transaction it started and whether it ended (a
transactionId is never reused, E01.FR.08, so the record stays right across reboots),
and answers from that record and from its TransactionEvent queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # get_transaction_status
    Defect(
        "transaction-status-inverted",
        "station",
        V201,
        "answers GetTransactionStatus with the opposite ongoingIndicator: true for a "
        "transaction it does not know or that ended, false for one that runs",
        "E14.FR.02",
    ),
    # get_transaction_status
    Defect(
        "transaction-status-queue-ignored",
        "station",
        V201,
        "answers GetTransactionStatus with messagesInQueue false while TransactionEvents "
        "wait in its offline queue (it looks only at what it has delivered)",
        "E14.FR.04",
    ),
    # get_transaction_status
    Defect(
        "transaction-status-indicator-without-id",
        "station",
        V201,
        "sets ongoingIndicator in its answer to a GetTransactionStatus without transactionId",
        "E14.FR.06",
    ),
)


async def get_transaction_status(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """E14: ongoingIndicator for the transaction asked about (none when none was asked
    about, E14.FR.06), messagesInQueue for its queued messages or for any (E14.FR.04/.05,
    .07/.08); an unknown transaction neither runs nor has messages (E14.FR.01)."""
    inverted = v201.station.has("transaction-status-inverted")
    queued = [event["transactionInfo"]["transactionId"] for event in v201.queued_events()]
    if v201.station.has("transaction-status-queue-ignored"):
        queued = []
    transaction_id = payload.get("transactionId")
    if transaction_id is None:
        answer: dict[str, Any] = {"messagesInQueue": bool(queued)}
        if v201.station.has("transaction-status-indicator-without-id"):
            answer["ongoingIndicator"] = bool(v201.running_transactions())
        return Reply(answer)
    ended = v201.transactions_seen.get(transaction_id)
    ongoing = ended is False  # known and not ended
    return Reply(
        {
            "ongoingIndicator": ongoing != inverted,
            "messagesInQueue": transaction_id in queued,
        }
    )


BLOCK: Block[StationV201] = Block(
    "transaction status",
    V201,
    {"GetTransactionStatus": get_transaction_status},
)
