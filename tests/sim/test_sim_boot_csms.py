"""The simulated CSMS around a station's boot (OCPP 2.0.1 Part 2 B01-B03), seen by a
scripted station on a plain websocket: the boot answers, "Pending first", what it
refuses with SecurityError while Pending or Rejected, and what it reads with
GetVariables."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import pytest
from simkit import boot_payload, run, running_csms, scripted_station

from harness.ocppj import OcppVersion, validate_payload
from harness.sim import NotAllowed

STATUS = {
    "timestamp": "2024-01-01T00:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}


def test_boot_answer_is_accepted_with_interval_and_utc_time() -> None:
    async def scenario() -> None:
        async with (
            running_csms("2.0.1", heartbeat_interval=7) as csms,
            scripted_station(csms) as station,
        ):
            answer = (await station.call("BootNotification", boot_payload("2.0.1")))[2]
            assert answer["status"] == "Accepted" and answer["interval"] == 7
            assert answer["currentTime"].endswith("Z")
            assert datetime.fromisoformat(answer["currentTime"]).utcoffset().seconds == 0
            assert not validate_payload(OcppVersion.V201, "BootNotification", answer, response=True)

    run(scenario())


@pytest.mark.parametrize("interval_zero", [False, True])
def test_pending_first_then_accepted_after_the_interval(interval_zero: bool) -> None:
    """boot_pending: Pending with an interval (> 0, or 0 with pending-interval-zero),
    Pending again before it is over, Accepted after it; the connection stays open
    (B02.FR.06); later boots are Accepted."""

    async def scenario() -> None:
        options = ["pending-interval-zero"] if interval_zero else []
        async with running_csms(  # interval 4 -> 0.2 s
            "2.0.1", heartbeat_interval=7, boot_retry_interval=4, options=options
        ) as csms:
            await csms.act("boot_pending", {})
            async with scripted_station(csms) as station:
                first = (await station.call("BootNotification", boot_payload("2.0.1")))[2]
                answered_at = time.monotonic()
                assert first["status"] == "Pending"
                assert first["interval"] == (0 if interval_zero else 4)
                if not interval_zero:
                    early = await station.call("BootNotification", boot_payload("2.0.1"))
                    assert early[2]["status"] == "Pending" and 1 <= early[2]["interval"] <= 4
                    refused = await station.call("StatusNotification", STATUS)
                    assert refused[:3] == [4, refused[1], "SecurityError"]  # B02.FR.09
                    await asyncio.sleep(max(0.0, 0.21 - (time.monotonic() - answered_at)))
                second = (await station.call("BootNotification", boot_payload("2.0.1")))[2]
                assert second["status"] == "Accepted" and second["interval"] == 7
                assert (await station.call("StatusNotification", STATUS))[0] == 3
                assert not station.closed.is_set()
            async with scripted_station(csms) as station:  # the plan was for one boot
                again = (await station.call("BootNotification", boot_payload("2.0.1")))[2]
                assert again["status"] == "Accepted"
            assert csms.state()["next_boot"] is None

    run(scenario())


def test_pending_accepts_the_boot_it_triggered_and_what_it_asked_for() -> None:
    """While Pending, SecurityError for unasked CALLs, but not for the messages the CSMS
    asked for (TriggerMessage, GetBaseReport -> NotifyReport; B02.FR.09)."""

    async def scenario() -> None:
        async with running_csms("2.0.1", heartbeat_interval=7, boot_retry_interval=3600) as csms:
            await csms.act("boot_pending", {})
            async with scripted_station(csms) as station:
                station.answers["TriggerMessage"] = {"status": "Accepted"}
                station.answers["GetBaseReport"] = {"status": "Accepted"}
                boot = await station.call("BootNotification", boot_payload("2.0.1"))
                assert boot[2]["status"] == "Pending"
                assert (await station.call("Heartbeat", {}))[2] == "SecurityError"
                assert (await station.call("StatusNotification", STATUS))[2] == "SecurityError"
                answer = await csms.act("trigger_message", {"message": "StatusNotification"})
                assert answer == {"status": "Accepted"}
                assert (await station.call("StatusNotification", STATUS))[0] == 3
                assert (await station.call("Heartbeat", {}))[2] == "SecurityError"
                report = {"requestId": 1, "reportBase": "FullInventory"}
                await csms.act("call", {"action": "GetBaseReport", "payload": report})
                notify = {
                    "requestId": 1,
                    "generatedAt": "2024-01-01T00:00:00Z",
                    "seqNo": 0,
                }
                assert (await station.call("NotifyReport", notify))[0] == 3
                # A boot the CSMS triggered is Accepted before the (hour-long) interval.
                await csms.act("trigger_message", {"message": "BootNotification"})
                second = await station.call("BootNotification", boot_payload("2.0.1", "Triggered"))
                assert second[2]["status"] == "Accepted"
                assert (await station.call("Heartbeat", {}))[0] == 3

    run(scenario())


def test_rejected_first_refuses_everything_and_calls_nothing() -> None:
    """boot_reject: Rejected; every other CALL SecurityError (B03.FR.07), the CSMS sends
    nothing (B03.FR.03); after the interval the next boot is Accepted."""

    async def scenario() -> None:
        async with running_csms("2.0.1", heartbeat_interval=7, boot_retry_interval=2) as csms:
            await csms.act("boot_reject", {})
            async with scripted_station(csms) as station:
                first = await station.call("BootNotification", boot_payload("2.0.1"))
                answered_at = time.monotonic()
                assert first[2]["status"] == "Rejected" and first[2]["interval"] == 2
                for action, payload in (("StatusNotification", STATUS), ("Heartbeat", {})):
                    assert (await station.call(action, payload))[2] == "SecurityError"
                for action, params in (
                    ("trigger_message", {"message": "StatusNotification"}),
                    ("get_variables", {"items": [{"component": "C", "variable": "V"}]}),
                ):
                    with pytest.raises(NotAllowed):
                        await csms.act(action, params)
                assert station.received == []
                await asyncio.sleep(max(0.0, 0.11 - (time.monotonic() - answered_at)))
                second = await station.call("BootNotification", boot_payload("2.0.1"))
                assert second[2]["status"] == "Accepted"

    run(scenario())


def test_get_variables_reads_exactly_the_items_and_returns_the_values() -> None:
    async def scenario() -> None:
        async with (
            running_csms("2.0.1", heartbeat_interval=7) as csms,
            scripted_station(csms) as station,
        ):
            await station.call("BootNotification", boot_payload("2.0.1"))
            station.answers["GetVariables"] = {
                "getVariableResult": [
                    {
                        "attributeStatus": "Accepted",
                        "attributeType": "Actual",
                        "attributeValue": "300",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "OfflineThreshold"},
                    },
                    {
                        "attributeStatus": "UnknownVariable",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "Nope", "instance": "X"},
                    },
                ]
            }
            items = [
                {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold"},
                {"component": "OCPPCommCtrlr", "variable": {"name": "Nope", "instance": "X"}},
            ]
            result = await csms.act("get_variables", {"items": items})
            assert result["values"] == {"OCPPCommCtrlr.OfflineThreshold": "300"}
            request = (await station.wait_received("GetVariables"))[3]
            assert request == {
                "getVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "OfflineThreshold"},
                    },
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "Nope", "instance": "X"},
                    },
                ]
            }
            await csms.act("get_variables", {"items": [{**items[0], "attribute_type": "Actual"}]})
            again = (await station.wait_received("GetVariables"))[3]
            assert again["getVariableData"][0]["attributeType"] == "Actual"

    run(scenario())
