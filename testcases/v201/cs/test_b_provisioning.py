"""Block B, Provisioning — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules are the Part 2
requirement ids the table names. What the harness checks beyond the table is in a
``beyond_octt`` block: a named warning, a failure only with ``--strict``.
"""

import contextlib
from typing import Any

import pytest

from harness import DutFailure, testcase
from harness.defaults import utc_now
from harness.matching import ABSENT, absent_or, exactly_one, one_of
from harness.states import cs as states
from harness.states import cs_transactions as tx_states
from harness.steps import device_model as dm
from harness.steps import reports
from harness.steps.idle import leave_idle, unplug

BLOCK = "B Provisioning"

OFFLINE_THRESHOLD = dm.Variable("OCPPCommCtrlr", "OfflineThreshold")


def _heartbeat(dut) -> int:
    return int(dut.timers.heartbeat)


@testcase(
    "TC_B_01_CS",
    "Cold Boot Charging Station - Accepted",
    table=18,
    requirements=["B01.FR.01", "B01.FR.05", "B01.FR.09"],
    catches=[
        "boot-omits-model",
        "wrong-connector-status",
        "no-boot-security-event",
        "pipelines-calls",
        "reports-evse-outside-layout",
        "status-time-in-microseconds",
    ],
    warns={"no-heartbeat": "B01.FR.04"},
    starts_with="power_cycle",
)
def test_tc_b_01_cs(csms, dut):
    csms.step(1, "Reusable state Booted, by power cycle")
    # The state checks the BootNotification (B01.FR.01, with its reason, B01.FR.09),
    # every connector Available (B01.FR.05; the post-scenario validation), the startup
    # security event.
    boot = states.booted(csms, dut, via="power-cycle")
    # Beyond Part 6: the station heartbeats at the interval it was given (B01.FR.04).
    interval = _heartbeat(dut)
    with csms.beyond_octt("Part 6 TC_B_01_CS does not wait for a Heartbeat"):
        csms.expect(
            "Heartbeat",
            after=boot.entry.seq,
            timeout=interval + dut.profile.tolerances.time_deviation + dut.timeouts.response,
            rule="B01.FR.04",
        )


@testcase(
    "TC_B_02_CS",
    "Cold Boot Charging Station - Pending",
    table=19,
    requirements=[
        "B02.FR.01",
        "B02.FR.02",
        "B02.FR.04",
        "B02.FR.05",
        "B02.FR.06",
        "B02.FR.08",
        "F06.FR.17",
    ],
    catches=[
        "sends-while-pending",
        "security-event-while-pending",
        "remote-start-while-pending",
        "triggered-boot-wrong-reason",
        "closes-while-pending",
    ],
    starts_with="reboot",
)
def test_tc_b_02_cs(csms, dut):
    interval = _heartbeat(dut)
    csms.will_reply("BootNotification", status="Pending", interval=interval)
    # Manual action: reboot the station.
    dut.act("reboot")
    csms.step("1-2", "BootNotification, answered Pending with the configured heartbeat interval")
    # From here the boot gate holds: only BootNotification or what the CSMS asks for
    # (B02.FR.02), no new boot before the interval unless triggered (B02.FR.04).
    first = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.01")
    csms.step(
        "3-4", "SetVariables OfflineThreshold = 300 without attributeType: Accepted (B02.FR.01)"
    )
    dm.set_variable(csms, OFFLINE_THRESHOLD, "300")
    csms.step("5-6", "GetVariables of the same: Accepted")
    dm.get_variable(csms, OFFLINE_THRESHOLD)
    csms.step("7-8", "GetBaseReport FullInventory: Accepted")
    request_id = 2
    csms.call("GetBaseReport", requestId=request_id, reportBase="FullInventory").expect(
        rule="B02.FR.01", status="Accepted"
    )
    csms.step("9-10", "The NotifyReport parts, until one says no more follow (tbc absent or false)")
    while True:
        part = csms.expect("NotifyReport", rule="B07.FR.04", requestId=request_id)
        if not part.get("tbc", False):
            break
    csms.step("11-12", "RequestStartTransaction while Pending: Rejected (B02.FR.05)")
    csms.call(
        "RequestStartTransaction",
        idToken={"idToken": dut.tokens.valid, "type": "ISO14443"},
        remoteStartId=1,
    ).expect(rule="B02.FR.05", status="Rejected")
    csms.step("13-14", "TriggerMessage BootNotification: Accepted or NotImplemented")
    trigger = csms.call("TriggerMessage", requestedMessage="BootNotification").expect(
        rule="F06.FR.05", status=one_of("Accepted", "NotImplemented")
    )
    csms.step(
        "15-16",
        "A new BootNotification, triggered or after the interval (B02.FR.08): Accepted",
    )
    csms.will_reply("BootNotification", status="Accepted", interval=interval)
    deviation = dut.profile.tolerances.time_deviation
    if trigger["status"] == "Accepted":
        second = csms.expect("BootNotification", rule="F06.FR.10")
        # Tool validation of step 15: its reason is Triggered (B01.FR.09).
        second.expect(rule="B01.FR.09", reason="Triggered")
    else:
        second = csms.expect(
            "BootNotification",
            timeout=interval + deviation + dut.timeouts.response,
            rule="B02.FR.08",
        )
    # The connection stayed open while Pending (B02.FR.06).
    if second.connection != first.connection:
        raise DutFailure(
            f"the station's connection {first.connection} closed while its boot was Pending; "
            f"the new BootNotification came on connection {second.connection}",
            "B02.FR.06",
            second.entry.raw,
        )
    csms.step("17-18", "Every connector Available (post-scenario validation)")
    csms.expect_connectors("Available", since=second, rule="B01.FR.05")


@testcase(
    "TC_B_03_CS",
    "Cold Boot Charging Station - Rejected",
    table=20,
    requirements=["B03.FR.02", "B03.FR.04", "B03.FR.06"],
    catches=["ignores-boot-interval"],
    starts_with="reboot",
)
def test_tc_b_03_cs(csms, dut):
    interval = _heartbeat(dut)
    csms.will_reply("BootNotification", status="Rejected", interval=interval)
    # Manual action: reboot the station.
    dut.act("reboot")
    csms.step("1-2", "BootNotification, answered Rejected with the configured heartbeat interval")
    csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.01")
    csms.step(
        "3-4",
        "Silent for the interval (B03.FR.02), then a new BootNotification (B03.FR.06): Accepted",
    )
    # The boot gate fails anything earlier; the station may close the connection
    # meanwhile (B03.FR.04).
    csms.will_reply("BootNotification", status="Accepted", interval=interval)
    deviation = dut.profile.tolerances.time_deviation
    second = csms.expect(
        "BootNotification",
        timeout=interval + deviation + dut.timeouts.connect,
        rule="B03.FR.06",
    )
    csms.step("5-6", "Every connector Available (post-scenario validation)")
    csms.expect_connectors("Available", since=second, rule="B01.FR.05")


