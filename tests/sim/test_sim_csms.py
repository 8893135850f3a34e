"""The simulated CSMS on its own: handshake checks, auth, Pending/Rejected refusals,
minimal answers, and action errors. A raw websockets client plays the station."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from simkit import FAST, linked, run
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from harness.ocppj import OcppVersion, validate_payload
from harness.sim import InvalidParams, NotConnected, SimCsms, UnsupportedAction


def _basic(identity: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _call(ws: ClientConnection, message_id: str, action: str, payload: dict) -> list:
    await ws.send(json.dumps([2, message_id, action, payload]))
    async with asyncio.timeout(2):
        return json.loads(await ws.recv())


BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}


def test_subprotocol_negotiation() -> None:
    async def scenario() -> None:
        csms = SimCsms("2.0.1", timers=FAST)
        await csms.start()
        try:
            url = f"{csms.url}/CP1"
            for offered in (["ocpp0.1"], None, ["ocpp1.6"]):
                with pytest.raises(InvalidStatus) as refused:
                    await connect(url, subprotocols=offered, proxy=None)
                assert refused.value.response.status_code == 400
            ws = await connect(url, subprotocols=["ocpp0.1", "ocpp2.0.1"], proxy=None)
            assert ws.subprotocol == "ocpp2.0.1"  # TC_B_58_CSMS
            await ws.close()
            assert [r.status for r in csms.refusals] == [400, 400, 400]
            assert "offered none" in csms.refusals[1].reason
        finally:
            await csms.stop()

    run(scenario())


def test_unknown_path_is_404() -> None:
    async def scenario() -> None:
        csms = SimCsms("1.6", timers=FAST, path="/ocpp")
        await csms.start()
        try:
            for path in ("/other/CP1", "/ocpp/", "/ocpp/a/b"):
                url = f"ws://127.0.0.1:{csms.port}{path}"
                with pytest.raises(InvalidStatus) as refused:
                    await connect(url, subprotocols=["ocpp1.6"], proxy=None)
                assert refused.value.response.status_code == 404
        finally:
            await csms.stop()

    run(scenario())


def test_basic_auth() -> None:
    async def scenario() -> None:
        csms = SimCsms("2.0.1", timers=FAST, passwords={"CP1": "s3cret-password-1"})
        await csms.start()
        try:
            url = f"{csms.url}/CP1"
            cases = [
                (None, 401),
                (_basic("CP1", "wrong"), 401),
                (_basic("CP2", "s3cret-password-1"), 401),
                ({"Authorization": "Basic !!!"}, 401),
            ]
            for headers, status in cases:
                with pytest.raises(InvalidStatus) as refused:
                    await connect(
                        url, subprotocols=["ocpp2.0.1"], additional_headers=headers, proxy=None
                    )
                assert refused.value.response.status_code == status
            assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")
            with pytest.raises(InvalidStatus) as unknown:
                await connect(f"{csms.url}/CP9", subprotocols=["ocpp2.0.1"], proxy=None)
            assert unknown.value.response.status_code == 404
            ws = await connect(
                url,
                subprotocols=["ocpp2.0.1"],
                additional_headers=_basic("CP1", "s3cret-password-1"),
                proxy=None,
            )
            await ws.close()
        finally:
            await csms.stop()

    run(scenario())


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_station_with_password_boots(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, start_station=False, password="s3cret-password-1") as link:
            link.csms.passwords = {"CP1": "s3cret-password-1"}
            await link.station.start()
            await link.booted()
            assert link.csms.refusals == []

    run(scenario())


@pytest.mark.parametrize("mode", ["Pending", "Rejected"])
def test_refuses_other_calls_until_accepted(mode: str) -> None:
    async def scenario() -> None:
        csms = SimCsms("2.0.1", timers=FAST)
        csms.boot_mode = mode
        await csms.start()
        try:
            async with connect(f"{csms.url}/CP1", subprotocols=["ocpp2.0.1"], proxy=None) as ws:
                boot = await _call(ws, "1", "BootNotification", BOOT_201)
                assert boot[0] == 3 and boot[2]["status"] == mode
                assert not validate_payload(
                    OcppVersion.V201, "BootNotification", boot[2], response=True
                )
                refused = await _call(ws, "2", "Heartbeat", {})
                assert refused[:3] == [4, "2", "SecurityError"]  # B02.FR.09 / B03
                csms.boot_mode = "Accepted"
                assert (await _call(ws, "3", "BootNotification", BOOT_201))[2]["status"] == (
                    "Accepted"
                )
                assert (await _call(ws, "4", "Heartbeat", {}))[0] == 3
        finally:
            await csms.stop()

    run(scenario())


def test_minimal_answers_are_schema_valid() -> None:
    async def scenario() -> None:
        csms = SimCsms("2.0.1", timers=FAST)
        await csms.start()
        try:
            async with connect(f"{csms.url}/CP1", subprotocols=["ocpp2.0.1"], proxy=None) as ws:
                await _call(ws, "1", "BootNotification", BOOT_201)
                requests = {
                    "SecurityEventNotification": {"type": "X", "timestamp": "2024-01-01T00:00:00Z"},
                    "Authorize": {"idToken": {"idToken": "AB", "type": "ISO14443"}},
                    "DataTransfer": {"vendorId": "x"},
                    "NotifyEvent": {
                        "generatedAt": "2024-01-01T00:00:00Z",
                        "seqNo": 0,
                        "eventData": [
                            {
                                "eventId": 1,
                                "timestamp": "2024-01-01T00:00:00Z",
                                "trigger": "Alerting",
                                "actualValue": "1",
                                "eventNotificationType": "HardWiredNotification",
                                "component": {"name": "X"},
                                "variable": {"name": "Y"},
                            }
                        ],
                    },
                }
                for n, (action, payload) in enumerate(requests.items()):
                    answer = await _call(ws, f"m{n}", action, payload)
                    assert answer[0] == 3, answer
                    assert not validate_payload(OcppVersion.V201, action, answer[2], response=True)
                unknown = await _call(ws, "u", "Teleport", {})
                assert unknown[:3] == [4, "u", "NotImplemented"]
                invalid = await _call(ws, "v", "Heartbeat", {"extra": 1})
                assert invalid[:3] == [4, "v", "FormatViolation"]
        finally:
            await csms.stop()

    run(scenario())


def test_v16_transaction_ids_increment() -> None:
    async def scenario() -> None:
        csms = SimCsms("1.6", timers=FAST)
        await csms.start()
        try:
            async with connect(f"{csms.url}/CP1", subprotocols=["ocpp1.6"], proxy=None) as ws:
                boot = {"chargePointVendor": "V", "chargePointModel": "M"}
                await _call(ws, "1", "BootNotification", boot)
                start = {
                    "connectorId": 1,
                    "idTag": "AB",
                    "meterStart": 0,
                    "timestamp": "2024-01-01T00:00:00Z",
                }
                first = await _call(ws, "2", "StartTransaction", start)
                second = await _call(ws, "3", "StartTransaction", start)
                assert second[2]["transactionId"] == first[2]["transactionId"] + 1
                assert first[2]["idTagInfo"] == {"status": "Accepted"}
        finally:
            await csms.stop()

    run(scenario())


def test_action_errors() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", start_station=False) as link:
            with pytest.raises(NotConnected):
                await link.csms.act("reset", {})
            with pytest.raises(UnsupportedAction):
                await link.csms.act("teleport", {})
            with pytest.raises(UnsupportedAction):
                await link.csms.act("get_configuration", {})  # 1.6 only
            await link.station.start()
            await link.booted()
            with pytest.raises(InvalidParams):
                await link.csms.act("request_stop", {})  # no transaction yet
            with pytest.raises(InvalidParams):
                await link.csms.act("get_variables", {"items": []})
            with pytest.raises(NotConnected):
                await link.csms.act("reset", {"identity": "NOPE"})
            planned = await link.csms.act("boot_pending", {"interval": 5})
            assert planned == {"boot_mode": "Accepted", "next_boot": "Pending"}
            state = await link.csms.act("state", {})
            assert state["next_boot"] == "Pending" and state["stations"][0]["identity"] == "CP1"
            with pytest.raises(InvalidParams):
                await link.csms.act("boot_reject", {"interval": "soon"})
            sticky = await link.csms.act("boot_reject", {"sticky": True})
            assert sticky == {"boot_mode": "Rejected", "next_boot": "Pending"}
            assert await link.csms.act("boot_accept", {}) == {
                "boot_mode": "Accepted",
                "next_boot": None,
            }

    run(scenario())


def test_provisioned_tokens_are_answered_with_their_status() -> None:
    """provision_tokens (the control vocabulary's provisioning of a CSMS): a token the
    lab made known gets the status it was given, in Authorize as in TransactionEvent."""
    import asyncio

    from harness.ocppj import OcppVersion
    from harness.sim import SimCsms
    from harness.sim.csms_tokens import token_info
    from harness.sim.errors import InvalidParams

    csms = SimCsms(OcppVersion.V201, port=0)
    result = asyncio.run(
        csms.act("provision_tokens", {"tokens": [{"token": "LAB-7", "status": "Blocked"}]})
    )
    assert result == {"provisioned": {"LAB-7": "Blocked"}}
    assert token_info(csms, {"idToken": "LAB-7", "type": "ISO14443"})["status"] == "Blocked"
    assert token_info(csms, {"idToken": "OTHER", "type": "ISO14443"})["status"] == "Accepted"
    try:
        asyncio.run(csms.act("provision_tokens", {"tokens": [{"token": "X", "status": "Maybe"}]}))
    except InvalidParams as refused:
        assert "'Maybe' is not an authorization status" in str(refused)
    else:
        raise AssertionError("a status outside the enum was taken")
    assert asyncio.run(csms.act("register_station", {})) == {}
