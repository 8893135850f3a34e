"""Block F, Remote Control — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The CSMS is made to
send its request by a control action (request_start, unlock_connector,
trigger_message); the harness's station answers as the table says, then sends what a
station sends next (the transaction's events, the triggered message).

What is checked is what the CSMS decides: the request it sends (the tool validations
of step 1: the token, the EVSE, the requested message; the harness's rule
``expect:<Action>`` where Part 2 has no requirement of the CSMS for it) and its
answers to the station's messages (``answer:<Action>`` where Part 2 has none either).
"""

from __future__ import annotations

from typing import Any

from harness import testcase
from harness.defaults import utc_now
from harness.matching import ANY
from harness.states import csms as states
from harness.states import csms_transactions as transactions
from harness.states.csms_transactions import Transaction
from harness.steps import remote_start

BLOCK = "F Remote Control"

#: the catches of every TriggerMessage case: the CSMS asks for the wrong message, or
#: for one the schema does not know
TRIGGER_DEFECTS = ["trigger-message-wrong-message", "trigger-message-invalid"]


# -- the steps the cases share -------------------------------------------------------------


def _configured_evse(station: Any) -> tuple[int, int]:
    """Part 6 ``<Configured evseId>`` and ``<Configured connectorId>``: the first EVSE
    of the profile's layout and its first connector."""
    evse, connectors = states.evse_layout(station, None)
    return evse, connectors[0]


def _reading() -> list[dict[str, Any]]:
    """A meterValue list with one reading taken on a trigger (context Trigger), as
    Part 6 asks of the triggered MeterValues and TransactionEvent: meterValue[0].
    sampledValue.context Trigger."""
    sampled = {"value": 0, "context": "Trigger", "measurand": "Energy.Active.Import.Register"}
    return [{"timestamp": utc_now(), "sampledValue": [sampled]}]


def _trigger(
    station: Any,
    dut: Any,
    message: str,
    *,
    evse: int | None = None,
    connector: int | None = None,
    status: str = "Accepted",
) -> Any:
    """Steps 1-2 of a trigger case: the CSMS is made to send TriggerMessage for
    ``message`` (for ``evse`` and ``connector`` when given); the station answers
    ``status``.

    Tool validation of step 1: requestedMessage is ``message`` (F06.FR.01 asks the CSMS
    to say which message it wants; which one is the operator's choice, so another one
    fails with the harness's ``expect:TriggerMessage``) and, for a specific EVSE,
    evse.id is it. Returns the request.
    """
    params: dict[str, Any] = {"message": message}
    wanted: dict[str, Any] = {"requestedMessage": message}
    if evse is not None:
        params["evse"] = evse
        wanted["evse"] = {"id": evse}
    if connector is not None:
        params["connector"] = connector
    # only what the CSMS sends from here is the answer to the action (a CSMS may have
    # triggered a message of its own after the boot)
    since = station.mark()
    station.will_reply("TriggerMessage", status=status)
    dut.act("trigger_message", **params)
    return station.expect("TriggerMessage", rule="expect:TriggerMessage", after=since, **wanted)


def _asked_evses(station: Any, request: Any) -> list[int]:
    """The EVSEs a TriggerMessage is for: the one it names, else every EVSE of the
    station (F06.FR.11: an absent evse means all of them)."""
    named = (request.get("evse") or {}).get("id")
    if named is not None:
        return [int(named)]
    return [evse for evse, _ in station.evses]


# -- remote start (F01, F02) ----------------------------------------------------------------


@testcase(
    "TC_F_01_CSMS",
    "Remote start transaction - Cable plugin first",
    table=532,
    catches=["request-start-wrong-token", "remote-start-event-refused"],
)
def test_tc_f_01_csms(station, dut):
    # Before: reusable state EVConnectedPreSession (the cable starts the transaction).
    tx = transactions.ev_connected_pre_session(station, dut)
    station.step("1-2", "Manual action: the CSMS starts a transaction; the station accepts")
    # The station answers with the id of the transaction the cable began.
    request = remote_start.request_start(
        station, dut, tx.evse, {"status": "Accepted", "transactionId": tx.transaction_id}
    )
    station.step("3-4", "TransactionEvent Updated, RemoteStart with the CSMS's remoteStartId")
    remote_start.remote_start_event(station, tx, request)
    station.step(5, "Reusable state EnergyTransferStarted (authorized, EV connected)")
    transactions.energy_transfer_started(station, dut, tx)


