"""Authorization, transactions and metering of the simulated CSMS (2.0.1 Part 2 blocks C,
E and J; 1.6 §4.1, §4.7, §4.8, §4.10): the stations' Authorize, TransactionEvent (2.0.1)
or StartTransaction and StopTransaction (1.6), and MeterValues.

One module because they answer the same question: a token's state (2.0.1: as the
token book of :mod:`harness.sim.csms_tokens` has it; 1.6: Accepted), whether the
station asks with Authorize or in the transaction message that carries it; the
transaction ids are remembered so a case can stop the transaction it saw start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.ocppj import OcppVersion
from harness.sim.blocks import CSMS, Block
from harness.sim.csms_metering import meter_values_refusal, metered
from harness.sim.csms_tokens import token_info
from harness.sim.csms_transaction_events import screen
from harness.sim.csms_tx_options import refusing
from harness.sim.declare import BOTH, V16, V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms_handlers import Caller

__all__ = ["BLOCKS", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # authorize
    Defect(
        "authorize-rejects-valid-token",
        "csms",
        V201,
        "answers every Authorize with idTokenInfo.status Invalid, the valid token's too",
        "C01.FR.07",
    ),
    # transaction_event
    Defect(
        "transaction-event-omits-id-token-info",
        "csms",
        V201,
        "answers a TransactionEvent that carries an idToken without idTokenInfo",
        # the first such event of a transaction started by authorization (E03); a
        # transaction started by the cable (E02) fails for E02.FR.02 instead
        "E03.FR.02",
    ),
    # transaction_event
    Defect(
        "transaction-event-rejects-valid-token",
        "csms",
        V201,
        "answers a TransactionEvent that carries the valid idToken with idTokenInfo.status Invalid",
        "E03.FR.02",
    ),
    # transaction_event, via _refuses_event
    Defect(
        "remote-start-event-refused",
        "csms",
        V201,
        "answers the TransactionEvent with triggerReason RemoteStart (the one after a "
        "remote start) with CALLERROR InternalError",
        "answer:TransactionEvent",
    ),
    # transaction_event, via _refuses_event
    Defect(
        "triggered-event-refused",
        "csms",
        V201,
        "answers the TransactionEvent with triggerReason Trigger (the one it asked for "
        "with TriggerMessage) with CALLERROR InternalError",
        "answer:TransactionEvent",
    ),
    # transaction_event, via _refuses_event
    Defect(
        "ev-connect-timeout-event-refused",
        "csms",
        V201,
        "answers the TransactionEvent with triggerReason EVConnectTimeout with CALLERROR "
        "InternalError",
        "answer:TransactionEvent",
    ),
    # transaction_event
    Defect(
        "reset-ended-event-refused",
        "csms",
        V201,
        "answers the TransactionEvent Ended of a transaction a Reset stopped (triggerReason "
        "ResetCommand) with CALLERROR InternalError",
        "answer:TransactionEvent",
    ),
    # transaction_event
    Defect(
        "stop-authorized-omits-id-token-info",
        "csms",
        V201,
        "answers the TransactionEvent with triggerReason StopAuthorized (and the idToken "
        "that stopped the charging) without idTokenInfo",
        "E01.FR.12",
    ),
    # transaction_event
    Defect(
        "transaction-info-custom-data-refused",
        "csms",
        V201,
        "answers a TransactionEvent whose transactionInfo carries customData with CALLERROR "
        "FormatViolation instead of ignoring the extension",
        "OCPP-J 9",
    ),
)


async def authorize(caller: Caller, payload: dict[str, Any]) -> Reply:
    """C01: the token's state as the CSMS's token book has it (harness.sim.csms_tokens);
    1.6 (§4.1): every token is Accepted."""
    csms = caller.csms
    if csms.version is OcppVersion.V16:
        return Reply({"idTagInfo": {"status": "Accepted"}})
    if csms.has("authorize-rejects-valid-token"):
        return Reply({"idTokenInfo": {"status": "Invalid"}})
    return Reply({"idTokenInfo": token_info(csms, payload["idToken"])})


async def start_transaction(caller: Caller, payload: dict[str, Any]) -> Reply:
    """1.6 §4.8: the next transaction id, and the token Accepted."""
    transaction_id = next(caller.csms.transaction_ids)
    caller.record.last_transaction_id = transaction_id
    return Reply({"transactionId": transaction_id, "idTagInfo": {"status": "Accepted"}})


async def stop_transaction(caller: Caller, payload: dict[str, Any]) -> Reply:
    """1.6 §4.10: the stopping token, when there is one, Accepted."""
    if "idTag" in payload:
        return Reply({"idTagInfo": {"status": "Accepted"}})
    return Reply({})


def _refuses_event(csms: Any, trigger: str) -> bool:
    """Whether a defect makes the CSMS refuse an event with this triggerReason."""
    return (
        (trigger == "RemoteStart" and csms.has("remote-start-event-refused"))
        or (trigger == "Trigger" and csms.has("triggered-event-refused"))
        or (trigger == "EVConnectTimeout" and csms.has("ev-connect-timeout-event-refused"))
    )


async def transaction_event(caller: Caller, payload: dict[str, Any]) -> Reply:
    """An event that carries an idToken gets that token's authorization status in
    ``idTokenInfo`` (E01.FR.12, E02.FR.02, E03.FR.02); any other just ``{}``."""
    csms, record = caller.csms, caller.record
    refused = screen(csms, record, payload)  # the unusual turns (csms_transaction_events)
    if refused is not None:
        return refused
    if "customData" in payload["transactionInfo"] and csms.has(
        "transaction-info-custom-data-refused"
    ):
        return Reply(error_code="FormatViolation", description="customData not expected")
    if _refuses_event(csms, payload["triggerReason"]):
        return Reply(error_code="InternalError", description="cannot process this event")
    if payload["eventType"] == "Started":
        record.last_transaction_id = payload["transactionInfo"]["transactionId"]
    if payload["triggerReason"] == "ResetCommand" and csms.has("reset-ended-event-refused"):
        return Reply(error_code="InternalError", description="unexpected trigger ResetCommand")
    if "idToken" not in payload or csms.has("transaction-event-omits-id-token-info"):
        return Reply({})
    if payload["triggerReason"] == "StopAuthorized" and csms.has(
        "stop-authorized-omits-id-token-info"
    ):
        return Reply({})
    if csms.has("transaction-event-rejects-valid-token"):
        return Reply({"idTokenInfo": {"status": "Invalid"}})
    # the token's state as the CSMS knows it (C12.FR.03: a cached token is checked too)
    return Reply({"idTokenInfo": token_info(csms, payload["idToken"], in_transaction=True)})


async def meter_values(caller: Caller, payload: dict[str, Any]) -> Reply:
    """J01 (1.6 §4.7): the values are taken; the answer is empty (J01.FR.18)."""
    refusal = meter_values_refusal(caller.csms, payload)
    return refusal if refusal is not None else Reply({})


#: one block per version set: the transaction messages differ between the versions
BLOCKS: tuple[Block[Caller], ...] = (
    Block("authorization", BOTH, {"Authorize": authorize}, sides=CSMS),
    Block(
        "transactions",
        V16,
        {"StartTransaction": start_transaction, "StopTransaction": stop_transaction},
        sides=CSMS,
    ),
    # the start and stop options a defective CSMS refuses come first (csms_tx_options);
    # metered: what the CSMS does with the event's readings (J02.FR.19)
    Block(
        "transactions",
        V201,
        {"TransactionEvent": metered(refusing(transaction_event))},
        sides=CSMS,
    ),
    Block("metering", BOTH, {"MeterValues": meter_values}, sides=CSMS),
)
