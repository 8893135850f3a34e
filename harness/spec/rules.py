"""The rule registry: every rule id a verdict can name, declared once with a summary.

A verdict names the rule the DUT broke (``B01.FR.05``, ``schema:BootNotificationRequest:
required``, ``ocppj.not-json``, ``expect:GetVariables``, ``timeout`` …). Those ids were
free strings, and free strings drift (``OCPP-J 3.2`` beside ``OCPP-J.3.2``). Here each
one is declared, as data a user can read and correct:

* ``harness/spec/rules/v16.toml``, ``v201.toml``, ``v21.toml`` (and the files of
  ``v201/`` …, one per functional block, merged; an id in two files is refused): the
  requirement ids of one version (Part 2 ids such as ``B01.FR.05``; for 1.6 the sections the harness
  names ``C16.<section>``) and the OCPP-J sections (``OCPP-J 3.2``). Keyed per version
  because an id can mean something else in another version (``B01.FR.05`` in 2.1).
  Each file also keeps ``beyond_row``: the rules a case checks that its Part 6 table
  does not list, with why (see the self-tests).
* ``harness/spec/rules/common.toml``: the rules that are not requirement ids (OCPP-J
  framing ``ocppj.*``, transport ``transport.*``, the harness's own ``timeout``,
  ``setup``, ``script`` …), each for every version unless it says otherwise, and the
  **families**, a pattern declared once: ``schema:<Schema>:<keyword>``,
  ``expect:<Action>``, ``answer:<Action>``. A family's placeholders are checked:
  ``<Action>`` must be an action of the version and ``<Schema>`` one of its schemas
  (from the JSON schemas the ``ocpp`` package ships), a listed placeholder one of its
  values.

The files are validated by ``schemas/rules.schema.json`` in the self-tests and read once,
on first use, from the installed package (``importlib.resources``), like the catalog.

The API: :func:`rule` (the :class:`Rule`: kind and summary), :func:`is_declared`,
:func:`check` (raises :class:`UndeclaredRule`, one line naming the id and the nearest
declared one) and :func:`check_case`, which ``@testcase`` calls so that a case naming
an undeclared rule fails at import (see its docstring for what it checks).
"""

from __future__ import annotations

import difflib
import inspect
import itertools
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import PurePath
from types import MappingProxyType
from typing import Any, Literal

from harness.dut_kind import DutKind
from harness.ocppj import OcppVersion
from harness.ocppj.schemas import known_actions, schema_name

__all__ = [
    "Family",
    "Kind",
    "Rule",
    "UndeclaredRule",
    "beyond_row",
    "case_rules",
    "check",
    "check_case",
    "declared",
    "families",
    "is_declared",
    "nearest",
    "problems",
    "rule",
    "versions_declaring",
]

Kind = Literal["requirement", "ocpp-j", "framing", "transport", "schema", "harness"]
Version = OcppVersion | str

_SLUGS = {OcppVersion.V16: "v16", OcppVersion.V201: "v201", OcppVersion.V21: "v21"}
#: the tables of a version file -> the kind of the ids they declare
_VERSION_TABLES: dict[str, Kind] = {
    "requirements": "requirement",
    "chapters": "requirement",
    "ocpp-j": "ocpp-j",
}
_PLACEHOLDER = re.compile(r"<(\w+)>")
_NOUNS = {"Action": "an action", "Schema": "a schema"}
#: ids that belong in a version file (the others in common.toml)
_REQUIREMENT_LIKE = re.compile(r"^(?:[A-Z][0-9]{2}\.FR\.|C16\.|OCPP-J |Part [0-9] )")


@dataclass(frozen=True)
class Rule:
    """A declared rule of one version."""

    id: str
    version: OcppVersion
    kind: Kind
    summary: str
    #: where the specification says it (framing and transport rules)
    reference: str | None = None
    #: the pattern of the family that declares it (None: declared by its id)
    family: str | None = None
    #: the file that declares it, under harness/spec/rules/
    source: str = ""


class UndeclaredRule(LookupError):
    """A rule id the registry does not declare for a version; ``str()`` is one line."""

    def __init__(self, message: str, rule_id: str, version: OcppVersion, near: str | None):
        super().__init__(message)
        self.rule_id = rule_id
        self.version = version
        self.nearest = near


