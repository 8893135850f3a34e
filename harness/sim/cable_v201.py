"""The charging cable of a simulated 2.0.1 station, and what its two ends do (E06, E09,
E10).

A cable joins the station and the EV. The simulated station has a detachable cable
(Part 5 HFS-1): the driver plugs it into the station's socket, where a lock holds it
while a transaction is authorized, and into the EV. Either end can come out. Pulled out
at the station (the ``unplug`` action) it leaves both at once; pulled out at the EV
only (``ev_side_unplug``) its other end stays in the socket, and the station decides
from two variables what follows:

* TxCtrlr.StopTxOnEVSideDisconnect: true ends the authorization (E09.FR.01: a transaction
  whose TxStopPoint lists Authorized ends, stoppedReason EVDisconnected), false keeps it
  and suspends the transaction until the EV is back (E10);
* OCPPCommCtrlr.UnlockOnEVSideDisconnect: true lets the cable go at once (E09.FR.02),
  false keeps it locked until the driver presents the token again (E09.FR.03, E10.FR.01).

With the option ``fixed-cable`` (or ``dc-charging``) the cable is part of the station
(HFS-2): pulling it out of the EV frees the connector (Available), nothing is locked
(UnlockOnEVSideDisconnect is ReadOnly false), and a transaction kept authorized ends
when the cable is not back within EVConnectionTimeOut (E10.FR.02). With
``dc-charging`` the EV talks to the station over high-level communication and ends its
session itself before the cable comes out: the transaction that loss ends says
stoppedReason StoppedByEV (Part 6 TC_E_54_CS allows it).

The events themselves are decided in :mod:`harness.sim.transactions_v201` (the
happenings ``ev_unplug`` and ``plug``); this module holds the physical side and the
defects of the disconnect events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import Variable
from harness.sim.remote_control_v201 import await_cable

if TYPE_CHECKING:
    from harness.sim.connectors import Connector
    from harness.sim.station_link import StationLink
    from harness.sim.station_v201 import StationV201

__all__ = [
    "DEFECTS",
    "ev_side_plug_in",
    "ev_side_unplug",
    "fixed_cable",
    "perturbed",
    "release",
    "variables",
]

DEFECTS = declare(
    # perturbed
    Defect(
        "tx-disconnect-trigger-wrong",
        "station",
        V201,
        "the event of a lost connection with the EV (the cable pulled out at either end) "
        "says ChargingStateChanged, not EVCommunicationLost",
        "E06.FR.15",
    ),
    # perturbed
    Defect(
        "tx-ev-disconnect-reason-other",
        "station",
        V201,
        "a transaction the loss of the EV connection ended says stoppedReason Other, not "
        "EVDisconnected",
        "E06.FR.08",
    ),
    # perturbed
    Defect(
        "tx-not-ended-at-departure",
        "station",
        V201,
        "with TxStopPoint ParkingBayOccupancy, the event of the EV leaving the bay says "
        "Updated, not Ended",
        "E06.FR.01",
    ),
    # perturbed
    Defect(
        "tx-departure-trigger-wrong",
        "station",
        V201,
        "the event of the EV leaving the parking bay says ChargingStateChanged, not EVDeparted",
        "E06.FR.15",
    ),
    # ev_side_unplug
    Defect(
        "ev-side-disconnect-keeps-authorization",
        "station",
        V201,
        "with StopTxOnEVSideDisconnect true, a cable pulled out at the EV leaves the "
        "transaction authorized (suspended, as if the variable were false)",
        "E09.FR.01",
    ),
    # ev_side_unplug
    Defect(
        "ev-side-disconnect-deauthorizes",
        "station",
        V201,
        "with StopTxOnEVSideDisconnect false, a cable pulled out at the EV ends the "
        "authorization all the same",
        "E10.FR.01",
    ),
    # ev_side_unplug
    Defect(
        "cable-kept-locked",
        "station",
        V201,
        "keeps the cable locked in its socket after a disconnect at the EV although "
        "UnlockOnEVSideDisconnect is true",
        "E09.FR.02",
    ),
    # release
    Defect(
        "cable-not-released-by-token",
        "station",
        V201,
        "the driver's token does not release the cable the station holds after a "
        "disconnect at the EV",
        "E09.FR.03",
    ),
    # perturbed
    Defect(
        "ev-not-ready-reported-charging",
        "station",
        V201,
        "an EV that takes none of the energy offered (not ready, suspended) is reported "
        "chargingState Charging, not SuspendedEV",
        "E01.FR.19",
    ),
    # ev_side_unplug
    Defect(
        "fixed-cable-no-timeout",
        "station",
        V201,
        "a fixed cable pulled out of the EV leaves the transaction authorized past "
        "EVConnectionTimeOut",
        "E10.FR.02",
    ),
    # ev_side_unplug
    Defect(
        "fixed-cable-timeout-at-once",
        "station",
        V201,
        "a fixed cable pulled out of the EV ends the authorization at once, without "
        "waiting EVConnectionTimeOut for the cable to come back",
        "E10.FR.02",
    ),
)

_STOP_TX = ("TxCtrlr", "StopTxOnEVSideDisconnect")
_UNLOCK = ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect")


def fixed_cable(station: StationLink) -> bool:
    """Whether the station's cable is permanently attached (options fixed-cable,
    dc-charging)."""
    return station.has_option("fixed-cable") or station.has_option("dc-charging")


def variables(*, fixed: bool) -> list[Variable]:
    """The two variables of an EV-side disconnect. Both can be set, so the station
    supports either behaviour (Part 5 C-06.1 and C-06.2, C-12.1 and C-12.2); with a
    fixed cable there is nothing to unlock, so UnlockOnEVSideDisconnect is ReadOnly
    false (its definition in the device model appendix)."""
    stop = Variable(*_STOP_TX, "false", data_type="boolean")
    if fixed:
        unlock = Variable(*_UNLOCK, "false", mutability="ReadOnly", data_type="boolean")
    else:
        unlock = Variable(*_UNLOCK, "true", data_type="boolean")
    return [stop, unlock]


def _flag(v201: StationV201, key: tuple[str, str]) -> bool:
    return v201.device_model.value(*key) == "true"


async def ev_side_unplug(v201: StationV201, connector: Connector) -> None:
    """The cable comes out of the EV; its other end stays at the station. The session's
    transaction hears EVCommunicationLost (Idle); the authorization ends or stays as
    StopTxOnEVSideDisconnect says; a detachable cable is held or let go as
    UnlockOnEVSideDisconnect says, a fixed one frees the connector."""
    station = v201.station
    has = station.has
    deauthorize = _flag(v201, _STOP_TX)
    if has("ev-side-disconnect-keeps-authorization"):
        deauthorize = False
    if has("ev-side-disconnect-deauthorizes"):
        deauthorize = True
    fixed = fixed_cable(station)
    session = v201.sessions.get(connector.evse)
    in_use = session is not None and session.connector == connector.connector and session.plugged
    if fixed:
        connector.plugged = False
    elif in_use and session is not None and session.authorized:
        # the lock held the cable while the transaction was authorized (E10.FR.01)
        connector.locked = not _flag(v201, _UNLOCK) or has("cable-kept-locked")
    if in_use and session is not None:
        reason = "StoppedByEV" if station.has_option("dc-charging") else "EVDisconnected"
        await v201.happen(session, "ev_unplug", deauthorize=deauthorize, reason=reason)
        if fixed and session.running and session.authorized and not has("fixed-cable-no-timeout"):
            # E10.FR.02: back within EVConnectionTimeOut, or over
            await_cable(v201, session, at_once=has("fixed-cable-timeout-at-once"))
    if fixed:
        await v201.report_unplugged(connector)


async def ev_side_plug_in(v201: StationV201, connector: Connector) -> None:
    """The cable goes back into the EV (its station end is still in): the transaction,
    if it goes on, hears CablePluggedIn and charges again when still authorized (E10)."""
    if fixed_cable(v201.station):
        connector.plugged = True
        await v201.on_plug(connector)
        return
    session = v201.session(connector.evse)
    await v201.happen(session, "plug", connector=connector.connector)


def release(v201: StationV201, token: str) -> bool:
    """The driver presents ``token``: a cable the station holds for the session that
    token authorized is let go (E09.FR.03, E10.FR.01). Whether one was."""
    released = False
    for connector in v201.station.connectors.values():
        session = v201.sessions.get(connector.evse)
        if not connector.locked or session is None:
            continue
        if (session.token or {}).get("idToken") != token:
            continue
        if not v201.station.has("cable-not-released-by-token"):
            connector.locked = False
        released = True
    return released


def perturbed(payload: dict[str, Any], has: Any) -> None:
    """The defects of the events of the EV's side: a lost EV connection, an EV that
    takes no energy, a departure from the bay."""
    info = payload["transactionInfo"]
    trigger = payload["triggerReason"]
    if has("tx-ev-disconnect-reason-other") and info.get("stoppedReason") == "EVDisconnected":
        info["stoppedReason"] = "Other"
    if has("ev-not-ready-reported-charging") and info.get("chargingState") == "SuspendedEV":
        info["chargingState"] = "Charging"
    if has("tx-disconnect-trigger-wrong") and trigger == "EVCommunicationLost":
        payload["triggerReason"] = "ChargingStateChanged"
    if trigger == "EVDeparted":
        if has("tx-departure-trigger-wrong"):
            payload["triggerReason"] = "ChargingStateChanged"
        if has("tx-not-ended-at-departure") and payload["eventType"] == "Ended":
            payload["eventType"] = "Updated"
            info.pop("stoppedReason", None)
