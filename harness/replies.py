"""What the harness answers to a CALL of the DUT that the case does not answer itself.

The book has the conformant defaults (:mod:`harness.defaults`) and, over them, the
replies a case registered with ``will_reply``: one-off replies are used first, in the
order given; an ``always`` reply stays for every later CALL of its action. A registered
reply names only the fields that matter (``status="Pending"``); the default fills in the
rest (BootNotification's ``currentTime``). A reply may also be :func:`no_reply`: the
harness then leaves that CALL unanswered for good, as a CSMS that fails to answer
within the DUT's message timeout (Part 2 E13). No I/O: the session sends what the book
chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.defaults import DefaultReplies
from harness.ocppj import OcppVersion

__all__ = ["Chosen", "ErrorReply", "NoReply", "ReplyBook", "error_reply", "no_reply", "sticky"]


@dataclass(frozen=True)
class ErrorReply:
    """A CALLERROR to answer with, instead of a CALLRESULT."""

    code: str
    description: str = ""


@dataclass(frozen=True)
class NoReply:
    """No answer at all: the CALL stays unanswered (see :func:`no_reply`)."""


@dataclass(frozen=True)
class _Always:
    """A registered reply that stays (``will_reply(..., always=True)``)."""

    reply: Any


def error_reply(code: str, description: str = "") -> ErrorReply:
    return ErrorReply(code, description)


def no_reply() -> NoReply:
    """The harness does not answer this CALL, ever: the DUT must time it out itself."""
    return NoReply()


def sticky(reply: Any) -> _Always:
    return _Always(reply)


@dataclass(frozen=True)
class Chosen:
    """The answer the book chose: a payload, an error (code, description), or none
    (``withheld``: the CALL is left unanswered)."""

    payload: dict[str, Any] | None = None
    error: tuple[str, str] | None = None
    withheld: bool = False
    #: the conformant default, not a reply the case registered: a default answer brings
    #: its follow-up messages with it (DefaultReplies.follow_ups)
    default: bool = False


class ReplyBook:
    """Default answers and the case's registered replies, per action."""

    def __init__(self, version: OcppVersion, heartbeat_interval: int) -> None:
        self.defaults = DefaultReplies(version, heartbeat_interval)
        self._registered: dict[str, list[Any]] = {}

    def will_reply(self, action: str, reply: Any) -> None:
        """Register ``reply`` for ``action``: a dict of fields, a function of the
        request (returning a payload, an :func:`error_reply`, :func:`no_reply`, or None
        for the default answer), an :func:`error_reply`, :func:`no_reply`, or any of
        them wrapped in :func:`sticky`."""
        self._registered.setdefault(action, []).append(reply)

    def clear(self) -> None:
        """A new case begins: what the last one registered is forgotten."""
        self._registered = {}

    def choose(self, action: str, request: dict[str, Any]) -> Chosen:
        """The answer to the DUT's ``action`` with payload ``request``; takes a one-off
        registered reply out of the book."""
        registered = self._registered.get(action)
        if not registered:
            return Chosen(payload=self.defaults.response(action, request), default=True)
        one_off = next((r for r in registered if not isinstance(r, _Always)), None)
        if one_off is not None:
            registered.remove(one_off)
            reply = one_off
        else:
            reply = registered[-1].reply
        if isinstance(reply, ErrorReply):
            return Chosen(error=(reply.code, reply.description))
        if isinstance(reply, NoReply):
            return Chosen(withheld=True)
        if callable(reply):
            # a function of the request may also answer with an error_reply, no_reply,
            # or None for the default answer (a reply for some requests of the action)
            compute: Callable[[dict[str, Any]], dict[str, Any] | ErrorReply | NoReply | None]
            compute = reply
            computed = compute(request)
            if isinstance(computed, ErrorReply):
                return Chosen(error=(computed.code, computed.description))
            if isinstance(computed, NoReply):
                return Chosen(withheld=True)
            if computed is None:
                return Chosen(payload=self.defaults.response(action, request), default=True)
            return Chosen(payload=computed)
        return Chosen(payload={**self.defaults.response(action, request), **reply})