@dataclass(frozen=True)
class Family:
    """Rule ids made from a pattern (``expect:<Action>``), declared once."""

    name: str
    pattern: str
    kind: Kind
    summary: str
    #: placeholder -> the values it may take (beside <Action> and <Schema>)
    values: Mapping[str, tuple[str, ...]]

    @property
    def prefix(self) -> str:
        """The literal text before the first placeholder (``expect:``)."""
        return _PLACEHOLDER.split(self.pattern, maxsplit=1)[0]

    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.pattern)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The pattern as a regular expression, one named group per placeholder."""
        pieces = _PLACEHOLDER.split(self.pattern)
        out = []
        for index, piece in enumerate(pieces):
            out.append(f"(?P<{piece}>[A-Za-z0-9_.-]+)" if index % 2 else re.escape(piece))
        return re.compile("^" + "".join(out) + "$")

    def vocabulary(self, version: OcppVersion, placeholder: str) -> frozenset[str] | None:
        """The values ``placeholder`` may take in ``version`` (None: any name)."""
        if placeholder == "Action":
            return known_actions(version)
        if placeholder == "Schema":
            return _schema_names(version)
        if placeholder in self.values:
            return frozenset(self.values[placeholder])
        return None

    def match(self, version: OcppVersion, rule_id: str) -> tuple[bool, str]:
        """Whether ``rule_id`` has the family's shape, and if so what is wrong with it
        ('' when nothing: it is declared)."""
        found = self.regex.match(rule_id)
        if found is None:
            return False, ""
        for placeholder, value in found.groupdict().items():
            allowed = self.vocabulary(version, placeholder)
            if allowed is not None and value not in allowed:
                noun = _NOUNS.get(placeholder, f"a {placeholder}")
                return True, f"{value!r} is not {noun} of OCPP {version.value}"
        return True, ""

    def expansions(self, version: OcppVersion) -> Iterator[str]:
        """Every id of the family in ``version`` (nothing when a placeholder is free)."""
        names = self.placeholders()
        vocabularies = [self.vocabulary(version, name) for name in names]
        if any(v is None for v in vocabularies):
            return
        for combination in itertools.product(*(sorted(v or ()) for v in vocabularies)):
            text = self.pattern
            for name, value in zip(names, combination, strict=True):
                text = text.replace(f"<{name}>", value, 1)
            yield text


def _version(version: Version) -> OcppVersion:
    return version if isinstance(version, OcppVersion) else OcppVersion.parse(version)


@cache
def _schema_names(version: OcppVersion) -> frozenset[str]:
    return frozenset(
        schema_name(version, action, response)
        for action in known_actions(version)
        for response in (False, True)
    )


@cache
def _document(name: str) -> dict[str, Any]:
    data = files("harness.spec").joinpath("rules", f"{name}.toml").read_bytes()
    return tomllib.loads(data.decode("utf-8"))


@cache
def _version_documents(slug: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, contents) of a version's rule files: ``<slug>.toml`` and the files of
    ``<slug>/`` (one per functional block, so that blocks are declared side by side
    without editing one file), in name order."""
    found = [(f"{slug}.toml", _document(slug))]
    folder = files("harness.spec").joinpath("rules", slug)
    if folder.is_dir():
        for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
            if item.name.endswith(".toml"):
                text = item.read_bytes().decode("utf-8")
                found.append((f"{slug}/{item.name}", tomllib.loads(text)))
    return tuple(found)


def _merged(slug: str, table: str) -> dict[str, tuple[Any, str]]:
    """One table of a version's rule files, merged: key -> (value, file). A key in two
    files is refused, naming both (a rule has one summary, a case one beyond_row)."""
    merged: dict[str, tuple[Any, str]] = {}
    for source, document in _version_documents(slug):
        for key, value in document.get(table, {}).items():
            if key in merged:
                raise ValueError(
                    f"harness/spec/rules: {table} {key!r} is declared in both "
                    f"{merged[key][1]} and {source}"
                )
            merged[key] = (value, source)
    return merged


