"""The control contract grown for real CSMSs (issue 12): the context and headers every
request carries, describe and the case hooks, and the service's word on how far the
CSMS got, held against the trace. A case runs against a simulated CSMS on loopback,
driven through a control service of the test's own making."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness.control.http import HttpAdapter, Progress
from harness.ocppj import OcppVersion
from harness.sim import SimCsms
from harness.verdicts import DutFailure, HarnessError
from tests.helpers import case_verdicts, pytester_outputs, pytester_run, write_profile

CASE = """
from harness import testcase
from harness.states import csms as states


@testcase("TC_X_01_CSMS", "a remote start", ocpp="2.0.1", dut_kind="csms")
def test_remote_start(station, dut):
    states.booted(station, dut)
    station.step(1, "the CSMS is made to start a transaction")
    dut.act("request_start", evse=1, token="T-1")
    station.expect("RequestStartTransaction", rule="expect:RequestStartTransaction")
"""

SECRET_KEY = "k3y-0f-the-lab-api"


@dataclass
class Service:
    """A control service in front of a simulated CSMS; ``mode`` says what it answers."""

    url: str
    mode: str = "answered"
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def csms_and_service() -> Iterator[tuple[SimCsms, Service]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    csms = SimCsms(OcppVersion.V201, port=0)
    asyncio.run_coroutine_threadsafe(csms.start(), loop).result(10)
    service = Service("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            service.requests.append(request)
            service.headers.append(dict(self.headers))
            action = request["action"]
            if action == "describe":
                actions = [
                    "request_start",
                    "set_station_password",
                    "boot_accept",
                    "case_start",
                    "case_end",
                ]
                self._send({"ok": True, "result": {"actions": actions}})
            elif action in ("case_start", "case_end", "boot_accept"):
                self._send({"ok": True, "result": {}})
            elif service.mode == "queued":
                self._send({"ok": True, "progress": "queued", "result": {}})
            elif service.mode == "refused":
                self._send({"ok": False, "code": "refused", "error": "station is blocked"})
            elif service.mode == "echo":
                # a careless service: says back what it was sent
                self._send({"ok": True, "result": {"got": request["params"]}})
            elif service.mode == "echo-error":
                error = f"cannot take {request['params']}"
                self._send({"ok": False, "code": "failed", "error": error})
            else:
                done = asyncio.run_coroutine_threadsafe(csms.act(action, request["params"]), loop)
                answer: dict[str, Any] = {
                    "ok": True,
                    "progress": "answered",
                    "result": done.result(10),
                }
                if service.mode == "another-id":
                    answer["message_id"] = "an-id-nobody-sent"
                self._send(answer)

        def _send(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}/control"
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield csms, service
    finally:
        server.shutdown()
        server.server_close()
        asyncio.run_coroutine_threadsafe(csms.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _run(pytester: pytest.Pytester, tmp_path: Path, csms: SimCsms, service: Service) -> Any:
    """The run's report.json."""
    _, report = _run_case(pytester, tmp_path, csms, service, CASE)
    return report


def _run_case(
    pytester: pytest.Pytester, tmp_path: Path, csms: SimCsms, service: Service, case: str
) -> tuple[Any, Any]:
    """(pytester's result, report.json) of a run of ``case`` through the service."""
    profile = write_profile(
        tmp_path,
        f"""
        [dut]
        kind = "csms"
        ocpp = "2.0.1"
        identity = "BRIDGED-1"

        [connect]
        url = "{csms.url}"
        spacing = 0

        [timeouts]
        connect = 5
        response = 2
        operator = 10

        [control]
        adapter = "http"
        url = "{service.url}"

        [control.headers]
        X-Api-Key = "env:LAB_API_KEY"

        [control.context]
        tenant = "lab-3"
        """,
    )
    run = pytester_run(pytester, case, in_process=True)
    return run("--dut", str(profile))


@pytest.fixture(autouse=True)
def _lab_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_API_KEY", SECRET_KEY)


