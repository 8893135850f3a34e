"""What ChangeAvailability does in both versions once its targets are known.

The 1.6 and 2.0.1 blocks (:mod:`harness.sim.availability_v16`,
:mod:`harness.sim.availability_v201`) name the targets each in its own way (connector
ids, or EVSE and connector); from there the rule is one. A target whose EVSE runs a
transaction does not become inoperative at once: the change waits for the end of the
transaction and the answer is Scheduled (2.0.1 G03.FR.05, G04.FR.06; 1.6 §5.2); every
other target takes the new state now, and the targets are reported after the answer.
The availability set is kept across a restart (G03.FR.08, G04.FR.09; 1.6 §5.2
"persistent states"): :func:`restarted` is the station's restart seen from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from harness.sim.connectors import Connector
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_link import StationLink

__all__ = ["DEFECTS", "apply_scheduled", "restarted", "set_operative"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # restarted
    Defect(
        "availability-not-persistent",
        "station",
        V201,
        "forgets the availability the CSMS set when it restarts: every connector is "
        "operative again after a reboot or a power cut",
        "G03.FR.08",
    ),
)


def set_operative(
    station: StationLink,
    targets: list[Connector],
    operative: bool,
    *,
    first: tuple[int, int] | None = None,
    report_unchanged: bool = False,
) -> Reply:
    """Make ``targets`` (in)operative now, or at the end of the transaction on their
    EVSE (answer Scheduled); an Operative request cancels a change still waiting.

    After an Accepted or Scheduled answer the targets that changed are reported, or
    every target taken now with ``report_unchanged``; ``first`` is reported before the
    connectors when any is (1.6: connector 0, the charge point itself)."""
    busy = _busy_evses(station.connectors.values()) if not operative else set()
    later = [c for c in targets if c.evse in busy and c.operative]
    now = [c for c in targets if c not in later]
    changed = [(c.evse, c.connector) for c in now if c.operative != operative]
    for connector in now:
        connector.operative = operative
        connector.scheduled = None
    for connector in later:
        connector.scheduled = operative
    reported = [(c.evse, c.connector) for c in now] if report_unchanged else changed
    if first is not None and reported:
        reported.insert(0, first)

    async def report() -> None:
        await station.report_status(reported)

    status = "Scheduled" if later else "Accepted"
    return Reply({"status": status}, after=report if reported else None)


def _busy_evses(connectors: Iterable[Connector]) -> set[int]:
    """The EVSEs with a transaction on one of their connectors."""
    return {c.evse for c in connectors if c.transaction is not None}


def apply_scheduled(connectors: Iterable[Connector]) -> list[tuple[int, int]]:
    """A transaction is over: the changes that waited for the end of the transaction on
    their EVSE happen now; the connectors whose state changed, to report."""
    every = list(connectors)
    busy = _busy_evses(every)
    changed = []
    for connector in every:
        if connector.scheduled is None or connector.evse in busy:
            continue
        if connector.operative != connector.scheduled:
            changed.append((connector.evse, connector.connector))
        connector.operative, connector.scheduled = connector.scheduled, None
    return changed


def restarted(station: StationLink) -> None:
    """The station restarts: its transactions are gone, so what waited for them happens
    (reported with every connector after the boot); the availability set stays."""
    apply_scheduled(station.connectors.values())
    if station.has("availability-not-persistent"):
        for connector in station.connectors.values():
            connector.operative = True
