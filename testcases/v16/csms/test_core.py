"""OCPP 1.6 Core — the DUT is a central system (harness = charge point)."""

from harness import DutFailure, testcase
from harness.states import csms as states

BLOCK = "Core"


@testcase(
    "TC_001_CSMS",
    "Cold Boot Charge Point",
    requirements=["C16.4.2", "C16.4.6"],
    catches=["boot-response-invalid", "heartbeat-response-invalid"],
)
def test_tc_001_csms(station, dut):
    station.connect()
    station.call("BootNotification", states.boot_payload(station.version, dut)).expect(
        rule="C16.4.2", status="Accepted", interval=lambda i: i > 0
    )
    states.report_connectors(station, dut)
    station.call("Heartbeat").expect(rule="C16.4.6")


@testcase(
    "TC_019_1_CSMS",
    "Retrieve configuration - all keys",
    requirements=["C16.5.8"],
    catches={"get-configuration-with-keys": "C16.5.8", "get-variables-invalid": None},
)
def test_tc_019_1_csms(station, dut):
    states.booted(station, dut)
    # Manual action: make the central system retrieve the whole configuration.
    dut.act("get_configuration")
    request = station.expect("GetConfiguration", rule="C16.5.8")
    if request.get("key"):
        raise DutFailure(
            f"GetConfiguration for all keys carries a key list "
            f"{request['key']}; it must be omitted or empty",
            "C16.5.8",
            request.entry.raw,
        )
