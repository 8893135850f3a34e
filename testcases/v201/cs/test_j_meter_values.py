"""Block J, Meter values — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls. The measurands a reading
must carry are the ones the station is configured with (read from it); the intervals
are the profile's (Part 6 <Configured ... interval>). A case that starts a transaction
leaves the station idle after it (:func:`harness.steps.idle.leave_idle`).
"""

import base64
import binascii
import datetime as _dt

from harness import DutFailure, HarnessError, testcase
from harness.states import cs_transactions as tx_states
from harness.steps import device_model as dm
from harness.steps.idle import leave_idle

BLOCK = "J Meter Values"

ALIGNED_INTERVAL = dm.Variable("AlignedDataCtrlr", "Interval")
ALIGNED_MEASURANDS = dm.Variable("AlignedDataCtrlr", "Measurands")

#: Part 6: the tool ends the case once it has received three of them
READINGS = 3

#: the requirements Part 6 lists for every clock-aligned case (Tables 243-245)
ALIGNED_ROW = [f"J01.FR.{n:02d}" for n in (1, 2, 3, 6, 7, 8, 14, 15)]
#: for every sampled case (Tables 248-251)
SAMPLED_ROW = [f"J02.FR.{n:02d}" for n in (1, 2, 3, 4, 10)]
#: and those of the Ended event's meter data in each way a transaction ends (245, 251)
ENDED_ROW = ["E06.FR.11", "E07.FR.08", "E08.FR.09", "E09.FR.05", "E10.FR.04", "E12.FR.07"]


@testcase(
    "TC_J_01_CS",
    "Clock-aligned Meter Values - No transaction ongoing",
    table=243,
    requirements=ALIGNED_ROW,
    catches={
        "aligned-context-periodic": None,
        "aligned-not-on-the-clock": None,
        "reading-location-ev": "J01.FR.09",
    },
)
def test_tc_j_01_cs(csms, dut):
    interval = dut.profile.timers.aligned_data_interval
    deviation = dut.profile.tolerances.time_deviation
    # The measurands the readings must carry (the station's AlignedDataCtrlr.Measurands).
    measurands = _measurands(csms, ALIGNED_MEASURANDS)
    # Configuration state: AlignedDataInterval is the configured interval (restored after).
    dm.configure(csms, ALIGNED_INTERVAL, str(interval))
    csms.step(
        "1-2", f"{READINGS} MeterValues, every {interval} s on the clock, context Sample.Clock"
    )
    readings = []
    for _ in range(READINGS):
        message = csms.expect(
            "MeterValues", timeout=interval + deviation + dut.timeouts.response, rule="J01.FR.14"
        )
        for value in message.get("meterValue") or []:
            _check_reading(
                message,
                value,
                ("Sample.Clock",),
                measurands,
                context_rule="J01.FR.08",
                location_rule="J01.FR.09",
                measurand_rule="J01.FR.14",
            )
            readings.append((message, value.get("timestamp")))
    # Post-scenario validation: the readings are the interval apart (several of one
    # interval, for several EVSEs, share its timestamp), on the clock.
    stamps = [stamp for _, stamp in readings]
    last = readings[-1][0]
    _check_apart(last, stamps, interval, deviation, "J01.FR.14", "clock-aligned readings")
    _check_on_the_clock(last, stamps, interval, deviation, "J01.FR.14")


# -- what every reading is checked for ------------------------------------------------------

#: the measurand a sampled value without one reports (Part 6: it may be left out)
DEFAULT_MEASURAND = "Energy.Active.Import.Register"

SAMPLED = {
    name: dm.Variable("SampledDataCtrlr", name)
    for name in (
        "TxStartedMeasurands",
        "TxUpdatedMeasurands",
        "TxUpdatedInterval",
        "TxEndedMeasurands",
        "TxEndedInterval",
        "SignReadings",
        "RegisterValuesWithoutPhases",
    )
}
ALIGNED = {
    name: dm.Variable("AlignedDataCtrlr", name)
    for name in ("TxEndedMeasurands", "TxEndedInterval", "SendDuringIdle", "SignReadings")
}
PUBLIC_KEY = dm.Variable("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue")


