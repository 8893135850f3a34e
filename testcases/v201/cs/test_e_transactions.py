"""Block E, Transactions — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules the Part 2
requirement ids the table names. The transaction states of "Before" are Part 6 §2.18's
(:mod:`harness.states.cs_transactions`); a case that starts a transaction leaves the
station idle after it (:func:`harness.steps.idle.leave_idle`).
"""

import itertools
import math
import uuid
from dataclasses import dataclass

from harness import DutFailure, testcase
from harness.matching import ABSENT, absent_or, differences, one_of
from harness.replies import error_reply, no_reply
from harness.states import cs_memory, cs_offline
from harness.states import cs_transactions as tx_states
from harness.steps.device_model import (
    Variable,
    configure,
    configure_if_implemented,
    get_variable,
    set_variable,
)
from harness.steps.transactions import (
    AUTH_ENABLED,
    DISABLE_REMOTE_AUTHORIZATION,
    EV_CONNECTION_TIMEOUT,
    authorization_by_csms,
    charging_until_stop,
    check_connection_timeout_waited,
    check_stop_point,
    start_at,
    stop_at,
    transaction,
)

BLOCK = "E Transactions"

#: remoteStartIds of this module's RequestStartTransaction calls
_REMOTE_START_IDS = itertools.count(1001)


#: every chargingState but Charging: a deauthorized EV must not charge
_NOT_CHARGING = absent_or(one_of("Idle", "EVConnected", "SuspendedEV", "SuspendedEVSE"))


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
    tx = transaction(csms, dut, tx_states.energy_transfer_started)
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
    tx = transaction(csms, dut, tx_states.energy_transfer_started, tx_states.parking_bay_unoccupied)
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
    tx = start_at(csms, dut, "EVConnected", tx_states.parking_bay_occupied)
    _connected_then_started(
        csms,
        dut,
        tx,
        "E01.FR.02",
        "at the plug-in, naming EVSE and connector",
        trigger=one_of("CablePluggedIn", "ChargingStateChanged"),
        transactionInfo={"chargingState": "EVConnected"},
    )


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
    authorization_by_csms(csms)
    tx = start_at(csms, dut, "Authorized")
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
    authorization_by_csms(csms)
    tx = start_at(csms, dut, "Authorized")
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
    tx = start_at(csms, dut, "PowerPathClosed", tx_states.authorized)
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
    tx = start_at(csms, dut, "EnergyTransfer", tx_states.authorized)
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
    tx = start_at(csms, dut, "ParkingBayOccupancy")
    dut.act("park", evse=tx.evse)
    tx.in_bay = True
    csms.step("1-2", "The EV drives into the bay: TransactionEvent Started, EVDetected")
    _started(csms, tx, "E01.FR.01", trigger_rule="E01.FR.15", trigger="EVDetected")


# -- stop options (E06): the transaction ends where TxStopPoint says ---------------------


@testcase(
    "TC_E_39_CS",
    "Stop transaction options - Deauthorized - timeout",
    table=136,
    requirements=["E06.FR.04", "E06.FR.15"],
    catches={
        "ignores-ev-connect-timeout": "E06.FR.04",
        "ev-connect-timeout-at-once": "E06.FR.04",
    },
)
def test_tc_e_39_cs(csms, dut):
    timeout = dut.timers.ev_connection_timeout
    stop_at(csms, dut, "Authorized")
    configure(csms, EV_CONNECTION_TIMEOUT, str(timeout))
    authorization_by_csms(csms)
    tx = transaction(csms, dut)
    check_stop_point(tx, "Authorized")
    presented = csms.clock()  # the station's timer starts with the token
    tx_states.authorized(csms, dut, tx)
    deviation = dut.profile.tolerances.time_deviation
    wait = timeout + deviation + dut.timeouts.response
    if tx.started:
        csms.step("1-2", f"No cable within {timeout} s: the authorization ends, EVConnectTimeout")
        in_bay = tx.starts_at("ParkingBayOccupancy")
        event = tx_states.transaction_event(
            csms,
            tx,
            rule="E06.FR.04",
            trigger="EVConnectTimeout",
            trigger_rule="E06.FR.15",
            timeout=wait,
            eventType="Updated" if in_bay else "Ended",
        )
        if not in_bay:
            event.expect(rule="E06.FR.04", transactionInfo={"stoppedReason": "Timeout"})
        check_connection_timeout_waited(
            event, presented, timeout, deviation, what="the token", rule="E06.FR.04"
        )
    else:
        csms.hold_for(wait, "no transaction runs yet: EVConnectionTimeOut ends the authorization")
    tx.authorized = None
    mark = csms.mark()
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = True
    csms.step("3-4", "The cable goes in: an event, if any, is CablePluggedIn and no charging")
    csms.hold_for(dut.timeouts.response, "a deauthorized EV must not start charging")
    for event in csms.received("TransactionEvent", after=mark):
        event.expect(rule="E06.FR.15", triggerReason="CablePluggedIn")
        event.expect(rule="E06.FR.04", transactionInfo={"chargingState": _NOT_CHARGING})


AUTH_CACHE_ENABLED = Variable("AuthCacheCtrlr", "Enabled")
LOCAL_PRE_AUTHORIZE = Variable("AuthCtrlr", "LocalPreAuthorize")


