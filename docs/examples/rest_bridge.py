"""A worked example: a control bridge from ocpp-harness to a CSMS's own REST API.

The harness speaks the control contract of docs/control.md; a CSMS speaks its own API.
This bridge stands between them for an API of the common asynchronous kind: a command
is accepted at once (202, with a job id) and its outcome arrives later as a callback to
a URL the bridge gave. It answers the harness only when the CSMS has sent the request
(or the deadline in the context has passed), and says how far the CSMS got, which the
harness holds against its trace.

The CSMS API this example assumes (adapt the three marked functions to yours):

    POST {api}/stations/{identity}/commands   {"command", "payload", "callback"}
         -> 202 {"job": "..."}; 404 for an unknown station; 409 when it refuses
    POST {callback}                           {"job", "state": "sent" | "answered" |
         "failed", "message_id", "response"}  (the CSMS calls the bridge back)

Run it next to the CSMS:

    python docs/examples/rest_bridge.py --api https://csms.example/api/v1 --port 8480

and give the DUT profile `[control] adapter = "http"`, `url =
"http://127.0.0.1:8480/control"`. Standard library only, so it runs wherever Python 3.11
does; every wait is bounded by the deadline the harness sends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: action of the harness -> (the CSMS API's command, how its payload is made from params)
COMMANDS: dict[str, tuple[str, Any]] = {
    "request_start": (
        "RequestStartTransaction",
        lambda p: {
            "evseId": p.get("evse", 1),
            "idToken": {"idToken": p["token"], "type": p.get("token_type", "ISO14443")},
        },
    ),
    "request_stop": ("RequestStopTransaction", lambda p: {"transactionId": p["transaction_id"]}),
    "reset": ("Reset", lambda p: {"type": p.get("type", "Immediate")}),
    "clear_cache": ("ClearCache", lambda p: {}),
    "trigger_message": ("TriggerMessage", lambda p: {"requestedMessage": p["message"]}),
}


class Jobs:
    """The commands the CSMS accepted and the callbacks that say how they went."""

    def __init__(self) -> None:
        self._done: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()

    def called_back(self, outcome: dict[str, Any]) -> None:
        with self._changed:
            self._done[str(outcome.get("job"))] = outcome
            self._changed.notify_all()

    def wait(self, job: str, seconds: float) -> dict[str, Any] | None:
        """The outcome of ``job``, or None when none came within ``seconds``."""
        with self._changed:
            self._changed.wait_for(lambda: job in self._done, timeout=max(seconds, 0))
            return self._done.pop(job, None)


class Bridge:
    def __init__(self, api: str, callback_base: str) -> None:
        self.api = api.rstrip("/")
        self.callback_base = callback_base
        self.jobs = Jobs()
        self._ids = itertools.count(1)

    # -- the control contract (docs/control.md) ---------------------------------------

    def answer(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        action, params = request.get("action"), request.get("params") or {}
        context = request.get("context") or {}
        if action == "describe":
            return 200, {"ok": True, "result": {"actions": sorted(COMMANDS)}}
        if action not in COMMANDS:
            return 400, _error("cannot-do", f"this bridge has no command for {action!r}")
        command, payload_of = COMMANDS[action]
        try:
            payload = payload_of(params)
        except KeyError as missing:
            return 400, _error("invalid-params", f"{action} needs {missing}")
        status, body = self.send_command(context["identity"], command, payload)
        if status == 404:
            return 400, _error("failed", f"the CSMS does not know station {context['identity']}")
        if status == 409:
            return 200, _error("refused", f"the CSMS refused {command}: {body.get('reason')}")
        if status != 202:
            return 502, _error("failed", f"the CSMS API answered {status}")
        outcome = self.jobs.wait(str(body["job"]), _seconds_until(context.get("deadline")))
        if outcome is None:
            # accepted but not reported sent: the harness waits for the request itself
            # and fails the CSMS (control.queued-never-sent) if it never comes
            return 200, {"ok": True, "progress": "queued", "result": {"job": body["job"]}}
        if outcome.get("state") == "failed":
            return 200, _error("refused", f"the CSMS gave up on {command}")
        answer = {"ok": True, "progress": outcome.get("state", "sent")}
        if outcome.get("message_id"):
            answer["message_id"] = outcome["message_id"]
        answer["result"] = outcome.get("response") or {}
        return 200, answer

    # -- the CSMS's API: adapt these to yours -----------------------------------------

    def send_command(
        self, identity: str, command: str, payload: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Ask the CSMS to send ``command`` to the station ``identity``."""
        callback = f"{self.callback_base}/callback/{next(self._ids)}"
        body = json.dumps({"command": command, "payload": payload, "callback": callback})
        request = urllib.request.Request(
            f"{self.api}/stations/{identity}/commands",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")


def _error(code: str, words: str) -> dict[str, Any]:
    return {"ok": False, "code": code, "error": words}


def _seconds_until(deadline: str | None) -> float:
    if not deadline:
        return 30.0
    when = dt.datetime.fromisoformat(deadline.replace("Z", "+00:00"))
    return (when - dt.datetime.now(dt.UTC)).total_seconds()


def serve(bridge: Bridge, host: str, port: int) -> ThreadingHTTPServer:
    """The bridge's HTTP server: ``POST /control`` (the harness), ``POST /callback/..``
    (the CSMS). The caller runs ``serve_forever`` (or a thread of it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(400, _error("bad-request", "body is not JSON"))
                return
            if self.path == "/control":
                self._send(*bridge.answer(body))
            elif self.path.startswith("/callback/"):
                bridge.jobs.called_back(body)
                self._send(200, {})
            else:
                self._send(404, _error("bad-request", f"no such endpoint {self.path}"))

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True, help="the CSMS REST API's base URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8480)
    args = parser.parse_args()
    bridge = Bridge(args.api, f"http://{args.host}:{args.port}")
    serve(bridge, args.host, args.port).serve_forever()


if __name__ == "__main__":
    main()
