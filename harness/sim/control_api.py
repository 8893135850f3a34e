"""A tiny HTTP control endpoint: ``POST /control`` drives a simulator from another process.

This is how a simulator started with ``ocpp-harness sim ...`` is driven like a lab
device (the ``http`` control adapter of DESIGN §7). Stdlib only (``asyncio.start_server``):
one request per connection, ``Connection: close``, every read bounded by a timeout, and
bound to 127.0.0.1 by default because it has no authentication.

Request body ``{"action": "...", "params": {...}, "context": {...}}`` (the context is
not needed by a simulator). ``describe`` lists the simulator's actions and the hooks
``case_start``/``case_end`` (no-ops here); an action that makes the CSMS send answers
with ``progress: "answered"``. Answers, in the protocol of
:mod:`harness.control.protocol`: 200 ``{"ok": true, "result": {...}}``; 400 ``{"ok":
false, "code": ..., "error": ...}`` with code ``cannot-do`` for an action this simulator
has no vocabulary entry for, ``invalid-params`` for bad parameters, ``bad-request`` for
a body that is not the request; 500 ``failed`` when the action failed; 404/405
``bad-request`` otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from harness.control.http import HOOKS
from harness.control.protocol import ControlCode, error_body
from harness.sim.errors import InvalidParams, UnsupportedAction

__all__ = ["ControlServer"]

log = logging.getLogger(__name__)

Act = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]

_MAX_BODY = 1 << 20
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


class ControlServer:
    """Serves ``POST /control`` for one simulator's ``act()``."""

    def __init__(
        self,
        act: Act,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout: float = 10,
        actions: Callable[[], Iterable[str]] | None = None,
        sends: Callable[[str], bool] | None = None,
    ) -> None:
        self._act = act
        #: the actions the simulator offers (``describe`` lists them with the hooks)
        self._actions = actions
        #: whether an action makes the simulated CSMS send a request: its answer then
        #: says it was answered (``progress``), which the harness checks
        self._sends = sends
        self.host = host
        self.port = port
        self.read_timeout = read_timeout
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/control"

    async def start(self) -> int:
        """Listen; returns the bound port (useful with ``port=0``)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            try:
                async with asyncio.timeout(5):
                    await server.wait_closed()
            except TimeoutError:
                log.warning("control API: connections did not close within 5 s")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(self.read_timeout):
                parsed = await self._request(reader)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
            parsed = (
                400,
                error_body(ControlCode.BAD_REQUEST, f"bad request: {exc or type(exc).__name__}"),
            )
        if isinstance(parsed[0], str):
            # The action runs outside the read timeout: it is bounded by its own timeouts.
            status, body = await self._run(*parsed)
        else:
            status, body = parsed
        try:
            await self._respond(writer, status, body)
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(TimeoutError, ConnectionError):
                async with asyncio.timeout(2):
                    await writer.wait_closed()

    async def _request(
        self, reader: asyncio.StreamReader
    ) -> tuple[int, dict[str, Any]] | tuple[str, dict[str, Any]]:
        """Read one request: (status, error body) or (action, params) to run."""
        request_line = (await reader.readline()).decode("latin-1").strip()
        parts = request_line.split()
        if len(parts) != 3:
            raise ValueError("malformed request line")
        method, target, _ = parts
        headers: dict[str, str] = {}
        while True:
            line = (await reader.readline()).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length < 0 or length > _MAX_BODY:
            raise ValueError("body too large")
        raw = await reader.readexactly(length) if length else b""
        if target.split("?")[0] != "/control":
            return 404, error_body(
                ControlCode.BAD_REQUEST, f"no such endpoint {target}; use POST /control"
            )
        if method != "POST":
            return 405, error_body(ControlCode.BAD_REQUEST, "use POST")
        try:
            request = json.loads(raw or b"null")
        except ValueError as exc:
            return 400, error_body(ControlCode.BAD_REQUEST, f"body is not JSON: {exc}")
        if not isinstance(request, dict) or not isinstance(request.get("action"), str):
            return 400, error_body(
                ControlCode.BAD_REQUEST, 'body must be {"action": "...", "params": {...}}'
            )
        params = request.get("params")
        params = {} if params is None else params
        if not isinstance(params, dict):
            return 400, error_body(ControlCode.BAD_REQUEST, "params must be an object")
        return request["action"], params

    async def _run(self, action: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._actions is not None and action == "describe":
            offered = sorted({*self._actions(), *HOOKS})
            return 200, {"ok": True, "result": {"actions": offered}}
        if self._actions is not None and action in HOOKS:
            return 200, {"ok": True, "result": {}}  # a simulator keeps nothing per case
        try:
            result = await self._act(action, params)
        except UnsupportedAction as exc:
            return 400, error_body(ControlCode.CANNOT_DO, str(exc))
        except InvalidParams as exc:
            return 400, error_body(ControlCode.INVALID_PARAMS, str(exc))
        except Exception as exc:
            log.info("control API: action %s failed: %s", action, exc)
            return 500, error_body(ControlCode.FAILED, f"{type(exc).__name__}: {exc}")
        body: dict[str, Any] = {"ok": True, "result": result}
        if self._sends is not None and self._sends(action):
            body["progress"] = "answered"  # the simulator's actions wait for the answer
        return 200, body

    async def _respond(
        self, writer: asyncio.StreamWriter, status: int, body: dict[str, Any]
    ) -> None:
        data = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + data)
        await writer.drain()
