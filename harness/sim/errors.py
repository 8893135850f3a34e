"""Errors the simulators raise to their drivers (tests, the control API, the harness).

They are separate from protocol observations on purpose: a simulator that misbehaves
because a defect told it to does so silently; these exceptions only say that a request
made *to the simulator* could not be carried out.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CallErrorReceived",
    "CallTimeout",
    "InvalidParams",
    "NotAllowed",
    "NotConnected",
    "PeerClosed",
    "SimError",
    "UnsupportedAction",
]


class SimError(Exception):
    """A simulator could not carry out what its driver asked for."""


class UnsupportedAction(SimError):
    """``act()`` was given an action this simulator has no vocabulary entry for."""

    def __init__(self, action: str) -> None:
        super().__init__(f"unsupported action {action!r}")
        self.action = action


class InvalidParams(SimError, ValueError):
    """An action's parameters are missing or malformed (the control API answers 400)."""


class NotAllowed(SimError):
    """The protocol forbids what was asked, in the peer's current state (a CSMS does not
    call a station it has Rejected, B03.FR.03)."""


class NotConnected(SimError):
    """The action needs an open OCPP connection and there is none."""


class PeerClosed(SimError):
    """The websocket closed while a CALL was waiting for its answer."""


class CallTimeout(SimError):
    """The peer did not answer a CALL within the message timeout."""

    def __init__(self, action: str, timeout: float) -> None:
        super().__init__(f"no answer to {action} within {timeout:g} s")
        self.action = action
        self.timeout = timeout


class CallErrorReceived(SimError):
    """The peer answered a CALL with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str, details: Any = None) -> None:
        super().__init__(f"{action} answered with CALLERROR {code}: {description}")
        self.action = action
        self.code = code
        self.description = description
        self.details = details or {}