@testcase(
    "TC_B_30_CS",
    "Cold Boot Charging Station - Pending/Rejected - SecurityError",
    table=21,
    requirements=["B03.FR.08"],
    catches=["answers-while-rejected"],
    starts_with="reboot",
)
def test_tc_b_30_cs(csms, dut):
    interval = _heartbeat(dut)
    csms.will_reply("BootNotification", status="Rejected", interval=interval)
    # The station boots (a reboot brings it to its BootNotification).
    dut.act("reboot")
    csms.step("1-2", "BootNotification, answered Rejected")
    csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.01")
    csms.step("3-4", "GetBaseReport to a rejected station: CALLERROR SecurityError (B03.FR.08)")
    # Sent only if the station kept the connection open (B03.FR.04 lets it close).
    response = None
    if csms.connected:
        try:
            response = csms.call("GetBaseReport", requestId=3, reportBase="FullInventory")
        except DutFailure as failure:
            if failure.rule != "transport.closed-mid-call":
                raise
    if response is None:
        _note_closed(csms)
    elif response.error_code != "SecurityError":
        answer = f"CALLERROR {response.error_code}" if response.is_error else "a CALLRESULT"
        raise DutFailure(
            f"the station, whose boot was Rejected, answered GetBaseReport with {answer}; "
            "expected CALLERROR SecurityError",
            "B03.FR.08",
            response.raw,
        )
    # Leave the station accepted: after the interval it boots again (B03.FR.06).
    csms.will_reply("BootNotification", status="Accepted", interval=interval)
    deviation = dut.profile.tolerances.time_deviation
    second = csms.expect(
        "BootNotification",
        timeout=interval + deviation + dut.timeouts.connect,
        rule="B03.FR.06",
    )
    csms.expect_connectors("Available", since=second, rule="B01.FR.05")


def _note_closed(csms) -> None:
    csms.note(
        "B03.FR.04",
        "the station closed its connection after the Rejected answer, so no request was "
        "sent (Part 6 TC_B_30_CS sends one only on an open connection)",
    )


@testcase(
    "TC_B_06_CS",
    "Get Variables - single value",
    table=22,
    requirements=["B06.FR.01", "B06.FR.02", "B06.FR.03", "B06.FR.04", "B06.FR.10", "B06.FR.11"],
    catches=["get-variables-wrong-component", "get-variables-wrong-attribute-type"],
)
def test_tc_b_06_cs(csms, dut):
    # Configuration state: OCPPCommCtrlr.OfflineThreshold is 300 (restored afterwards).
    dm.configure(csms, OFFLINE_THRESHOLD, "300")
    csms.step("1-2", "GetVariables OfflineThreshold with attributeType Actual")
    # One result for the same component and variable (B06.FR.01/.02), attributeType
    # Actual (B06.FR.03), Accepted without error info (B06.FR.10) ...
    value, response = dm.get_variable(csms, OFFLINE_THRESHOLD, attribute_type="Actual")
    # ... and the value of that attribute, "300" (B06.FR.04).
    response.expect(rule="B06.FR.04", getVariableResult=exactly_one({"attributeValue": "300"}))


@testcase(
    "TC_B_09_CS",
    "Set Variables - single value",
    table=27,
    requirements=["B05.FR.01", "B05.FR.02", "B05.FR.03", "B05.FR.10", "B05.FR.12"],
    catches=["set-variables-wrong-attribute-type"],
    warns={"set-variables-not-applied": "B05.FR.10"},
)
def test_tc_b_09_cs(csms, dut):
    # Not in Part 6: the value before, to set it back after the case. A station that
    # cannot be read here is still tested on SetVariables (only the restore is lost).
    dm.restore_after(csms, OFFLINE_THRESHOLD)
    csms.step("1-2", 'SetVariables OfflineThreshold = "300" with attributeType Actual')
    # One result for it (B05.FR.01/.02), attributeType Actual (B05.FR.03), Accepted
    # without error info (B05.FR.10).
    dm.set_variable(csms, OFFLINE_THRESHOLD, "300", attribute_type="Actual")
    # Beyond Part 6: Accepted means set, so it reads back as 300.
    with csms.beyond_octt("Part 6 TC_B_09_CS does not read the value back"):
        value, response = dm.get_variable(csms, OFFLINE_THRESHOLD)
        if value != "300":
            raise DutFailure(
                f"OfflineThreshold reads {value!r} after SetVariables accepted '300'",
                "B05.FR.10",
                response.raw,
            )


LOCAL_AUTHORIZE_OFFLINE = dm.Variable("AuthCtrlr", "LocalAuthorizeOffline")
#: Part 6 names the variables it refuses by these (the component and the variable do
#: not exist on any station)
UNKNOWN_COMPONENT = dm.Variable("UnknownComponent", "OfflineThreshold")
UNKNOWN_VARIABLE = dm.Variable("OCPPCommCtrlr", "UnknownVariable")
MESSAGE_TIMEOUT = dm.Variable("OCPPCommCtrlr", "MessageTimeout", instance="Default")

#: what Part 6 checks of each result of a request of several items
_ACCEPTED_ACTUAL = {"attributeStatus": "Accepted", "attributeType": "Actual"}


@testcase(
    "TC_B_07_CS",
    "Get Variables - multiple values",
    table=23,
    requirements=["B06.FR.01", "B06.FR.02", "B06.FR.03", "B06.FR.04", "B06.FR.10"],
    catches={"get-variables-first-only": "B06.FR.01"},
)
def test_tc_b_07_cs(csms, dut):
    # Configuration state: OfflineThreshold is 300 and LocalAuthorizeOffline is true
    # (Part 6 spells the component AuthCtrl and the variable LocalAuthorizationOffline;
    # the device model's names are AuthCtrlr.LocalAuthorizeOffline).
    dm.configure(csms, OFFLINE_THRESHOLD, "300")
    dm.configure(csms, LOCAL_AUTHORIZE_OFFLINE, "true")
    csms.step("1-2", "GetVariables of both, attributeType Actual")
    items = [
        {**variable.data(), "attributeType": "Actual"}
        for variable in (OFFLINE_THRESHOLD, LOCAL_AUTHORIZE_OFFLINE)
    ]
    response = csms.call("GetVariables", getVariableData=items).expect(rule="B06.FR.01")
    # A result for each item (B06.FR.01), in any order: the variable asked for
    # (B06.FR.02), Actual (B06.FR.03), Accepted without error info (B06.FR.10) and the
    # value (B06.FR.04).
    for variable, value in ((OFFLINE_THRESHOLD, "300"), (LOCAL_AUTHORIZE_OFFLINE, "true")):
        dm.expect_result(response, variable, rule="B06.FR.01")
        dm.expect_result(response, variable, rule="B06.FR.10", **_ACCEPTED_ACTUAL)
        dm.expect_result(response, variable, rule="B06.FR.04", attributeValue=value)


