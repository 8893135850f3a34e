"""OCPP 1.6 Core — the DUT is a central system (harness = charge point).

The 1.6 OCTT test-case document is not public: these cases follow the ids and titles
OCTT uses and check what OCPP 1.6 edition 2 requires, named by section (C16.4.2 = §4.2).
"""

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
    # Boot: the central system accepts a registered charge point (§4.2) ...
    station.call("BootNotification", states.boot_payload(station.version, dut)).expect(
        rule="C16.4.2", status="Accepted"
    )
    # ... answers the status of connector 0 and each connector (§4.9) and a Heartbeat
    # with its current time (§4.6).
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
