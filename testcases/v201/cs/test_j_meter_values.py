"""Block J, Meter values — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls.
"""

import datetime as _dt

from harness import DutFailure, testcase
from harness.steps import device_model as dm

BLOCK = "J Meter Values"

ALIGNED_INTERVAL = dm.Variable("AlignedDataCtrlr", "Interval")
ALIGNED_MEASURANDS = dm.Variable("AlignedDataCtrlr", "Measurands")

#: Part 6: the tool ends the case once it has received three of them
READINGS = 3


@testcase(
    "TC_J_01_CS",
    "Clock-aligned Meter Values - No transaction ongoing",
    table=243,
    requirements=[
        "J01.FR.01",
        "J01.FR.02",
        "J01.FR.03",
        "J01.FR.06",
        "J01.FR.07",
        "J01.FR.08",
        "J01.FR.14",
        "J01.FR.15",
    ],
    catches=["aligned-context-periodic", "aligned-not-on-the-clock"],
)
def test_tc_j_01_cs(csms, dut):
    interval = dut.profile.timers.aligned_data_interval
    deviation = dut.profile.tolerances.time_deviation
    # The measurands the readings must carry (the station's AlignedDataCtrlr.Measurands).
    with csms.beyond_octt("read the configured measurands the readings are checked against"):
        configured, _ = dm.get_variable(csms, ALIGNED_MEASURANDS)
    measurands = [m.strip() for m in str(configured or "").split(",") if m.strip()]
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
            for sampled in value.get("sampledValue") or []:
                if sampled.get("context") != "Sample.Clock":
                    message.entry.failing = True
                    raise DutFailure(
                        f"MeterValues (frame {message.entry.seq}) carries a reading with context "
                        f"{sampled.get('context')!r}; a clock-aligned one says Sample.Clock",
                        "J01.FR.08",
                        message.entry.raw,
                    )
            named = {
                s.get("measurand", "Energy.Active.Import.Register")
                for s in value.get("sampledValue") or []
            }
            missing = [m for m in measurands if m not in named]
            if missing:
                message.entry.failing = True
                raise DutFailure(
                    f"MeterValues (frame {message.entry.seq}) lacks the configured measurand "
                    f"{missing[0]}",
                    "J01.FR.14",
                    message.entry.raw,
                )
            readings.append((message, value.get("timestamp")))
    # Post-scenario validation: the readings are the interval apart (several of one
    # interval, for several EVSEs, share its timestamp).
    times = sorted({_parse(stamp) for _, stamp in readings if stamp})
    for earlier, later in zip(times, times[1:], strict=False):
        gap = (later - earlier).total_seconds()
        if abs(gap - interval) > deviation:
            message = readings[-1][0]
            raise DutFailure(
                f"clock-aligned readings {gap:.2f} s apart; AlignedDataInterval is {interval} s",
                "J01.FR.14",
                message.entry.raw,
            )
    for stamp in times:
        offset = (stamp - stamp.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
        drift = min(offset % interval, interval - offset % interval)
        if drift > deviation:
            raise DutFailure(
                f"a clock-aligned reading is stamped {stamp.isoformat()}, {drift:.2f} s off the "
                f"{interval} s clock",
                "J01.FR.14",
                readings[-1][0].entry.raw,
            )


def _parse(stamp: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
