"""set_station_password on the simulated CSMS (harness.sim.csms_credentials): the new
password opens the next connection, the old one no longer does (2.0.1 A01.FR.03), and
neither the action's answer nor the control API's shows it."""

from __future__ import annotations

import base64
import json

import pytest
from simkit import FAST, post_action, run
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from harness.secrets import Secret
from harness.sim import InvalidParams, SimCsms
from harness.sim.control_api import ControlServer

OLD = "old-Passw0rd-of-CP1"
NEW = "new-Passw0rd-of-CP1"


def _basic(identity: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _status_of(csms: SimCsms, password: str) -> int:
    """101 when CP1 connects with ``password``, else the refusal's HTTP status."""
    try:
        ws = await connect(
            f"{csms.url}/CP1",
            subprotocols=["ocpp2.0.1"],
            additional_headers=_basic("CP1", password),
            proxy=None,
        )
    except InvalidStatus as refused:
        return refused.response.status_code
    await ws.close()
    return 101


@pytest.mark.parametrize("given", [NEW, Secret(NEW)], ids=["str", "Secret"])
def test_the_new_password_opens_the_next_connection_and_the_old_no_longer(
    given: str | Secret,
) -> None:
    async def scenario() -> None:
        csms = SimCsms("2.0.1", timers=FAST, passwords={"CP1": OLD})
        await csms.start()
        try:
            assert await _status_of(csms, OLD) == 101
            result = await csms.act("set_station_password", {"password": given})
            assert result == {"basic_auth": True, "identity": "CP1"}
            assert await _status_of(csms, NEW) == 101
            assert await _status_of(csms, OLD) == 401
        finally:
            await csms.stop()

    run(scenario())


def test_over_the_control_api_the_answer_does_not_echo_the_password() -> None:
    async def scenario() -> None:
        csms = SimCsms("2.0.1", timers=FAST, passwords={"CP1": OLD})
        await csms.start()
        api = ControlServer(csms.act)
        await api.start()
        try:
            status, body = await post_action(api.url, "set_station_password", {"password": NEW})
            assert status == 200, body
            assert NEW not in json.dumps(body)
            assert await _status_of(csms, NEW) == 101
            assert await _status_of(csms, OLD) == 401
            status, body = await post_action(api.url, "set_station_password", {"password": ""})
            assert (status, body["code"]) == (400, "invalid-params")
        finally:
            await api.stop()
            await csms.stop()

    run(scenario())


def test_a_csms_that_checks_no_basic_auth_says_so() -> None:
    csms = SimCsms("2.0.1", timers=FAST)
    assert run(csms.act("set_station_password", {"password": NEW})) == {"basic_auth": False}
    assert csms.passwords is None


def test_a_password_must_be_a_non_empty_string() -> None:
    csms = SimCsms("2.0.1", timers=FAST, passwords={"CP1": OLD})
    for bad in ({}, {"password": ""}, {"password": 12}):
        with pytest.raises(InvalidParams, match="needs password"):
            run(csms.act("set_station_password", bad))
    assert csms.passwords == {"CP1": OLD}


def test_with_several_stations_the_one_named_gets_it() -> None:
    csms = SimCsms("2.0.1", timers=FAST, passwords={"CP1": OLD, "CP2": OLD})
    with pytest.raises(InvalidParams, match="which station"):
        run(csms.act("set_station_password", {"password": NEW}))
    run(csms.act("set_station_password", {"password": NEW, "identity": "CP2"}))
    assert csms.passwords == {"CP1": OLD, "CP2": NEW}
