"""Subset matching of payloads, with a difference a person can read.

``expect("StatusNotification", connectorStatus="Available")`` matches any payload that
has at least those fields with those values. Nested dicts match as subsets too; a
callable is a predicate; lists must be equal. When a payload does not match, the
difference names each path, what was expected and what arrived (as pytest-httpserver's
``RequestMatcher.difference()`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ANY", "differences", "matches"]


class _Any:
    def __repr__(self) -> str:
        return "ANY"


#: matches any value, but the field must be present
ANY: Any = _Any()

_MISSING = object()


def differences(expected: Mapping[str, Any], actual: Any, path: str = "$") -> list[str]:
    """Every way ``actual`` fails to contain ``expected``; empty when it matches."""
    if not isinstance(actual, Mapping):
        return [f"{path}: expected an object, got {actual!r}"]
    found = []
    for key, want in expected.items():
        here = f"{path}.{key}"
        have = actual.get(key, _MISSING)
        if have is _MISSING:
            found.append(f"{here}: missing, expected {want!r}")
        elif want is ANY:
            continue
        elif isinstance(want, Mapping):
            found.extend(differences(want, have, here))
        elif callable(want):
            if not _call(want, have):
                name = getattr(want, "__name__", repr(want))
                found.append(f"{here}: {have!r} does not satisfy {name}")
        elif have != want or type(have) is bool and type(want) is not bool:
            found.append(f"{here}: expected {want!r}, got {have!r}")
    return found


def _call(predicate: Callable[[Any], Any], value: Any) -> bool:
    try:
        return bool(predicate(value))
    except Exception:  # noqa: BLE001 - a predicate that raises means "no match"
        return False


def matches(expected: Mapping[str, Any], actual: Any) -> bool:
    return not differences(expected, actual)
