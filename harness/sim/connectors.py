"""A simulated station's connectors and the transactions on them, as plain data.

Below every station module (the wire engine, both version behaviours and the public
:class:`~harness.sim.station.SimStation` use them), so they can all import it at load
time without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHARGE_POINT", "Connector", "Transaction"]

#: 1.6: the key of connector 0 (the charge point itself) in ``only=`` lists
CHARGE_POINT = (0, 0)


@dataclass
class Transaction:
    """A running transaction: 2.0.1 ids are UUID strings, 1.6 ids come from the CSMS."""

    id: str | int
    evse: int
    connector: int
    token: str
    token_type: str = "ISO14443"
    remote_start_id: int | None = None
    meter_start: int = 0


@dataclass
class Connector:
    """The physical state of one connector; its OCPP status is derived from it."""

    evse: int
    connector: int
    plugged: bool = False
    operative: bool = True
    #: the operative state a ChangeAvailability set for the end of the transaction on
    #: this EVSE (answered Scheduled), if one waits (harness.sim.availability)
    scheduled: bool | None = None
    faulted: bool = False
    #: the station holds the cable in the socket until the driver's token (2.0.1: after a
    #: disconnect at the EV, harness.sim.cable_v201); it cannot be pulled out meanwhile
    locked: bool = False
    transaction: Transaction | None = None

    @property
    def usable(self) -> bool:
        """Operative and not faulted: a transaction may start here."""
        return self.operative and not self.faulted
