"""Block E, Transactions (stop options, suspensions, transaction status, seqNo) —
OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The transactions are
the reusable states of :mod:`harness.states.csms_transactions`; the events a case sends
beyond them go through its ``transaction_event``, which numbers them on from the states.

A TransactionEvent cannot be refused: whatever the station reports, the CSMS must
answer it. Part 2 has no requirement of its own for that bare answer, so a CALLERROR
(or no answer) where one is due fails with the harness's ``answer:TransactionEvent``.
The GetTransactionStatus cases (E14) check what the CSMS asks; every requirement of
E14 is the station's, so a request with other values fails with
``expect:GetTransactionStatus``.
"""

from __future__ import annotations

from typing import Any

from harness import DutFailure, testcase
from harness.defaults import utc_now
from harness.matching import ABSENT, differences
from harness.states import csms as states
from harness.states import csms_transactions as transactions
from harness.states.csms_transactions import Transaction, transaction_event

BLOCK = "E Transactions"

#: what a wrong GetTransactionStatus fails with (E14's requirements are the station's)
STATUS_RULE = "expect:GetTransactionStatus"


# -- stop and suspend options -------------------------------------------------------------


@testcase(
    "TC_E_19_CSMS",
    "Stop transaction options - ParkingBayUnoccupied",
    table=524,
    requirements=["E06.FR.01"],
    catches=[
        "tx-event-ev-departed-error",
        "tx-event-after-communication-lost-error",
        "local-stop-refused",
    ],
)
def test_tc_e_19_csms(station, dut):
    # Before: EVDisconnected. With TxStopPoint ParkingBayOccupancy the unplugging does
    # not end the transaction (E06.FR.01 ends it when the bay is empty), so the state
    # reports it as Updated; otherwise step 1 would end a transaction that had ended.
    tx = transactions.ev_disconnected(station, dut, ends=False)
    station.step("1-2", "TransactionEvent Ended, EVDeparted, stoppedReason Local; answered")
    transaction_event(station, tx, "EVDeparted", stopped_reason="Local", ended=True)


@testcase(
    "TC_E_20_CSMS",
    "Stop transaction options - EVDisconnected - EV side (able to charge IEC 61851-1 EV)",
    table=511,
    requirements=["E06.FR.02"],
    catches=[
        "tx-event-ended-after-suspension-error",
        "stop-authorized-omits-id-token-info",
        "ev-disconnect-stop-refused",
    ],
)
def test_tc_e_20_csms(station, dut):
    # Before: EnergyTransferSuspended (the EV suspended the charging).
    tx = transactions.energy_transfer_suspended(station, dut)
    station.step(1, "Reusable state EVDisconnected")
    # Table 707 runs EVConnectedPostSession first (and it StopAuthorized): the driver
    # stops, the EV is unplugged, the transaction ends; every event answered.
    transactions.ev_disconnected(station, dut, tx)


@testcase(
    "TC_E_21_CSMS",
    "Stop transaction options - StopAuthorized - Remote",
    table=513,
    requirements=["E06.FR.03", "F03.FR.01", "F03.FR.09", "F03.FR.10"],
    catches=["request-stop-wrong-transaction", "tx-event-remote-stop-error", "local-stop-refused"],
)
def test_tc_e_21_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "Manual action: make the CSMS stop the transaction; Accepted")
    station.will_reply("RequestStopTransaction", status="Accepted")
    dut.act("request_stop", transaction_id=tx.transaction_id)
    # Tool validation of step 1: the transaction of the Before part (F03.FR.01: the
    # CSMS names the transaction it stops).
    station.expect("RequestStopTransaction", rule="F03.FR.01", transactionId=tx.transaction_id)
    station.step("3-4", "TransactionEvent Ended, RemoteStop, stoppedReason Remote; answered")
    transaction_event(station, tx, "RemoteStop", stopped_reason="Remote", ended=True)


@testcase(
    "TC_E_22_CSMS",
    "Stop transaction options - EnergyTransfer stopped - SuspendedEV",
    table=523,
    requirements=["E06.FR.07"],
    catches=["tx-event-stopped-by-ev-error", "local-stop-refused"],
)
def test_tc_e_22_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "TransactionEvent Ended, SuspendedEV, stoppedReason StoppedByEV")
    # TxStopPoint EnergyTransfer: the EV stopping the energy ends the transaction.
    transaction_event(
        station,
        tx,
        "ChargingStateChanged",
        charging_state="SuspendedEV",
        stopped_reason="StoppedByEV",
        ended=True,
    )


