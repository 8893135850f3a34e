"""How the simulated 2.0.1 station retries a TransactionEvent the CSMS failed to process.

E13: a transaction-related message the CSMS fails to process, answering it with a
CALLERROR or not within the message timeout (OCPPCommCtrlr.MessageTimeout), is sent
again, up to OCPPCommCtrlr.MessageAttempts[TransactionEvent] transmissions in all
(E13.FR.02), waiting MessageAttemptInterval[TransactionEvent] seconds times the number
of transmissions so far before each (E13.FR.03); after the last failure it is discarded
and the station goes on with the next message (E13.FR.04). A retransmission after a
timeout is a new CALL with the same payload.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import CallErrorReceived, CallTimeout

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["DEFECTS", "send_transaction_event"]

_COMM = "OCPPCommCtrlr"
_INSTANCE = "TransactionEvent"

DEFECTS = declare(
    # send_transaction_event
    Defect(
        "tx-event-not-retried",
        "station",
        V201,
        "a TransactionEvent answered with a CALLERROR is not sent again",
        "E13.FR.02",
    ),
    # send_transaction_event
    Defect(
        "tx-event-timeout-not-retried",
        "station",
        V201,
        "a TransactionEvent the CSMS does not answer within the message timeout is "
        "dropped, not sent again (only a CALLERROR makes it retry)",
        "E13.FR.02",
    ),
    # send_transaction_event
    Defect(
        "tx-event-retried-at-once",
        "station",
        V201,
        "a TransactionEvent answered with a CALLERROR is sent again at once, without "
        "waiting MessageAttemptInterval times the transmissions so far",
        "E13.FR.03",
    ),
)


def _setting(v201: StationV201, name: str) -> int:
    return int(v201.device_model.value(_COMM, name, _INSTANCE) or 0)


async def send_transaction_event(v201: StationV201, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one TransactionEvent, again after each CALLERROR or timeout while attempts
    are left; the CSMS's answer, or an empty one when the message was discarded."""
    station = v201.station
    attempts = max(1, _setting(v201, "MessageAttempts"))
    if station.has("tx-event-not-retried"):
        attempts = 1
    for sent in range(1, attempts + 1):
        try:
            return await station.send("TransactionEvent", payload)
        except (CallErrorReceived, CallTimeout) as failure:
            if sent == attempts:
                break  # E13.FR.04: discarded
            if isinstance(failure, CallTimeout) and station.has("tx-event-timeout-not-retried"):
                break
            if not station.has("tx-event-retried-at-once"):
                wait = _setting(v201, "MessageAttemptInterval") * sent
                await asyncio.sleep(station.timers.scaled(wait))  # the protocol timer
    return {}
