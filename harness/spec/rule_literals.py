"""Which rule ids a module names, read from its source: no import, no execution.

The registry (:mod:`harness.spec.rules`) can only check a rule id it is shown. Most
rule ids a case names never reach a function argument that could be checked at import
(``rule="B01.FR.05"`` is evaluated only when the step runs, and a rule picked from a
table or a conditional expression only on one branch), so this module finds them in
the source instead. A string literal is a rule when

* it stands where a rule goes: the ``rule=`` keyword of any call, the rule argument of
  ``DutFailure(reason, rule)``, ``HarnessError(reason, rule)``, ``CaseWarning(kind,
  rule, …)``, ``BootViolation(rule, …)``, ``Rejection(reason, rule, …)``, a role's
  ``note(rule, …)`` and the session's ``_fail(reason, rule, …)`` (a constant, both arms
  of ``a if c else b``, the default of ``rule or "x"``), or
* its whole text has the shape of a rule id (:data:`RULE_SHAPE`: ``B01.FR.05``,
  ``C16.4.2``, ``OCPP-J 3.2``, ``ocppj.not-json``, ``schema:…``, ``expect:…`` …),
  wherever it is: a rule kept in a table (``{"Core": "C16.9.1"}``) or a tuple.

Docstrings and comments never match (a docstring is not a rule-shaped whole); f-strings
are left out (``f"expect:{action}"`` is a family the registry checks when it is used).
This is static and therefore approximate in one direction only: a rule built at run
time from pieces is not seen. The self-tests run the same scan over the whole catalog
and the harness modules, so nothing depends on the import-time check alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

__all__ = ["RULE_SHAPE", "RuleLiteral", "function_literals", "module_literals"]

#: the whole text of a string literal that is taken for a rule id wherever it stands
RULE_SHAPE = re.compile(
    r"""^(?:
        [A-Z][0-9]{2}\.FR\.[0-9]+                   # a Part 2 requirement id
      | C16(?:\.[0-9]+)+                            # a section of OCPP 1.6
      | E16(?:\.[0-9]+)+                            # an entry of the 1.6 errata sheet
      | OCPP-J\ [0-9]+(?:\.[0-9]+)*                 # a section of OCPP-J
      | (?:ocppj|transport)\.[a-z0-9-]+             # framing, transport
      | (?:schema|expect|answer):\S+                # the families
    )$""",
    re.X,
)

#: callable name -> index of the positional argument that is a rule id
RULE_ARGUMENT = {
    "DutFailure": 1,
    "HarnessError": 1,
    "CaseWarning": 1,
    "BootViolation": 0,
    "Rejection": 1,
    "note": 0,
    "_fail": 1,
}


@dataclass(frozen=True)
class RuleLiteral:
    """A rule id written in the source: where, and in which top-level definition."""

    rule: str
    line: int
    #: the top-level function or constant it is written in (None: module level)
    scope: str | None


#: a string constant of the source: its text, line and column
_Text = tuple[str, int, int]


def _strings(node: ast.AST) -> Iterator[_Text]:
    """The string constants under ``node``, not those that are pieces of an f-string."""
    todo = [node]
    while todo:
        child = todo.pop()
        if isinstance(child, ast.JoinedStr):
            continue
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value, child.lineno, child.col_offset
        todo.extend(ast.iter_child_nodes(child))


def _rule_values(expr: ast.expr) -> Iterator[_Text]:
    """The strings an expression in a rule position can evaluate to: a constant, either
    arm of ``a if c else b`` (not the condition), any operand of ``a or b``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value, expr.lineno, expr.col_offset
    elif isinstance(expr, ast.IfExp):
        yield from _rule_values(expr.body)
        yield from _rule_values(expr.orelse)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _rule_values(value)


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _in_rule_position(node: ast.AST) -> Iterator[_Text]:
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        for keyword in call.keywords:
            if keyword.arg == "rule":
                yield from _rule_values(keyword.value)
        index = RULE_ARGUMENT.get(_callee(call) or "")
        if index is not None and len(call.args) > index:
            yield from _rule_values(call.args[index])


def _parts(node: ast.stmt) -> list[ast.AST]:
    """What of a top-level statement is scanned: a function without its decorators (a
    case's ``@testcase(...)`` arguments are checked from the decorator itself)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [node.args, *node.body]
    return [node]


def _literals(parts: Iterable[ast.AST], scope: str | None) -> list[RuleLiteral]:
    found: dict[tuple[int, int], RuleLiteral] = {}
    for part in parts:
        for text, line, column in _in_rule_position(part):
            found[line, column] = RuleLiteral(text, line, scope)
        for text, line, column in _strings(part):
            if RULE_SHAPE.match(text):
                found[line, column] = RuleLiteral(text, line, scope)
    return [found[key] for key in sorted(found)]


def _names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


@dataclass(frozen=True)
class _Module:
    #: per top-level statement: the rule literals written in it
    literals: tuple[tuple[RuleLiteral, ...], ...]
    #: per top-level statement: the statements whose names it refers to
    uses: tuple[frozenset[int], ...]
    #: top-level name -> the statement that binds it
    where: dict[str, int]


@cache
def _scan(source: str) -> _Module:
    tree = ast.parse(source)
    where = {name: index for index, node in enumerate(tree.body) for name in _names(node)}
    literals = []
    uses = []
    for index, node in enumerate(tree.body):
        names = _names(node)
        literals.append(tuple(_literals(_parts(node), names[0] if names else None)))
        referred = {
            n.id for part in _parts(node) for n in ast.walk(part) if isinstance(n, ast.Name)
        }
        uses.append(frozenset(where[n] for n in referred if n in where) - {index})
    return _Module(tuple(literals), tuple(uses), where)


def module_literals(source: str) -> list[RuleLiteral]:
    """Every rule literal of a module, in source order."""
    return [lit for lits in _scan(source).literals for lit in lits]


def function_literals(source: str, name: str) -> list[RuleLiteral]:
    """The rule literals of top-level function ``name`` and of the module-level helpers
    and constants it uses (transitively), in source order; empty for an unknown name."""
    module = _scan(source)
    if name not in module.where:
        return []
    seen: set[int] = set()
    todo = [module.where[name]]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(module.uses[current])
    return [lit for index in sorted(seen) for lit in module.literals[index]]
