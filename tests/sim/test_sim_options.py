"""Each simulator option changes exactly the behaviour it names, to another legal one.

Every test shows the frames the option makes the simulator send (or not send), as its
peer recorded them, and that they are schema-valid."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from simkit import FAST, boot_payload, linked, run, running_csms, scripted_station
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from harness.dut import Tokens
from harness.environment import embedded_profiles, profile_with_options
from harness.ocppj import OcppVersion, validate_payload
from harness.sim import OPTIONS

COVERED: set[str] = set()


def covers(name: str):
    """Mark a test as the proof of one option; parametrize it over the option's versions."""
    COVERED.add(name)
    return pytest.mark.parametrize("version", sorted(OPTIONS[name].versions))


def _event(payload: dict) -> dict:
    return payload["eventData"][0]


@covers("connector-report-notify-event")
def test_connector_report_notify_event(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version,
            options=["connector-report-notify-event"],
            evses=[(1, [1]), (2, [1, 2])],
            heartbeat_interval=3600,
        ) as link:
            await link.booted()
            reports = link.reports()
            assert {action for action, _ in reports} == {"NotifyEvent"}
            for (_, payload), (evse, connector) in zip(
                reports, [(1, 1), (2, 1), (2, 2)], strict=True
            ):
                assert payload["seqNo"] == 0 and payload["tbc"] is False
                assert payload["generatedAt"].endswith("Z")
                event = _event(payload)
                assert event["trigger"] == "Delta"
                assert event["actualValue"] == "Available"
                assert event["eventNotificationType"] == "HardWiredNotification"
                assert event["component"] == {
                    "name": "Connector",
                    "evse": {"id": evse, "connectorId": connector},
                }
                assert event["variable"] == {"name": "AvailabilityState"}
                assert isinstance(event["eventId"], int) and event["timestamp"].endswith("Z")
            assert len({_event(p)["eventId"] for _, p in reports}) == 3
            # On a change too, and the CSMS takes it as the connector's status.
            await link.station.act("plug_in", {"evse": 2, "connector": 2})
            await link.at_csms.wait_call("NotifyEvent", count=4)
            assert _event(link.reports()[-1][1])["actualValue"] == "Occupied"
            assert link.csms.stations["CP1"].statuses["2/2"] == "Occupied"
            # Offline changes are reported on reconnect the same way.
            await link.station.act("network_down", {})
            await link.station.act("unplug", {"evse": 2, "connector": 2})
            await link.station.act("network_up", {})
            await link.at_csms.wait_call("NotifyEvent", count=5)
            assert _event(link.reports()[-1][1])["actualValue"] == "Available"
            # A StatusNotification asked for by TriggerMessage is still one (F06).
            await link.csms.act("trigger_message", {"message": "StatusNotification", "evse": 1})
            await link.at_csms.wait_call("StatusNotification")
            assert "StatusNotification" not in link.actions_in()[:-1]
            link.assert_schema_valid()

    run(scenario())


def _unavailable(version: str, action: str, payload: dict) -> bool:
    if action == "NotifyEvent":
        return _event(payload)["actualValue"] == "Unavailable"
    key = "status" if version == "1.6" else "connectorStatus"
    return payload[key] == "Unavailable"


async def _restart(link: Any, how: str) -> None:
    """Restart the station: a Reset from the CSMS, or the reboot / power_cycle action."""
    if how == "reset":
        assert (await link.csms.act("reset", {}))["status"] == "Accepted"
    else:
        assert (await link.station.act(how, {})) == {"rebooting": True}


@covers("unavailable-before-reboot")
@pytest.mark.parametrize("how", ["reset", "reboot", "power_cycle"])
def test_unavailable_before_reboot(version: str, how: str) -> None:
    """A graceful restart (Reset, reboot) may say goodbye; a power cut cannot."""

    async def scenario() -> None:
        for option in (False, True):
            async with linked(
                version,
                options=["unavailable-before-reboot"] if option else [],
                heartbeat_interval=3600,
            ) as link:
                await link.booted()
                await _restart(link, how)
                per_boot = link.statuses_after_boot()
                says_goodbye = option and how != "power_cycle"
                await link.booted(accepted=2, extra=per_boot if says_goodbye else 0)
                actions = link.actions_in()
                second_boot = [i for i, a in enumerate(actions) if a == "BootNotification"][1]
                before = [
                    (r.action, r.payload)
                    for r in link.at_csms.calls(direction="in")[:second_boot]
                    if r.action in ("StatusNotification", "NotifyEvent")
                ][per_boot:]
                if not says_goodbye:
                    assert before == []
                    continue
                # every connector Unavailable, on the old connection, before the new boot
                assert len(before) == per_boot
                assert all(_unavailable(version, a or "", p or {}) for a, p in before)
                assert link.station.connections == 2
                after = link.reports()[-per_boot:]
                assert not any(_unavailable(version, a, p) for a, p in after)
                link.assert_schema_valid()

    run(scenario())


@covers("disconnect-while-rejected")
def test_disconnect_while_rejected(version: str) -> None:
    async def scenario() -> None:
        # interval 6 -> 0.3 s real time
        async with linked(
            version,
            options=["disconnect-while-rejected"],
            boot_mode="Rejected",
            boot_retry_interval=6,
        ) as link:
            await link.station.wait_until(lambda: link.station.boot_status == "Rejected")
            rejected_at = time.monotonic()
            # The station closes its connection (B03.FR.04) ...
            await link.station.wait_until(lambda: not link.station.connected.is_set(), 1)
            assert link.station.connections == 1
            # ... and is back, with a new BootNotification, once the interval is over.
            await link.csms.act("boot_accept", {})
            await link.booted()
            assert time.monotonic() - rejected_at >= 0.29
            assert link.station.connections == 2
            assert link.actions_in()[:2] == ["BootNotification", "BootNotification"]
            link.assert_schema_valid()

    run(scenario())


