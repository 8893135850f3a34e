"""The harness's station sends what a conformant station owes after its default answer
(issue 12: it answered GetBaseReport Accepted and never sent the report, B07.FR.03)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import pytest

from harness.station_answers import StationLayout
from harness.verdicts import DutFailure
from tests.engine.bench import IDENTITY, OUT, StationBench

#: the simulated CSMS's defects these tests prove (tests/sim/test_sim_defects.py)
PROVEN = {"notify-report-not-supported"}

BASE_REPORT = {"requestId": 42, "reportBase": "FullInventory"}


def _booted(bench: StationBench) -> StationBench:
    defaults = bench.session.replies.defaults
    bench.on_loop(
        lambda: defaults.use_station(StationLayout(), heartbeat_interval=60, security_profile=0)
    )
    bench.role.connect()
    boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}
    bench.role.call("BootNotification", boot).expect(rule="B01.FR.02", status="Accepted")
    return bench


def _sent(bench: StationBench, action: str) -> list[dict[str, Any]]:
    frames = [json.loads(e.raw) for e in bench.frames(OUT)]
    return [f[3] for f in frames if f[0] == 2 and f[2] == action]


def _record(bench: StationBench) -> Any:
    return bench.csms.stations[IDENTITY]


async def _settled(pending: concurrent.futures.Future[Any]) -> Any:
    return await asyncio.wrap_future(pending)


def _ask(bench: StationBench, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The CSMS sends ``action``; the case's next step (a Heartbeat) answers it by
    default, as any unscripted CALL is answered once the case goes on, and waits for
    what the harness owes after that answer. Returns the station's answer."""
    session = bench.session
    seen = len([m for m in session.received if m.action == action])
    pending = bench.spawn(bench.csms.call(IDENTITY, action, payload))
    arrived = bench.run(
        session.wait_for(lambda: len([m for m in session.received if m.action == action]) > seen, 2)
    )
    assert arrived, f"{action} did not reach the harness"
    bench.role.call("Heartbeat").expect(rule="G02.FR.03")
    answer: dict[str, Any] = bench.run(_settled(pending), 3)
    return answer


def test_an_unscripted_get_base_report_is_followed_by_the_report(make_station_bench) -> None:
    bench = _booted(make_station_bench("2.0.1"))
    assert _ask(bench, "GetBaseReport", BASE_REPORT) == {"status": "Accepted"}
    # the Heartbeat of _ask went out after the whole report, every part answered
    parts = _record(bench).reports
    assert parts == _sent(bench, "NotifyReport") and len(parts) > 1
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    assert {p["requestId"] for p in parts} == {42}
    assert all(p.get("tbc") for p in parts[:-1]) and "tbc" not in parts[-1]
    names = {
        (i["component"]["name"], i["variable"]["name"]) for p in parts for i in p["reportData"]
    }
    assert ("OCPPCommCtrlr", "OfflineThreshold") in names
    assert bench.session.failures == []


def test_a_csms_that_refuses_the_report_fails_for_its_answer(make_station_bench) -> None:
    bench = _booted(make_station_bench("2.0.1", defects=["notify-report-not-supported"]))
    with pytest.raises(DutFailure) as raised:
        _ask(bench, "GetBaseReport", BASE_REPORT)
    assert raised.value.rule == "answer:NotifyReport"
    assert "answered the NotifyReport" in str(raised.value)
    assert "CALLERROR NotSupported" in str(raised.value)


def test_a_get_base_report_a_step_expects_gets_no_report_of_the_harness(
    make_station_bench,
) -> None:
    """The step that expects the request scripts what follows it (Part 6 tables list
    the NotifyReport as steps): the harness sends nothing of its own meanwhile."""
    bench = _booted(make_station_bench("2.0.1"))
    pending = bench.spawn(bench.csms.call(IDENTITY, "GetBaseReport", BASE_REPORT))
    request = bench.role.expect("GetBaseReport")
    bench.role.reply(request, status="Accepted")
    assert bench.run(_settled(pending), 3) == {"status": "Accepted"}
    bench.role.call("Heartbeat").expect(rule="G02.FR.03")
    assert _sent(bench, "NotifyReport") == []


def test_summary_inventory_is_not_supported_and_brings_no_report(make_station_bench) -> None:
    bench = _booted(make_station_bench("2.0.1"))
    summary = {"requestId": 7, "reportBase": "SummaryInventory"}
    # B07.FR.02, and no report (B07.FR.05)
    assert _ask(bench, "GetBaseReport", summary) == {"status": "NotSupported"}
    assert _sent(bench, "NotifyReport") == []


def test_get_report_reports_the_variables_asked_for_or_an_empty_result(
    make_station_bench,
) -> None:
    bench = _booted(make_station_bench("2.0.1"))
    asked = {
        "requestId": 9,
        "componentVariable": [{"component": {"name": "OCPPCommCtrlr"}}],
    }
    assert _ask(bench, "GetReport", asked) == {"status": "Accepted"}
    [part] = _record(bench).reports
    components = {item["component"]["name"] for item in part["reportData"]}
    assert components == {"OCPPCommCtrlr"} and part["requestId"] == 9
    nothing = {"requestId": 10, "componentVariable": [{"component": {"name": "NoSuchThing"}}]}
    assert _ask(bench, "GetReport", nothing) == {"status": "EmptyResultSet"}  # B08.FR.15


def test_a_current_time_not_in_utc_is_noted_not_failed(make_station_bench) -> None:
    """Part 2 §2.1.4 strongly recommends UTC: a CSMS answering at +01:00 is legal (the
    case passes) and the harness notes it (option current-time-with-offset)."""
    bench = make_station_bench("2.0.1")
    bench.csms.options = frozenset({"current-time-with-offset"})
    _booted(bench)
    bench.role.call("Heartbeat").expect(rule="G02.FR.03")
    notes = [w for w in bench.session.warnings if w.rule == "time.utc"]
    assert len(notes) == 2, bench.session.warnings  # the boot's answer and the Heartbeat's
    assert "+01:00" in notes[0].reason and "not in UTC" in notes[0].reason
    assert bench.session.failures == []
