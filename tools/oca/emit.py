"""Writes the catalog and feature tables as TOML a person can read and correct: one
table per case (``[TC_B_01_CS]``) or feature (``[[feature]]``), keys in a fixed order,
empty optional keys left out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["CASE_KEYS", "FEATURE_KEYS", "STATUS_KEYS", "toml_document"]

CASE_KEYS = (
    "title",
    "dut_kind",
    "block",
    "block_name",
    "use_cases",
    "requirements",
    "table",
    "states",
    "prerequisites",
    "removed",
    "profiles",
    "profile_source",
    "condition",
    "note",
    "source",
)
STATUS_KEYS = ("profile", "status", "condition", "features", "note", "erratum")
FEATURE_KEYS = (
    "id",
    "name",
    "roles",
    "profile",
    "kind",
    "variable",
    "parent",
    "aliases",
    "removed",
    "source",
)
_ALWAYS = {"use_cases", "requirements", "states", "prerequisites", "title", "aliases", "name"}


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _pairs(record: Mapping[str, object], keys: Sequence[str]) -> list[str]:
    unknown = set(record) - set(keys) - {"part5"}
    if unknown:
        raise ValueError(f"keys without a place in the order: {sorted(unknown)}")
    lines = []
    for key in keys:
        value = record.get(key)
        if value is None or value is False or (value == [] and key not in _ALWAYS):
            continue
        lines.append(f"{key} = {_value(value)}")
    return lines


def toml_document(
    header: str,
    meta: Mapping[str, object],
    cases: Iterable[tuple[str, Mapping[str, object]]] = (),
    features: Iterable[Mapping[str, object]] = (),
) -> str:
    """The whole file: the comment header, top-level keys, then the tables."""
    lines = [f"# {line}".rstrip() for line in header.strip("\n").split("\n")]
    lines.append("")
    lines += [f"{key} = {_value(value)}" for key, value in meta.items()]
    for case_id, record in cases:
        lines += ["", f"[{case_id}]", *_pairs(record, CASE_KEYS)]
        for status in record.get("part5", ()):  # type: ignore[union-attr]
            lines += ["", f"[[{case_id}.part5]]", *_pairs(status, STATUS_KEYS)]
    for feature in features:
        lines += ["", "[[feature]]", *_pairs(feature, FEATURE_KEYS)]
    return "\n".join(lines) + "\n"
