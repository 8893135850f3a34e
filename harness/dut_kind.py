"""Which role the device under test plays: a charging station or a CSMS.

The harness plays the other one. Spelled as the DUT profile's ``dut.kind`` and
report.json's ``dut_kind`` spell it; a StrEnum, so a member still equals that string
where a profile or a report is read.
"""

from __future__ import annotations

import enum

__all__ = ["DutKind"]


class DutKind(enum.StrEnum):
    CHARGING_STATION = "charging-station"
    CSMS = "csms"

    @property
    def harness_plays(self) -> DutKind:
        """The role the harness takes against a DUT of this kind."""
        return DutKind.CSMS if self is DutKind.CHARGING_STATION else DutKind.CHARGING_STATION

    @property
    def sim_side(self) -> str:
        """The simulators' name for this role ("station" or "csms"), as their defects
        and options are registered."""
        return "station" if self is DutKind.CHARGING_STATION else "csms"