@cache
def _declared(version: OcppVersion) -> Mapping[str, Rule]:
    slug = _SLUGS[version]
    rules: dict[str, Rule] = {}
    for table, kind in _VERSION_TABLES.items():
        for rule_id, (summary, source) in _merged(slug, table).items():
            if rule_id in rules:
                raise ValueError(
                    f"harness/spec/rules: {rule_id!r} is declared both as "
                    f"{rules[rule_id].kind} and in [{table}] of {source}"
                )
            rules[rule_id] = Rule(rule_id, version, kind, summary, source=source)
    for rule_id, raw in _document("common").get("rule", {}).items():
        if version.value in raw.get("versions", [v.value for v in OcppVersion]):
            rules[rule_id] = Rule(
                rule_id,
                version,
                raw["kind"],
                raw["summary"],
                reference=raw.get("reference"),
                source="common.toml",
            )
    return MappingProxyType(rules)


@cache
def _families() -> tuple[Family, ...]:
    return tuple(
        Family(
            name=name,
            pattern=raw["pattern"],
            kind=raw["kind"],
            summary=raw["summary"],
            values=MappingProxyType(
                {key: tuple(values) for key, values in raw.get("values", {}).items()}
            ),
        )
        for name, raw in _document("common").get("family", {}).items()
    )


def declared(version: Version) -> Mapping[str, Rule]:
    """The rules of ``version`` declared by their id (the families apart)."""
    return _declared(_version(version))


def families() -> tuple[Family, ...]:
    """The rule families, in file order."""
    return _families()


def beyond_row(version: Version) -> Mapping[str, Mapping[str, str]]:
    """Case id -> {rule: why} for the rules a case checks that its catalog row (its
    Part 6 table) does not list."""
    raw = _merged(_SLUGS[_version(version)], "beyond_row")
    return MappingProxyType(
        {case: MappingProxyType(dict(rules)) for case, (rules, _) in raw.items()}
    )


@cache
def _lookup(version: OcppVersion, rule_id: str) -> tuple[Rule | None, str]:
    """The rule, or None and what is wrong with a family-shaped id ('' otherwise)."""
    known = _declared(version).get(rule_id)
    if known is not None:
        return known, ""
    problems = []
    for family in _families():
        shaped, problem = family.match(version, rule_id)
        if shaped and not problem:
            summary = family.summary
            found = family.regex.match(rule_id)
            for placeholder, value in (found.groupdict() if found else {}).items():
                summary = summary.replace(f"<{placeholder}>", value)
            rule_ = Rule(
                rule_id, version, family.kind, summary, family=family.pattern, source="common.toml"
            )
            return rule_, ""
        if shaped:
            problems.append(problem)
    return None, problems[0] if problems else ""


def is_declared(version: Version, rule_id: str) -> bool:
    """Whether ``rule_id`` is declared for ``version`` (by its id or by a family)."""
    return _lookup(_version(version), rule_id)[0] is not None


def nearest(version: Version, rule_id: str) -> str | None:
    """The declared id of ``version`` closest in spelling to ``rule_id``: among the
    family's ids when ``rule_id`` starts like one (``expect:…``), else among all."""
    v = _version(version)
    pool = list(_declared(v))
    for family in _families():
        if family.prefix and rule_id.startswith(family.prefix):
            expanded = list(family.expansions(v))
            if expanded:
                pool = expanded
                break
    found = difflib.get_close_matches(rule_id, pool, n=1, cutoff=0.0)
    return found[0] if found else None


def _message(where: str, version: OcppVersion, rule_id: str, problem: str) -> UndeclaredRule:
    near = nearest(version, rule_id)
    elsewhere = [v.value for v in OcppVersion if v is not version and is_declared(v, rule_id)]
    if not problem and elsewhere:
        problem = f"it is for OCPP {', '.join(elsewhere)}"
    text = f"{where}: " if where else ""
    text += f"rule {rule_id!r} is not declared for OCPP {version.value}"
    text += f" ({problem})" if problem else ""
    text += f"; nearest declared: {near!r}" if near else ""
    if not problem:
        text += f"; declare it in harness/spec/rules/{_home(version, rule_id)}"
    return UndeclaredRule(text, rule_id, version, near)


