"""Block F, Remote control — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to 2025-09);
its numbered steps are the ``csms.step(...)`` calls.
"""

import datetime as dt
import uuid

import pytest

from harness import DutFailure, HarnessError, testcase
from harness.matching import absent_or, first_item, one_of
from harness.states import cs_transactions as tx_states
from harness.steps import device_model as dm
from harness.steps.heartbeat import trigger_window
from harness.steps.idle import leave_idle

BLOCK = "F Remote Control"


@testcase(
    "TC_F_20_CS",
    "Trigger message - Heartbeat",
    table=193,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.10"],
    catches=["ignores-trigger", "triggered-before-response"],
)
def test_tc_f_20_cs(csms, dut):
    # A triggered Heartbeat must not be confused with a periodic one: the trigger goes
    # when the periodic Heartbeat cannot come before the window after it closes.
    window = trigger_window(
        csms,
        response=dut.timeouts.response,
        deviation=dut.profile.tolerances.time_deviation,
        rule="F06.FR.10",
    )
    before = csms.mark()
    csms.step("1-2", "TriggerMessage Heartbeat: Accepted, as Part 6 requires")
    # F06.FR.05 would also let a station say Rejected: OCTT expects more than the
    # specification here.
    response = csms.call("TriggerMessage", requestedMessage="Heartbeat")
    with csms.octt_expects("Part 6 presumes the station accepts a Heartbeat trigger"):
        response.expect(rule="F06.FR.05", status="Accepted")
    if response.get("status") != "Accepted":
        return  # nothing was promised, so nothing more to check
    csms.step("3-4", "The Heartbeat it promised (F06.FR.10), after the response (F06.FR.04)")
    heartbeat = csms.expect("Heartbeat", after=before, timeout=window.left(), rule="F06.FR.10")
    if response.seq is not None and heartbeat.entry.seq < response.seq:
        heartbeat.entry.failing = True
        raise DutFailure(
            f"the triggered Heartbeat (frame {heartbeat.entry.seq}) came before the "
            f"TriggerMessage response (frame {response.seq})",
            "F06.FR.04",
            heartbeat.entry.raw,
        )


# -- helpers --------------------------------------------------------------------------------

AUTH_ENABLED = dm.Variable("AuthCtrlr", "Enabled")
DISABLE_REMOTE_AUTHORIZATION = dm.Variable("AuthCtrlr", "DisableRemoteAuthorization")
AUTHORIZE_REMOTE_START = dm.Variable("AuthCtrlr", "AuthorizeRemoteStart")
LOCAL_PRE_AUTHORIZE = dm.Variable("AuthCtrlr", "LocalPreAuthorize")
EV_CONNECTION_TIMEOUT = dm.Variable("TxCtrlr", "EVConnectionTimeOut")

#: the connector reports a StatusNotification trigger may be answered with (Part 6
#: Tables 194-195 accept NotifyEvent AvailabilityState too)
CONNECTOR_REPORTS = ("StatusNotification", "NotifyEvent")


#: Part 6 Tables 184-187: meterValue[0].sampledValue[0].context is Trigger
TRIGGERED_READING = first_item({"sampledValue": first_item({"context": "Trigger"})})


def _allow_remote_authorization(csms) -> None:
    """Configuration State of Tables 174-177: authorization on (AuthCtrlr.Enabled) and
    remote authorization not disabled, where the station has these variables."""
    dm.configure_if_implemented(csms, AUTH_ENABLED, "true")
    dm.configure_if_implemented(csms, DISABLE_REMOTE_AUTHORIZATION, "false")


def _new_session(csms, dut, *, evse=None, token=None):
    """A session for the transaction states, left idle after the case (passed or not):
    Part 6 §2.1 starts every case from an idle station, and a lab keeps its device."""
    tx = tx_states.session(csms, dut, evse=evse)
    if token is not None:
        tx.token = {"idToken": token, "type": dut.tokens.type}
    csms.finally_do(
        f"no transaction and no cable at EVSE {tx.evse} (Part 6 §2.1)", leave_idle, csms, dut, tx
    )
    return tx


def _from_state(csms, dut, state, name: str):
    """A new session brought to the reusable state ``state`` (Part 6's "Before")."""
    tx = _new_session(csms, dut)
    csms.comment(f"Before: reusable state {name}")
    state(csms, dut, tx)
    return tx


