"""Customer information of the simulated 2.0.1 station (Part 2 block N, N09 and N10):
CustomerInformation, answered with NotifyCustomerInformation reports.

What the station holds about a customer, found by the one reference the request gives
(N09.FR.09: exactly one of idToken, customerIdentifier, customerCertificate):

* for an idToken: its Authorization Cache entry, its Local Authorization List entry
  and the transactions it took part in (kept here as the events name it);
* for a customerIdentifier: what an operator stored under it at the station (the
  control action ``store_customer_identifier``; Part 6 TC_N_62_CS has the tester do so);
* for a customerCertificate: nothing (the simulator installs no contract certificates).

A request with the report flag is answered with one NotifyCustomerInformation per thing
held, numbered from seqNo 0 with the request's requestId, every part but the last with
tbc true (N09.FR.05); with nothing held, one part with empty data and no tbc
(N09.FR.06, N10.FR.04). The clear flag removes all of it but the list entry, which only
the CSMS changes (N10.FR.03); reported too, the parts say what was cleared and what was
kept. A clear without report is confirmed by one message (N10.FR.06). Neither flag:
Rejected (N09.FR.07 recommends it). Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.sim.blocks import Block
from harness.sim.declare import V201, Defect, declare
from harness.sim.local_auth_v201 import LocalAuthorizer
from harness.sim.local_list_v201 import token_key
from harness.sim.peer import Reply
from harness.sim.util import utc_now

__all__ = ["BLOCK", "DEFECTS", "CustomerInformation"]

#: the defects that live in this module, each under the method that perturbs it
DEFECTS = declare(
    # _customer_information
    Defect(
        "customer-info-rejected",
        "station",
        V201,
        "answers a CustomerInformation that asks for a report only Rejected, though it "
        "could carry it out",
        "N09.FR.02",
    ),
    # _customer_information
    Defect(
        "customer-clear-rejected",
        "station",
        V201,
        "answers a CustomerInformation that asks to clear Rejected, though it could carry it out",
        "N10.FR.01",
    ),
    # CustomerInformation._notify
    Defect(
        "customer-info-not-reported",
        "station",
        V201,
        "accepts a CustomerInformation with report true for a customer it holds data of "
        "and sends no NotifyCustomerInformation",
        "N09.FR.05",
    ),
    # CustomerInformation._notify
    Defect(
        "customer-info-empty-report",
        "station",
        V201,
        "reports a customer it holds data of with one NotifyCustomerInformation whose "
        "data is empty",
        "N09.FR.05",
    ),
    # CustomerInformation._notify
    Defect(
        "customer-info-parts-unfinished",
        "station",
        V201,
        "the last NotifyCustomerInformation of a report says tbc true, so the report never ends",
        "N09.FR.05",
    ),
    # CustomerInformation._notify
    Defect(
        "customer-info-silent-without-data",
        "station",
        V201,
        "sends no NotifyCustomerInformation when it holds nothing about the customer",
        "N09.FR.06",
    ),
    # CustomerInformation.carry_out
    Defect(
        "customer-info-not-cleared",
        "station",
        V201,
        "reports a customer's data as cleared but keeps it",
        "N10.FR.03",
    ),
    # CustomerInformation.carry_out
    Defect(
        "customer-clear-not-notified",
        "station",
        V201,
        "clears a customer's data for a CustomerInformation without report and sends no "
        "NotifyCustomerInformation to say so",
        "N10.FR.06",
    ),
)

#: the customer references of a request, of which it must give exactly one (N09.FR.09)
REFERENCES = ("idToken", "customerIdentifier", "customerCertificate")

#: the most a NotifyCustomerInformation's data may hold (its schema)
DATA_LENGTH = 512

Send = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class _Held:
    """One thing the station holds about a customer, and how to remove it (None: it
    may not be removed by the station)."""

    text: str
    remove: Callable[[], object] | None


class CustomerInformation:
    """What the station knows about its customers, and the CSMS's requests about it."""

    def __init__(self, local_auth: LocalAuthorizer, send: Send, has: Callable[[str], bool]) -> None:
        self._local_auth = local_auth
        self._send = send
        self._has = has
        #: the transactions each token took part in: (transactionId, evse), oldest first
        self._transactions: dict[tuple[str, str], list[tuple[str, int]]] = {}
        #: what an operator stored, by customerIdentifier
        self._identified: dict[str, str] = {}

    def token_used(self, token: Mapping[str, Any], transaction_id: str, evse: int) -> None:
        """A TransactionEvent named ``token`` for a transaction: the station remembers
        which transactions each token took part in."""
        used = self._transactions.setdefault(token_key(token), [])
        if (transaction_id, evse) not in used:
            used.append((transaction_id, evse))

    def store(self, identifier: str) -> None:
        """An operator stored data about the customer ``identifier`` at the station."""
        self._identified[identifier] = f"customer {identifier}: data stored by the operator"

    def _held(self, request: Mapping[str, Any]) -> list[_Held]:
        """Everything the station holds about the customer ``request`` refers to."""
        if "customerIdentifier" in request:
            identifier = str(request["customerIdentifier"])
            if identifier not in self._identified:
                return []
            return [
                _Held(self._identified[identifier], lambda: self._identified.pop(identifier, None))
            ]
        token = request.get("idToken")
        if token is None:
            return []  # a customerCertificate: no contract certificate is installed
        shown = f"idToken {token.get('idToken')} ({token.get('type')})"
        held: list[_Held] = []
        cache = self._local_auth.cache
        cached = cache.held(token)
        if cached is not None:
            text = f"{shown}: authorization cache entry, status {cached.get('status')}"
            held.append(_Held(text, lambda: cache.forget(token)))
        listed = self._local_auth.local_list.lookup(token)
        if listed is not None:
            text = f"{shown}: local authorization list entry, status {listed.get('status')}"
            held.append(_Held(text, None))  # only the CSMS changes the list (N10.FR.03)
        key = token_key(token)
        for transaction_id, evse in self._transactions.get(key, []):
            text = f"{shown}: transaction {transaction_id} at EVSE {evse}"
            held.append(_Held(text, lambda: self._transactions.pop(key, None)))
        return held

    async def carry_out(self, request: Mapping[str, Any]) -> None:
        """An accepted request: clear what it asks to (N10.FR.03/.06) and report (N09)."""
        held = self._held(request)
        request_id = int(request["requestId"])
        if request["clear"]:
            if not self._has("customer-info-not-cleared"):
                for item in held:
                    if item.remove is not None:
                        item.remove()
            if not request["report"]:
                if not self._has("customer-clear-not-notified"):
                    await self._part(request_id, 0, "customer data cleared", last=True)  # .06
                return
            # what was cleared, and what was kept (the list entry, the CSMS's to change)
            lines = [item.text + ("" if item.remove else " (kept)") for item in held]
        else:
            lines = [item.text for item in held]
        await self._notify(request_id, lines)

    async def _notify(self, request_id: int, lines: list[str]) -> None:
        """The report: one part per line, or one empty part when there are none."""
        if not lines:
            if not self._has("customer-info-silent-without-data"):
                await self._part(request_id, 0, "", last=True)  # N09.FR.06, N10.FR.04
            return
        if self._has("customer-info-not-reported"):
            return
        if self._has("customer-info-empty-report"):
            lines = [""]
        unfinished = self._has("customer-info-parts-unfinished")
        for seq_no, line in enumerate(lines):
            last = seq_no == len(lines) - 1 and not unfinished
            await self._part(request_id, seq_no, line[:DATA_LENGTH], last=last)  # N09.FR.05

    async def _part(self, request_id: int, seq_no: int, data: str, *, last: bool) -> None:
        payload: dict[str, Any] = {
            "data": data,
            "seqNo": seq_no,
            "generatedAt": utc_now(),
            "requestId": request_id,
        }
        if not last:
            payload["tbc"] = True
        await self._send("NotifyCustomerInformation", payload)

    # -- the CSMS's request -----------------------------------------------------------------

    async def _customer_information(self, payload: dict[str, Any]) -> Reply:
        if sum(reference in payload for reference in REFERENCES) != 1:
            return Reply({"status": "Invalid"})  # N09.FR.09
        if not payload["report"] and not payload["clear"]:
            return Reply({"status": "Rejected"})  # N09.FR.07, N10.FR.07
        if payload["clear"] and self._has("customer-clear-rejected"):
            return Reply({"status": "Rejected"})
        if not payload["clear"] and self._has("customer-info-rejected"):
            return Reply({"status": "Rejected"})

        async def carry_out() -> None:
            await self.carry_out(payload)

        return Reply({"status": "Accepted"}, after=carry_out)  # N09.FR.02, N10.FR.01


BLOCK: Block[CustomerInformation] = Block(
    "customer information",
    V201,
    {"CustomerInformation": CustomerInformation._customer_information},
)
