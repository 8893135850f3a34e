"""The meter of the harness's own station when the DUT is a CSMS (Part 6 block J).

The J cases of a CSMS have the station report readings and the CSMS answer them:
clock-aligned ones in MeterValues (J01), a transaction's in the meterValue of its
TransactionEvents (J02, E01.FR.09/.17, E06.FR.11). This module makes those readings
the way a conformant station would, so that a CSMS is tried with real-looking data:

* the measurands are the station's configured ones, read from the harness station's
  device model (AlignedDataCtrlr.Measurands, SampledDataCtrlr.TxStartedMeasurands …),
  what the CSMS would see if it asked with GetVariables;
* each sampled value has its measurand, its unit (Part 2 appendices, units of measure)
  and its context (Sample.Clock, Sample.Periodic, Transaction.Begin, Transaction.End);
  the SoC, measured by the EV, has location EV (errata 2025-09: only the SoC may);
* the energy register of each EVSE only grows (J02.FR.16), at a fixed power while the
  EVSE charges; evseId 0 is the station's main meter, the sum of the EVSEs;
* signed readings (J01.FR.21, J02.FR.21) carry a signedMeterValue: the reading as
  OCMF-like text, signed with a key of this meter (ECDSA P-256), and its public key.

Timestamps are whole seconds in UTC, as every other timestamp the harness's station
sends: a reading is never stamped later than the event that carries it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from harness.sim.signed_readings import (
    SIGNING_METHOD,
    new_key,
    public_key_text,
    signed_meter_value,
)

__all__ = [
    "SIGNING_METHOD",
    "UNITS",
    "Reading",
    "StationMeter",
    "TransactionMeter",
    "every",
    "next_clock_moment",
    "on_the_clock",
    "stamp",
]

#: the unit each measurand the meter reads is given in (Part 2 appendices, units of
#: measure); a configured measurand not here is not reported (the meter has no sensor)
UNITS: dict[str, str] = {
    "Energy.Active.Import.Register": "Wh",
    "Energy.Active.Export.Register": "Wh",
    "Power.Active.Import": "W",
    "Power.Offered": "W",
    "Current.Import": "A",
    "Current.Offered": "A",
    "Voltage": "V",
    "Frequency": "Hz",
    "SoC": "Percent",
}

#: measurands of an EVSE's EV or connector that the main meter (evseId 0) has not
#: (J01.FR.14's note: no Current.Offered or SoC for the grid meter)
EVSE_ONLY = frozenset({"SoC", "Current.Offered", "Power.Offered"})

#: how the signed readings are made (SignedMeterValueType signingMethod, encodingMethod)
#: the power (W) an EVSE draws while it charges
POWER = 11000.0
VOLTAGE = 230.0
PHASES = 3


def stamp(moment: _dt.datetime) -> str:
    """A reading's timestamp: UTC, whole seconds, ``Z``."""
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def now() -> _dt.datetime:
    """The meter's clock: UTC, whole seconds."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def next_clock_moment(interval: int, after: _dt.datetime | None = None) -> _dt.datetime:
    """The next moment on the clock-aligned grid of ``interval`` seconds (from midnight
    UTC, Part 2 §2.7's aligned data) strictly after ``after`` (default: now)."""
    moment = after or _dt.datetime.now(_dt.UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (moment - midnight).total_seconds()
    steps = int(elapsed // interval) + 1
    return midnight + _dt.timedelta(seconds=steps * interval)


@dataclass
class Reading:
    """What a measurement is: the measurands to read, why (the context), when."""

    measurands: list[str]
    context: str
    at: _dt.datetime


@dataclass
class StationMeter:
    """The energy meters of the harness station's EVSEs (and its main meter, evseId 0).

    ``device_model`` is the harness station's (``station.device_model``): the measurands
    come from it. With ``signed`` every sampled value carries a signedMeterValue.
    """

    device_model: Any
    evses: tuple[int, ...]
    signed: bool = False
    #: per EVSE, the spans it charged in: [start, end or None while it still charges]
    _spans: dict[int, list[list[_dt.datetime | None]]] = field(default_factory=dict)
    _key: ec.EllipticCurvePrivateKey | None = None

    # -- configuration --------------------------------------------------------------------

    def measurands(self, component: str, variable: str) -> list[str]:
        """The members of a MemberList measurand variable of the device model, those the
        meter can read (a measurand without a unit here has no sensor)."""
        text = str(self.device_model.value(component, variable) or "")
        members = [part.strip() for part in text.split(",") if part.strip()]
        return [member for member in members if member in UNITS]

    # -- the registers --------------------------------------------------------------------

    def start_charging(self, evse: int, at: _dt.datetime) -> None:
        if not self.is_charging(evse):
            self._spans.setdefault(evse, []).append([at, None])

    def stop_charging(self, evse: int, at: _dt.datetime) -> None:
        if self.is_charging(evse):
            self._spans[evse][-1][1] = at

    def is_charging(self, evse: int) -> bool:
        spans = self._spans.get(evse) or []
        return bool(spans) and spans[-1][1] is None

    def charging_at(self, evse: int, at: _dt.datetime) -> bool:
        """Whether ``evse`` was charging at ``at`` (a span begun by then, not ended)."""
        for start, end in self._spans.get(evse, []):
            assert start is not None
            if start <= at and (end is None or at < end):
                return True
        return False

    def register_wh(self, evse: int, at: _dt.datetime) -> float:
        """The energy register of ``evse`` at ``at`` (Wh; evseId 0: the main meter, all
        EVSEs together): what it had, plus what flowed in the charging spans until
        then. A function of the moment, so readings taken in the past at the end of a
        transaction grow as the register did (J02.FR.16)."""
        if evse == 0:
            return sum(self.register_wh(each, at) for each in self.evses)
        seconds = 0.0
        for start, end in self._spans.get(evse, []):
            assert start is not None
            until = at if end is None else min(end, at)
            seconds += max(0.0, (until - start).total_seconds())
        return 1000.0 * evse + POWER * seconds / 3600

    def _value(self, measurand: str, evse: int, at: _dt.datetime) -> float:
        if measurand == "Energy.Active.Import.Register":
            return round(self.register_wh(evse, at))
        charging = [each for each in self.evses if self.charging_at(each, at)]
        power = POWER * (len(charging) if evse == 0 else int(evse in charging))
        return {
            "Power.Active.Import": power,
            "Power.Offered": POWER,
            "Current.Import": round(power / VOLTAGE / PHASES, 1),
            "Current.Offered": round(POWER / VOLTAGE / PHASES, 1),
            "Voltage": VOLTAGE,
            "Frequency": 50.0,
            "SoC": 50.0,
        }.get(measurand, 0.0)

    # -- readings -------------------------------------------------------------------------

    def meter_value(self, evse: int, reading: Reading) -> dict[str, Any] | None:
        """One MeterValue of ``evse``: a sampled value per measurand, all of the one
        timestamp (J01.FR.17, J02.FR.18); None when the meter reads none of them."""
        sampled = []
        for measurand in reading.measurands:
            if evse == 0 and measurand in EVSE_ONLY:
                continue
            value: dict[str, Any] = {
                "value": self._value(measurand, evse, reading.at),
                "context": reading.context,
                "measurand": measurand,
                "unitOfMeasure": {"unit": UNITS[measurand]},
            }
            if measurand == "SoC":
                value["location"] = "EV"
            if self.signed:
                value["signedMeterValue"] = self._signature(evse, reading.at, value)
            sampled.append(value)
        if not sampled:
            return None
        return {"timestamp": stamp(reading.at), "sampledValue": sampled}

    def meter_values(self, evse: int, readings: Iterable[Reading]) -> list[dict[str, Any]]:
        """The MeterValues of ``readings``, in time order."""
        ordered = sorted(readings, key=lambda reading: reading.at)
        values = [self.meter_value(evse, reading) for reading in ordered]
        return [value for value in values if value is not None]

    def _signature(self, evse: int, at: _dt.datetime, value: dict[str, Any]) -> dict[str, str]:
        """The signedMeterValue of one sampled value (J01.FR.21, J02.FR.21)."""
        if self._key is None:
            self._key = new_key()
        return signed_meter_value(
            self._key, value, evse=evse, timestamp=stamp(at), public_key=public_key_text(self._key)
        )

    # -- a transaction's readings ---------------------------------------------------------

    def transaction_meter(
        self,
        evse: int,
        *,
        begin: bool = False,
        ended: Callable[[_dt.datetime, _dt.datetime], list[Reading]] | None = None,
    ) -> TransactionMeter:
        """A transaction's meter on ``evse``, for ``Transaction.meter`` of the CSMS
        transaction states; see :class:`TransactionMeter`."""
        return TransactionMeter(self, evse, begin=begin, ended=ended)


class TransactionMeter:
    """Given each TransactionEvent of one transaction about to be sent, the meterValue it
    carries (``Transaction.meter`` of :mod:`harness.states.csms_transactions`); it also
    follows the chargingState the events report, so the register grows while charging.

    With ``begin``: the start readings (SampledDataCtrlr.TxStartedMeasurands, context
    Transaction.Begin) in the first event that names the EVSE — the Started one when
    the EVSE is known at the start (E01.FR.09), else the cable's (E01.FR.17). With
    ``ended``: the Ended event carries the readings ``ended`` gives for the
    transaction's start and end moments (E06.FR.11).
    """

    def __init__(
        self,
        meter: StationMeter,
        evse: int,
        *,
        begin: bool = False,
        ended: Callable[[_dt.datetime, _dt.datetime], list[Reading]] | None = None,
    ) -> None:
        self.meter = meter
        self.evse = evse
        self.begin = begin
        self.ended = ended
        #: the moment of the transaction's first event (its start)
        self.started: _dt.datetime | None = None
        self._begun = False

    def __call__(self, event: dict[str, Any]) -> list[dict[str, Any]] | None:
        moment = now()
        if self.started is None:
            self.started = moment
        meter, evse = self.meter, self.evse
        charging = event.get("transactionInfo", {}).get("chargingState")
        if charging == "Charging":
            meter.start_charging(evse, moment)
        elif charging is not None:
            meter.stop_charging(evse, moment)
        if self.begin and not self._begun and "evse" in event:
            self._begun = True
            measurands = meter.measurands("SampledDataCtrlr", "TxStartedMeasurands")
            return meter.meter_values(evse, [Reading(measurands, "Transaction.Begin", moment)])
        if self.ended is not None and event["eventType"] == "Ended":
            meter.stop_charging(evse, moment)
            return meter.meter_values(evse, self.ended(self.started, moment))
        return None


def every(start: _dt.datetime, end: _dt.datetime, seconds: int) -> list[_dt.datetime]:
    """The moments ``seconds`` apart from ``start`` (excluded) up to ``end`` (excluded):
    a sampled reading's, counted from the transaction's start."""
    moments = []
    moment = start + _dt.timedelta(seconds=seconds)
    while moment < end:
        moments.append(moment)
        moment += _dt.timedelta(seconds=seconds)
    return moments


def on_the_clock(start: _dt.datetime, end: _dt.datetime, seconds: int) -> list[_dt.datetime]:
    """The clock-aligned moments of ``seconds`` after ``start`` and before ``end``."""
    moments = []
    moment = next_clock_moment(seconds, start)
    while moment < end:
        moments.append(moment)
        moment = next_clock_moment(seconds, moment)
    return moments
