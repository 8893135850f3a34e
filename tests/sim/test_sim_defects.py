"""Each named defect changes exactly the behaviour it names, and its rule id is the one
the harness's own checks (schemas, framing, conversation) produce for that behaviour."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from contextlib import suppress

import pytest
from simkit import FAST, Link, boot_payload, linked, run, running_csms, scripted_station
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from harness.cli import catalog_functions
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
from tests.engine.test_follow_ups import PROVEN as FOLLOW_UP_PROOFS
from tests.states.test_cs_memory_states import PROVEN as MEMORY_STATE_PROOFS
from tests.states.test_cs_offline_states import PROVEN as OFFLINE_STATE_PROOFS
from tests.states.test_cs_transaction_states import PROVEN as TRANSACTION_STATE_PROOFS
from tests.test_f_two_evses import PROVEN as F_TWO_EVSE_PROOFS
from tests.test_two_evses import PROVEN as TWO_EVSE_PROOFS

VERSIONS = ["1.6", "2.0.1"]
COVERED: set[tuple[str, str]] = set()
# The station's transaction defects are proven by the Part 6 §2.18 state chains.
COVERED.update(("station", name) for name in TRANSACTION_STATE_PROOFS | OFFLINE_STATE_PROOFS)
# What the station keeps for the CSMS: proven by the Part 6 §2.19 memory states.
COVERED.update(("station", name) for name in MEMORY_STATE_PROOFS)
# What the CSMS answers to the messages the harness's station owes (its follow-ups).
COVERED.update(("csms", name) for name in FOLLOW_UP_PROOFS)
# What only a station with two EVSEs shows.
COVERED.update(("station", name) for name in TWO_EVSE_PROOFS | F_TWO_EVSE_PROOFS)
# A defect a catalog case catches or warns about is proven by the self-test matrix
# (tests/test_catalog.py: the case fails against it, naming its rule), so a block's
# cases can bring their defects without a proof here as well.
COVERED.update(
    (function.ocpp_testcase.dut_kind.sim_side, name)
    for function in catalog_functions()
    for name in (*function.ocpp_testcase.catches, *function.ocpp_testcase.warns)
)


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

STATUS_201 = {
    "timestamp": "2024-01-01T00:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}


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


@covers("station", "pipelines-calls")
def test_pipelines_calls(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("pipelines-calls"):
            # a chatty interval: a Heartbeat (or two) every 50 ms
            async with linked(version, station_defects=defects, heartbeat_interval=1) as link:
                await link.booted()
                await link.at_station.wait_call("Heartbeat", count=2)
                # as the station sent and got them: what came between its first two
                kinds = [
                    "call" if r.is_call else "answer"
                    for r in link.at_station.frames
                    if r.action == "Heartbeat"
                ]
                first = kinds.index("call")
                pipelined = kinds[first : first + 2] == ["call", "call"]
                assert pipelined is defective, kinds

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


# -- defects of the boot, trigger and device-model checks --------------------------------
#
# Each runs the scenario with and without the defect: the defect does the wrong thing,
# the conformant simulator the right one.


def _with_and_without(name: str) -> list[tuple[bool, list[str]]]:
    return [(False, []), (True, [name])]


def _boot_answers(link: Link) -> list[dict]:
    return [
        r.frame.payload  # type: ignore[union-attr]
        for r in link.at_station.frames
        if r.action == "BootNotification" and isinstance(r.frame, CallResult)
    ]


@covers("station", "no-boot-security-event")
def test_no_boot_security_event(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("no-boot-security-event"):
            async with linked(version, station_defects=defects) as link:
                await link.booted()
                await link.at_csms.wait_call("Heartbeat", count=2)  # 50 ms apart
                sent = link.at_csms.count("SecurityEventNotification")
                assert sent == (0 if defective else 1)

    run(scenario())


@covers("station", "security-event-while-pending")
def test_security_event_while_pending(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("security-event-while-pending"):
            async with linked(version, station_defects=defects, boot_mode="Pending") as link:
                await link.at_csms.wait_call("BootNotification", count=2)
                assert link.station.boot_status == "Pending"
                sent = link.at_csms.count("SecurityEventNotification")
                assert (sent > 0) is defective
                if defective:  # and the conformant CSMS refuses it (B02.FR.09)
                    errors = [r for r in link.at_station.frames if isinstance(r.frame, CallError)]
                    assert errors and errors[0].action == "SecurityEventNotification"

    run(scenario())


@covers("station", "remote-start-while-pending")
def test_remote_start_while_pending(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("remote-start-while-pending"):
            async with linked(
                version, station_defects=defects, boot_mode="Pending", boot_retry_interval=3600
            ) as link:
                await link.station.wait_until(lambda: link.station.boot_status == "Pending")
                answer = await link.csms.act("request_start", {"evse": 1})
                assert answer["status"] == ("Accepted" if defective else "Rejected")
                assert "TransactionEvent" not in link.actions_in()

    run(scenario())


@covers("station", "triggered-boot-wrong-reason")
def test_triggered_boot_wrong_reason(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("triggered-boot-wrong-reason"):
            async with linked(
                version, station_defects=defects, boot_mode="Pending", boot_retry_interval=3600
            ) as link:
                await link.station.wait_until(lambda: link.station.boot_status == "Pending")
                await link.csms.act("boot_accept", {})
                await link.csms.act("trigger_message", {"message": "BootNotification"})
                await link.booted()
                reason = link.sent_by_station("BootNotification")[1]["reason"]
                assert reason == ("PowerUp" if defective else "Triggered")

    run(scenario())


@covers("station", "reset-boot-wrong-reason")
def test_reset_boot_wrong_reason(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("reset-boot-wrong-reason"):
            async with linked(version, station_defects=defects, heartbeat_interval=3600) as link:
                await link.booted()
                await link.security_events()
                await link.csms.act("reset", {})
                await link.booted(accepted=2)
                reason = link.sent_by_station("BootNotification")[1]["reason"]
                assert reason == ("PowerUp" if defective else "RemoteReset")
                # only the reason is wrong: the start is still a reset
                assert (await link.security_events(count=2))[1] == "ResetOrReboot"

    run(scenario())


COVERED.update(
    ("station", name)
    for name in ("get-variables-wrong-attribute-type", "set-variables-wrong-attribute-type")
)


@pytest.mark.parametrize(
    ("name", "action", "key"),
    [
        ("get-variables-wrong-attribute-type", "get_variables", "getVariableResult"),
        ("set-variables-wrong-attribute-type", "set_variables", "setVariableResult"),
    ],
)
def test_wrong_attribute_type(name: str, action: str, key: str) -> None:

    async def scenario() -> None:
        for defective, defects in _with_and_without(name):
            async with linked("2.0.1", station_defects=defects, heartbeat_interval=3600) as link:
                await link.booted()
                item = {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold"}
                item["value"] = "300"
                asked = await link.csms.act(
                    action, {"items": [{**item, "attribute_type": "Actual"}]}
                )
                assert asked[key][0]["attributeType"] == ("Target" if defective else "Actual")
                # Without an attributeType the answer is Actual either way (B06.FR.11/B05.FR.12).
                plain = await link.csms.act(action, {"items": [item]})
                assert plain[key][0]["attributeType"] == "Actual"
                link.assert_schema_valid()

    run(scenario())


@covers("station", "answers-while-rejected")
def test_answers_while_rejected(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("answers-while-rejected"):
            async with linked(
                version, station_defects=defects, boot_mode="Rejected", boot_retry_interval=3600
            ) as link:
                await link.station.wait_until(lambda: link.station.boot_status == "Rejected")
                peer = link.csms.stations["CP1"].peer
                assert peer is not None  # the simulated CSMS would not call (B03.FR.03)
                payload = {"requestId": 3, "reportBase": "FullInventory"}
                if defective:
                    assert await peer.call("GetBaseReport", payload) == {"status": "Accepted"}
                else:
                    with pytest.raises(CallErrorReceived) as error:
                        await peer.call("GetBaseReport", payload)
                    assert error.value.code == "SecurityError"
                # the reports it promised are still held back while Rejected (B03.FR.02)
                assert link.actions_in() == ["BootNotification"]

    run(scenario())


@covers("station", "triggered-before-response")
def test_triggered_before_response(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("triggered-before-response"):
            async with linked(version, station_defects=defects, heartbeat_interval=3600) as link:
                await link.booted()
                answer = await link.csms.act("trigger_message", {"message": "Heartbeat"})
                assert answer == {"status": "Accepted"}
                await link.at_csms.wait_call("Heartbeat")
                order = [
                    "response" if isinstance(r.frame, CallResult) else "heartbeat"
                    for r in link.at_station.frames
                    if r.direction == "out"
                    and (r.action == "TriggerMessage" or (r.is_call and r.action == "Heartbeat"))
                ]
                expected = ["heartbeat", "response"] if defective else ["response", "heartbeat"]
                assert order == expected
                # the triggered Heartbeat is still answered and the link goes on
                await link.at_station.wait_for(
                    lambda frames: any(
                        isinstance(r.frame, CallResult) and r.action == "Heartbeat" for r in frames
                    )
                )
                assert await link.csms.act("trigger_message", {"message": "Heartbeat"})

    run(scenario())


@covers("station", "closes-while-pending")
def test_closes_while_pending(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("closes-while-pending"):
            async with linked(
                version, station_defects=defects, start_station=False, boot_retry_interval=2
            ) as link:
                await link.csms.act("boot_pending", {})  # then Accepted after 0.1 s
                await link.station.start()
                await link.booted()
                assert [a["status"] for a in _boot_answers(link)] == ["Pending", "Accepted"]
                assert link.station.connections == (2 if defective else 1)

    run(scenario())


@covers("station", "heartbeat-wrong-interval")
def test_heartbeat_wrong_interval(version: str) -> None:
    async def scenario() -> None:
        gaps = {}
        for defective, defects in _with_and_without("heartbeat-wrong-interval"):
            # interval 3 -> 0.15 s
            async with linked(version, station_defects=defects, heartbeat_interval=3) as link:
                await link.booted()
                await link.at_csms.wait_call("Heartbeat")
                start = time.monotonic()
                await link.at_csms.wait_call("Heartbeat", count=2)
                gaps[defective] = time.monotonic() - start
        # the conformant station keeps the (scaled) interval; the defective one sends at
        # half of it (compared with each other, so that a busy machine moves both)
        assert 0.12 <= gaps[False] < 0.25, gaps
        assert gaps[True] < 0.75 * gaps[False], gaps

    run(scenario())


@covers("station", "get-configuration-wrong-readonly")
def test_get_configuration_wrong_readonly(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("get-configuration-wrong-readonly"):
            async with linked(version, station_defects=defects) as link:
                await link.booted()
                answer = await link.csms.act("get_configuration", {})
                keys = {e["key"]: e for e in answer["configurationKey"]}
                assert keys["HeartbeatInterval"]["readonly"] is defective
                # the report is wrong, not the key: it can still be changed
                change = {"key": "HeartbeatInterval", "value": "3600"}
                assert (await link.csms.act("set_variables", change)) == {"status": "Accepted"}

    run(scenario())


@covers("station", "get-configuration-missing-profile-keys")
def test_get_configuration_missing_profile_keys(version: str) -> None:
    local_keys = {"LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength"}

    async def scenario() -> None:
        for defective, defects in _with_and_without("get-configuration-missing-profile-keys"):
            async with linked(version, station_defects=defects) as link:
                await link.booted()
                answer = await link.csms.act("get_configuration", {})
                keys = {e["key"]: e for e in answer["configurationKey"]}
                assert "LocalAuthListManagement" in keys["SupportedFeatureProfiles"]["value"]
                assert (not local_keys & set(keys)) if defective else (local_keys <= set(keys))
                asked = await link.csms.act("get_configuration", {"keys": sorted(local_keys)})
                assert set(asked.get("unknownKey", [])) == (local_keys if defective else set())

    run(scenario())


@covers("station", "get-configuration-ignores-key-filter")
def test_get_configuration_ignores_key_filter(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("get-configuration-ignores-key-filter"):
            async with linked(version, station_defects=defects) as link:
                await link.booted()
                asked = await link.csms.act("get_configuration", {"keys": ["HeartbeatInterval"]})
                keys = {e["key"] for e in asked["configurationKey"]}
                assert (len(keys) > 1) if defective else (keys == {"HeartbeatInterval"})

    run(scenario())


@covers("csms", "rejected-accepts-requests")
def test_rejected_accepts_requests(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("rejected-accepts-requests"):
            async with (
                running_csms(version, defects=defects, boot_retry_interval=3600) as csms,
                scripted_station(csms) as station,
            ):
                await csms.act("boot_reject", {})
                boot = await station.call("BootNotification", boot_payload(version))
                assert boot[2]["status"] == "Rejected"
                answer = await station.call("StatusNotification", STATUS_201)
                assert answer[0] == (3 if defective else 4)
                if not defective:
                    assert answer[2] == "SecurityError"

    run(scenario())


@covers("csms", "closes-on-pending")
def test_closes_on_pending(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("closes-on-pending"):
            async with (
                running_csms(version, defects=defects, boot_retry_interval=2) as csms,
                scripted_station(csms) as station,
            ):
                await csms.act("boot_pending", {})
                boot = await station.call("BootNotification", boot_payload(version))
                assert boot[2]["status"] == "Pending"
                if defective:
                    await station.wait_closed()
                    continue
                # open for the whole interval (0.1 s) and beyond: Accepted next
                with pytest.raises(TimeoutError):
                    await station.wait_closed(timeout=0.15)
                again = await station.call("BootNotification", boot_payload(version))
                assert again[2]["status"] == "Accepted"

    run(scenario())


@covers("csms", "pending-never-accepts")
def test_pending_never_accepts(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("pending-never-accepts"):
            async with linked(
                version, csms_defects=defects, start_station=False, boot_retry_interval=2
            ) as link:
                await link.csms.act("boot_pending", {})
                await link.station.start()
                if defective:
                    await link.at_csms.wait_call("BootNotification", count=4)
                    assert {a["status"] for a in _boot_answers(link)} == {"Pending"}
                else:
                    await link.booted()
                    assert [a["status"] for a in _boot_answers(link)] == ["Pending", "Accepted"]

    run(scenario())


@covers("csms", "get-variables-wrong-variable")
def test_get_variables_wrong_variable(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("get-variables-wrong-variable"):
            async with linked(version, csms_defects=defects) as link:
                await link.booted()
                item = {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold"}
                answer = await link.csms.act("get_variables", {"items": [item]})
                sent = link.at_csms.calls("GetVariables", direction="out")[0].payload or {}
                name = sent["getVariableData"][0]["variable"]["name"]
                assert name == ("HeartbeatInterval" if defective else "OfflineThreshold")
                read = (
                    "OCPPCommCtrlr.HeartbeatInterval"
                    if defective
                    else ("OCPPCommCtrlr.OfflineThreshold")
                )
                assert set(answer["values"]) == {read}

    run(scenario())


@covers("csms", "upgrades-without-subprotocol-keeps-open")
def test_upgrades_without_subprotocol_keeps_open(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("upgrades-without-subprotocol-keeps-open"):
            async with running_csms(version, defects=defects) as csms:
                url = f"{csms.url}/RAW1"
                if not defective:
                    with pytest.raises(InvalidStatus):
                        await connect(url, subprotocols=["ocpp0.1"], proxy=None)
                    continue
                ws = await connect(url, subprotocols=["ocpp0.1"], proxy=None)
                assert ws.subprotocol is None
                with pytest.raises(TimeoutError):  # Part 4 §3.2 wants it closed at once
                    async with asyncio.timeout(0.2):
                        await ws.wait_closed()
                await ws.close()

    run(scenario())


def test_every_defect_has_a_proof() -> None:
    """A defect no test exercises could silently stop working."""
    declared = {("station", n) for n in STATION_DEFECTS} | {("csms", n) for n in CSMS_DEFECTS}
    assert declared == COVERED


# -- CSMS defects of the Part 6 §3.18 states (reservation, availability, transactions) ---

VALID = {"idToken": "04A1B2C3D4", "type": "ISO14443"}


def _transaction_event(trigger: str, seq_no: int, *, token: bool = True) -> dict:
    event = {
        "eventType": "Started" if seq_no == 0 else "Updated",
        "timestamp": "2024-01-01T00:00:00Z",
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "TX-1"},
    }
    return {**event, "idToken": VALID} if token else event


@covers("csms", "authorize-rejects-valid-token")
def test_authorize_rejects_valid_token(version: str) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without("authorize-rejects-valid-token"):
            async with (
                running_csms(version, defects=defects) as csms,
                scripted_station(csms) as station,
            ):
                await station.call("BootNotification", boot_payload(version))
                answer = await station.call("Authorize", {"idToken": VALID})
                status = answer[2]["idTokenInfo"]["status"]
                assert status == ("Invalid" if defective else "Accepted")

    run(scenario())


COVERED.update(
    ("csms", name)
    for name in (
        "transaction-event-omits-id-token-info",
        "transaction-event-rejects-valid-token",
        "stop-authorized-omits-id-token-info",
    )
)


@pytest.mark.parametrize(
    ("name", "broken"),
    [
        ("transaction-event-omits-id-token-info", {"Authorized": None, "StopAuthorized": None}),
        (
            "transaction-event-rejects-valid-token",
            {"Authorized": "Invalid", "StopAuthorized": "Invalid"},
        ),
        ("stop-authorized-omits-id-token-info", {"Authorized": "Accepted", "StopAuthorized": None}),
    ],
)
def test_transaction_event_id_token_info(name: str, broken: dict) -> None:
    """Each defect spoils idTokenInfo only where it says; an event without a token gets
    no idTokenInfo either way."""

    async def scenario() -> None:
        for defective, defects in _with_and_without(name):
            async with (
                running_csms("2.0.1", defects=defects) as csms,
                scripted_station(csms) as station,
            ):
                await station.call("BootNotification", boot_payload("2.0.1"))
                for seq_no, trigger in enumerate(("Authorized", "StopAuthorized")):
                    answer = await station.call(
                        "TransactionEvent", _transaction_event(trigger, seq_no)
                    )
                    status = answer[2].get("idTokenInfo", {}).get("status")
                    assert status == (broken[trigger] if defective else "Accepted"), trigger
                bare = _transaction_event("ChargingStateChanged", 2, token=False)
                assert (await station.call("TransactionEvent", bare))[2] == {}

    run(scenario())


COVERED.update(
    ("csms", name)
    for name in (
        "reserve-now-wrong-evse",
        "reserve-now-with-connector-type",
        "reserve-now-wrong-token",
    )
)


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("reserve-now-wrong-evse", {"evseId": 2}),
        ("reserve-now-with-connector-type", {"connectorType": "cType2"}),
        ("reserve-now-wrong-token", {"idToken": {"idToken": "04A1B2C3D0", "type": "ISO14443"}}),
    ],
)
def test_reserve_now(name: str, changed: dict) -> None:
    """reserve_now reserves what it is asked to; each defect changes one field only."""

    async def scenario() -> None:
        for defective, defects in _with_and_without(name):
            async with (
                running_csms("2.0.1", defects=defects) as csms,
                scripted_station(csms) as station,
            ):
                station.answers["ReserveNow"] = {"status": "Accepted"}
                await station.call("BootNotification", boot_payload("2.0.1"))
                answer = await csms.act("reserve_now", {"evse": 1, "token": VALID["idToken"]})
                assert answer == {"status": "Accepted"}
                sent = (await station.wait_received("ReserveNow"))[3]
                assert not validate_payload(OcppVersion.V201, "ReserveNow", sent, response=False)
                wanted = {"evseId": 1, "idToken": VALID} | (changed if defective else {})
                assert {key: sent.get(key) for key in wanted} == wanted
                assert ("connectorType" in sent) == ("connectorType" in wanted)

    run(scenario())


COVERED.update(
    ("csms", name)
    for name in ("change-availability-with-connector", "change-availability-operative")
)


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("change-availability-with-connector", {"evse": {"id": 1, "connectorId": 1}}),
        ("change-availability-operative", {"operationalStatus": "Operative"}),
    ],
)
def test_change_availability_of_an_evse(name: str, changed: dict) -> None:
    async def scenario() -> None:
        for defective, defects in _with_and_without(name):
            async with (
                running_csms("2.0.1", defects=defects) as csms,
                scripted_station(csms) as station,
            ):
                station.answers["ChangeAvailability"] = {"status": "Accepted"}
                await station.call("BootNotification", boot_payload("2.0.1"))
                await csms.act("change_availability", {"evse": 1, "operative": False})
                sent = (await station.wait_received("ChangeAvailability"))[3]
                wanted = {"operationalStatus": "Inoperative", "evse": {"id": 1}}
                assert sent == wanted | (changed if defective else {})

    run(scenario())


@pytest.mark.parametrize(
    ("name", "params", "wanted", "changed"),
    [
        (
            "change-availability-inoperative",
            {"evse": 1, "operative": True},
            {"operationalStatus": "Operative", "evse": {"id": 1}},
            {"operationalStatus": "Inoperative"},
        ),
        (
            "change-availability-station-names-evse",
            {"operative": False},
            {"operationalStatus": "Inoperative"},
            {"evse": {"id": 1}},
        ),
        (
            "change-availability-drops-connector",
            {"evse": 1, "connector": 1, "operative": False},
            {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
            {"evse": {"id": 1}},
        ),
    ],
)
def test_change_availability_of_each_target(
    name: str, params: dict, wanted: dict, changed: dict
) -> None:
    """The whole station, an EVSE or a connector: each defect changes one field only."""

    async def scenario() -> None:
        for defective, defects in _with_and_without(name):
            async with (
                running_csms("2.0.1", defects=defects) as csms,
                scripted_station(csms) as station,
            ):
                station.answers["ChangeAvailability"] = {"status": "Accepted"}
                await station.call("BootNotification", boot_payload("2.0.1"))
                await csms.act("change_availability", params)
                sent = (await station.wait_received("ChangeAvailability"))[3]
                assert sent == wanted | (changed if defective else {})

    run(scenario())
