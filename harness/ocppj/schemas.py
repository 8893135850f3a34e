"""Schema checks of OCPP payloads against the official JSON schemas.

The schema files come from the installed ``ocpp`` package (1.6: ``BootNotification.json``
and ``BootNotificationResponse.json``; 2.0.1 and 2.1: ``BootNotificationRequest.json`` and
``BootNotificationResponse.json``). We use its files, not its routing classes: a harness
must see and report what those classes would refuse.

Validators are compiled once per (version, schema) with jsonschema-rs, because frame
validation is the harness's hot path. Checks return violations, never raise: a broken DUT
payload is an observation, not a crash.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import jsonschema_rs

from harness.cut import MESSAGE_CHARS, cut
from harness.ocppj.frames import OcppVersion
from harness.severity import Severity

__all__ = [
    "SchemaViolation",
    "Severity",
    "Strictness",
    "known_actions",
    "load_schema",
    "schema_name",
    "time_precision_violations",
    "validate_payload",
]

_PACKAGE_DIRS = {OcppVersion.V16: "v16", OcppVersion.V201: "v201", OcppVersion.V21: "v21"}


class Strictness(enum.Enum):
    """``strict``: every schema rule fails; ``lenient``: unknown fields are warnings."""

    STRICT = "strict"
    LENIENT = "lenient"


@dataclass(frozen=True)
class SchemaViolation:
    """One schema rule a payload breaks.

    ``rule`` is ``schema:<SchemaName>:<keyword>``, ``path`` a JSON path into the payload
    (``$.chargingStation.model``), ``message`` what is wrong in words.
    """

    schema: str
    keyword: str
    path: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def rule(self) -> str:
        return f"schema:{self.schema}:{self.keyword}"

    def __str__(self) -> str:
        return f"{self.schema}: {self.path}: {self.message} (schema rule: {self.keyword})"


def schema_name(version: OcppVersion, action: str, response: bool) -> str:
    """The schema's name as the specification spells it: ``BootNotificationRequest``."""
    return f"{action}{'Response' if response else 'Request'}"


def _file_name(version: OcppVersion, action: str, response: bool) -> str:
    if version is OcppVersion.V16:
        return f"{action}{'Response' if response else ''}.json"
    name = f"{schema_name(version, action, response)}.json"
    if not response and not _schema_dir(version).joinpath(name).is_file():
        return f"{action}.json"  # 2.1 SEND-only messages: NotifyPeriodicEventStream.json
    return name


def _schema_dir(version: OcppVersion) -> Traversable:
    return resources.files("ocpp").joinpath(_PACKAGE_DIRS[version], "schemas")