def test_every_request_carries_the_context_and_the_headers(
    pytester: pytest.Pytester, tmp_path: Path, csms_and_service: tuple[SimCsms, Service]
) -> None:
    csms, service = csms_and_service
    report = _run(pytester, tmp_path, csms, service)
    verdict, rule, reason = case_verdicts(report)["TC_X_01_CSMS"]
    assert verdict == "passed", reason
    actions = [r["action"] for r in service.requests]
    assert actions == ["describe", "case_start", "request_start", "case_end"]
    [start] = [r for r in service.requests if r["action"] == "request_start"]
    assert start["params"] == {"evse": 1, "token": "T-1"}
    context = start["context"]
    assert context["identity"] == "BRIDGED-1" and context["ocpp"] == "2.0.1"
    assert context["case"] == "TC_X_01_CSMS" and context["step"] == "1"
    assert context["tenant"] == "lab-3" and context["deadline"].endswith("Z")
    assert {h["X-Api-Key"] for h in service.headers} == {SECRET_KEY}
    # the key is a secret: neither the profile in the report nor the trace shows it
    assert SECRET_KEY not in json.dumps(report)
    # the service's answer is in the trace
    events = json.dumps(report["cases"][0]["trace"])
    assert "http control answered request_start" in events


PASSWORD = "Fresh-Station-Passw0rd-42"

PASSWORD_CASE = f"""
from harness import testcase
from harness.states import csms as states


@testcase("TC_X_02_CSMS", "a password change", ocpp="2.0.1", dut_kind="csms")
def test_password(station, dut):
    states.booted(station, dut)
    station.step(1, "the CSMS is given the station's new password")
    dut.act("set_station_password", password="{PASSWORD}")
"""


@pytest.mark.parametrize("mode", ["answered", "echo"])
def test_a_password_reaches_the_service_and_no_report_trace_or_output(
    pytester: pytest.Pytester,
    tmp_path: Path,
    csms_and_service: tuple[SimCsms, Service],
    mode: str,
) -> None:
    """The request body is the one place the password goes, even when the service says
    it back in its answer (the answer is in the trace)."""
    csms, service = csms_and_service
    service.mode = mode
    result, report = _run_case(pytester, tmp_path, csms, service, PASSWORD_CASE)
    verdict, rule, reason = case_verdicts(report)["TC_X_02_CSMS"]
    assert verdict == "passed", reason
    [asked] = [r for r in service.requests if r["action"] == "set_station_password"]
    assert asked["params"] == {"password": PASSWORD}
    for name, text in pytester_outputs(pytester, result).items():
        assert PASSWORD not in text, f"the password leaked into {name}"
    trace = json.dumps(report["cases"][0]["trace"])
    assert "set_station_password {'password': ***}" in trace
    assert "http control: set_station_password {'password': ***}" in trace


def test_the_adapter_masks_a_plain_password_it_is_given_directly(
    csms_and_service: tuple[SimCsms, Service],
) -> None:
    """Not through ``Dut.act``: the adapter wraps the password itself before recording."""
    _, service = csms_and_service
    service.mode = "echo"
    records: list[str] = []
    adapter = HttpAdapter(service.url, 5, record=records.append)
    assert adapter.act("set_station_password", {"password": PASSWORD}) == {
        "got": {"password": PASSWORD}
    }
    [asked] = [r for r in service.requests if r["action"] == "set_station_password"]
    assert asked["params"] == {"password": PASSWORD}
    assert "http control: set_station_password {'password': ***}" in records
    assert not [r for r in records if PASSWORD in r], records


def test_a_service_error_that_echoes_the_password_is_scrubbed(
    pytester: pytest.Pytester, tmp_path: Path, csms_and_service: tuple[SimCsms, Service]
) -> None:
    csms, service = csms_and_service
    service.mode = "echo-error"
    result, report = _run_case(pytester, tmp_path, csms, service, PASSWORD_CASE)
    verdict, rule, reason = case_verdicts(report)["TC_X_02_CSMS"]
    assert verdict == "error", reason
    assert "failed: cannot take {'password': '***'}" in reason
    for name, text in pytester_outputs(pytester, result).items():
        assert PASSWORD not in text, f"the password leaked into {name}"


def test_a_request_queued_and_never_sent_fails_the_csms(
    pytester: pytest.Pytester, tmp_path: Path, csms_and_service: tuple[SimCsms, Service]
) -> None:
    csms, service = csms_and_service
    service.mode = "queued"
    report = _run(pytester, tmp_path, csms, service)
    verdict, rule, reason = case_verdicts(report)["TC_X_01_CSMS"]
    assert (verdict, rule) == ("failed", "control.queued-never-sent"), reason
    assert "queued the request of 'request_start'" in reason


