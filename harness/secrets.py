"""Secret values from DUT profiles, and scrubbing them out of anything the harness writes.

Passwords end up in places that get shared: reports, traces, CI logs, bug tickets. Two
defences, because one is not enough:

- :class:`Secret` wraps the value so that ``str()``, ``repr()`` and ``format()`` print
  ``***``; a stray f-string or ``logging`` call cannot leak it. Code that really needs the
  value (the Basic auth header) says so with :meth:`Secret.reveal`.
- Every secret value is also recorded in a :class:`SecretRegistry`, so output writers can
  :func:`scrub` text they did not build themselves (a DUT that echoes the password in a
  CALLERROR, a websockets debug log) before it reaches disk.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

__all__ = [
    "MASK",
    "MIN_SCRUB_LENGTH",
    "Secret",
    "SecretRegistry",
    "known_secrets",
    "registry",
    "resolve_secret",
    "scrub",
]

MASK = "***"
"""What a secret looks like in any output."""

MIN_SCRUB_LENGTH = 4
"""Shorter values are not scrubbed: replacing every "1" or "ab" in a trace would wreck it
while protecting nothing (a secret that short is not a secret)."""

_ENV_PREFIX = "env:"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SecretRegistry:
    """A thread-safe set of secret values, and a scrubber built from it.

    Thread-safe because the pytest plugin, xdist workers' threads and the asyncio loop's
    executor may all write output while a profile is being loaded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        """Remember ``value`` so :meth:`scrub` removes it (ignored below the minimum length)."""
        if len(value) < MIN_SCRUB_LENGTH:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._pattern = None

    def values(self) -> frozenset[str]:
        """The values registered so far."""
        with self._lock:
            return frozenset(self._values)

    def clear(self) -> None:
        """Forget every value (for tests)."""
        with self._lock:
            self._values.clear()
            self._pattern = None

    def scrub(self, text: str) -> str:
        """``text`` with every registered value replaced by ``***``.

        Longest values are matched first so a secret that contains another one is masked
        whole rather than leaving its remainder behind.
        """
        with self._lock:
            if not self._values:
                return text
            if self._pattern is None:
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
            pattern = self._pattern
        return pattern.sub(MASK, text)

    def __contains__(self, value: object) -> bool:
        with self._lock:
            return value in self._values

    def __repr__(self) -> str:
        with self._lock:
            return f"<SecretRegistry: {len(self._values)} value(s)>"


registry = SecretRegistry()
"""The process-wide registry every :class:`Secret` registers with."""


def known_secrets() -> frozenset[str]:
    """Every secret value known to this process (for output writers)."""
    return registry.values()


def scrub(text: str) -> str:
    """``text`` with every known secret value replaced by ``***``."""
    return registry.scrub(text)


class Secret:
    """A secret string that prints as ``***`` however it is printed.

    The value is registered with :data:`registry` on creation, not on :meth:`reveal`: a
    loaded password can reach output without ever being revealed by us (the DUT may echo
    it), so it must be scrubbable from the start.

    ``origin`` says where a person finds the value (``"the DUT profile's dut.password"``):
    an operator asked to type it in is told where to look, never shown it.
    """

    __slots__ = ("_origin", "_value")

    def __init__(self, value: str, origin: str | None = None) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
        self._value = value
        self._origin = origin
        registry.add(value)

    def reveal(self) -> str:
        """The value itself; call only where the value must go on the wire."""
        return self._value

    @property
    def origin(self) -> str | None:
        """Where a person can read the value (None: nowhere but this process)."""
        return self._origin

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return self._value == other._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> Any:
        # Pickling would write the value to disk or a pipe unmasked (xdist, multiprocessing);
        # workers load the profile themselves instead.
        raise TypeError("a Secret cannot be pickled; load the profile in the worker instead")


def resolve_secret(value: str | Secret, key: str, source: str) -> Secret:
    """Turn a profile value into a :class:`Secret`.

    ``"env:NAME"`` reads the environment variable ``NAME``, so the profile file can be
    committed and shared; anything else is taken literally. ``key`` (dotted, e.g.
    ``dut.password``) and ``source`` (the profile file) only serve the error message.

    Raises :class:`harness.dut.ProfileError` when the variable is unset or empty, or the
    name after ``env:`` is not a valid variable name.
    """
    if isinstance(value, Secret):
        return value
    origin = f"the DUT profile's {key}"
    if not value.startswith(_ENV_PREFIX):
        return Secret(value, origin)
    # Imported here: harness.dut imports this module, and ProfileError belongs with the
    # profile loader.
    from harness.dut import ProfileError

    name = value[len(_ENV_PREFIX) :]
    if not _ENV_NAME.fullmatch(name):
        reason = f"{name!r} after 'env:' is not an environment variable name"
        raise ProfileError(source, key, reason)
    resolved = os.environ.get(name)
    if resolved is None:
        raise ProfileError(source, key, f"environment variable {name} is not set")
    if resolved == "":
        raise ProfileError(source, key, f"environment variable {name} is empty")
    return Secret(resolved, f"the environment variable {name} ({origin})")