@testcase(
    "TC_F_02_CSMS",
    "Remote start transaction - Remote start first -authorizeRemoteStart is true",
    table=533,
    requirements=["F02.FR.01", "F01.FR.01"],
    catches=[
        "request-start-wrong-token",
        "authorize-rejects-valid-token",
        "remote-start-event-refused",
    ],
)
def test_tc_f_02_csms(station, dut):
    states.booted(station, dut)
    # The table names no configuration state for it, and Part 6 §3.1 has the station
    # start with AuthorizeRemoteStart false: the harness's station takes the value the
    # case is about in its own model (a CSMS that reads it finds true).
    station.device_model.store("AuthCtrlr", "AuthorizeRemoteStart", "true")
    station.comment("the station's AuthCtrlr.AuthorizeRemoteStart is true for this case")
    # Steps 1-2 remote start, 3-4 Authorize (tool validation of step 4: Accepted), 5-6
    # TransactionEvent Started, RemoteStart with the remoteStartId.
    tx = remote_start.remote_start_first(
        station, dut, request_step="1-2", authorize_step="3-4", event_step="5-6"
    )
    station.step(7, "Reusable state EnergyTransferStarted (authorized, EV not connected)")
    transactions.energy_transfer_started(station, dut, tx)


@testcase(
    "TC_F_03_CSMS",
    "Remote start transaction - Remote start first -authorizeRemoteStart is false",
    table=534,
    requirements=["F02.FR.01", "F01.FR.02"],
    catches=["request-start-wrong-token", "remote-start-event-refused"],
)
def test_tc_f_03_csms(station, dut):
    # Part 6 §3.1: the station's AuthorizeRemoteStart is false, as this case needs, so
    # no Authorize: the remote start's token needs none (F01.FR.02). Steps 1-2 remote
    # start, 3-4 TransactionEvent Started, RemoteStart with the remoteStartId.
    tx = remote_start.remote_start_first(station, dut, request_step="1-2", event_step="3-4")
    station.step(5, "Reusable state EnergyTransferStarted (authorized, EV not connected)")
    transactions.energy_transfer_started(station, dut, tx)


@testcase(
    "TC_F_04_CSMS",
    "Remote start transaction - Remote start first - Cable plugin timeout",
    table=535,
    requirements=["E03.FR.04", "E03.FR.05"],
    catches=[
        "request-start-wrong-token",
        "remote-start-event-refused",
        "ev-connect-timeout-event-refused",
    ],
)
def test_tc_f_04_csms(station, dut):
    # Steps 1-2 remote start, 3-4 TransactionEvent Started, RemoteStart.
    tx = remote_start.remote_start_first(station, dut, request_step="1-2", event_step="3-4")
    station.step("5-6", "No cable in time: TransactionEvent Updated, EVConnectTimeout")
    # Part 6: this event comes once <Configured Transaction Duration> has passed.
    transactions.wait_transaction_duration(station, dut)
    # The table sends Updated (the transaction is deauthorized), where E03.FR.05 would
    # have a station end it; the harness follows the table.
    transactions.transaction_event(station, tx, "EVConnectTimeout")
    tx.authorized = False


# -- remote unlock (F05) --------------------------------------------------------------------


@testcase(
    "TC_F_06_CSMS",
    "Remote unlock Connector - Without ongoing transaction - Accepted",
    table=536,
    needs=["C-11"],
    catches=["unlock-connector-wrong-connector"],
)
def test_tc_f_06_csms(station, dut):
    states.booted(station, dut)
    evse, connector = _configured_evse(station)
    station.step("1-2", "Manual action: the CSMS unlocks the connector; the station: Unlocked")
    since = station.mark()
    station.will_reply("UnlockConnector", status="Unlocked")
    dut.act("unlock_connector", evse=evse, connector=connector)
    # Tool validation of step 1: the configured EVSE and connector (which connector to
    # unlock is the operator's choice: the harness's rule expect:UnlockConnector).
    station.expect(
        "UnlockConnector",
        rule="expect:UnlockConnector",
        after=since,
        evseId=evse,
        connectorId=connector,
    )


