"""The harness as charging station: a WebSocket client that connects to the DUT CSMS."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, NegotiationError
from websockets.typing import Subprotocol

from harness.ocppj import OcppVersion
from harness.transport.auth import basic_auth_header, ssl_context
from harness.transport.server import MAX_FRAME_BYTES
from harness.verdicts import DutFailure, HarnessError, Unreachable

__all__ = [
    "SPACING_KEY",
    "ConnectionSpacing",
    "HandshakeResult",
    "open_station_connection",
    "station_url",
    "try_handshake",
]

#: the DUT-profile key that sets :attr:`ConnectionSpacing.seconds`
SPACING_KEY = "connect.spacing"


@dataclass
class ConnectionSpacing:
    """The least time between one connection of the harness's station closing and the
    next one with the same identity opening, kept for a whole run.

    A CSMS may tear down and rebuild per-station state (a message broker's queues, a
    session cache) on every disconnect; cases that reconnect the same identity within
    milliseconds of each other can overrun it. The DUT profile says how far apart the
    harness's connections must be (``connect.spacing``); the station remembers when each
    identity's last connection closed and waits out the rest before it opens the next.
    """

    seconds: float = 1.0
    #: identity -> when its last connection closed (``time.monotonic``)
    _closed: dict[str, float] = field(default_factory=dict)

    def closed(self, identity: str) -> None:
        """A connection of ``identity`` has just closed."""
        self._closed[identity] = max(self._closed.get(identity, 0.0), time.monotonic())

    def remaining(self, identity: str) -> float:
        """Seconds still to wait before ``identity`` may connect again (0: at once)."""
        last = self._closed.get(identity)
        if last is None or self.seconds <= 0:
            return 0.0
        return max(0.0, last + self.seconds - time.monotonic())

    async def wait(self, identity: str, note: Callable[[str], object]) -> float:
        """Wait until ``identity`` may connect again; ``note`` gets one line saying why
        when there was anything to wait. Returns the seconds waited.

        A timer of the profile's, not a wait for an event: nothing can end it early,
        and it never lasts longer than ``seconds``."""
        left = self.remaining(identity)
        if left <= 0:
            return 0.0
        started = time.monotonic()
        await asyncio.sleep(left)
        waited = time.monotonic() - started
        note(
            f"waited {waited:.2f} s: connections spaced {self.seconds:g} s "
            f"(profile key {SPACING_KEY})"
        )
        return waited


def station_url(endpoint: str, identity: str) -> str:
    return endpoint.rstrip("/") + "/" + urllib.parse.quote(identity, safe="")


def _headers(identity: str, password: str | None) -> dict[str, str]:
    return {"Authorization": basic_auth_header(identity, password)} if password else {}


async def open_station_connection(
    endpoint: str,
    identity: str,
    version: OcppVersion,
    *,
    password: str | None,
    security_profile: int,
    timeout: float,
) -> ClientConnection:
    """Connect as ``identity``, offering the version's subprotocol.

    Set-up problems (refused, unreachable, timed out, HTTP error) are harness errors that
    name the URL; a CSMS that upgrades without agreeing on the subprotocol fails.
    """
    url = station_url(endpoint, identity)
    try:
        connection = await asyncio.wait_for(
            connect(
                url,
                subprotocols=[Subprotocol(version.subprotocol)],
                additional_headers=_headers(identity, password),
                ssl=ssl_context(security_profile),
                open_timeout=None,
                proxy=None,
                max_size=MAX_FRAME_BYTES,
                ping_interval=None,
                # a CSMS that never ends its TCP side holds a close up this long at most
                # (websockets' own default is 10 s, added to every case)
                close_timeout=timeout,
            ),
            timeout,
        )
    except TimeoutError:
        raise Unreachable(
            f"CSMS at {url} did not accept a connection within {timeout:g} s"
        ) from None
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise HarnessError(
            f"CSMS at {url} refused the WebSocket upgrade with HTTP {status}"
            + (" (check dut.password and dut.identity)" if status in (401, 403) else ""),
            "setup",
        ) from None
    except OSError as exc:
        raise Unreachable(f"cannot connect to CSMS at {url}: {exc}") from None
    except NegotiationError as exc:
        # the CSMS chose a subprotocol the station never offered: the DUT's fault
        raise DutFailure(
            f"CSMS at {url} selected a subprotocol the station did not offer "
            f"(offered {version.subprotocol!r}; {exc})",
            "transport.subprotocol",
        ) from None
    except InvalidHandshake as exc:
        raise HarnessError(f"cannot connect to CSMS at {url}: {exc}", "setup") from None
    if connection.subprotocol != version.subprotocol:
        await connection.close()
        raise DutFailure(
            f"CSMS at {url} upgraded without agreeing on subprotocol {version.subprotocol!r} "
            f"(answered {connection.subprotocol!r})",
            "transport.subprotocol",
        )
    return connection


@dataclass(frozen=True)
class HandshakeResult:
    """What a CSMS did with one opening handshake."""

    upgraded: bool
    subprotocol: str | None
    status: int | None
    detail: str = ""
    #: after an upgrade without a subprotocol: the CSMS closed the connection itself
    closed_by_peer: bool = False


async def try_handshake(
    endpoint: str,
    identity: str,
    subprotocols: Sequence[str],
    *,
    password: str | None,
    security_profile: int,
    timeout: float,
    close_wait: float | None = None,
) -> HandshakeResult:
    """Open and close one connection offering ``subprotocols``; report what happened.

    After an upgrade without a subprotocol, the CSMS must close the connection at once
    (Part 4 §3.2): the probe gives it ``close_wait`` seconds (default ``timeout``).

    Used by subprotocol negotiation cases (TC_B_58_CSMS): a refusal is an observation
    here, not an error.
    """
    url = station_url(endpoint, identity)
    try:
        connection = await asyncio.wait_for(
            connect(
                url,
                subprotocols=[Subprotocol(name) for name in subprotocols],
                additional_headers=_headers(identity, password),
                ssl=ssl_context(security_profile),
                open_timeout=None,
                proxy=None,
                ping_interval=None,
                # a CSMS that never finishes the closing handshake must not cost
                # websockets' default 10 s per try
                close_timeout=min(timeout, 2.0),
            ),
            timeout,
        )
    except TimeoutError:
        raise HarnessError(
            f"CSMS at {url} did not answer a handshake within {timeout:g} s", "setup"
        ) from None
    except InvalidStatus as exc:
        return HandshakeResult(False, None, exc.response.status_code, "HTTP refusal")
    except InvalidHandshake as exc:
        return HandshakeResult(False, None, None, str(exc))
    except OSError as exc:
        raise HarnessError(f"cannot connect to CSMS at {url}: {exc}", "setup") from None
    subprotocol = connection.subprotocol
    try:
        # A CSMS that upgrades without a common subprotocol must close straight away.
        wait = close_wait if close_wait is not None else timeout
        await asyncio.wait_for(connection.wait_closed(), 0.0 if subprotocol else wait)
        closed_by_peer = True
    except TimeoutError:
        closed_by_peer = False
    await connection.close()
    return HandshakeResult(
        True,
        subprotocol,
        101,
        "" if not closed_by_peer else "closed by the CSMS after the upgrade",
        closed_by_peer=closed_by_peer,
    )
