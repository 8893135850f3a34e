"""Block P, DataTransfer — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The vendor extension
the harness's station names is the profile's ``[harness] data_transfer_vendor_id`` and
``data_transfer_message_id`` (Part 6 <Configured vendorId>, <Configured messageId>): one
the CSMS does not implement. The same vendorId marks the customData of TC_P_03_CSMS.
"""

from __future__ import annotations

from typing import Any

from harness import DutFailure, testcase
from harness.defaults import utc_now
from harness.matching import one_of
from harness.states import csms as states
from harness.states import csms_transactions as transactions

BLOCK = "P DataTransfer"


@testcase(
    "TC_P_02_CSMS",
    "Data Transfer to the CSMS - Rejected / Unknown VendorId / Unknown MessageId",
    table=696,
    requirements=["P02.FR.06", "P02.FR.07"],
    catches=["data-transfer-accepts-unknown-vendor"],
    warns=["data-transfer-rejects-unknown-vendor"],
)
def test_tc_p_02_csms(station, dut):
    side = dut.profile.harness
    states.booted(station, dut)
    station.step("1-2", "DataTransfer of a vendor extension the CSMS does not implement")
    request = {"vendorId": side.data_transfer_vendor_id, "messageId": side.data_transfer_message_id}
    # Tool validation of step 2: UnknownVendorId (P02.FR.06), or UnknownMessageId for a
    # CSMS that knows the vendor but not the message (P02.FR.07), or Rejected, which
    # OCTT takes as well.
    answer = station.call("DataTransfer", request).expect(
        rule="P02.FR.06", status=one_of("UnknownVendorId", "UnknownMessageId", "Rejected")
    )
    if answer["status"] == "Rejected":
        with station.beyond_octt("Part 6 TC_P_02_CSMS lets a CSMS answer Rejected"):
            raise DutFailure(
                "the CSMS answered a DataTransfer of a vendor it does not implement "
                "Rejected; Part 2 asks for UnknownVendorId",
                "P02.FR.06",
                answer.raw,
            )


@testcase(
    "TC_P_03_CSMS",
    "CustomData - Receive custom data",
    table=697,
    catches=["status-notification-custom-data-refused", "transaction-info-custom-data-refused"],
)
def test_tc_p_03_csms(station, dut):
    states.booted(station, dut)
    evse, connectors = states.evse_layout(station, None)
    tx = transactions.new_transaction(station, dut, evse, connectors[0])
    # A CSMS without the extension ignores the customData (Part 4 §9): it answers as it
    # would without it, so a CALLERROR is the failure.
    station.step("1-2", "StatusNotification with customData; the CSMS answers")
    status = {
        "timestamp": utc_now(),
        "connectorStatus": "Occupied",
        "evseId": tx.evse,
        "connectorId": tx.connector,
        "customData": _custom_data(dut, "StatusNotification"),
    }
    station.finally_do("the connector reported Available again", _report_free, station, dut, tx)
    station.call("StatusNotification", status).expect(rule="OCPP-J 9")
    station.step("3-4", "TransactionEvent with customData, in transactionInfo too")
    # The transaction the cable begins; ended after the case, whatever its verdict,
    # with the next seqNo (a sent event counts, whatever its answer).
    station.finally_do("the transaction ended", _end, station, tx)
    tx.seq_no, tx.started = 1, True
    station.call("TransactionEvent", _started(dut, tx)).expect(rule="OCPP-J 9")


def _custom_data(dut: Any, where: str) -> dict[str, Any]:
    """A customData of the configured vendor, with a property of its own."""
    return {"vendorId": dut.profile.harness.data_transfer_vendor_id, "sentWith": where}


def _started(dut: Any, tx: transactions.Transaction) -> dict[str, Any]:
    """The TransactionEvent Started of the cable plugged in, with customData at the top
    and in transactionInfo (Table 697 step 3)."""
    return {
        "eventType": "Started",
        "timestamp": utc_now(),
        "triggerReason": "CablePluggedIn",
        "seqNo": 0,
        "transactionInfo": {
            "transactionId": tx.transaction_id,
            "chargingState": "EVConnected",
            "customData": _custom_data(dut, "transactionInfo"),
        },
        "evse": {"id": tx.evse, "connectorId": tx.connector},
        "customData": _custom_data(dut, "TransactionEvent"),
    }


def _end(station: Any, tx: transactions.Transaction) -> None:
    """Post-condition: the EV leaves and the transaction ends (Part 6 §2.1: the next
    case finds no transaction running)."""
    payload = {
        "eventType": "Ended",
        "timestamp": utc_now(),
        "triggerReason": "EVCommunicationLost",
        "seqNo": tx.seq_no,
        "transactionInfo": {
            "transactionId": tx.transaction_id,
            "chargingState": "Idle",
            "stoppedReason": "EVDisconnected",
        },
    }
    station.call("TransactionEvent", payload).expect(rule=transactions.ANSWER_RULE)


def _report_free(station: Any, dut: Any, tx: transactions.Transaction) -> None:
    """Post-condition: the connector reported Available, as the next case expects it."""
    states.report_connectors(station, dut, "Available", evses=[(tx.evse, (tx.connector,))])
