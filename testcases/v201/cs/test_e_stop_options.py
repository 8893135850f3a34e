"""Block E, Transactions — stop options and disconnects at the EV side, OCPP 2.0.1; the
DUT is a charging station (harness = CSMS).

The cases where a transaction ends (or goes on) because the cable, the parking bay or
the CSMS's answer about the token says so (E06 scenarios 1-3 and 5), and the EV-side
disconnects of E09 (StopTxOnEVSideDisconnect true: the authorization ends) and E10
(false: the transaction is suspended); beside them two start cases that need the same
simulated EV: the DataSigned start point and an EV not ready to charge. Each follows its
Part 6 table (Edition 3 with the errata to 2025-09); the numbered steps are the
``csms.step(...)`` calls. The set-up of the stop point and the transaction states are
shared with the other E cases (:mod:`harness.steps.transactions`,
:mod:`harness.states.cs_transactions`).
"""

from harness import HarnessError, testcase
from harness.matching import ANY, absent_or, has_item, one_of
from harness.states import cs_memory as memory
from harness.states import cs_offline as offline
from harness.states import cs_transactions as tx_states
from harness.steps.device_model import Variable, configure
from harness.steps.transactions import (
    EV_CONNECTION_TIMEOUT,
    authorization_by_csms,
    check_connection_timeout_waited,
    check_stop_point,
    start_at,
    stop_at,
    transaction,
)

BLOCK = "E Transactions"

STOP_TX_ON_INVALID_ID = Variable("TxCtrlr", "StopTxOnInvalidId")


def _driver_stop_reason(tx, *also):
    """The stoppedReason Part 6 takes for a transaction that outlived the driver's stop:
    Remote after a RequestStopTransaction, else Local or none (§2.1's rule for a local
    StopAuthorized; Table 153 writes Local alone); where a table allows it, one of
    ``also`` either way (Table 148 with errata 6.2.51: EVDisconnected after a remote
    stop too)."""
    if tx.stop == "remote":
        return one_of("Remote", *also) if also else "Remote"
    return absent_or(one_of("Local", *also))


