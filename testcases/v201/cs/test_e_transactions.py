"""Block E, Transactions — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules the Part 2
requirement ids the table names. The transaction states of "Before" are Part 6 §2.18's
(:mod:`harness.states.cs_transactions`); a case that starts a transaction leaves the
station idle after it (:func:`harness.steps.idle.leave_idle`).
"""

import itertools
import uuid

from harness import HarnessError, testcase
from harness.matching import ABSENT, one_of
from harness.states import cs_transactions as tx_states
from harness.steps.device_model import Variable, configure, configure_if_implemented
from harness.steps.idle import leave_idle

BLOCK = "E Transactions"

#: remoteStartIds of this module's RequestStartTransaction calls
_REMOTE_START_IDS = itertools.count(1001)

AUTH_ENABLED = Variable("AuthCtrlr", "AuthEnabled")
DISABLE_REMOTE_AUTHORIZATION = Variable("AuthCtrlr", "DisableRemoteAuthorization")


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


# -- start options (E01): the transaction starts where TxStartPoint says ------------------


def _start_at(csms, dut, point, *states):
    """Part 6's "Configuration State: if TxStartPoint is ReadWrite it contains
    ``point``" and the case's "Before" states: on a station whose TxStartPoint is
    configurable (Part 5 C-51) it is set to ``point`` alone for the case and set back
    after; a fixed one must contain it (the case's Part 5 condition says so)."""
    if dut.supports("C-51"):
        configure(csms, tx_states.TX_START_POINT, point)
    tx = _transaction(csms, dut, *states)
    if not tx.starts_at(point):
        raise HarnessError(
            f"TxStartPoint is {','.join(sorted(tx.start_points)) or 'empty'}, without "
            f"{point}, and the profile does not declare it configurable (C-51)",
            "setup",
        )
    return tx


def _plug_in(csms, dut, tx):
    """Manual action "Connect the EV and EVSE" and steps 1-2: the connector Occupied."""
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = True
    tx.evse_due = True
    csms.expect_connectors("Occupied", only=[(tx.evse, tx.connector)], rule="G01.FR.03")


def _started(csms, tx, rule, *, trigger, trigger_rule, token_rule=None, **fields):
    """The Started event of a start option: eventType Started (``rule``), the
    triggerReason (``trigger_rule``) and, with ``token_rule``, the configured token."""
    token_due, tx.token_due = tx.token_due, False
    event = tx_states.transaction_event(
        csms,
        tx,
        rule=rule,
        start_rule=rule,
        trigger=trigger,
        trigger_rule=trigger_rule,
        eventType="Started",
        **fields,
    )
    if token_rule is not None and token_due:
        event.expect(rule=token_rule, idToken=tx.token)
    return event


def _connected_then_started(csms, dut, tx, rule, what, **fields):
    """Steps 1-4 of Tables 128 and 129: the EV is connected (Occupied), then the
    TransactionEvent Started (``rule``) with ``fields``."""
    csms.step("1-2", "The EV is connected: its connector Occupied")
    _plug_in(csms, dut, tx)
    csms.step("3-4", f"TransactionEvent Started {what}")
    return _started(csms, tx, rule, trigger_rule="E01.FR.15", **fields)