@testcase(
    "TC_E_05_CS",
    "Local start transaction - Authorization first - Cable plugin timeout",
    table=139,
    requirements=[
        "E03.FR.01",
        "E03.FR.05",
        "E03.FR.06",
        "E03.FR.12",
        "C01.FR.02",
        "C02.FR.01",
        "C06.FR.02",
    ],
    catches={
        "ignores-ev-connect-timeout": "E03.FR.05",
        "ev-connect-timeout-at-once": "E03.FR.05",
    },
)
def test_tc_e_05_cs(csms, dut):
    timeout = dut.timers.ev_connection_timeout
    configure(csms, EV_CONNECTION_TIMEOUT, str(timeout))
    authorization_by_csms(csms)
    # every token goes to the CSMS: none is taken from a cache or list
    configure_if_implemented(csms, AUTH_CACHE_ENABLED, "false")
    configure_if_implemented(csms, LOCAL_PRE_AUTHORIZE, "false")
    tx = transaction(csms, dut)
    presented = csms.clock()  # the station's timer starts with the token
    tx_states.authorized(csms, dut, tx)
    deviation = dut.profile.tolerances.time_deviation
    wait = timeout + deviation + dut.timeouts.response
    if tx.started:
        # TxStartPoint Authorized or ParkingBayOccupancy: the authorization started it
        csms.step("1-2", f"No cable within {timeout} s: EVConnectTimeout")
        # Part 6 ends it where TxStopPoint has Authorized and takes Updated otherwise;
        # Part 2 (E03.FR.05) ends it unless TxStopPoint has ParkingBayOccupancy
        event = tx_states.transaction_event(
            csms,
            tx,
            rule="E03.FR.05",
            trigger="EVConnectTimeout",
            trigger_rule="E03.FR.05",
            timeout=wait,
            eventType="Ended" if tx.stops_at("Authorized") else one_of("Updated", "Ended"),
        )
        if event["eventType"] == "Ended":
            event.expect(rule="E03.FR.05", transactionInfo={"stoppedReason": "Timeout"})
        check_connection_timeout_waited(
            event, presented, timeout, deviation, what="the token", rule="E03.FR.05"
        )
    else:
        csms.hold_for(wait, "no transaction runs yet: EVConnectionTimeOut ends the authorization")
    tx.authorized = None
    again = tx
    if tx.ended:
        again = transaction(csms, dut)
        again.in_bay, tx.in_bay = tx.in_bay, False
    csms.step(3, "State Authorized (local) again: the EVSE takes the next driver")
    tx_states.authorized(csms, dut, again)
    csms.step(4, "State EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, again)


def _stopped(csms, dut, tx, method, *, end_rule, trigger_rule, reason):
    """The driver presents the token again (``local``) or the CSMS sends
    RequestStopTransaction (``remote``, Accepted), and the transaction ends: Ended with
    StopAuthorized or RemoteStop (``trigger_rule``) and ``reason`` (``end_rule``). Part
    6 lets the EV charge <Configured Transaction Duration> before a driver's stop."""
    if method == "local":
        duration = dut.profile.harness.transaction_duration
        if duration > 0:
            csms.hold_for(duration, "Part 6 <Configured Transaction Duration>: the EV charges")
        csms.step(1, "The driver presents the token again: TransactionEvent Ended")
        dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
        trigger = "StopAuthorized"
    else:
        csms.step("1-2", "RequestStopTransaction for the running transaction: Accepted")
        csms.call("RequestStopTransaction", transactionId=tx.transaction_id).expect(
            rule=end_rule, status="Accepted"
        )
        csms.step("3-4", "TransactionEvent Ended, RemoteStop, stoppedReason Remote")
        trigger = "RemoteStop"
    tx.stop, tx.energy = method, False
    tx_states.transaction_event(
        csms,
        tx,
        rule=end_rule,
        trigger=trigger,
        trigger_rule=trigger_rule,
        eventType="Ended",
        transactionInfo={"stoppedReason": reason},
    )


@testcase(
    "TC_E_15_CS",
    "Stop transaction options - StopAuthorized - Local",
    table=151,
    requirements=["E06.FR.03", "E06.FR.15"],
    catches={"tx-stop-trigger-wrong": "E06.FR.15"},
)
def test_tc_e_15_cs(csms, dut):
    tx = charging_until_stop(csms, dut, "Authorized")
    _stopped(csms, dut, tx, "local", end_rule="E06.FR.03", trigger_rule="E06.FR.15", reason="Local")


@testcase(
    "TC_E_21_CS",
    "Stop transaction options - StopAuthorized - Remote",
    table=152,
    requirements=["E06.FR.03", "E06.FR.15", "F03.FR.09"],
    catches={"tx-remote-stop-reason-local": "E06.FR.03"},
)
def test_tc_e_21_cs(csms, dut):
    tx = charging_until_stop(csms, dut, "Authorized")
    _stopped(
        csms, dut, tx, "remote", end_rule="E06.FR.03", trigger_rule="F03.FR.09", reason="Remote"
    )


@testcase(
    "TC_E_07_CS",
    "Stop transaction options - PowerPathClosed - Local stop",
    table=143,
    requirements=["E06.FR.06", "E06.FR.15"],
    catches={"tx-stop-trigger-wrong": "E06.FR.15"},
)
def test_tc_e_07_cs(csms, dut):
    tx = charging_until_stop(csms, dut, "PowerPathClosed")
    # Step 1 is state StopAuthorized (local): its stoppedReason is Local or none.
    _stopped(
        csms,
        dut,
        tx,
        "local",
        end_rule="E06.FR.06",
        trigger_rule="E06.FR.15",
        reason=absent_or("Local"),
    )


@testcase(
    "TC_E_35_CS",
    "Stop transaction options - PowerPathClosed - Remote stop",
    table=144,
    requirements=["E06.FR.06", "E06.FR.15"],
    catches={"tx-remote-stop-reason-local": "E06.FR.06"},
)
def test_tc_e_35_cs(csms, dut):
    tx = charging_until_stop(csms, dut, "PowerPathClosed")
    _stopped(
        csms, dut, tx, "remote", end_rule="E06.FR.06", trigger_rule="E06.FR.15", reason="Remote"
    )


@testcase(
    "TC_E_08_CS",
    "Stop transaction options - EnergyTransfer stopped - StopAuthorized",
    table=146,
    requirements=["E06.FR.07", "E06.FR.15"],
    catches={"tx-stop-trigger-wrong": "E07.FR.02"},
)
def test_tc_e_08_cs(csms, dut):
    tx = charging_until_stop(csms, dut, "EnergyTransfer")
    csms.step(1, "State StopAuthorized: the energy stops, and that ends the transaction")
    tx_states.stop_authorized(csms, dut, tx)
    if not tx.ended:
        # The stop's event left the transaction running: the end of the energy must
        # end it (E06.FR.07), as a charging-state change of its own.
        tx_states.transaction_event(
            csms,
            tx,
            rule="E06.FR.07",
            trigger="ChargingStateChanged",
            trigger_rule="E06.FR.15",
            eventType="Ended",
        )


@testcase(
    "TC_E_22_CS",
    "Stop transaction options - EnergyTransfer stopped - SuspendedEV",
    table=147,
    requirements=["E06.FR.07", "E06.FR.15"],
    catches={"tx-ev-stop-reason-wrong": "E06.FR.07"},
)
def test_tc_e_22_cs(csms, dut):
    tx = charging_until_stop(csms, dut, "EnergyTransfer")
    dut.act("ev_suspend", evse=tx.evse)
    csms.step("1-2", "The EV suspends: ChargingStateChanged, and the transaction ends")
    event = tx_states.transaction_event(
        csms,
        tx,
        rule="E06.FR.07",
        trigger="ChargingStateChanged",
        trigger_rule="E06.FR.15",
        transactionInfo={"chargingState": one_of("EVConnected", "SuspendedEV")},
    )
    tx.suspended, tx.energy = True, False
    if event["eventType"] == "Ended":
        event.expect(rule="E06.FR.07", transactionInfo={"stoppedReason": "StoppedByEV"})
        return
    # Part 6 takes Updated with SuspendedEV; Part 2 ends the transaction when the
    # energy transfer stops (E06.FR.07).
    event.expect(rule="E06.FR.07", transactionInfo={"chargingState": "SuspendedEV"})
    with csms.beyond_octt("Part 6 accepts Updated with SuspendedEV"):
        event.expect(rule="E06.FR.07", eventType="Ended")


# -- local start and stop (E02, E03, E07) -----------------------------------------------


@testcase(
    "TC_E_03_CS",
    "Local start transaction - Cable plugin first - Success",
    table=137,
    requirements=[
        "E02.FR.01",
        "E02.FR.05",
        "E02.FR.06",
        "E02.FR.07",
        "E02.FR.13",
        "E02.FR.15",
        "E02.FR.16",
        "E02.FR.17",
        "E01.FR.16",
        "C01.FR.02",
        "C02.FR.01",
        "C06.FR.02",
    ],
    catches={
        "tx-no-token-after-authorization": "E02.FR.20",
        "tx-no-charging-state": "E02.FR.13",
        "tx-no-evse-after-plug-in": "E01.FR.16",
    },
)
def test_tc_e_03_cs(csms, dut):
    authorization_by_csms(csms)
    tx = transaction(csms, dut, tx_states.ev_connected_pre_session)
    csms.step(1, "State Authorized (local): the driver presents the token")
    tx_states.authorized(csms, dut, tx)
    csms.step(2, "State EnergyTransferStarted: the EV charges")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_E_04_CS",
    "Local start transaction - Authorization first - Success",
    table=138,
    requirements=[
        "E03.FR.01",
        "E03.FR.06",
        "E03.FR.12",
        "E01.FR.16",
        "C01.FR.02",
        "C02.FR.01",
        "C06.FR.02",
    ],
    catches={
        "tx-no-evse-after-plug-in": "E01.FR.16",
        "tx-no-charging-state": "E02.FR.13",
    },
)
def test_tc_e_04_cs(csms, dut):
    authorization_by_csms(csms)
    tx = transaction(csms, dut, tx_states.parking_bay_occupied)
    csms.step(1, "State Authorized (local): the driver presents the token, no cable yet")
    tx_states.authorized(csms, dut, tx)
    csms.step(2, "State EnergyTransferStarted: the EV is connected and charges")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_E_06_CS",
    "Local Stop Transaction - Accepted",
    table=142,
    requirements=["E07.FR.04", "E06.FR.15", "C01.FR.03"],
    catches={
        "tx-stop-trigger-wrong": "E07.FR.02",
        "no-available-at-unplug": "G01.FR.04",
    },
    warns={"tx-authorize-before-stop": "C01.FR.03"},
)
def test_tc_e_06_cs(csms, dut):
    authorization_by_csms(csms)
    tx = transaction(csms, dut, tx_states.energy_transfer_started)
    csms.step(1, "State StopAuthorized (local): the driver presents the token again")
    tx_states.stop_authorized(csms, dut, tx)
    csms.step(2, "State EVConnectedPostSession")
    tx_states.ev_connected_post_session(csms, dut, tx)
    csms.step(3, "State EVDisconnected: the cable is pulled out")
    tx_states.ev_disconnected(csms, dut, tx)
    csms.step(4, "State ParkingBayUnoccupied")
    tx_states.parking_bay_unoccupied(csms, dut, tx)


