"""Block F, Remote control — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to 2025-09);
its numbered steps are the ``csms.step(...)`` calls.
"""

from harness import DutFailure, testcase
from harness.steps.heartbeat import trigger_window

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
