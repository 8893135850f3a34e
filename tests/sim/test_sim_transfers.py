"""The simulated 2.0.1 station's log upload (N01) and firmware update (L01), and what a
TriggerMessage reports about them (F06): the behaviour TC_F_16_CS and TC_F_19_CS rely on,
and the paths no catalog case takes (a new request cancelling the running one)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from simkit import FAST, Link, linked, run

from harness.sim import diagnostics_v201, firmware_v201


def _statuses(link: Link, action: str) -> list[tuple[str, int | None]]:
    return [(p["status"], p.get("requestId")) for p in link.sent_by_station(action)]


async def _call(link: Link, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    return await link.csms.act("call", {"action": action, "payload": payload})


async def _until(link: Link, action: str, status: str) -> None:
    await link.at_csms.wait_for(lambda _: status in dict(_statuses(link, action)), 2)


def _get_log(request_id: int) -> dict[str, Any]:
    return {
        "logType": "DiagnosticsLog",
        "requestId": request_id,
        "log": {"remoteLocation": "http://127.0.0.1:1/logs/"},
    }


def test_log_upload_is_reported_and_a_new_request_cancels_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(diagnostics_v201, "UPLOAD_SECONDS", 0.3)

    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            answer = await _call(link, "GetLog", _get_log(1))
            assert answer == {"status": "Accepted", "filename": "diagnostics.log"}  # N01.FR.01
            await _until(link, "LogStatusNotification", "Uploading")
            trigger = {"message": "LogStatusNotification"}
            assert await link.csms.act("trigger_message", trigger) == {"status": "Accepted"}
            await link.at_csms.wait_call("LogStatusNotification", count=2)
            # N01.FR.12/.20: a new request cancels the upload under way
            assert (await _call(link, "GetLog", _get_log(2)))["status"] == "AcceptedCanceled"
            await _until(link, "LogStatusNotification", "Uploaded")
            assert _statuses(link, "LogStatusNotification") == [
                ("Uploading", 1),
                ("Uploading", 1),  # the trigger's (F06.FR.14)
                ("AcceptedCanceled", 1),
                ("Uploading", 2),
                ("Uploaded", 2),
            ]
            link.assert_schema_valid()

    run(scenario())


def test_firmware_update_reports_every_step_then_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firmware_v201, "DOWNLOAD_SECONDS", 0.1)
    retrieve = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    firmware = {
        "location": "http://127.0.0.1:1/firmware/sim-2.bin",
        "retrieveDateTime": retrieve.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "signature": "c2lnbmF0dXJl",
    }

    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            answer = await _call(link, "UpdateFirmware", {"requestId": 7, "firmware": firmware})
            assert answer == {"status": "Accepted"}
            events = await link.security_events(count=2)
            assert events[-1] == "FirmwareUpdated"  # L01.FR.31
            assert _statuses(link, "FirmwareStatusNotification") == [
                (status, 7)  # L01.FR.10: every report names the request
                for status in (
                    "Downloading",
                    "Downloaded",
                    "SignatureVerified",
                    "Installing",
                    "Installed",
                )
            ]
            # L01.FR.25: after Installed, a trigger is answered Idle
            trigger = {"message": "FirmwareStatusNotification"}
            assert await link.csms.act("trigger_message", trigger) == {"status": "Accepted"}
            await link.at_csms.wait_call("FirmwareStatusNotification", count=6)
            assert link.sent_by_station("FirmwareStatusNotification")[-1] == {"status": "Idle"}
            link.assert_schema_valid()

    run(scenario())


def test_log_upload_to_a_missing_path_fails_once_its_retries_are_spent() -> None:
    """N01.FR.10: the simulated log server lacks the directory, so each attempt fails;
    the station tries again ``retries`` times, ``retryInterval`` apart (the FAST timers
    scale the 2 s to 0.1 s), and reports the failure once, after the last attempt."""
    request = {
        **_get_log(4),
        "retries": 3,
        "retryInterval": 2,
        "log": {"remoteLocation": "http://127.0.0.1:1/no-such-dir/logs/"},
    }

    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            started = time.monotonic()
            assert (await _call(link, "GetLog", request))["status"] == "Accepted"
            await _until(link, "LogStatusNotification", "UploadFailure")
            assert time.monotonic() - started >= 3 * 2 * FAST.interval_scale
            assert _statuses(link, "LogStatusNotification") == [
                ("Uploading", 4),
                ("UploadFailure", 4),
            ]
            # the upload is over: a trigger finds the station idle (F06.FR.15)
            trigger = {"message": "LogStatusNotification"}
            assert await link.csms.act("trigger_message", trigger) == {"status": "Accepted"}
            await link.at_csms.wait_call("LogStatusNotification", count=3)
            assert _statuses(link, "LogStatusNotification")[-1] == ("Idle", None)
            link.assert_schema_valid()

    run(scenario())