#: the restart time of the slow-restart and late-boot-retry proofs
SLOW = dataclasses.replace(FAST, restart_time=0.3)


@covers("slow-restart")
@pytest.mark.parametrize("how", ["reset", "reboot", "power_cycle"])
def test_slow_restart(version: str, how: str) -> None:
    """The action (or the Reset response) returns long before the station boots again."""

    async def scenario() -> None:
        for option in (False, True):
            async with linked(
                version,
                options=["slow-restart"] if option else [],
                heartbeat_interval=3600,
                timers=SLOW,
            ) as link:
                await link.booted()
                started = time.monotonic()
                await _restart(link, how)
                await link.station.wait_until(lambda: link.station.boots_sent == 2, 2)
                took = time.monotonic() - started
                assert (took >= 0.29) == option, took
                await link.booted(accepted=2)
                assert link.station.connections == 2
                link.assert_schema_valid()

    run(scenario())


@covers("late-boot-retry")
@pytest.mark.parametrize("status", ["Pending", "Rejected"])
def test_late_boot_retry(version: str, status: str) -> None:
    """The next BootNotification comes after the interval plus the restart time."""

    async def scenario() -> None:
        for option in (False, True):
            # interval 6 -> 0.3 s real time
            async with linked(
                version,
                options=["late-boot-retry"] if option else [],
                boot_mode=status,
                boot_retry_interval=6,
                timers=SLOW,
            ) as link:
                await link.station.wait_until(lambda: link.station.boot_status == status)
                answered = time.monotonic()
                await link.csms.act("boot_accept", {})
                await link.station.wait_until(lambda: link.station.boots_sent == 2, 2)
                gap = time.monotonic() - answered
                assert gap >= 0.29, gap
                assert (gap >= 0.59) == option, gap
                await link.booted()
                link.assert_schema_valid()

    run(scenario())


@covers("off-until-started")
@pytest.mark.parametrize("how", ["reboot", "power_cycle"])
def test_off_until_started(version: str, how: str) -> None:
    """No connection until a restarting action; then it boots as a device switched on."""

    async def scenario() -> None:
        async with linked(version, options=["off-until-started"], heartbeat_interval=3600) as link:
            with pytest.raises(TimeoutError):  # started, but off: it does not connect
                await link.station.wait_until(lambda: link.station.connections > 0, 0.3)
            assert (await link.station.act(how, {})) == {"rebooting": True}
            await link.booted()
            assert link.station.connections == 1 and link.station.boots_sent == 1
            [boot] = link.sent_by_station("BootNotification")
            if version != "1.6":  # 1.6 has no boot reason
                assert boot["reason"] == "PowerUp"
            link.assert_schema_valid()

    run(scenario())


@covers("status-after-security-event")
def test_status_after_security_event(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version, options=["status-after-security-event"], heartbeat_interval=3600
        ) as link:
            await link.booted()
            await link.security_events()
            assert link.actions_in()[:3] == [
                "BootNotification",
                "SecurityEventNotification",
                "StatusNotification",
            ]

    run(scenario())


@covers("unknown-subprotocol-upgrade-then-close")
def test_unknown_subprotocol_upgrade_then_close(version: str) -> None:
    async def scenario() -> None:
        async with running_csms(
            version, options=["unknown-subprotocol-upgrade-then-close"]
        ) as csms:
            url = f"{csms.url}/CP1"
            for offered in (["ocpp0.1"], None):
                started = time.monotonic()
                ws = await connect(url, subprotocols=offered, proxy=None)
                assert ws.subprotocol is None  # upgraded, no Sec-WebSocket-Protocol
                await ws.wait_closed()  # and closed by the CSMS straight away
                assert time.monotonic() - started < 0.5
                assert ws.close_code == 1002
            assert [r.status for r in csms.refusals] == [101, 101]
            assert "CP1" not in csms.stations  # never counted as a station connection
            # A common subprotocol still gets a normal connection.
            async with scripted_station(csms, subprotocols=["ocpp0.1", "ocpp2.0.1"]) as station:
                assert station.ws.subprotocol == "ocpp2.0.1"
                answer = await station.call("BootNotification", boot_payload(version))
                assert answer[2]["status"] == "Accepted"
        # Without the option: no upgrade at all (HTTP 400).
        async with running_csms(version) as plain:
            with pytest.raises(InvalidStatus):
                await connect(f"{plain.url}/CP1", subprotocols=["ocpp0.1"], proxy=None)

    run(scenario())


@covers("remote-start-without-evse")
def test_remote_start_without_evse(version: str) -> None:
    """The remote start asked for EVSE 1 leaves evseId out, and nothing else."""

    async def scenario() -> None:
        for options in ([], ["remote-start-without-evse"]):
            async with (
                running_csms(version, options=options) as csms,
                scripted_station(csms) as station,
            ):
                station.answers["RequestStartTransaction"] = {"status": "Accepted"}
                await station.call("BootNotification", boot_payload(version))
                params = {"evse": 1, "token": "04A1B2C3D4"}
                answer = await csms.act("request_start", params)
                assert answer == {"status": "Accepted"}
                sent = (await station.wait_received("RequestStartTransaction"))[3]
                assert sent["idToken"] == {"idToken": "04A1B2C3D4", "type": "ISO14443"}
                assert isinstance(sent["remoteStartId"], int)
                assert sent.get("evseId") == (None if options else 1)

    run(scenario())