@testcase(
    "TC_E_26_CSMS",
    "Disconnect cable on EV-side - Suspend transaction",
    table=525,
    requirements=["E10.FR.01"],
    catches=["tx-event-after-communication-lost-error"],
)
def test_tc_e_26_csms(station, dut):
    tx = transactions.energy_transfer_suspended(station, dut)
    station.step("1-2", "TransactionEvent Updated, EVCommunicationLost, Idle; answered")
    # The cable came out at the EV side: the transaction is suspended, not ended (the
    # connector stays locked, E10.FR.01).
    transaction_event(station, tx, "EVCommunicationLost", charging_state="Idle")
    station.step("3-4", "The connector is Available; the CSMS answers")
    states.report_connectors(station, dut, "Available", evses=[(tx.evse, (tx.connector,))])
    station.step("5-6", "TransactionEvent Updated, CablePluggedIn, EVConnected; answered")
    transaction_event(station, tx, "CablePluggedIn", charging_state="EVConnected")
    station.step("7-8", "TransactionEvent Updated, ChargingStateChanged, Charging; answered")
    transaction_event(station, tx, "ChargingStateChanged", charging_state="Charging")


@testcase(
    "TC_E_38_CSMS",
    "Local start transaction - EV not ready",
    table=518,
    catches=["tx-event-suspended-before-charging-error"],
)
def test_tc_e_38_csms(station, dut):
    tx = transactions.authorized(station, dut)
    station.step(1, "Reusable state EVConnectedPreSession")
    transactions.ev_connected_pre_session(station, dut, tx)
    station.step("2-3", "TransactionEvent Updated, ChargingStateChanged, SuspendedEV")
    # The EV is plugged in but not ready to take energy yet.
    transaction_event(station, tx, "ChargingStateChanged", charging_state="SuspendedEV")


@testcase(
    "TC_E_39_CSMS",
    "Stop transaction options - Deauthorized - timeout",
    table=509,
    requirements=["E03.FR.04", "E03.FR.05", "E06.FR.04"],
    catches=["ev-connect-timeout-event-refused", "local-stop-refused"],
)
def test_tc_e_39_csms(station, dut):
    tx = transactions.authorized(station, dut)
    # The driver never plugs in: the station waits its EVConnectionTimeOut (Part 6
    # <Configured EV connection timeout>), then ends the transaction (E03.FR.05).
    station.hold_for(float(dut.timers.ev_connection_timeout), "the EV connection timeout")
    station.step("1-2", "TransactionEvent Ended, EVConnectTimeout, stoppedReason Timeout")
    transaction_event(station, tx, "EVConnectTimeout", stopped_reason="Timeout", ended=True)


# -- sequence numbers -----------------------------------------------------------------------


@testcase(
    "TC_E_53_CSMS",
    "Reset Sequence Number - CSMS accepting seqNo = 0 at start of transaction",
    table=531,
    requirements=["E01.FR.07"],
    catches=["tx-event-seq-no-per-station"],
)
def test_tc_e_53_csms(station, dut):
    station.step(1, "Reusable state EnergyTransferStarted; its first event has seqNo 0")
    first = transactions.new_transaction(station, dut)
    _started_at_zero(station, dut, first)
    station.step(2, "Reusable state EVDisconnected")
    transactions.ev_disconnected(station, dut, first)
    station.step(3, "Reusable state EnergyTransferStarted again: a new seqNo 0")
    second = transactions.new_transaction(station, dut, first.evse, first.connector)
    _started_at_zero(station, dut, second)
    station.step(4, "Reusable state EVDisconnected")
    transactions.ev_disconnected(station, dut, second)