def _measurands(csms, variable):
    """The measurands ``variable`` configures at the station, which the readings are
    checked against (Part 6: "an element per configured measurand")."""
    with csms.beyond_octt("read the configured measurands the readings are checked against"):
        configured, _ = dm.get_variable(csms, variable)
    return [m.strip() for m in str(configured or "").split(",") if m.strip()]


def _configured_measurands(csms, variable):
    """The measurands of ``variable``; where the station has none configured, the one
    every meter reads is configured for the case (and set back after), since a reading
    of no measurand cannot be checked."""
    measurands = _measurands(csms, variable)
    if not measurands:
        dm.configure(csms, variable, DEFAULT_MEASURAND)
        measurands = [DEFAULT_MEASURAND]
    return measurands


def _faulty(message, reason, rule):
    """Fail the case with ``rule``, ``message`` marked as the frame that broke it."""
    message.entry.failing = True
    raise DutFailure(
        f"{message.action} (frame {message.entry.seq}) {reason}", rule, message.entry.raw
    )


def _check_reading(
    message, value, contexts, measurands, *, context_rule, measurand_rule, location_rule
):
    """One MeterValue of ``message``: every sampled value has a context of ``contexts``
    (absent is Sample.Periodic, the schema's default) and there is one per measurand of
    ``measurands`` (absent is Energy.Active.Import.Register; several of one measurand,
    per phase or location, count as one: errata §6.2.63). Errata 2025-09 §6.2.58 adds
    to every case of the block: no sampled value is located at the EV but the SoC."""
    sampled = value.get("sampledValue") or []
    for item in sampled:
        measurand = item.get("measurand", DEFAULT_MEASURAND)
        if item.get("location") == "EV" and measurand != "SoC":
            _faulty(message, f"reports {measurand} with location EV (only SoC is)", location_rule)
        context = item.get("context", "Sample.Periodic")
        if context not in contexts:
            _faulty(
                message,
                f"carries a reading with context {context!r}; expected {' or '.join(contexts)}",
                context_rule,
            )
    named = {item.get("measurand", DEFAULT_MEASURAND) for item in sampled}
    missing = [m for m in measurands if m not in named]
    if missing:
        _faulty(
            message,
            f"has a reading that lacks the configured measurand {missing[0]}",
            measurand_rule,
        )


