"""Part 5 conditions as small expressions that can be checked against a DUT profile.

Part 5 says when a conditional (C) case must be passed with a line such as
``C-44 or NOT AQ-16`` or ``(C-30 or C-31) AND (Local Authorization List Management or
C-49)``. The catalog stores each of them in a canonical form of this grammar, so that
the harness can decide applicability from the features a DUT declares and say which
feature was missing:

    expr    := and_expr ("or" and_expr)*
    and_exp := unary ("and" unary)*
    unary   := "not" unary | "(" expr ")" | TERM
    TERM    := a feature id (C-44, UI-1.1, AQ-16, ISO-3, HFS-13, DM-0 …), a readable
               alias (boot_pending), profile:<slug> (a certification profile) or
               subtype:<slug> (a product subtype, e.g. subtype:mode-1-2-only)

Operators are case-insensitive, because Part 5 writes them in both cases. The parser
knows nothing of which ids exist: that is data, checked by the self-tests against the
feature tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["And", "Condition", "Not", "Or", "Term", "canonical_term", "parse"]

Supports = Callable[[str], bool]
Describe = Callable[[str], str]

_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[A-Za-z0-9][A-Za-z0-9_.:\-]*))")
_OPERATORS = {"and", "or", "not"}
_FEATURE_ID = re.compile(r"^[A-Za-z]+-\d+(?:\.\d+)*$")
_PREFIXED = ("profile:", "subtype:")


class Condition:
    """A parsed condition; build one with :func:`parse`."""

    def holds(self, supports: Supports) -> bool:
        """Whether the condition is met when ``supports(term)`` says which terms the DUT
        has (a feature id, an alias, ``profile:…`` or ``subtype:…``)."""
        raise NotImplementedError

    def ids(self) -> set[str]:
        """Every term the condition names, in canonical spelling."""
        raise NotImplementedError

    def explain(self, supports: Supports, describe: Describe = str) -> str:
        """Why the condition does not hold, as ``"needs C-44 (…) or no AQ-16 (…)"``;
        ``describe`` turns a term into its readable form. Empty when it holds."""
        if self.holds(supports):
            return ""
        return "needs " + self._why(supports, describe)

    def _why(self, supports: Supports, describe: Describe) -> str:
        raise NotImplementedError

    def _precedence(self) -> int:
        raise NotImplementedError

    def _wrapped(self, outer: int) -> str:
        text = str(self)
        return f"({text})" if self._precedence() < outer else text


@dataclass(frozen=True)
class Term(Condition):
    """One feature id, alias, profile or subtype."""

    name: str

    def holds(self, supports: Supports) -> bool:
        return bool(supports(self.name))

    def ids(self) -> set[str]:
        return {self.name}

    def _why(self, supports: Supports, describe: Describe) -> str:
        return describe(self.name)

    def _precedence(self) -> int:
        return 4

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Not(Condition):
    """The operand must not hold (Part 5's "NOT AQ-16")."""

    operand: Condition

    def holds(self, supports: Supports) -> bool:
        return not self.operand.holds(supports)

    def ids(self) -> set[str]:
        return self.operand.ids()

    def _why(self, supports: Supports, describe: Describe) -> str:
        if isinstance(self.operand, Term):
            return "no " + describe(self.operand.name)
        return f"not ({_describe_all(self.operand, describe)})"

    def _precedence(self) -> int:
        return 3

    def __str__(self) -> str:
        return "not " + self.operand._wrapped(3)


@dataclass(frozen=True)
class _Group(Condition):
    """Operands joined by one operator; subclasses say which."""

    operands: tuple[Condition, ...]
    _word = ""
    #: how tightly an operand must bind to go without parentheses
    _operand_level = 0

    def ids(self) -> set[str]:
        return set().union(*(operand.ids() for operand in self.operands))

    def _parts(self, operands: Iterable[Condition], supports: Supports, describe: Describe) -> str:
        parts = [_grouped(op, op._why(supports, describe), self._operand_level) for op in operands]
        return f" {self._word} ".join(parts)

    def __str__(self) -> str:
        return f" {self._word} ".join(op._wrapped(self._operand_level) for op in self.operands)


@dataclass(frozen=True)
class And(_Group):
    """Every operand must hold."""

    _word = "and"
    _operand_level = 2

    def holds(self, supports: Supports) -> bool:
        return all(operand.holds(supports) for operand in self.operands)

    def _why(self, supports: Supports, describe: Describe) -> str:
        failing = [op for op in self.operands if not op.holds(supports)]
        return self._parts(failing, supports, describe)

    def _precedence(self) -> int:
        return 2


@dataclass(frozen=True)
class Or(_Group):
    """At least one operand must hold."""

    _word = "or"
    # "and" binds tighter, but "(a and b) or c" is what a reader checks at a glance.
    _operand_level = 3

    def holds(self, supports: Supports) -> bool:
        return any(operand.holds(supports) for operand in self.operands)

    def _why(self, supports: Supports, describe: Describe) -> str:
        # None holds (else we would not be asked): each alternative is a way out.
        return self._parts(self.operands, supports, describe)

    def _precedence(self) -> int:
        return 1


def _grouped(node: Condition, text: str, outer: int) -> str:
    return f"({text})" if node._precedence() < outer else text


def _describe_all(node: Condition, describe: Describe) -> str:
    """The whole expression with every term described (for "not (…)")."""
    if isinstance(node, Term):
        return describe(node.name)
    if isinstance(node, Not):
        return "not " + _grouped(node.operand, _describe_all(node.operand, describe), 3)
    assert isinstance(node, _Group)
    parts = [_grouped(op, _describe_all(op, describe), node._operand_level) for op in node.operands]
    return f" {node._word} ".join(parts)


def canonical_term(word: str) -> str:
    """Feature ids upper-case (``c-44`` is ``C-44``), prefixes lower-case, aliases as
    written."""
    lowered = word.lower()
    for prefix in _PREFIXED:
        if lowered.startswith(prefix):
            return lowered
    if _FEATURE_ID.match(word):
        return word.upper()
    return word


def _tokens(text: str) -> Iterator[tuple[int, str, str]]:
    """(position, kind, value) per token; kind is "(", ")", "op" or "term"."""
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            return
        match = _TOKEN.match(text, pos)
        if match is None:
            start = len(text) - len(text[pos:].lstrip())
            raise _error(text, start, f"unexpected {text[start]!r}")
        start = match.start(match.lastgroup or 0)
        value = match.group(match.lastgroup or 0)
        if match.lastgroup == "paren":
            yield start, value, value
        elif value.lower() in _OPERATORS:
            yield start, "op", value.lower()
        else:
            yield start, "term", value
        pos = match.end()


def _error(text: str, position: int, what: str) -> ValueError:
    return ValueError(f"bad condition {text!r}: {what} at position {position}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokens(text))
        self.index = 0

    def peek(self) -> tuple[int, str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[int, str, str]:
        token = self.peek()
        if token is None:
            raise _error(self.text, len(self.text), "unexpected end")
        self.index += 1
        return token

    def at_op(self, name: str) -> bool:
        token = self.peek()
        return token is not None and token[1] == "op" and token[2] == name

    def expression(self) -> Condition:
        operands = [self.conjunction()]
        while self.at_op("or"):
            self.take()
            operands.append(self.conjunction())
        return _join(Or, operands)

    def conjunction(self) -> Condition:
        operands = [self.unary()]
        while self.at_op("and"):
            self.take()
            operands.append(self.unary())
        return _join(And, operands)

    def unary(self) -> Condition:
        position, kind, value = self.take()
        if kind == "op" and value == "not":
            return Not(self.unary())
        if kind == "(":
            inner = self.expression()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                where = closing[0] if closing else len(self.text)
                raise _error(self.text, where, "missing ')'")
            self.take()
            return inner
        if kind == "term":
            return Term(canonical_term(value))
        raise _error(self.text, position, f"unexpected {value!r}")


def _join(kind: type[And] | type[Or], operands: list[Condition]) -> Condition:
    if len(operands) == 1:
        return operands[0]
    flat: list[Condition] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return kind(tuple(flat))


def parse(text: str) -> Condition:
    """Parse a condition; raises ``ValueError`` naming the text and the position of the
    first problem (an unknown character, a missing operand or parenthesis)."""
    parser = _Parser(text)
    if not parser.tokens:
        raise _error(text, 0, "empty condition")
    condition = parser.expression()
    rest = parser.peek()
    if rest is not None:
        raise _error(text, rest[0], f"unexpected {rest[2]!r}")
    return condition
