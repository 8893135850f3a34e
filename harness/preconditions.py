"""Part 6 §2.1 general pre-conditions for a station DUT, checked before every case.

Part 6 starts every station case from a station that is accepted by the CSMS, has a
stable connection and is idle. On a real device one case can leave it otherwise (a
failing TC_B_02_CS leaves a station Pending; a transaction may still run). Running the
next case anyway would blame the station for the wrong rule, so before each case the
harness establishes what it can (it waits for the station to boot again and accepts
it) and checks the rest; a case whose start state cannot be reached ends in *error*,
naming the cause and the case that left the station so.
"""

from __future__ import annotations

from typing import Any

from harness.spec.boot import BootStatus
from harness.verdicts import HarnessError

__all__ = ["establish_station_preconditions"]


async def establish_station_preconditions(
    session: Any, *, previous_case: str | None, wait: float, restarting: bool = False
) -> None:
    """Accepted (waiting up to ``wait`` s for a new boot) and idle, or a set-up error.

    ``restarting``: no station is connected and the case's first step restarts it; the
    boot it then makes is the case's own, so a Pending or Rejected one before is not
    waited out (the station must still be idle)."""
    after = f" since {previous_case}" if previous_case else ""
    gate = session.monitors.boot_gate
    if not restarting and gate.status in (BootStatus.PENDING, BootStatus.REJECTED):
        session.trace.event(
            f"precondition: the station's boot is {gate.status}{after}; waiting for it to "
            "boot again (it will be accepted)"
        )
        accepted = await session.wait_for(lambda: gate.status is BootStatus.ACCEPTED, wait)
        if not accepted:
            raise HarnessError(
                f"precondition not met: the station's boot was answered {gate.status}{after} "
                f"and it did not boot again within {wait:g} s, so it is not accepted "
                "(Part 6 §2.1)",
                "setup",
            )
    open_transactions = session.monitors.seq_nos.open_transactions()
    if open_transactions:
        raise HarnessError(
            f"precondition not met: the station is not idle, transaction "
            f"{', '.join(open_transactions)} has not ended{after} (Part 6 §2.1)",
            "setup",
        )
