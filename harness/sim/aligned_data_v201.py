"""Clock-aligned meter values of the simulated 2.0.1 station (Part 2 J01).

With AlignedDataCtrlr.Interval above 0 the station reads its meters at every multiple of
the interval since midnight UTC and sends a MeterValuesRequest per EVSE (J01.FR.14),
every reading with context Sample.Clock and one sampled value per measurand of
AlignedDataCtrlr.Measurands, all with the aligned time as timestamp (J01.FR.17). It runs
while the station is connected and accepted; a change of the interval takes effect at
once. During a transaction it keeps sending MeterValues, which J01.FR.22 allows.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import CallErrorReceived, CallTimeout, NotConnected, PeerClosed
from harness.sim.util import wait_event

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["DEFECTS", "clock_aligned_loop"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # _reading
    Defect(
        "aligned-context-periodic",
        "station",
        V201,
        "marks its clock-aligned readings with context Sample.Periodic instead of Sample.Clock",
        "J01.FR.08",
    ),
    # clock_aligned_loop
    Defect(
        "aligned-not-on-the-clock",
        "station",
        V201,
        "sends its clock-aligned meter values half an interval late, stamped with the time "
        "it sends them",
        "J01.FR.14",
    ),
)

#: unit and stand-in value of each measurand the simulated meter can read
_UNITS = {
    "Energy.Active.Import.Register": "Wh",
    "Power.Active.Import": "W",
    "Current.Import": "A",
    "Voltage": "V",
    "SoC": "Percent",
}


async def clock_aligned_loop(v201: StationV201) -> None:
    """Send the clock-aligned readings for as long as it runs (cancelled with the
    connection); sleeps on the interval's change while the interval is 0."""
    late = v201.station.has("aligned-not-on-the-clock")
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
        for evse in sorted({c.evse for c in v201.station.connectors.values()}):
            payload = {"evseId": evse, "meterValue": [_reading(v201, evse, stamp)]}
            try:
                await v201.station.send("MeterValues", payload)
            except (CallTimeout, CallErrorReceived):
                continue
            except (PeerClosed, NotConnected):
                return  # the connection is gone: the next one starts the loop again


def _reading(v201: StationV201, evse: int, stamp: _dt.datetime) -> dict[str, Any]:
    """One MeterValue: a sampled value per configured measurand, context Sample.Clock."""
    context = "Sample.Periodic" if v201.station.has("aligned-context-periodic") else "Sample.Clock"
    measurands = v201.device_model.value("AlignedDataCtrlr", "Measurands").split(",")
    sampled = []
    for measurand in (m.strip() for m in measurands if m.strip()):
        unit = _UNITS.get(measurand, "Wh")
        value = v201.meter_value(evse)[0]["sampledValue"][0]["value"] if unit == "Wh" else 0
        sampled.append(
            {
                "value": value,
                "context": context,
                "measurand": measurand,
                "unitOfMeasure": {"unit": unit},
            }
        )
    timestamp = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"timestamp": timestamp, "sampledValue": sampled}
