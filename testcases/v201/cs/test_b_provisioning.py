"""Block B, Provisioning — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Steps follow the public descriptions of the OCA test cases; requirement ids are those
of OCPP 2.0.1 Part 2.
"""

from harness import DutFailure, testcase
from harness.matching import differences

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


def _only_result(response, key: str) -> dict:
    """The one result of a one-item Get/SetVariables (B05.FR.01, B06.FR.01)."""
    results = response.get(key) or []
    rule = "B06.FR.01" if key == "getVariableResult" else "B05.FR.01"
    if len(results) != 1:
        raise DutFailure(
            f"{response.action} answered {len(results)} results for 1 item", rule, response.raw
        )
    result = results[0]
    # The result names the component and variable that were asked for (B05/B06.FR.02).
    asked = {k: OFFLINE_THRESHOLD[k] for k in ("component", "variable")}
    diffs = differences(asked, result)
    if diffs:
        raise DutFailure(
            f"{response.action} result is for another variable: {'; '.join(diffs)}",
            rule.replace("FR.01", "FR.02"),
            response.raw,
        )
    return result


def _read_offline_threshold(csms) -> tuple[str, object]:
    response = csms.call("GetVariables", getVariableData=[OFFLINE_THRESHOLD]).expect(
        rule="B06.FR.01"
    )
    result = _only_result(response, "getVariableResult")
    if result.get("attributeStatus") != "Accepted" or "attributeValue" not in result:
        raise DutFailure(
            f"GetVariables of the required OCPPCommCtrlr.OfflineThreshold was "
            f"{result.get('attributeStatus')} without a value; expected Accepted "
            "with its value",
            "B06.FR.02",
            response.raw,
        )
    return result["attributeValue"], response


@testcase(
    "TC_B_06_CS",
    "Get Variables - single value",
    requirements=["B06.FR.01", "B06.FR.02"],
    catches=["get-variables-wrong-component"],
)
def test_tc_b_06_cs(csms, dut):
    # The CSMS asks for one variable; the station answers one result for the same
    # component and variable, Accepted, with its value.
    value, response = _read_offline_threshold(csms)
    if not value.isdigit():
        raise DutFailure(
            f"OfflineThreshold is {value!r}, not an integer number of seconds",
            "B06.FR.02",
            response.raw,
        )


@testcase(
    "TC_B_09_CS",
    "Set Variables - single value",
    requirements=["B05.FR.01", "B05.FR.02", "B05.FR.10"],
    catches=["set-variables-not-applied"],
)
def test_tc_b_09_cs(csms, dut):
    original, _ = _read_offline_threshold(csms)
    new_value = "181" if original != "181" else "182"
    response = csms.call(
        "SetVariables", setVariableData=[{**OFFLINE_THRESHOLD, "attributeValue": new_value}]
    ).expect(rule="B05.FR.01")
    if _only_result(response, "setVariableResult").get("attributeStatus") != "Accepted":
        raise DutFailure(
            f"SetVariables OfflineThreshold={new_value} was not Accepted", "B05.FR.01", response.raw
        )
    # Accepted means the value is set (B05.FR.10): reading it back gives the new value.
    value, after = _read_offline_threshold(csms)
    if value != new_value:
        raise DutFailure(
            f"OfflineThreshold reads {value!r} after SetVariables accepted {new_value!r}",
            "B05.FR.10",
            after.raw,
        )
    # Post-condition: restore the configured value.
    csms.call("SetVariables", setVariableData=[{**OFFLINE_THRESHOLD, "attributeValue": original}])


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
