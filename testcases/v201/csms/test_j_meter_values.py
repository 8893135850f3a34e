"""Block J, Meter values — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The harness's station
reports readings and the CSMS must answer each report: a MeterValuesRequest with its
(empty) response (J01.FR.18), a TransactionEventRequest that carries readings with a
TransactionEventResponse (J02.FR.19). None of these tables has a tool validation: a
CALLERROR, no answer or an answer the schema refuses is the failure.

The readings come from the harness station's meter (:mod:`harness.steps.station_meter`):
the measurands its device model is configured with, each with its unit and context.
The intervals are the profile's (``[timers]``, Part 6 <Configured clock-aligned Meter
Values interval> …), also stored in the station's device model so that a CSMS reading
AlignedDataCtrlr or SampledDataCtrlr sees the configuration the readings follow.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from typing import Any

from harness import HarnessError, testcase
from harness.states import csms as states
from harness.states import csms_transactions as transactions
from harness.steps.station_meter import (
    Reading,
    StationMeter,
    TransactionMeter,
    every,
    next_clock_moment,
    now,
    on_the_clock,
)

BLOCK = "J MeterValues"

#: the MeterValuesResponse is owed (J01.FR.18)
METER_VALUES_RULE = "J01.FR.18"

#: clock-aligned rounds of TC_J_01_CSMS and sampled events of TC_J_09_CSMS (Part 6: the
#: tool ends the case after three)
ROUNDS = 3

#: a second beyond a reading's moment: readings are stamped in whole seconds, so a
#: transaction that is to hold a reading at a moment must end a second after it
WHOLE_SECOND = 1.0

#: seconds a wait for a moment lasts beyond it (the loop's timers may fire a little early)
HAIR = 0.02


# -- the cases --------------------------------------------------------------------------------


@testcase(
    "TC_J_01_CSMS",
    "Clock-aligned Meter Values - No transaction ongoing",
    table=568,
    requirements=["J01.FR.18"],
    catches=["meter-values-callerror", "main-meter-values-callerror"],
)
def test_tc_j_01_csms(station, dut):
    states.booted(station, dut)
    meter = _meter(station, dut)
    interval = _seconds(dut.timers.aligned_data_interval, "aligned_data_interval")
    measurands = meter.measurands("AlignedDataCtrlr", "Measurands")
    moment = None
    for round_ in range(1, ROUNDS + 1):
        moment = _wait_for_clock(station, interval, moment)
        station.step(
            "1-2",
            f"Clock-aligned readings {round_} of {ROUNDS}: MeterValues for evseId 0 and every "
            "EVSE, context Sample.Clock; the CSMS answers each",
        )
        for evse in (0, *_evse_ids(station)):
            _send_meter_values(station, meter, evse, Reading(measurands, "Sample.Clock", moment))


@testcase(
    "TC_J_02_CSMS",
    "Clock-aligned Meter Values - Transaction ongoing",
    table=569,
    requirements=["J01.FR.18"],
    catches=[
        "meter-values-callerror",
        "main-meter-values-callerror",
        "tx-meter-values-callerror",
        "tx-clock-values-callerror",
    ],
)
def test_tc_j_02_csms(station, dut):
    meter = _meter(station, dut)
    tx, _ = _metered_transaction(station, dut, meter)
    transactions.energy_transfer_started(station, dut, tx)
    interval = _seconds(dut.timers.aligned_data_interval, "aligned_data_interval")
    measurands = meter.measurands("AlignedDataCtrlr", "Measurands")
    idle = [evse for evse in _evse_ids(station) if evse != tx.evse]
    # Part 6: the tool goes on until the configured transaction duration has passed;
    # one round at least, so that a zero duration still sends the readings.
    duration = float(dut.profile.harness.transaction_duration)
    begun = time.monotonic()
    moment = None
    while True:
        moment = _wait_for_clock(station, interval, moment)
        station.step(
            "1-2",
            "Clock-aligned readings of the main meter (evseId 0) and the idle EVSEs in "
            "MeterValues, context Sample.Clock; the CSMS answers each",
        )
        for evse in (0, *idle):
            _send_meter_values(station, meter, evse, Reading(measurands, "Sample.Clock", moment))
        station.step(
            "3-4",
            "The transaction's clock-aligned reading: TransactionEvent Updated, triggerReason "
            "MeterValueClock, context Sample.Clock; the CSMS answers it",
        )
        readings = meter.meter_values(tx.evse, [Reading(measurands, "Sample.Clock", moment)])
        transactions.meter_values_event(station, tx, "MeterValueClock", readings)
        if time.monotonic() - begun >= duration:
            break


@testcase(
    "TC_J_03_CSMS",
    "Clock-aligned Meter Values - EventType Ended",
    table=570,
    requirements=["J01.FR.18"],
    catches=["tx-meter-values-callerror", "tx-ended-readings-callerror"],
)
def test_tc_j_03_csms(station, dut):
    _ended_with_readings(station, dut, clock=True, signed=False)


@testcase(
    "TC_J_04_CSMS",
    "Clock-aligned Meter Values - Signed",
    table=571,
    # J01.FR.21 binds the station (the harness signs its readings); the CSMS's part is
    # to answer the event that carries them (J02.FR.19)
    requirements=["J01.FR.21"],
    catches=[
        "tx-meter-values-callerror",
        "tx-ended-readings-callerror",
        "signed-meter-values-callerror",
    ],
)
def test_tc_j_04_csms(station, dut):
    _ended_with_readings(station, dut, clock=True, signed=True)


@testcase(
    "TC_J_07_CSMS",
    "Sampled Meter Values - EventType Started - EVSE known",
    table=572,
    requirements=["J02.FR.19"],
    catches=["tx-meter-values-callerror"],
)
def test_tc_j_07_csms(station, dut):
    meter = _meter(station, dut)
    tx, _ = _metered_transaction(station, dut, meter, begin=True)
    station.step(
        1,
        "Reusable state EVConnectedPreSession: its TransactionEvent Started names the EVSE "
        "and carries the start readings, context Transaction.Begin",
    )
    transactions.ev_connected_pre_session(station, dut, tx)


@testcase(
    "TC_J_08_CSMS",
    "Sampled Meter Values - Context Transaction.Begin - EVSE not known",
    table=573,
    requirements=["J02.FR.19"],
    catches=["tx-meter-values-callerror", "tx-begin-in-updated-callerror"],
)
def test_tc_j_08_csms(station, dut):
    meter = _meter(station, dut)
    tx, _ = _metered_transaction(station, dut, meter, begin=True)
    # The driver authorizes before the station knows the EVSE: the Started event names
    # none, and the start readings wait for the event that does (E01.FR.17).
    tx.evse_known_at_start = False
    station.step(1, "Reusable state Authorized: TransactionEvent Started without an EVSE")
    transactions.authorized(station, dut, tx)
    station.step(
        2,
        "Reusable state EVConnectedPreSession: its TransactionEvent Updated names the EVSE "
        "and carries the start readings, context Transaction.Begin",
    )
    transactions.ev_connected_pre_session(station, dut, tx)
    station.step(3, "Reusable state EnergyTransferStarted")
    transactions.energy_transfer_started(station, dut, tx)


@testcase(
    "TC_J_09_CSMS",
    "Sampled Meter Values - EventType Updated",
    table=574,
    requirements=["J02.FR.19"],
    catches=["tx-meter-values-callerror"],
)
def test_tc_j_09_csms(station, dut):
    meter = _meter(station, dut)
    tx, _ = _metered_transaction(station, dut, meter)
    transactions.energy_transfer_started(station, dut, tx)
    interval = _seconds(
        dut.timers.sampled_data_tx_updated_interval, "sampled_data_tx_updated_interval"
    )
    measurands = meter.measurands("SampledDataCtrlr", "TxUpdatedMeasurands")
    charging = now()
    for number in range(1, ROUNDS + 1):
        # J02.FR.11: a periodic reading every TxUpdatedInterval while the EV charges
        moment = charging + _dt.timedelta(seconds=number * interval)
        _hold_until(station, moment, "the configured sampled meter values interval")
        station.step(
            "1-2",
            f"Sampled reading {number} of {ROUNDS}: TransactionEvent Updated, triggerReason "
            "MeterValuePeriodic, context Sample.Periodic; the CSMS answers it",
        )
        readings = meter.meter_values(tx.evse, [Reading(measurands, "Sample.Periodic", moment)])
        transactions.meter_values_event(station, tx, "MeterValuePeriodic", readings)


@testcase(
    "TC_J_10_CSMS",
    "Sampled Meter Values - EventType Ended",
    table=575,
    requirements=["J02.FR.19"],
    catches=["tx-meter-values-callerror", "tx-ended-readings-callerror"],
)
def test_tc_j_10_csms(station, dut):
    _ended_with_readings(station, dut, clock=False, signed=False)


@testcase(
    "TC_J_11_CSMS",
    "Sampled Meter Values - Signed",
    table=576,
    # J02.FR.21 binds the station (the harness signs its readings); the CSMS's part is
    # to answer the event that carries them (J02.FR.19)
    requirements=["J02.FR.21"],
    catches=[
        "tx-meter-values-callerror",
        "tx-ended-readings-callerror",
        "signed-meter-values-callerror",
    ],
)
def test_tc_j_11_csms(station, dut):
    _ended_with_readings(station, dut, clock=False, signed=True)


# -- what the cases share ---------------------------------------------------------------------


def _ended_with_readings(station: Any, dut: Any, *, clock: bool, signed: bool) -> None:
    """TC_J_03/04 (clock-aligned) and TC_J_10/11 (sampled): from EnergyTransferStarted the
    transaction is stopped and the EV unplugged; the Ended event carries the readings
    of the whole transaction, the one of the end last (E06.FR.11), signed or not."""
    meter = _meter(station, dut, signed=signed)
    if clock:
        component = "AlignedDataCtrlr"
        interval = _seconds(
            dut.timers.aligned_data_tx_ended_interval, "aligned_data_tx_ended_interval"
        )
    else:
        component = "SampledDataCtrlr"
        interval = _seconds(
            dut.timers.sampled_data_tx_ended_interval, "sampled_data_tx_ended_interval"
        )
    ended = _ended_readings(meter, component, interval, clock=clock)
    tx, tx_meter = _metered_transaction(station, dut, meter, ended=ended)
    transactions.energy_transfer_started(station, dut, tx)
    # The Ended event holds a reading per interval the transaction lasted: let the first
    # such moment pass (the configured transaction duration may be shorter), by a
    # second, since the end is stamped in whole seconds too.
    started = tx_meter.started or now()
    first = (
        next_clock_moment(interval, started) if clock else started + _dt.timedelta(seconds=interval)
    )
    _hold_until(
        station,
        first + _dt.timedelta(seconds=WHOLE_SECOND),
        "the transaction lasts one reading interval at least",
    )
    context = "Sample.Clock" if clock else "Sample.Periodic"
    station.step(
        1,
        f"Reusable state EVDisconnected: the TransactionEvent Ended carries the readings, "
        f"context {context}, the last one Transaction.End" + (", all signed" if signed else ""),
    )
    transactions.ev_disconnected(station, dut, tx)


def _ended_readings(
    meter: StationMeter, component: str, interval: int, *, clock: bool
) -> Callable[[_dt.datetime, _dt.datetime], list[Reading]]:
    """The readings of an Ended event (E06.FR.11): ``component``'s TxEndedMeasurands at
    every interval of the transaction (on the clock for AlignedDataCtrlr, from the
    start for SampledDataCtrlr), then SampledDataCtrlr's at the end."""

    def readings(start: _dt.datetime, end: _dt.datetime) -> list[Reading]:
        measurands = meter.measurands(component, "TxEndedMeasurands")
        context = "Sample.Clock" if clock else "Sample.Periodic"
        moments = on_the_clock(start, end, interval) if clock else every(start, end, interval)
        taken = [Reading(measurands, context, moment) for moment in moments]
        final = meter.measurands("SampledDataCtrlr", "TxEndedMeasurands")
        return [*taken, Reading(final, "Transaction.End", end)]

    return readings


