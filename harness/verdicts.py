"""The two families of things that go wrong in a run, kept apart.

A DUT that breaks a rule makes the case **fail**: :class:`DutFailure` is an
``AssertionError`` that carries the rule (schema rule, OCPP-J section or requirement id
such as ``B01.FR.05``) and the frame that proves it. Anything else that goes wrong — a
port in use, a DUT that never connects, a broken control adapter — is the harness's or
the set-up's problem and the case is an **error** (:class:`HarnessError`). Misuse of the
API by a test author is a :class:`ScriptError`, raised at once (an error too).

Beside the verdict, a case carries **named warnings** (:class:`CaseWarning`): the second
axis. A check the harness makes although OCTT does not (a rule of the specification
that the OCA case leaves unchecked), or a place where OCTT expects more than the
specification asks, is reported as a warning and does not fail the case — unless the run
is strict (``--strict``), a rehearsal of the certification run, where every such warning
is a failure.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from harness.cut import REASON_CHARS, cut

__all__ = [
    "CaseWarning",
    "DutFailure",
    "HarnessError",
    "ScriptError",
    "Verdict",
    "WarningKind",
    "classify",
]


class Verdict(enum.StrEnum):
    """What one case says: the DUT kept the rules, broke one, the harness or set-up
    broke, or the case did not apply. A ``str`` too, so report.json and the reports
    write it as it is."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def is_bad(self) -> bool:
        """A verdict a CI gate stops on."""
        return self in (Verdict.FAILED, Verdict.ERROR)


class WarningKind(enum.Enum):
    """Why a finding is a warning rather than a failure."""

    #: a rule of the specification that the OCA case does not check at this step
    BEYOND_OCTT = "beyond-octt"
    #: OCTT expects more here than the specification requires
    OCTT_STRICTER = "octt-stricter"
    #: an observation that breaks no rule the run enforces (lenient schema checks,
    #: an unknown CALLERROR code); ``--strict`` leaves these alone
    NOTE = "note"

    @property
    def strict_fails(self) -> bool:
        """Whether ``--strict`` turns a warning of this kind into a failure."""
        return self is not WarningKind.NOTE


@dataclass(frozen=True)
class CaseWarning:
    """A named warning on a case: what the DUT did, the rule, and why it only warns."""

    kind: WarningKind
    rule: str
    reason: str
    frame: str | None = None
    #: why this check only warns (which OCTT step it goes beyond, say)
    why: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", cut(self.reason, REASON_CHARS))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value, "rule": self.rule, "reason": self.reason}
        if self.why:
            data["why"] = self.why
        if self.frame is not None:
            data["frame"] = self.frame
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseWarning:
        """The warning ``to_json`` wrote (a parallel run's worker sends it so)."""
        return cls(
            WarningKind(data["kind"]),
            data["rule"],
            data["reason"],
            data.get("frame"),
            data.get("why", ""),
        )

    def line(self) -> str:
        """One line for terminals and JUnit properties."""
        return f"{self.kind.value} [{self.rule}]: {self.reason}"


class DutFailure(AssertionError):
    """The DUT broke ``rule``; ``frame`` is the raw text of the frame that shows it."""

    def __init__(self, reason: str, rule: str, frame: str | None = None) -> None:
        reason = cut(reason, REASON_CHARS)  # a DUT's value may be megabytes long
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


class Unreachable(HarnessError):
    """The DUT never connected, or could not be connected to: a set-up error, after
    which the run's other cases of that DUT are skipped rather than each waiting out
    its own connect timeout (``--connect-each-case`` waits again in every case)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "setup")


class ScriptError(HarnessError):
    """A test case used the harness API wrongly (a bug in the test case)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "script")


def classify(exc: BaseException) -> tuple[Verdict, str, str]:
    """(verdict, one-line reason, rule) of what a case or a step raised: the one place
    that decides whose fault an exception is (the report's verdict and each step's
    outcome both ask here)."""
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, DutFailure):
        return Verdict.FAILED, exc.reason, exc.rule
    if isinstance(exc, HarnessError):
        return Verdict.ERROR, exc.reason, exc.rule
    if isinstance(exc, AssertionError):
        return Verdict.FAILED, first_line or "assertion failed", "assertion"
    if type(exc).__name__ in ("Skipped", "XFailed"):  # pytest.skip / xfail inside a step
        return Verdict.SKIPPED, str(getattr(exc, "msg", first_line)), ""
    return Verdict.ERROR, f"{type(exc).__name__}: {first_line}".rstrip(": "), "harness"