# -- trigger message (F06) ------------------------------------------------------------------


@testcase(
    "TC_F_11_CSMS",
    "Trigger message - MeterValues - Specific EVSE",
    table=537,
    requirements=["F06.FR.01", "F06.FR.02"],
    needs=["C-29.1"],
    catches=[*TRIGGER_DEFECTS, "trigger-message-without-evse", "meter-values-callerror"],
)
def test_tc_f_11_csms(station, dut):
    states.booted(station, dut)
    evse, _ = _configured_evse(station)
    station.step("1-2", "The CSMS triggers MeterValues for the EVSE; the station accepts")
    _trigger(station, dut, "MeterValues", evse=evse)
    station.step("3-4", "MeterValues for the EVSE, context Trigger; the CSMS answers")
    station.call("MeterValues", evseId=evse, meterValue=_reading()).expect(rule="J01.FR.18")


@testcase(
    "TC_F_12_CSMS",
    "Trigger message - MeterValues - All EVSE",
    table=538,
    requirements=["F06.FR.01"],
    needs=["C-29.1"],
    catches=[*TRIGGER_DEFECTS, "meter-values-callerror"],
)
def test_tc_f_12_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS triggers MeterValues (no EVSE); the station accepts")
    request = _trigger(station, dut, "MeterValues")
    # Part 6 writes "evseId omitted", which the MeterValuesRequest schema does not
    # allow (evseId is required): the station sends one per EVSE, each with its id.
    station.step("3-4", "MeterValues for every EVSE, context Trigger; the CSMS answers each")
    for evse in _asked_evses(station, request):
        station.call("MeterValues", evseId=evse, meterValue=_reading()).expect(rule="J01.FR.18")


def _triggered_event(station: Any, tx: Transaction, *, with_evse: bool) -> None:
    """Step 3 of TC_F_13/F_14_CSMS: the TransactionEvent a trigger asks for (F06.FR.07):
    triggerReason Trigger, chargingState Charging, the latest reading (context
    Trigger); the EVSE named only when the trigger named it."""
    transactions.transaction_event(
        station,
        tx,
        "Trigger",
        charging_state="Charging",
        with_evse=with_evse,
        extra={"meterValue": _reading()},
    )


@testcase(
    "TC_F_13_CSMS",
    "Trigger message - TransactionEvent - Specific EVSE",
    table=539,
    requirements=["F06.FR.01", "F06.FR.02"],
    needs=["C-29.2"],
    catches=[*TRIGGER_DEFECTS, "trigger-message-without-evse", "triggered-event-refused"],
)
def test_tc_f_13_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "The CSMS triggers TransactionEvent for the EVSE; the station accepts")
    _trigger(station, dut, "TransactionEvent", evse=tx.evse)
    station.step("3-4", "TransactionEvent Updated, Trigger, Charging; the CSMS answers")
    _triggered_event(station, tx, with_evse=True)


@testcase(
    "TC_F_14_CSMS",
    "Trigger message - TransactionEvent - All EVSE",
    table=540,
    requirements=["F06.FR.01"],
    needs=["C-29.2"],
    catches=[*TRIGGER_DEFECTS, "triggered-event-refused"],
)
def test_tc_f_14_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "The CSMS triggers TransactionEvent (no EVSE); the station accepts")
    request = _trigger(station, dut, "TransactionEvent")
    # "Executed for every EVSE": every EVSE with a transaction, here the one charging.
    station.step("3-4", "TransactionEvent Updated, Trigger, Charging, no evse; answered")
    if tx.evse in _asked_evses(station, request):
        _triggered_event(station, tx, with_evse=False)


@testcase(
    "TC_F_15_CSMS",
    "Trigger message - LogStatusNotification - Idle",
    table=541,
    requirements=["F06.FR.01"],
    needs=["C-29.3"],
    catches=[*TRIGGER_DEFECTS, "log-status-notification-refused"],
)
def test_tc_f_15_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS triggers LogStatusNotification; the station accepts")
    _trigger(station, dut, "LogStatusNotification")
    station.step("3-4", "LogStatusNotification Idle (no upload runs); the CSMS answers")
    station.call("LogStatusNotification", status="Idle").expect(rule="answer:LogStatusNotification")


