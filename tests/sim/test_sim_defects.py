"""Each named defect changes exactly the behaviour it names, and its rule id is the one
the harness's own checks (schemas, framing, conversation) produce for that behaviour."""

from __future__ import annotations

import dataclasses
from contextlib import suppress

import pytest
from simkit import FAST, Link, linked, run
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from harness.ocppj import (
    Call,
    CallError,
    CallResult,
    Conversation,
    FramingViolation,
    LocalProtocolError,
    OcppVersion,
    validate_payload,
)
from harness.sim import (
    CSMS_DEFECTS,
    STATION_DEFECTS,
    CallErrorReceived,
    CallTimeout,
    PeerClosed,
    get_defect,
)

VERSIONS = ["1.6", "2.0.1"]
COVERED: set[tuple[str, str]] = set()


def covers(side: str, name: str):
    """Mark a test as the proof for one defect; parametrize it over the defect's versions."""
    COVERED.add((side, name))
    versions = sorted(get_defect(side, name).versions)
    return pytest.mark.parametrize("version", versions)


def rule(side: str, name: str, version: str) -> str:
    return get_defect(side, name).rule_for(version)


def schema_rules(version: str, action: str, payload: dict, *, response: bool) -> set[str]:
    found = validate_payload(OcppVersion.parse(version), action, payload, response=response)
    return {v.rule for v in found}


def conversation_rules(link: Link) -> set[str]:
    """Replay what the CSMS saw through the harness's conversation rules."""
    conversation = Conversation(link.version)
    rules = set()
    for recorded in link.at_csms.frames:
        frame = recorded.frame
        if isinstance(frame, FramingViolation):
            rules.add(frame.rule)
        elif recorded.direction == "in":
            rules.update(v.rule for v in conversation.receive(frame).violations)
        elif isinstance(frame, Call | CallResult | CallError):
            with suppress(LocalProtocolError):  # a late answer of ours after a timeout
                conversation.send(frame)
    return rules


QUICK_CSMS = dataclasses.replace(FAST, message_timeout=0.2)


# -- station defects ---------------------------------------------------------------------


@covers("station", "boot-omits-model")
def test_boot_omits_model(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["boot-omits-model"]) as link:
            await link.at_csms.wait_call("BootNotification")
            boot = link.sent_by_station("BootNotification")[0]
            rules = schema_rules(version, "BootNotification", boot, response=False)
            assert rule("station", "boot-omits-model", version) in rules

    run(scenario())


@covers("station", "wrong-connector-status")
def test_wrong_connector_status(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["wrong-connector-status"]) as link:
            await link.booted()
            key = "status" if version == "1.6" else "connectorStatus"
            assert {s[key] for s in link.sent_by_station("StatusNotification")} == {"Unavailable"}

    run(scenario())


@covers("station", "no-heartbeat")
def test_no_heartbeat(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["no-heartbeat"]) as link:
            await link.booted()
            with pytest.raises(TimeoutError):  # conformant: one every 50 ms
                await link.at_csms.wait_call("Heartbeat", timeout=0.3)

    run(scenario())


@covers("station", "sends-while-pending")
def test_sends_while_pending(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version, station_defects=["sends-while-pending"], boot_mode="Pending"
        ) as link:
            await link.at_csms.wait_call("StatusNotification")
            assert link.station.boot_status == "Pending"
            # The conformant CSMS refuses it (B02.FR.09).
            await link.at_station.wait_for(
                lambda frames: any(isinstance(r.frame, CallError) for r in frames)
            )
            error = next(r.frame for r in link.at_station.frames if isinstance(r.frame, CallError))
            assert error.error_code == "SecurityError"  # type: ignore[union-attr]

    run(scenario())


@covers("station", "ignores-boot-interval")
def test_ignores_boot_interval(version: str) -> None:
    async def scenario() -> None:
        # interval 20 -> 1 s real time; the defective station is back well before.
        async with linked(
            version,
            station_defects=["ignores-boot-interval"],
            boot_mode="Rejected",
            boot_retry_interval=20,
        ) as link:
            await link.at_csms.wait_call("BootNotification", count=3, timeout=0.5)

    run(scenario())


@covers("station", "get-variables-wrong-component")
def test_get_variables_wrong_component(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["get-variables-wrong-component"]) as link:
            await link.booted()
            item = {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}
            answer = await link.csms.act("get_variables", {"items": [item]})
            assert answer["getVariableResult"][0]["component"]["name"] != "OCPPCommCtrlr"

    run(scenario())


