"""Block B, Provisioning — OCPP 2.0.1, the DUT is a CSMS (harness = charging station)."""

from harness import DutFailure, testcase
from harness.states import csms as states
from harness.states.csms import boot_payload

BLOCK = "B Provisioning"


@testcase(
    "TC_B_01_CSMS",
    "Cold Boot Charging Station - Accepted",
    requirements=["B01.FR.02", "B01.FR.04"],
    catches=["boot-response-invalid", "heartbeat-response-invalid"],
)
def test_tc_b_01_csms(station, dut):
    station.connect()
    # 1-2. The station boots; the CSMS accepts with a heartbeat interval > 0.
    station.call("BootNotification", boot_payload(station.version, dut)).expect(
        rule="B01.FR.02", status="Accepted", interval=lambda i: i > 0
    )
    # 3-4. StatusNotification per connector; the CSMS answers each.
    states.report_connectors(station, dut)
    # 5-6. Heartbeat; the CSMS answers with its current time.
    station.call("Heartbeat").expect(rule="B01.FR.04")


@testcase(
    "TC_B_02_CSMS",
    "Cold Boot Charging Station - Pending",
    requirements=["B02.FR.09"],
    catches=["pending-accepts-requests"],
)
def test_tc_b_02_csms(station, dut):
    # Manual action: configure the CSMS to answer the next boot with Pending.
    dut.act("boot_pending")
    station.connect()
    station.call("BootNotification", boot_payload(station.version, dut)).expect(
        rule="B02", status="Pending"
    )
    # A station that sends other requests while Pending gets SecurityError (B02.FR.09).
    response = station.call(
        "StatusNotification",
        {
            "timestamp": "2026-01-01T00:00:00Z",
            "connectorStatus": "Available",
            "evseId": 1,
            "connectorId": 1,
        },
    )
    if response.error_code != "SecurityError":
        answer = (
            f"CALLERROR {response.error_code}"
            if response.is_error
            else f"a CALLRESULT {response.payload}"
        )
        raise DutFailure(
            f"the CSMS answered a StatusNotification from a Pending station "
            f"with {answer}, expected CALLERROR SecurityError",
            "B02.FR.09",
            response.raw,
        )
    # Manual action: let the CSMS accept; the station boots again and is accepted.
    dut.act("boot_accept")
    station.call("BootNotification", boot_payload(station.version, dut)).expect(
        rule="B02.FR.08", status="Accepted"
    )


@testcase(
    "TC_B_06_CSMS",
    "Get Variables - single value",
    requirements=["B06.FR.01"],
    catches=["get-variables-invalid"],
)
def test_tc_b_06_csms(station, dut):
    states.booted(station, dut)
    station.will_reply(
        "GetVariables",
        lambda request: {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeValue": "60",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in request.get("getVariableData", [])
            ]
        },
    )
    # Manual action: make the CSMS ask for one variable. Its request is schema-checked
    # like every frame; it must ask for at least one variable.
    dut.act(
        "get_variables", items=[{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]
    )
    request = station.expect(
        "GetVariables", rule="B06.FR.01", getVariableData=lambda items: len(items) >= 1
    )
    station.step(f"the CSMS asked for {len(request['getVariableData'])} variable(s)")


@testcase(
    "TC_B_58_CSMS",
    "WebSocket Subprotocol validation",
    requirements=["OCPP-J 3.2"],
    catches={"accepts-unknown-subprotocol": "OCPP-J 3.2"},
)
def test_tc_b_58_csms(station, dut):
    # 1. Offer only an unknown subprotocol: the CSMS must not agree on it.
    unknown = station.handshake(["ocpp0.1"])
    if unknown.upgraded and unknown.subprotocol is not None:
        raise DutFailure(
            f"the CSMS upgraded a connection that offered only 'ocpp0.1' and "
            f"agreed on {unknown.subprotocol!r}",
            "OCPP-J 3.2",
        )
    # 2. Offer the unknown one first, then the version: the CSMS picks the version.
    wanted = station.version.subprotocol
    both = station.handshake(["ocpp0.1", wanted])
    if not both.upgraded or both.subprotocol != wanted:
        raise DutFailure(
            f"offered 'ocpp0.1, {wanted}', the CSMS answered upgraded="
            f"{both.upgraded} subprotocol={both.subprotocol!r} "
            f"(HTTP {both.status}); expected an upgrade with {wanted!r}",
            "OCPP-J 3.2",
        )