def _started_at_zero(station: Any, dut: Any, tx: Transaction) -> None:
    """EnergyTransferStarted for a new transaction; tool validation of steps 1 and 3:
    its Started event (seqNo 0) is answered with a TransactionEventResponse. A CSMS
    that refuses it with CALLERROR fails for E01.FR.07 (the station numbers every
    transaction from 0), whatever check of the state saw the CALLERROR."""
    try:
        transactions.energy_transfer_started(station, dut, tx)
    except DutFailure as failure:
        answer = tx.last_response
        if tx.seq_no != 1 or answer is None or not answer.is_error:
            raise
        raise DutFailure(
            f"the CSMS refused the Started TransactionEvent with seqNo 0 of transaction "
            f"{tx.transaction_id} with CALLERROR {answer.error_code}: a new transaction "
            "numbers its events from 0 again",
            "E01.FR.07",
            failure.frame,
        ) from None


# -- GetTransactionStatus (E14) --------------------------------------------------------------


@testcase(
    "TC_E_29_CSMS",
    "Check Transaction status - Transaction with id ongoing - with message in queue",
    table=526,
    requirements=["E14.FR.02", "E14.FR.04"],
    needs=["C-16"],
    catches=["get-transaction-status-wrong-id", "tx-event-offline-error"],
)
def test_tc_e_29_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    back = _offline_for_a_while(station, dut, tx, ongoing=True, queued=True)
    station.step("3-4", "The CSMS asks about the transaction: ongoing, messages queued")
    _ask_status(station, dut, tx.transaction_id, since=back)
    station.step("5-6", "The queued TransactionEvent Updated, offline, with meter values")
    transaction_event(station, tx, "MeterValuePeriodic", offline=True, extra=_queued_readings())


@testcase(
    "TC_E_30_CSMS",
    "Check Transaction status - Transaction with id ongoing - without message in queue",
    table=527,
    requirements=["E14.FR.02", "E14.FR.05"],
    needs=["C-16"],
    catches=["get-transaction-status-wrong-id"],
)
def test_tc_e_30_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "The CSMS asks about the transaction: ongoing, nothing queued")
    _ask_status(station, dut, tx.transaction_id, ongoingIndicator=True, messagesInQueue=False)


@testcase(
    "TC_E_31_CSMS",
    "Check Transaction status - Transaction with id ended - with message in queue",
    table=528,
    requirements=["E14.FR.03", "E14.FR.04"],
    needs=["C-16"],
    catches=[
        "get-transaction-status-wrong-id",
        "tx-event-offline-error",
        "tx-event-out-of-order-error",
    ],
)
def test_tc_e_31_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    # the transaction ends while the station is offline: not ongoing, events queued
    back = _offline_for_a_while(station, dut, tx, ongoing=False, queued=True)
    station.step("3-4", "The connector is Available; the CSMS answers")
    states.report_connectors(station, dut, "Available", evses=[(tx.evse, (tx.connector,))])
    # Two events are still queued: the Ended one overtakes them, two seqNos further on.
    queued = (tx.seq_no, tx.seq_no + 1)
    station.step("5-6", "TransactionEvent Ended, offline, EVCommunicationLost, Idle")
    transaction_event(
        station,
        tx,
        "EVCommunicationLost",
        charging_state="Idle",
        ended=True,
        offline=True,
        seq_no=queued[1] + 1,
    )
    station.step("7-8", "The CSMS asks about the transaction: ended, messages queued")
    # Part 6 puts this tool validation at "Step 5"; the request is step 7.
    _ask_status(station, dut, tx.transaction_id, since=back)
    station.step("9-10", "The first queued event: Updated, StopAuthorized, offline")
    transaction_event(station, tx, "StopAuthorized", offline=True, seq_no=queued[0])
    station.step("11-12", "The second queued event: Updated, EVConnected, offline")
    transaction_event(
        station,
        tx,
        "ChargingStateChanged",
        charging_state="EVConnected",
        offline=True,
        seq_no=queued[1],
    )


@testcase(
    "TC_E_33_CSMS",
    "Check Transaction status - Without transactionId - with message in queue",
    table=529,
    requirements=["E14.FR.06", "E14.FR.07"],
    needs=["C-16"],
    catches=["get-transaction-status-with-id", "tx-event-offline-error"],
)
def test_tc_e_33_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    back = _offline_for_a_while(station, dut, tx, ongoing=True, queued=True)
    station.step("3-4", "The CSMS asks without a transactionId: messages queued")
    # E14.FR.06: no ongoingIndicator in the answer to a request without a transaction.
    _ask_status(station, dut, None, since=back)
    station.step("5-6", "The queued TransactionEvent Updated, offline, with meter values")
    transaction_event(station, tx, "MeterValuePeriodic", offline=True, extra=_queued_readings())


