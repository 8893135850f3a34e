"""Meter values at the simulated CSMS (2.0.1 Part 2 block J): the readings stations send
in a MeterValuesRequest (J01) and in the meterValue of a TransactionEventRequest (J02).

The conformant CSMS takes every reading as it comes (any measurand, context or
location, signed or not, one reading or many) and answers: MeterValues with its empty
response (J01.FR.18), a TransactionEvent with the answer its transaction block gives
(J02.FR.19). The answers themselves stay in :mod:`harness.sim.csms_transactions`; this
module only decides, before them, whether a defect makes the CSMS choke on the readings.

Each defect is a back office that fails on one kind of reading and answers CALLERROR
instead: a station that gets no response sends the message again (J01.FR.18's note),
and the readings of a bill are lost.

Option ``transaction-costs`` is a back office with a tariff: it answers each event with
energy readings with the cost so far in ``totalCost`` (I02.FR.01 lets it give the
running cost there, I03.FR.02 asks for the total cost in the Ended one's answer).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms
    from harness.sim.csms_handlers import Caller

__all__ = ["DEFECTS", "meter_values_refusal", "metered", "transaction_event_refusal"]

#: a TransactionEvent handler of the transaction block: (caller, payload) -> its answer
EventHandler = Callable[["Caller", dict[str, Any]], Awaitable[Reply]]

#: the tariff of option transaction-costs: currency units per kWh
PRICE_PER_KWH = 0.30

ENERGY = "Energy.Active.Import.Register"

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # meter_values_refusal
    Defect(
        "meter-values-callerror",
        "csms",
        V201,
        "answers every MeterValues with CALLERROR InternalError",
        "J01.FR.18",
    ),
    # meter_values_refusal
    Defect(
        "main-meter-values-callerror",
        "csms",
        V201,
        "answers a MeterValues of evseId 0 (the station's main meter) with CALLERROR "
        "PropertyConstraintViolation, taking 0 for no EVSE",
        "J01.FR.18",
    ),
    # transaction_event_refusal
    Defect(
        "tx-meter-values-callerror",
        "csms",
        V201,
        "answers a TransactionEvent that carries meterValue with CALLERROR InternalError",
        "J02.FR.19",
    ),
    # transaction_event_refusal
    Defect(
        "tx-clock-values-callerror",
        "csms",
        V201,
        "answers a TransactionEvent with triggerReason MeterValueClock (clock-aligned "
        "readings of a transaction) with CALLERROR NotImplemented",
        "J02.FR.19",
    ),
    # transaction_event_refusal
    Defect(
        "tx-begin-in-updated-callerror",
        "csms",
        V201,
        "answers an Updated TransactionEvent whose readings have context "
        "Transaction.Begin (the start readings of a transaction whose EVSE was not known "
        "when it started) with CALLERROR OccurrenceConstraintViolation",
        "J02.FR.19",
    ),
    # transaction_event_refusal
    Defect(
        "tx-ended-readings-callerror",
        "csms",
        V201,
        "answers a TransactionEvent Ended whose meterValue holds more than one reading "
        "(the readings of the whole transaction) with CALLERROR OccurrenceConstraintViolation",
        "J02.FR.19",
    ),
    # transaction_event_refusal
    Defect(
        "signed-meter-values-callerror",
        "csms",
        V201,
        "answers a TransactionEvent whose sampled values carry a signedMeterValue with "
        "CALLERROR FormatViolation",
        "J02.FR.19",
    ),
)


def meter_values_refusal(csms: SimCsms, payload: dict[str, Any]) -> Reply | None:
    """The CALLERROR a defect answers a MeterValuesRequest with; None: the CSMS takes it
    (J01.FR.18)."""
    if csms.has("meter-values-callerror"):
        return Reply(error_code="InternalError", description="meter values could not be stored")
    if csms.has("main-meter-values-callerror") and payload.get("evseId") == 0:
        return Reply(error_code="PropertyConstraintViolation", description="evseId 0 is no EVSE")
    return None


def transaction_event_refusal(csms: SimCsms, payload: dict[str, Any]) -> Reply | None:
    """The CALLERROR a defect answers a TransactionEventRequest's readings with; None:
    the CSMS takes them and answers as its transaction block does (J02.FR.19)."""
    readings = payload.get("meterValue") or []
    if not readings:
        return None
    if csms.has("tx-meter-values-callerror"):
        return Reply(error_code="InternalError", description="meter values could not be stored")
    if csms.has("tx-clock-values-callerror") and payload["triggerReason"] == "MeterValueClock":
        return Reply(error_code="NotImplemented", description="clock-aligned readings")
    contexts = {value.get("context") for value in _sampled(readings)}
    if (
        csms.has("tx-begin-in-updated-callerror")
        and payload["eventType"] == "Updated"
        and "Transaction.Begin" in contexts
    ):
        return Reply(
            error_code="OccurrenceConstraintViolation",
            description="start readings outside a Started event",
        )
    if (
        csms.has("tx-ended-readings-callerror")
        and payload["eventType"] == "Ended"
        and len(readings) > 1
    ):
        return Reply(
            error_code="OccurrenceConstraintViolation", description="one meterValue expected"
        )
    signed = any("signedMeterValue" in value for value in _sampled(readings))
    if csms.has("signed-meter-values-callerror") and signed:
        return Reply(error_code="FormatViolation", description="signedMeterValue not understood")
    return None


def metered(handler: EventHandler) -> EventHandler:
    """``handler`` (the transaction block's TransactionEvent answer) with the event's
    readings taken first: a defect may refuse them; option transaction-costs adds the
    cost so far to the answer."""

    async def answer(caller: Caller, payload: dict[str, Any]) -> Reply:
        refusal = transaction_event_refusal(caller.csms, payload)
        if refusal is not None:
            return refusal
        reply = await handler(caller, payload)
        if caller.csms.has_option("transaction-costs") and reply.payload is not None:
            cost = _cost(caller.csms, payload)
            if cost is not None:
                reply.payload["totalCost"] = cost
        return reply

    return answer


#: per CSMS, per transactionId: the first energy register reading it got (Wh)
_FIRST_WH: weakref.WeakKeyDictionary[SimCsms, dict[str, float]] = weakref.WeakKeyDictionary()


def _cost(csms: SimCsms, payload: dict[str, Any]) -> float | None:
    """The cost of the transaction from its first energy reading to the latest of this
    event; None when the event has no energy reading."""
    registers = [
        float(value["value"])
        for value in _sampled(payload.get("meterValue") or [])
        if value.get("measurand", ENERGY) == ENERGY
    ]
    if not registers:
        return None
    transaction = payload["transactionInfo"]["transactionId"]
    first = _FIRST_WH.setdefault(csms, {}).setdefault(transaction, min(registers))
    return round(max(0.0, max(registers) - first) / 1000 * PRICE_PER_KWH, 2)


def _sampled(readings: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for reading in readings:
        yield from reading.get("sampledValue") or []