@covers("pending-interval-zero")
def test_pending_interval_zero(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version, csms_options=["pending-interval-zero"], start_station=False
        ) as link:
            await link.csms.act("boot_pending", {})
            await link.station.start()
            await link.booted()
            boots = [
                r.frame.payload  # type: ignore[union-attr]
                for r in link.at_station.frames
                if r.action == "BootNotification" and not r.is_call
            ]
            assert [(b["status"], b["interval"]) for b in boots] == [
                ("Pending", 0),
                ("Accepted", 1),
            ]
            # The station chose its own wait (B02.FR.07): the simulator's boot_retry_default.
            assert link.station.boots_sent == 2 and link.station.connections == 1

    run(scenario())


@covers("current-time-with-offset")
def test_current_time_with_offset(version: str) -> None:
    """The boot's and the Heartbeat's currentTime at +01:00: the same moment, schema-valid,
    three decimals at most."""

    async def scenario() -> None:
        async with linked(version, csms_options=["current-time-with-offset"]) as link:
            await link.booted()
            await link.station.send("Heartbeat", {})
            answers = [
                r.frame.payload  # type: ignore[union-attr]
                for r in link.at_station.frames
                if r.action in ("BootNotification", "Heartbeat") and not r.is_call
            ]
            assert len(answers) >= 2
            for answer in answers:
                when = answer["currentTime"]
                assert when.endswith("+01:00") and len(when.split(".")[1]) == 3 + 6, when

    run(scenario())


@covers("data-transfer-knows-vendor")
def test_data_transfer_knows_vendor(version: str) -> None:
    """A station's DataTransfer of an unknown extension: UnknownVendorId, or with the
    option UnknownMessageId (P02.FR.06, P02.FR.07); the simulated CSMS's own
    data_transfer action reaches the station, which knows no vendor either."""

    name = "data-transfer-knows-vendor"

    async def scenario() -> None:
        request = {"vendorId": "org.example.none", "messageId": "Probe"}
        for options, wanted in (((), "UnknownVendorId"), ((name,), "UnknownMessageId")):
            async with (
                running_csms(version, options=options) as csms,
                scripted_station(csms) as station,
            ):
                await station.call("BootNotification", boot_payload(version))
                answer = await station.call("DataTransfer", request)
                assert answer[2] == {"status": wanted}
                station.answers["DataTransfer"] = {"status": "UnknownVendorId"}
                sent = await csms.act("data_transfer", {"message_id": "Probe"})
                assert sent == {"status": "UnknownVendorId"}
                call = (await station.wait_received("DataTransfer"))[3]
                assert call == {"vendorId": "org.ocpp-harness.sim-csms", "messageId": "Probe"}

    run(scenario())


def _calls_at_station(link, action: str) -> list[dict]:
    return [
        r.frame.payload  # type: ignore[union-attr]
        for r in link.at_station.frames
        if r.action == action and r.is_call
    ]