@testcase(
    "TC_B_32_CS",
    "Get Variables - Unknown component",
    table=24,
    requirements=["B06.FR.06"],
    catches=["get-variables-unknown-swapped"],
)
def test_tc_b_32_cs(csms, dut):
    csms.step("1-2", "GetVariables of OfflineThreshold of an unknown component: UnknownComponent")
    dm.refused(csms, "GetVariables", UNKNOWN_COMPONENT, "UnknownComponent", rule="B06.FR.06")


@testcase(
    "TC_B_33_CS",
    "Get Variables - Unknown variable",
    table=25,
    requirements=["B06.FR.07"],
    catches={"get-variables-unknown-swapped": "B06.FR.07"},
)
def test_tc_b_33_cs(csms, dut):
    csms.step("1-2", "GetVariables of an unknown variable of OCPPCommCtrlr: UnknownVariable")
    dm.refused(csms, "GetVariables", UNKNOWN_VARIABLE, "UnknownVariable", rule="B06.FR.07")


@testcase(
    "TC_B_34_CS",
    "Get Variables - Not supported attribute type",
    table=26,
    requirements=["B06.FR.08"],
    catches=["get-variables-any-attribute-type"],
)
def test_tc_b_34_cs(csms, dut):
    csms.step("1-2", "GetVariables of OfflineThreshold's Target: NotSupportedAttributeType")
    dm.refused(
        csms,
        "GetVariables",
        OFFLINE_THRESHOLD,
        "NotSupportedAttributeType",
        rule="B06.FR.08",
        attribute_type="Target",
    )


@testcase(
    "TC_B_10_CS",
    "Set Variables - multiple values",
    table=28,
    requirements=["B05.FR.01", "B05.FR.02", "B05.FR.03", "B05.FR.10", "B05.FR.12"],
    catches={"set-variables-first-only": "B05.FR.01"},
)
def test_tc_b_10_cs(csms, dut):
    # Not in Part 6: the values before, to set them back after the case.
    for variable in (OFFLINE_THRESHOLD, LOCAL_AUTHORIZE_OFFLINE):
        dm.restore_after(csms, variable)
    csms.step("1-2", 'SetVariables OfflineThreshold = "300" and LocalAuthorizeOffline = "true"')
    items = [
        {**variable.data(), "attributeValue": value, "attributeType": "Actual"}
        for variable, value in ((OFFLINE_THRESHOLD, "300"), (LOCAL_AUTHORIZE_OFFLINE, "true"))
    ]
    response = csms.call("SetVariables", setVariableData=items).expect(rule="B05.FR.01")
    # A result for each item (B05.FR.01), in any order: the variable asked for
    # (B05.FR.02), Actual (B05.FR.03), Accepted without error info (B05.FR.10).
    for variable in (OFFLINE_THRESHOLD, LOCAL_AUTHORIZE_OFFLINE):
        dm.expect_result(response, variable, rule="B05.FR.01")
        dm.expect_result(response, variable, rule="B05.FR.10", **_ACCEPTED_ACTUAL)


@testcase(
    "TC_B_35_CS",
    "Set Variables - Unknown component",
    table=29,
    requirements=["B05.FR.04"],
    catches=["set-variables-unknown-swapped"],
)
def test_tc_b_35_cs(csms, dut):
    csms.step("1-2", "SetVariables of OfflineThreshold of an unknown component: UnknownComponent")
    dm.refused(
        csms, "SetVariables", UNKNOWN_COMPONENT, "UnknownComponent", rule="B05.FR.04", value="300"
    )


@testcase(
    "TC_B_36_CS",
    "Set Variables - Unknown variable",
    table=30,
    requirements=["B05.FR.05"],
    catches={"set-variables-unknown-swapped": "B05.FR.05"},
)
def test_tc_b_36_cs(csms, dut):
    csms.step("1-2", "SetVariables of an unknown variable of OCPPCommCtrlr: UnknownVariable")
    dm.refused(
        csms, "SetVariables", UNKNOWN_VARIABLE, "UnknownVariable", rule="B05.FR.05", value="300"
    )


@testcase(
    "TC_B_37_CS",
    "Set Variables - Not supported attribute type",
    table=31,
    requirements=["B05.FR.06"],
    catches=["set-variables-any-attribute-type"],
)
def test_tc_b_37_cs(csms, dut):
    # A station that wrongly sets it sets the Actual value: put it back afterwards.
    dm.restore_after(csms, OFFLINE_THRESHOLD)
    csms.step("1-2", "SetVariables of OfflineThreshold's Target: NotSupportedAttributeType")
    dm.refused(
        csms,
        "SetVariables",
        OFFLINE_THRESHOLD,
        "NotSupportedAttributeType",
        rule="B05.FR.06",
        attribute_type="Target",
        value="300",
    )


@testcase(
    "TC_B_39_CS",
    "Set Variables - Read-only",
    table=33,
    requirements=["B05.FR.09"],
    catches=["set-variables-read-only-accepted"],
)
def test_tc_b_39_cs(csms, dut):
    # Part 6 sends no value; SetVariableData requires one, so the harness sends the one
    # the station reports (setting it, were it allowed, would change nothing).
    with csms.beyond_octt("read the read-only value to send it back unchanged"):
        current, _ = dm.get_variable(csms, MESSAGE_TIMEOUT)
    csms.step("1-2", "SetVariables of the read-only MessageTimeout (instance Default): Rejected")
    dm.refused(
        csms, "SetVariables", MESSAGE_TIMEOUT, "Rejected", rule="B05.FR.09", value=current or "30"
    )


