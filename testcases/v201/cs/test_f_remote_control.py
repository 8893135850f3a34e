"""Block F, Remote control — OCPP 2.0.1, the DUT is a charging station (harness = CSMS)."""

from harness import testcase

BLOCK = "F Remote Control"


@testcase(
    "TC_F_20_CS",
    "Trigger message - Heartbeat",
    requirements=["F06.FR.04"],
    catches=["ignores-trigger"],
)
def test_tc_f_20_cs(csms, dut):
    csms.call("TriggerMessage", requestedMessage="Heartbeat").expect(
        rule="F06.FR.04", status="Accepted"
    )
    # The triggered Heartbeat follows the response (F06.FR.04).
    csms.expect("Heartbeat", rule="F06.FR.04")