# -- offline (E11) -------------------------------------------------------------------------

SAMPLED_DATA = {
    name: Variable("SampledDataCtrlr", name)
    for name in ("TxUpdatedMeasurands", "TxUpdatedInterval", "Enabled")
}
OCPP_COMM = {
    name: Variable("OCPPCommCtrlr", name)
    for name in (
        "OfflineThreshold",
        "RetryBackOffWaitMinimum",
        "RetryBackOffRandomRange",
        "UnlockOnEVSideDisconnect",
    )
}

#: the measurand every station meters (Part 6 <Configured ..._MEASURands>)
_MEASURAND = "Energy.Active.Import.Register"


def _present(value):
    return bool(value)


def _meter_stopped(csms, since):
    """After TC_E_40_CS: no more periodic readings, and those that came after the case's
    steps taken, so that the states that leave the station idle see only their events."""
    set_variable(csms, SAMPLED_DATA["TxUpdatedInterval"], "0")
    for message in csms.received("TransactionEvent", after=since):
        if message.payload.get("triggerReason") == "MeterValuePeriodic" and not message.claimed:
            csms.expect("TransactionEvent", after=message.entry.seq - 1)


@dataclass
class _Offline:
    """A transaction that charges while the harness is away (Tables 159, 163, 165):
    ``since`` is the trace position before the harness takes the station back, ``bound``
    how long the station may take to come back and empty its queue."""

    tx: tx_states.Session
    since: int
    bound: float