def _meter(station: Any, dut: Any, *, signed: bool = False) -> StationMeter:
    """The harness station's meter, its device model set to the profile's intervals."""
    model = station.device_model
    timers = dut.timers
    for component, name, seconds in (
        ("AlignedDataCtrlr", "Interval", timers.aligned_data_interval),
        ("AlignedDataCtrlr", "TxEndedInterval", timers.aligned_data_tx_ended_interval),
        ("SampledDataCtrlr", "TxUpdatedInterval", timers.sampled_data_tx_updated_interval),
        ("SampledDataCtrlr", "TxEndedInterval", timers.sampled_data_tx_ended_interval),
    ):
        model.store(component, name, str(int(seconds)))
    return StationMeter(model, evses=_evse_ids(station), signed=signed)


def _metered_transaction(
    station: Any,
    dut: Any,
    meter: StationMeter,
    *,
    begin: bool = False,
    ended: Callable[[_dt.datetime, _dt.datetime], list[Reading]] | None = None,
) -> tuple[transactions.Transaction, TransactionMeter]:
    """A new transaction on the first EVSE whose events the meter follows (and adds
    readings to, with ``begin`` or ``ended``), and that meter."""
    tx = transactions.new_transaction(station, dut)
    tx_meter = meter.transaction_meter(tx.evse, begin=begin, ended=ended)
    tx.meter = tx_meter
    return tx, tx_meter