@testcase(
    "TC_E_34_CSMS",
    "Check Transaction status - Without transactionId - without message in queue",
    table=530,
    requirements=["E14.FR.06", "E14.FR.08"],
    needs=["C-16"],
    catches=["get-transaction-status-with-id"],
)
def test_tc_e_34_csms(station, dut):
    # No reusable state: the station only needs to be booted (Part 6 §3.1).
    states.ensure_booted(station, dut)
    station.step("1-2", "The CSMS asks without a transactionId: nothing queued")
    _ask_status(station, dut, None, messagesInQueue=False)


def _offline_for_a_while(
    station: Any, dut: Any, tx: Transaction, *, ongoing: bool, queued: bool
) -> int:
    """Steps 1-2 of the E14 cases with a queue: the station drops the connection,
    stays away for the configured transaction duration, and connects again (no new
    boot: the station did not restart). From here the station answers every
    GetTransactionStatus as :func:`_status_answer` says, so a CSMS that asks on its own
    once the station is back gets the same truthful answer. Returns the trace mark of
    the reconnection."""
    station.step(1, "The station closes the WebSocket connection")
    station.disconnect()
    station.expect_disconnect()
    station.step(2, "After the configured transaction duration the station reconnects")
    transactions.wait_transaction_duration(
        station, dut, "the configured transaction duration, offline"
    )
    station.will_reply(
        "GetTransactionStatus", _status_answer(tx.transaction_id, ongoing, queued), always=True
    )
    mark = station.mark()
    station.connect()
    return mark


def _status_answer(transaction_id: str, ongoing: bool, queued: bool) -> Any:
    """The station's GetTransactionStatus answer, by what it is asked (E14): about its
    transaction, ``ongoing`` and ``queued``; about another, neither (E14.FR.01);
    about none, only whether anything is queued (E14.FR.06)."""

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        asked = request.get("transactionId")
        if asked is None:
            return {"messagesInQueue": queued}
        if asked != transaction_id:
            return {"ongoingIndicator": False, "messagesInQueue": False}
        return {"ongoingIndicator": ongoing, "messagesInQueue": queued}

    return answer


def _ask_status(
    station: Any,
    dut: Any,
    transaction_id: str | None,
    *,
    since: int | None = None,
    **answer: Any,
) -> None:
    """Make the CSMS send GetTransactionStatus (about ``transaction_id``, or about
    none); tool validation: the request names that transaction, or none.

    ``since`` (a trace mark): a CSMS may ask by itself after the station came back;
    when such a request, received since then, is the one the step needs, it is the
    step's request and the operator is not asked again. ``answer``: the station's
    answer when no earlier scripted answer stands (the cases without a queue)."""
    wanted = {"transactionId": ABSENT if transaction_id is None else transaction_id}
    after = since
    came = [] if since is None else station.received("GetTransactionStatus", after=since)
    for message in came:
        if not differences(wanted, message.payload):
            break
        after = message.entry.seq  # it asked by itself about something else: not this step
    else:
        _prompt_status(station, dut, transaction_id, answer)
    station.expect("GetTransactionStatus", rule=STATUS_RULE, after=after, **wanted)


def _prompt_status(
    station: Any, dut: Any, transaction_id: str | None, answer: dict[str, Any]
) -> None:
    """The manual action: make the CSMS send GetTransactionStatus."""
    if answer:
        station.will_reply("GetTransactionStatus", **answer)
    if transaction_id is None:
        dut.act("get_transaction_status")
    else:
        dut.act("get_transaction_status", transaction_id=transaction_id)


# -- the readings of a queued event ------------------------------------------------------


def _queued_readings() -> dict[str, Any]:
    """The meterValue of a queued periodic event: one energy register reading (Wh), the
    measurand every meter has. Given as an extra field, not as the event's readings, so
    a refusal stays the bare ``answer:TransactionEvent`` these cases judge (the queued
    event is what they are about, not the readings: those are TC_J_*'s)."""
    reading = {
        "timestamp": utc_now(),
        "sampledValue": [
            {
                "value": 1500.0,
                "measurand": "Energy.Active.Import.Register",
                "context": "Sample.Periodic",
            }
        ],
    }
    return {"meterValue": [reading]}
