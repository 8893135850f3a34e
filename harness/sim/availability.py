"""What ChangeAvailability does in both versions once its targets are known.

The 1.6 and 2.0.1 blocks (:mod:`harness.sim.availability_v16`,
:mod:`harness.sim.availability_v201`) name the targets each in its own way (connector
ids, or EVSE and connector); from there the rule is one: a connector that would become
inoperative under a running transaction makes the answer Scheduled, otherwise every
target takes the new state and the ones that changed are reported after the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.sim.connectors import Connector
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_link import StationLink

__all__ = ["set_operative"]


def set_operative(
    station: StationLink,
    targets: list[Connector],
    operative: bool,
    *,
    first: tuple[int, int] | None = None,
) -> Reply:
    """Make ``targets`` (in)operative, or answer Scheduled; ``first`` is reported before
    the connectors when any changed (1.6: connector 0, the charge point itself)."""
    if not operative and any(c.transaction is not None for c in targets):
        return Reply({"status": "Scheduled"})
    changed = [(c.evse, c.connector) for c in targets if c.operative != operative]
    for connector in targets:
        connector.operative = operative
    if first is not None and changed:
        changed.insert(0, first)

    async def report() -> None:
        await station.report_status(changed)

    return Reply({"status": "Accepted"}, after=report if changed else None)
