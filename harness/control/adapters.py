"""Control adapters: the ways an action reaches the DUT.

* ``manual``: the operator does it and confirms on the terminal, within the operator
  timeout. With no terminal (CI) the case is skipped with the prompt as the reason.
* ``command``: a shell command template per action, from the profile.
* ``http``: ``POST {"action": …, "params": {…}}`` to a URL of the lab's own service
  (the simulators serve the same API with ``--control-port``).
* ``sim``: the bundled simulator, driven in-process.

An adapter that cannot do an action skips the case (the step could not be done); an
adapter that breaks (command fails, service unreachable) is a harness error.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

import pytest

from harness.control.vocabulary import prompt_for
from harness.verdicts import HarnessError

__all__ = [
    "CommandAdapter",
    "ControlAdapter",
    "HttpAdapter",
    "ManualAdapter",
    "SimAdapter",
]


class ControlAdapter(Protocol):
    def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]: ...


class ManualAdapter:
    """Ask the operator, wait for Enter (done) or 'n' (cannot do) within the timeout."""

    def __init__(
        self,
        identity: str,
        timeout: float,
        tty_path: str = "/dev/tty",
        record: Callable[[str], None] | None = None,
    ) -> None:
        self.identity = identity
        self.timeout = timeout
        self.tty_path = tty_path
        self.record = record or (lambda text: None)

    def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        prompt = prompt_for(action, params, self.identity)
        self.record(f"operator prompt: {prompt}")
        try:
            tty = open(self.tty_path, "r+", buffering=1)  # noqa: SIM115 - closed below
        except OSError:
            pytest.skip(f"operator step needed but no terminal: {prompt}")
        with tty:
            tty.write(
                f"\n[ocpp-harness] {prompt}\n  Press Enter when done, or type n and Enter "
                f"if it cannot be done ({self.timeout:g} s): "
            )
            tty.flush()
            ready, _, _ = select.select([tty], [], [], self.timeout)
            if not ready:
                self.record("operator did not answer in time")
                pytest.skip(f"operator did not confirm within {self.timeout:g} s: {prompt}")
            answer = tty.readline().strip().lower()
        if answer in ("n", "no", "s", "skip"):
            self.record("operator could not do it")
            pytest.skip(f"operator could not do: {prompt}")
        self.record("operator confirmed")
        return {"confirmed": True}


class CommandAdapter:
    """Run ``control.commands.<action>`` with the parameters filled in (shell-quoted)."""

    def __init__(
        self,
        commands: dict[str, str],
        identity: str,
        timeout: float,
        record: Callable[[str], None] | None = None,
    ) -> None:
        self.commands = commands
        self.identity = identity
        self.timeout = timeout
        self.record = record or (lambda text: None)

    def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        template = self.commands.get(action)
        if template is None:
            pytest.skip(f"no command configured for action {action!r} (control.commands.{action})")
        values = {k: shlex.quote(str(v)) for k, v in {**params, "identity": self.identity}.items()}
        try:
            command = template.format(**values)
        except KeyError as exc:
            raise HarnessError(
                f"control.commands.{action}: template uses {exc} but the action "
                f"gives only {sorted(values)}",
                "setup",
            ) from None
        self.record(f"command: {command}")
        try:
            done = subprocess.run(
                command,
                shell=True,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise HarnessError(
                f"control command for {action!r} did not finish within "
                f"{self.timeout:g} s: {command}",
                "setup",
            ) from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            raise HarnessError(
                f"control command for {action!r} exited {done.returncode}: {tail[0]}", "setup"
            )
        return {"stdout": done.stdout}


class HttpAdapter:
    """POST the action as JSON to the lab service at ``url``."""

    def __init__(
        self, url: str, timeout: float, record: Callable[[str], None] | None = None
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.record = record or (lambda text: None)

    def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"action": action, "params": params}).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        self.record(f"http control: {action} {params}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:200]
            if exc.code == 400 and "unknown action" in detail.lower():
                pytest.skip(f"control service at {self.url} cannot do {action!r}")
            raise HarnessError(
                f"control service at {self.url} answered HTTP {exc.code} to {action!r}: {detail}",
                "setup",
            ) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise HarnessError(
                f"control service at {self.url} unreachable for {action!r}: {reason}", "setup"
            ) from None
        except ValueError:
            raise HarnessError(
                f"control service at {self.url} answered {action!r} with "
                "something that is not JSON",
                "setup",
            ) from None
        return answer.get("result", answer) if isinstance(answer, dict) else {}


class SimAdapter:
    """Drive an in-process simulator on the harness loop."""

    def __init__(
        self,
        run: Callable[[str, dict[str, Any]], dict[str, Any]],
        record: Callable[[str], None] | None = None,
    ) -> None:
        self._run = run
        self.record = record or (lambda text: None)

    def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        self.record(f"simulator: {action} {params}")
        return self._run(action, params)


def has_terminal() -> bool:
    """True when an operator can answer prompts (used for the run header)."""
    return sys.stdin is not None and os.isatty(0) if hasattr(os, "isatty") else False