def _after_response(response, message, what: str) -> None:
    """F06.FR.04: the message asked for comes after the TriggerMessage response."""
    if response.seq is not None and message.entry.seq < response.seq:
        message.entry.failing = True
        raise DutFailure(
            f"the triggered {what} (frame {message.entry.seq}) came before the "
            f"TriggerMessage response (frame {response.seq})",
            "F06.FR.04",
            message.entry.raw,
        )


def _trigger(csms, requested: str, *, rule: str, evse=None, status: str = "Accepted"):
    """TriggerMessage for ``requested`` (at ``evse``, a dict), answered ``status``."""
    fields = {"requestedMessage": requested}
    if evse is not None:
        fields["evse"] = evse
    return csms.call("TriggerMessage", **fields).expect(rule=rule, status=status)


def _last_connector_report(csms):
    """The latest StatusNotification or NotifyEvent so far: reports after it are new."""
    reports = [m for action in CONNECTOR_REPORTS for m in csms.received(action, after=-1)]
    return max(reports, key=lambda m: m.entry.seq, default=None)


def _triggered_status(csms, dut, status: str) -> None:
    """Tables 194-195: a StatusNotification trigger for the configured connector, and
    its report (StatusNotification or NotifyEvent AvailabilityState) says ``status``."""
    key = dut.configured_connector()
    since = _last_connector_report(csms)
    csms.step("1-2", "TriggerMessage StatusNotification for the configured connector: Accepted")
    response = _trigger(
        csms, "StatusNotification", rule="F06.FR.05", evse={"id": key[0], "connectorId": key[1]}
    )
    csms.step("3-4", f"The connector's state, reported after the response: {status}")
    reports = csms.expect_connectors(status, since=since, only=[key], rule="F06.FR.10")
    _after_response(response, reports[key], "connector report")


def _triggered_idle(csms, action: str, *, rule: str, accept_rule: str, evse=None) -> None:
    """Tables 188, 190-191: a trigger for ``action`` (LogStatusNotification or
    FirmwareStatusNotification), Accepted (``accept_rule``), and the request after the
    response with status Idle (``rule``): nothing is uploading or updating."""
    mark = csms.mark()
    csms.step("1-2", f"TriggerMessage {action}: Accepted")
    response = _trigger(csms, action, rule=accept_rule, evse=evse)
    csms.step("3-4", f"A {action}Request with status Idle")
    message = csms.expect(action, after=mark, rule="F06.FR.10")
    message.expect(rule=rule, status="Idle")
    _after_response(response, message, f"{action}Request")


def _configured(value: str, key: str) -> str:
    """A Part 6 <Configured …> value of the profile, or a skip when it is not set."""
    if not value:
        pytest.skip(f"{key} is not set in the DUT profile (Part 6 needs it for this case)")
    return value


#: the requestId of the log upload and the firmware update the cases ask for
LOG_REQUEST_ID = 16
FIRMWARE_REQUEST_ID = 19

#: FirmwareStatusNotification statuses after which the update still goes on
FIRMWARE_UNDER_WAY = (
    "DownloadScheduled",
    "Downloading",
    "Downloaded",
    "DownloadPaused",
    "SignatureVerified",
    "InstallScheduled",
    "Installing",
)


def _until_over(csms, dut, action: str, under_way: tuple[str, ...]) -> None:
    """Wait (bounded) for the ``action`` report that ends the upload or update the case
    started, so that the next case finds an idle station (Part 6 §2.1). A transfer may
    take a while: each report is waited for as long as a station's connection."""
    for _ in range(len(under_way) + 1):
        report = csms.expect(action, timeout=dut.timeouts.connect)
        if report.get("status") not in under_way:
            return


def _triggered_status_report(csms, action: str, status: str, *, rule: str) -> None:
    """Tables 189, 192 steps 5-8: a trigger for ``action`` while the upload or download
    runs, Accepted, and the report after the response still says ``status``."""
    csms.step("5-6", f"TriggerMessage {action}: Accepted")
    mark = csms.mark()
    response = _trigger(csms, action, rule="F06.FR.05")
    csms.step("7-8", f"{action} {status}: what is under way, asked for")
    message = csms.expect(action, after=mark, rule="F06.FR.10")
    message.expect(rule=rule, status=status)
    _after_response(response, message, f"{action}Request")


