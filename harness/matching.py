"""Subset matching of payloads, with a difference a person can read.

``expect("StatusNotification", connectorStatus="Available")`` matches any payload that
has at least those fields with those values. Nested dicts match as subsets too; a
callable is a predicate; lists must be equal. When a payload does not match, the
difference names each path, what was expected and what arrived (as pytest-httpserver's
``RequestMatcher.difference()`` does).

Part 6's tool validations have a few recurring shapes, so they are named matchers that
say what they wanted when they fail: :func:`one_of` ("status Accepted or
NotImplemented"), :func:`absent_or` ("attributeStatusInfo is absent or reasonCode
NoError"), :data:`ABSENT`, :func:`exactly_one`, :func:`each`, :func:`has_item` ("has
(in arbitrary order) a result for …") and :func:`first_item` (Part 6's ``list[0].field``)
for lists, :data:`DIGITS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "ABSENT",
    "ANY",
    "DIGITS",
    "Matcher",
    "absent_or",
    "differences",
    "each",
    "exactly_one",
    "first_item",
    "has_item",
    "one_of",
]


class _Any:
    def __repr__(self) -> str:
        return "ANY"


#: matches any value, but the field must be present
ANY: Any = _Any()

_MISSING = object()


class Matcher:
    """A named check of one value; ``describe`` says what it wants, in a failure."""

    #: whether a missing field satisfies it
    allows_missing = False

    def differences(self, value: Any, path: str) -> list[str]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def __call__(self, value: Any) -> bool:
        return not self.differences(value, "$")

    def __repr__(self) -> str:
        return self.describe()


class _OneOf(Matcher):
    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values

    def differences(self, value: Any, path: str) -> list[str]:
        if any(value == v and type(value) is type(v) for v in self.values):
            return []
        return [f"{path}: expected {self.describe()}, got {value!r}"]

    def describe(self) -> str:
        return " or ".join(repr(v) for v in self.values)


def one_of(*values: Any) -> Matcher:
    """The value equals one of ``values``."""
    return _OneOf(values)


class _AbsentOr(Matcher):
    allows_missing = True

    def __init__(self, want: Any) -> None:
        self.want = want

    def differences(self, value: Any, path: str) -> list[str]:
        if self.want is _MISSING:
            return [f"{path}: expected to be absent, got {value!r}"]
        return _differ(self.want, value, path)

    def describe(self) -> str:
        return "absent" if self.want is _MISSING else f"absent or {self.want!r}"


#: the field must not be there
ABSENT: Matcher = _AbsentOr(_MISSING)


def absent_or(want: Any) -> Matcher:
    """The field is absent, or (matches) ``want``."""
    return _AbsentOr(want)


class _Items(Matcher):
    def __init__(self, pattern: Any, *, exactly_one: bool) -> None:
        self.pattern = pattern
        self.exactly_one = exactly_one

    def differences(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        if self.exactly_one and len(value) != 1:
            return [f"{path}: expected exactly one item, got {len(value)}"]
        found: list[str] = []
        for index, item in enumerate(value):
            found.extend(_differ(self.pattern, item, f"{path}[{index}]"))
        return found

    def describe(self) -> str:
        which = "exactly one item" if self.exactly_one else "items each"
        return f"{which} matching {self.pattern!r}"


def exactly_one(pattern: Any) -> Matcher:
    """A list of one item that matches ``pattern`` (e.g. one result per request item)."""
    return _Items(pattern, exactly_one=True)


def each(pattern: Any) -> Matcher:
    """A list whose every item matches ``pattern``."""
    return _Items(pattern, exactly_one=False)


class _HasItem(Matcher):
    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern

    def differences(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        misses = [
            _differ(self.pattern, item, f"{path}[{index}]") for index, item in enumerate(value)
        ]
        if not misses or all(misses):
            closest = min(misses, key=len) if misses else []
            why = f" (closest: {'; '.join(closest)})" if closest else " (the list is empty)"
            return [f"{path}: no item matches {self.pattern!r}{why}"]
        return []

    def describe(self) -> str:
        return f"an item matching {self.pattern!r}"


def has_item(pattern: Any) -> Matcher:
    """A list with an item that matches ``pattern``, wherever it is: Part 6's "has (in
    arbitrary order)" for the results of a request of several items."""
    return _HasItem(pattern)


class _FirstItem(Matcher):
    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern

    def differences(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list) or not value:
            return [f"{path}: expected a list with a first item, got {value!r}"]
        return _differ(self.pattern, value[0], f"{path}[0]")

    def describe(self) -> str:
        return f"a first item matching {self.pattern!r}"


def first_item(pattern: Any) -> Matcher:
    """A list whose first item matches ``pattern``: Part 6's ``meterValue[0].…``."""
    return _FirstItem(pattern)


class _Digits(Matcher):
    def differences(self, value: Any, path: str) -> list[str]:
        if isinstance(value, str) and value.isdigit():
            return []
        return [f"{path}: expected a string of digits, got {value!r}"]

    def describe(self) -> str:
        return "a string of digits"


#: a non-negative integer written as a string (device-model integer values)
DIGITS: Matcher = _Digits()


def _differ(want: Any, have: Any, path: str) -> list[str]:
    """Differences of one value against what is wanted of it (any kind of want)."""
    if want is ANY:
        return []
    if isinstance(want, Matcher):
        return want.differences(have, path)
    if isinstance(want, Mapping):
        return differences(want, have, path)
    if callable(want):
        if _call(want, have):
            return []
        name = getattr(want, "__name__", repr(want))
        return [f"{path}: {have!r} does not satisfy {name}"]
    if have != want or type(have) is bool and type(want) is not bool:
        return [f"{path}: expected {want!r}, got {have!r}"]
    return []


def differences(expected: Mapping[str, Any], actual: Any, path: str = "$") -> list[str]:
    """Every way ``actual`` fails to contain ``expected``; empty when it matches."""
    if not isinstance(actual, Mapping):
        return [f"{path}: expected an object, got {actual!r}"]
    found = []
    for key, want in expected.items():
        here = f"{path}.{key}"
        have = actual.get(key, _MISSING)
        if have is _MISSING:
            if not (isinstance(want, Matcher) and want.allows_missing):
                found.append(f"{here}: missing, expected {want!r}")
            continue
        found.extend(_differ(want, have, here))
    return found


def _call(predicate: Callable[[Any], Any], value: Any) -> bool:
    try:
        return bool(predicate(value))
    except Exception:
        return False