@covers("variables-explicit-actual")
def test_variables_explicit_actual(version: str) -> None:
    """The CSMS names attributeType Actual in each Get/SetVariables item, where it
    leaves it out without the option."""

    async def scenario() -> None:
        item = {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold"}
        for options, expected in (([], None), (["variables-explicit-actual"], "Actual")):
            async with linked(version, csms_options=options) as link:
                await link.booted()
                await link.csms.act("get_variables", {"items": [item]})
                await link.csms.act("set_variables", {"items": [{**item, "value": "123"}]})
                asked = _calls_at_station(link, "GetVariables")[0]["getVariableData"]
                told = _calls_at_station(link, "SetVariables")[0]["setVariableData"]
                assert [i.get("attributeType") for i in asked + told] == [expected, expected]

    run(scenario())


@covers("report-request-ids-from-zero")
def test_report_request_ids_from_zero(version: str) -> None:
    """The CSMS's first report request has requestId 0, the next 1."""

    async def scenario() -> None:
        async with linked(version, csms_options=["report-request-ids-from-zero"]) as link:
            await link.booted()
            for base in ("ConfigurationInventory", "FullInventory"):
                await link.csms.act("get_base_report", {"report_base": base})
            requests = _calls_at_station(link, "GetBaseReport")
            assert [r["requestId"] for r in requests] == [0, 1]

    run(scenario())


@covers("get-log-time-window")
def test_get_log_time_window(version: str) -> None:
    """GetLog with the optional time window and retry policy, or without them; the
    station accepts both alike."""

    async def scenario(option: bool) -> None:
        options = ["get-log-time-window"] if option else []
        async with linked(version, csms_options=options) as link:
            await link.booted()
            answer = await link.csms.act("get_log", {})
            assert answer["status"] == "Accepted"
            request = link.at_station.calls("GetLog", direction="in")[0].payload or {}
            window = {"oldestTimestamp", "latestTimestamp"} & set(request["log"])
            assert window == ({"oldestTimestamp", "latestTimestamp"} if option else set())
            assert ("retries" in request and "retryInterval" in request) is option
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("request-ids-from-large")
def test_request_ids_from_large(version: str) -> None:
    async def scenario(option: bool) -> None:
        options = ["request-ids-from-large"] if option else []
        async with linked(version, csms_options=options) as link:
            await link.booted()
            await link.csms.act("customer_information", {"token": "04A1B2C3D4"})
            await link.csms.act("get_log", {})
            ids = [
                (r.payload or {})["requestId"]
                for r in link.at_station.calls(direction="in")
                if r.action in ("CustomerInformation", "GetLog")
            ]
            first = 7_340_001 if option else 1
            assert ids == [first, first + 1]
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("availability-reports-changes-only")
def test_availability_reports_changes_only(version: str) -> None:
    """After a ChangeAvailability the station reports every connector it took, or with
    the option only those whose state changed (G03.FR.04, G04.FR.05)."""

    async def change(link: Any, count: int, status: str, evse: int | None = None) -> None:
        """One ChangeAvailability, Accepted, and the reports until there are ``count``."""
        payload: dict[str, Any] = {"operationalStatus": status}
        if evse is not None:
            payload["evse"] = {"id": evse}
        answer = await link.csms.act("call", {"action": "ChangeAvailability", "payload": payload})
        assert answer == {"status": "Accepted"}
        await link.at_csms.wait_for(lambda _: len(link.reports()) >= count, 2)

    async def scenario(option: bool) -> None:
        async with linked(
            version,
            options=["availability-reports-changes-only"] if option else [],
            evses=[(1, [1]), (2, [1])],
            heartbeat_interval=3600,
        ) as link:
            await link.booted()
            booted = len(link.reports())
            unchanged = 0 if option else 2
            await change(link, booted + unchanged, "Operative")  # the state they have
            await change(link, booted + unchanged + 1, "Inoperative", evse=2)  # EVSE 2 changes
            after = [(p["evseId"], p["connectorStatus"]) for _, p in link.reports()[booted:]]
            changed = [(2, "Unavailable")]
            assert after == (changed if option else [(1, "Available"), (2, "Available")] + changed)
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("log-status-every-attempt")
def test_log_status_every_attempt(version: str) -> None:
    request = {
        "logType": "DiagnosticsLog",
        "requestId": 9,
        "retries": 3,
        "retryInterval": 1,
        "log": {"remoteLocation": "http://127.0.0.1:1/no-such-dir/logs/"},
    }

    async def scenario(option: bool) -> None:
        options = ["log-status-every-attempt"] if option else []
        async with linked(version, options=options) as link:
            await link.booted()
            answer = await link.csms.act("call", {"action": "GetLog", "payload": request})
            assert answer["status"] == "Accepted"
            failures = 4 if option else 1

            def statuses() -> list[str]:
                return [p["status"] for p in link.sent_by_station("LogStatusNotification")]

            await link.at_csms.wait_for(lambda _: statuses().count("UploadFailure") >= failures, 2)
            # each of the four attempts (three retries), or the upload as a whole
            assert statuses() == ["Uploading", "UploadFailure"] * failures
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("transaction-status-after-reconnect")
def test_transaction_status_after_reconnect(version: str) -> None:
    """A station back without a boot while its transaction runs is asked about that
    transaction after its first CALL; one that boots again (it restarted) is not, nor
    is any station of a CSMS without the option."""
    started = {
        "eventType": "Started",
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "T-1"},
        "evse": {"id": 1, "connectorId": 1},
    }
    available = {
        "timestamp": "2026-01-01T00:00:00Z",
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    }

    async def asked(csms: Any, boot: bool) -> list[Any]:
        """Reconnect (booting first or not), send one report, and a Heartbeat as a
        barrier; the GetTransactionStatus requests the CSMS sent meanwhile."""
        async with scripted_station(csms) as station:
            station.answers["GetTransactionStatus"] = {"messagesInQueue": False}
            if boot:
                await station.call("BootNotification", boot_payload(version))
            await station.call("StatusNotification", available)
            await station.call("Heartbeat", {})
            return [f for f in station.received if f[2] == "GetTransactionStatus"]

    async def scenario(option: bool) -> None:
        options = ["transaction-status-after-reconnect"] if option else []
        async with running_csms(version, options=options) as csms:
            async with scripted_station(csms) as station:
                await station.call("BootNotification", boot_payload(version))
                await station.call("TransactionEvent", started)
            requests = await asked(csms, boot=False)
            if option:
                assert [f[3] for f in requests] == [{"transactionId": "T-1"}]
            else:
                assert requests == []
            assert await asked(csms, boot=True) == []

    for option in (False, True):
        run(scenario(option))


def test_every_option_has_a_proof() -> None:
    assert set(OPTIONS) == COVERED