def rule(version: Version, rule_id: str) -> Rule:
    """The declared rule ``rule_id`` of ``version``: its kind and summary. Raises
    :class:`UndeclaredRule` for an id the registry does not declare."""
    v = _version(version)
    found, problem = _lookup(v, rule_id)
    if found is None:
        raise _message("", v, rule_id, problem)
    return found


def check(version: Version, rule_id: str, *, where: str = "") -> Rule:
    """:func:`rule`, with ``where`` (a case id, a file and line) leading the message."""
    v = _version(version)
    found, problem = _lookup(v, rule_id)
    if found is None:
        raise _message(where, v, rule_id, problem)
    return found


def versions_declaring(rule_id: str) -> tuple[OcppVersion, ...]:
    """The versions that declare ``rule_id`` (for code that serves several versions)."""
    return tuple(v for v in OcppVersion if is_declared(v, rule_id))


# -- a case's rules ----------------------------------------------------------------------


def case_rules(info: Any, func: Callable[..., Any] | None = None) -> Iterator[tuple[str, str]]:
    """(rule, where) for every rule a case names: its ``requirements``, the rule each
    defect of ``catches`` and ``warns`` must fail it with (the stated one, else the
    defect's own for the case's version), and the rule literals of ``func`` and of the
    module-level helpers and constants it uses (:mod:`harness.spec.rule_literals`)."""
    from harness.sim.defects import defects_for  # the simulator imports much; only here

    for requirement in info.requirements:
        yield requirement, f"{info.id}: requirements"
    known = defects_for(DutKind(info.dut_kind).sim_side, info.ocpp.value)
    for field, defects in (("catches", info.catches), ("warns", info.warns)):
        for name, stated in defects.items():
            if stated is not None:
                yield stated, f"{info.id}: {field} {name!r}"
            elif name in known:
                yield known[name].rule_for(info.ocpp.value), f"{info.id}: defect {name!r}"
    if func is not None:
        yield from _literals_of(info.id, func)


def _literals_of(case_id: str, func: Callable[..., Any]) -> Iterator[tuple[str, str]]:
    from harness.spec.rule_literals import function_literals

    module = inspect.getmodule(func)
    try:
        source = inspect.getsource(module) if module is not None else None
        path = inspect.getsourcefile(func) or "?"
    except (OSError, TypeError):
        source = None  # no source to read (a frozen or generated module): the self-test
    if not source:
        return
    name = getattr(func, "__name__", "")
    short = "/".join(PurePath(path).parts[-3:])
    for literal in function_literals(source, name):
        yield literal.rule, f"{case_id} ({short}:{literal.line})"


def check_case(info: Any, func: Callable[..., Any] | None = None) -> None:
    """Raise :class:`UndeclaredRule` (one line) for the first rule the case names that
    is not declared for its version; see :func:`case_rules` for what it names.

    ``@testcase`` calls this as it decorates, so a typo in a rule fails the import of
    the module. The literals are read from the module's source with :mod:`ast` (no
    code is run); a case whose source cannot be read is checked on ``requirements``
    and ``catches`` only, and the self-tests scan the catalog's source as well.
    """
    for rule_id, where in case_rules(info, func):
        check(info.ocpp, rule_id, where=where)


def problems(version: Version, items: Iterable[tuple[str, str]]) -> list[str]:
    """The one-line error of every undeclared rule of ``(rule, where)`` pairs."""
    v = _version(version)
    found = []
    for rule_id, where in items:
        try:
            check(v, rule_id, where=where)
        except UndeclaredRule as error:
            found.append(str(error))
    return found


def _home(version: OcppVersion, rule_id: str) -> str:
    """Where an undeclared rule belongs: its block's file when the version has one
    (``v201/g_availability.toml`` for a G id), else the version's file, or common.toml
    for a rule that is no requirement id."""
    if not _REQUIREMENT_LIKE.match(rule_id):
        return "common.toml"
    slug = _SLUGS[version]
    block = rule_id[0].lower()
    for source, _ in _version_documents(slug):
        if source.startswith(f"{slug}/{block}_"):
            return source
    return f"{slug}.toml"
