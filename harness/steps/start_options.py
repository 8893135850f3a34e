"""The start options of a transaction at a CSMS DUT (Part 2 E01): the runs of steps
Part 6's CSMS tables of TxStartPoint share.

The harness's station starts its transaction at the point a case is about, with the
valid token in its first event (Tables 505, 506, 515, 516), in most of them once the
driver is authorized and the EV plugged in (505, 506, 516). Where an event carries an
idToken the CSMS owes two things: idTokenInfo in its answer (E01.FR.12) and a status
that is the token's (E01.FR.11: it checks the token).
"""

from __future__ import annotations

from typing import Any

from harness.matching import ANY, one_of
from harness.messages import Response
from harness.states import csms_transactions as transactions
from harness.states.csms import report_connectors
from harness.states.csms_transactions import Transaction

__all__ = ["authorized_and_plugged_in", "started_with_token", "token_status"]

#: a step number as ``station.step`` takes it: 5, or a range "1-2"
Step = int | str


def authorized_and_plugged_in(
    station: Any, dut: Any, *, authorize_step: Step, plug_step: Step
) -> Transaction:
    """Steps 1-4 of Tables 505, 506 and 516, before the transaction starts: the driver
    presents the valid token (step ``authorize_step``; tool validation: Accepted,
    C01.FR.07), then the EV is plugged in and the connector reported Occupied, by
    StatusNotification or NotifyEvent as the profile says (step ``plug_step``; the CSMS
    must answer). Returns the transaction, not yet started."""
    tx = transactions.new_transaction(station, dut)
    station.step(authorize_step, "Authorize the valid token; tool validation: status Accepted")
    transactions.authorize_valid_token(station, dut)
    station.step(plug_step, "The connector is Occupied; the CSMS answers")
    report_connectors(station, dut, "Occupied", evses=[(tx.evse, (tx.connector,))])
    tx.ev_connected = True
    return tx


def started_with_token(
    station: Any,
    dut: Any,
    tx: Transaction,
    trigger: str,
    *,
    charging_state: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The Started event of ``tx`` with the valid token and the EVSE (``extra``: more
    top-level fields, a signed reading say); the CSMS must answer it
    (``answer:TransactionEvent``) with the token's status (:func:`token_status`:
    Accepted). The transaction is authorized from here."""
    response = transactions.transaction_event(
        station,
        tx,
        trigger,
        charging_state=charging_state,
        id_token=transactions.valid_token(dut),
        with_evse=True,
        extra=extra,
    )
    tx.authorized = True
    token_status(response, "Accepted")
    return response


def token_status(response: Response, *statuses: str) -> None:
    """The answer to an event that carried an idToken: idTokenInfo present (E01.FR.12),
    with one of ``statuses`` (E01.FR.11: the CSMS has checked the token)."""
    response.expect(rule="E01.FR.12", idTokenInfo=ANY)
    response.expect(rule="E01.FR.11", idTokenInfo={"status": one_of(*statuses)})
