"""Conformant flows between the simulated station and CSMS, for OCPP 1.6 and 2.0.1."""

from __future__ import annotations

import time

import pytest
from simkit import Link, linked, run

from harness.ocppj import Call, CallResult, OcppVersion
from harness.sim import CallErrorReceived, SimStation, SimTimers
from harness.spec import OCPP16_REQUIRED_CORE_KEYS

VERSIONS = ["1.6", "2.0.1"]


def _only_boots(link: Link) -> list[str]:
    return sorted({r.action or "" for r in link.at_csms.calls(direction="in")})


@pytest.mark.parametrize("version", VERSIONS)
def test_boot_accepted_then_status_and_heartbeat(version: str) -> None:
    async def scenario() -> None:
        async with linked(version) as link:
            await link.booted()
            await link.at_csms.wait_call("Heartbeat", count=2)
            boot = link.sent_by_station("BootNotification")[0]
            statuses = link.sent_by_station("StatusNotification")
            if version == "1.6":
                assert boot["chargePointModel"] == "SimStation"
                assert [s["connectorId"] for s in statuses] == [0, 1]
                assert {(s["status"], s["errorCode"]) for s in statuses} == {
                    ("Available", "NoError")
                }
            else:
                assert boot["reason"] == "PowerUp"
                assert boot["chargingStation"]["model"] == "SimStation"
                assert [(s["evseId"], s["connectorId"]) for s in statuses] == [(1, 1)]
                assert statuses[0]["connectorStatus"] == "Available"
            # Order: boot, then status, then heartbeats (B01.FR.04/05).
            actions = [r.action for r in link.at_csms.calls(direction="in")]
            assert actions[0] == "BootNotification"
            assert actions.index("Heartbeat") > actions.index("StatusNotification")
            assert link.csms.stations["CP1"].boot_status == "Accepted"
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_status_for_every_connector_of_every_evse(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, evses=[(1, [1, 2]), (2, [1])]) as link:
            await link.booted()
            statuses = link.sent_by_station("StatusNotification")
            if version == "1.6":
                assert [s["connectorId"] for s in statuses] == [0, 1, 2, 3]
            else:
                pairs = [(s["evseId"], s["connectorId"]) for s in statuses]
                assert pairs == [(1, 1), (1, 2), (2, 1)]
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_pending_only_boot_is_sent_and_csms_calls_are_answered(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, boot_mode="Pending") as link:
            await link.at_csms.wait_call("BootNotification", count=2)
            assert _only_boots(link) == ["BootNotification"]  # B02.FR.02
            assert link.station.boot_status == "Pending"
            # The station answers the CSMS while Pending (B02.FR.01) ...
            if version == "1.6":
                answer = await link.csms.act("get_configuration", {"keys": ["HeartbeatInterval"]})
                assert answer["configurationKey"][0]["key"] == "HeartbeatInterval"
            else:
                answer = await link.csms.act(
                    "get_variables",
                    {"items": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]},
                )
                assert answer["getVariableResult"][0]["attributeStatus"] == "Accepted"
            # ... but refuses remote start (B02.FR.05).
            assert (await link.csms.act("request_start", {"evse": 1}))["status"] == "Rejected"
            await link.csms.act("boot_accept", {})
            await link.booted()
            assert link.station.boot_status == "Accepted"
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_pending_retries_after_interval(version: str) -> None:
    async def scenario() -> None:
        # interval 4 -> 0.2 s real time: the second boot must not come earlier (B02.FR.08).
        async with linked(version, boot_mode="Pending", boot_retry_interval=4) as link:
            await link.at_csms.wait_call("BootNotification")
            first = time.monotonic()
            await link.at_csms.wait_call("BootNotification", count=2)
            assert time.monotonic() - first >= 0.19

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_rejected_is_silent_until_interval(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, boot_mode="Rejected", boot_retry_interval=4) as link:
            await link.at_csms.wait_call("BootNotification")
            first = time.monotonic()
            await link.at_csms.wait_call("BootNotification", count=2)
            assert time.monotonic() - first >= 0.19  # B03.FR.02
            assert _only_boots(link) == ["BootNotification"]
            await link.csms.act("boot_accept", {})
            await link.booted()
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_reset_reboots_and_boots_again(version: str) -> None:
    async def scenario() -> None:
        async with linked(version) as link:
            await link.booted()
            answer = await link.csms.act("reset", {})
            assert answer == {"status": "Accepted"}
            await link.booted(accepted=2)
            assert link.station.connections == 2
            boots = link.sent_by_station("BootNotification")
            if version == "2.0.1":
                assert [b["reason"] for b in boots] == ["PowerUp", "RemoteReset"]
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_power_cycle_boots_with_power_up_and_reboot_with_local_reset(version: str) -> None:
    async def scenario() -> None:
        async with linked(version) as link:
            await link.booted()
            assert await link.station.act("power_cycle", {}) == {"rebooting": True}
            await link.booted(accepted=2)
            assert await link.station.act("reboot", {}) == {"rebooting": True}
            await link.booted(accepted=3)
            if version == "2.0.1":
                reasons = [b["reason"] for b in link.sent_by_station("BootNotification")]
                assert reasons[1:] == ["PowerUp", "LocalReset"]

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("message", ["Heartbeat", "StatusNotification", "MeterValues"])
def test_trigger_message_answers_first_then_sends(version: str, message: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            await link.booted()
            before = link.at_csms.count(message, direction="in")
            answer = await link.csms.act("trigger_message", {"message": message, "evse": 1})
            assert answer == {"status": "Accepted"}
            triggered = await link.at_csms.wait_call(message, count=before + 1, direction="in")
            # F06.FR.04: the TriggerMessage response went out before the triggered CALL.
            frames = link.at_station.frames
            response_at = next(
                i
                for i, r in enumerate(frames)
                if isinstance(r.frame, CallResult) and r.action == "TriggerMessage"
            )
            call_at = next(
                i
                for i, r in enumerate(frames)
                if isinstance(r.frame, Call) and r.frame.message_id == triggered.frame.message_id  # type: ignore[union-attr]
            )
            assert response_at < call_at
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_trigger_boot_after_accepted_is_rejected(version: str) -> None:
    async def scenario() -> None:
        async with linked(version) as link:
            await link.booted()
            answer = await link.csms.act("trigger_message", {"message": "BootNotification"})
            assert answer == {"status": "Rejected"}  # F06.FR.17 / E16 §3.35
            if version == "2.0.1":
                answer = await link.csms.act(
                    "trigger_message", {"message": "SignCombinedCertificate"}
                )
                assert answer == {"status": "NotImplemented"}

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_trigger_boot_while_pending_boots_at_once(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, boot_mode="Pending", boot_retry_interval=3600) as link:
            await link.station.wait_until(lambda: link.station.boot_status == "Pending")
            await link.csms.act("boot_accept", {})
            answer = await link.csms.act("trigger_message", {"message": "BootNotification"})
            assert answer == {"status": "Accepted"}
            await link.booted()
            assert link.station.boots_sent == 2
            if version == "2.0.1":
                assert link.sent_by_station("BootNotification")[1]["reason"] == "Triggered"

    run(scenario())


def test_get_and_set_variables_v201() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()

            async def get(component: object, variable: object, **extra: object) -> dict:
                item = {"component": component, "variable": variable, **extra}
                answer = await link.csms.act("get_variables", {"items": [item]})
                return answer["getVariableResult"][0]

            async def set_(component: object, variable: object, value: str) -> str:
                item = {"component": component, "variable": variable, "value": value}
                answer = await link.csms.act("set_variables", {"items": [item]})
                return answer["setVariableResult"][0]["attributeStatus"]

            hb = await get("OCPPCommCtrlr", "HeartbeatInterval")
            assert hb["attributeStatus"] == "Accepted" and hb["attributeValue"] == "3600"
            assert hb["attributeType"] == "Actual"  # B06.FR.11
            assert (await get("NoSuchCtrlr", "X"))["attributeStatus"] == "UnknownComponent"
            unknown = await get("OCPPCommCtrlr", "NoSuchVariable")
            assert unknown["attributeStatus"] == "UnknownVariable"
            assert "attributeValue" not in unknown  # B06.FR.07
            timeout = await get("OCPPCommCtrlr", {"name": "MessageTimeout", "instance": "Default"})
            assert timeout["attributeStatus"] == "Accepted"
            target = await get("OCPPCommCtrlr", "HeartbeatInterval", attribute_type="Target")
            assert target["attributeStatus"] == "NotSupportedAttributeType"
            assert target["attributeType"] == "Target"  # B06.FR.03
            password = await get("SecurityCtrlr", "BasicAuthPassword")
            assert password["attributeStatus"] == "Rejected"  # B06.FR.09
            assert (await get("SecurityCtrlr", "SecurityProfile"))["attributeValue"] == "0"
            assert (await get("TxCtrlr", "TxStartPoint"))["attributeStatus"] == "Accepted"
            assert (await get("ClockCtrlr", "DateTime"))["attributeValue"].endswith("Z")

            assert await set_("SecurityCtrlr", "SecurityProfile", "2") == "Rejected"  # ReadOnly
            assert await set_("OCPPCommCtrlr", "HeartbeatInterval", "soon") == "Rejected"
            assert await set_("TxCtrlr", "TxStartPoint", "Nonsense") == "Rejected"
            assert await set_("NoSuchCtrlr", "X", "1") == "UnknownComponent"
            assert await set_("SecurityCtrlr", "BasicAuthPassword", "short") == "Rejected"
            assert await set_("SecurityCtrlr", "BasicAuthPassword", "a" * 20) == "Accepted"
            assert link.station.password == "a" * 20
            assert await set_("TxCtrlr", "TxStopPoint", "EVConnected,Authorized") == "Accepted"
            assert (await get("TxCtrlr", "TxStopPoint"))["attributeValue"] == (
                "EVConnected,Authorized"
            )
            # Setting HeartbeatInterval changes the heartbeat timer at once.
            before = link.at_csms.count("Heartbeat", direction="in")
            assert await set_("OCPPCommCtrlr", "HeartbeatInterval", "1") == "Accepted"
            await link.at_csms.wait_call("Heartbeat", count=before + 2, direction="in")
            link.assert_schema_valid()

    run(scenario())


def test_get_base_report_v201() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            answer = await link.csms.act(
                "call",
                {
                    "action": "GetBaseReport",
                    "payload": {"requestId": 7, "reportBase": "FullInventory"},
                },
            )
            assert answer == {"status": "Accepted"}
            await link.at_csms.wait_for(
                lambda _: any(
                    not (r.payload or {}).get("tbc", False)
                    for r in link.at_csms.calls("NotifyReport", direction="in")
                )
            )
            reports = link.sent_by_station("NotifyReport")
            assert [r["seqNo"] for r in reports] == list(range(len(reports)))
            assert {r["requestId"] for r in reports} == {7}
            names = {
                (d["component"]["name"], d["variable"]["name"])
                for r in reports
                for d in r["reportData"]
            }
            assert ("OCPPCommCtrlr", "HeartbeatInterval") in names
            summary = await link.csms.act(
                "call",
                {
                    "action": "GetBaseReport",
                    "payload": {"requestId": 8, "reportBase": "SummaryInventory"},
                },
            )
            # B07.FR.02, with the reason Part 6 TC_B_15_CS accepts
            assert summary == {
                "status": "NotSupported",
                "statusInfo": {"reasonCode": "UnsupportedParam"},
            }
            link.assert_schema_valid()

    run(scenario())


REQUIRED_16_KEYS = set(OCPP16_REQUIRED_CORE_KEYS)


def test_get_and_change_configuration_v16() -> None:
    async def scenario() -> None:
        async with linked("1.6", heartbeat_interval=3600) as link:
            await link.booted()
            everything = await link.csms.act("get_configuration", {})
            keys = {entry["key"]: entry for entry in everything["configurationKey"]}
            assert set(keys) >= REQUIRED_16_KEYS
            assert all(isinstance(entry["readonly"], bool) for entry in keys.values())
            assert keys["HeartbeatInterval"]["value"] == "3600"
            assert "value" not in keys["AuthorizationKey"]  # not readable (SW16)
            some = await link.csms.act("get_configuration", {"keys": ["HeartbeatInterval", "Nope"]})
            assert [e["key"] for e in some["configurationKey"]] == ["HeartbeatInterval"]
            assert some["unknownKey"] == ["Nope"]

            async def change(key: str, value: str) -> str:
                answer = await link.csms.act("set_variables", {"key": key, "value": value})
                return answer["status"]

            assert await change("Nope", "1") == "NotSupported"
            assert await change("NumberOfConnectors", "3") == "Rejected"  # read-only
            assert await change("MeterValueSampleInterval", "often") == "Rejected"
            assert await change("MeterValueSampleInterval", "30") == "Accepted"
            value = await link.csms.act("get_variables", {"keys": ["MeterValueSampleInterval"]})
            assert value["configurationKey"][0]["value"] == "30"
            before = link.at_csms.count("Heartbeat", direction="in")
            assert await change("HeartbeatInterval", "1") == "Accepted"
            await link.at_csms.wait_call("Heartbeat", count=before + 2, direction="in")
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_remote_start_and_stop_transaction(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            await link.booted()
            assert (await link.csms.act("request_start", {"evse": 1}))["status"] == "Accepted"
            started = "StartTransaction" if version == "1.6" else "TransactionEvent"
            await link.at_csms.wait_call(started, direction="in")
            await link.station.wait_until(lambda: bool(link.station.transactions()))
            await link.station.wait_until(
                lambda: link.csms.stations["CP1"].last_transaction_id is not None
            )
            # A second start on the busy EVSE is refused.
            assert (await link.csms.act("request_start", {"evse": 1}))["status"] == "Rejected"
            assert (await link.csms.act("request_stop", {}))["status"] == "Accepted"
            ended = "StopTransaction" if version == "1.6" else "TransactionEvent"
            await link.at_csms.wait_call(ended, count=1 if version == "1.6" else 2, direction="in")
            await link.station.wait_until(lambda: not link.station.transactions())
            unknown = "999" if version == "2.0.1" else 999
            answer = await link.csms.act("request_stop", {"transaction_id": unknown})
            assert answer["status"] == "Rejected"
            if version == "2.0.1":
                events = link.sent_by_station("TransactionEvent")
                assert [e["eventType"] for e in events] == ["Started", "Ended"]
                assert [e["seqNo"] for e in events] == [0, 1]
                assert events[0]["triggerReason"] == "RemoteStart"
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_plug_token_unplug(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            await link.booted()
            plugged = await link.station.act("plug_in", {"evse": 1, "connector": 1})
            assert plugged["status"] == ("Preparing" if version == "1.6" else "Occupied")
            started = await link.station.act("present_token", {})
            assert started["transaction"] == "started"
            again = await link.station.act("present_token", {"token": link.station.valid_token})
            assert again["transaction"] == "stopped"
            unplugged = await link.station.act("unplug", {"evse": 1})
            assert unplugged["status"] == "Available"
            faulted = await link.station.act("fault", {})
            assert faulted == {"faulted": [[1, 1]]}
            statuses = link.sent_by_station("StatusNotification")
            key = "status" if version == "1.6" else "connectorStatus"
            assert statuses[-1][key] == "Faulted"
            link.assert_schema_valid()

    run(scenario())


def test_a_fault_of_an_evse_is_a_fault_of_each_of_its_connectors() -> None:
    """An EVSE in a fault state (the fault action names the EVSE) has every connector
    Faulted, and clearing it frees them all; a connector named is that one alone."""

    async def scenario() -> None:
        evses = [(1, [1, 2]), (2, [1])]
        async with linked("2.0.1", heartbeat_interval=3600, evses=evses) as link:
            await link.booted()
            assert await link.station.act("fault", {"evse": 1}) == {"faulted": [[1, 1], [1, 2]]}
            assert await link.station.act("clear_fault", {"evse": 1}) == {
                "cleared": [[1, 1], [1, 2]]
            }
            one = await link.station.act("fault", {"evse": 1, "connector": 2})
            assert one == {"faulted": [[1, 2]]}
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_network_down_up_reconnects_without_boot(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            await link.booted()
            assert await link.station.act("network_down", {}) == {"online": False}
            await link.csms.wait_until(lambda: not link.csms.stations["CP1"].connected.is_set())
            await link.station.act("plug_in", {})  # while offline: reported on reconnect
            assert await link.station.act("network_up", {}) == {"online": True}
            await link.station.wait_until(lambda: link.station.connections == 2)
            count = link.statuses_after_boot() + 1
            await link.at_csms.wait_call("StatusNotification", count=count, direction="in")
            assert link.station.boots_sent == 1  # a bare reconnect sends no boot
            state = await link.station.act("state", {})
            assert state["connected"] and state["boot_status"] == "Accepted"

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_change_availability(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            await link.booted()
            answer = await link.csms.act("change_availability", {"operative": False})
            assert answer == {"status": "Accepted"}
            await link.at_csms.wait_call(
                "StatusNotification", count=link.statuses_after_boot() + 1, direction="in"
            )
            key = "status" if version == "1.6" else "connectorStatus"
            assert link.sent_by_station("StatusNotification")[-1][key] == "Unavailable"
            # Unavailable survives a reset (B11.FR.02 / 1.6 §5.14).
            await link.csms.act("reset", {})
            await link.booted(accepted=2)
            assert link.sent_by_station("StatusNotification")[-1][key] == "Unavailable"
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_peer_error_codes(version: str) -> None:
    async def scenario() -> None:
        async with linked(version) as link:
            await link.booted()

            async def code(action: str, payload: dict) -> str:
                with pytest.raises(CallErrorReceived) as error:
                    await link.csms.act("call", {"action": action, "payload": payload})
                return error.value.code

            assert await code("NoSuchAction", {}) == "NotImplemented"
            # 2.0.1: a request the simulator does not implement; 1.6: a field too many
            unsupported = (
                {"requestId": 1} if version == "2.0.1" else {"connectorId": 1, "evseId": 1}
            )
            action = "GetDisplayMessages" if version == "2.0.1" else "UnlockConnector"
            assert await code(action, unsupported) in (
                "NotSupported",
                "TypeConstraintViolation",
                "FormationViolation",
                "FormatViolation",
            )
            expected = (
                "OccurenceConstraintViolation"
                if version == "1.6"
                else ("OccurrenceConstraintViolation")
            )
            assert await code("Reset", {}) == expected
            assert await code("ClearCache", {"bogus": 1}) in (
                "FormationViolation",
                "FormatViolation",
            )

    run(scenario())


def test_unsupported_known_action_is_not_supported() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            with pytest.raises(CallErrorReceived) as error:
                await link.csms.act(
                    "call",
                    {"action": "GetDisplayMessages", "payload": {"requestId": 1}},
                )
            assert error.value.code == "NotSupported"

    run(scenario())


def test_station_url_percent_encodes_identity() -> None:
    station = SimStation(OcppVersion.V201, "ws://127.0.0.1:1/ocpp/", "CP 1/x")
    assert station.url == "ws://127.0.0.1:1/ocpp/CP%201%2Fx"


def test_station_backoff_stays_at_the_maximum_after_many_failed_attempts() -> None:
    # 0.01 * 2**1100 raised OverflowError: a station that failed to connect about 1024
    # times in a row stopped reconnecting
    station = SimStation(
        OcppVersion.V201,
        "ws://127.0.0.1:1/ocpp/",
        "CP1",
        timers=SimTimers(retry_backoff_min=0.01, retry_backoff_max=0.1),
    )
    assert 0.01 <= station._backoff(0) <= 0.0125
    for attempt in (10, 1100, 10**6):
        assert station._backoff(attempt) == 0.1
