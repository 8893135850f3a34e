"""Transaction message numbering: each TransactionEvent of a transaction gets the next seqNo.

OCPP 2.0.1 Part 2 §E 1.3.2.1 (required by E01.FR.07 and its siblings E02…E10): after
every TransactionEventRequest the station increases seqNo by one; it should start a
transaction at 0, though a counter that keeps increasing across transactions is allowed.
Part 6 §2.1 adds how a test tool reads that: the messages of a transaction may arrive in
any order (queued while offline, say), but their seqNos, sorted, must have no gap and no
repeat, so that a CSMS can tell it has all of them.

So this monitor judges a transaction when its Ended event has arrived and the case is
over (later messages may still be on their way until then): a repeated seqNo is wrong
whenever it shows, a gap only once the transaction is complete. Sans-IO: fed payloads,
asked for findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SEQNO_RULE", "SeqNoFinding", "SeqNoMonitor"]

#: the requirement the numbering rule hangs on (E02…E10 repeat it word for word)
SEQNO_RULE = "E01.FR.07"


@dataclass(frozen=True)
class SeqNoFinding:
    transaction_id: str
    reason: str


@dataclass
class _Transaction:
    seq_nos: list[int] = field(default_factory=list)
    #: the payload each seqNo came with: the same one again is a retransmission (E13)
    payloads: dict[int, dict[str, Any]] = field(default_factory=dict)
    ended: bool = False
    judged: bool = False


class SeqNoMonitor:
    """Collects the seqNo of every TransactionEvent, per transactionId."""

    def __init__(self) -> None:
        self._transactions: dict[str, _Transaction] = {}

    def observe(self, payload: dict[str, Any]) -> SeqNoFinding | None:
        """Take one TransactionEventRequest payload; a repeated seqNo is found at once,
        unless the payload is the one that number came with: the station sends a message
        the CSMS failed to process again, as it is (E13.FR.02)."""
        info = payload.get("transactionInfo")
        seq_no = payload.get("seqNo")
        if not isinstance(info, dict) or not isinstance(seq_no, int):
            return None  # the schema check reports what is missing
        transaction_id = str(info.get("transactionId"))
        transaction = self._transactions.setdefault(transaction_id, _Transaction())
        if transaction.payloads.get(seq_no) == payload:
            return None  # a retransmission
        repeated = seq_no in transaction.seq_nos
        transaction.seq_nos.append(seq_no)
        transaction.payloads.setdefault(seq_no, payload)
        if payload.get("eventType") == "Ended":
            transaction.ended = True
        if repeated:
            return SeqNoFinding(
                transaction_id,
                f"transaction {transaction_id} has seqNo {seq_no} twice",
            )
        return None

    def open_transactions(self) -> list[str]:
        """Transactions that started and have not ended (the station is not idle)."""
        return [tid for tid, tx in self._transactions.items() if not tx.ended]

    def complete_transactions(self) -> list[SeqNoFinding]:
        """Judge every transaction that has ended and is not judged yet: its seqNos,
        sorted, must run without a gap. Each transaction is judged once."""
        findings = []
        for transaction_id, transaction in self._transactions.items():
            if not transaction.ended or transaction.judged:
                continue
            transaction.judged = True
            numbers = sorted(set(transaction.seq_nos))
            missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
            if missing:
                shown = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
                findings.append(
                    SeqNoFinding(
                        transaction_id,
                        f"transaction {transaction_id} ended with seqNo {numbers[0]}…"
                        f"{numbers[-1]} but without {shown}",
                    )
                )
        return findings
