"""The ``http`` control adapter: a lab service (or a bridge to a CSMS's own API) does
the actions.

What it sends and what it makes of the answers is the contract of docs/control.md:

* Each action is one ``POST`` of ``{"action", "params", "context"}``. ``context`` says
  who and when: the station identity, the OCPP version, the security profile, the case
  and its table step, the deadline, and the profile's free ``[control.context]`` table
  (a tenant id, say), so that a bridge to a multi-tenant CSMS knows whom to ask.
* ``[control.headers]`` go with every request (``env:NAME`` values read the
  environment; every value is a secret, kept out of reports), and ``control.ca`` is the
  CA file an ``https`` service is checked against.
* ``describe`` is asked once per service and run: the actions it lists are all it is
  asked for (another skips the case at once), and a service that is down fails every
  case at once instead of each after its own timeout.
* The answer may say how far the CSMS got (``progress``: queued, sent, answered; the
  ``message_id`` of what it sent): the harness checks that against its own trace
  (:mod:`harness.environment`'s ``Dut.act``).
* Error codes decide: ``cannot-do`` skips, ``refused`` is the DUT's failure, every
  other code is a set-up error (:class:`harness.control.protocol.ControlCode`).
* A secret parameter (a :class:`harness.secrets.Secret`, a station's password) is
  revealed in the request body and nowhere else: the trace records the request with
  ``***``, and the service's answer and error words are scrubbed of every known secret
  before they are recorded or raised (a service may echo what it was sent).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest

from harness.control.protocol import ControlCode
from harness.control.vocabulary import protect_params
from harness.secrets import Secret, scrub
from harness.verdicts import DutFailure, HarnessError

__all__ = ["HOOKS", "HttpAdapter", "Progress", "forget_descriptions"]

#: the hooks a service gets when its describe lists them: a case begins, a case ends
HOOKS = ("case_start", "case_end")


@dataclass(frozen=True)
class Progress:
    """How far the CSMS got with an action, as the service says (absent: it does not
    say): ``queued`` (the CSMS will send), ``sent`` (with the ``message_id`` it used) or
    ``answered`` (the station's answer is in)."""

    state: str | None
    message_id: str | None = None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> Progress:
        state, message_id = answer.get("progress"), answer.get("message_id")
        return cls(
            str(state) if isinstance(state, str) else None,
            str(message_id) if isinstance(message_id, str | int) else None,
        )


class _Unreachable(HarnessError):
    """Nobody listens at the service's address (refused, timed out, unknown host)."""

    def __init__(self, url: str, action: str, reason: str) -> None:
        super().__init__(f"control service at {url} unreachable for {action!r}: {reason}", "setup")
        self.reason = reason


@dataclass(frozen=True)
class _Down:
    """A service found unreachable when asked to describe itself: every action fails
    at once with this reason, instead of waiting its timeout in each case."""

    reason: str


#: url -> what its describe said: the actions (None: it does not describe), or _Down.
#: Once per run (the process): the service does not change its vocabulary mid-run.
_DESCRIBED: dict[str, frozenset[str] | None | _Down] = {}
_DESCRIBED_LOCK = threading.Lock()


def forget_descriptions() -> None:
    """Ask every service to describe itself again (a new run, in tests)."""
    with _DESCRIBED_LOCK:
        _DESCRIBED.clear()


class HttpAdapter:
    """POST each action as JSON to the lab service at ``url``."""

    def __init__(
        self,
        url: str,
        timeout: float,
        record: Callable[[str], None] | None = None,
        *,
        headers: Mapping[str, Secret] | None = None,
        ca: str | None = None,
        context: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.record = record or (lambda text: None)
        self._headers = dict(headers or {})
        self._ca = ca
        self._context = context or dict
        #: the progress of the last action (what Dut.act checks against the trace)
        self.last_progress = Progress(None)

    # -- the service's vocabulary --------------------------------------------------------

    def describe(self, asking: str = "describe") -> frozenset[str] | None:
        """The actions the service offers, asked once per run; None when it does not
        say (a service that predates describe). Raises at once when it was down."""
        with _DESCRIBED_LOCK:
            known = _DESCRIBED.get(self.url, ...)
        if known is ...:
            known = self._ask_describe()
            with _DESCRIBED_LOCK:
                _DESCRIBED[self.url] = known
        if isinstance(known, _Down):
            raise _Unreachable(self.url, asking, known.reason)
        return known

    def _ask_describe(self) -> frozenset[str] | None | _Down:
        try:
            status, answer, body = self._post({"action": "describe", "params": {}})
        except _Unreachable as down:
            return _Down(down.reason)
        except HarnessError:
            return None  # it answered, but not a description: every action is tried
        if status != 200 or not isinstance(answer, dict) or answer.get("ok") is False:
            return None  # no describe: every action is tried
        result = answer.get("result")
        actions = result.get("actions") if isinstance(result, dict) else None
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            return None
        self.record(f"http control: the service offers {', '.join(sorted(actions))}")
        return frozenset(actions)

    # -- actions and hooks ---------------------------------------------------------------

    def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        offered = self.describe(action)
        if offered is not None and action not in offered:
            pytest.skip(
                f"control service at {self.url} does not offer {action!r} (its describe "
                f"lists {', '.join(sorted(offered)) or 'nothing'})"
            )
        params = protect_params(action, params)  # a caller's plain password, too
        self.record(f"http control: {action} {params}")
        request = {"action": action, "params": params, "context": self._context()}
        status, answer, body = self._post(request)
        if status != 200 or not isinstance(answer, dict) or answer.get("ok") is False:
            # an error in a 200 answer is still an error: the action was not done
            self._refused(action, f"HTTP {status}", body)
        self.record(f"http control answered {action}: {_short(body)}")
        self.last_progress = Progress.of(answer)
        result = answer.get("result", answer)
        return result if isinstance(result, dict) else {}

    def hook(self, name: str) -> None:
        """Tell the service a case begins or ends, when its describe lists the hook. A
        hook that fails is recorded, never the case's verdict (the case is not about it)."""
        try:
            offered = self.describe()
        except HarnessError:
            return  # the first action of the case reports the service down
        if offered is None or name not in offered:
            return
        try:
            status, _, body = self._post({"action": name, "params": {}, "context": self._context()})
        except HarnessError as trouble:
            self.record(f"http control: {name} failed: {trouble}")
            return
        if status != 200:
            self.record(f"http control: {name} answered HTTP {status}: {_short(body)}")

    # -- the wire ------------------------------------------------------------------------

    def _post(self, request: dict[str, Any]) -> tuple[int, Any, bytes]:
        """(status, decoded answer or None, body) of one POST; HarnessError when the
        service cannot be reached or answers something that is not JSON."""
        action = request["action"]
        headers = {"Content-Type": "application/json"}
        headers.update({name: value.reveal() for name, value in self._headers.items()})
        body = json.dumps(request, default=_revealed).encode()
        http_request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if self._ca is not None:
            context = ssl.create_default_context(cafile=self._ca)
            handlers.append(urllib.request.HTTPSHandler(context=context))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(http_request, timeout=self.timeout) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, ConnectionRefusedError | TimeoutError | socket.gaierror):
                raise _Unreachable(self.url, action, str(reason)) from None
            raise HarnessError(
                f"control service at {self.url} unreachable for {action!r}: {reason}", "setup"
            ) from None
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            if status != 200:
                return status, None, body
            raise HarnessError(
                f"control service at {self.url} answered {action!r} with "
                "something that is not JSON",
                "setup",
            ) from None
        return status, answer, body

    def _refused(self, action: str, status: str, body: bytes) -> NoReturn:
        """The service did not do ``action``: a skip for ``cannot-do``, the DUT's failure
        for ``refused``, else a set-up error."""
        code, detail = _error_of(body)
        if code == ControlCode.CANNOT_DO:
            pytest.skip(f"control service at {self.url} cannot do {action!r}: {detail}")
        if code == ControlCode.REFUSED:
            raise DutFailure(
                f"the CSMS refused {action!r} (control service at {self.url}: {detail})",
                "control.refused",
            )
        raise HarnessError(
            f"control service at {self.url} answered {status} to {action!r}: {detail}", "setup"
        ) from None


def _revealed(value: object) -> str:
    """A secret parameter's value in the request body: the one place it goes unmasked."""
    if isinstance(value, Secret):
        return value.reveal()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _short(body: bytes) -> str:
    text = scrub(body.decode("utf-8", "replace")).strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _error_of(body: bytes) -> tuple[str | None, str]:
    """(code, words) of a control service's error answer (:mod:`harness.control.protocol`);
    a body that is not one is shown as it came, cut to one line's worth."""
    text = body.decode("utf-8", "replace")
    try:
        answer = json.loads(text or "null")
    except ValueError:
        answer = None
    text = scrub(text)
    if not isinstance(answer, dict):
        return None, text[:200]
    code = answer.get("code")
    code = code if isinstance(code, str) else None
    words = scrub(str(answer.get("error", text)))[:200]
    return code, f"{code}: {words}" if code else words