@functools.cache
def known_actions(version: OcppVersion) -> frozenset[str]:
    """Every action the version defines, read from the schema files that exist.

    Includes the 2.1 messages that only travel as SEND (no Response schema).
    """
    names = set()
    for entry in _schema_dir(version).iterdir():
        if not entry.name.endswith(".json"):
            continue
        stem = entry.name[: -len(".json")]
        for suffix in ("Response", "Request"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        names.add(stem)
    return frozenset(names)


#: a SEND is never answered (OCPP 2.1 §4.2.5); the only response-shaped payload is {}
_NO_RESPONSE: dict[str, Any] = {"type": "object", "additionalProperties": False}


@functools.cache
def load_schema(version: OcppVersion, action: str, response: bool) -> dict[str, Any]:
    """The parsed schema file of an action's request or response (cached; do not mutate)."""
    path = _schema_dir(version).joinpath(_file_name(version, action, response))
    if response and not path.is_file():
        return _NO_RESPONSE
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _validator(version: OcppVersion, action: str, response: bool) -> Any:
    # Each file names its draft (04 for 1.6, 06 for 2.0.1 and 2.1); honour it.
    return jsonschema_rs.validator_for(load_schema(version, action, response))


def validate_payload(
    version: OcppVersion,
    action: str,
    payload: Any,
    *,
    response: bool,
    strictness: Strictness = Strictness.STRICT,
) -> list[SchemaViolation]:
    """Check a request (``response=False``) or response payload of ``action``.

    Returns an empty list when the payload is valid. An action the version does not
    define yields one ``unknown-action`` violation.
    """
    name = schema_name(version, action, response)
    if action not in known_actions(version):
        return [
            SchemaViolation(
                name,
                "unknown-action",
                "$",
                f"OCPP {version.value} defines no action {action!r}",
            )
        ]
    validator = _validator(version, action, response)
    try:
        if validator.is_valid(payload):
            return time_precision_violations(version, action, payload, response=response)
        errors = list(validator.iter_errors(payload))
    except UnicodeEncodeError:
        # JSON may escape a lone surrogate (\ud800); jsonschema-rs takes only valid
        # Unicode. Check a copy with such characters replaced: the rules are the same.
        errors = list(validator.iter_errors(_without_surrogates(payload)))
    violations = []
    for error in errors:
        keyword = error.kind.name
        path = _json_path(error.instance_path)
        if keyword == "required":
            path = _json_path([*error.instance_path, error.kind.property])
        severity = Severity.ERROR
        if keyword == "additionalProperties" and strictness is Strictness.LENIENT:
            severity = Severity.WARNING
        # the message quotes the value it rejects, which a DUT may make megabytes long
        message = cut(error.message, MESSAGE_CHARS)
        violations.append(
            SchemaViolation(name, keyword, cut(path, MESSAGE_CHARS), message, severity)
        )
    return violations


#: the keyword of a time value with too many decimals: ``schema:<Schema>:time-precision``
TIME_PRECISION = "time-precision"
#: the decimals of a second of an RFC 3339 date-time
_SECOND_FRACTION = re.compile(r"T\d\d:\d\d:\d\d\.(\d+)")
#: Part 2 §3.1 (2.0.1 and 2.1): at most three decimals of a second; 1.6 has no limit
_MAX_DECIMALS = {OcppVersion.V201: 3, OcppVersion.V21: 3}


def time_precision_violations(
    version: OcppVersion, action: str, payload: Any, *, response: bool
) -> list[SchemaViolation]:
    """The time values of ``payload`` with more decimals of a second than the version
    allows (Part 2 §3.1), one violation each. The schemas say only ``format:
    date-time``, which RFC 3339 lets carry any number of them."""
    limit = _MAX_DECIMALS.get(version)
    if limit is None:
        return []
    found = []
    for path in _time_paths(version, action, response):
        for where, value in _values_at(payload, path, ["$"]):
            match = _SECOND_FRACTION.search(value) if isinstance(value, str) else None
            if match is None or len(match.group(1)) <= limit:
                continue
            found.append(
                SchemaViolation(
                    schema_name(version, action, response),
                    TIME_PRECISION,
                    cut("".join(where), MESSAGE_CHARS),
                    cut(
                        f"{value!r} gives {len(match.group(1))} decimals of a second; OCPP "
                        f"{version.value} Part 2 §3.1 allows at most {limit}",
                        MESSAGE_CHARS,
                    ),
                )
            )
    return found


@functools.cache
def _time_paths(version: OcppVersion, action: str, response: bool) -> tuple[tuple[str, ...], ...]:
    """Where the schema has date-time fields: keys, ``*`` for each item of an array."""
    schema = load_schema(version, action, response)
    definitions = schema.get("definitions", {})
    paths: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...], seen: frozenset[str]) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in seen or name not in definitions:
                return
            node, seen = definitions[name], seen | {name}
        if node.get("format") == "date-time":
            paths.append(path)
        for key, child in node.get("properties", {}).items():
            walk(child, (*path, key), seen)
        walk(node.get("items"), (*path, "*"), seen)

    walk(schema, (), frozenset())
    return tuple(paths)


def _values_at(value: Any, path: tuple[str, ...], where: list[str]) -> list[tuple[list[str], Any]]:
    """(JSON path parts, value) of what ``path`` reaches in ``value``."""
    if not path:
        return [(where, value)]
    head, rest = path[0], path[1:]
    if head == "*":
        if not isinstance(value, list):
            return []
        return [
            found
            for index, item in enumerate(value)
            for found in _values_at(item, rest, [*where, f"[{index}]"])
        ]
    if not isinstance(value, dict) or head not in value:
        return []
    return _values_at(value[head], rest, [*where, f".{head}"])


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def _json_path(parts: list[str | int]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
