"""The two families of things that go wrong in a run, kept apart.

A DUT that breaks a rule makes the case **fail**: :class:`DutFailure` is an
``AssertionError`` that carries the rule (schema rule, OCPP-J section or requirement id
such as ``B01.FR.05``) and the frame that proves it. Anything else that goes wrong — a
port in use, a DUT that never connects, a broken control adapter — is the harness's or
the set-up's problem and the case is an **error** (:class:`HarnessError`). Misuse of the
API by a test author is a :class:`ScriptError`, raised at once (an error too).
"""

from __future__ import annotations

__all__ = ["DutFailure", "HarnessError", "ScriptError"]


class DutFailure(AssertionError):
    """The DUT broke ``rule``; ``frame`` is the raw text of the frame that shows it."""

    def __init__(self, reason: str, rule: str, frame: str | None = None) -> None:
        super().__init__(f"{reason} [{rule}]")
        self.reason = reason
        self.rule = rule
        self.frame = frame


class HarnessError(Exception):
    """The harness or the set-up broke (not the DUT): the verdict is *error*."""

    def __init__(self, reason: str, rule: str = "harness") -> None:
        super().__init__(reason)
        self.reason = reason
        self.rule = rule


class ScriptError(HarnessError):
    """A test case used the harness API wrongly (a bug in the test case)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "script")
