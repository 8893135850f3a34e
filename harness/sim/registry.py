"""What the defect and option registries share: entries named per side and version."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

__all__ = ["Entry", "by_side"]


class Entry(Protocol):
    """A registry entry: a defect or an option."""

    @property
    def name(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def versions(self) -> frozenset[str]: ...


E = TypeVar("E", bound=Entry)


def by_side(entries: Iterable[E], side: str, version: str | None = None) -> dict[str, E]:
    """The entries of one side (and version, when given), keyed by name."""
    return {
        e.name: e for e in entries if e.side == side and (version is None or version in e.versions)
    }