def test_a_request_said_sent_that_never_arrived_fails_the_csms(
    pytester: pytest.Pytester, tmp_path: Path, csms_and_service: tuple[SimCsms, Service]
) -> None:
    csms, service = csms_and_service
    service.mode = "another-id"
    report = _run(pytester, tmp_path, csms, service)
    verdict, rule, reason = case_verdicts(report)["TC_X_01_CSMS"]
    assert (verdict, rule) == ("failed", "control.sent-not-received"), reason
    assert "an-id-nobody-sent" in reason


def test_a_refused_action_fails_the_csms(
    pytester: pytest.Pytester, tmp_path: Path, csms_and_service: tuple[SimCsms, Service]
) -> None:
    csms, service = csms_and_service
    service.mode = "refused"
    report = _run(pytester, tmp_path, csms, service)
    verdict, rule, reason = case_verdicts(report)["TC_X_01_CSMS"]
    assert (verdict, rule) == ("failed", "control.refused"), reason
    assert "station is blocked" in reason


def test_an_action_the_service_does_not_describe_skips(
    csms_and_service: tuple[SimCsms, Service],
) -> None:
    _, service = csms_and_service
    adapter = HttpAdapter(service.url, 5)
    with pytest.raises(pytest.skip.Exception) as skipped:
        adapter.act("clear_cache", {})
    assert "does not offer 'clear_cache'" in str(skipped.value)
    assert [r["action"] for r in service.requests] == ["describe"]


def test_a_service_that_is_down_fails_every_action_at_once(dead_url: str) -> None:
    first = HttpAdapter(dead_url, 5)
    with pytest.raises(HarnessError) as one:
        first.act("reboot", {})
    # the next case's adapter does not try again: the run knows the service is down
    again = HttpAdapter(dead_url, 5)
    with pytest.raises(HarnessError) as two:
        again.act("plug_in", {})
    assert str(one.value).startswith(f"control service at {dead_url} unreachable for 'reboot'")
    assert str(two.value).startswith(f"control service at {dead_url} unreachable for 'plug_in'")


def test_progress_is_read_from_the_answer() -> None:
    assert Progress.of({"progress": "sent", "message_id": "m-1"}) == Progress("sent", "m-1")
    assert Progress.of({"result": {}}) == Progress(None)
    assert Progress.of({"progress": 3, "message_id": 7}) == Progress(None, "7")


def test_the_bridge_example_speaks_the_contract() -> None:
    """docs/examples/rest_bridge.py against a CSMS API of the test's making: an accepted
    command the CSMS reports sent, one it refuses, one it never reports."""
    import importlib.util

    from tests.helpers import ROOT

    spec = importlib.util.spec_from_file_location(
        "rest_bridge", ROOT / "docs" / "examples" / "rest_bridge.py"
    )
    assert spec is not None and spec.loader is not None
    bridge_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bridge_module)

    behaviour = {"mode": "sent"}
    bridge_holder: list[Any] = []

    class Api(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if behaviour["mode"] == "refuse":
                self._send(409, {"reason": "station blocked"})
                return
            assert body["command"] == "RequestStartTransaction"
            if behaviour["mode"] == "sent":
                # the callback may overtake the 202 (the deadline has passed: the bridge
                # takes only an outcome that is already in, which keeps this test exact)
                outcome = {"job": "job-1", "state": "sent", "message_id": "m-77"}
                bridge_holder[0].jobs.called_back(outcome)
            self._send(202, {"job": "job-1"})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    bridge = bridge_module.Bridge(f"http://127.0.0.1:{api.server_address[1]}", "http://unused")
    bridge_holder.append(bridge)
    server = bridge_module.serve(bridge, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/control"
    soon = {"identity": "CS-1", "deadline": "2000-01-01T00:00:00Z"}  # already passed
    try:
        adapter = HttpAdapter(url, 5, context=lambda: dict(soon))
        adapter.act("request_start", {"token": "T-1"})
        assert adapter.last_progress == Progress("sent", "m-77")
        behaviour["mode"] = "silent"
        adapter.act("request_start", {"token": "T-1"})
        assert adapter.last_progress == Progress("queued")
        behaviour["mode"] = "refuse"
        with pytest.raises(DutFailure) as refused:
            adapter.act("request_start", {"token": "T-1"})
        assert refused.value.rule == "control.refused"
        with pytest.raises(pytest.skip.Exception):
            adapter.act("plug_in", {})
    finally:
        server.shutdown()
        api.shutdown()
        server.server_close()
        api.server_close()
