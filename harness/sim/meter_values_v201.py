"""The meter of the simulated 2.0.1 station and the meter data of its transactions (J02).

What a transaction's TransactionEvents carry is configured in SampledDataCtrlr and
AlignedDataCtrlr (Part 2 §2.7):

* the Started event: the TxStartedMeasurands, context Transaction.Begin (E01.FR.09), or
  the first event that names the EVSE where the Started one does not (E01.FR.17);
* every TxUpdatedInterval seconds while it runs, an Updated event with triggerReason
  MeterValuePeriodic and the TxUpdatedMeasurands, context Sample.Periodic (J02.FR.11);
* the Ended event: the SampledDataCtrlr.TxEndedMeasurands taken every TxEndedInterval
  seconds from the start (Sample.Periodic), or at the start only (Transaction.Begin)
  when the interval is 0, and at the end (Transaction.End) (E06.FR.11); besides them the
  AlignedDataCtrlr.TxEndedMeasurands at every AlignedDataCtrlr.TxEndedInterval of the
  clock during the transaction (Sample.Clock).

With SampledDataCtrlr.SignReadings (or AlignedDataCtrlr.SignReadings for the
clock-aligned ones) each sampled value carries a signedMeterValue (J02.FR.21, J01.FR.21):
the reading in an OCMF-like text signed with the station's own ECDSA P-256 key, the
public key in it as OCPPCommCtrlr.PublicKeyWithSignedMeterValue says. With option
``signs-energy-register-only`` only the energy register is signed (the component that
signs is its metrology meter), and the TxEndedMeasurands also read the Voltage.

The energy register grows at a fixed power while energy flows. The samples the Ended
event collects are not kept one by one: when the transaction ends they are taken from
the register's start and end values, evenly in between (the register only grows).

The periodic readings run on tasks of their own, not tied to a connection (a lost
connection must not stop the meter): while offline they are queued and marked offline
like any other transaction message (E11.FR.01/.02).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec

from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import Variable
from harness.sim.errors import CallErrorReceived, CallTimeout, NotConnected
from harness.sim.signed_readings import new_key, public_key_text, signed_meter_value
from harness.sim.transactions_v201 import Session, TxEvent

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["DEFECTS", "Meter", "PeriodicMeter", "periodic_event", "stamp", "variables"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # Meter.aligned, Meter.ended_values
    Defect(
        "aligned-context-periodic",
        "station",
        V201,
        "marks its clock-aligned readings with context Sample.Periodic instead of Sample.Clock",
        "J01.FR.08",
    ),
    # Meter.begin_values
    Defect(
        "tx-started-without-meter-values",
        "station",
        V201,
        "leaves the configured TxStartedMeasurands out of the transaction's first event",
        "E01.FR.09",
    ),
    # Meter.begin_values
    Defect(
        "tx-begin-context-periodic",
        "station",
        V201,
        "marks the readings of the transaction's start with context Sample.Periodic, not "
        "Transaction.Begin",
        "J02.FR.04",
    ),
    # Meter.periodic_values
    Defect(
        "tx-periodic-context-clock",
        "station",
        V201,
        "marks its periodic transaction readings with context Sample.Clock, not Sample.Periodic",
        "J02.FR.04",
    ),
    # PeriodicMeter._read
    Defect(
        "tx-periodic-interval-doubled",
        "station",
        V201,
        "sends its MeterValuePeriodic events every two TxUpdatedIntervals",
        "J02.FR.11",
    ),
    # Meter.ended_values
    Defect(
        "tx-ended-without-end-reading",
        "station",
        V201,
        "the Ended event lacks the reading of the transaction's end (context Transaction.End)",
        "E06.FR.11",
    ),
    # Meter.ended_values
    Defect(
        "tx-ended-interval-ignored",
        "station",
        V201,
        "ignores SampledDataCtrlr.TxEndedInterval: the Ended event has no readings taken "
        "during the transaction",
        "E06.FR.11",
    ),
    # Meter.ended_values
    Defect(
        "tx-ended-without-aligned-readings",
        "station",
        V201,
        "ignores AlignedDataCtrlr.TxEndedInterval: the Ended event has no clock-aligned readings",
        "E06.FR.11",
    ),
    # Meter.reading
    Defect(
        "reading-location-ev",
        "station",
        V201,
        "says location EV for each sampled value, though only the SoC is measured there",
        "J02.FR.05",
    ),
    # Meter._sign
    Defect(
        "tx-readings-unsigned",
        "station",
        V201,
        "with SampledDataCtrlr.SignReadings true, sends its transaction readings unsigned",
        "J02.FR.21",
    ),
    # Meter._sign
    Defect(
        "aligned-readings-unsigned",
        "station",
        V201,
        "with AlignedDataCtrlr.SignReadings true, sends its clock-aligned readings unsigned",
        "J01.FR.21",
    ),
)

#: unit of each measurand the simulated meter can read
UNITS = {
    "Energy.Active.Import.Register": "Wh",
    "Power.Active.Import": "W",
    "Current.Import": "A",
    "Voltage": "V",
    "SoC": "Percent",
}

#: the power (W) the EV draws while energy flows
POWER = 11000.0

#: how the signed readings are made (SignedMeterValueType signingMethod, encodingMethod)


#: OCPPCommCtrlr.PublicKeyWithSignedMeterValue's values (Part 2 §2.7.17)
PUBLIC_KEY_WHEN = ("Never", "OncePerTransaction", "EveryMeterValue")


def variables() -> list[Variable]:
    """The optional metering variables the simulated station has (Part 2 §2.7): signed
    readings, off until the CSMS asks (J01.FR.21, J02.FR.21), with the public key in
    every one; clock-aligned readings also during transactions (SendDuringIdle false)."""
    flag: dict[str, Any] = {"data_type": "boolean"}
    return [
        Variable("SampledDataCtrlr", "SignReadings", "false", **flag),
        Variable("AlignedDataCtrlr", "SignReadings", "false", **flag),
        Variable("AlignedDataCtrlr", "SendDuringIdle", "false", **flag),
        Variable(
            "OCPPCommCtrlr",
            "PublicKeyWithSignedMeterValue",
            "EveryMeterValue",
            data_type="OptionList",
            values_list=PUBLIC_KEY_WHEN,
        ),
    ]


def stamp(moment: _dt.datetime) -> str:
    """A MeterValue timestamp: UTC, milliseconds, ``Z``."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _members(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass
class _Begin:
    """What the meter read when a transaction started."""

    at: _dt.datetime
    wh: float
    #: the public key went with a signed value of it (OncePerTransaction)
    key_sent: bool = False
    #: its readings went with an event (the first that named the EVSE)
    reported: bool = False


class Meter:
    """The station's energy meters (one per EVSE) and the readings it reports."""

    def __init__(self, v201: StationV201) -> None:
        self._v201 = v201
        self._wh: dict[int, float] = {}
        self._read_at: dict[int, _dt.datetime] = {}
        #: the start of each running transaction, by transactionId
        self._begins: dict[str, _Begin] = {}
        #: the moment the next periodic reading of a transaction was due, by transactionId
        self._due: dict[str, _dt.datetime] = {}
        self._key: ec.EllipticCurvePrivateKey | None = None

    # -- the register -----------------------------------------------------------------

    def _flowing(self, evse: int) -> bool:
        session = self._v201.sessions.get(evse)
        return session is not None and session.running and session.energy

    def register_wh(self, evse: int) -> int:
        """Energy.Active.Import.Register of ``evse`` now (Wh): it grows while energy flows."""
        now = _now()
        last = self._read_at.get(evse, now)
        wh = self._wh.get(evse, 0.0)
        if self._flowing(evse):
            # protocol seconds: a simulator with scaled timers charges as fast
            seconds = (now - last).total_seconds() / (self._v201.station.timers.scaled(1) or 1.0)
            wh += POWER * seconds / 3600
        self._wh[evse], self._read_at[evse] = wh, now
        return round(wh)

    def delivered_wh(self, session: Session) -> int:
        """The energy (Wh) the transaction of ``session`` has drawn since it started."""
        begin = self._begins.get(session.transaction_id or "")
        return self.register_wh(session.evse) - round(begin.wh) if begin is not None else 0

    def seconds_for(self, wh: float) -> float:
        """Real seconds the EV takes to draw ``wh`` more while energy flows."""
        return self._v201.station.timers.scaled(max(0.0, wh) * 3600 / POWER)

    def _value(self, measurand: str, evse: int, wh: float) -> float:
        if measurand == "Energy.Active.Import.Register":
            return round(wh)
        flowing = self._flowing(evse)
        return {
            "Power.Active.Import": POWER if flowing else 0.0,
            "Current.Import": round(POWER / 230, 1) if flowing else 0.0,
            "Voltage": 230.0,
            "SoC": 50.0,
        }.get(measurand, 0.0)

    # -- readings ---------------------------------------------------------------------

    def reading(
        self,
        evse: int,
        measurands: list[str],
        context: str,
        at: _dt.datetime,
        *,
        wh: float | None = None,
        signed: bool = False,
        begin: _Begin | None = None,
    ) -> dict[str, Any]:
        """One MeterValue at ``at``: a sampled value per measurand (J01.FR.17: the
        timestamp is all of theirs), each signed when ``signed``."""
        register = float(self.register_wh(evse)) if wh is None else wh
        sampled = []
        for measurand in measurands:
            value: dict[str, Any] = {
                "value": self._value(measurand, evse, register),
                "context": context,
                "measurand": measurand,
                "unitOfMeasure": {"unit": UNITS.get(measurand, "Wh")},
            }
            if self._v201.station.has("reading-location-ev"):
                value["location"] = "EV"
            if signed:
                self._sign(value, at, evse, begin)
            sampled.append(value)
        return {"timestamp": stamp(at), "sampledValue": sampled}

    def _setting(self, component: str, name: str) -> str:
        return str(self._v201.device_model.value(component, name) or "")

    def _signs(self, component: str) -> bool:
        return self._setting(component, "SignReadings") == "true"

    def _sign(
        self, value: dict[str, Any], at: _dt.datetime, evse: int, begin: _Begin | None
    ) -> None:
        """Add the signedMeterValue of a sampled value (J01.FR.21, J02.FR.21): the
        reading as OCMF-like text, signed with the station's key; the public key sent
        as PublicKeyWithSignedMeterValue says (the field itself is always there)."""
        has = self._v201.station.has
        aligned = value["context"] == "Sample.Clock"
        if aligned and has("aligned-readings-unsigned"):
            return
        if not aligned and has("tx-readings-unsigned"):
            return
        if self._v201.station.has_option("signs-energy-register-only") and (
            value["measurand"] != "Energy.Active.Import.Register"
        ):
            return  # its metrology meter signs the register; the others come unsigned
        if self._key is None:
            self._key = new_key()
        value["signedMeterValue"] = signed_meter_value(
            self._key, value, evse=evse, timestamp=stamp(at), public_key=self._public_key(begin)
        )

    def _public_key(self, begin: _Begin | None) -> str:
        """The publicKey of a signed value: empty for Never, once in a transaction for
        OncePerTransaction (every time outside one), always for EveryMeterValue."""
        assert self._key is not None
        when = self._setting("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue")
        if when == "Never":
            return ""
        if when == "OncePerTransaction" and begin is not None:
            if begin.key_sent:
                return ""
            begin.key_sent = True
        return public_key_text(self._key)

    # -- what each message carries ----------------------------------------------------

    def latest(self, evse: int) -> list[dict[str, Any]]:
        """The latest energy reading of ``evse`` (a triggered message's)."""
        return [self.reading(evse, ["Energy.Active.Import.Register"], "Sample.Periodic", _now())]

    def aligned(self, evse: int, at: _dt.datetime | None = None) -> dict[str, Any]:
        """A clock-aligned reading of AlignedDataCtrlr.Measurands (J01.FR.14), taken at
        ``at`` (the aligned moment; by default now)."""
        context = "Sample.Clock"
        if self._v201.station.has("aligned-context-periodic"):
            context = "Sample.Periodic"
        measurands = _members(self._setting("AlignedDataCtrlr", "Measurands"))
        signed = self._signs("AlignedDataCtrlr")
        return self.reading(evse, measurands, context, at or _now(), signed=signed)

    def began(self, session: Session) -> None:
        """A transaction started on ``session``: remember what the meter said."""
        assert session.transaction_id is not None
        self._begins[session.transaction_id] = _Begin(_now(), self.register_wh(session.evse))

    def begin_values(self, session: Session) -> list[dict[str, Any]] | None:
        """The readings of the transaction's start, once: the TxStartedMeasurands,
        context Transaction.Begin, for the first event that names the EVSE (the Started
        one when the EVSE is known then, E01.FR.09; else E01.FR.17); none when nothing
        is configured."""
        measurands = _members(self._setting("SampledDataCtrlr", "TxStartedMeasurands"))
        begin = self._begins.get(session.transaction_id or "")
        if not measurands or begin is None or begin.reported:
            return None
        begin.reported = True
        if self._v201.station.has("tx-started-without-meter-values"):
            return None
        context = "Transaction.Begin"
        if self._v201.station.has("tx-begin-context-periodic"):
            context = "Sample.Periodic"
        signed = self._signs("SampledDataCtrlr")
        return [
            self.reading(
                session.evse, measurands, context, begin.at, wh=begin.wh, signed=signed, begin=begin
            )
        ]

    def sample_due(self, session: Session, at: _dt.datetime) -> None:
        """The next periodic reading of ``session``'s transaction is the one due ``at``
        (its timestamp: the moment it was taken, however late it is sent)."""
        self._due[session.transaction_id or ""] = at

    def periodic_values(self, session: Session) -> list[dict[str, Any]]:
        """The meterValue of a MeterValuePeriodic event: the TxUpdatedMeasurands, taken
        when the reading was due."""
        measurands = _members(self._setting("SampledDataCtrlr", "TxUpdatedMeasurands"))
        context = "Sample.Periodic"
        if self._v201.station.has("tx-periodic-context-clock"):
            context = "Sample.Clock"
        begin = self._begins.get(session.transaction_id or "")
        signed = self._signs("SampledDataCtrlr")
        at = self._due.pop(session.transaction_id or "", None) or _now()
        return [self.reading(session.evse, measurands, context, at, signed=signed, begin=begin)]

    def ended_values(self, session: Session) -> list[dict[str, Any]] | None:
        """The meterValue of the Ended event (E06.FR.11), in time order: the sampled
        TxEndedMeasurands and the clock-aligned TxEndedMeasurands of the transaction."""
        begin = self._begins.pop(session.transaction_id or "", None)
        if begin is None:
            return None
        has = self._v201.station.has
        end, end_wh = _now(), float(self.register_wh(session.evse))
        values: list[tuple[_dt.datetime, dict[str, Any]]] = []

        def add(measurands: list[str], context: str, at: _dt.datetime, signed: bool) -> None:
            wh = _between(begin, at, end, end_wh)
            reading = self.reading(
                session.evse, measurands, context, at, wh=wh, signed=signed, begin=begin
            )
            values.append((at, reading))

        sampled = _members(self._setting("SampledDataCtrlr", "TxEndedMeasurands"))
        if sampled:
            signed = self._signs("SampledDataCtrlr")
            interval = self._interval("SampledDataCtrlr")
            if interval <= 0:
                add(sampled, "Transaction.Begin", begin.at, signed)
            elif not has("tx-ended-interval-ignored"):
                for at in _every(begin.at, end, interval):
                    add(sampled, "Sample.Periodic", at, signed)
            if not has("tx-ended-without-end-reading"):
                add(sampled, "Transaction.End", end, signed)
        aligned = _members(self._setting("AlignedDataCtrlr", "TxEndedMeasurands"))
        interval = self._interval("AlignedDataCtrlr")
        if aligned and interval > 0 and not has("tx-ended-without-aligned-readings"):
            context = "Sample.Clock"
            if has("aligned-context-periodic"):
                context = "Sample.Periodic"
            for at in _on_the_clock(begin.at, end, interval):
                add(aligned, context, at, self._signs("AlignedDataCtrlr"))
        values.sort(key=lambda item: item[0])
        return [reading for _, reading in values] or None

    def _interval(self, component: str) -> float:
        """The TxEndedInterval of ``component`` in real seconds (0: none)."""
        seconds = int(self._setting(component, "TxEndedInterval") or 0)
        return self._v201.station.timers.scaled(seconds) if seconds > 0 else 0.0


