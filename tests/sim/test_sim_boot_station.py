"""The simulated station around its boot (OCPP 2.0.1 Part 2 B01-B03, A04): what it sends
once Accepted, what it does and does not do while Pending or Rejected.

The peer is the simulated CSMS with a frame recorder; where a test needs the CSMS to do
what a conformant one would not (call a Rejected station), it uses the connection's
peer directly."""

from __future__ import annotations

import time

import pytest
from simkit import linked, run

from harness.ocppj import CallError, CallResult
from harness.sim import CallErrorReceived, CallTimeout, NotAllowed, NotConnected

OFFLINE = {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold"}


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_security_event_after_accepted_boot(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            await link.booted()
            if version == "1.6":  # 1.6 Core has no security events
                assert "SecurityEventNotification" not in link.actions_in()
                return
            assert await link.security_events() == ["StartupOfTheDevice"]
            actions = link.actions_in()
            # boot, the connector report(s) (B01.FR.05), then the event (A04.FR.01)
            assert actions[:3] == [
                "BootNotification",
                "StatusNotification",
                "SecurityEventNotification",
            ]
            assert link.csms.stations["CP1"].security_events == ["StartupOfTheDevice"]
            event = link.sent_by_station("SecurityEventNotification")[0]
            assert event["timestamp"].endswith("Z")
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize(
    ("how", "event", "reason"),
    [
        ("reset", "ResetOrReboot", "RemoteReset"),
        ("power_cycle", "StartupOfTheDevice", "PowerUp"),
        ("reboot", "ResetOrReboot", "LocalReset"),
    ],
)
def test_security_event_type_and_boot_reason_follow_the_cause(
    how: str, event: str, reason: str
) -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            await link.security_events()
            if how == "reset":
                assert (await link.csms.act("reset", {}))["status"] == "Accepted"
            else:
                await link.station.act(how, {})
            await link.booted(accepted=2)
            types = await link.security_events(count=2)
            assert types == ["StartupOfTheDevice", event]
            assert link.sent_by_station("BootNotification")[1]["reason"] == reason
            # the event is sent once per start, not again on a plain reconnect
            await link.station.act("network_down", {})
            await link.station.act("network_up", {})
            await link.station.wait_until(lambda: link.station.connections == 3)
            await link.csms.act("trigger_message", {"message": "Heartbeat"})
            await link.at_csms.wait_call("Heartbeat")
            assert link.at_csms.count("SecurityEventNotification") == 2

    run(scenario())


def test_pending_station_queues_its_event_and_answers_what_the_csms_asks() -> None:
    """B02: only BootNotification and what the CSMS asked for; its questions answered
    (B02.FR.01), remote start/stop Rejected (B02.FR.05), the connection kept (B02.FR.06),
    a triggered boot at once with reason Triggered (B02.FR.04, B01.FR.09)."""

    async def scenario() -> None:
        async with linked("2.0.1", boot_mode="Pending", boot_retry_interval=3600) as link:
            await link.station.wait_until(lambda: link.station.boot_status == "Pending")
            set_300 = await link.csms.act("set_variables", {"items": [{**OFFLINE, "value": "300"}]})
            assert set_300["setVariableResult"][0]["attributeStatus"] == "Accepted"
            got = await link.csms.act("get_variables", {"items": [OFFLINE]})
            assert got["values"] == {"OCPPCommCtrlr.OfflineThreshold": "300"}
            report = {"requestId": 5, "reportBase": "FullInventory"}
            answer = await link.csms.act("call", {"action": "GetBaseReport", "payload": report})
            assert answer == {"status": "Accepted"}
            await link.at_csms.wait_for(
                lambda _: any(
                    not (r.payload or {}).get("tbc")
                    for r in link.at_csms.calls("NotifyReport", direction="in")
                )
            )
            # The CSMS asked for the reports, so it answers them (B02.FR.09's exception).
            assert not any(isinstance(r.frame, CallError) for r in link.at_station.frames)
            start = await link.csms.act("request_start", {"evse": 1})
            assert start == {"status": "Rejected"}
            stop = await link.csms.act("request_stop", {"transaction_id": "x"})
            assert stop == {"status": "Rejected"}
            assert set(link.actions_in()) == {"BootNotification", "NotifyReport"}
            assert link.station.state()["security_events_queued"] == ["StartupOfTheDevice"]
            # TriggerMessage BootNotification: Accepted, the boot comes at once (the
            # interval is an hour) on the same connection.
            await link.csms.act("boot_accept", {})
            trigger = await link.csms.act("trigger_message", {"message": "BootNotification"})
            assert trigger == {"status": "Accepted"}
            await link.booted()
            assert [b["reason"] for b in link.sent_by_station("BootNotification")] == [
                "PowerUp",
                "Triggered",
            ]
            assert link.station.connections == 1
            assert await link.security_events() == ["StartupOfTheDevice"]
            # Accepted now: a boot trigger is refused (F06.FR.17).
            again = await link.csms.act("trigger_message", {"message": "BootNotification"})
            assert again == {"status": "Rejected"}
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize(("version", "rule"), [("1.6", "C16.4.2"), ("2.0.1", "B02.FR.02")])
def test_pending_station_sends_through_the_harness_boot_gate(version: str, rule: str) -> None:
    """The station obeys the table the harness checks (harness.spec.boot): a CALL
    nobody asked for is not sent while Pending, naming the rule; once the CSMS triggers
    it, it goes out."""

    async def scenario() -> None:
        async with linked(version, boot_mode="Pending", boot_retry_interval=3600) as link:
            await link.station.wait_until(lambda: link.station.boot_status == "Pending")
            status = link.station.behaviour.status_requests()[0]
            with pytest.raises(NotConnected, match=rule):
                await link.station.send("StatusNotification", status)
            trigger = await link.csms.act("trigger_message", {"message": "StatusNotification"})
            assert trigger == {"status": "Accepted"}
            await link.at_csms.wait_call("StatusNotification")
            assert link.station.boot_status == "Pending"

    run(scenario())


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_rejected_station_is_silent_and_refuses_calls(version: str) -> None:
    """B03: nothing until the interval (B03.FR.02); 2.0.1 answers SecurityError
    (B03.FR.08), 1.6 does not answer (§4.2); it boots again after (B03.FR.06)."""

    async def scenario() -> None:
        async with linked(version, boot_mode="Rejected", boot_retry_interval=6) as link:
            await link.station.wait_until(lambda: link.station.boot_status == "Rejected")
            first = time.monotonic()
            # The simulated CSMS itself calls nobody it Rejected (B03.FR.03) ...
            with pytest.raises(NotAllowed):
                await link.csms.act("reset", {})
            # ... so the test speaks through the connection directly.
            peer = link.csms.stations["CP1"].peer
            assert peer is not None
            payload = (
                {"key": []} if version == "1.6" else {"requestId": 1, "reportBase": "FullInventory"}
            )
            action = "GetConfiguration" if version == "1.6" else "GetBaseReport"
            if version == "2.0.1":
                with pytest.raises(CallErrorReceived) as error:
                    await peer.call(action, payload, timeout=0.5)
                assert error.value.code == "SecurityError"
            else:
                with pytest.raises(CallTimeout):
                    await peer.call(action, payload, timeout=0.1)
            await link.at_csms.wait_call("BootNotification", count=2)
            assert time.monotonic() - first >= 0.29  # interval 6 = 0.3 s here
            assert set(link.actions_in()) == {"BootNotification"}
            await link.csms.act("boot_accept", {})
            await link.booted()

    run(scenario())


def test_offline_threshold_get_and_set_attribute_types() -> None:
    """OfflineThreshold (a required integer of OCPPCommCtrlr) set to 300 with and
    without attributeType; results carry the type asked for, else Actual (B05.FR.03/.12,
    B06.FR.03/.11), with no attributeStatusInfo on success."""

    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            for extra in ({}, {"attribute_type": "Actual"}):
                for value in ("300", "301"):
                    answer = await link.csms.act(
                        "set_variables", {"items": [{**OFFLINE, "value": value, **extra}]}
                    )
                    result = answer["setVariableResult"][0]
                    assert result["attributeStatus"] == "Accepted"
                    assert result["attributeType"] == "Actual"
                    assert "attributeStatusInfo" not in result
                    got = await link.csms.act("get_variables", {"items": [{**OFFLINE, **extra}]})
                    read = got["getVariableResult"][0]
                    assert read["attributeType"] == "Actual"
                    assert read["attributeValue"] == value and "attributeStatusInfo" not in read
            target = await link.csms.act(
                "set_variables", {"items": [{**OFFLINE, "value": "1", "attribute_type": "Target"}]}
            )
            assert target["setVariableResult"][0]["attributeType"] == "Target"
            assert target["setVariableResult"][0]["attributeStatus"] == (
                "NotSupportedAttributeType"
            )
            link.assert_schema_valid()

    run(scenario())


def test_connector_reports_and_event_are_answered_by_the_csms() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            await link.security_events()

            def answered() -> list[str | None]:
                return [
                    r.action
                    for r in link.at_station.frames
                    if isinstance(r.frame, CallResult) and r.action != "BootNotification"
                ]

            await link.at_station.wait_for(lambda _: len(answered()) == 2)
            assert answered() == ["StatusNotification", "SecurityEventNotification"]
            assert link.csms.stations["CP1"].statuses == {"1/1": "Available"}

    run(scenario())
