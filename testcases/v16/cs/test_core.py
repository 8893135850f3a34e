"""OCPP 1.6 Core — the DUT is a charge point (harness = central system)."""

from harness import DutFailure, testcase
from harness.spec import OCPP16_REQUIRED_CORE_KEYS

BLOCK = "Core"


@testcase(
    "TC_001_CS",
    "Cold Boot Charge Point",
    requirements=["C16.4.2", "C16.4.9"],
    catches={
        "boot-omits-model": None,
        "wrong-connector-status": "C16.4.9",
        "no-heartbeat": "C16.4.6",
    },
)
def test_tc_001_cs(csms, dut):
    interval = int(dut.timers.heartbeat)
    csms.will_reply("BootNotification", status="Accepted", interval=interval)
    dut.act("reboot")
    csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="C16.4.2")
    # StatusNotification for connector 0 (the charge point) and each connector.
    csms.expect("StatusNotification", each_connector=True, status="Available", rule="C16.4.9")
    csms.expect("Heartbeat", timeout=interval + dut.timeouts.response, rule="C16.4.6")


def _keys(response) -> dict[str, dict]:
    return {entry.get("key"): entry for entry in response.get("configurationKey", [])}


@testcase(
    "TC_019_CS",
    "Retrieve configuration",
    requirements=["C16.5.8", "C16.9.1"],
    catches=["get-configuration-missing-keys"],
)
def test_tc_019_cs(csms, dut):
    response = csms.call("GetConfiguration").expect(rule="C16.5.8")
    keys = _keys(response)
    missing = [key for key in OCPP16_REQUIRED_CORE_KEYS if key not in keys]  # §9.1
    if missing:
        raise DutFailure(
            f"GetConfiguration without keys omits required core key(s) {', '.join(missing)}",
            "C16.9.1",
            response.raw,
        )


@testcase(
    "TC_021_CS",
    "Change/set configuration",
    requirements=["C16.5.3"],
    catches=["change-configuration-not-applied"],
)
def test_tc_021_cs(csms, dut):
    key = "MeterValueSampleInterval"
    before = _keys(csms.call("GetConfiguration", key=[key]).expect(rule="C16.5.8"))
    original = before.get(key, {}).get("value")
    new_value = "61" if original != "61" else "62"
    csms.call("ChangeConfiguration", key=key, value=new_value).expect(
        rule="C16.5.3", status="Accepted"
    )
    after = csms.call("GetConfiguration", key=[key]).expect(rule="C16.5.8")
    value = _keys(after).get(key, {}).get("value")
    if value != new_value:
        raise DutFailure(
            f"{key} reads {value!r} after ChangeConfiguration accepted {new_value!r}",
            "C16.5.3",
            after.raw,
        )
    if original is not None:
        csms.call("ChangeConfiguration", key=key, value=original)
