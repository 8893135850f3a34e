"""A remote start at a CSMS DUT (Part 2 F01, F02): the operator makes the CSMS send
RequestStartTransaction, the harness's station accepts it and reports the transaction.

Part 6's remote start cases (TC_F_01..F_04_CSMS) share these steps: the request with
the configured valid token, answered Accepted, then the TransactionEvent with
triggerReason RemoteStart and the request's remoteStartId (Started when no transaction
runs yet, Updated when the cable began one). The cases that start remotely first
(Tables 533 to 535) share the whole prelude, :func:`remote_start_first`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.messages import Message
from harness.states import csms_transactions as transactions
from harness.states.csms_transactions import Transaction, valid_token

if TYPE_CHECKING:
    from harness.roles import StationRole

__all__ = ["remote_start_event", "remote_start_first", "request_start"]

#: a step number as ``station.step`` takes it: 5, or a range "1-2"
Step = int | str


def request_start(station: StationRole, dut: Any, evse: int, reply: dict[str, Any]) -> Message:
    """The request-and-answer steps of a remote start: the CSMS is made to start a
    transaction on ``evse`` with the valid token; the station answers ``reply``.

    Tool validation of the request: the idToken is the configured valid one, value and
    type (Part 2 sets no requirement on which token an operator starts with, so a
    mismatch fails with the harness's ``expect:RequestStartTransaction``). Returns the
    request.
    """
    token = valid_token(dut)
    since = station.mark()
    station.will_reply("RequestStartTransaction", reply)
    dut.act("request_start", evse=evse, token=token["idToken"], token_type=token["type"])
    return station.expect(
        "RequestStartTransaction",
        rule="expect:RequestStartTransaction",
        after=since,
        idToken=token,
    )


def remote_start_event(station: Any, tx: Transaction, request: Message) -> None:
    """The TransactionEvent after an accepted remote start: triggerReason RemoteStart
    and the remoteStartId of the CSMS's request (F02.FR.01; F01.FR.19), with the token
    the request gave (E03.FR.01: a station puts the token in the next event once it
    knows it); the CSMS must answer it (``answer:TransactionEvent``). The transaction
    counts as authorized from here (Part 6: "State is Authorized")."""
    transactions.transaction_event(
        station,
        tx,
        "RemoteStart",
        remote_start_id=request["remoteStartId"],
        id_token=request["idToken"],
    )
    tx.authorized = True


def remote_start_first(
    station: Any,
    dut: Any,
    *,
    request_step: Step,
    event_step: Step,
    authorize_step: Step | None = None,
) -> Transaction:
    """Part 6 Tables 533 to 535 up to the transaction's first event: on a booted
    station with no transaction, the CSMS starts one remotely on the configured EVSE
    (step ``request_step``: the request with the valid token, answered Accepted without
    a transactionId, :func:`request_start`); with ``authorize_step`` the station
    (AuthorizeRemoteStart true) asks for the token first and the CSMS must accept it
    (C01.FR.07; F01.FR.01); then the Started event RemoteStart with the remoteStartId
    (step ``event_step``, :func:`remote_start_event`). Returns the transaction, now
    authorized and without an EV."""
    tx = transactions.new_transaction(station, dut)
    station.step(request_step, "Manual action: the CSMS starts a transaction; the station accepts")
    # Remote start first: no transaction yet, so the answer has no transactionId.
    request = request_start(station, dut, tx.evse, {"status": "Accepted"})
    if authorize_step is not None:
        station.step(authorize_step, "Authorize the remote start's token (F01.FR.01)")
        transactions.authorize_valid_token(station, dut)
    station.step(event_step, "TransactionEvent Started, RemoteStart with the remoteStartId")
    remote_start_event(station, tx, request)
    return tx
