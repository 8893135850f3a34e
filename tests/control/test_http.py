"""HttpAdapter against the simulators' own control API (ControlServer) on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.control.adapters import HttpAdapter
from harness.loop import BackgroundLoop
from harness.sim import ControlServer, InvalidParams, UnsupportedAction
from harness.verdicts import HarnessError


@dataclass
class Service:
    url: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def service() -> Iterator[Service]:
    loop = BackgroundLoop()
    calls: list[tuple[str, dict[str, Any]]] = []

    async def act(action: str, params: dict[str, Any]) -> dict[str, Any]:
        calls.append((action, params))
        if action == "fault":
            raise RuntimeError("relay stuck")
        if action == "plug_in" and "evse" not in params:
            raise InvalidParams("plug_in needs evse")
        if action not in ("plug_in", "reboot"):
            raise UnsupportedAction(action)
        return {"done": action, "echo": params}

    server = ControlServer(act, host="127.0.0.1", port=0)
    try:
        loop.run(server.start(), 5)
        yield Service(server.url, calls)
    finally:
        loop.run(server.stop(), 5)
        loop.close()


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A loopback port that refuses connections: bound (so nobody else gets it), no listen."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/control"


def test_posts_action_and_params_and_returns_the_result(service: Service) -> None:
    records: list[str] = []
    adapter = HttpAdapter(service.url, 5, record=records.append)
    params = {"evse": 1, "connector": 2}
    assert adapter.act("plug_in", params) == {"done": "plug_in", "echo": params}
    assert adapter.act("reboot", {}) == {"done": "reboot", "echo": {}}
    assert service.calls == [("plug_in", params), ("reboot", {})]
    assert records == [
        "http control: plug_in {'evse': 1, 'connector': 2}",
        "http control: reboot {}",
    ]


def test_action_the_service_cannot_do_skips(service: Service) -> None:
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(pytest.skip.Exception) as info:
        adapter.act("dance", {})
    assert str(info.value) == f"control service at {service.url} cannot do 'dance'"


def test_bad_params_are_a_setup_error(service: Service) -> None:
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("plug_in", {})
    assert str(info.value) == (
        f"control service at {service.url} answered HTTP 400 to 'plug_in': "
        '{"ok": false, "error": "plug_in needs evse"}'
    )
    assert info.value.rule == "setup"


def test_failed_action_names_url_and_status(service: Service) -> None:
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("fault", {"evse": 1})
    assert str(info.value) == (
        f"control service at {service.url} answered HTTP 500 to 'fault': "
        '{"ok": false, "error": "RuntimeError: relay stuck"}'
    )
    assert info.value.rule == "setup"


def test_unreachable_service(dead_url: str) -> None:
    adapter = HttpAdapter(dead_url, 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("reboot", {})
    assert str(info.value).startswith(f"control service at {dead_url} unreachable for 'reboot': ")
    assert "refused" in str(info.value).lower()
    assert info.value.rule == "setup"


def test_proxy_environment_is_ignored(
    service: Service, dead_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = dead_url.removesuffix("/control")
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    adapter = HttpAdapter(service.url, 5)
    assert adapter.act("reboot", {}) == {"done": "reboot", "echo": {}}
    assert service.calls == [("reboot", {})]
