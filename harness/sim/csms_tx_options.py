"""The start and stop options of a transaction, as the simulated CSMS meets them (2.0.1
Part 2 E01, E06): which TransactionEvents a CSMS that knows only some of the options
refuses.

A station may start a transaction at any of the TxStartPoint values (the parking bay, the
cable, the token, signed meter data, the power path, the energy flow) and end it at any
TxStopPoint value; the CSMS must take every event whatever the point was. The conformant
simulated CSMS does (this module refuses nothing then). Each defect here is a CSMS that
was written for one way of charging only, and answers the events of the other ways with
a CALLERROR: the Part 6 cases of block E show it, as the station's event goes unanswered.

The check runs before the authorization answer of :mod:`harness.sim.csms_transactions`
(:func:`refusing` wraps its TransactionEvent handler), so that module keeps the tokens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms_handlers import Caller

__all__ = ["DEFECTS", "refusal", "refusing"]

#: a CSMS must answer every TransactionEvent; Part 2 has no requirement of its own for
#: the bare answer, so the verdict names the harness's rule
_ANSWER = "answer:TransactionEvent"

#: the stoppedReason an Ended event without one stands for (E07.FR.04: a local stop may
#: leave it out)
_DEFAULT_STOP = "Local"

#: the defects that live in this module, all in :func:`refusal`
DEFECTS = declare(
    Defect(
        "started-without-token-refused",
        "csms",
        V201,
        "answers a TransactionEvent Started that carries no idToken (a transaction begun "
        "by the cable or the parking bay, before any authorization) with CALLERROR",
        _ANSWER,
    ),
    Defect(
        "signed-meter-value-refused",
        "csms",
        V201,
        "answers a TransactionEvent whose meter values carry a signedMeterValue (the "
        "DataSigned start option) with CALLERROR",
        _ANSWER,
    ),
    Defect(
        "local-stop-refused",
        "csms",
        V201,
        "answers a TransactionEvent Ended with CALLERROR unless its stoppedReason is "
        "EVDisconnected (one without a stoppedReason counts as Local)",
        _ANSWER,
    ),
    Defect(
        "ev-disconnect-stop-refused",
        "csms",
        V201,
        "answers a TransactionEvent Ended whose stoppedReason is EVDisconnected with CALLERROR",
        _ANSWER,
    ),
)


def refusal(csms: Any, payload: dict[str, Any]) -> Reply | None:
    """The CALLERROR a defective CSMS gives ``payload`` (a TransactionEventRequest), or
    ``None`` when it takes the event (always, without the defects of this module)."""
    event = payload.get("eventType")
    unauthorized = event == "Started" and "idToken" not in payload
    if unauthorized and csms.has("started-without-token-refused"):
        return _refuse("a transaction must begin with an authorization")
    if _signed(payload) and csms.has("signed-meter-value-refused"):
        return _refuse("signed meter values are not supported")
    if event == "Ended":
        reason = (payload.get("transactionInfo") or {}).get("stoppedReason", _DEFAULT_STOP)
        if reason != "EVDisconnected" and csms.has("local-stop-refused"):
            return _refuse(f"a transaction cannot end with stoppedReason {reason}")
        if reason == "EVDisconnected" and csms.has("ev-disconnect-stop-refused"):
            return _refuse("a transaction cannot end by the EV leaving")
    return None


Handler = Callable[["Caller", dict[str, Any]], Awaitable[Reply]]


def refusing(handler: Handler) -> Handler:
    """``handler`` (the TransactionEvent answer), preceded by :func:`refusal`."""

    async def answer(caller: Caller, payload: dict[str, Any]) -> Reply:
        refused = refusal(caller.csms, payload)
        if refused is not None:
            return refused
        return await handler(caller, payload)

    answer.__doc__ = handler.__doc__
    return answer


def _signed(payload: dict[str, Any]) -> bool:
    return any(
        "signedMeterValue" in sampled
        for meter_value in payload.get("meterValue") or ()
        for sampled in meter_value.get("sampledValue") or ()
    )


def _refuse(why: str) -> Reply:
    return Reply(error_code="InternalError", description=why)
