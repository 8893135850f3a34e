"""Block E, Transactions — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules the Part 2
requirement ids the table names. The transaction states of "Before" are Part 6 §2.18's
(:mod:`harness.states.cs_transactions`); a case that starts a transaction leaves the
station idle after it (:func:`harness.steps.idle.leave_idle`).
"""

import uuid

from harness import testcase
from harness.matching import ABSENT
from harness.states import cs_transactions as tx_states
from harness.steps.idle import leave_idle

BLOCK = "E Transactions"


def _transaction(csms, dut, *states):
    """A transaction brought through ``states`` (Part 6's "Before"), left idle after."""
    tx = tx_states.session(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    for state in states:
        state(csms, dut, tx)
    return tx


@testcase(
    "TC_E_28_CS",
    "Check Transaction status - TransactionId unknown",
    table=158,
    requirements=["E14.FR.01"],
    catches={"transaction-status-inverted": "E14.FR.01"},
)
def test_tc_e_28_cs(csms, dut):
    csms.step("1-2", "GetTransactionStatus for a transactionId the station never gave")
    csms.call("GetTransactionStatus", transactionId=str(uuid.uuid4())).expect(
        rule="E14.FR.01", ongoingIndicator=False, messagesInQueue=False
    )


@testcase(
    "TC_E_30_CS",
    "Check Transaction status - Transaction with id ongoing - without message in queue",
    table=160,
    requirements=["E14.FR.02", "E14.FR.05"],
    catches=["transaction-status-inverted"],
)
def test_tc_e_30_cs(csms, dut):
    tx = _transaction(csms, dut, tx_states.energy_transfer_started)
    csms.step("1-2", "GetTransactionStatus for the running transaction: ongoing, nothing queued")
    response = csms.call("GetTransactionStatus", transactionId=tx.transaction_id)
    response.expect(rule="E14.FR.02", ongoingIndicator=True)
    response.expect(rule="E14.FR.05", messagesInQueue=False)


@testcase(
    "TC_E_32_CS",
    "Check Transaction status - Transaction with id ended - without message in queue",
    table=162,
    requirements=["E14.FR.03", "E14.FR.05"],
    catches={"transaction-status-inverted": "E14.FR.03"},
)
def test_tc_e_32_cs(csms, dut):
    tx = _transaction(
        csms, dut, tx_states.energy_transfer_started, tx_states.parking_bay_unoccupied
    )
    csms.step("1-2", "GetTransactionStatus for the ended transaction: not ongoing, nothing queued")
    response = csms.call("GetTransactionStatus", transactionId=tx.transaction_id)
    response.expect(rule="E14.FR.03", ongoingIndicator=False)
    response.expect(rule="E14.FR.05", messagesInQueue=False)


@testcase(
    "TC_E_34_CS",
    "Check Transaction status - Without transactionId - without message in queue",
    table=164,
    requirements=["E14.FR.06", "E14.FR.08"],
    catches=["transaction-status-indicator-without-id"],
)
def test_tc_e_34_cs(csms, dut):
    csms.step("1-2", "GetTransactionStatus without transactionId: no ongoingIndicator, no queue")
    response = csms.call("GetTransactionStatus")
    response.expect(rule="E14.FR.06", ongoingIndicator=ABSENT)
    response.expect(rule="E14.FR.08", messagesInQueue=False)