def _parse(stamp: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _check_apart(message, stamps, interval, deviation, rule, what):
    """Part 6's post-scenario validation: the readings' timestamps are the interval
    apart (several readings of one moment share it)."""
    times = sorted({_parse(stamp) for stamp in stamps if stamp})
    for earlier, later in zip(times, times[1:], strict=False):
        gap = (later - earlier).total_seconds()
        if abs(gap - interval) > deviation:
            raise DutFailure(
                f"{what} {gap:.2f} s apart; the interval is {interval} s",
                rule,
                message.entry.raw,
            )


def _check_on_the_clock(message, stamps, interval, deviation, rule):
    """Clock-aligned readings are stamped at multiples of the interval since midnight."""
    for stamp in sorted({_parse(s) for s in stamps if s}):
        offset = (stamp - stamp.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
        drift = min(offset % interval, interval - offset % interval)
        if drift > deviation:
            raise DutFailure(
                f"a clock-aligned reading is stamped {stamp.isoformat()}, {drift:.2f} s off the "
                f"{interval} s clock",
                rule,
                message.entry.raw,
            )


def _transaction(csms, dut, *states):
    """A transaction brought through ``states`` (Part 6's "Before"), left idle after."""
    tx = tx_states.session(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    for state in states:
        state(csms, dut, tx)
    return tx


def _ended(tx, rule):
    """The transaction's Ended event, with meter values (Part 6: it "contains the
    MeterValue field")."""
    ended = next((m for m in tx.events if m.payload.get("eventType") == "Ended"), None)
    if ended is None:
        raise DutFailure("the transaction did not end", rule, tx.events[-1].entry.raw)
    if not ended.payload.get("meterValue"):
        _faulty(ended, "carries no meterValue; the case configured meter data for it", rule)
    return ended


def _charged_and_ended(csms, dut, interval):
    """State EnergyTransferStarted, then step 1 of Tables 245/246/251/252: the EV charges
    long enough for readings at two moments of ``interval`` (Part 6 stops after
    <Configured transaction duration>, which a meter must fill), then state
    ParkingBayUnoccupied ends the transaction. Returns its session."""
    tx = _transaction(csms, dut, tx_states.energy_transfer_started)
    seconds = 2 * interval + dut.profile.tolerances.time_deviation
    csms.hold_for(seconds, "the EV charges; the station collects its readings")
    csms.step(1, "State ParkingBayUnoccupied: the transaction ends")
    tx_states.parking_bay_unoccupied(csms, dut, tx)
    return tx


def _check_signed(csms, message, readings, rule):
    """Tables 246/252 with J01.FR.21/J02.FR.21: the values of ``readings`` that the
    station's signing components measure carry a signedMeterValue. Part 2 asks it of
    those components only, so the energy register (what a metrology meter signs) is
    signed wherever it is reported, and each reading has a signed value at least;
    Part 6 wants every sampled value signed, which is an OCTT-stricter check. A signed
    value's publicKey is there, empty or a key as
    OCPPCommCtrlr.PublicKeyWithSignedMeterValue says (Never: empty; EveryMeterValue: a
    key in each)."""
    with csms.beyond_octt("read when the station sends its public key"):
        _, when = dm.read_optional(csms, PUBLIC_KEY)
    unsigned = []
    for value in readings:
        items = value.get("sampledValue") or []
        if not any(item.get("signedMeterValue") for item in items):
            _faulty(message, f"has a reading ({value.get('timestamp')}) with no signed value", rule)
        for item in items:
            measurand = item.get("measurand", DEFAULT_MEASURAND)
            signed = item.get("signedMeterValue")
            if not signed:
                if measurand == DEFAULT_MEASURAND:
                    _faulty(message, f"has an unsigned energy register reading ({measurand})", rule)
                unsigned.append(measurand)
                continue
            key = signed.get("publicKey", "")
            if when == "Never" and key:
                _faulty(
                    message,
                    "sends a public key although PublicKeyWithSignedMeterValue is Never",
                    rule,
                )
            if when == "EveryMeterValue" and not key:
                _faulty(
                    message, "has a signed reading without its public key (EveryMeterValue)", rule
                )
            if key and not _base64(key):
                _faulty(message, "has a publicKey that is not base64", rule)
    with csms.octt_expects(
        "Part 6 wants every sampled value signed; Part 2 only those of components that sign"
    ):
        if unsigned:
            # a warning: the frame is not marked as one that broke a rule
            listed = ", ".join(sorted(set(unsigned)))
            raise DutFailure(
                f"{message.action} (frame {message.entry.seq}) has unsigned readings ({listed})",
                rule,
                message.entry.raw,
            )


def _base64(text):
    try:
        return bool(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        return False


# -- clock-aligned readings during and at the end of a transaction (J01) -------------------


def _stop_readings(csms, variable, trigger, since):
    """After the case: the readings ``variable`` switched on stop (it is set to 0; the
    restore sets it back later), and those of ``trigger`` that came are taken, so that
    the states that leave the station idle see only their own events."""
    dm.set_variable(csms, variable, "0")
    for message in csms.received("TransactionEvent", after=since):
        if message.payload.get("triggerReason") == trigger and not message.claimed:
            csms.expect("TransactionEvent", after=message.entry.seq - 1)


@testcase(
    "TC_J_02_CS",
    "Clock-aligned Meter Values - Transaction ongoing",
    table=244,
    requirements=ALIGNED_ROW,
    catches={
        "aligned-context-periodic": None,
        "aligned-not-on-the-clock": None,
        "aligned-silent-during-transaction": None,
        "reading-location-ev": "J01.FR.09",
    },
)
def test_tc_j_02_cs(csms, dut):
    interval = dut.profile.timers.aligned_data_interval
    deviation = dut.profile.tolerances.time_deviation
    measurands = _measurands(csms, ALIGNED_MEASURANDS)
    # Configuration state: readings during transactions and per phase (each if
    # implemented; the second from errata 2025-09 §6.2.63), and the interval, set once
    # the EV charges: a reading that came as a TransactionEvent between the state's
    # events would take the place of one of them. It is set back after the station is
    # left idle.
    dm.configure_if_implemented(csms, ALIGNED["SendDuringIdle"], "false")
    dm.configure_if_implemented(csms, SAMPLED["RegisterValuesWithoutPhases"], "false")
    dm.restore_after(csms, ALIGNED_INTERVAL)
    since = csms.mark()
    tx = _transaction(csms, dut, tx_states.energy_transfer_started)
    dm.set_variable(csms, ALIGNED_INTERVAL, str(interval))
    csms.finally_do(
        "the clock-aligned readings stopped",
        _stop_readings,
        csms,
        ALIGNED_INTERVAL,
        "MeterValueClock",
        since,
    )
    start = csms.mark()
    csms.step(
        "1-4",
        f"Clock-aligned readings every {interval} s, by MeterValues or by TransactionEvent "
        "MeterValueClock",
    )
    # The tool ends the case after <Configured transaction duration>; long enough here
    # for the readings of several intervals.
    duration = max(dut.profile.harness.transaction_duration, READINGS * interval + deviation)
    csms.hold_for(duration, "Part 6: the transaction goes on; the station reports its meters")
    meter_values = csms.received("MeterValues", after=start)
    events = [
        m
        for m in csms.received("TransactionEvent", after=start)
        if m.payload.get("triggerReason") == "MeterValueClock"
    ]
    for message in meter_values + events:
        for value in (message.payload.get("meterValue") or [])[:1]:
            _check_reading(
                message,
                value,
                ("Sample.Clock",),
                measurands,
                context_rule="J01.FR.08",
                location_rule="J01.FR.09",
                measurand_rule="J01.FR.14",
            )
    # The EVSE of the transaction gets its readings one way or the other.
    own = [m for m in meter_values if m.payload.get("evseId") == tx.evse] + events
    if len(own) < READINGS - 1:
        last = (meter_values + events or tx.events)[-1]
        raise DutFailure(
            f"{len(own)} clock-aligned readings for EVSE {tx.evse} in {duration:g} s of its "
            f"transaction; the interval is {interval} s",
            "J01.FR.22",
            last.entry.raw,
        )
    # Post-scenario validation: each kind of message's readings the interval apart.
    for messages, what in ((meter_values, "MeterValues"), (events, "TransactionEvent readings")):
        if not messages:
            continue
        stamps = [v.get("timestamp") for m in messages for v in m.payload.get("meterValue") or []]
        _check_apart(messages[-1], stamps, interval, deviation, "J01.FR.14", what)
        _check_on_the_clock(messages[-1], stamps, interval, deviation, "J01.FR.14")


def _aligned_ended(csms, dut, tx, measurands, *, context_rule, content_rule):
    """Tables 245/246 after the transaction: the Ended event's clock-aligned readings
    (context Sample.Clock), each with ``measurands`` (the AlignedDataCtrlr.TxEndedMeasurands
    configured before the transaction), the interval apart. Returns the event and those
    readings."""
    interval = dut.profile.timers.aligned_data_tx_ended_interval
    deviation = dut.profile.tolerances.time_deviation
    ended = _ended(tx, content_rule)
    values = ended.payload["meterValue"]
    clock = [
        v
        for v in values
        if any(s.get("context") == "Sample.Clock" for s in v.get("sampledValue") or [])
    ]
    if not clock:
        _faulty(ended, "carries no clock-aligned reading (context Sample.Clock)", content_rule)
    for value in clock:
        _check_reading(
            ended,
            value,
            ("Sample.Clock",),
            measurands,
            context_rule=context_rule,
            location_rule="J01.FR.09",
            measurand_rule=content_rule,
        )
    stamps = [v.get("timestamp") for v in clock]
    _check_apart(ended, stamps, interval, deviation, content_rule, "the clock-aligned readings")
    return ended, clock


@testcase(
    "TC_J_03_CS",
    "Clock-aligned Meter Values - EventType Ended",
    table=245,
    requirements=[*ALIGNED_ROW, *ENDED_ROW],
    catches={
        "tx-ended-without-aligned-readings": None,
        "aligned-context-periodic": None,
        "reading-location-ev": "J01.FR.09",
    },
)
def test_tc_j_03_cs(csms, dut):
    interval = dut.profile.timers.aligned_data_tx_ended_interval
    # The measurands the Ended event's clock-aligned readings must carry, configured
    # before the transaction where the station has none.
    measurands = _configured_measurands(csms, ALIGNED["TxEndedMeasurands"])
    # Configuration state: the Ended event's clock-aligned interval, no sampled readings
    # in it, and readings during transactions (if implemented).
    dm.configure(csms, ALIGNED["TxEndedInterval"], str(interval))
    dm.configure(csms, SAMPLED["TxEndedMeasurands"], "")
    dm.configure_if_implemented(csms, ALIGNED["SendDuringIdle"], "false")
    tx = _charged_and_ended(csms, dut, interval)
    # Post-scenario validations: the Ended event's readings, all clock-aligned (no
    # sampled ones are configured), each with the configured measurands, the interval apart.
    ended = _ended(tx, "E06.FR.11")
    for value in ended.payload["meterValue"]:
        _check_reading(
            ended,
            value,
            ("Sample.Clock",),
            [],
            context_rule="J01.FR.08",
            location_rule="J01.FR.09",
            measurand_rule="E06.FR.11",
        )
    _aligned_ended(csms, dut, tx, measurands, context_rule="J01.FR.08", content_rule="E06.FR.11")


@testcase(
    "TC_J_04_CS",
    "Clock-aligned Meter Values - Signed",
    table=246,
    requirements=["J01.FR.21"],
    catches={"aligned-readings-unsigned": None, "reading-location-ev": "J01.FR.09"},
)
def test_tc_j_04_cs(csms, dut):
    interval = dut.profile.timers.aligned_data_tx_ended_interval
    measurands = _configured_measurands(csms, ALIGNED["TxEndedMeasurands"])
    # Configuration state: the Ended event's clock-aligned interval, readings during
    # transactions (if implemented), and signed clock-aligned readings.
    dm.configure(csms, ALIGNED["TxEndedInterval"], str(interval))
    dm.configure_if_implemented(csms, ALIGNED["SendDuringIdle"], "false")
    dm.configure(csms, ALIGNED["SignReadings"], "true")
    tx = _charged_and_ended(csms, dut, interval)
    # Post-scenario validations: the clock-aligned readings of the Ended event, signed.
    ended, clock = _aligned_ended(
        csms, dut, tx, measurands, context_rule="J01.FR.08", content_rule="E06.FR.11"
    )
    _check_signed(csms, ended, clock, "J01.FR.21")


@testcase(
    "TC_J_06_CS",
    "Clock-aligned Meter Values - No Meter Values during transaction",
    table=247,
    catches={
        "aligned-sent-during-transaction": None,
        "aligned-context-periodic": None,
        "reading-location-ev": "J01.FR.09",
    },
)
def test_tc_j_06_cs(csms, dut):
    interval = dut.profile.timers.aligned_data_interval
    deviation = dut.profile.tolerances.time_deviation
    wait = interval + deviation + dut.timeouts.response
    measurands = _measurands(csms, ALIGNED_MEASURANDS)
    # Configuration state: the interval, and no clock-aligned readings during transactions.
    dm.configure(csms, ALIGNED_INTERVAL, str(interval))
    dm.configure(csms, ALIGNED["SendDuringIdle"], "true")
    readings = []
    csms.step("1-2", "Idle: clock-aligned MeterValues, context Sample.Clock")
    readings.append(csms.expect("MeterValues", timeout=wait, rule="J01.FR.14"))
    csms.step(3, "State EnergyTransferStarted")
    tx = _transaction(csms, dut, tx_states.energy_transfer_started)
    csms.step("4-5", f"No clock-aligned readings while the transaction runs ({interval + 5} s)")
    csms.hold_for(interval + 5, "Part 6 step 6 comes the interval and 5 s later")
    csms.step(6, "State ParkingBayUnoccupied: the transaction ends")
    tx_states.parking_bay_unoccupied(csms, dut, tx)
    started = next(m for m in tx.events if m.payload.get("eventType") == "Started")
    ended = next(m for m in tx.events if m.payload.get("eventType") == "Ended")
    csms.step("7-8", "Idle again: clock-aligned MeterValues")
    readings.append(
        csms.expect("MeterValues", after=ended.entry.seq, timeout=wait, rule="J01.FR.14")
    )
    for message in readings:
        for value in (message.payload.get("meterValue") or [])[:1]:
            _check_reading(
                message,
                value,
                ("Sample.Clock",),
                measurands,
                context_rule="J01.FR.08",
                location_rule="J01.FR.09",
                measurand_rule="J01.FR.14",
            )
    stamps = [v.get("timestamp") for m in readings for v in m.payload.get("meterValue") or []]
    _check_on_the_clock(readings[-1], stamps, interval, deviation, "J01.FR.14")
    # Post-scenario validation: nothing clock-aligned while the transaction ran. Its own
    # events may carry the readings of its start and end (Transaction.Begin/End).
    for message in csms.received("MeterValues", after=started.entry.seq):
        if message.entry.seq < ended.entry.seq:
            _faulty(message, "came while a transaction ran, with SendDuringIdle true", "J01.FR.20")
    for message in tx.events:
        if message.payload.get("triggerReason") == "MeterValueClock":
            _faulty(message, "is a clock-aligned reading during the transaction", "J01.FR.20")
    # Part 6 also rules out any TransactionEvent with meter values while the transaction
    # runs (steps 3-4), which Part 2 does not: a station may meter the transaction
    # (MeterValuePeriodic, E02.FR.10). Left out: the Started event, whose readings are
    # those of the transaction's begin (TxStartedMeasurands, which the table leaves as
    # they are), and the Ended one, sent at step 6.
    during = [
        m
        for m in csms.received("TransactionEvent", after=started.entry.seq)
        if m.entry.seq < ended.entry.seq and m.payload.get("eventType") == "Updated"
    ]
    with csms.octt_expects("Part 6: no TransactionEvent with meter values in the transaction"):
        for message in during:
            if message.payload.get("meterValue"):
                raise DutFailure(
                    f"TransactionEvent (frame {message.entry.seq}, "
                    f"{message.payload.get('triggerReason')}) carries meter values during the "
                    "transaction",
                    "J01.FR.20",
                    message.entry.raw,
                )


# -- sampled readings of a transaction (J02) ------------------------------------------------


def _start_at(csms, dut, point, forbidden=(), fixed=()):
    """Part 6's configuration state "TxStartPoint contains ``point``": set to it alone
    where TxStartPoint is configurable (C-51, restored after); where it is not, it must
    hold ``point`` or one of ``fixed`` (the start points the table's note also takes);
    the prerequisite that it holds none of ``forbidden``."""
    if dut.supports("C-51"):
        dm.configure(csms, tx_states.TX_START_POINT, point)
    tx = tx_states.session(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    if not tx.starts_at(point, *fixed) or tx.starts_at(*forbidden):
        needed = " or ".join((point, *fixed))
        raise HarnessError(
            f"TxStartPoint is {','.join(sorted(tx.start_points)) or 'empty'}; the case needs "
            f"{needed}" + (f" and none of {', '.join(forbidden)}" if forbidden else ""),
            "setup",
        )
    return tx


def _check_begin(message, measurands, rule):
    """Tables 248/249: ``message`` carries the TxStartedMeasurands, context
    Transaction.Begin."""
    values = message.payload.get("meterValue") or []
    if not values:
        _faulty(message, "carries no meterValue; TxStartedMeasurands are configured", rule)
    for value in values:
        _check_reading(
            message,
            value,
            ("Transaction.Begin",),
            measurands,
            context_rule="J02.FR.04",
            location_rule="J02.FR.05",
            measurand_rule=rule,
        )


@testcase(
    "TC_J_07_CS",
    "Sampled Meter Values - EventType Started - EVSE known",
    table=248,
    requirements=[
        *SAMPLED_ROW,
        "E01.FR.09",
        "E02.FR.09",
        "E03.FR.07",
        "E04.FR.05",
        "E05.FR.05",
    ],
    catches={
        "tx-started-without-meter-values": None,
        "tx-begin-context-periodic": None,
        "reading-location-ev": "J02.FR.05",
    },
)
def test_tc_j_07_cs(csms, dut):
    # Configuration state: TxStartPoint EVConnected; a station whose start point is fixed
    # may start at any of the points the table's note names (the cable is in by then,
    # so the Started event knows the EVSE).
    tx = _start_at(
        csms,
        dut,
        "EVConnected",
        forbidden=("ParkingBayOccupancy",),
        fixed=("Authorized", "PowerPathClosed", "EnergyTransfer", "DataSigned"),
    )
    measurands = _configured_measurands(csms, SAMPLED["TxStartedMeasurands"])
    tx_states.parking_bay_occupied(csms, dut, tx)
    csms.step(1, "State EVConnectedPreSession: the plug-in starts the transaction")
    tx_states.ev_connected_pre_session(csms, dut, tx)
    csms.step(2, "State EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)
    # Post-scenario validations: the Started event's readings.
    started = next(m for m in tx.events if m.payload.get("eventType") == "Started")
    _check_begin(started, measurands, "E01.FR.09")


@testcase(
    "TC_J_08_CS",
    "Sampled Meter Values - Context Transaction.Begin - EVSE not known",
    table=249,
    requirements=[
        *SAMPLED_ROW,
        "E01.FR.16",
        "E01.FR.17",
        "E03.FR.11",
        "E04.FR.11",
        "E05.FR.08",
    ],
    catches={
        "tx-started-without-meter-values": "E01.FR.09",
        "tx-begin-context-periodic": None,
        "reading-location-ev": "J02.FR.05",
    },
)
def test_tc_j_08_cs(csms, dut):
    point = "Authorized" if dut.supports("C-09.2") else "ParkingBayOccupancy"
    tx = _start_at(csms, dut, point)
    measurands = _configured_measurands(csms, SAMPLED["TxStartedMeasurands"])
    csms.step(1, "State EnergyTransferStarted: the transaction starts before the cable")
    tx_states.energy_transfer_started(csms, dut, tx)
    # Post-scenario validations: the first event that names the EVSE carries the start's
    # readings: the Started one if the EVSE was known then (E01.FR.09), else the one of
    # the plug-in (E01.FR.17).
    first = next((m for m in tx.events if "evse" in m.payload), None)
    if first is None:
        raise DutFailure("no TransactionEvent named the EVSE", "E01.FR.16", tx.events[-1].entry.raw)
    known = first.payload.get("eventType") == "Started"
    _check_begin(first, measurands, "E01.FR.09" if known else "E01.FR.17")


def _periodic(csms, dut, tx, interval, measurands):
    """Table 250 step 1: one MeterValuePeriodic event with the TxUpdatedMeasurands."""
    wait = interval + dut.profile.tolerances.time_deviation + dut.timeouts.response
    message = csms.expect("TransactionEvent", timeout=wait, rule="J02.FR.11")
    message.expect(
        rule="J02.FR.11",
        eventType="Updated",
        triggerReason="MeterValuePeriodic",
        transactionInfo={"transactionId": tx.transaction_id},
    )
    values = message.payload.get("meterValue") or []
    if not values:
        _faulty(message, "carries no meterValue", "J02.FR.11")
    for value in values:
        _check_reading(
            message,
            value,
            ("Sample.Periodic",),
            measurands,
            context_rule="J02.FR.04",
            location_rule="J02.FR.05",
            measurand_rule="J02.FR.11",
        )
    return message


@testcase(
    "TC_J_09_CS",
    "Sampled Meter Values - EventType Updated",
    table=250,
    requirements=[
        *SAMPLED_ROW,
        "J02.FR.11",
        "J02.FR.14",
        "E02.FR.10",
        "E02.FR.11",
        "E03.FR.08",
        "E03.FR.09",
        "E04.FR.06",
        "E04.FR.09",
        "E11.FR.03",
        "E11.FR.06",
        "E12.FR.03",
        "E12.FR.06",
    ],
    catches={
        "tx-periodic-context-clock": None,
        "tx-periodic-interval-doubled": None,
        "reading-location-ev": "J02.FR.05",
    },
)
def test_tc_j_09_cs(csms, dut):
    interval = dut.profile.timers.sampled_data_tx_updated_interval
    deviation = dut.profile.tolerances.time_deviation
    measurands = _configured_measurands(csms, SAMPLED["TxUpdatedMeasurands"])
    # Configuration state: the periodic readings' interval.
    dm.configure(csms, SAMPLED["TxUpdatedInterval"], str(interval))
    # Not in Part 6: clock-aligned readings off for the case (set back after). A station
    # may send them as TransactionEvent MeterValueClock during the transaction
    # (J01.FR.22), which would come between the periodic events the steps wait for.
    dm.configure_if_implemented(csms, ALIGNED_INTERVAL, "0")
    since = csms.mark()
    tx = _transaction(csms, dut, tx_states.energy_transfer_started)
    csms.finally_do(
        "the periodic readings stopped",
        _stop_readings,
        csms,
        SAMPLED["TxUpdatedInterval"],
        "MeterValuePeriodic",
        since,
    )
    csms.step(1, f"TransactionEvent Updated, MeterValuePeriodic, every {interval} s")
    readings = [_periodic(csms, dut, tx, interval, measurands) for _ in range(READINGS)]
    # Post-scenario validation: the readings the interval apart.
    stamps = [v.get("timestamp") for m in readings for v in m.payload.get("meterValue") or []]
    _check_apart(readings[-1], stamps, interval, deviation, "J02.FR.11", "periodic readings")


def _sampled_ended(csms, dut, tx, measurands):
    """Tables 251/252 after the transaction: the Ended event's sampled readings, those
    taken during it (Sample.Periodic, the interval apart) and one of its end
    (Transaction.End), each with the TxEndedMeasurands (one of the start may come too).
    Returns the event."""
    interval = dut.profile.timers.sampled_data_tx_ended_interval
    deviation = dut.profile.tolerances.time_deviation
    ended = _ended(tx, "E06.FR.11")
    values = ended.payload["meterValue"]
    for value in values:
        _check_reading(
            ended,
            value,
            ("Sample.Periodic", "Transaction.Begin", "Transaction.End"),
            measurands,
            context_rule="J02.FR.04",
            location_rule="J02.FR.05",
            measurand_rule="E06.FR.11",
        )

    def of(context):
        return [
            v
            for v in values
            if any(s.get("context", "Sample.Periodic") == context for s in v["sampledValue"])
        ]

    if not of("Transaction.End"):
        _faulty(ended, "has no reading of the transaction's end (Transaction.End)", "E06.FR.11")
    periodic = of("Sample.Periodic")
    if not periodic:
        _faulty(ended, "has no reading taken during the transaction (Sample.Periodic)", "E06.FR.11")
    stamps = [v.get("timestamp") for v in periodic]
    _check_apart(ended, stamps, interval, deviation, "E06.FR.11", "the sampled readings")
    return ended


@testcase(
    "TC_J_10_CS",
    "Sampled Meter Values - EventType Ended",
    table=251,
    requirements=[*SAMPLED_ROW, *ENDED_ROW],
    catches={
        "tx-ended-without-end-reading": None,
        "tx-ended-interval-ignored": None,
        "reading-location-ev": "J02.FR.05",
    },
)
def test_tc_j_10_cs(csms, dut):
    interval = dut.profile.timers.sampled_data_tx_ended_interval
    measurands = _configured_measurands(csms, SAMPLED["TxEndedMeasurands"])
    # Configuration state: the Ended event's sampling interval, no clock-aligned readings in it.
    dm.configure(csms, SAMPLED["TxEndedInterval"], str(interval))
    dm.configure(csms, ALIGNED["TxEndedMeasurands"], "")
    tx = _charged_and_ended(csms, dut, interval)
    # Post-scenario validations: the Ended event's sampled readings.
    _sampled_ended(csms, dut, tx, measurands)


@testcase(
    "TC_J_11_CS",
    "Sampled Meter Values - Signed",
    table=252,
    requirements=["J02.FR.21"],
    catches={"tx-readings-unsigned": None, "reading-location-ev": "J02.FR.05"},
)
def test_tc_j_11_cs(csms, dut):
    interval = dut.profile.timers.sampled_data_tx_ended_interval
    measurands = _configured_measurands(csms, SAMPLED["TxEndedMeasurands"])
    # Configuration state: the Ended event's sampling interval, signed readings.
    dm.configure(csms, SAMPLED["TxEndedInterval"], str(interval))
    dm.configure(csms, SAMPLED["SignReadings"], "true")
    tx = _charged_and_ended(csms, dut, interval)
    # Post-scenario validations: the Ended event's sampled readings, signed.
    ended = _sampled_ended(csms, dut, tx, measurands)
    sampled = [
        v
        for v in ended.payload["meterValue"]
        if all(s.get("context") != "Sample.Clock" for s in v["sampledValue"])
    ]
    _check_signed(csms, ended, sampled, "J02.FR.21")