@testcase(
    "TC_E_14_CS",
    "Stop transaction options - EVDisconnected - Charging Station side",
    table=148,
    requirements=["E06.FR.02", "E06.FR.15"],
    catches={
        "tx-not-ended-at-unplug": "E06.FR.02",
        "tx-disconnect-trigger-wrong": "E06.FR.15",
        "no-available-at-unplug": "G01.FR.04",
    },
)
def test_tc_e_14_cs(csms, dut):
    stop_at(csms, dut, "EVConnected")
    tx = transaction(csms, dut)
    check_stop_point(tx, "EVConnected")
    tx_states.ev_connected_post_session(csms, dut, tx)
    dut.act("unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = False
    csms.step("1-2", "The cable is pulled out at the station: the connector Available")
    csms.expect_connectors("Available", only=[(tx.evse, tx.connector)], rule="G01.FR.04")
    csms.step("3-4", "TransactionEvent Ended, EVCommunicationLost, Idle")
    tx_states.transaction_event(
        csms,
        tx,
        rule="E06.FR.02",
        trigger="EVCommunicationLost",
        trigger_rule="E06.FR.15",
        eventType="Ended",
        transactionInfo={
            "chargingState": "Idle",
            "stoppedReason": _driver_stop_reason(tx, "EVDisconnected"),
        },
    )
    tx.disconnected = True


@testcase(
    "TC_E_19_CS",
    "Stop transaction options - ParkingBayUnoccupied",
    table=153,
    requirements=["E06.FR.01", "E06.FR.15"],
    catches={
        "tx-not-ended-at-departure": "E06.FR.01",
        "tx-departure-trigger-wrong": "E06.FR.15",
    },
)
def test_tc_e_19_cs(csms, dut):
    stop_at(csms, dut, "ParkingBayOccupancy")
    tx = transaction(csms, dut, tx_states.parking_bay_occupied)
    check_stop_point(tx, "ParkingBayOccupancy")
    if not tx.in_bay:
        # ParkingBayOccupied is optional in §2.18 and only run where the bay starts the
        # transaction; here the departure must end it, so the EV is in the bay first.
        dut.act("park", evse=tx.evse)
        tx.in_bay = True
    tx_states.ev_disconnected(csms, dut, tx)
    dut.act("leave_bay", evse=tx.evse)
    tx.in_bay = False
    csms.step("1-2", "The EV drives out of the bay: TransactionEvent Ended, EVDeparted")
    event = tx_states.transaction_event(
        csms,
        tx,
        rule="E06.FR.01",
        trigger="EVDeparted",
        trigger_rule="E06.FR.15",
        eventType="Ended",
    )
    event.expect(rule="E06.FR.08", transactionInfo={"stoppedReason": _driver_stop_reason(tx)})


def _answer_token_invalid(csms):
    """Part 6 Table 134 step 2: a TransactionEvent that carries the idToken is answered
    with idTokenInfo status Invalid; the others with the default answer."""
    csms.will_reply(
        "TransactionEvent",
        lambda request: {"idTokenInfo": {"status": "Invalid"}} if "idToken" in request else {},
        always=True,
    )


@testcase(
    "TC_E_16_CS",
    "Stop transaction options - Deauthorized - Invalid idToken",
    table=134,
    requirements=["E06.FR.04", "E06.FR.15", "C15.FR.04"],
    catches={
        "keeps-charging-on-refused-token": "E06.FR.04",
        "offline-flag-missing": "E04.FR.03",
    },
)
def test_tc_e_16_cs(csms, dut):
    point = "Authorized" if dut.supports("C-10.2") else "PowerPathClosed"
    stop_at(csms, dut, point)
    authorization_by_csms(csms)
    configure(csms, STOP_TX_ON_INVALID_ID, "true")
    if dut.supports("C-49"):
        csms.comment("Memory state IdTokenCached for the valid token (a cache is implemented)")
        memory.id_token_cached(csms, dut)
    if dut.supports("profile:local-auth-list"):
        csms.comment("Memory state IdTokenLocalAuthList (a local list is implemented)")
        memory.id_token_local_auth_list(csms, dut)
    tx = transaction(csms, dut)
    check_stop_point(tx, "Authorized", "PowerPathClosed")
    _answer_token_invalid(csms)
    csms.comment("Reusable state StartOfflineTransaction")
    offline.start_offline_transaction(csms, dut, tx)
    csms.step("1-2", "The queue emptied, each event offline; the token's answered Invalid")
    offline.deliver_queued(csms, dut, tx, until="Charging", offline_rule="E04.FR.03")
    # Step 1's flag holds for the whole queue: a station metering the transaction queued
    # readings after the Charging event too, which come before the deauthorization.
    csms.step("3-4", "The station deauthorizes: Ended, Deauthorized, stoppedReason DeAuthorized")
    offline.after_queue(
        csms,
        dut,
        tx,
        rule="E06.FR.04",
        trigger="Deauthorized",
        trigger_rule="E06.FR.15",
        offline_rule="E04.FR.03",
        eventType="Ended",
        transactionInfo={"stoppedReason": "DeAuthorized"},
    )
    tx.stop, tx.energy, tx.post_session = "local", False, True


# -- disconnects at the EV side (E06, E09, E10) ---------------------------------------------

STOP_TX_ON_EV_SIDE_DISCONNECT = Variable("TxCtrlr", "StopTxOnEVSideDisconnect")
UNLOCK_ON_EV_SIDE_DISCONNECT = Variable("OCPPCommCtrlr", "UnlockOnEVSideDisconnect")


def _keeps_authorization_if_writable(csms, dut):
    """Part 6 "StopTxOnEVSideDisconnect is false (If mutability is ReadWrite)": a
    station that can keep the authorization (Part 5 C-06.1) has it false; one that only
    ends it (C-06.2 alone, ReadOnly true) keeps its value."""
    if dut.supports("C-06.1"):
        configure(csms, STOP_TX_ON_EV_SIDE_DISCONNECT, "false")


def _ev_side_unplug(csms, dut, tx):
    """Manual action "Disconnect the EV and EVSE on EV side": the cable comes out of the
    EV; a detachable one stays in the station's socket (its connector still Occupied),
    a fixed one leaves the connector free."""
    dut.act("ev_side_unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = not dut.supports("HFS-2")  # the station's end of the cable is in
    tx.energy = tx.suspended = False


def _lost_ev(csms, tx, rule, **fields):
    """Step 1 of the EV-side cases: TransactionEvent EVCommunicationLost (E06.FR.15) with
    state Idle, and ``fields`` (under ``rule``)."""
    info = {"chargingState": "Idle", **fields.pop("transactionInfo", {})}
    return tx_states.transaction_event(
        csms,
        tx,
        rule=rule,
        trigger="EVCommunicationLost",
        trigger_rule="E06.FR.15",
        transactionInfo=info,
        **fields,
    )


def _ev_disconnect_ends(csms, dut, point, reasons, rule):
    """Tables 145, 149, 150: TxStopPoint ``point``, StopTxOnEVSideDisconnect false where
    it can be, state EnergyTransferSuspended; the cable out at the EV ends the
    transaction (``rule``): Ended, EVCommunicationLost, Idle, a stoppedReason of
    ``reasons``."""
    stop_at(csms, dut, point)
    _keeps_authorization_if_writable(csms, dut)
    tx = transaction(csms, dut)
    check_stop_point(tx, point)
    tx_states.energy_transfer_suspended(csms, dut, tx)
    _ev_side_unplug(csms, dut, tx)
    csms.step("1-2", "The cable out at the EV: Ended, EVCommunicationLost, Idle")
    _lost_ev(csms, tx, rule, eventType="Ended")
    tx.events[-1].expect(rule="E06.FR.08", transactionInfo={"stoppedReason": one_of(*reasons)})
    tx.stop = "local"  # over: nothing is left to stop (the post-condition unplugs)


@testcase(
    "TC_E_20_CS",
    "Stop transaction options - EVDisconnected - EV side (able to charge IEC 61851-1 EV)",
    table=149,
    requirements=["E06.FR.02", "E06.FR.15"],
    catches={
        "tx-not-ended-at-unplug": "E06.FR.02",
        "tx-disconnect-trigger-wrong": "E06.FR.15",
        "tx-ev-disconnect-reason-other": "E06.FR.08",
    },
)
def test_tc_e_20_cs(csms, dut):
    _ev_disconnect_ends(csms, dut, "EVConnected", ["EVDisconnected"], "E06.FR.02")


@testcase(
    "TC_E_54_CS",
    "Stop transaction options - EVDisconnected - EV side (not able to charge IEC 61851-1 EV)",
    table=150,
    requirements=["E06.FR.02", "E06.FR.15"],
    catches={
        "tx-not-ended-at-unplug": "E06.FR.02",
        "tx-disconnect-trigger-wrong": "E06.FR.15",
    },
)
def test_tc_e_54_cs(csms, dut):
    _ev_disconnect_ends(csms, dut, "EVConnected", ["StoppedByEV", "EVDisconnected"], "E06.FR.02")


@testcase(
    "TC_E_37_CS",
    "Stop transaction options - PowerPathClosed - EV side disconnect",
    table=145,
    requirements=["E06.FR.06", "E06.FR.15"],
    catches={
        "tx-not-ended-at-unplug": "E06.FR.06",
        "tx-disconnect-trigger-wrong": "E06.FR.15",
        "tx-ev-disconnect-reason-other": "E06.FR.08",
    },
)
def test_tc_e_37_cs(csms, dut):
    _ev_disconnect_ends(
        csms, dut, "PowerPathClosed", ["StoppedByEV", "EVDisconnected"], "E06.FR.06"
    )


def _cable_out_at_station(csms, dut, tx, rule, *, token=False):
    """The manual actions after an EV-side disconnect of a detachable cable: the driver
    presents the token that started the transaction, when ``token`` (the cable stays
    locked until then), and pulls the cable out at the station; steps 3-4: the connector
    reported Available (``rule``). A fixed cable has nothing left to pull out: its
    connector was freed when the cable left the EV."""
    if dut.supports("HFS-2"):
        csms.step("3-4", "The fixed cable out of the EV: the connector Available")
        csms.expect_connectors("Available", only=[(tx.evse, tx.connector)], rule="G01.FR.04")
        tx.disconnected = True
        return
    if token:
        dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    dut.act("unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = False
    csms.step("3-4", "The cable out at the station too: the connector Available")
    csms.expect_connectors("Available", only=[(tx.evse, tx.connector)], rule=rule)
    tx.disconnected = True


@testcase(
    "TC_E_17_CS",
    "Stop transaction options - Deauthorized - EV side disconnect",
    table=135,
    requirements=["E06.FR.04", "E06.FR.15"],
    catches={
        "ev-side-disconnect-keeps-authorization": "E06.FR.04",
        "tx-ev-disconnect-reason-other": "E06.FR.08",
        "cable-not-released-by-token": "E09.FR.03",
    },
)
def test_tc_e_17_cs(csms, dut):
    point = "Authorized" if dut.supports("C-10.2") else "PowerPathClosed"
    stop_at(csms, dut, point)
    configure(csms, STOP_TX_ON_EV_SIDE_DISCONNECT, "true")
    configure(csms, UNLOCK_ON_EV_SIDE_DISCONNECT, "false")
    authorization_by_csms(csms)
    tx = transaction(csms, dut)
    check_stop_point(tx, "Authorized", "PowerPathClosed")
    # Our copy of Table 135 shows no reusable state; the EV charges when it is lost.
    tx_states.energy_transfer_started(csms, dut, tx)
    _ev_side_unplug(csms, dut, tx)
    csms.step("1-2", "The cable out at the EV ends the authorization: Ended, EVDisconnected")
    event = _lost_ev(csms, tx, "E06.FR.04", eventType="Ended")
    event.expect(rule="E06.FR.08", transactionInfo={"stoppedReason": "EVDisconnected"})
    tx.stop = "local"
    _cable_out_at_station(csms, dut, tx, "E09.FR.03", token=True)


def _ev_side_deauthorized(csms, dut, *, unlock):
    """Tables 154, 155: StopTxOnEVSideDisconnect true, UnlockOnEVSideDisconnect
    ``unlock``, state EnergyTransferSuspended; the cable out at the EV: an event
    EVCommunicationLost, Idle, which ends the transaction where TxStopPoint holds
    Authorized or PowerPathClosed (the authorization is over, E09.FR.01)."""
    configure(csms, STOP_TX_ON_EV_SIDE_DISCONNECT, "true")
    configure(csms, UNLOCK_ON_EV_SIDE_DISCONNECT, "true" if unlock else "false")
    tx = transaction(csms, dut, tx_states.energy_transfer_suspended)
    _ev_side_unplug(csms, dut, tx)
    csms.step("1-2", "The cable out at the EV: EVCommunicationLost, Idle")
    event = _lost_ev(csms, tx, "E09.FR.01")
    if tx.stops_at("Authorized", "PowerPathClosed", "EVConnected"):
        with csms.beyond_octt("Part 6 does not look at the eventType of step 1"):
            event.expect(rule="E09.FR.01", eventType="Ended")
    tx.stop = "local"
    return tx


@testcase(
    "TC_E_24_CS",
    "Disconnect cable on EV-side - Deauthorize transaction - UnlockEVSideDisconnect is true",
    table=154,
    requirements=["E09.FR.01", "E09.FR.02", "E09.FR.04"],
    catches={"cable-kept-locked": "E09.FR.02"},
    warns={"ev-side-disconnect-keeps-authorization": "E09.FR.01"},
)
def test_tc_e_24_cs(csms, dut):
    tx = _ev_side_deauthorized(csms, dut, unlock=True)
    _cable_out_at_station(csms, dut, tx, "E09.FR.02")


@testcase(
    "TC_E_25_CS",
    "Disconnect cable on EV-side - Deauthorize transaction - UnlockOnEVSideDisconnect is false",
    table=155,
    requirements=["E09.FR.01", "E09.FR.03", "E09.FR.04"],
    catches={"cable-not-released-by-token": "E09.FR.03"},
    warns={"ev-side-disconnect-keeps-authorization": "E09.FR.01"},
)
def test_tc_e_25_cs(csms, dut):
    tx = _ev_side_deauthorized(csms, dut, unlock=False)
    _cable_out_at_station(csms, dut, tx, "E09.FR.03", token=True)


def _charging_updated(csms, tx, rule, trigger_rule):
    """The energy flows in the running transaction: Updated, ChargingStateChanged
    (``trigger_rule``), chargingState Charging (``rule``)."""
    tx_states.transaction_event(
        csms,
        tx,
        rule=rule,
        trigger="ChargingStateChanged",
        trigger_rule=trigger_rule,
        eventType="Updated",
        transactionInfo={"chargingState": "Charging"},
    )
    tx.energy = True


def _suspended_by_ev_side(csms, dut):
    """Tables 156, 157: TxStopPoint Authorized (or, where the station lacks it,
    ParkingBayOccupancy), StopTxOnEVSideDisconnect and UnlockOnEVSideDisconnect false,
    state EnergyTransferSuspended; the cable out at the EV suspends the transaction:
    Updated, EVCommunicationLost, Idle (E10.FR.01), and a fixed cable's connector is
    Available. Returns the session and the trace time just before the unplug."""
    point = "Authorized" if dut.supports("C-10.2") else "ParkingBayOccupancy"
    stop_at(csms, dut, point)
    configure(csms, UNLOCK_ON_EV_SIDE_DISCONNECT, "false")
    configure(csms, STOP_TX_ON_EV_SIDE_DISCONNECT, "false")
    tx = transaction(csms, dut)
    check_stop_point(tx, "Authorized", "ParkingBayOccupancy")
    if tx.stops_at("ParkingBayOccupancy") and not tx.in_bay:
        dut.act("park", evse=tx.evse)  # the bay must hold the EV for the stop point
        tx.in_bay = True
    tx_states.energy_transfer_suspended(csms, dut, tx)
    unplugged = csms.clock()
    _ev_side_unplug(csms, dut, tx)
    csms.step("1-2", "The cable out at the EV: Updated, EVCommunicationLost, Idle")
    _lost_ev(csms, tx, "E10.FR.01", eventType="Updated")
    if dut.supports("HFS-2"):
        csms.step("3-4", "The fixed cable's connector reported Available")
        csms.expect_connectors("Available", only=[(tx.evse, tx.connector)], rule="G01.FR.04")
    return tx, unplugged


@testcase(
    "TC_E_26_CS",
    "Disconnect cable on EV-side - Suspend transaction",
    table=156,
    requirements=["E10.FR.01", "E10.FR.03"],
    catches={
        "ev-side-disconnect-deauthorizes": "E10.FR.01",
        "tx-disconnect-trigger-wrong": "E06.FR.15",
    },
)
def test_tc_e_26_cs(csms, dut):
    # The table's Before is unreadable in our copy of Part 6; its twin Table 157 and
    # the CSMS case (TC_E_26_CSMS) start from EnergyTransferSuspended.
    tx, _ = _suspended_by_ev_side(csms, dut)
    dut.act("ev_side_plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected, tx.evse_due = True, True
    csms.step("5-6", "The cable back in the EV: Updated, CablePluggedIn, EVConnected")
    tx_states.transaction_event(
        csms,
        tx,
        rule="E10.FR.01",
        trigger="CablePluggedIn",
        trigger_rule="E06.FR.15",
        eventType="Updated",
        transactionInfo={"chargingState": "EVConnected"},
    )
    csms.step("7-8", "The energy flows again: Updated, ChargingStateChanged, Charging")
    _charging_updated(csms, tx, "E10.FR.01", "E06.FR.15")


@testcase(
    "TC_E_27_CS",
    "Disconnect cable on EV-side - Suspend transaction - Fixed cable connection timeout",
    table=157,
    requirements=["E10.FR.02", "E10.FR.03"],
    catches={
        "fixed-cable-no-timeout": "E10.FR.02",
        "fixed-cable-timeout-at-once": "E10.FR.02",
        "ev-side-disconnect-deauthorizes": "E10.FR.01",
    },
)
def test_tc_e_27_cs(csms, dut):
    timeout = dut.timers.ev_connection_timeout
    configure(csms, EV_CONNECTION_TIMEOUT, str(timeout))
    tx, unplugged = _suspended_by_ev_side(csms, dut)
    # Errata 6.2.52 takes out the reconnection of the EV Part 6 printed before step 5:
    # the cable stays out until the timeout.
    deviation = dut.profile.tolerances.time_deviation
    wait = timeout + deviation + dut.timeouts.response
    csms.step("5-6", f"The cable not back within {timeout} s: EVConnectTimeout")
    in_bay_only = not tx.stops_at("Authorized")
    event = tx_states.transaction_event(
        csms,
        tx,
        rule="E10.FR.02",
        trigger="EVConnectTimeout",
        trigger_rule="E06.FR.15",
        timeout=wait,
        eventType="Updated" if in_bay_only else "Ended",
    )
    if not in_bay_only:
        event.expect(rule="E10.FR.02", transactionInfo={"stoppedReason": "Timeout"})
    # The timeout runs from the unplug: an event much earlier did not wait for it.
    check_connection_timeout_waited(
        event, unplugged, timeout, deviation, what="the cable left the EV", rule="E10.FR.02"
    )
    tx.authorized, tx.stop = None, "local"


# -- the DataSigned start point (E01 scenario 4) --------------------------------------------

SIGN_READINGS = Variable("SampledDataCtrlr", "SignReadings")

#: the fields of a signed sampled value Part 6 Table 132 wants there (publicKey may be
#: empty: PublicKeyWithSignedMeterValue decides whether the key goes with it)
_SIGNED = {
    "signedMeterValue": {
        "signedMeterData": ANY,
        "signingMethod": ANY,
        "encodingMethod": ANY,
        "publicKey": ANY,
    }
}


@testcase(
    "TC_E_11_CS",
    "Start transaction options - DataSigned",
    table=132,
    requirements=["E01.FR.04", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
    catches={
        "tx-first-event-updated": "E01.FR.04",
        "tx-no-token-after-authorization": "E01.FR.10",
        "tx-no-evse-after-plug-in": "E01.FR.16",
        "tx-readings-unsigned": "J02.FR.21",
    },
)
def test_tc_e_11_cs(csms, dut):
    configure(csms, SIGN_READINGS, "true")
    tx = start_at(csms, dut, "DataSigned", tx_states.authorized)
    dut.act("plug_in", evse=tx.evse, connector=tx.connector)
    tx.ev_connected, tx.evse_due = True, True
    csms.step("1-2", "The EV is connected: its connector Occupied")
    csms.expect_connectors("Occupied", only=[(tx.evse, tx.connector)], rule="G01.FR.03")
    csms.step("3-4", "Started with the signed reading: SignedDataReceived, token, EVSE")
    token_due, tx.token_due = tx.token_due, False
    event = tx_states.transaction_event(
        csms,
        tx,
        rule="E01.FR.04",
        start_rule="E01.FR.04",
        trigger="SignedDataReceived",
        trigger_rule="E01.FR.15",
        eventType="Started",
    )
    if token_due:
        event.expect(rule="E01.FR.10", idToken=tx.token)
    event.expect(rule="E01.FR.16", evse={"id": tx.evse, "connectorId": tx.connector})
    # A sampled value of the start (Transaction.Begin), signed: any of them, in any
    # meterValue (the table gives no position; others may come unsigned before it).
    event.expect(
        rule="J02.FR.21",
        meterValue=has_item({"sampledValue": has_item({"context": "Transaction.Begin"})}),
    )
    event.expect(
        rule="J02.FR.21",
        meterValue=has_item(
            {"sampledValue": has_item({"context": "Transaction.Begin", **_SIGNED})}
        ),
    )
    csms.step("5-6", "The energy flows: Updated, ChargingStateChanged, Charging")
    _charging_updated(csms, tx, "E01.FR.04", "E01.FR.15")


# -- an EV not ready to charge (E03) --------------------------------------------------------


@testcase(
    "TC_E_38_CS",
    "Local start transaction - EV not ready",
    table=140,
    requirements=[],
    catches={"ev-not-ready-reported-charging": "E01.FR.19"},
)
def test_tc_e_38_cs(csms, dut):
    authorization_by_csms(csms)
    tx = transaction(csms, dut, tx_states.authorized)
    if tx.starts_at("EnergyTransfer"):
        raise HarnessError(
            "TxStartPoint is EnergyTransfer: an EV that takes no energy starts no "
            "transaction (Part 6 Table 140's prerequisite)",
            "setup",
        )
    csms.comment("Manual action: the EV is not ready to take energy")
    dut.act("ev_suspend", evse=tx.evse)
    csms.step(1, "Reusable state EVConnectedPreSession: the cable goes in")
    tx_states.ev_connected_pre_session(csms, dut, tx)
    csms.step(
        "2-3", "The power path closed, the EV takes nothing: ChargingStateChanged, SuspendedEV"
    )
    tx_states.transaction_event(
        csms,
        tx,
        rule="E01.FR.19",
        trigger="ChargingStateChanged",
        trigger_rule="E02.FR.13",
        transactionInfo={"chargingState": "SuspendedEV"},
    )
    tx.suspended = True
