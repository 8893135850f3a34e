"""Reservation in the simulated 2.0.1 station (Part 2 block H): ReserveNow, CancelReservation.

:class:`Reservations` holds what the station has promised: reservation id -> EVSE, and
the token each one is for. A reserved EVSE's connectors report Reserved (the station's
status, H01.FR.23) until the reserved token is used there (H01.FR.15, by an
authorization or a RequestStartTransaction) or the reservation is cancelled (H02).
Only EVSE-specific reservations are taken (ReservationNonEvseSpecific is false,
H01.FR.19). Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.connectors import Connector
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["BLOCK", "DEFECTS", "Reservations", "reservation_used"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # reserve_now
    Defect(
        "reserve-no-reserved-status",
        "station",
        V201,
        "accepts a ReserveNow but does not report the EVSE's connectors Reserved",
        "H01.FR.23",
    ),
)


class Reservations:
    """The reservations the station holds: the EVSE and the token of each."""

    def __init__(self) -> None:
        self._evse: dict[int, int] = {}
        self._token: dict[int, str] = {}

    def holds(self, evse: int) -> bool:
        """Whether ``evse`` is reserved (its connectors are Reserved)."""
        return evse in self._evse.values()

    def evse_of(self, reservation: int) -> int | None:
        return self._evse.get(reservation)

    def tokens_at(self, evse: int) -> set[str]:
        """The tokens ``evse`` is reserved for."""
        return {self._token[r] for r, e in self._evse.items() if e == evse}

    def add(self, reservation: int, evse: int, token: str) -> None:
        """Take (or replace, H01.FR.02) reservation ``reservation``."""
        self._evse[reservation] = evse
        self._token[reservation] = token

    def cancel(self, reservation: int) -> int | None:
        """Drop ``reservation``; its EVSE, or None when there was no such reservation."""
        evse = self._evse.pop(reservation, None)
        if evse is not None:
            self._token.pop(reservation, None)
        return evse

    def use(self, evse: int, token: str) -> int | None:
        """The reservation of ``evse`` that ``token`` fulfils, now used up (H01.FR.15)."""
        for reservation, reserved in list(self._evse.items()):
            if reserved == evse and self._token.get(reservation) == token:
                del self._evse[reservation]
                del self._token[reservation]
                return reservation
        return None


def _evse_connectors(v201: StationV201, evse: int) -> list[Connector]:
    return [c for c in v201.station.connectors.values() if c.evse == evse]


async def reserve_now(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """H01: reserve an EVSE that has a connector free, for the token given."""
    evse = payload.get("evseId")
    if evse is None:
        return Reply({"status": "Rejected"})  # H01.FR.19: ReservationNonEvseSpecific false
    connectors = _evse_connectors(v201, evse)
    if not connectors:
        return Reply({"status": "Rejected"})
    statuses = {v201.status_name(c) for c in connectors}
    reservation = int(payload["id"])
    replacing = v201.reservations.evse_of(reservation) == evse  # H01.FR.02
    for status, answer in (("Faulted", "Faulted"), ("Unavailable", "Unavailable")):
        if statuses == {status}:
            return Reply({"status": answer})  # H01.FR.12, H01.FR.14
    if not replacing and statuses & {"Occupied", "Reserved"}:
        return Reply({"status": "Occupied"})  # H01.FR.11
    v201.reservations.add(reservation, evse, str(payload["idToken"]["idToken"]))

    async def report() -> None:
        # H01.FR.23: every connector of the EVSE is Reserved now
        if not v201.station.has("reserve-no-reserved-status"):
            await v201.station.report_status([(c.evse, c.connector) for c in connectors])

    return Reply({"status": "Accepted"}, after=report)


async def cancel_reservation(v201: StationV201, payload: dict[str, Any]) -> Reply:
    """H02: drop a reservation; its EVSE's connectors are Available again."""
    evse = v201.reservations.cancel(int(payload["reservationId"]))
    if evse is None:
        return Reply({"status": "Rejected"})  # H02.FR.01
    connectors = _evse_connectors(v201, evse)

    async def report() -> None:
        await v201.station.report_status([(c.evse, c.connector) for c in connectors])

    return Reply({"status": "Accepted"}, after=report)  # H02.FR.02


async def reservation_used(v201: StationV201, evse: int) -> None:
    """The reserved driver is here: the EVSE's connectors leave Reserved (G01.FR.06)."""
    await v201.station.report_status([(c.evse, c.connector) for c in _evse_connectors(v201, evse)])


BLOCK: Block[StationV201] = Block(
    "reservation",
    V201,
    {"ReserveNow": reserve_now, "CancelReservation": cancel_reservation},
)
