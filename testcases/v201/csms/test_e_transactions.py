"""Block E, Transactions — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

The start and stop options of a transaction (E01, E02, E03, E06): the harness's station
starts and ends its transaction at each TxStartPoint and TxStopPoint, and the CSMS must
take every event and, where one carries an idToken, answer with that token's status.
Each case follows its table in Part 6 (Edition 3 with the errata to 2025-09; none
changes these CSMS tables); the numbered steps are the ``station.step(...)`` calls, the
reusable states those of :mod:`harness.states.csms_transactions`.

Where an event carries an idToken the CSMS owes two things: idTokenInfo in its answer
(E01.FR.12) and a status that is the token's (E01.FR.11: it checks the token). The
cases fail the first with E01.FR.12 and a wrong status with E01.FR.11; the reusable
states keep the rule of their table's own use case (E02.FR.02, E03.FR.02).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness import testcase
from harness.defaults import utc_now
from harness.matching import ANY
from harness.states import csms_transactions as transactions
from harness.states.csms import report_connectors
from harness.steps import start_options as options

BLOCK = "E Transactions"

#: the defects that make the CSMS give a valid token's event a wrong answer, and the
#: rules the cases of this module fail them with
TOKEN_ANSWER = {
    "authorize-rejects-valid-token": "C01.FR.07",
    "transaction-event-omits-id-token-info": "E01.FR.12",
    "transaction-event-rejects-valid-token": "E01.FR.11",
}


@testcase(
    "TC_E_01_CSMS",
    "Start transaction options - PowerPathClosed",
    table=505,
    requirements=["E01.FR.05"],
    catches=TOKEN_ANSWER,
)
def test_tc_e_01_csms(station, dut):
    # The transaction starts when the power path closes: the driver is authorized and
    # the EV plugged in, and the EVSE has not yet given energy (SuspendedEVSE).
    tx = options.authorized_and_plugged_in(station, dut, authorize_step="1-2", plug_step="3-4")
    station.step("5-6", "Started (ChargingStateChanged, SuspendedEVSE) with the token")
    options.started_with_token(
        station, dut, tx, "ChargingStateChanged", charging_state="SuspendedEVSE"
    )
    station.step("7-8", "Updated: ChargingStateChanged to Charging; the CSMS answers")
    transactions.transaction_event(station, tx, "ChargingStateChanged", charging_state="Charging")


@testcase(
    "TC_E_02_CSMS",
    "Start transaction options - EnergyTransfer",
    table=506,
    requirements=["E01.FR.06"],
    catches=TOKEN_ANSWER,
)
def test_tc_e_02_csms(station, dut):
    # The transaction starts with the energy flow: its first event says Charging.
    tx = options.authorized_and_plugged_in(station, dut, authorize_step="1-2", plug_step="3-4")
    station.step("5-6", "Started (ChargingStateChanged, Charging) with the token")
    options.started_with_token(station, dut, tx, "ChargingStateChanged", charging_state="Charging")


@testcase(
    "TC_E_03_CSMS",
    "Local start transaction - Cable plugin first - Success",
    table=507,
    requirements=["E02.FR.02"],
    catches={
        "started-without-token-refused": "answer:TransactionEvent",
        "authorize-rejects-valid-token": "C01.FR.07",
        # the cable began the transaction: its Authorized event falls under E02
        "transaction-event-omits-id-token-info": "E02.FR.02",
        "transaction-event-rejects-valid-token": "E02.FR.02",
    },
)
def test_tc_e_03_csms(station, dut):
    # Before: the EV is plugged in first, which starts the transaction without a token.
    tx = transactions.ev_connected_pre_session(station, dut)
    station.step(1, "Reusable state Authorized")
    transactions.authorized(station, dut, tx)
    station.step(2, "Reusable state EnergyTransferStarted")
    transactions.energy_transfer_started(station, dut, tx)


@testcase(
    "TC_E_04_CSMS",
    "Local start transaction - Authorization first - Success",
    table=508,
    requirements=["E03.FR.02"],
    catches={
        "authorize-rejects-valid-token": "C01.FR.07",
        # the token began the transaction: its Started event falls under E03
        "transaction-event-omits-id-token-info": "E03.FR.02",
        "transaction-event-rejects-valid-token": "E03.FR.02",
    },
)
def test_tc_e_04_csms(station, dut):
    station.step(1, "Reusable state Authorized (the token before the cable)")
    tx = transactions.authorized(station, dut)
    station.step(2, "Reusable state EnergyTransferStarted")
    transactions.energy_transfer_started(station, dut, tx)


@testcase(
    "TC_E_07_CSMS",
    "Stop transaction options - PowerPathClosed - Local stop",
    table=519,
    requirements=["E06.FR.06"],
    catches=["local-stop-refused"],
    warns={"stop-authorized-omits-id-token-info": "E01.FR.12"},
)
def test_tc_e_07_csms(station, dut):
    # The driver's stop opens the power path, which ends the transaction at once.
    tx = transactions.energy_transfer_started(station, dut)
    _local_stop_ends(station, dut, tx, step="1-2")


@testcase(
    "TC_E_08_CSMS",
    "Stop transaction options - EnergyTransfer stopped - StopAuthorized",
    table=520,
    requirements=["E06.FR.07"],
    catches={
        "stop-authorized-omits-id-token-info": "E01.FR.12",
        "local-stop-refused": "answer:TransactionEvent",
    },
)
def test_tc_e_08_csms(station, dut):
    # Before: the driver has stopped the charging (StopAuthorized, answered with the
    # token's status); the energy flow ending then ends the transaction.
    tx = transactions.stop_authorized(station, dut)
    station.step("1-2", "Ended: ChargingStateChanged to EVConnected, stoppedReason Local")
    transactions.transaction_event(
        station,
        tx,
        "ChargingStateChanged",
        charging_state="EVConnected",
        stopped_reason="Local",
        ended=True,
    )


@testcase(
    "TC_E_09_CSMS",
    "Start transaction options - EVConnected",
    table=514,
    requirements=["E01.FR.02"],
    catches=["started-without-token-refused"],
)
def test_tc_e_09_csms(station, dut):
    # The cable starts the transaction: no token yet.
    tx = transactions.new_transaction(station, dut)
    station.step("1-2", "The connector is Occupied; the CSMS answers")
    report_connectors(station, dut, "Occupied", evses=[(tx.evse, (tx.connector,))])
    station.step("3-4", "Started (CablePluggedIn, EVConnected) with the EVSE; the CSMS answers")
    transactions.transaction_event(
        station, tx, "CablePluggedIn", charging_state="EVConnected", with_evse=True
    )
    tx.ev_connected = True


@testcase(
    "TC_E_10_CSMS",
    "Start transaction options - Authorized - Local",
    table=515,
    requirements=["E01.FR.03"],
    catches=TOKEN_ANSWER,
)
def test_tc_e_10_csms(station, dut):
    # The token starts the transaction, before any cable.
    tx = transactions.new_transaction(station, dut)
    station.step("1-2", "Authorize the valid token; tool validation: status Accepted")
    transactions.authorize_valid_token(station, dut)
    station.step("3-4", "Started (Authorized) with the token; tool validation: Accepted")
    options.started_with_token(station, dut, tx, "Authorized")


@testcase(
    "TC_E_11_CSMS",
    "Start transaction options - DataSigned",
    table=516,
    requirements=["E01.FR.04"],
    catches={**TOKEN_ANSWER, "signed-meter-value-refused": "answer:TransactionEvent"},
)
def test_tc_e_11_csms(station, dut):
    # The first signed meter reading starts the transaction.
    tx = options.authorized_and_plugged_in(station, dut, authorize_step="1-2", plug_step="3-4")
    station.step("5-6", "Started (SignedDataReceived) with the token and a signed reading 0.0")
    options.started_with_token(
        station, dut, tx, "SignedDataReceived", extra={"meterValue": [_signed_begin_reading()]}
    )
    station.step("7-8", "Updated: ChargingStateChanged to Charging; the CSMS answers")
    transactions.transaction_event(station, tx, "ChargingStateChanged", charging_state="Charging")


@testcase(
    "TC_E_12_CSMS",
    "Start transaction options - ParkingBayOccupied",
    table=517,
    requirements=["E01.FR.01"],
    catches=["started-without-token-refused"],
)
def test_tc_e_12_csms(station, dut):
    # The parking bay detector starts the transaction: no cable, no token yet.
    tx = transactions.new_transaction(station, dut)
    station.step("1-2", "Started (EVDetected); the CSMS answers")
    transactions.transaction_event(station, tx, "EVDetected")


@testcase(
    "TC_E_14_CSMS",
    "Stop transaction options - EVDisconnected - Charging Station side",
    table=510,
    requirements=["E06.FR.02"],
    catches={
        "stop-authorized-omits-id-token-info": "E01.FR.12",
        "ev-disconnect-stop-refused": "answer:TransactionEvent",
    },
)
def test_tc_e_14_csms(station, dut):
    # Before: charged, stopped by the driver, the EV still plugged in.
    tx = transactions.ev_connected_post_session(station, dut)
    station.step(1, "Reusable state EVDisconnected (the unplug ends the transaction)")
    transactions.ev_disconnected(station, dut, tx)


@testcase(
    "TC_E_15_CSMS",
    "Stop transaction options - StopAuthorized - Local",
    table=512,
    requirements=["E06.FR.03"],
    catches=["local-stop-refused"],
    warns={"stop-authorized-omits-id-token-info": "E01.FR.12"},
)
def test_tc_e_15_csms(station, dut):
    # The driver's stop authorization itself ends the transaction.
    tx = transactions.energy_transfer_started(station, dut)
    _local_stop_ends(station, dut, tx, step="1-2")


@testcase(
    "TC_E_16_CSMS",
    "Stop transaction options - Deauthorized - Invalid idToken",
    table=521,
    requirements=["E06.FR.04", "E01.FR.11", "E01.FR.12"],
    catches={
        "transaction-event-omits-id-token-info": "E01.FR.12",
        # the CSMS that takes the invalid token, in its book or without looking
        "accepts-invalid-token": "E01.FR.11",
        "transaction-event-ignores-token": "E01.FR.11",
        "local-stop-refused": "answer:TransactionEvent",
    },
)
def test_tc_e_16_csms(station, dut):
    # A token the CSMS must refuse starts the transaction (no Authorize first: the
    # station let the driver start without asking); the CSMS's refusal deauthorizes it.
    tokens = dut.profile.tokens
    tx = transactions.new_transaction(station, dut)
    station.step(
        "1-2", "Started (Authorized) with the invalid token; tool validation: Invalid or Unknown"
    )
    response = transactions.transaction_event(
        station, tx, "Authorized", id_token={"idToken": tokens.invalid, "type": tokens.type}
    )
    # Part 6 lists Invalid or Unknown (its "+" read as a footnote mark): the two
    # answers of a CSMS that refuses a token it has a record of, or has none of
    options.token_status(response, "Invalid", "Unknown")
    station.step("3-4", "Ended: Deauthorized, stoppedReason DeAuthorized; the CSMS answers")
    transactions.transaction_event(
        station, tx, "Deauthorized", stopped_reason="DeAuthorized", ended=True
    )


@testcase(
    "TC_E_17_CSMS",
    "Stop transaction options - Deauthorized - EV side disconnect",
    table=522,
    requirements=["E06.FR.04"],
    catches=["ev-disconnect-stop-refused"],
)
def test_tc_e_17_csms(station, dut):
    # Before: charging, then suspended by the EV; no stop by the driver.
    tx = transactions.energy_transfer_suspended(station, dut)
    station.step("1-2", "Ended: EVCommunicationLost, Idle, stoppedReason EVDisconnected")
    transactions.transaction_event(
        station,
        tx,
        "EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        ended=True,
    )


# -- the steps the cases share --------------------------------------------------------------


def _local_stop_ends(station: Any, dut: Any, tx: transactions.Transaction, *, step: str) -> None:
    """Step ``step`` of Tables 512 and 519: the driver's stop ends the transaction at
    once (StopAuthorized, stoppedReason Local, Ended); the CSMS must answer it.

    The station sends the stopping token, as E07.FR.02 recommends; the CSMS then owes
    its status (E01.FR.12, E01.FR.11), which Part 6 does not check here."""
    station.step(step, "Ended: StopAuthorized, stoppedReason Local, with the token")
    response = transactions.transaction_event(
        station,
        tx,
        "StopAuthorized",
        stopped_reason="Local",
        id_token=transactions.valid_token(dut),
        ended=True,
    )
    with station.beyond_octt("Part 6 checks no idTokenInfo on this Ended event"):
        # options.token_status, spelled out: the rule accounting of the catalog
        # (harness.spec.rule_literals) reads the case's own module only
        response.expect(rule="E01.FR.12", idTokenInfo=ANY)
        response.expect(rule="E01.FR.11", idTokenInfo={"status": "Accepted"})


# -- the signed reading of TC_E_11_CSMS ----------------------------------------------------


def _signed_begin_reading() -> dict[str, Any]:
    """Part 6 ``<Generated SignedMeterValueType>``: the reading 0.0 with context
    Transaction.Begin, signed (OCMF-like text, ECDSA P-256 with SHA-256) with a key made
    for it, whose public key goes along."""
    key = ec.generate_private_key(ec.SECP256R1())
    stamp = utc_now()
    data = json.dumps(
        {"TM": stamp, "RD": [{"RV": 0.0, "RI": "Energy.Active.Import.Register", "RU": "Wh"}]},
        separators=(",", ":"),
    )
    signature = key.sign(data.encode(), ec.ECDSA(hashes.SHA256())).hex()
    text = f"OCMF|{data}|{json.dumps({'SA': 'ECDSA-secp256r1-SHA256', 'SD': signature})}"
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "timestamp": stamp,
        "sampledValue": [
            {
                "value": 0.0,
                "context": "Transaction.Begin",
                "measurand": "Energy.Active.Import.Register",
                "signedMeterValue": {
                    "signedMeterData": base64.b64encode(text.encode()).decode(),
                    "signingMethod": "ECDSA-secp256r1-SHA256",
                    "encodingMethod": "OCMF",
                    "publicKey": base64.b64encode(public).decode(),
                },
            }
        ],
    }