@testcase(
    "TC_F_18_CSMS",
    "Trigger message - FirmwareStatusNotification - Idle",
    table=542,
    requirements=["F06.FR.01"],
    needs=["C-29.4"],
    catches=[*TRIGGER_DEFECTS, "firmware-status-notification-refused"],
)
def test_tc_f_18_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS triggers FirmwareStatusNotification; the station accepts")
    _trigger(station, dut, "FirmwareStatusNotification")
    station.step("3-4", "FirmwareStatusNotification Idle (no firmware task); answered")
    station.call("FirmwareStatusNotification", status="Idle").expect(
        rule="answer:FirmwareStatusNotification"
    )


@testcase(
    "TC_F_20_CSMS",
    "Trigger message - Heartbeat",
    table=543,
    requirements=["F06.FR.01"],
    catches=[*TRIGGER_DEFECTS, "heartbeat-response-invalid"],
)
def test_tc_f_20_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS triggers Heartbeat; the station accepts")
    _trigger(station, dut, "Heartbeat")
    station.step("3-4", "Heartbeat; the CSMS answers with its time")
    station.call("Heartbeat").expect(rule="G02.FR.03")


def _trigger_status(station: Any, dut: Any, evse: int, connector: int) -> None:
    """Steps of TC_F_23/F_24_CSMS: the CSMS triggers StatusNotification for the EVSE
    (tool validation: evse.id) and, since such a report exists per connector only,
    names the connector too (F06.FR.13)."""
    request = _trigger(station, dut, "StatusNotification", evse=evse, connector=connector)
    request.expect(rule="F06.FR.13", evse={"connectorId": ANY})


@testcase(
    "TC_F_23_CSMS",
    "Trigger message - StatusNotification - Specific EVSE - Available",
    table=544,
    requirements=["F06.FR.01", "F06.FR.02", "F06.FR.13"],
    needs=["C-29.5"],
    catches=[*TRIGGER_DEFECTS, "trigger-message-without-evse", "trigger-status-without-connector"],
)
def test_tc_f_23_csms(station, dut):
    states.booted(station, dut)
    evse, connector = _configured_evse(station)
    station.step("1-2", "The CSMS triggers StatusNotification for the EVSE; the station accepts")
    _trigger_status(station, dut, evse, connector)
    # StatusNotification or NotifyEvent AvailabilityState, as the profile's station does.
    station.step("3-4", "The connector is reported Available; the CSMS answers")
    states.report_connectors(station, dut, "Available", evses=[(evse, (connector,))])


@testcase(
    "TC_F_24_CSMS",
    "Trigger message - StatusNotification - Specific EVSE - Occupied",
    table=545,
    requirements=["F06.FR.01", "F06.FR.02", "F06.FR.13"],
    needs=["C-29.5"],
    catches=[*TRIGGER_DEFECTS, "trigger-message-without-evse", "trigger-status-without-connector"],
)
def test_tc_f_24_csms(station, dut):
    states.booted(station, dut)
    evse, connector = _configured_evse(station)
    station.step("1-2", "The connector is reported Occupied; the CSMS answers")
    states.report_connectors(station, dut, "Occupied", evses=[(evse, (connector,))])
    station.step("3-4", "The CSMS triggers StatusNotification for the EVSE; the station accepts")
    _trigger_status(station, dut, evse, connector)
    station.step("5-6", "The connector is reported Occupied again; the CSMS answers")
    states.report_connectors(station, dut, "Occupied", evses=[(evse, (connector,))])


@testcase(
    "TC_F_27_CSMS",
    "Trigger message - NotImplemented",
    table=546,
    requirements=["F06.FR.08"],
    catches=TRIGGER_DEFECTS,
)
def test_tc_f_27_csms(station, dut):
    states.booted(station, dut)
    # The table leaves the message to the CSMS; the harness asks for a Heartbeat, which
    # every CSMS can trigger (TC_F_20_CSMS is mandatory), and checks it was asked for.
    station.step("1-2", "The CSMS sends a TriggerMessage; the station: NotImplemented")
    _trigger(station, dut, "Heartbeat", status="NotImplemented")