@testcase(
    "TC_B_21_CS",
    "Reset Charging Station - With Ongoing Transaction - OnIdle",
    table=42,
    requirements=["B12.FR.01", "B12.FR.03"],
    catches=["reset-on-idle-never", "reset-on-idle-at-once"],
)
def test_tc_b_21_cs(csms, dut):
    tx = tx_states.energy_transfer_started(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.step("1-2", "ResetRequest OnIdle during the transaction: Scheduled (B12.FR.01)")
    asked = csms.mark()
    csms.call("Reset", type="OnIdle").expect(rule="B12.FR.01", status="Scheduled")
    # The station ends the transaction normally before it resets (B12.FR.03): the stop
    # states run on; a boot before the transaction ended is what broke them.
    with _no_reboot_before_idle(csms, [tx], after=asked):
        csms.step(3, "Reusable state StopAuthorized")
        tx_states.stop_authorized(csms, dut, tx)
        if tx.running:
            csms.step("4-5", "Reusable states EVConnectedPostSession and EVDisconnected")
            tx_states.ev_disconnected(csms, dut, tx)
        if tx.running:
            csms.step(6, "Reusable state ParkingBayUnoccupied")
            tx_states.parking_bay_unoccupied(csms, dut, tx)
    csms.step("7-8", "Once idle the station resets: BootNotification, reason ScheduledReset")
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B12.FR.01")
    boot.expect(rule="B01.FR.09", reason="ScheduledReset")
    csms.step("9-10", "Every connector: Occupied while the cable is in, else Available")
    csms.expect_connectors(
        "Occupied" if tx.ev_connected else "Available", since=boot, rule="B01.FR.05"
    )
    csms.step("11-12", "The startup security event (StartupOfTheDevice or ResetOrReboot)")
    csms.expect("SecurityEventNotification", rule="A04.FR.01", type=one_of(*_RESET_EVENTS))


@testcase(
    "TC_B_22_CS",
    "Reset Charging Station - With Ongoing Transaction - Immediate",
    table=43,
    requirements=["B12.FR.02", "B12.FR.04", "E07.FR.03", "B01.FR.03"],
    catches=["reset-immediate-no-ended"],
)
def test_tc_b_22_cs(csms, dut):
    tx = tx_states.energy_transfer_started(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.step("1-2", "ResetRequest Immediate during the transaction: Accepted (B12.FR.02)")
    csms.call("Reset", type="Immediate").expect(rule="B12.FR.02", status="Accepted")
    csms.step("3-4", "The transaction ends first: Ended, ResetCommand, ImmediateReset (B12.FR.04)")
    # B12.FR.04: the Ended event comes before the reboot, so before a new boot.
    ended = csms.expect("TransactionEvent", rule="B12.FR.04", eventType="Ended")
    # (Part 6 cites E07.FR.03 here, which Part 2 Edition 3 does not have.)
    ended.expect(
        rule="B12.FR.04",
        triggerReason="ResetCommand",
        transactionInfo={
            "transactionId": tx.transaction_id,
            "chargingState": "EVConnected",
            "stoppedReason": "ImmediateReset",
        },
        idToken=ABSENT,
    )
    csms.step("5-6", "The station reboots: BootNotification, reason RemoteReset (B01.FR.03)")
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.03")
    boot.expect(rule="B01.FR.09", reason="RemoteReset")
    csms.step("7-8", "The connector of the cable Occupied, the others Available")
    tx.ended = True  # the reset ended it (checked above)
    plugged = (tx.evse, tx.connector)
    others = [key for key in dut.connectors() if key != plugged]
    csms.expect_connectors("Occupied", since=boot, rule="B01.FR.05", only=[plugged])
    if others:
        csms.expect_connectors("Available", since=boot, rule="B01.FR.05", only=others)


@testcase(
    "TC_B_23_CS",
    "Reset Charging Station - Unavailable persists reset",
    table=44,
    requirements=["B11.FR.01", "B11.FR.02", "B11.FR.03", "B11.FR.04", "B01.FR.03"],
    catches={"availability-not-persistent": "B11.FR.02"},
)
def test_tc_b_23_cs(csms, dut):
    configured = dut.configured_connector()
    # Memory state: the configured connector Unavailable (undone after the case).
    tx_states.unavailable(csms, dut, evse=configured[0], connector=configured[1])
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.step("1-2", "ResetRequest OnIdle, no transaction: Accepted (B11.FR.01)")
    csms.call("Reset", type="OnIdle").expect(rule="B11.FR.01", status="Accepted")
    csms.step("3-4", "The station reboots: BootNotification, reason RemoteReset (B11.FR.03)")
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B11.FR.03")
    boot.expect(rule="B01.FR.09", reason="RemoteReset")
    csms.step("5-6", "The configured connector still Unavailable (B11.FR.02), the others Available")
    csms.expect_connectors("Unavailable", since=boot, rule="B11.FR.02", only=[configured])
    others = [key for key in dut.connectors() if key != configured]
    if others:
        csms.expect_connectors("Available", since=boot, rule="B11.FR.04", only=others)


@testcase(
    "TC_B_25_CS",
    "Reset EVSE - Without ongoing transaction",
    table=47,
    requirements=["B11.FR.01", "B11.FR.08", "B11.FR.10"],
    catches={"reset-evse-refused": "B11.FR.08"},
    warns={"reset-evse-not-announced": "B11.FR.10"},
)
def test_tc_b_25_cs(csms, dut):
    evse = dut.configured_connector()[0]
    csms.step("1-2", f"ResetRequest OnIdle for EVSE {evse}, no transaction: Accepted (B11.FR.08)")
    csms.call("Reset", type="OnIdle", evseId=evse).expect(rule="B11.FR.08", status="Accepted")
    # The table's note: the EVSE resets; nothing of it is checked (a StatusNotification
    # Unavailable is allowed, not asked for). The station as a whole does not reboot.
    with csms.beyond_octt("Part 6 TC_B_25_CS names B11.FR.10 but reads no variable"):
        # B11.FR.10: a station that resets single EVSEs says so with EVSE.AllowReset.
        status, value = dm.read_optional(csms, dm.Variable("EVSE", "AllowReset", evse=evse))
        if status != "Accepted" or value != "true":
            raise DutFailure(
                f"EVSE {evse}'s AllowReset reads {value!r} ({status}) on a station that "
                "resets single EVSEs; it should be true",
                "B11.FR.10",
            )


def _evse_not_cut_off(csms, tx: tx_states.Session, after: int) -> None:
    """B12.FR.07: the EVSE's transaction ends normally before the EVSE resets: no event
    since ``after`` (the Reset) may say ResetCommand."""
    for event in csms.received("TransactionEvent", after=after):
        if event.get("triggerReason") == "ResetCommand":
            event.entry.failing = True
            raise DutFailure(
                f"the transaction on EVSE {tx.evse} was ended by the reset (frame "
                f"{event.entry.seq}, triggerReason ResetCommand) after the Reset OnIdle was "
                "answered Scheduled",
                "B12.FR.07",
                event.entry.raw,
            )


@testcase(
    "TC_B_26_CS",
    "Reset EVSE - With Ongoing Transaction - OnIdle",
    table=48,
    requirements=["B12.FR.01", "B12.FR.07"],
    catches={"reset-evse-on-idle-at-once": "B12.FR.07", "reset-evse-refused": "B12.FR.01"},
)
def test_tc_b_26_cs(csms, dut):
    tx = tx_states.energy_transfer_started(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    csms.step("1-2", f"ResetRequest OnIdle for EVSE {tx.evse}, its transaction running: Scheduled")
    asked = csms.mark()
    csms.call("Reset", type="OnIdle", evseId=tx.evse).expect(rule="B12.FR.01", status="Scheduled")
    # The transaction ends normally, as the driver ends it (B12.FR.07): the stop states
    # run on; an event of the reset before that is what broke them.
    try:
        _stop_until_ended(csms, dut, tx, 3, to_the_end=True)
    except DutFailure:
        _evse_not_cut_off(csms, tx, asked)
        raise
    _evse_not_cut_off(csms, tx, asked)


@testcase(
    "TC_B_27_CS",
    "Reset EVSE - With Ongoing Transaction - Immediate",
    table=49,
    requirements=["B12.FR.02", "B12.FR.08", "E07.FR.03"],
    catches={"reset-evse-immediate-no-ended": "B12.FR.08", "reset-evse-refused": "B12.FR.02"},
)
def test_tc_b_27_cs(csms, dut):
    tx = tx_states.energy_transfer_started(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    csms.step(
        "1-2", f"ResetRequest Immediate for EVSE {tx.evse}, its transaction running: Accepted"
    )
    csms.call("Reset", type="Immediate", evseId=tx.evse).expect(rule="B12.FR.02", status="Accepted")
    csms.step("3-4", "The transaction ends first: Ended, ResetCommand, ImmediateReset (B12.FR.08)")
    # (Part 6 cites E07.FR.03 here too, which Part 2 Edition 3 does not have.)
    tx_states.transaction_event(
        csms,
        tx,
        rule="B12.FR.08",
        trigger="ResetCommand",
        trigger_rule="B12.FR.08",
        eventType="Ended",
        transactionInfo={"chargingState": "EVConnected", "stoppedReason": "ImmediateReset"},
    )
    # The EVSE resets; the cable stays in, and is pulled out after the case.


@testcase(
    "TC_B_28_CS",
    "Reset EVSE - Not Supported",
    table=50,
    requirements=["B11.FR.01", "B11.FR.09", "B12.FR.01", "B12.FR.09"],
    catches=["reset-evse-unsupported-accepted"],
)
def test_tc_b_28_cs(csms, dut):
    csms.step("1-2", "ResetRequest OnIdle for one EVSE, which the station cannot reset: Rejected")
    evse = dut.profile.layout[0].id
    csms.call("Reset", type="OnIdle", evseId=evse).expect(rule="B11.FR.09", status="Rejected")


@testcase(
    "TC_B_29_CS",
    "Reset EVSE - With ongoing transaction - Not Supported",
    table=51,
    requirements=["B12.FR.01", "B12.FR.09"],
    catches={"reset-evse-unsupported-accepted": "B12.FR.09"},
)
def test_tc_b_29_cs(csms, dut):
    tx = tx_states.energy_transfer_started(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    csms.step("1-2", "ResetRequest OnIdle for the EVSE of the transaction: Rejected (B12.FR.09)")
    csms.call("Reset", type="OnIdle", evseId=tx.evse).expect(rule="B12.FR.09", status="Rejected")


@testcase(
    "TC_B_43_CS",
    "Set new NetworkConnectionProfile - Rejected",
    table=52,
    requirements=["B09.FR.02"],
    catches=["network-profile-any-slot"],
)
def test_tc_b_43_cs(csms, dut):
    csms.step("1-2", "SetNetworkProfile for configuration slot 999, which no station has: Rejected")
    # Everything but the slot is what the station could use: the harness's own endpoint,
    # the profile's interface, timeout and security profile.
    csms.call(
        "SetNetworkProfile",
        configurationSlot=999,
        connectionData={
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": csms.url.rsplit("/", 1)[0],
            "messageTimeout": dut.profile.network.message_timeout,
            "securityProfile": dut.profile.security_profile,
            "ocppInterface": dut.profile.network.interface,
        },
    ).expect(rule="B09.FR.02", status="Rejected")


RETRY_BACK_OFF = {
    name: dm.Variable("OCPPCommCtrlr", name)
    for name in ("RetryBackOffRepeatTimes", "RetryBackOffRandomRange", "RetryBackOffWaitMinimum")
}


@testcase(
    "TC_B_57_CS",
    "Network Reconnection - After connection loss",
    table=64,
    requirements=["OCPP-J 5.3"],
    catches=["reconnects-at-once"],
)
def test_tc_b_57_cs(csms, dut):
    minimum = dut.profile.network.retry_backoff_wait_minimum
    deviation = dut.profile.tolerances.time_deviation
    # Configuration state: back-off doubled twice at most, no random part, the
    # configured minimum (each restored after the case).
    dm.configure(csms, RETRY_BACK_OFF["RetryBackOffRepeatTimes"], "2")
    dm.configure(csms, RETRY_BACK_OFF["RetryBackOffRandomRange"], "0")
    dm.configure(csms, RETRY_BACK_OFF["RetryBackOffWaitMinimum"], str(minimum))
    bound = 2 * minimum + deviation + dut.timeouts.connect
    csms.step(1, "The harness closes the WebSocket connection")
    closed = csms.clock()
    csms.disconnect()
    csms.step("2-3", f"The station reconnects after RetryBackOffWaitMinimum ({minimum} s)")
    csms.expect_reconnect(timeout=bound, rule="OCPP-J 5.3")
    _reconnected_after(csms, closed, minimum - deviation, "the first reconnection")
    csms.step(4, "The harness closes the connection again, and refuses the next attempt")
    closed = csms.clock()
    csms.go_offline("Part 6 TC_B_57_CS step 4: close, and refuse the next attempt")
    csms.step("5-6", "The station tries again after RetryBackOffWaitMinimum: refused")
    refused = csms.expect_refused_attempt(timeout=bound, rule="OCPP-J 5.3")
    first_wait = refused - closed
    if first_wait < minimum - deviation:
        raise DutFailure(
            f"the station tried to reconnect {first_wait:.2f} s after the connection closed; "
            f"RetryBackOffWaitMinimum is {minimum} s",
            "OCPP-J 5.3",
        )
    csms.come_online()
    csms.step("7-8", "After a refused attempt the wait doubles: accepted")
    csms.expect_reconnect(timeout=2 * bound, rule="OCPP-J 5.3")
    _reconnected_after(
        csms, refused, 2 * first_wait - deviation, "the reconnection after a refusal"
    )


def _reconnected_after(csms, since: float, least: float, what: str) -> None:
    """The first connection opened after trace time ``since`` came ``least`` s later
    at the earliest (Part 4 §5.3's back-off; Part 6's tool validations)."""
    opened = [t for kind, t in csms.link_events(since) if kind == "opened"]
    waited = opened[0] - since if opened else 0.0
    if waited < least:
        raise DutFailure(
            f"{what} came {waited:.2f} s after the connection was gone; the back-off asks "
            f"at least {least:.2f} s",
            "OCPP-J 5.3",
        )


OFFLINE_THRESHOLD_VARIABLE = OFFLINE_THRESHOLD  # Part 6 writes "OCPPCommCtrl.RoutineThreshold"


@testcase(
    "TC_B_51_CS",
    "Status change during offline period - > Offline Threshold",
    table=58,
    requirements=["B04.FR.01"],
    # offline-reports-changes-only shows only with two EVSEs: tests/test_two_evses.py
    catches={"offline-reports-nothing": "B04.FR.01"},
)
def test_tc_b_51_cs(csms, dut):
    threshold = dut.profile.network.offline_threshold
    configured, others, since = _offline_status_change(
        csms, dut, threshold, wait_minimum=threshold + 2
    )
    csms.step("3", f"The harness accepts the reconnection once {threshold} s have passed")
    csms.step("4-5", "Every connector reported: the configured one Occupied, the others Available")
    _reconnected(csms, dut, threshold + 2)
    csms.expect_connectors("Occupied", after=since, only=[configured], rule="B04.FR.01")
    if others:
        csms.expect_connectors("Available", after=since, only=others, rule="B04.FR.01")


@testcase(
    "TC_B_52_CS",
    "Status change during offline period - < Offline Threshold",
    table=59,
    requirements=["B04.FR.02"],
    catches=["offline-reports-nothing"],
)
def test_tc_b_52_cs(csms, dut):
    threshold = dut.profile.network.offline_threshold
    configured, _, since = _offline_status_change(
        csms, dut, threshold, wait_minimum=max(threshold - 2, 0), wait_out=False
    )
    csms.step("3", "The harness accepts the reconnection at once")
    csms.step("4-5", "The connector that changed reported: Occupied")
    _reconnected(csms, dut, max(threshold - 2, 0))
    csms.expect_connectors("Occupied", after=since, only=[configured], rule="B04.FR.02")


def _offline_status_change(csms, dut, threshold: int, *, wait_minimum: int, wait_out=True):
    """Part 6 Tables 58-59, steps 1-2: the configuration state, the harness going away
    (refusing reconnections), the EV plugged in meanwhile; with ``wait_out``, the
    harness stays away until the threshold has passed. Returns (configured connector,
    the other connectors, the trace position the reports after the reconnection count
    from); the cable is pulled out again after the case. The position is taken while
    the harness still refuses connections: a station back at once may report before
    the script could look (the loop runs between its statements)."""
    configured = dut.configured_connector()
    others = [key for key in dut.connectors() if key != configured]
    dm.configure(csms, OFFLINE_THRESHOLD_VARIABLE, str(threshold))
    dm.configure(csms, RETRY_BACK_OFF["RetryBackOffWaitMinimum"], str(wait_minimum))
    dm.configure(csms, RETRY_BACK_OFF["RetryBackOffRandomRange"], "0")
    csms.step(1, "The harness closes the connection and refuses reconnections")
    offline = csms.clock()
    csms.go_offline("Part 6: close the connection and do not accept a reconnect")
    csms.step(2, "Manual action: connect the EV and the EVSE")
    dut.act("plug_in", evse=configured[0], connector=configured[1])
    csms.finally_do("the cable pulled out again", unplug, csms, dut, configured)
    if wait_out:
        left = threshold - (csms.clock() - offline) + dut.profile.tolerances.time_deviation
        if left > 0:
            csms.hold_for(left, "Part 6: offline until the OfflineThreshold has passed")
    since = csms.mark()
    csms.come_online()
    return configured, others, since


def _reconnected(csms, dut, wait_minimum: int) -> None:
    """The station's reconnection (within its back-off and the connect timeout)."""
    bound = wait_minimum + dut.profile.tolerances.time_deviation + dut.timeouts.connect
    csms.expect_reconnect(timeout=bound, rule="OCPP-J 5.3")


#: the security event of a station starting after a reset (Part 6 TC_B_21_CS step 11)
_RESET_EVENTS = ("StartupOfTheDevice", "ResetOrReboot")


@contextlib.contextmanager
def _no_reboot_before_idle(csms, sessions: list[tx_states.Session], *, after: int):
    """Whatever fails inside, a BootNotification since ``after`` (the Reset) and before
    the last of the transactions' Ended events is the cause: the station reset before
    its transactions had ended (B12.FR.03), and the states that expected them to go on
    could only fail for other rules."""
    try:
        yield
    except DutFailure:
        _fail_on_early_boot(csms, sessions, after)
        raise
    _fail_on_early_boot(csms, sessions, after)


def _fail_on_early_boot(csms, sessions: list[tx_states.Session], after: int) -> None:
    ends = [
        next((e.entry.seq for e in tx.events if e.get("eventType") == "Ended"), None)
        for tx in sessions
    ]
    # idle from the last Ended on; while one has not ended, any boot is too early
    idle = None if None in ends else max(end for end in ends if end is not None)
    booted = [
        boot
        for boot in csms.received("BootNotification", after=after)
        if idle is None or boot.entry.seq < idle
    ]
    if booted:
        booted[0].entry.failing = True
        raise DutFailure(
            f"the station booted again (frame {booted[0].entry.seq}) before its "
            "transactions had ended, after answering the Reset OnIdle Scheduled",
            "B12.FR.03",
            booted[0].entry.raw,
        )


def _stop_until_ended(csms, dut, tx: tx_states.Session, first_step: int, *, to_the_end: bool):
    """Part 6 Table 46 steps 3-6 (or 7-10): the driver stops, the EV is unplugged and
    leaves; with ``to_the_end`` all four states, else only until the transaction ends
    (the table's notes: the station resets from there)."""
    csms.step(first_step, f"Reusable state StopAuthorized for EVSE {tx.evse}")
    tx_states.stop_authorized(csms, dut, tx)
    csms.step(first_step + 1, f"Reusable state EVConnectedPostSession for EVSE {tx.evse}")
    tx_states.ev_connected_post_session(csms, dut, tx)
    if to_the_end or tx.running:
        csms.step(first_step + 2, f"Reusable state EVDisconnected for EVSE {tx.evse}")
        tx_states.ev_disconnected(csms, dut, tx)
    if to_the_end or tx.running:
        csms.step(first_step + 3, f"Reusable state ParkingBayUnoccupied for EVSE {tx.evse}")
        tx_states.parking_bay_unoccupied(csms, dut, tx)


@testcase(
    "TC_B_41_CS",
    "Reset Charging Station - With multiple ongoing transactions - OnIdle",
    table=46,
    requirements=["B12.FR.01", "B12.FR.03", "E07.FR.03"],
    catches=["reset-on-idle-first-idle", "reset-on-idle-never", "reset-on-idle-at-once"],
    # Part 5: a station with more than one EVSE (HFS-8); the simulated station is one
    # with --sim-option two-evses
    evses=2,
)
def test_tc_b_41_cs(csms, dut):
    # Reusable states: EnergyTransferStarted on EVSE 1 and on EVSE 2 (the second with
    # the profile's other valid token).
    tokens = (dut.tokens.valid, dut.tokens.valid2)
    sessions = []
    for layout, token in zip(dut.profile.layout[:2], tokens, strict=True):
        tx = tx_states.session(csms, dut, evse=layout.id)
        tx.token = {"idToken": token, "type": dut.tokens.type}
        csms.finally_do(f"EVSE {tx.evse} left idle", leave_idle, csms, dut, tx)
        csms.comment(f"Reusable state EnergyTransferStarted for EVSE {tx.evse}")
        sessions.append(tx_states.energy_transfer_started(csms, dut, tx))
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.step("1-2", "ResetRequest OnIdle during both transactions: Scheduled (B12.FR.01)")
    asked = csms.mark()
    csms.call("Reset", type="OnIdle").expect(rule="B12.FR.01", status="Scheduled")
    # Each transaction ends normally before the reset (B12.FR.03): the first EVSE goes
    # through every stop state with the other transaction still running, the second
    # until its transaction has ended.
    first, second = sessions
    with _no_reboot_before_idle(csms, sessions, after=asked):
        _stop_until_ended(csms, dut, first, 3, to_the_end=True)
        _stop_until_ended(csms, dut, second, 7, to_the_end=False)
    csms.step("11-12", "Once idle the station resets: BootNotification, reason ScheduledReset")
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B12.FR.01")
    boot.expect(rule="B01.FR.09", reason="ScheduledReset")
    csms.step("13-14", "Every connector: Occupied where the cable is still in, else Available")
    plugged = [(tx.evse, tx.connector) for tx in sessions if tx.ev_connected]
    if plugged:
        csms.expect_connectors("Occupied", since=boot, rule="B01.FR.05", only=plugged)
    others = [key for key in dut.connectors() if key not in plugged]
    csms.expect_connectors("Available", since=boot, rule="B01.FR.05", only=others)


#: the variables of TC_B_11_CS, each with the data type its values are judged by, and
#: whether Part 6 tests it only when the station has it
_FORMATTED = (
    (OFFLINE_THRESHOLD, "integer", False),
    (dm.Variable("SmartChargingCtrlr", "LimitChangeSignificance"), "decimal", True),
    (dm.Variable("AuthCtrlr", "AuthorizeRemoteStart"), "boolean", True),
    (dm.Variable("ClockCtrlr", "NextTimeOffsetTransitionDateTime"), "dateTime", True),
)


@testcase(
    "TC_B_11_CS",
    "Set Variables - invalidly formatted values",
    table=32,
    requirements=["B05.FR.07"],
    catches=["set-variables-any-format"],
)
def test_tc_b_11_cs(csms, dut):
    # Part 6 repeats the steps for five values: an integer, a decimal, a boolean, a
    # date-time and a word. Each variable takes the ones of its data type and refuses
    # the others as wrongly formatted (B05.FR.07; Rejected, reasonCode InvalidValue or
    # none). Steps 3-8 are for variables the station has (and can write).
    values = ("300", "300.1", "true", utc_now(), "abc")
    step = 1
    for variable, data_type, optional in _FORMATTED:
        table_step = f"{step}-{step + 1}"
        step += 2
        if optional:
            status, _ = dm.read_optional(csms, variable)
            if status != "Accepted":
                csms.note("B05.FR.07", f"steps {table_step} skipped: the station has no {variable}")
                continue
        dm.restore_after(csms, variable)
        for value in values:
            well_formed = dm.fits(data_type, value)
            csms.step(table_step, f"SetVariables {variable} = {value!r}")
            item = {**variable.data(), "attributeValue": value}
            response = csms.call("SetVariables", setVariableData=[item]).expect(rule="B05.FR.07")
            result = response["setVariableResult"][0] if response.get("setVariableResult") else {}
            if optional and well_formed and result.get("attributeStatus") == "Rejected":
                # read-only on this station (Part 6 then skips the steps)
                csms.note("B05.FR.07", f"steps {table_step} skipped: {variable} is not writable")
                break
            expected = "Accepted" if well_formed else "Rejected"
            wanted = {"attributeStatus": expected, "attributeType": "Actual"}
            if not well_formed:
                wanted["attributeStatusInfo"] = absent_or({"reasonCode": "InvalidValue"})
            response.expect(
                rule="B05.FR.07", setVariableResult=exactly_one({**wanted, **dm.names(variable)})
            )


def _base_report(csms, base: str, rule: str, why: str = "") -> list[Any]:
    """Steps 1-4 of Tables 34-36 and 60: GetBaseReport ``base`` answered Accepted
    (``rule``), then its NotifyReport parts, numbered from 0 with the requestId, until
    one says no more follow."""
    csms.step("1-2", f"GetBaseReport {base}: Accepted {why}".rstrip())
    request_id, _ = reports.request_base_report(csms, base, rule=rule)
    csms.step("3-4", "NotifyReport parts: this requestId, seqNo from 0, until tbc is false")
    return reports.collect_report(csms, request_id)


@testcase(
    "TC_B_12_CS",
    "Get Base Report - ConfigurationInventory",
    table=34,
    requirements=["B07.FR.01", "B07.FR.03", "B07.FR.04", "B07.FR.07", "B07.FR.10", "B07.FR.12"],
    catches=["report-read-only-in-configuration", "report-seq-no-from-one"],
)
def test_tc_b_12_cs(csms, dut):
    parts = _base_report(csms, "ConfigurationInventory", "B07.FR.12", "(B07.FR.01, .12)")
    # Post-scenario validation: every variable reported has its characteristics (a
    # list type its valuesList) and is one an operator can set (B07.FR.07).
    reports.check_variables(parts, rule="B07.FR.07", settable_only=True)


@testcase(
    "TC_B_13_CS",
    "Get Base Report - FullInventory",
    table=35,
    requirements=["B07.FR.01", "B07.FR.03", "B07.FR.04", "B07.FR.08", "B07.FR.10", "B07.FR.12"],
    catches={"report-seq-no-from-one": "B07.FR.10", "report-without-values-list": "B07.FR.08"},
)
def test_tc_b_13_cs(csms, dut):
    parts = _base_report(csms, "FullInventory", "B07.FR.12", "(B07.FR.01, .12)")
    # Post-scenario validation: every variable with its characteristics (B07.FR.08).
    reports.check_variables(parts, rule="B07.FR.08")


@testcase(
    "TC_B_53_CS",
    "Get Base Report - Test mandatory DM variables via FullInventory",
    table=60,
    requirements=["Part 2 Referenced Components and Variables"],
    catches=["report-omits-required-variable"],
)
def test_tc_b_53_cs(csms, dut):
    rule = "Part 2 Referenced Components and Variables"
    parts = _base_report(csms, "FullInventory", rule)
    # Post-scenario validations: the required variables of the blocks the station has,
    # a valuesList for every list type and each value from it, no value for WriteOnly.
    layout = [(evse.id, evse.connectors) for evse in dut.profile.layout]
    reports.check_required(parts, layout, dut.supports, rule=rule)
    reports.check_variables(parts, rule=rule)
    reports.check_values(parts, rule=rule)


@testcase(
    "TC_B_14_CS",
    "Get Base Report - SummaryInventory",
    table=36,
    requirements=["B07.FR.01", "B07.FR.03", "B07.FR.04", "B07.FR.09", "B07.FR.10", "B07.FR.12"],
    # Part 6's prerequisite: Part 5 makes the case mandatory in Advanced Device
    # Management, but only a station that has the report (C-56) can run it
    needs=["C-56"],
    catches={
        "summary-without-evse-availability": "B07.FR.09",
        "summary-without-problems": "B07.FR.09",
        "report-seq-no-from-one": "B07.FR.10",
        "report-without-values-list": "B07.FR.09",
    },
)
def test_tc_b_14_cs(csms, dut):
    # Part 6 checks the problem variables of whatever components are in an abnormal
    # state; a station in good order has none, so the harness asks the rig to fault one
    # EVSE for the report (a rig that cannot still runs the rest) and ends it afterwards.
    with csms.beyond_octt("Part 6 takes the station's condition as it finds it"):
        _fault_for_the_report(csms, dut)
    parts = _base_report(csms, "SummaryInventory", "B07.FR.01", "(statusInfo absent or NoError)")
    # Post-scenario validations: every variable with its characteristics (a list type
    # its valuesList), the availability of the station and of each EVSE, and for each
    # component in an abnormal state its problem variables: a Faulted one has its
    # Problem set (B07.FR.09). The "any other diagnostically relevant" variables Part 6
    # adds are the station's choice, which no rule can tell from outside.
    reports.check_variables(parts, rule="B07.FR.09")
    reports.check_availability(parts, [evse.id for evse in dut.profile.layout], rule="B07.FR.09")
    reports.check_problems(parts, rule="B07.FR.09")


def _fault_for_the_report(csms, dut) -> None:
    """Put the configured EVSE into a fault state until the case ends, when the rig can
    (one that cannot leaves the station as it is)."""
    evse, _ = dut.configured_connector()
    try:
        dut.act("fault", evse=evse)
    except pytest.skip.Exception as skipped:
        csms.comment(f"No EVSE faulted for the report: {skipped}")
        return
    csms.finally_do(f"EVSE {evse} out of its fault state", dut.act, "clear_fault", evse=evse)


@testcase(
    "TC_B_15_CS",
    "Get Base Report - Not Supported base report",
    table=37,
    requirements=["B07.FR.02"],
    catches=["report-summary-accepted"],
)
def test_tc_b_15_cs(csms, dut):
    before = csms.mark()
    csms.step("1-2", "GetBaseReport SummaryInventory, which the station lacks: NotSupported")
    reports.request_base_report(csms, "SummaryInventory", status="NotSupported", rule="B07.FR.02")
    # Part 6's note: the tool waits to make sure no NotifyReport follows (B07.FR.05).
    csms.hold_for(dut.timeouts.response, "Part 6: no NotifyReport may follow a NotSupported")
    sent = csms.received("NotifyReport", after=before)
    if sent:
        sent[0].entry.failing = True
        raise DutFailure(
            f"the station sent NotifyReport (frame {sent[0].entry.seq}) after answering "
            "GetBaseReport NotSupported",
            "B07.FR.05",
            sent[0].entry.raw,
        )


@testcase(
    "TC_B_20_CS",
    "Reset Charging Station - Without ongoing transaction - OnIdle",
    table=41,
    requirements=["B11.FR.01", "B11.FR.03", "B11.FR.04", "B01.FR.03"],
    catches=["ignores-reset"],
    warns={"reset-boot-wrong-reason": "B01.FR.09"},
)
def test_tc_b_20_cs(csms, dut):
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.step("1-2", "ResetRequest OnIdle, no transaction: Accepted (B11.FR.01)")
    csms.call("Reset", type="OnIdle").expect(rule="B11.FR.01", status="Accepted")
    csms.step("3-4", "The station reboots and boots again (B11.FR.03, B01.FR.03): Accepted")
    # It may report Unavailable before going down (B11.FR.03): only the state after counts.
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B11.FR.03")
    csms.step("5-6", "Every connector Available, as a cold boot (B11.FR.04)")
    csms.expect_connectors("Available", since=boot, rule="B11.FR.04")
    # Beyond Part 6: the boot says why it happened (B01.FR.09).
    with csms.beyond_octt("Part 6 TC_B_20_CS does not check the boot reason"):
        boot.expect(rule="B01.FR.09", reason="RemoteReset")