def _send_meter_values(station: Any, meter: StationMeter, evse: int, reading: Reading) -> None:
    """One MeterValuesRequest of ``evse`` (0: the main meter); the CSMS must answer it
    with a MeterValuesResponse (J01.FR.18), which the schema says is empty."""
    values = meter.meter_values(evse, [reading])
    if not values:
        raise HarnessError(
            f"the harness station's meter reads none of the configured measurands "
            f"{reading.measurands} for evseId {evse}",
            "setup",
        )
    station.call("MeterValues", evseId=evse, meterValue=values).expect(rule=METER_VALUES_RULE)


def _wait_for_clock(station: Any, interval: int, previous: _dt.datetime | None) -> _dt.datetime:
    """Let the time pass until the next clock-aligned moment after ``previous`` (J01:
    readings on the interval's grid from midnight); returns that moment."""
    current = _dt.datetime.now(_dt.UTC)
    moment = next_clock_moment(interval, max(current, previous) if previous else current)
    _hold_until(station, moment, "the next clock-aligned moment")
    return moment


def _hold_until(station: Any, moment: _dt.datetime, why: str) -> None:
    """Answer the CSMS until ``moment`` has passed (a hair beyond it, so that what is
    sent next is stamped at that second or later)."""
    seconds = (moment - _dt.datetime.now(_dt.UTC)).total_seconds() + HAIR
    if seconds > 0:
        station.hold_for(seconds, why)


def _seconds(value: Any, name: str) -> int:
    """A configured interval: whole seconds above 0, else a set-up error."""
    seconds = int(value)
    if seconds <= 0:
        raise HarnessError(f"[timers] {name} must be above 0 seconds for this case", "setup")
    return seconds


def _evse_ids(station: Any) -> tuple[int, ...]:
    return tuple(evse for evse, _ in station.evses)
