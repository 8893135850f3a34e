"""The simulated CSMS's opening handshake: which stations it upgrades, and why not.

Checks happen in ``process_request`` so a refused station gets a plain HTTP answer and
no upgrade: 404 for a path that names no station, 401 for bad HTTP Basic credentials,
400 when no offered subprotocol is ours (OCTT TC_B_58_CSMS: ``ocpp0.1`` alone is not
upgraded). With option ``unknown-subprotocol-upgrade-then-close`` the last one is done
as Part 4 §3.2 words it instead: upgrade without a Sec-WebSocket-Protocol header, then
close at once. Each refusal is recorded in :attr:`SimCsms.refusals` so tests can see
why a station was turned away.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from harness.sim.declare import BOTH, V201, Defect, declare

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["DEFECTS", "Handshake", "Refusal"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # Handshake.process_request, Handshake.select_subprotocol
    Defect(
        "accepts-unknown-subprotocol",
        "csms",
        BOTH,
        "upgrades a connection that offers only an unknown subprotocol, echoing it",
        "OCPP-J 3.2",
    ),
    # Handshake.upgrades_without_subprotocol, Handshake.closed_at_once
    Defect(
        "upgrades-without-subprotocol-keeps-open",
        "csms",
        V201,
        "upgrades a connection that offers only an unknown subprotocol, without a "
        "Sec-WebSocket-Protocol header, and then keeps it open",
        "OCPP-J 3.2",
    ),
)


@dataclass(frozen=True)
class Refusal:
    """A handshake the CSMS refused: the request path, the HTTP status and why."""

    path: str
    status: int
    reason: str


class Handshake:
    """The websockets server's handshake hooks for one simulated CSMS."""

    def __init__(self, csms: SimCsms) -> None:
        self.csms = csms

    def identity_of(self, request_path: str) -> str | None:
        """The station identity a request path names (``<path>/<identity>``), if any."""
        path = urlsplit(request_path).path
        prefix = f"{self.csms.path}/"
        if not path.startswith(prefix):
            return None
        rest = path[len(prefix) :]
        if not rest or "/" in rest:
            return None
        return unquote(rest)

    def _refuse(
        self, connection: ServerConnection, request: Request, status: HTTPStatus, reason: str
    ) -> Response:
        self.csms.refusals.append(Refusal(request.path, int(status), reason))
        self.csms.changed()
        response = connection.respond(status, reason + "\n")
        if status is HTTPStatus.UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
        return response

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        csms = self.csms
        identity = self.identity_of(request.path)
        if identity is None:
            return self._refuse(connection, request, HTTPStatus.NOT_FOUND, "no station in path")
        if csms.passwords is not None:
            if identity not in csms.passwords:
                return self._refuse(connection, request, HTTPStatus.NOT_FOUND, "unknown station")
            if _basic_credentials(request.headers) != (identity, csms.passwords[identity]):
                return self._refuse(
                    connection, request, HTTPStatus.UNAUTHORIZED, "bad or missing credentials"
                )
        offered = _offered_subprotocols(request.headers)
        if csms.version.subprotocol in offered:
            return None
        if offered and csms.has("accepts-unknown-subprotocol"):
            return None
        if self.upgrades_without_subprotocol():
            return None  # upgraded without the header; closed_at_once closes it (Part 4 §3.2)
        return self._refuse(
            connection,
            request,
            HTTPStatus.BAD_REQUEST,
            self._no_common_subprotocol(offered),
        )

    def _no_common_subprotocol(self, offered: list[str]) -> str:
        return (
            f"no common subprotocol: offered {', '.join(offered) or 'none'}, "
            f"this CSMS speaks {self.csms.version.subprotocol}"
        )

    def upgrades_without_subprotocol(self) -> bool:
        return self.csms.has_option("unknown-subprotocol-upgrade-then-close") or self.csms.has(
            "upgrades-without-subprotocol-keeps-open"
        )

    def select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        version = self.csms.version
        if version.subprotocol in subprotocols:
            return Subprotocol(version.subprotocol)
        if subprotocols and self.csms.has("accepts-unknown-subprotocol"):
            return subprotocols[0]
        return None

    async def closed_at_once(self, ws: ServerConnection) -> bool:
        """Close a connection upgraded without a subprotocol (option
        unknown-subprotocol-upgrade-then-close) and record why; ``True`` when closed."""
        if ws.subprotocol is not None or self.csms.has("upgrades-without-subprotocol-keeps-open"):
            return False
        path = ws.request.path if ws.request else ""
        offered = _offered_subprotocols(ws.request.headers) if ws.request else []
        self.csms.refusals.append(Refusal(path, 101, self._no_common_subprotocol(offered)))
        self.csms.changed()
        await ws.close(1002, "no common subprotocol")
        return True


def _offered_subprotocols(headers: Headers) -> list[str]:
    offered: list[str] = []
    for value in headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(item.strip() for item in value.split(",") if item.strip())
    return offered


def _basic_credentials(headers: Headers) -> tuple[str, str] | None:
    value = headers.get("Authorization", "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None