def _offline_configuration(csms, dut, *, metering=True, extra=0):
    """Part 6's configuration state of the offline cases: OfflineThreshold 60 s above
    the back-off minimum, no random back-off, and (``metering``) a meter reading every
    interval, below the minimum where it can be. ``extra`` seconds (Table 161's
    <Configured Transaction Duration>) go onto both. The back-off minimum set."""
    wait_minimum = dut.profile.network.retry_backoff_wait_minimum + math.ceil(extra)
    if metering:
        # Part 6 wants the meter interval below the back-off minimum; with a minimum of
        # 1 s (the embedded runs) that cannot be: the cases stay away long enough for
        # the queue to hold a reading all the same.
        configure(csms, SAMPLED_DATA["TxUpdatedMeasurands"], _MEASURAND)
        configure(csms, SAMPLED_DATA["TxUpdatedInterval"], str(_meter_interval(dut)))
        configure_if_implemented(csms, SAMPLED_DATA["Enabled"], "true")
    configure(csms, OCPP_COMM["OfflineThreshold"], str(wait_minimum + 60))
    configure(csms, OCPP_COMM["RetryBackOffWaitMinimum"], str(wait_minimum))
    configure(csms, OCPP_COMM["RetryBackOffRandomRange"], "0")
    return wait_minimum