@covers("station", "set-variables-not-applied")
def test_set_variables_not_applied(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["set-variables-not-applied"]) as link:
            await link.booted()
            item = {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold", "value": "99"}
            answer = await link.csms.act("set_variables", {"items": [item]})
            assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
            got = await link.csms.act("get_variables", {"items": [item]})
            assert got["getVariableResult"][0]["attributeValue"] != "99"

    run(scenario())


@covers("station", "ignores-reset")
def test_ignores_reset(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["ignores-reset"]) as link:
            await link.booted()
            assert (await link.csms.act("reset", {}))["status"] == "Accepted"
            with pytest.raises(TimeoutError):  # conformant: reconnects within ~20 ms
                await link.station.wait_until(lambda: link.station.boots_sent > 1, 0.3)

    run(scenario())


@covers("station", "ignores-trigger")
def test_ignores_trigger(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version, station_defects=["ignores-trigger"], heartbeat_interval=3600
        ) as link:
            await link.booted()
            answer = await link.csms.act("trigger_message", {"message": "Heartbeat"})
            assert answer == {"status": "Accepted"}
            with pytest.raises(TimeoutError):
                await link.at_csms.wait_call("Heartbeat", timeout=0.3)

    run(scenario())


@covers("station", "get-configuration-missing-keys")
def test_get_configuration_missing_keys(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["get-configuration-missing-keys"]) as link:
            await link.booted()
            answer = await link.csms.act("get_configuration", {})
            keys = {entry["key"] for entry in answer["configurationKey"]}
            assert not keys & {"HeartbeatInterval", "MeterValueSampleInterval"}

    run(scenario())


@covers("station", "change-configuration-not-applied")
def test_change_configuration_not_applied(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["change-configuration-not-applied"]) as link:
            await link.booted()
            answer = await link.csms.act(
                "set_variables", {"key": "MeterValueSampleInterval", "value": "42"}
            )
            assert answer == {"status": "Accepted"}
            got = await link.csms.act("get_configuration", {"keys": ["MeterValueSampleInterval"]})
            assert got["configurationKey"][0]["value"] != "42"

    run(scenario())


@covers("station", "sends-invalid-json")
def test_sends_invalid_json(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["sends-invalid-json"]) as link:
            await link.booted()
            await link.at_csms.wait_for(
                lambda frames: any(isinstance(r.frame, FramingViolation) for r in frames)
            )
            assert rule("station", "sends-invalid-json", version) in conversation_rules(link)

    run(scenario())


@covers("station", "reuses-message-id")
def test_reuses_message_id(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["reuses-message-id"]) as link:
            await link.booted()
            calls = link.at_csms.calls(direction="in")
            assert calls[1].frame.message_id == calls[0].frame.message_id  # type: ignore[union-attr]
            assert rule("station", "reuses-message-id", version) in conversation_rules(link)

    run(scenario())


@covers("station", "no-subprotocol")
def test_no_subprotocol(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["no-subprotocol"]) as link:
            await link.csms.wait_until(lambda: bool(link.csms.refusals))
            refusal = link.csms.refusals[0]
            assert refusal.status == 400 and "no common subprotocol" in refusal.reason
            assert link.station.connections == 0

    run(scenario())


@covers("station", "replies-unknown-message-id")
def test_replies_unknown_message_id(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version, station_defects=["replies-unknown-message-id"], csms_timers=QUICK_CSMS
        ) as link:
            await link.booted()
            with pytest.raises(CallTimeout):
                await link.csms.act("trigger_message", {"message": "StatusNotification"})
            assert rule("station", "replies-unknown-message-id", version) in conversation_rules(
                link
            )
            # Only the first CALL: the next one is answered properly.
            answer = await link.csms.act("trigger_message", {"message": "StatusNotification"})
            assert answer == {"status": "Accepted"}

    run(scenario())


@covers("station", "closes-mid-call")
def test_closes_mid_call(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, station_defects=["closes-mid-call"]) as link:
            await link.booted()
            with pytest.raises(PeerClosed):
                await link.csms.act("trigger_message", {"message": "Heartbeat"})
            await link.station.wait_until(lambda: link.station.connections == 2)

    run(scenario())


@covers("station", "never-replies")
def test_station_never_replies(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version, station_defects=["never-replies"], csms_timers=QUICK_CSMS
        ) as link:
            await link.booted()
            with pytest.raises(CallTimeout):
                await link.csms.act("trigger_message", {"message": "Heartbeat"})

    run(scenario())


# -- CSMS defects ------------------------------------------------------------------------


def _response_to(link: Link, action: str) -> dict:
    for recorded in link.at_station.frames:
        if isinstance(recorded.frame, CallResult) and recorded.action == action:
            return recorded.frame.payload
    raise AssertionError(f"no {action} response recorded")


@covers("csms", "boot-response-invalid")
def test_boot_response_invalid(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, csms_defects=["boot-response-invalid"]) as link:
            await link.booted()
            response = _response_to(link, "BootNotification")
            rules = schema_rules(version, "BootNotification", response, response=True)
            assert rule("csms", "boot-response-invalid", version) in rules

    run(scenario())


@covers("csms", "heartbeat-response-invalid")
def test_heartbeat_response_invalid(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, csms_defects=["heartbeat-response-invalid"]) as link:
            await link.booted()
            await link.at_station.wait_for(
                lambda frames: any(
                    isinstance(r.frame, CallResult) and r.action == "Heartbeat" for r in frames
                )
            )
            response = _response_to(link, "Heartbeat")
            rules = schema_rules(version, "Heartbeat", response, response=True)
            assert rule("csms", "heartbeat-response-invalid", version) in rules

    run(scenario())


@covers("csms", "pending-accepts-requests")
def test_pending_accepts_requests(version: str) -> None:
    async def scenario() -> None:
        async with linked(
            version,
            csms_defects=["pending-accepts-requests"],
            station_defects=["sends-while-pending"],
            boot_mode="Pending",
        ) as link:
            await link.at_station.wait_for(
                lambda frames: any(
                    isinstance(r.frame, CallResult | CallError) and r.action == "StatusNotification"
                    for r in frames
                )
            )
            answer = next(
                r.frame
                for r in link.at_station.frames
                if r.action == "StatusNotification" and not isinstance(r.frame, Call)
            )
            assert isinstance(answer, CallResult)  # conformant: CALLERROR SecurityError

    run(scenario())


@covers("csms", "get-variables-invalid")
def test_get_variables_invalid(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, csms_defects=["get-variables-invalid"]) as link:
            await link.booted()
            item = {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}
            with pytest.raises(CallErrorReceived):  # the station refuses the broken CALL
                await link.csms.act("get_variables", {"items": [item]})
            action = "GetConfiguration" if version == "1.6" else "GetVariables"
            sent = link.at_csms.calls(action, direction="out")[0]
            rules = schema_rules(version, action, sent.payload or {}, response=False)
            assert rule("csms", "get-variables-invalid", version) in rules

    run(scenario())


@covers("csms", "accepts-unknown-subprotocol")
def test_accepts_unknown_subprotocol(version: str) -> None:
    async def scenario() -> None:
        for defects in ((), ("accepts-unknown-subprotocol",)):
            async with linked(version, csms_defects=defects, start_station=False) as link:
                url = f"{link.csms.url}/RAW1"
                if not defects:
                    with pytest.raises(InvalidStatus):  # TC_B_58_CSMS: no upgrade
                        await connect(url, subprotocols=["ocpp0.1"], proxy=None)
                    continue
                ws = await connect(url, subprotocols=["ocpp0.1"], proxy=None)
                assert ws.subprotocol == "ocpp0.1"
                await ws.close()

    run(scenario())


@covers("csms", "get-configuration-with-keys")
def test_get_configuration_with_keys(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, csms_defects=["get-configuration-with-keys"]) as link:
            await link.booted()
            await link.csms.act("get_configuration", {})
            sent = link.at_csms.calls("GetConfiguration", direction="out")[0]
            assert sent.payload and sent.payload["key"]

    run(scenario())


@covers("csms", "never-replies")
def test_csms_never_replies(version: str) -> None:
    quick = dataclasses.replace(FAST, message_timeout=0.15)

    async def scenario() -> None:
        async with linked(version, csms_defects=["never-replies"], timers=quick) as link:
            await link.at_csms.wait_call("BootNotification", count=2, timeout=1)
            assert not link.station.accepted.is_set()
            assert not any(r.direction == "out" for r in link.at_csms.frames)

    run(scenario())


def test_every_defect_has_a_proof() -> None:
    """A defect no test exercises could silently stop working."""
    declared = {("station", n) for n in STATION_DEFECTS} | {("csms", n) for n in CSMS_DEFECTS}
    assert declared == COVERED
