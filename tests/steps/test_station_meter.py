"""The harness station's meter (harness.steps.station_meter): what the J cases of a CSMS
send must be readings a conformant station could send."""

from __future__ import annotations

import base64
import datetime as _dt

from harness.ocppj import OcppVersion, validate_payload
from harness.station_model import station_model
from harness.steps.station_meter import (
    Reading,
    StationMeter,
    every,
    next_clock_moment,
    on_the_clock,
    stamp,
)

T0 = _dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=_dt.UTC)


def _meter(*, signed: bool = False) -> StationMeter:
    model = station_model(heartbeat_interval=60, security_profile=0)
    return StationMeter(model, evses=(1, 2), signed=signed)


def _at(seconds: float) -> _dt.datetime:
    return T0 + _dt.timedelta(seconds=seconds)


def test_the_register_grows_only_while_charging_and_the_main_meter_sums_the_evses() -> None:
    meter = _meter()
    before = meter.register_wh(1, T0)
    meter.start_charging(1, T0)
    meter.stop_charging(1, _at(3600))
    assert meter.register_wh(1, _at(1800)) - before == 5500  # 11 kW for half an hour
    assert meter.register_wh(1, _at(7200)) - before == 11000  # nothing after the stop
    # read in the past, after the fact, it is what it was then (J02.FR.16)
    assert meter.register_wh(1, _at(900)) < meter.register_wh(1, _at(1800))
    assert meter.register_wh(0, _at(7200)) == meter.register_wh(1, _at(7200)) + (
        meter.register_wh(2, _at(7200))
    )


def test_a_reading_has_measurand_unit_context_and_one_timestamp() -> None:
    meter = _meter()
    meter.device_model.store(
        "AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register,SoC,Voltage"
    )
    measurands = meter.measurands("AlignedDataCtrlr", "Measurands")
    value = meter.meter_value(1, Reading(measurands, "Sample.Clock", T0))
    assert value is not None and value["timestamp"] == "2026-01-01T12:00:00Z"
    sampled = {v["measurand"]: v for v in value["sampledValue"]}
    assert {m: v["unitOfMeasure"]["unit"] for m, v in sampled.items()} == {
        "Energy.Active.Import.Register": "Wh",
        "SoC": "Percent",
        "Voltage": "V",
    }
    assert {v["context"] for v in sampled.values()} == {"Sample.Clock"}
    # only the SoC is measured at the EV (errata 2025-09)
    assert [m for m, v in sampled.items() if "location" in v] == ["SoC"]
    # the main meter has no EV: no SoC for evseId 0
    main = meter.meter_value(0, Reading(measurands, "Sample.Clock", T0))
    assert main is not None
    assert "SoC" not in {v["measurand"] for v in main["sampledValue"]}
    payload = {"evseId": 0, "meterValue": [main]}
    assert validate_payload(OcppVersion.V201, "MeterValues", payload, response=False) == []


def test_signed_readings_carry_a_signed_meter_value_with_its_public_key() -> None:
    meter = _meter(signed=True)
    measurands = meter.measurands("SampledDataCtrlr", "TxEndedMeasurands")
    value = meter.meter_value(1, Reading(measurands, "Transaction.End", T0))
    assert value is not None
    signed = value["sampledValue"][0]["signedMeterValue"]
    assert signed["signingMethod"] and signed["encodingMethod"] == "OCMF"
    assert base64.b64decode(signed["signedMeterData"]).startswith(b"OCMF|")
    assert base64.b64decode(signed["publicKey"])


def test_a_transaction_meter_gives_begin_readings_once_and_the_ended_readings() -> None:
    meter = _meter()

    def ended(start: _dt.datetime, end: _dt.datetime) -> list[Reading]:
        return [Reading(["Energy.Active.Import.Register"], "Transaction.End", end)]

    tx_meter = meter.transaction_meter(1, begin=True, ended=ended)
    info = {"transactionId": "t"}
    # the EVSE not known at the start: the begin readings wait for the event that names it
    assert tx_meter({"eventType": "Started", "transactionInfo": info}) is None
    named = {"eventType": "Updated", "evse": {"id": 1}, "transactionInfo": info}
    begin = tx_meter(named)
    assert begin is not None
    assert begin[0]["sampledValue"][0]["context"] == "Transaction.Begin"
    assert tx_meter(named) is None
    last = tx_meter({"eventType": "Ended", "transactionInfo": info})
    assert last is not None
    assert [v["context"] for v in last[0]["sampledValue"]] == ["Transaction.End"]


def test_moments_on_the_clock_and_from_the_start() -> None:
    assert next_clock_moment(60, _at(1)) == _at(60)
    assert next_clock_moment(60, _at(60)) == _at(120)
    assert on_the_clock(_at(30), _at(150), 60) == [_at(60), _at(120)]
    assert every(_at(30), _at(150), 60) == [_at(90)]
    assert stamp(_at(0.75)) == "2026-01-01T12:00:00Z"
