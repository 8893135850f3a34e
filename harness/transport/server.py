"""The harness as CSMS: a WebSocket server the DUT station connects to.

``ws://HOST:PORT/PATH/IDENTITY``. The server checks the path, the identity, HTTP Basic
auth (security profile 1) and the subprotocol, then hands the connection to the
session. Handshakes it refuses are kept as :class:`Rejection` records, because "the DUT
tried to connect but got it wrong" is a failed verdict, not a DUT that never came.

Besides its main path the server may listen on a second one (``second_path``): the
other CSMS endpoint a network-profile case gives the station (Part 2 B09/B10, the
"ocppCsmsUrl that is not currently active"). Each connection and each refusal is told
which endpoint it came to (:data:`MAIN` or :data:`SECOND`), and the session may refuse
one endpoint while it accepts the other.
"""

from __future__ import annotations

import errno
import http
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from harness.ocppj import OcppVersion
from harness.transport.auth import check_basic_auth, ssl_context
from harness.verdicts import HarnessError

__all__ = ["MAIN", "SECOND", "CsmsServer", "Rejection"]

MAX_FRAME_BYTES = 16 * 1024 * 1024

#: the endpoints of the server: its main path, and the second one it may also serve
MAIN = "main"
SECOND = "second"


@dataclass(frozen=True)
class Rejection:
    """A handshake the server refused or a connection it closed at once, and why."""

    reason: str
    rule: str
    path: str
    #: the endpoint the handshake came to (MAIN when its path is neither)
    endpoint: str = MAIN


class CsmsServer:
    """Listens for one DUT identity; every accepted connection goes to ``on_connection``."""

    def __init__(
        self,
        *,
        version: OcppVersion,
        identity: str,
        host: str = "127.0.0.1",
        port: int = 9000,
        path: str = "/ocpp",
        second_path: str | None = None,
        security_profile: int = 0,
        password: str | None = None,
        on_connection: Callable[[ServerConnection, str], Awaitable[None]],
        on_rejection: Callable[[Rejection], None] = lambda rejection: None,
        refuse: Callable[[str], str | None] = lambda endpoint: None,
        close_timeout: float = 10.0,
    ) -> None:
        self.version = version
        #: how long a close handshake may take (a station that never closes its TCP
        #: side must not hold a case up longer: the profile's response timeout)
        self.close_timeout = close_timeout
        self.identity = identity
        self.host = host
        self.port = port
        self.path = _normal(path)
        #: the path of the second endpoint, or None when there is none
        self.second_path = _normal(second_path) if second_path is not None else None
        if self.second_path == self.path:
            raise HarnessError(
                f"the second endpoint's path {second_path!r} is the main one's", "setup"
            )
        self.security_profile = security_profile
        self._password = password
        self._on_connection = on_connection
        self._on_rejection = on_rejection
        #: a reason to refuse a handshake to this endpoint now (the harness plays an
        #: unreachable CSMS there), or None
        self._refuse = refuse
        self._server: Server | None = None

    @property
    def url(self) -> str:
        identity = urllib.parse.quote(self.identity, safe="")
        return f"ws://{self.host}:{self.port}{self.path}/{identity}"

    def endpoint_urls(self) -> dict[str, str]:
        """Each endpoint's URL without the identity (what a station is given as
        ocppCsmsUrl: it appends its identity itself); wss with a TLS security profile."""
        scheme = "wss" if self.security_profile >= 2 else "ws"
        urls = {MAIN: f"{scheme}://{self.host}:{self.port}{self.path}"}
        if self.second_path is not None:
            urls[SECOND] = f"{scheme}://{self.host}:{self.port}{self.second_path}"
        return urls

    def _endpoint_of(self, raw_path: str) -> tuple[str, str] | None:
        """(endpoint, its path prefix) of a request path, or None if it is under neither."""
        for endpoint, path in ((MAIN, self.path), (SECOND, self.second_path)):
            if path is not None and raw_path.startswith(path + "/"):
                return endpoint, path + "/"
        return None

    async def start(self) -> None:
        """Bind and listen. A port in use is a set-up error naming host and port."""
        try:
            self._server = await serve(
                self._handle,
                self.host,
                self.port,
                ssl=ssl_context(self.security_profile),
                process_request=self._process_request,
                select_subprotocol=self._select_subprotocol,
                max_size=MAX_FRAME_BYTES,
                ping_interval=None,
                close_timeout=self.close_timeout,
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise HarnessError(
                    f"cannot listen on {self.host}:{self.port}: address already in use "
                    "(set [listen] port in the DUT profile, or stop what uses it)",
                    "setup",
                ) from None
            raise HarnessError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}", "setup"
            ) from None
        if self.port == 0:
            self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _reject(self, rejection: Rejection) -> None:
        self._on_rejection(rejection)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        raw_path = request.path.split("?", 1)[0]
        found = self._endpoint_of(raw_path)
        endpoint = found[0] if found is not None else MAIN
        refusal = self._refuse(endpoint)
        if refusal is not None:
            self._reject(Rejection(refusal, "harness.offline", raw_path, endpoint))
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "offline\n")
        if found is None:
            prefixes = " or ".join(
                repr(p + "/") for p in (self.path, self.second_path) if p is not None
            )
            self._reject(
                Rejection(
                    f"request path {raw_path!r} is not under {prefixes}", "OCPP-J 3.1.1", raw_path
                )
            )
            return connection.respond(http.HTTPStatus.NOT_FOUND, "unknown path\n")
        identity = urllib.parse.unquote(raw_path[len(found[1]) :])
        if identity != self.identity:
            self._reject(
                Rejection(
                    f"station identity {identity!r} in the URL is not the DUT's {self.identity!r}",
                    "OCPP-J 3.1.1",
                    raw_path,
                    endpoint,
                )
            )
            return connection.respond(http.HTTPStatus.NOT_FOUND, "unknown charging station\n")
        if self.security_profile >= 1:
            problem = check_basic_auth(
                request.headers.get("Authorization"), self.identity, self._password or ""
            )
            if problem is not None:
                self._reject(Rejection(problem, "A00.FR.202", raw_path, endpoint))
                return connection.respond(http.HTTPStatus.UNAUTHORIZED, "unauthorized\n")
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        wanted = Subprotocol(self.version.subprotocol)
        if wanted in subprotocols:
            return wanted
        offered = ", ".join(subprotocols) if subprotocols else "none"
        self._reject(
            Rejection(
                f"the station offered subprotocol(s) {offered}; the profile's OCPP "
                f"{self.version.value} needs {wanted!r}",
                "transport.subprotocol",
                connection.request.path if connection.request else "",
            )
        )
        # OCPP-J §3.2: finish the handshake without a subprotocol, then close.
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        if connection.subprotocol != self.version.subprotocol:
            await connection.close(1002, "no agreed OCPP subprotocol")
            return
        path = connection.request.path.split("?", 1)[0] if connection.request else ""
        found = self._endpoint_of(path)
        await self._on_connection(connection, found[0] if found is not None else MAIN)


def _normal(path: str) -> str:
    """A path as the server compares it: one leading slash, none trailing ("" for /)."""
    return "/" + path.strip("/") if path.strip("/") else ""
