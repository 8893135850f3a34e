"""HttpAdapter against the simulators' own control API (ControlServer) on loopback."""

from __future__ import annotations

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
    all_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """The actions asked for (the adapter asks the service to describe itself first)."""
        return [call for call in self.all_calls if call[0] != "describe"]


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


def test_posts_action_and_params_and_returns_the_result(service: Service) -> None:
    records: list[str] = []
    adapter = HttpAdapter(service.url, 5, record=records.append)
    params = {"evse": 1, "connector": 2}
    assert adapter.act("plug_in", params) == {"done": "plug_in", "echo": params}
    assert adapter.act("reboot", {}) == {"done": "reboot", "echo": {}}
    assert service.calls == [("plug_in", params), ("reboot", {})]
    # the trace has each request and the service's answer to it
    assert records == [
        "http control: plug_in {'evse': 1, 'connector': 2}",
        'http control answered plug_in: {"ok": true, "result": {"done": "plug_in", "echo": '
        '{"evse": 1, "connector": 2}}}',
        "http control: reboot {}",
        'http control answered reboot: {"ok": true, "result": {"done": "reboot", "echo": {}}}',
    ]


def test_action_the_service_cannot_do_skips(service: Service) -> None:
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(pytest.skip.Exception) as info:
        adapter.act("dance", {})
    assert str(info.value) == (
        f"control service at {service.url} cannot do 'dance': cannot-do: unsupported action 'dance'"
    )


def test_bad_params_are_a_setup_error(service: Service) -> None:
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("plug_in", {})
    assert str(info.value) == (
        f"control service at {service.url} answered HTTP 400 to 'plug_in': "
        "invalid-params: plug_in needs evse"
    )
    assert info.value.rule == "setup"


def test_failed_action_names_url_and_status(service: Service) -> None:
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(HarnessError) as info:
        adapter.act("fault", {"evse": 1})
    assert str(info.value) == (
        f"control service at {service.url} answered HTTP 500 to 'fault': "
        "failed: RuntimeError: relay stuck"
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


@pytest.fixture
def lab_service() -> Iterator[str]:
    """A lab service of someone else's making: its own words, the protocol's codes."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answers = {
        # cannot do, worded in the lab's own language
        "unplug": (400, {"ok": False, "code": "cannot-do", "error": "Aktion nicht verdrahtet"}),
        # words that read like "cannot do", but the code says the action failed
        "reboot": (500, {"ok": False, "code": "failed", "error": "unknown action state"}),
        # no code at all: an error, whatever the text says
        "plug_in": (400, {"ok": False, "error": "unsupported action plug_in"}),
        # an error in a 200 answer: not done, whatever the status says
        "park": (200, {"ok": False, "code": "cannot-do", "error": "no bay sensor"}),
        "fault": (200, {"ok": False, "code": "failed", "error": "relay stuck"}),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            action = json.loads(self.rfile.read(length))["action"]
            status, body = answers[action]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/control"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_code_decides_a_skip_not_the_words(lab_service: str) -> None:
    adapter = HttpAdapter(lab_service, 5)
    with pytest.raises(pytest.skip.Exception) as skipped:
        adapter.act("unplug", {"evse": 1})
    assert "cannot do 'unplug': cannot-do: Aktion nicht verdrahtet" in str(skipped.value)
    words = {
        "reboot": "HTTP 500 to 'reboot': failed: unknown action state",
        "plug_in": "HTTP 400 to 'plug_in': unsupported action plug_in",
    }
    for action, shown in words.items():
        with pytest.raises(HarnessError) as error:
            adapter.act(action, {})
        assert error.value.rule == "setup"
        assert shown in str(error.value)


def test_an_error_in_a_200_answer_is_no_success(lab_service: str) -> None:
    """{"ok": false} says the action was not done, whatever the HTTP status: before, a
    200 with it was taken as done and the case went on as if the step had happened."""
    adapter = HttpAdapter(lab_service, 5)
    with pytest.raises(pytest.skip.Exception) as skipped:
        adapter.act("park", {"evse": 1})
    assert "cannot do 'park': cannot-do: no bay sensor" in str(skipped.value)
    with pytest.raises(HarnessError) as error:
        adapter.act("fault", {"evse": 1})
    assert "answered HTTP 200 to 'fault': failed: relay stuck" in str(error.value)
