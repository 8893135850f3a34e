"""Block B, Provisioning — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Steps follow the public descriptions of the OCA test cases; requirement ids are those
of OCPP 2.0.1 Part 2.
"""

from harness import testcase

BLOCK = "B Provisioning"


def _heartbeat(dut) -> int:
    return int(dut.timers.heartbeat)


@testcase(
    "TC_B_01_CS",
    "Cold Boot Charging Station - Accepted",
    requirements=["B01.FR.01", "B01.FR.04", "B01.FR.05"],
    catches=["boot-omits-model", "wrong-connector-status", "no-heartbeat"],
)
def test_tc_b_01_cs(csms, dut):
    interval = _heartbeat(dut)
    csms.will_reply("BootNotification", status="Accepted", interval=interval)
    # 1. Manual action: power cycle the station.
    dut.act("reboot")
    # 2. The station sends BootNotification (B01.FR.01); the CSMS accepts it.
    csms.expect("BootNotification", rule="B01.FR.01")
    # 3. A StatusNotification per connector, Available (B01.FR.05).
    csms.expect(
        "StatusNotification", each_connector=True, connectorStatus="Available", rule="B01.FR.05"
    )
    # 4. Heartbeats at the interval given in the response (B01.FR.04).
    csms.expect("Heartbeat", timeout=interval + dut.timeouts.response, rule="B01.FR.04")


@testcase(
    "TC_B_02_CS",
    "Cold Boot Charging Station - Pending",
    requirements=["B02.FR.01", "B02.FR.02", "B02.FR.08"],
    catches=["sends-while-pending"],
)
def test_tc_b_02_cs(csms, dut):
    retry = int(dut.timers.boot_retry)
    csms.will_reply("BootNotification", status="Pending", interval=retry)
    dut.act("reboot")
    csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.01")
    # While Pending the station sends nothing but BootNotification (B02.FR.02: the
    # harness enforces it from the moment it answers Pending), and it still answers the
    # CSMS (B02.FR.01).
    csms.call("GetVariables", getVariableData=[OFFLINE_THRESHOLD], rule="B02.FR.01").expect(
        rule="B02.FR.01"
    )
    # After the interval it boots again (B02.FR.08); now the CSMS accepts.
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.expect("BootNotification", timeout=retry + dut.timeouts.response, rule="B02.FR.08")
    csms.expect(
        "StatusNotification", each_connector=True, connectorStatus="Available", rule="B01.FR.05"
    )


@testcase(
    "TC_B_03_CS",
    "Cold Boot Charging Station - Rejected",
    requirements=["B03.FR.01", "B03.FR.02"],
    catches=["ignores-boot-interval"],
)
def test_tc_b_03_cs(csms, dut):
    retry = int(dut.timers.boot_retry)
    csms.will_reply("BootNotification", status="Rejected", interval=retry)
    dut.act("reboot")
    csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.01")
    # Rejected: the station sends nothing at all until the interval has passed (B03.FR.02).
    csms.expect_silence(retry * 0.6, rule="B03.FR.02")
    csms.will_reply("BootNotification", status="Accepted", interval=_heartbeat(dut))
    csms.expect("BootNotification", timeout=retry + dut.timeouts.response, rule="B03.FR.01")
    csms.expect(
        "StatusNotification", each_connector=True, connectorStatus="Available", rule="B01.FR.05"
    )


OFFLINE_THRESHOLD = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "OfflineThreshold"},
}


def _single_result(response, rule):
    results = response.get("getVariableResult") or response.get("setVariableResult") or []
    if len(results) != 1:
        from harness.verdicts import DutFailure

        raise DutFailure(
            f"{response.action} answered {len(results)} results for 1 item", rule, response.raw
        )
    return results[0]


@testcase(
    "TC_B_06_CS",
    "Get Variables - single value",
    requirements=["B06.FR.01", "B06.FR.02"],
    catches={"get-variables-wrong-component": "B06.FR.01"},
)
def test_tc_b_06_cs(csms, dut):
    response = csms.call(
        "GetVariables", getVariableData=[OFFLINE_THRESHOLD], rule="B06.FR.01"
    ).expect(rule="B06.FR.01")
    result = _single_result(response, "B06.FR.01")
    # The result names the same component and variable, Accepted with a value.
    response.expect(
        rule="B06.FR.01",
        getVariableResult=lambda r: (
            r[0].get("component") == OFFLINE_THRESHOLD["component"]
            and r[0].get("variable") == OFFLINE_THRESHOLD["variable"]
        ),
    )
    from harness.matching import differences
    from harness.verdicts import DutFailure

    diffs = differences({"attributeStatus": "Accepted", "attributeValue": str.isdigit}, result)
    if diffs:
        raise DutFailure("GetVariables result: " + "; ".join(diffs), "B06.FR.02", response.raw)


@testcase(
    "TC_B_09_CS",
    "Set Variables - single value",
    requirements=["B05.FR.01", "B06.FR.01"],
    catches={"set-variables-not-applied": "B05.FR.01"},
)
def test_tc_b_09_cs(csms, dut):
    before = csms.call("GetVariables", getVariableData=[OFFLINE_THRESHOLD]).expect(rule="B06.FR.01")
    original = _single_result(before, "B06.FR.01").get("attributeValue", "")
    new_value = "181" if original != "181" else "182"
    set_response = csms.call(
        "SetVariables", setVariableData=[{**OFFLINE_THRESHOLD, "attributeValue": new_value}]
    ).expect(rule="B05.FR.01")
    result = _single_result(set_response, "B05.FR.01")
    if result.get("attributeStatus") != "Accepted":
        from harness.verdicts import DutFailure

        raise DutFailure(
            f"SetVariables of OfflineThreshold={new_value} was "
            f"{result.get('attributeStatus')}, expected Accepted",
            "B05.FR.01",
            set_response.raw,
        )
    after = csms.call("GetVariables", getVariableData=[OFFLINE_THRESHOLD]).expect(rule="B06.FR.01")
    value = _single_result(after, "B06.FR.01").get("attributeValue")
    if value != new_value:
        from harness.verdicts import DutFailure

        raise DutFailure(
            f"OfflineThreshold reads {value!r} after SetVariables accepted {new_value!r}",
            "B05.FR.01",
            after.raw,
        )
    # Post-condition: restore the configured value.
    if original:
        csms.call(
            "SetVariables", setVariableData=[{**OFFLINE_THRESHOLD, "attributeValue": original}]
        )


@testcase(
    "TC_B_20_CS",
    "Reset Charging Station - Without ongoing transaction - OnIdle",
    requirements=["B11.FR.01", "B11.FR.03", "B11.FR.04"],
    catches=["ignores-reset"],
)
def test_tc_b_20_cs(csms, dut):
    csms.will_reply("BootNotification", status="Accepted", interval=300)
    csms.call("Reset", type="OnIdle", rule="B11.FR.01").expect(rule="B11.FR.01", status="Accepted")
    # The station reboots and boots with reason RemoteReset (B11.FR.03/04).
    csms.expect(
        "BootNotification", timeout=dut.timeouts.connect, rule="B11.FR.03", reason="RemoteReset"
    )
    csms.expect(
        "StatusNotification", each_connector=True, connectorStatus="Available", rule="B01.FR.05"
    )