def _meter_interval(dut):
    return max(1, dut.profile.network.retry_backoff_wait_minimum // 2)


def _return_bound(dut, wait_minimum):
    """How long the station may take to come back and send its queue."""
    return 4 * wait_minimum + dut.profile.tolerances.time_deviation + dut.timeouts.connect


def _charging_offline(csms, dut, case):
    """Configuration state (meter readings), state EnergyTransferStarted, and steps
    1-2: the harness closes the connection, refuses reconnections while it stays away
    (two meter intervals at least), then accepts them again (the reconnection itself is
    the caller's, after its own set-up)."""
    wait_minimum = _offline_configuration(csms, dut)
    # two readings at least stamped clearly (beyond the time deviation) while offline
    deviation = math.ceil(dut.profile.tolerances.time_deviation)
    away = max(wait_minimum, 2 * _meter_interval(dut) + deviation)
    start = csms.mark()
    tx = transaction(csms, dut, tx_states.energy_transfer_started)
    csms.finally_do("the periodic meter readings stopped", _meter_stopped, csms, start)
    csms.step(1, "The harness closes the connection and refuses reconnections")
    csms.go_offline(f"Part 6 {case} step 1: close, and do not accept a reconnect")
    csms.step(2, f"The harness stays away {away} s, then accepts the station again")
    csms.hold_for(away, "Part 6 step 2: the station is offline while it charges")
    since = csms.mark()
    csms.come_online()
    return _Offline(tx, since, _return_bound(dut, wait_minimum))


def _queued_readings(csms, dut, offline):
    """The station empties its queue: each event queued offline is an Updated one with
    meter values, flagged offline (E11.FR.01/.02). An event is of the queue when it is
    flagged, or when its own timestamp is before the reconnection (beyond the time
    deviation), whatever its flag says; the queue ends at the first event stamped after
    that and not flagged, or when nothing more comes."""
    event = csms.expect(
        "TransactionEvent", after=offline.since, timeout=offline.bound, rule="E11.FR.01"
    )
    event.expect(rule="E11.FR.02", offline=True)
    queued = cs_offline.stamped_offline(csms, dut)
    while event.payload.get("offline") is True or queued(event.payload):
        event.expect(rule="E11.FR.02", offline=True)
        event.expect(rule="E11.FR.01", eventType="Updated", meterValue=_present)
        try:
            event = csms.expect(
                "TransactionEvent", after=offline.since, timeout=dut.timeouts.response
            )
        except DutFailure:
            break  # nothing more came: the queue is empty


@testcase(
    "TC_E_40_CS",
    "Offline Behaviour - Connection loss during transaction",
    table=165,
    requirements=["E11.FR.01", "E11.FR.02", "E11.FR.06"],
    catches={
        "offline-flag-missing": "E11.FR.02",
        "offline-flag-first-only": "E11.FR.02",
        "drops-offline-events": "E11.FR.02",
    },
)
def test_tc_e_40_cs(csms, dut):
    offline = _charging_offline(csms, dut, "TC_E_40_CS")
    csms.expect_reconnect(timeout=offline.bound, rule="E11.FR.02")
    csms.step("3-4", "The queue emptied: each event Updated, with meter values, offline true")
    _queued_readings(csms, dut, offline)


def _status_on_return(csms, dut, offline, **request):
    """Step 3-4 of Tables 159 and 163: the moment the station is back, GetTransactionStatus
    (with ``request``). The harness holds its answer to the queued TransactionEvents
    meanwhile, so the station cannot have emptied its queue before it answers."""
    with csms.holding("TransactionEvent"):
        csms.expect_reconnect(timeout=offline.bound, rule="E11.FR.02")
        csms.step("3-4", "At once: GetTransactionStatus, while the queued events wait")
        return csms.call("GetTransactionStatus", **request)


@testcase(
    "TC_E_29_CS",
    "Check Transaction status - Transaction with id ongoing - with message in queue",
    table=159,
    requirements=["E14.FR.02", "E14.FR.04"],
    catches={
        "transaction-status-inverted": "E14.FR.02",
        "transaction-status-queue-ignored": "E14.FR.04",
        "offline-flag-missing": "E11.FR.02",
        "offline-flag-first-only": "E11.FR.02",
    },
)
def test_tc_e_29_cs(csms, dut):
    offline = _charging_offline(csms, dut, "TC_E_29_CS")
    response = _status_on_return(csms, dut, offline, transactionId=offline.tx.transaction_id)
    response.expect(rule="E14.FR.02", ongoingIndicator=True)
    response.expect(rule="E14.FR.04", messagesInQueue=True)
    csms.step("5-6", "The queue emptied: each event Updated, with meter values, offline true")
    _queued_readings(csms, dut, offline)


@testcase(
    "TC_E_33_CS",
    "Check Transaction status - Without transactionId - with message in queue",
    table=163,
    requirements=["E14.FR.06", "E14.FR.07"],
    catches={
        "transaction-status-indicator-without-id": "E14.FR.06",
        "transaction-status-queue-ignored": "E14.FR.07",
        "offline-flag-missing": "E11.FR.02",
        "offline-flag-first-only": "E11.FR.02",
    },
)
def test_tc_e_33_cs(csms, dut):
    offline = _charging_offline(csms, dut, "TC_E_33_CS")
    response = _status_on_return(csms, dut, offline)
    response.expect(rule="E14.FR.06", ongoingIndicator=ABSENT)
    response.expect(rule="E14.FR.07", messagesInQueue=True)
    csms.step("5-6", "The queue emptied: each event Updated, with meter values, offline true")
    _queued_readings(csms, dut, offline)


# -- transactions that end offline (E08, E12; E14 with a queue) ----------------------------

#: Part 5's authorization methods with a token a driver presents (not NoAuthorization)
_TOKEN_METHODS = ("C-30", "C-31", "C-32", "C-33", "C-34")


def _claim_sent_online(csms, after, before):
    """TransactionEvents the station sent between trace positions ``after`` and
    ``before`` (while the harness was still there) that no step took: periodic readings.
    They were delivered online, so the queue the case looks at starts after them."""
    for message in csms.received("TransactionEvent", after=after):
        if message.entry.seq <= before and not message.claimed:
            csms.expect("TransactionEvent", after=message.entry.seq - 1)


def _stopped_offline(csms, dut, tx, *, token=None, local=True):
    """The manual actions of Tables 161, 171 and 172 while the harness is away: the
    driver presents the token that started the transaction (or ``token``, of its
    group) where the station takes one (``local``), else the EV stops taking energy
    (errata 6.2.53, Table 161's remote scenario) and the cable comes out of the EV
    first; then the cable comes out, and the EV drives out of the bay where TxStopPoint
    is ParkingBayOccupancy."""
    if local:
        dut.act("present_token", token=token or tx.token["idToken"], evse=tx.evse)
        tx.stop = "local"
    else:
        dut.act("ev_suspend", evse=tx.evse)
        tx.suspended = True
        if not dut.supports("HFS-2"):
            # no token lets the cable go: it comes out of the EV first, which frees it
            # at the station (UnlockOnEVSideDisconnect true, errata 6.2.53)
            dut.act("ev_side_unplug", evse=tx.evse, connector=tx.connector)
    dut.act("unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = False
    if tx.in_bay and tx.stops_at("ParkingBayOccupancy"):
        dut.act("leave_bay", evse=tx.evse)
        tx.in_bay = False


def _ended_in_queue(csms, dut, tx, *, queued_rule, offline_rule):
    """The station empties its queue up to the Ended event: every event offline true
    (``offline_rule``), none missing (``queued_rule``); the §2.1 rules on each."""
    return cs_offline.deliver_queued(
        csms, dut, tx, sent_rule=queued_rule, offline_rule=offline_rule
    )


def _queued(delivered, after, what, rule, **fields):
    """The first of the ``delivered`` events after the one at index ``after`` that has
    ``fields``, with its index; none there fails ``rule``."""
    for index in range(after + 1, len(delivered)):
        if not differences(fields, delivered[index].payload):
            return index, delivered[index]
    delivered[-1].entry.failing = True
    raise DutFailure(f"no queued TransactionEvent {what}", rule, delivered[-1].entry.raw)


def _stop_states_in_queue(delivered, tx, *, local):
    """Step 3's tool validation (Table 161, errata 6.2.53): the queue holds, in order,
    the events the stop states would have asked for, as the station's TxStopPoint
    makes them due, each with its state's checks (harness.states.cs_transactions):
    StopAuthorized (local scenario) or EnergyTransferSuspended (remote scenario),
    EVConnectedPostSession, EVDisconnected, ParkingBayUnoccupied, until the Ended one."""
    if local:
        at, event = _queued(
            delivered, -1, "says StopAuthorized", "E07.FR.02", triggerReason="StopAuthorized"
        )
        event.expect(rule="E07.FR.02", idToken=absent_or(tx.token))
        tx_states.stop_checks(event, tx, "local")
        state = event.get("transactionInfo", {}).get("chargingState")
        if event["eventType"] != "Ended" and state != "EVConnected":
            at, event = _queued(
                delivered,
                at,
                "reports chargingState EVConnected after the stop",
                "E02.FR.13",
                triggerReason="ChargingStateChanged",
                transactionInfo={"chargingState": "EVConnected"},
            )
    else:
        at, event = _queued(
            delivered,
            -1,
            "reports the EV's suspend (SuspendedEV, or EVConnected)",
            "E01.FR.19",
            triggerReason="ChargingStateChanged",
            transactionInfo={"chargingState": one_of("SuspendedEV", "EVConnected")},
        )
        if event["eventType"] == "Ended":
            event.expect(rule="E06.FR.07", transactionInfo={"stoppedReason": "StoppedByEV"})
    # the states after the stop, each where TxStopPoint makes it due, while it runs
    later = (
        ("DataSigned", "says SignedDataReceived", "E06.FR.05", "SignedDataReceived"),
        (None, "says EVCommunicationLost for the unplug", "E02.FR.13", "EVCommunicationLost"),
        ("ParkingBayOccupancy", "says EVDeparted for the EV leaving", "E06.FR.01", "EVDeparted"),
    )
    for point, what, rule, trigger in later:
        if event["eventType"] == "Ended" or (point is not None and not tx.stops_at(point)):
            continue
        at, event = _queued(delivered, at, what, rule, triggerReason=trigger)
        if trigger == "EVCommunicationLost":
            event.expect(rule="E02.FR.13", transactionInfo={"chargingState": "Idle"})
            tx_states.unplug_checks(event, tx)
        elif trigger == "EVDeparted":
            event.expect(rule="E06.FR.01", eventType="Ended")


#: the TxStopPoint values whose condition the EV of the remote scenario ends, each with
#: the Part 5 feature of its support: the cable out (E06.FR.02/.06), the energy stopped
#: (E06.FR.07). ParkingBayOccupancy is not among them: the EV need not be in the bay.
_ENDED_BY_THE_EV = (
    ("EVConnected", "C-10.1"),
    ("PowerPathClosed", "C-10.3"),
    ("EnergyTransfer", "C-10.4"),
)

STOP_TX_ON_EV_SIDE_DISCONNECT = Variable("TxCtrlr", "StopTxOnEVSideDisconnect")


def _ended_by_the_ev(csms, dut):
    """Table 161's remote scenario ends the transaction from the EV's side (errata
    6.2.53): the EV stops taking energy and the cable comes out; nobody ends the
    authorization. The table's prerequisite rules out only a station that cannot end
    it so; one whose TxStopPoint waits for the authorization alone is set up to: where
    TxStopPoint is configurable (C-52), the first point of those the station supports
    (set back after the case), else StopTxOnEVSideDisconnect true, so that the cable
    leaving the EV ends the authorization (E09.FR.01, C-06.2)."""
    current, _ = get_variable(csms, tx_states.TX_STOP_POINT)
    points = {point.strip() for point in str(current or "").split(",")}
    if points & {point for point, _ in _ENDED_BY_THE_EV}:
        return
    supported = [point for point, feature in _ENDED_BY_THE_EV if dut.supports(feature)]
    if dut.supports("C-52") and supported:
        configure(csms, tx_states.TX_STOP_POINT, supported[0])
    else:
        configure(csms, STOP_TX_ON_EV_SIDE_DISCONNECT, "true")


@testcase(
    "TC_E_31_CS",
    "Check Transaction status - Transaction with id ended - with message in queue",
    table=161,
    requirements=["E14.FR.03", "E14.FR.04"],
    catches={
        "transaction-status-inverted": "E14.FR.03",
        "transaction-status-queue-ignored": "E14.FR.04",
        "offline-flag-missing": "E11.FR.02",
        "tx-stop-trigger-wrong": "E07.FR.02",
        "tx-local-stop-reason-wrong": "E07.FR.05",
    },
)
def test_tc_e_31_cs(csms, dut):
    duration = dut.profile.harness.transaction_duration
    wait_minimum = _offline_configuration(csms, dut, extra=duration)
    # errata 6.2.53: the cable is let go at an EV-side disconnect, where it can be set
    _unlock_on_ev_side_disconnect(csms)
    # Part 6's "scenario local": the driver starts and stops with the token where the
    # station takes one; else a remote start, and the EV ends the transaction
    local = any(dut.supports(method) for method in _TOKEN_METHODS)
    if not local:
        _ended_by_the_ev(csms, dut)
    start = csms.mark()
    tx = transaction(csms, dut)
    if not local:
        tx_states.authorized(csms, dut, tx, method="remote")
    tx_states.energy_transfer_started(csms, dut, tx)
    csms.finally_do("the periodic meter readings stopped", _meter_stopped, csms, start)
    csms.comment("The harness closes the connection and refuses reconnections")
    away = csms.mark()
    csms.go_offline("Part 6 TC_E_31_CS: close, and do not accept a reconnect")
    _stopped_offline(csms, dut, tx, local=local)
    if duration > 0:
        csms.hold_for(duration, "Part 6 <Configured Transaction Duration>, offline")
    csms.come_online()
    with csms.holding("TransactionEvent"):
        csms.expect_reconnect(timeout=_return_bound(dut, wait_minimum), rule="E11.FR.02")
        csms.step("1-2", "At once: GetTransactionStatus for the transaction, while its events wait")
        response = csms.call("GetTransactionStatus", transactionId=tx.transaction_id)
        response.expect(rule="E14.FR.03", ongoingIndicator=False)
        response.expect(rule="E14.FR.04", messagesInQueue=True)
    csms.step("3-4", "The queue emptied: the transaction's events up to Ended, offline true")
    _claim_sent_online(csms, start, away)
    delivered = _ended_in_queue(csms, dut, tx, queued_rule="E11.FR.01", offline_rule="E11.FR.02")
    _stop_states_in_queue(delivered, tx, local=local)


def _unlock_on_ev_side_disconnect(csms):
    """OCPPCommCtrlr.UnlockOnEVSideDisconnect true "if ReadWrite": a station that
    refuses the SetVariables (a ReadOnly value) keeps its own, and the case goes on."""
    variable = OCPP_COMM["UnlockOnEVSideDisconnect"]
    current, _ = get_variable(csms, variable)
    if current == "true":
        return
    response = csms.call(
        "SetVariables", setVariableData=[{**variable.data(), "attributeValue": "true"}]
    )
    result = (response.expect(rule="B05.FR.01").get("setVariableResult") or [{}])[0]
    if result.get("attributeStatus") == "Accepted" and current is not None:
        csms.finally_do(f"{variable} = {current!r}", set_variable, csms, variable, str(current))


@testcase(
    "TC_E_43_CS",
    "Offline Behaviour - Transaction during offline period",
    table=170,
    requirements=["E12.FR.01", "E12.FR.02", "E12.FR.06"],
    catches={"offline-flag-missing": "E12.FR.02", "drops-offline-events": "E12.FR.01"},
)
def test_tc_e_43_cs(csms, dut):
    tx = transaction(csms, dut)
    # Errata 6.2.54: the state is of the Before part; the main scenario is the queue.
    csms.comment("Reusable state TransactionEventsInQueueEnded: a whole transaction offline")
    cs_offline.transaction_events_in_queue_ended(csms, dut, tx)
    csms.step("1-2", "The queue emptied: Started to Ended, every event offline true")
    _ended_in_queue(csms, dut, tx, queued_rule="E12.FR.01", offline_rule="E12.FR.02")


def _stop_offline(csms, dut, tx, case, start, wait_minimum, *, token=None, queued_rule):
    """Steps 1-4 of Tables 171 and 172: the harness goes away; the driver stops the
    transaction with its token (or ``token``, of its group), pulls the cable out and
    leaves; the harness takes the station back, which empties its queue up to the
    Ended event, every event offline true (E08.FR.07). A missing event, the Ended one
    first, breaks ``queued_rule``. ``start``: the trace position before the transaction
    began (what the station sent online from there is not of the queue)."""
    csms.step(1, "The harness closes the connection and refuses reconnections")
    away = csms.mark()
    csms.go_offline(f"Part 6 {case} step 1: close, and do not accept a reconnect")
    _stopped_offline(csms, dut, tx, token=token)
    csms.step(2, "The harness accepts the station again")
    csms.come_online()
    csms.expect_reconnect(timeout=_return_bound(dut, wait_minimum), rule="E08.FR.06")
    csms.step("3-4", "The queue emptied: up to the Ended event of the stop, offline true")
    _claim_sent_online(csms, start, away)
    _ended_in_queue(csms, dut, tx, queued_rule=queued_rule, offline_rule="E08.FR.07")


@testcase(
    "TC_E_44_CS",
    "Offline Behaviour - Stop transaction during offline period",
    table=171,
    requirements=["E08.FR.01", "E08.FR.04", "E08.FR.05", "E08.FR.06", "E08.FR.07", "E08.FR.08"],
    catches={"offline-flag-missing": "E08.FR.07", "drops-offline-events": "E08.FR.05"},
)
def test_tc_e_44_cs(csms, dut):
    wait_minimum = _offline_configuration(csms, dut, metering=False)
    start = csms.mark()
    tx = transaction(csms, dut, tx_states.energy_transfer_started)
    _stop_offline(csms, dut, tx, "TC_E_44_CS", start, wait_minimum, queued_rule="E08.FR.05")


#: the IdTokenEnumType of the groupIdToken the harness gives (a CSMS-side identifier)
_GROUP_TYPE = "Central"


def _in_group(dut):
    """An idTokenInfo that accepts a token as a member of the configured group."""
    group = {"idToken": dut.tokens.group_id, "type": _GROUP_TYPE}
    return {"status": "Accepted", "groupIdToken": group}


def _answers_name_the_group(csms, dut):
    """Every AuthorizeResponse, and every TransactionEventResponse to an event with a
    token, accepts the token as a member of the configured group: the memory states',
    state Authorized's (C09.FR.02), and the events' (which update a cache, C10.FR.05)."""
    csms.will_reply("Authorize", always=True, idTokenInfo=_in_group(dut))
    csms.will_reply(
        "TransactionEvent",
        lambda request: {"idTokenInfo": _in_group(dut)} if "idToken" in request else None,
        always=True,
    )


@testcase(
    "TC_E_45_CS",
    "Offline Behaviour - Stop transaction during offline period - Same GroupId",
    table=172,
    requirements=["E08.FR.02", "E08.FR.04", "E08.FR.05", "E08.FR.06", "E08.FR.07", "E08.FR.08"],
    catches={"offline-group-token-not-stopping": "E08.FR.02", "offline-flag-missing": "E08.FR.07"},
)
def test_tc_e_45_cs(csms, dut):
    wait_minimum = _offline_configuration(csms, dut, metering=False)
    _answers_name_the_group(csms, dut)
    # <Configured valid idtoken fields2> with the group: the profile's token of valid's
    # group, which the station must know locally to stop the transaction offline
    second = {"idToken": dut.tokens.group, "type": dut.tokens.type}
    if dut.supports("C-49"):
        csms.comment("Memory state IdTokenCached for the group's second token")
        cached = tx_states.session(csms, dut)
        cached.token = second
        cs_memory.id_token_cached(csms, dut, cached)
    if dut.supports("local_auth_list"):
        csms.comment("Memory state IdTokenLocalAuthList for the group's second token")
        group = _in_group(dut)["groupIdToken"]
        cs_memory.id_token_local_auth_list(csms, dut, token=second, group=group)
    start = csms.mark()
    csms.comment("States Authorized (the CSMS gives the group) and EnergyTransferStarted")
    tx = transaction(csms, dut, tx_states.authorized, tx_states.energy_transfer_started)
    _stop_offline(
        csms,
        dut,
        tx,
        "TC_E_45_CS",
        start,
        wait_minimum,
        token=second["idToken"],
        queued_rule="E08.FR.02",
    )


# -- DisableRemoteAuthorization (C01, Part 5 C-58) ---------------------------------------


@testcase(
    "TC_E_52_CS",
    "Local start transaction - Authorization first - DisableRemoteAuthorization",
    table=141,
    requirements=["C01.FR.02", "C01.FR.05"],
    catches={
        "remote-authorization-not-disabled": "C01.FR.02",
        "no-authorize-for-unknown-token": "C01.FR.01",
    },
)
def test_tc_e_52_cs(csms, dut):
    configure_if_implemented(csms, AUTH_ENABLED, "true")
    configure(csms, DISABLE_REMOTE_AUTHORIZATION, "true")
    # Memory state: neither the cache nor the list knows a configured valid token
    if dut.supports("C-49"):
        csms.call("ClearCache")  # a preparation: whatever it answers
    if dut.supports("local_auth_list"):
        cs_memory.local_list_emptied(csms)
    tx = transaction(csms, dut)
    mark = csms.mark()
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    csms.step(1, "No AuthorizeRequest for the token, and no authorization")
    csms.hold_for(dut.timeouts.response, "a station that asks the CSMS asks at once")
    for request in csms.received("Authorize", after=mark):
        request.entry.failing = True
        raise DutFailure(
            "the station sent an AuthorizeRequest with DisableRemoteAuthorization true, "
            "which leaves it the local stores only",
            "C01.FR.02",
            request.entry.raw,
        )
    _not_authorized(csms, tx, mark, "")
    # Errata 6.2.48: where TxStartPoint is not Authorized nothing shows yet whether the
    # token was taken; the EV is connected, and it must not be given energy.
    plugged = csms.mark()
    csms.step(2, "Reusable state EVConnectedPreSession: the EV is connected")
    tx_states.ev_connected_pre_session(csms, dut, tx)
    csms.step(3, "The station does not start charging")
    csms.hold_for(dut.timeouts.response, "a station that took the token charges at once")
    _not_authorized(csms, tx, plugged, " once the EV was connected")


def _not_authorized(csms, tx, after, when):
    """No TransactionEvent since trace position ``after`` authorizes the session's
    token (it carries it, or says Authorized) or reports the EV charging: a token no
    local store knows, with the CSMS not to be asked, gives no energy (C01.FR.01)."""
    for event in csms.received("TransactionEvent", after=after):
        state = event.get("transactionInfo", {}).get("chargingState")
        if state == "Charging":
            what = "lets the EV charge"
        elif event.get("idToken") == tx.token or event.get("triggerReason") == "Authorized":
            what = "authorized the token"
        else:
            continue
        event.entry.failing = True
        raise DutFailure(
            f"the station {what}{when} (frame {event.entry.seq}), though neither its cache "
            "nor its list knows the token and it may not ask the CSMS",
            "C01.FR.01",
            event.entry.raw,
        )


# -- retries of transaction messages (E13) ------------------------------------------------

MESSAGE_ATTEMPTS = Variable("OCPPCommCtrlr", "MessageAttempts", instance="TransactionEvent")
MESSAGE_ATTEMPT_INTERVAL = Variable(
    "OCPPCommCtrlr", "MessageAttemptInterval", instance="TransactionEvent"
)
MESSAGE_TIMEOUT = Variable("OCPPCommCtrlr", "MessageTimeout", instance="Default")


class _FailingEvent:
    """The harness's answers to step 5's TransactionEvent (the one that reports the
    energy transfer, after the optional SignedDataReceived and SuspendedEVSE ones):
    ``failure`` (a CALLERROR, or no answer at all) to each transmission but the
    ``answered``-th (None: all); every other TransactionEvent gets the usual answer."""

    def __init__(self, answered, failure):
        self.answered = answered
        self.failure = failure
        self.seq_no = None
        self.sent = 0

    def __call__(self, request):
        if self.seq_no is None:
            if request.get("transactionInfo", {}).get("chargingState") != "Charging":
                return None
            self.seq_no = request.get("seqNo")
        if request.get("seqNo") != self.seq_no:
            return None
        self.sent += 1
        if self.sent == self.answered:
            return None
        return self.failure


def _transmissions(csms, dut, tx, *, attempts, answered, resent_rule, silent=False):
    """Step 5 (and 6) of Tables 166-169: with MessageAttempts of TransactionEvent set to
    ``attempts`` (Part 6 <Configured message Attempts transaction event>: the least each
    table allows) and MessageAttemptInterval to the profile's (its <... interval>), the
    TransactionEvent is sent ``answered`` (or, for None, ``attempts``) times, each retry
    the interval times the transmissions so far after the failure (E13.FR.02/.03): after
    a CALLERROR, or, when the harness stays ``silent``, after the station's
    MessageTimeout ran out on it. Then one more such iteration passes without another
    transmission (``resent_rule``)."""
    interval = dut.profile.network.tx_message_attempt_interval
    configure(csms, MESSAGE_ATTEMPTS, str(attempts))
    configure(csms, MESSAGE_ATTEMPT_INTERVAL, str(interval))
    # Part 6 adds OCPPCommCtrlr.MessageTimeout to each interval when nothing answers
    timeout = int(get_variable(csms, MESSAGE_TIMEOUT)[0]) if silent else 0
    if silent:
        failure = no_reply()
        failed = f"not answered within the MessageTimeout of {timeout} s"
    else:
        failure = error_reply("InternalError", "Part 6 E13: the tool fails this message")
        failed = "answered with a CALLERROR"
    csms.will_reply("TransactionEvent", _FailingEvent(answered, failure), always=True)
    mark = csms.mark()
    tx_states.authorized(csms, dut, tx)
    tx_states.ev_connected_pre_session(csms, dut, tx)
    deviation = dut.profile.tolerances.time_deviation
    expected = answered or attempts
    csms.step(5, f"The TransactionEvent of the energy transfer, sent {expected} times")
    first = tx_states.next_event(csms, rule="E13.FR.02", after=mark)
    first.expect(rule="E13.FR.02", transactionInfo={"chargingState": "Charging"})
    tx.energy, tx.charging_state = True, "Charging"
    last = first
    for sent in range(1, expected):
        wait = interval * sent + timeout
        # a metering station's readings may come between two transmissions
        again = tx_states.next_event(
            csms,
            rule="E13.FR.02",
            timeout=wait + deviation + dut.timeouts.response,
            after=last.entry.seq,
        )
        again.expect(rule="E13.FR.02", seqNo=first["seqNo"])
        gap = again.entry.t - last.entry.t
        if gap < wait - deviation:
            again.entry.failing = True
            raise DutFailure(
                f"transmission {sent + 1} came {gap:.2f} s after the one before, which was "
                f"{failed}; MessageAttemptInterval {interval} s times {sent} asks "
                f"{wait - timeout} s after the failure",
                "E13.FR.03",
                again.entry.raw,
            )
        last = again
    more = interval * expected + timeout
    csms.hold_for(more + deviation, "Part 6: one more iteration, in which nothing is resent")
    for message in csms.received("TransactionEvent", after=last.entry.seq):
        if message["seqNo"] == first["seqNo"]:
            message.entry.failing = True
            raise DutFailure(
                f"the TransactionEvent was sent again after {expected} transmissions",
                resent_rule,
                message.entry.raw,
            )


@testcase(
    "TC_E_41_CS",
    "Retry sending transaction message when failed - Max retry count reached",
    table=166,
    requirements=["E13.FR.01", "E13.FR.02", "E13.FR.03", "E13.FR.04"],
    catches={
        "tx-event-not-retried": "E13.FR.02",
        "tx-event-timeout-not-retried": "E13.FR.02",
        "tx-event-retried-at-once": "E13.FR.03",
    },
)
def test_tc_e_41_cs(csms, dut):
    tx = transaction(csms, dut)
    _transmissions(csms, dut, tx, attempts=2, answered=None, resent_rule="E13.FR.04", silent=True)


@testcase(
    "TC_E_42_CS",
    "Retry sending transaction message when failed - Success before reaching the max retry count",
    table=168,
    requirements=["E13.FR.01", "E13.FR.02", "E13.FR.03"],
    catches={
        "tx-event-not-retried": "E13.FR.02",
        "tx-event-timeout-not-retried": "E13.FR.02",
        "tx-event-retried-at-once": "E13.FR.03",
    },
)
def test_tc_e_42_cs(csms, dut):
    tx = transaction(csms, dut)
    _transmissions(csms, dut, tx, attempts=3, answered=2, resent_rule="E13.FR.02", silent=True)


@testcase(
    "TC_E_50_CS",
    "Retry sending transaction message when failed - Max retry count reached - CallError",
    table=167,
    requirements=["E13.FR.01", "E13.FR.02", "E13.FR.03", "E13.FR.04"],
    catches={"tx-event-not-retried": "E13.FR.02", "tx-event-retried-at-once": "E13.FR.03"},
)
def test_tc_e_50_cs(csms, dut):
    tx = transaction(csms, dut)
    _transmissions(csms, dut, tx, attempts=2, answered=None, resent_rule="E13.FR.04")


@testcase(
    "TC_E_51_CS",
    "Retry sending transaction message when failed - Success before reaching the max "
    "retry count - CallError",
    table=169,
    requirements=["E13.FR.01", "E13.FR.02", "E13.FR.03"],
    catches={"tx-event-not-retried": "E13.FR.02", "tx-event-retried-at-once": "E13.FR.03"},
)
def test_tc_e_51_cs(csms, dut):
    tx = transaction(csms, dut)
    _transmissions(csms, dut, tx, attempts=3, answered=2, resent_rule="E13.FR.02")