def _triggered_meter_values(csms, evses, *, evse_rule: str, evse=None) -> None:
    """Tables 184-185: a MeterValues trigger, and one MeterValuesRequest per EVSE of
    ``evses`` after the response, each reading marked context Trigger (F06.FR.06);
    ``evse_rule`` is the rule of the EVSE asked for (F06.FR.02) or of all (F06.FR.11)."""
    mark = csms.mark()
    csms.step("1-2", "TriggerMessage MeterValues: Accepted")
    response = _trigger(csms, "MeterValues", rule="F06.FR.05", evse=evse)
    csms.step("3-4", f"A MeterValuesRequest for EVSE {', '.join(map(str, evses))}")
    left = set(evses)
    while left:
        # none at all: the trigger was not carried out; some: not for every EVSE asked
        meter = csms.expect(
            "MeterValues", after=mark, rule="F06.FR.10" if left == set(evses) else evse_rule
        )
        meter.expect(rule=evse_rule, evseId=one_of(*left))
        meter.expect(rule="F06.FR.06", meterValue=TRIGGERED_READING)
        _after_response(response, meter, "MeterValuesRequest")
        left.discard(meter["evseId"])


def _charging_everywhere(csms, dut) -> list:
    """State EnergyTransferStarted at every EVSE of the layout, a token each (Part 6
    Table 187: 'for all EVSE'); the profile has two accepted tokens to give."""
    tokens = [dut.tokens.valid, dut.tokens.valid2]
    layout = dut.profile.layout
    if len(layout) > len(tokens):
        raise HarnessError(
            f"the layout has {len(layout)} EVSEs and the profile {len(tokens)} accepted "
            "tokens (tokens.valid, tokens.valid2): a transaction at every EVSE needs one each",
            "setup",
        )
    sessions = []
    for evse, token in zip(layout, tokens, strict=False):
        tx = _new_session(csms, dut, evse=evse.id, token=token)
        tx_states.energy_transfer_started(csms, dut, tx)
        sessions.append(tx)
    return sessions


def _triggered_transaction_events(csms, sessions, *, evse_rule: str, evse=None) -> None:
    """Tables 186-187: a TransactionEvent trigger, and for each transaction of
    ``sessions`` an event after the response with triggerReason Trigger, its
    chargingState and a meter reading of context Trigger (F06.FR.07); the event names
    the EVSE asked for or omits it (``evse_rule`` F06.FR.02), or, asked for all, its
    own (F06.FR.11)."""
    csms.step("1-2", "TriggerMessage TransactionEvent: Accepted")
    response = _trigger(csms, "TransactionEvent", rule="F06.FR.05", evse=evse)
    csms.step("3-4", "A TransactionEvent per transaction, triggerReason Trigger, Charging")
    left = {tx.transaction_id: tx for tx in sessions}
    while left:
        # none at all: the trigger was not carried out; some: not for every EVSE asked
        event = csms.expect(
            "TransactionEvent", rule="F06.FR.10" if len(left) == len(sessions) else evse_rule
        )
        event.expect(rule="F06.FR.10", transactionInfo={"transactionId": one_of(*left)})
        tx = left.pop(event["transactionInfo"]["transactionId"])
        tx.events.append(event)
        event.expect(
            rule="F06.FR.07",
            triggerReason="Trigger",
            transactionInfo={"chargingState": "Charging"},
            meterValue=TRIGGERED_READING,
        )
        _after_response(response, event, "TransactionEvent")
        at = {"id": tx.evse}
        if evse is not None:
            event.expect(rule=evse_rule, evse=absent_or(at))
            continue
        # Part 2 asks the EVSE only of the first event after the plug-in (E01.FR.16)
        with csms.octt_expects("Part 6 Table 187 wants evse.id in every triggered event"):
            event.expect(rule=evse_rule, evse=at)


def _remote_start_first(csms, dut, *, authorize: bool):
    """Tables 175-176: AuthorizeRemoteStart set as the case says (with restore), then
    states Authorized (remote) and EnergyTransferStarted; returns the session and the
    AuthorizeRequests the station sent for the token meanwhile."""
    _allow_remote_authorization(csms)
    dm.configure(csms, AUTHORIZE_REMOTE_START, "true" if authorize else "false")
    tx = _new_session(csms, dut)
    mark = csms.mark()
    csms.step(1, "Reusable state Authorized (remote), before the cable is in")
    tx_states.authorized(csms, dut, tx, method="remote")
    csms.step(2, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)
    return tx, csms.received("Authorize", after=mark)