def _between(begin: _Begin, at: _dt.datetime, end: _dt.datetime, end_wh: float) -> float:
    """The register at ``at`` between the transaction's start and end (it only grows)."""
    span = (end - begin.at).total_seconds()
    if span <= 0:
        return end_wh
    part = min(max((at - begin.at).total_seconds() / span, 0.0), 1.0)
    return begin.wh + (end_wh - begin.wh) * part


def _every(start: _dt.datetime, end: _dt.datetime, seconds: float) -> Iterator[_dt.datetime]:
    """Every ``seconds`` from ``start`` (not itself) up to before ``end``."""
    step = _dt.timedelta(seconds=seconds)
    moment = start + step
    while moment < end:
        yield moment
        moment += step


def _on_the_clock(start: _dt.datetime, end: _dt.datetime, seconds: float) -> Iterator[_dt.datetime]:
    """The multiples of ``seconds`` since midnight UTC after ``start``, up to ``end``."""
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (start - midnight).total_seconds()
    moment = midnight + _dt.timedelta(seconds=(elapsed // seconds + 1) * seconds)
    while moment <= end:
        yield moment
        moment += _dt.timedelta(seconds=seconds)


def periodic_event(session: Session, trigger: str = "MeterValuePeriodic") -> TxEvent:
    """The next event of ``session``'s running transaction: a periodic meter reading
    (MeterValuePeriodic), or a clock-aligned one (MeterValueClock)."""
    assert session.transaction_id is not None
    event = TxEvent(
        event_type="Updated",
        trigger=trigger,
        transaction_id=session.transaction_id,
        seq_no=session.seq_no,
    )
    session.seq_no += 1
    return event


class PeriodicMeter:
    """The periodic readings of one station, one task per running transaction
    (SampledDataCtrlr.TxUpdatedInterval above 0, E02.FR.10, J02.FR.11). The interval
    is read again before each reading: set back to 0, the readings stop; they stop too
    when the transaction ends."""

    def __init__(self, v201: StationV201) -> None:
        self._v201 = v201
        self._tasks: set[asyncio.Task[None]] = set()

    def _interval(self) -> int:
        value = self._v201.device_model.value("SampledDataCtrlr", "TxUpdatedInterval")
        return int(value or 0)

    def started(self, session: Session) -> None:
        """A transaction started on ``session``: read its meter while it runs."""
        if self._interval() <= 0:
            return
        task = asyncio.ensure_future(self._read(session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, session: Session) -> None:
        v201 = self._v201
        slow = 2 if v201.station.has("tx-periodic-interval-doubled") else 1
        due = _now()
        while True:
            seconds = self._interval()
            if seconds <= 0:
                return
            # the protocol timer, kept from one reading to the next (no drift)
            due += _dt.timedelta(seconds=v201.station.timers.scaled(seconds * slow))
            await asyncio.sleep(max(0.0, (due - _now()).total_seconds()))
            if self._interval() <= 0 or not session.running:
                return
            if v201.sessions.get(session.evse) is not session:
                return
            v201.meter.sample_due(session, due)
            # a connection lost while sending: the next reading goes to the queue
            with suppress(CallErrorReceived, CallTimeout, NotConnected):
                await v201.send_events(session, [periodic_event(session)])
