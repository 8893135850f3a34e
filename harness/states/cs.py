"""Part 6 §2.18 reusable states for a charging-station DUT (the harness is the CSMS).

Each state is a function of the role and the DUT made of ordinary facade steps, so it
shows in the trace and a station that cannot reach the state fails there, under the
rule of the step that broke. The numbered comments follow the state's table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from harness.matching import one_of
from harness.messages import Message

if TYPE_CHECKING:
    from harness.roles import CsmsRole

__all__ = ["BOOT_SECURITY_EVENTS", "booted", "booted_again", "booting"]

#: the security event a station sends once it is up again (Table 423, step 7): both are
#: critical events (Part 2 appendix), so A04.FR.01 makes the station send them
BOOT_SECURITY_EVENTS = ("StartupOfTheDevice", "ResetOrReboot")

Via = Literal["power-cycle", "reset"]


def booting(csms: Any, dut: Any) -> None:
    """State *Booting* (Part 6 Table 422): the station has been told to reset and is on
    its way down; its new connection is not there yet."""
    # 1-2. ResetRequest Immediate; the station must accept it.
    csms.call("Reset", type="Immediate").expect(rule="B11.FR.01", status="Accepted")


def booted(csms: CsmsRole, dut: Any, *, via: Via = "power-cycle") -> Message:
    """State *Booted* (Part 6 Table 423): the station reboots (power cycle or reset, as
    the case says), is accepted, reports every connector Available and sends its
    startup security event. Returns its BootNotification.

    The CSMS answers the boot Accepted with the configured heartbeat interval.
    """
    csms.will_reply("BootNotification", status="Accepted", interval=int(dut.timers.heartbeat))
    if via == "reset":
        # 1-2. ResetRequest; tool validation: status Accepted.
        booting(csms, dut)
    else:
        # Manual action: power cycle the station.
        dut.act("power_cycle")
    return booted_again(csms, dut)


def booted_again(csms: CsmsRole, dut: Any) -> Message:
    """Steps 3-8 of state *Booted* for a station that is already restarting (a case's
    own Reset sent it down, the case having registered the boot's Accepted answer
    before, as :func:`booted` does): its boot, every connector Available, the startup
    security event. Returns its BootNotification."""
    # 3-4. The station boots again (B01.FR.03) and is accepted.
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.03")
    # 5-6. Every connector reported Available, by StatusNotification or NotifyEvent
    # (B01.FR.05; G01.FR.07 allows either); earlier reports do not count.
    csms.expect_connectors("Available", since=boot, rule="B01.FR.05")
    # 7-8. The startup security event (A04.FR.01: a critical event is always sent).
    csms.expect(
        "SecurityEventNotification",
        rule="A04.FR.01",
        type=one_of(*BOOT_SECURITY_EVENTS),
    )
    return boot