def _charging_event(tx):
    """The first event of ``tx`` that reports energy flowing."""
    return next(
        e for e in tx.events if e.get("transactionInfo", {}).get("chargingState") == "Charging"
    )


# -- remote start (F01, F02) ----------------------------------------------------------------


@testcase(
    "TC_F_01_CS",
    "Remote start transaction - Cable plugin first",
    table=174,
    requirements=[
        "F01.FR.03",
        "F01.FR.04",
        "F01.FR.05",
        "F01.FR.13",
        "F01.FR.17",
        "F01.FR.19",
        "F02.FR.01",
    ],
    catches=["tx-remote-start-as-authorized", "tx-no-token-after-authorization"],
)
def test_tc_f_01_cs(csms, dut):
    _allow_remote_authorization(csms)
    tx = _from_state(csms, dut, tx_states.ev_connected_pre_session, "EVConnectedPreSession")
    csms.step(1, "Reusable state Authorized (remote): a transaction already started is named")
    # The state checks the response (Accepted; the transactionId of a transaction the
    # plug-in started, F01.FR.13) and the event: RemoteStart with the remoteStartId and
    # the token it was given (F01.FR.19, F02.FR.01, F01.FR.04).
    tx_states.authorized(csms, dut, tx, method="remote")
    csms.step(2, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_F_02_CS",
    "Remote start transaction - Remote start first -authorizeRemoteStart is true",
    table=175,
    requirements=["F02.FR.01", "F01.FR.01"],
    catches=["remote-start-skips-authorize", "tx-remote-start-as-authorized"],
)
def test_tc_f_02_cs(csms, dut):
    # Read first: with LocalPreAuthorize a cached or listed token needs no request.
    _, pre_authorize = dm.read_optional(csms, LOCAL_PRE_AUTHORIZE)
    tx, requests = _remote_start_first(csms, dut, authorize=True)
    # Table 428 B step 3: with AuthorizeRemoteStart true the token is authorized (an
    # AuthorizeRequest) before energy flows (F01.FR.01).
    charging = _charging_event(tx)
    if not requests:
        if pre_authorize == "true":
            csms.note(
                "F01.FR.01",
                "no AuthorizeRequest for the remote start's token; with LocalPreAuthorize "
                "true the station may have found it in its cache or list",
            )
            return
        charging.entry.failing = True
        raise DutFailure(
            "with AuthorizeRemoteStart true the station let energy flow (frame "
            f"{charging.entry.seq}) without an AuthorizeRequest for the remote start's token",
            "F01.FR.01",
            charging.entry.raw,
        )
    if requests[0].entry.seq > charging.entry.seq:
        charging.entry.failing = True
        raise DutFailure(
            f"energy flowed (frame {charging.entry.seq}) before the token was authorized "
            f"(AuthorizeRequest, frame {requests[0].entry.seq})",
            "F01.FR.01",
            charging.entry.raw,
        )


@testcase(
    "TC_F_03_CS",
    "Remote start transaction - Remote start first -authorizeRemoteStart is false",
    table=176,
    requirements=["F02.FR.01", "F01.FR.02"],
    catches=["tx-remote-start-as-authorized"],
    warns={"remote-start-authorizes-anyway": "F01.FR.02"},
)
def test_tc_f_03_cs(csms, dut):
    _, requests = _remote_start_first(csms, dut, authorize=False)
    # Part 6 expects no AuthorizeRequest here and does not check for one.
    with csms.beyond_octt("Part 6 Table 176 does not look for an AuthorizeRequest"):
        for request in requests:
            request.entry.failing = True
            raise DutFailure(
                "with AuthorizeRemoteStart false the station still asked the CSMS about "
                f"the remote start's token (AuthorizeRequest, frame {request.entry.seq})",
                "F01.FR.02",
                request.entry.raw,
            )