@testcase(
    "TC_E_09_CS",
    "Start transaction options - EVConnected",
    table=129,
    requirements=["E01.FR.02", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
    catches={
        "tx-first-event-updated": "E01.FR.02",
        "tx-no-evse-after-plug-in": "E01.FR.16",
        "no-occupied-at-plug-in": "G01.FR.03",
    },
)
def test_tc_e_09_cs(csms, dut):
    tx = _start_at(csms, dut, "EVConnected", tx_states.parking_bay_occupied)
    _connected_then_started(
        csms,
        dut,
        tx,
        "E01.FR.02",
        "at the plug-in, naming EVSE and connector",
        trigger=one_of("CablePluggedIn", "ChargingStateChanged"),
        transactionInfo={"chargingState": "EVConnected"},
    )


def _authorization_by_csms(csms):
    """Part 6: AuthEnabled true and DisableRemoteAuthorization false, each if the
    station implements it (and can change it)."""
    configure_if_implemented(csms, AUTH_ENABLED, "true")
    configure_if_implemented(csms, DISABLE_REMOTE_AUTHORIZATION, "false")


@testcase(
    "TC_E_10_CS",
    "Start transaction options - Authorized - Local",
    table=130,
    requirements=[
        "E01.FR.03",
        "E01.FR.07",
        "E01.FR.10",
        "E01.FR.15",
        "E01.FR.16",
        "C01.FR.02",
        "C02.FR.01",
        "C06.FR.02",
    ],
    catches={
        "tx-first-event-updated": "E01.FR.03",
        "tx-no-token-after-authorization": "E01.FR.10",
    },
)
def test_tc_e_10_cs(csms, dut):
    _authorization_by_csms(csms)
    tx = _start_at(csms, dut, "Authorized")
    mark = csms.mark()
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    tx.authorized, tx.token_due = "local", True
    csms.step("1-2", "AuthorizeRequest for the configured token (answered Accepted)")
    csms.expect("Authorize", after=mark, rule="C01.FR.02", idToken=tx.token)
    csms.step("3-4", "TransactionEvent Started, Authorized, with the token")
    _started(
        csms,
        tx,
        "E01.FR.03",
        trigger_rule="E01.FR.15",
        trigger="Authorized",
        token_rule="E01.FR.10",
    )


@testcase(
    "TC_E_13_CS",
    "Start transaction options - Authorized - Remote",
    table=131,
    requirements=["E01.FR.03", "F01.FR.03", "F01.FR.04", "F01.FR.06", "F01.FR.19", "F02.FR.01"],
    catches={
        "tx-remote-start-as-authorized": "F01.FR.19",
        "tx-first-event-updated": "E01.FR.03",
        "tx-no-token-after-authorization": "F01.FR.04",
    },
)
def test_tc_e_13_cs(csms, dut):
    _authorization_by_csms(csms)
    tx = _start_at(csms, dut, "Authorized")
    tx.remote_start_id = next(_REMOTE_START_IDS)
    mark = csms.mark()
    csms.step("1-2", "RequestStartTransaction for the configured token and EVSE: Accepted")
    csms.call(
        "RequestStartTransaction",
        idToken=tx.token,
        evseId=tx.evse,
        remoteStartId=tx.remote_start_id,
    ).expect(rule="F01.FR.06", status="Accepted")
    tx.authorized, tx.token_due = "remote", True
    csms.step("5-6", "TransactionEvent Started, RemoteStart, with the token and remoteStartId")
    event = _started(
        csms,
        tx,
        "E01.FR.03",
        trigger="RemoteStart",
        trigger_rule="F01.FR.19",
        token_rule="F01.FR.04",
    )
    event.expect(rule="F02.FR.01", transactionInfo={"remoteStartId": tx.remote_start_id})
    csms.step("3-4", "An AuthorizeRequest, where the station sent one, names the token")
    for request in csms.received("Authorize", after=mark):
        request.expect(rule="F01.FR.04", idToken=tx.token)


@testcase(
    "TC_E_01_CS",
    "Start transaction options - PowerPathClosed",
    table=127,
    requirements=["E01.FR.05", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
    catches={
        "tx-first-event-updated": "E01.FR.05",
        "tx-no-evse-after-plug-in": "E01.FR.16",
        "tx-no-token-after-authorization": "E01.FR.10",
    },
)
def test_tc_e_01_cs(csms, dut):
    tx = _start_at(csms, dut, "PowerPathClosed", tx_states.authorized)
    csms.step("1", "State EVConnectedPreSession: Occupied, and the Started event of the plug-in")
    _plug_in(csms, dut, tx)
    _started(
        csms,
        tx,
        "E01.FR.05",
        trigger_rule="E01.FR.15",
        trigger=one_of("CablePluggedIn", "ChargingStateChanged"),
        token_rule="E01.FR.10",
        transactionInfo={"chargingState": one_of("EVConnected", "SuspendedEVSE", "Charging")},
    )


@testcase(
    "TC_E_02_CS",
    "Start transaction options - EnergyTransfer",
    table=128,
    requirements=["E01.FR.06", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
    catches={
        "tx-first-event-updated": "E01.FR.06",
        "tx-no-charging-state": "E01.FR.06",
        "tx-no-token-after-authorization": "E01.FR.10",
    },
)
def test_tc_e_02_cs(csms, dut):
    tx = _start_at(csms, dut, "EnergyTransfer", tx_states.authorized)
    _connected_then_started(
        csms,
        dut,
        tx,
        "E01.FR.06",
        "as energy flows: the token, EVSE, Charging",
        trigger=one_of("ChargingStateChanged", "Authorized"),
        token_rule="E01.FR.10",
        transactionInfo={"chargingState": "Charging"},
    )
    tx.energy = True


@testcase(
    "TC_E_12_CS",
    "Start transaction options - ParkingBayOccupied",
    table=133,
    requirements=["E01.FR.01", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
    catches={"tx-first-event-updated": "E01.FR.01"},
)
def test_tc_e_12_cs(csms, dut):
    tx = _start_at(csms, dut, "ParkingBayOccupancy")
    dut.act("park", evse=tx.evse)
    tx.in_bay = True
    csms.step("1-2", "The EV drives into the bay: TransactionEvent Started, EVDetected")
    _started(csms, tx, "E01.FR.01", trigger_rule="E01.FR.15", trigger="EVDetected")
