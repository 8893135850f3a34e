"""``expect_connectors``: each connector's latest report after an anchor, one deadline."""

from __future__ import annotations

import re

import pytest

from harness.verdicts import DutFailure
from tests.engine.bench import CsmsBench, settle_boot


def test_every_connector_after_a_reboot(make_csms_bench) -> None:
    bench = settle_boot(make_csms_bench(evses=((1, (1,)), (2, (1,)))))
    bench.act("reboot")
    boot = bench.role.expect("BootNotification", timeout=3)

    reports = bench.role.expect_connectors("Available", since=boot, rule="B01.FR.05")

    assert set(reports) == {(1, 1), (2, 1)}
    assert all(m.action == "StatusNotification" for m in reports.values())


def test_reports_from_before_the_anchor_do_not_count(booted: CsmsBench) -> None:
    # the boot's own reports are in the past: a new anchor after them sees nothing
    booted.act("plug_in", evse=1)
    plugged = booted.role.expect("StatusNotification", connectorStatus="Occupied")
    with pytest.raises(DutFailure) as failure:
        booted.role.expect_connectors("Available", since=plugged, timeout=0.3, rule="B01.FR.05")
    assert "EVSE 1 connector 1: no report" in str(failure.value)


def test_the_latest_report_decides_and_the_failure_names_it(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.start_station(defects=["wrong-connector-status"])
    bench.boot()
    bench.act("reboot")
    boot = bench.role.expect("BootNotification", timeout=3)

    with pytest.raises(DutFailure) as failure:
        bench.role.expect_connectors("Available", since=boot, timeout=0.5, rule="B01.FR.05")

    assert failure.value.rule == "B01.FR.05"
    assert re.search(
        r"not every connector reported Available within 0\.5 s: EVSE 1 connector 1: "
        r"Unavailable \(frame \d+\)",
        str(failure.value),
    ), str(failure.value)
    assert [e.action for e in bench.frames() if e.failing] == ["StatusNotification"]


def test_a_later_available_heals_an_earlier_unavailable(booted: CsmsBench) -> None:
    booted.act("plug_in", evse=1)
    booted.act("unplug", evse=1)
    # Occupied then Available: the latest counts
    booted.role.expect_connectors("Available", timeout=1)
