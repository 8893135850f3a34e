"""Clock-aligned meter values of the simulated 2.0.1 station (Part 2 J01).

With AlignedDataCtrlr.Interval above 0 the station reads its meters at every multiple of
the interval since midnight UTC and sends a MeterValuesRequest per EVSE (J01.FR.14),
every reading with context Sample.Clock and one sampled value per measurand of
AlignedDataCtrlr.Measurands, all with the aligned time as timestamp (J01.FR.17). It runs
while the station is connected and accepted; a change of the interval takes effect at
once. During a transaction it keeps sending MeterValues for that EVSE too, which
J01.FR.22 allows (with option ``aligned-in-transaction-event``, the transaction's own
TransactionEvent Updated with triggerReason MeterValueClock carries the reading), unless
AlignedDataCtrlr.SendDuringIdle is true: then it sends none while any transaction runs
(J01.FR.20). The readings themselves are the meter's
(:class:`harness.sim.meter_values_v201.Meter`).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import CallErrorReceived, CallTimeout, NotConnected, PeerClosed
from harness.sim.meter_values_v201 import periodic_event
from harness.sim.util import wait_event

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["DEFECTS", "clock_aligned_loop"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # clock_aligned_loop
    Defect(
        "aligned-not-on-the-clock",
        "station",
        V201,
        "sends its clock-aligned meter values half an interval late, stamped with the time "
        "it sends them",
        "J01.FR.14",
    ),
    # _evses
    Defect(
        "aligned-silent-during-transaction",
        "station",
        V201,
        "sends no clock-aligned meter values for an EVSE while it has a transaction, "
        "although AlignedDataCtrlr.SendDuringIdle is false",
        "J01.FR.22",
    ),
    # _evses
    Defect(
        "aligned-sent-during-transaction",
        "station",
        V201,
        "keeps sending clock-aligned meter values while a transaction runs, although "
        "AlignedDataCtrlr.SendDuringIdle is true",
        "J01.FR.20",
    ),
)


async def clock_aligned_loop(v201: StationV201) -> None:
    """Send the clock-aligned readings for as long as it runs (cancelled with the
    connection); sleeps on the interval's change while the interval is 0."""
    late = v201.station.has("aligned-not-on-the-clock")
    in_event = v201.station.has_option("aligned-in-transaction-event")
    while True:
        v201.aligned_changed.clear()
        interval = int(v201.device_model.value("AlignedDataCtrlr", "Interval"))
        if interval <= 0:
            await v201.aligned_changed.wait()
            continue
        period = v201.station.timers.scaled(interval)
        now = _dt.datetime.now(_dt.UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = (now - midnight).total_seconds()
        due = midnight + _dt.timedelta(seconds=(elapsed // period + 1) * period)
        wait = (due - now).total_seconds() + (period / 2 if late else 0)
        if await wait_event(v201.aligned_changed, wait):
            continue  # the interval changed: start again from it
        stamp = _dt.datetime.now(_dt.UTC) if late else due
        for evse in _evses(v201):
            session = v201.sessions.get(evse)
            try:
                if session is not None and session.running and in_event:
                    # J01.FR.22: the transaction's own event carries the reading
                    await v201.send_events(session, [periodic_event(session, "MeterValueClock")])
                    continue
                payload = {"evseId": evse, "meterValue": [v201.meter.aligned(evse, stamp)]}
                await v201.station.send("MeterValues", payload)
            except (CallTimeout, CallErrorReceived):
                continue
            except (PeerClosed, NotConnected):
                return  # the connection is gone: the next one starts the loop again


def _evses(v201: StationV201) -> list[int]:
    """The EVSEs whose clock-aligned readings are due: every EVSE, but none while a
    transaction runs when AlignedDataCtrlr.SendDuringIdle is true (J01.FR.20)."""
    has = v201.station.has
    evses = sorted({c.evse for c in v201.station.connectors.values()})
    busy = {evse for evse, session in v201.sessions.items() if session.running}
    idle_only = v201.device_model.value("AlignedDataCtrlr", "SendDuringIdle") == "true"
    if idle_only and busy and not has("aligned-sent-during-transaction"):
        return []
    if has("aligned-silent-during-transaction") and not idle_only:
        return [evse for evse in evses if evse not in busy]
    return evses