@testcase(
    "TC_F_04_CS",
    "Remote start transaction - Remote start first - Cable plugin timeout",
    table=177,
    requirements=["F02.FR.01", "E03.FR.01", "E03.FR.05"],
    catches=["ignores-ev-connect-timeout"],
)
def test_tc_f_04_cs(csms, dut):
    timeout = dut.timers.ev_connection_timeout
    dm.configure(csms, EV_CONNECTION_TIMEOUT, str(timeout))
    _allow_remote_authorization(csms)
    start, _ = dm.get_variable(csms, tx_states.TX_START_POINT)
    points = {p.strip() for p in str(start or "").split(",")}
    if not points & {"ParkingBayOccupancy", "Authorized"}:
        # Prerequisite: the station supports one of them; Authorized is the common one.
        dm.configure(csms, tx_states.TX_START_POINT, "Authorized")
    tx = _new_session(csms, dut)
    csms.comment("Before: reusable state Authorized (remote), no cable plugged in")
    tx_states.authorized(csms, dut, tx, method="remote")
    csms.step("1-2", f"No cable within {timeout} s: TransactionEvent Ended, EVConnectTimeout")
    deviation = dut.profile.tolerances.time_deviation
    tx_states.transaction_event(
        csms,
        tx,
        rule="E03.FR.05",
        trigger="EVConnectTimeout",
        trigger_rule="E03.FR.05",
        timeout=timeout + deviation + dut.timeouts.response,
        eventType="Ended",
    )
    csms.step(3, "Reusable state Authorized (remote) again: the EVSE takes a new session")
    tx_states.authorized(csms, dut, _new_session(csms, dut), method="remote")


# -- remote stop (F03) ----------------------------------------------------------------------


@testcase(
    "TC_F_08_CS",
    "Remote stop transaction - Success",
    table=181,
    requirements=["F03.FR.02", "F03.FR.03", "F03.FR.07", "F03.FR.09"],
    catches=["tx-remote-stop-reason-local"],
)
def test_tc_f_08_cs(csms, dut):
    tx = _from_state(csms, dut, tx_states.energy_transfer_started, "EnergyTransferStarted")
    csms.step(1, "Reusable state StopAuthorized (remote)")
    # The state checks Accepted (F03.FR.07), the RemoteStop event (F03.FR.02/.09) and,
    # where TxStopPoint ends the transaction, Ended with stoppedReason Remote (F03.FR.03).
    tx_states.stop_authorized(csms, dut, tx, method="remote")


@testcase(
    "TC_F_09_CS",
    "Remote stop transaction - Rejected",
    table=182,
    requirements=["F03.FR.08"],
    catches=["remote-stop-unknown-accepted"],
)
def test_tc_f_09_cs(csms, dut):
    _from_state(csms, dut, tx_states.energy_transfer_started, "EnergyTransferStarted")
    other = str(uuid.uuid4())
    csms.step("1-2", "RequestStopTransaction for a transactionId the station never gave")
    csms.call("RequestStopTransaction", transactionId=other).expect(
        rule="F03.FR.08", status="Rejected"
    )


# -- unlock connector (F05) -----------------------------------------------------------------


def _unlock(csms, evse: int, connector: int, *, rule: str, status: str) -> None:
    """Tables 178-180, 183: UnlockConnector for ``evse``/``connector``, answered with an
    UnlockConnectorResponse (F05.FR.01) whose status is ``status`` (``rule``)."""
    csms.step("1-2", f"UnlockConnector EVSE {evse} connector {connector}: {status}")
    response = csms.call("UnlockConnector", evseId=evse, connectorId=connector)
    response.expect(rule="F05.FR.01")
    response.expect(rule=rule, status=status)


@testcase(
    "TC_F_05_CS",
    "Remote unlock Connector - With ongoing transaction",
    table=178,
    requirements=["F05.FR.01", "F05.FR.02"],
    catches=["unlock-during-transaction", "unlock-not-supported"],
)
def test_tc_f_05_cs(csms, dut):
    tx = _from_state(csms, dut, tx_states.energy_transfer_started, "EnergyTransferStarted")
    _unlock(csms, tx.evse, tx.connector, rule="F05.FR.02", status="OngoingAuthorizedTransaction")


@testcase(
    "TC_F_06_CS",
    "Remote unlock Connector - Without ongoing transaction - Accepted",
    table=179,
    requirements=["F05.FR.01", "F05.FR.04"],
    catches=["unlock-fails", "unlock-not-supported"],
)
def test_tc_f_06_cs(csms, dut):
    evse, connector = dut.configured_connector()
    _unlock(csms, evse, connector, rule="F05.FR.04", status="Unlocked")


