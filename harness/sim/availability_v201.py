"""Availability of the simulated 2.0.1 station (Part 2 block G): ChangeAvailability.

The connectors' status itself is the station's (:meth:`StationV201.status_name`, from
the physical state in :mod:`harness.sim.connectors`); this block changes whether they
are operative, for the whole station (no ``evse``: G04), an EVSE or one connector (G03),
now or, where a transaction runs, at its end (:mod:`harness.sim.availability`). After
an answer it reports every connector it took, changed or not, as OCTT expects (Part 6
TC_G_13_CS); option ``availability-reports-changes-only`` reports only the changed
ones, which is all G03.FR.04 and G04.FR.05 ask. Requirement ids are from OCPP 2.0.1
Part 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.availability import set_operative
from harness.sim.blocks import Block
from harness.sim.connectors import Connector
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # change_availability
    Defect(
        "change-availability-rejected",
        "station",
        V201,
        "answers Rejected to every ChangeAvailability Inoperative it could carry out",
        "G03.FR.02",
    ),
    # change_availability
    Defect(
        "rejects-same-availability",
        "station",
        V201,
        "answers Rejected when asked for the availability a target already has",
        "G03.FR.03",
    ),
    # change_availability
    Defect(
        "operative-not-applied",
        "station",
        V201,
        "answers Accepted to ChangeAvailability Operative but leaves the targets Unavailable",
        "G03.FR.07",
    ),
    # change_availability
    Defect(
        "no-status-after-change-availability",
        "station",
        V201,
        "changes the availability it was asked for without reporting any connector",
        "G03.FR.04",
    ),
    # change_availability
    Defect(
        "inoperative-accepted-under-transaction",
        "station",
        V201,
        "answers Accepted instead of Scheduled to ChangeAvailability Inoperative where a "
        "transaction runs (the change still waits for its end)",
        "G03.FR.05",
    ),
    # change_availability
    Defect(
        "scheduled-availability-forgotten",
        "station",
        V201,
        "answers Scheduled where a transaction runs, then stays operative after it ends",
        "G03.FR.05",
    ),
)


def _targets(v201: StationV201, evse: dict[str, Any] | None) -> list[Connector]:
    """The connectors a request names: all (G04.FR.01), an EVSE's, or one; none for an
    EVSE or connector the station does not have."""
    targets = list(v201.station.connectors.values())
    if evse is None:
        return targets
    targets = [c for c in targets if c.evse == evse["id"]]
    if "connectorId" in evse:
        targets = [c for c in targets if c.connector == evse["connectorId"]]
    return targets


async def change_availability(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """G03/G04: make the station, an EVSE or a connector (in)operative; Accepted for the
    state a target already has (G03.FR.03, G04.FR.04); Scheduled while a transaction
    runs there (G03.FR.05, G04.FR.06)."""
    station = v201.station
    operative = payload["operationalStatus"] == "Operative"
    targets = _targets(v201, payload.get("evse"))
    if not targets:
        return Reply({"status": "Rejected"})
    unchanged = all(c.operative == operative and c.scheduled is None for c in targets)
    if unchanged and station.has("rejects-same-availability"):
        return Reply({"status": "Rejected"})
    if not operative and not unchanged and station.has("change-availability-rejected"):
        return Reply({"status": "Rejected"})
    if operative and station.has("operative-not-applied"):
        return Reply({"status": "Accepted"})
    reply = set_operative(
        station,
        targets,
        operative,
        report_unchanged=not station.has_option("availability-reports-changes-only"),
    )
    if station.has("no-status-after-change-availability"):
        reply.after = None
    if reply.payload == {"status": "Scheduled"}:
        if station.has("scheduled-availability-forgotten"):
            for connector in targets:
                connector.scheduled = None
        if station.has("inoperative-accepted-under-transaction"):
            reply.payload = {"status": "Accepted"}
    return reply


BLOCK: Block[StationV201] = Block("availability", V201, {"ChangeAvailability": change_availability})
