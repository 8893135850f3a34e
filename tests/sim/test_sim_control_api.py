"""The HTTP control endpoint: round trips, status codes, and driving both simulators."""

from __future__ import annotations

import pytest
from simkit import http, linked, post_action, run

from harness.sim import ControlServer, InvalidParams


def test_round_trip_and_error_statuses() -> None:
    calls: list[tuple[str, dict]] = []

    async def act(action: str, params: dict) -> dict:
        calls.append((action, params))
        if action == "boom":
            raise RuntimeError("relay stuck")
        if action == "bad":
            raise InvalidParams("evse must be a number")
        if action == "unknown":
            from harness.sim import UnsupportedAction

            raise UnsupportedAction(action)
        return {"echo": params}

    async def scenario() -> None:
        server = ControlServer(act)
        port = await server.start()
        try:
            assert server.url == f"http://127.0.0.1:{port}/control"
            assert await post_action(server.url, "plug_in", {"evse": 1}) == (
                200,
                {"ok": True, "result": {"echo": {"evse": 1}}},
            )
            status, body = await post_action(server.url, "boom")
            assert status == 500 and body == {
                "ok": False,
                "code": "failed",
                "error": "RuntimeError: relay stuck",
            }
            status, body = await post_action(server.url, "bad")
            assert (status, body["code"]) == (400, "invalid-params")
            status, body = await post_action(server.url, "unknown")
            assert (status, body["code"]) == (400, "cannot-do")
            assert "unsupported action" in body["error"]
            status, body = await http(server.url, body=b"{not json")
            assert (status, body["code"]) == (400, "bad-request")
            assert (await http(server.url, body=b'{"params": {}}'))[0] == 400
            assert (await http(server.url, body=b'{"action": "x", "params": []}'))[0] == 400
            assert (await http(server.url, method="GET"))[0] == 405
            assert (await http(server.url.replace("/control", "/other")))[0] == 404
            assert [c[0] for c in calls] == ["plug_in", "boom", "bad", "unknown"]
        finally:
            await server.stop()

    run(scenario())


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_drives_station_and_csms_over_http(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, heartbeat_interval=3600) as link:
            station_api, csms_api = ControlServer(link.station.act), ControlServer(link.csms.act)
            await station_api.start()
            await csms_api.start()
            try:
                await link.booted()
                status, body = await post_action(station_api.url, "plug_in", {"evse": 1})
                assert status == 200 and body["result"]["evse"] == 1
                status, body = await post_action(csms_api.url, "request_start", {"evse": 1})
                assert (status, body["result"]) == (200, {"status": "Accepted"})
                status, body = await post_action(csms_api.url, "state")
                assert body["result"]["stations"][0]["boot_status"] == "Accepted"
                # A failing action is a 500 with the reason: a 1.6 station offline
                # cannot authorize; a 2.0.1 one decides alone (here: the token that
                # started the remote session stops it).
                await post_action(station_api.url, "network_down")
                status, body = await post_action(station_api.url, "present_token")
                if version == "1.6":
                    assert status == 500 and "NotConnected" in body["error"]
                else:
                    assert status == 200 and body["result"]["transaction"] == "stopped"
            finally:
                await station_api.stop()
                await csms_api.stop()

    run(scenario())