@testcase(
    "TC_F_07_CS",
    "Remote unlock Connector - Without ongoing transaction - No cable connected",
    table=180,
    requirements=["F05.FR.01", "F05.FR.06"],
    catches=["unlock-without-cable-failed"],
)
def test_tc_f_07_cs(csms, dut):
    # Charging state: no cable at the connector, which the idle start state gives.
    evse, connector = dut.configured_connector()
    _unlock(csms, evse, connector, rule="F05.FR.06", status="Unlocked")


@testcase(
    "TC_F_10_CS",
    "Remote unlock Connector - Without ongoing transaction - UnknownConnector",
    table=183,
    requirements=["F05.FR.03"],
    catches=["unlock-unknown-connector-failed"],
)
def test_tc_f_10_cs(csms, dut):
    evse, _ = dut.configured_connector()
    _unlock(csms, evse, 999, rule="F05.FR.03", status="UnknownConnector")


# -- trigger message (F06) ------------------------------------------------------------------


@testcase(
    "TC_F_11_CS",
    "Trigger message - MeterValues - Specific EVSE",
    table=184,
    requirements=["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.06", "F06.FR.10"],
    catches=["ignores-trigger", "triggered-before-response", "triggered-meter-values-no-context"],
)
def test_tc_f_11_cs(csms, dut):
    evse = dut.profile.layout[0].id
    _triggered_meter_values(csms, [evse], evse_rule="F06.FR.02", evse={"id": evse})


@testcase(
    "TC_F_12_CS",
    "Trigger message - MeterValues - All EVSE",
    table=185,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.06", "F06.FR.10", "F06.FR.11"],
    catches=["ignores-trigger", "triggered-meter-values-no-context"],
)
def test_tc_f_12_cs(csms, dut):
    _triggered_meter_values(csms, [e.id for e in dut.profile.layout], evse_rule="F06.FR.11")


@testcase(
    "TC_F_13_CS",
    "Trigger message - TransactionEvent - Specific EVSE",
    table=186,
    requirements=["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.07", "F06.FR.10"],
    catches=["ignores-trigger", "triggered-tx-event-wrong-trigger", "triggered-before-response"],
)
def test_tc_f_13_cs(csms, dut):
    tx = _from_state(csms, dut, tx_states.energy_transfer_started, "EnergyTransferStarted")
    _triggered_transaction_events(csms, [tx], evse_rule="F06.FR.02", evse={"id": tx.evse})


@testcase(
    "TC_F_14_CS",
    "Trigger message - TransactionEvent - All EVSE",
    table=187,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.07", "F06.FR.10", "F06.FR.11"],
    catches=["ignores-trigger", "triggered-tx-event-wrong-trigger"],
)
def test_tc_f_14_cs(csms, dut):
    csms.comment("Before: reusable state EnergyTransferStarted at every EVSE")
    _triggered_transaction_events(csms, _charging_everywhere(csms, dut), evse_rule="F06.FR.11")


@testcase(
    "TC_F_15_CS",
    "Trigger message - LogStatusNotification - Idle",
    table=188,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.10", "F06.FR.15"],
    catches=["ignores-trigger", "triggered-before-response"],
)
def test_tc_f_15_cs(csms, dut):
    _triggered_idle(csms, "LogStatusNotification", rule="F06.FR.15", accept_rule="F06.FR.05")


@testcase(
    "TC_F_16_CS",
    "Trigger message - LogStatusNotification - Uploading",
    table=189,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.10", "F06.FR.14"],
    catches=["ignores-trigger", "triggered-log-status-idle"],
)
def test_tc_f_16_cs(csms, dut):
    location = _configured(dut.profile.harness.log_location, "harness.log_location")
    mark = csms.mark()
    csms.step("1-2", "GetLog DiagnosticsLog to the configured log location: Accepted")
    csms.finally_do(
        "the log upload has ended", _until_over, csms, dut, "LogStatusNotification", ("Uploading",)
    )
    csms.call(
        "GetLog",
        logType="DiagnosticsLog",
        requestId=LOG_REQUEST_ID,
        log={"remoteLocation": location},
    ).expect(rule="N01.FR.01", status="Accepted")
    csms.step("3-4", "LogStatusNotification Uploading, for the request")
    csms.expect("LogStatusNotification", after=mark, rule="N01.FR.08", status="Uploading")
    _triggered_status_report(csms, "LogStatusNotification", "Uploading", rule="F06.FR.14")


