"""Control adapters: the ways an action reaches the DUT.

* ``manual``: the operator does it and confirms on the terminal, within the operator
  timeout. With no terminal (CI) the case is skipped with the prompt as the reason.
* ``command``: a shell command template per action, from the profile.
* ``http``: ``POST {"action": …, "params": {…}, "context": {…}}`` to a URL of the lab's
  own service (:mod:`harness.control.http`; the simulators serve the same API with
  ``--control-port``).
* ``sim``: the bundled simulator, driven in-process.

An adapter that cannot do an action skips the case (the step could not be done); an
adapter that breaks (command fails, service unreachable) is a harness error.
"""

from __future__ import annotations

import os
import select
import shlex
import signal
import subprocess
from collections.abc import Callable
from typing import Any, Protocol

import pytest

from harness.control.http import HttpAdapter
from harness.control.vocabulary import (
    SECRET_PARAMS,
    prompt_for,
    protect_params,
    unshowable_secrets,
)
from harness.secrets import Secret
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
        params = protect_params(action, params)
        prompt = prompt_for(action, params, self.identity)
        self.record(f"operator prompt: {prompt}")
        hidden = unshowable_secrets(params)
        if hidden:
            # never printed, and written nowhere a person can read: the operator
            # cannot type it in
            self.record(f"no place to read {', '.join(hidden)} from: step skipped")
            pytest.skip(
                f"operator step needs {', '.join(hidden)}, a secret the case chose that "
                f"is never shown (give it from the DUT profile): {prompt}"
            )
        try:
            # Unbuffered bytes: a terminal is not seekable, so text mode "r+" fails on it.
            fd = os.open(self.tty_path, os.O_RDWR | os.O_NOCTTY)
        except OSError:
            self.record("no terminal: step skipped")
            pytest.skip(f"operator step needed but no terminal: {prompt}")
        try:
            os.write(
                fd,
                (
                    f"\n[ocpp-harness] {prompt}\n  Press Enter when done, or type n "
                    f"and Enter if it cannot be done ({self.timeout:g} s): "
                ).encode(),
            )
            ready, _, _ = select.select([fd], [], [], self.timeout)
            if not ready:
                self.record("operator did not answer in time")
                pytest.skip(f"operator did not confirm within {self.timeout:g} s: {prompt}")
            data = os.read(fd, 1024)
        finally:
            os.close(fd)
        if not data:
            # End of input (a terminal that hung up) is not a confirmation.
            self.record("terminal closed without an answer")
            pytest.skip(f"operator terminal closed without an answer: {prompt}")
        answer = data.decode("utf-8", "replace").strip().lower()
        if answer in ("n", "no", "s", "skip"):
            self.record("operator could not do it")
            pytest.skip(f"operator could not do: {prompt}")
        self.record("operator confirmed")
        return {"confirmed": True}


class CommandAdapter:
    """Run ``control.commands.<action>`` with the parameters filled in (shell-quoted).

    A secret parameter is not written into the command line (which the trace records
    and ``ps`` shows): the command gets it in the environment variable
    ``OCPP_HARNESS_PARAM_<NAME>``, and ``{password}`` in the template expands to a
    quoted reference to that variable.
    """

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
        environment = dict(os.environ)
        for name in SECRET_PARAMS & params.keys():
            variable = f"OCPP_HARNESS_PARAM_{name.upper()}"
            value = params[name]
            environment[variable] = value.reveal() if isinstance(value, Secret) else str(value)
            values[name] = f'"${{{variable}}}"'
        try:
            command = template.format_map(_PlainValues(values))
        except KeyError as exc:
            raise HarnessError(
                f"control.commands.{action}: template uses {exc} but the action "
                f"gives only {sorted(values)}",
                "setup",
            ) from None
        except (IndexError, ValueError, AttributeError) as exc:
            raise HarnessError(
                f"control.commands.{action}: malformed template ({exc}); write literal "
                "braces as {{ and }}",
                "setup",
            ) from None
        self.record(f"command: {command}")
        # Own process group, so a timeout ends everything the command started; no stdin,
        # so a command that asks a question fails instead of waiting.
        process = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env=environment,
        )
        try:
            stdout, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise HarnessError(
                f"control command for {action!r} did not finish within "
                f"{self.timeout:g} s: {command}",
                "setup",
            ) from None
        if process.returncode != 0:
            tail = (stderr or stdout).strip().splitlines()[-1:] or [""]
            raise HarnessError(
                f"control command for {action!r} exited {process.returncode}: {tail[0]}",
                "setup",
            )
        return {"stdout": stdout}


class _PlainValues(dict[str, str]):
    """Template values that are plain strings: ``{identity.upper}`` cannot reach into
    Python objects, because every value is a str and attribute access yields an error."""

    def __getitem__(self, key: str) -> str:
        return str(super().__getitem__(key))


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