@covers("aligned-in-transaction-event")
def test_aligned_in_transaction_event(version: str) -> None:
    """While a transaction runs, its EVSE's clock-aligned readings come as MeterValues,
    or with the option as the transaction's Updated event with MeterValueClock (both
    allowed by J01.FR.22); the readings say Sample.Clock either way."""
    interval = {
        "component": {"name": "AlignedDataCtrlr"},
        "variable": {"name": "Interval"},
        "attributeValue": "1",
    }

    def clock_events(link: Any) -> list[dict[str, Any]]:
        return [
            p
            for p in link.sent_by_station("TransactionEvent")
            if p["triggerReason"] == "MeterValueClock"
        ]

    async def scenario(option: bool) -> None:
        options = ["aligned-in-transaction-event"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})
            await link.at_csms.wait_call("TransactionEvent", count=2)
            setting = {"action": "SetVariables", "payload": {"setVariableData": [interval]}}
            await link.csms.act("call", setting)
            await link.at_csms.wait_for(
                lambda _: len(clock_events(link) + link.sent_by_station("MeterValues")) >= 2, 3
            )
            readings = clock_events(link) + link.sent_by_station("MeterValues")
            assert bool(clock_events(link)) is option
            assert bool(link.sent_by_station("MeterValues")) is not option
            contexts = {
                s["context"] for p in readings for v in p["meterValue"] for s in v["sampledValue"]
            }
            assert contexts == {"Sample.Clock"}
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("evse-unknown-before-plug-in")
def test_evse_unknown_before_plug_in(version: str) -> None:
    """A token before the cable starts the transaction (TxStartPoint Authorized): its
    Started event names the EVSE and carries the start's readings, or with the option
    names none, and the plug-in's event, the first to name the EVSE, carries them."""

    def begin_readings(payload: dict[str, Any]) -> bool:
        return any(
            s.get("context") == "Transaction.Begin"
            for v in payload.get("meterValue", [])
            for s in v["sampledValue"]
        )

    async def scenario(option: bool) -> None:
        options = ["evse-unknown-before-plug-in"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            await link.station.act("present_token", {"evse": 1})
            await link.at_csms.wait_call("TransactionEvent", count=1)
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.at_csms.wait_call("TransactionEvent", count=2)
            started, plugged = link.sent_by_station("TransactionEvent")[:2]
            assert started["eventType"] == "Started"
            assert ("evse" in started) is not option
            assert begin_readings(started) is not option
            assert plugged["evse"] == {"id": 1, "connectorId": 1}
            assert begin_readings(plugged) is option
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("triggered-tx-event-without-evse")
def test_triggered_tx_event_without_evse(version: str) -> None:
    async def scenario(option: bool) -> None:
        options = ["triggered-tx-event-without-evse"] if option else []
        async with linked(version, options=options) as link:
            await link.booted()
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})
            await link.at_csms.wait_call("TransactionEvent", count=2)
            trigger = {"message": "TransactionEvent", "evse": 1}
            assert await link.csms.act("trigger_message", trigger) == {"status": "Accepted"}
            await link.at_csms.wait_for(
                lambda _: any(
                    p["triggerReason"] == "Trigger"
                    for p in link.sent_by_station("TransactionEvent")
                ),
                2,
            )
            (event,) = [
                p
                for p in link.sent_by_station("TransactionEvent")
                if p["triggerReason"] == "Trigger"
            ]
            assert ("evse" in event) is not option
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("network-priority-reboot-required")
def test_network_priority_reboot_required(version: str) -> None:
    """A new NetworkConfigurationPriority is taken either way; with the option the
    station says RebootRequired instead of Accepted (B10.FR.01 allows both)."""
    item = {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": "0",
    }

    async def scenario(option: bool) -> None:
        options = ["network-priority-reboot-required"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            answer = await link.csms.act(
                "call", {"action": "SetVariables", "payload": {"setVariableData": [item]}}
            )
            status = answer["setVariableResult"][0]["attributeStatus"]
            assert status == ("RebootRequired" if option else "Accepted")
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("summary-inventory")
def test_summary_inventory(version: str) -> None:
    """GetBaseReport SummaryInventory: NotSupported without the option (B07.FR.02); with
    it Accepted, and a report of the AvailabilityState of the station and its EVSE, and
    once the EVSE is faulted their Problem variables too, set."""
    request = {
        "action": "GetBaseReport",
        "payload": {"requestId": 5, "reportBase": "SummaryInventory"},
    }

    def reported(report: dict) -> dict[tuple[str, str], str]:
        return {
            (item["component"]["name"], item["variable"]["name"]): item["variableAttribute"][0][
                "value"
            ]
            for item in report["reportData"]
        }

    async def scenario(option: bool) -> None:
        options = ["summary-inventory"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            answer = await link.csms.act("call", request)
            assert answer["status"] == ("Accepted" if option else "NotSupported")
            if option:
                await link.at_csms.wait_call("NotifyReport")
                [report] = link.sent_by_station("NotifyReport")
                assert reported(report) == {
                    ("ChargingStation", "AvailabilityState"): "Available",
                    ("EVSE", "AvailabilityState"): "Available",
                }
                await link.station.act("fault", {"evse": 1})
                await link.csms.act("call", request)
                await link.at_csms.wait_call("NotifyReport", count=2)
                assert reported(link.sent_by_station("NotifyReport")[1]) == {
                    ("ChargingStation", "AvailabilityState"): "Available",
                    ("ChargingStation", "Problem"): "true",
                    ("EVSE", "AvailabilityState"): "Faulted",
                    ("EVSE", "Problem"): "true",
                }
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("master-pass-ui")
def test_master_pass_ui(version: str) -> None:
    """A master pass during a transaction: without the option it ends the transaction at
    once (C16.FR.02); with it nothing ends until the operator chooses on the master pass
    screen (C16.FR.01), and then the transaction ends with stoppedReason MasterPass. The
    master pass is in the local list with the master pass group (taken without asking:
    LocalPreAuthorize true)."""
    settings = [
        {
            "component": {"name": "AuthCtrlr"},
            "variable": {"name": name},
            "attributeValue": value,
        }
        for name, value in (("MasterPassGroupId", "MASTER"), ("LocalPreAuthorize", "true"))
    ]
    entry = {
        "idToken": {"idToken": "MASTERCARD", "type": "ISO14443"},
        "idTokenInfo": {
            "status": "Accepted",
            "groupIdToken": {"idToken": "MASTER", "type": "Central"},
        },
    }
    local_list = {"versionNumber": 1, "updateType": "Full", "localAuthorizationList": [entry]}

    async def scenario(option: bool) -> None:
        options = ["master-pass-ui"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            calls = (("SetVariables", {"setVariableData": settings}), ("SendLocalList", local_list))
            for action, payload in calls:
                await link.csms.act("call", {"action": action, "payload": payload})
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})
            await link.at_csms.wait_call("TransactionEvent", count=2)
            result = await link.station.act("present_token", {"token": "MASTERCARD"})

            def ended() -> list[dict]:
                events = link.sent_by_station("TransactionEvent")
                return [p for p in events if p["eventType"] == "Ended"]

            assert result["transaction"] == ("master-pass-screen" if option else "stopped")
            assert len(ended()) == (0 if option else 1)
            if option:
                await link.station.act("master_pass_stop_all", {})
                await link.at_csms.wait_for(lambda _: len(ended()) == 1, 2)
            assert ended()[0]["transactionInfo"]["stoppedReason"] == "MasterPass"
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("cable-lock-before-authorization")
def test_cable_lock_before_authorization(version: str) -> None:
    """The option only says what the device has (Part 5 AQ-2: the embedded profile
    declares it, so the cases that plug in before the token skip); the simulator's
    plug_in action and its reports stay as they are."""
    from harness.environment import embedded_profiles, profile_with_options

    [station] = [
        p for p in embedded_profiles() if p.kind == "charging-station" and p.ocpp.value == version
    ]
    assert not station.supports("AQ-2")
    assert profile_with_options(station, ["cable-lock-before-authorization"]).supports("AQ-2")

    async def scenario(option: bool) -> None:
        options = ["cable-lock-before-authorization"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            result = await link.station.act("plug_in", {"evse": 1, "connector": 1})
            assert result["status"] == "Occupied"
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("remote-start-only")
def test_remote_start_only(version: str) -> None:
    """The option only says what the device has (no token method, Part 5 C-30 to C-34:
    the embedded profile declares C-30 false, so the cases that need a presented token
    skip and TC_E_31_CS takes its remote scenario); a remote start works as before."""
    from harness.environment import embedded_profiles, profile_with_options

    [station] = [
        p for p in embedded_profiles() if p.kind == "charging-station" and p.ocpp.value == version
    ]
    assert station.supports("C-30")
    assert not profile_with_options(station, ["remote-start-only"]).supports("C-30")
    start = {"idToken": {"idToken": "SIMTOKEN", "type": "ISO14443"}, "remoteStartId": 1}

    async def scenario(option: bool) -> None:
        options = ["remote-start-only"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            call = {"action": "RequestStartTransaction", "payload": {**start, "evseId": 1}}
            assert (await link.csms.act("call", call))["status"] == "Accepted"
            await link.at_csms.wait_for(
                lambda _: any(
                    e["triggerReason"] == "RemoteStart"
                    for e in link.sent_by_station("TransactionEvent")
                ),
                2,
            )
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("resets-per-evse")
def test_resets_per_evse(version: str) -> None:
    """A Reset naming an EVSE is Rejected without the option (B11.FR.09); with it the
    reset is Accepted and only the EVSE restarts: its connector reports again, and the
    station does not boot again."""
    reset = {"action": "Reset", "payload": {"type": "OnIdle", "evseId": 1}}

    async def scenario(option: bool) -> None:
        options = ["resets-per-evse"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            before = len(link.reports())
            answer = await link.csms.act("call", reset)
            assert answer["status"] == ("Accepted" if option else "Rejected")
            if option:
                await link.at_csms.wait_for(lambda _: len(link.reports()) > before, 2)
            assert len(link.sent_by_station("BootNotification")) == 1
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


def _get_variable(component: str, name: str) -> dict[str, Any]:
    item = {"component": {"name": component}, "variable": {"name": name}}
    return {"action": "GetVariables", "payload": {"getVariableData": [item]}}


@covers("fixed-cable")
def test_fixed_cable(version: str) -> None:
    """A detachable cable pulled out of the EV stays in its socket (Occupied) and the
    station can unlock it (UnlockOnEVSideDisconnect ReadWrite); a fixed one leaves the
    connector free (Available) and has no lock (ReadOnly false)."""

    async def scenario(option: bool) -> None:
        options = ["fixed-cable"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            result = await link.station.act("ev_side_unplug", {"evse": 1, "connector": 1})
            assert result["status"] == ("Available" if option else "Occupied")
            statuses = [p["connectorStatus"] for p in link.sent_by_station("StatusNotification")]
            assert statuses[-1] == result["status"]
            read = _get_variable("OCPPCommCtrlr", "UnlockOnEVSideDisconnect")
            (unlock,) = (await link.csms.act("call", read))["getVariableResult"]
            assert unlock["attributeValue"] == ("false" if option else "true")
            setting = {**read["payload"]["getVariableData"][0], "attributeValue": "true"}
            write = {"action": "SetVariables", "payload": {"setVariableData": [setting]}}
            (written,) = (await link.csms.act("call", write))["setVariableResult"]
            assert written["attributeStatus"] == ("Rejected" if option else "Accepted")
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("dc-charging")
def test_dc_charging(version: str) -> None:
    """A transaction that TxStopPoint EVConnected ends when the cable comes out of the
    EV says stoppedReason EVDisconnected, or with the option (the DC EV ended its
    session first) StoppedByEV; the fixed cable leaves the connector Available."""
    stop_point = {
        "component": {"name": "TxCtrlr"},
        "variable": {"name": "TxStopPoint"},
        "attributeValue": "EVConnected",
    }

    async def scenario(option: bool) -> None:
        options = ["dc-charging"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            setting = {"action": "SetVariables", "payload": {"setVariableData": [stop_point]}}
            await link.csms.act("call", setting)
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})
            await link.at_csms.wait_call("TransactionEvent", count=2)
            result = await link.station.act("ev_side_unplug", {"evse": 1, "connector": 1})
            assert result["status"] == ("Available" if option else "Occupied")
            ended = link.sent_by_station("TransactionEvent")[-1]
            assert ended["eventType"] == "Ended"
            assert ended["triggerReason"] == "EVCommunicationLost"
            reason = "StoppedByEV" if option else "EVDisconnected"
            assert ended["transactionInfo"]["stoppedReason"] == reason
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("no-energy-transfer-start")
def test_no_energy_transfer_start(version: str) -> None:
    """TxStartPoint EnergyTransfer is taken, or with the option Rejected (the valuesList
    leaves it out)."""
    start_point = {
        "component": {"name": "TxCtrlr"},
        "variable": {"name": "TxStartPoint"},
        "attributeValue": "EnergyTransfer",
    }

    async def scenario(option: bool) -> None:
        options = ["no-energy-transfer-start"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            write = {"action": "SetVariables", "payload": {"setVariableData": [start_point]}}
            (written,) = (await link.csms.act("call", write))["setVariableResult"]
            assert written["attributeStatus"] == ("Rejected" if option else "Accepted")
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("meters-every-transaction")
def test_meters_every_transaction(version: str) -> None:
    """The factory SampledDataCtrlr.TxUpdatedInterval is 1 with the option (0 without):
    a transaction sends MeterValuePeriodic readings after it starts charging."""

    async def scenario(option: bool) -> None:
        options = ["meters-every-transaction"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            read = _get_variable("SampledDataCtrlr", "TxUpdatedInterval")
            (interval,) = (await link.csms.act("call", read))["getVariableResult"]
            assert interval["attributeValue"] == ("1" if option else "0")
            if not option:
                return
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})

            def periodic() -> list[dict]:
                events = link.sent_by_station("TransactionEvent")
                return [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]

            await link.at_csms.wait_for(lambda _: bool(periodic()), 3)
            assert periodic()[0]["meterValue"]
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("no-smart-charging")
def test_no_smart_charging(version: str) -> None:
    """A RequestStartTransaction's TxProfile: the station with smart charging installs
    it for the transaction it starts (F01.FR.10, reported with its transactionId); with
    the option it says it has none (SmartChargingCtrlr.Available false), takes no
    SetChargingProfile (NotSupported) and starts the transaction all the same, the
    profile ignored (F01.FR.12)."""
    from harness.sim.errors import CallErrorReceived

    profile = {
        "id": 7,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 7,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
            }
        ],
    }
    start = {
        "idToken": {"idToken": "SIMTOKEN", "type": "ISO14443"},
        "remoteStartId": 1,
        "evseId": 1,
        "chargingProfile": profile,
    }

    async def scenario(option: bool) -> None:
        options = ["no-smart-charging"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            read = _get_variable("SmartChargingCtrlr", "Available")
            (available,) = (await link.csms.act("call", read))["getVariableResult"]
            assert available["attributeValue"] == ("false" if option else "true")
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            call = {"action": "RequestStartTransaction", "payload": start}
            assert (await link.csms.act("call", call))["status"] == "Accepted"
            await link.at_csms.wait_for(
                lambda _: any(
                    e["triggerReason"] == "RemoteStart"
                    for e in link.sent_by_station("TransactionEvent")
                ),
                2,
            )
            ask = {
                "action": "GetChargingProfiles",
                "payload": {"requestId": 1, "chargingProfile": {}},
            }
            if option:
                with pytest.raises(CallErrorReceived):
                    await link.csms.act("call", ask)
                return
            assert (await link.csms.act("call", ask))["status"] == "Accepted"
            await link.at_csms.wait_call("ReportChargingProfiles")
            [report] = link.sent_by_station("ReportChargingProfiles")
            [installed] = report["chargingProfile"]
            assert installed["id"] == 7 and installed["transactionId"]
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("signs-energy-register-only")
def test_signs_energy_register_only(version: str) -> None:
    """With SampledDataCtrlr.SignReadings true, the transaction's readings are signed:
    every one of them without the option, only the energy register's with it (its other
    readings, Voltage among its factory TxEndedMeasurands, come unsigned)."""
    sign = {
        "component": {"name": "SampledDataCtrlr"},
        "variable": {"name": "SignReadings"},
        "attributeValue": "true",
    }

    async def scenario(option: bool) -> None:
        options = ["signs-energy-register-only"] if option else []
        async with linked(version, options=options, heartbeat_interval=3600) as link:
            await link.booted()
            setting = {"action": "SetVariables", "payload": {"setVariableData": [sign]}}
            answer = await link.csms.act("call", setting)
            assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})

            def sampled() -> list[dict]:
                events = link.sent_by_station("TransactionEvent")
                return [
                    value
                    for event in events
                    for reading in event.get("meterValue") or []
                    for value in reading["sampledValue"]
                ]

            def ended() -> bool:
                events = link.sent_by_station("TransactionEvent")
                return any(event["eventType"] == "Ended" for event in events)

            await link.at_csms.wait_for(lambda _: bool(sampled()), 3)
            await link.station.act("present_token", {})  # the driver stops: the Ended readings
            await link.at_csms.wait_for(lambda _: ended(), 5)
            values = sampled()
            energy = [v for v in values if v.get("measurand") == "Energy.Active.Import.Register"]
            others = [v for v in values if v.get("measurand") != "Energy.Active.Import.Register"]
            assert energy and all("signedMeterValue" in v for v in energy), values
            if option:
                assert others, "the option's readings hold more than the energy register"
                assert all("signedMeterValue" not in v for v in others), others
            else:
                assert all("signedMeterValue" in v for v in values), values
            link.assert_schema_valid()

    for option in (False, True):
        run(scenario(option))


@covers("two-evses")
def test_two_evses(version: str) -> None:
    """A station of two EVSEs (one connector each) reports both at boot, where the
    plain one reports one; EVSEs given outright win over the option's."""

    async def scenario(options: list[str], **evses: Any) -> list[tuple[int, int]]:
        async with linked(version, options=options, heartbeat_interval=3600, **evses) as link:
            await link.booted()
            statuses = link.sent_by_station("StatusNotification")
            return sorted((p["evseId"], p["connectorId"]) for p in statuses)

    assert run(scenario([])) == [(1, 1)]
    assert run(scenario(["two-evses"])) == [(1, 1), (2, 1)]
    assert run(scenario(["two-evses"], evses=[(1, [1])])) == [(1, 1)]


def _token(value: str) -> dict[str, str]:
    return {"idToken": value, "type": "ISO14443"}


async def _authorized_statuses(version: str, options: list[str], tokens: list[str]) -> list[str]:
    """The status the simulated CSMS answers each of ``tokens`` with in an Authorize."""
    async with (
        running_csms(version, options=options) as csms,
        scripted_station(csms) as station,
    ):
        await station.call("BootNotification", boot_payload(version))
        statuses = []
        for value in tokens:
            answer = await station.call("Authorize", {"idToken": _token(value)})
            assert not validate_payload(OcppVersion.V201, "Authorize", answer[2], response=True)
            statuses.append(answer[2]["idTokenInfo"]["status"])
        return statuses


@covers("refusals-as-invalid")
def test_refusals_as_invalid(version: str) -> None:
    """The blocked and expired tokens are refused as Invalid; the others as before."""
    tokens = Tokens()
    asked = [tokens.blocked, tokens.expired, tokens.invalid, tokens.valid]

    async def scenario() -> None:
        plain = await _authorized_statuses(version, [], asked)
        assert plain == ["Blocked", "Expired", "Invalid", "Accepted"]
        varied = await _authorized_statuses(version, ["refusals-as-invalid"], asked)
        assert varied == ["Invalid", "Invalid", "Invalid", "Accepted"]

    run(scenario())


@covers("invalid-token-unknown")
def test_invalid_token_unknown(version: str) -> None:
    """The invalid token is Unknown; the blocked one stays Blocked."""
    tokens = Tokens()
    asked = [tokens.invalid, tokens.blocked]

    async def scenario() -> None:
        assert await _authorized_statuses(version, [], asked) == ["Invalid", "Blocked"]
        varied = await _authorized_statuses(version, ["invalid-token-unknown"], asked)
        assert varied == ["Unknown", "Blocked"]

    run(scenario())


@covers("station-two-evses")
def test_station_two_evses(version: str) -> None:
    """The CSMS set up for a station of two EVSEs: its embedded profile's [layout] (the
    station the harness plays) has them, and a TransactionEvent at EVSE 2 is answered."""
    [profile] = [p for p in embedded_profiles() if p.kind == "csms" and p.ocpp.value == version]
    assert len(profile.layout) == 1
    varied = profile_with_options(profile, ["station-two-evses"])
    assert [(e.id, e.connectors) for e in varied.layout] == [(1, (1,)), (2, (1,))]

    async def scenario() -> None:
        async with (
            running_csms(version, options=["station-two-evses"]) as csms,
            scripted_station(csms) as station,
        ):
            await station.call("BootNotification", boot_payload(version))
            event = {
                "eventType": "Started",
                "timestamp": "2024-01-01T00:00:00Z",
                "triggerReason": "CablePluggedIn",
                "seqNo": 0,
                "transactionInfo": {"transactionId": "TX-2"},
                "evse": {"id": 2, "connectorId": 1},
            }
            assert (await station.call("TransactionEvent", event))[2] == {}

    run(scenario())


@covers("transaction-costs")
def test_transaction_costs(version: str) -> None:
    """With the option the CSMS answers each TransactionEvent with energy readings with
    the cost since the transaction's first reading (I02.FR.01, I03.FR.02); an event
    without readings, or the plain CSMS, gets no totalCost."""

    def event(kind: str, seq: int, wh: float | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "eventType": kind,
            "timestamp": "2026-01-01T00:00:00Z",
            "triggerReason": "MeterValuePeriodic" if wh is not None else "CablePluggedIn",
            "seqNo": seq,
            "transactionInfo": {"transactionId": "tx-costs"},
        }
        if kind == "Started":
            payload["evse"] = {"id": 1, "connectorId": 1}
        if wh is not None:
            payload["meterValue"] = [
                {
                    "timestamp": "2026-01-01T00:00:00Z",
                    "sampledValue": [
                        {"value": wh, "measurand": "Energy.Active.Import.Register"},
                        {"value": 230.0, "measurand": "Voltage"},
                    ],
                }
            ]
        return payload

    async def scenario(options: list[str]) -> list[dict[str, Any]]:
        async with (
            running_csms(version, options=options) as csms,
            scripted_station(csms) as station,
        ):
            await station.call("BootNotification", boot_payload(version))
            answers = []
            for kind, seq, wh in (
                ("Started", 0, None),
                ("Updated", 1, 1000.0),
                ("Updated", 2, 3000.0),
                ("Ended", 3, 11000.0),
            ):
                frame = await station.call("TransactionEvent", event(kind, seq, wh))
                assert frame[0] == 3, frame
                answer = frame[2]
                problems = validate_payload(
                    OcppVersion.parse(version), "TransactionEvent", answer, response=True
                )
                assert not problems, problems
                answers.append(answer)
            return answers

    costed = run(scenario(["transaction-costs"]))
    assert [a.get("totalCost") for a in costed] == [None, 0.0, 0.6, 3.0]
    assert all("totalCost" not in a for a in run(scenario([])))
