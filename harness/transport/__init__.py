"""WebSocket transport: the harness as CSMS (server) or as charging station (client)."""

from harness.transport.client import (
    ConnectionSpacing,
    HandshakeResult,
    open_station_connection,
    try_handshake,
)
from harness.transport.server import CsmsServer, Rejection

__all__ = [
    "ConnectionSpacing",
    "CsmsServer",
    "HandshakeResult",
    "Rejection",
    "open_station_connection",
    "try_handshake",
]