@testcase(
    "TC_F_17_CS",
    "Trigger message - FirmwareStatusNotification - Specific EVSE not relevant",
    table=190,
    requirements=["F06.FR.03", "F06.FR.04", "F06.FR.05", "F06.FR.10"],
    catches=["ignores-trigger", "trigger-rejects-irrelevant-evse"],
)
def test_tc_f_17_cs(csms, dut):
    # The EVSE does not matter to the message: it is ignored, the message still sent.
    _triggered_idle(
        csms,
        "FirmwareStatusNotification",
        rule="F06.FR.16",
        accept_rule="F06.FR.03",
        evse={"id": dut.profile.layout[0].id},
    )


@testcase(
    "TC_F_18_CS",
    "Trigger message - FirmwareStatusNotification - Idle",
    table=191,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.10", "F06.FR.16", "L01.FR.25"],
    catches=["ignores-trigger"],
)
def test_tc_f_18_cs(csms, dut):
    # L01.FR.25 asks Idle after an Installed status too: here no update ever ran.
    _triggered_idle(csms, "FirmwareStatusNotification", rule="F06.FR.16", accept_rule="F06.FR.05")


@testcase(
    "TC_F_19_CS",
    "Trigger message - FirmwareStatusNotification - Downloading",
    table=192,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.10", "L01.FR.26"],
    catches=["ignores-trigger", "triggered-firmware-status-idle"],
)
def test_tc_f_19_cs(csms, dut):
    harness = dut.profile.harness
    firmware = {
        "location": _configured(harness.firmware_location, "harness.firmware_location"),
        "retrieveDateTime": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
    }
    if harness.firmware_signing_certificate:
        firmware["signingCertificate"] = harness.firmware_signing_certificate
    if harness.firmware_signature:
        firmware["signature"] = harness.firmware_signature
    mark = csms.mark()
    csms.step("1-2", "UpdateFirmware from the configured location, retrieve 2 hours ago: Accepted")
    csms.finally_do(
        "the firmware update has ended",
        _until_over,
        csms,
        dut,
        "FirmwareStatusNotification",
        FIRMWARE_UNDER_WAY,
    )
    csms.call("UpdateFirmware", requestId=FIRMWARE_REQUEST_ID, firmware=firmware).expect(
        rule="L01.FR.21", status="Accepted"
    )
    csms.step("3-4", "FirmwareStatusNotification Downloading, for the request")
    csms.expect(
        "FirmwareStatusNotification",
        after=mark,
        rule="L01.FR.01",
        status="Downloading",
        requestId=FIRMWARE_REQUEST_ID,
    )
    _triggered_status_report(csms, "FirmwareStatusNotification", "Downloading", rule="L01.FR.26")


@testcase(
    "TC_F_23_CS",
    "Trigger message - StatusNotification - Specific EVSE - Available",
    table=194,
    requirements=["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.10"],
    catches=["ignores-trigger", "triggered-before-response"],
)
def test_tc_f_23_cs(csms, dut):
    _triggered_status(csms, dut, "Available")


@testcase(
    "TC_F_24_CS",
    "Trigger message - StatusNotification - Specific EVSE - Occupied",
    table=195,
    requirements=["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.10"],
    catches=["ignores-trigger"],
)
def test_tc_f_24_cs(csms, dut):
    _from_state(csms, dut, tx_states.ev_connected_pre_session, "EVConnectedPreSession")
    _triggered_status(csms, dut, "Occupied")


@testcase(
    "TC_F_26_CS",
    "Trigger message - BootNotification - Rejected",
    table=196,
    requirements=["F06.FR.04", "F06.FR.05", "F06.FR.17"],
    catches=["trigger-boot-accepted-after-boot"],
)
def test_tc_f_26_cs(csms, dut):
    csms.step("1-2", "TriggerMessage BootNotification after an Accepted boot: Rejected")
    _trigger(csms, "BootNotification", rule="F06.FR.17", status="Rejected")


@testcase(
    "TC_F_27_CS",
    "Trigger message - NotImplemented",
    table=197,
    requirements=["F06.FR.08"],
    catches=["trigger-unknown-rejected"],
)
def test_tc_f_27_cs(csms, dut):
    csms.step(
        "1-2", "TriggerMessage SignCombinedCertificate, which it does not send: NotImplemented"
    )
    _trigger(csms, "SignCombinedCertificate", rule="F06.FR.08", status="NotImplemented")
