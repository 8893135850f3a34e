"""Every defect lives beside the line it perturbs (issue 8 item 5).

A defect is declared (``DEFECTS = declare(...)``) in the simulator module whose code
checks it with ``has("<name>")``, and :mod:`harness.sim.defects` is only a view over
those declarations. These tests hold that: each defect is declared by exactly one
module, that module checks it, every name a simulator checks is declared, and the
view holds exactly what the modules declare. So a check that moves to another module
without its declaration, a declaration nobody checks, or a check of a name nobody
declared, fails here and names the place.
"""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import harness.sim
from harness.sim import CSMS_DEFECTS, STATION_DEFECTS, Defect

SIM = Path(harness.sim.__file__).parent

#: defects that apply to both versions and are perturbed in each version's module, but
#: declared in one: (side, name) -> the other modules that check them
ALSO_CHECKED_IN: dict[tuple[str, str], set[str]] = {
    ("station", "boot-omits-model"): {"station_v201"},
    ("station", "ignores-reset"): {"provisioning_v201"},
    ("station", "ignores-trigger"): {"remote_control_v201"},
}


def declarations() -> dict[str, tuple[Defect, ...]]:
    """module stem -> the defects it declares (a module-level tuple ``DEFECTS``; the
    view's ``DEFECTS`` is a dict keyed by name, and is no declaration)."""
    found = {}
    for path in sorted(SIM.glob("*.py")):
        if path.stem == "__main__":
            continue  # importing it runs the command line
        module = importlib.import_module(f"harness.sim.{path.stem}")
        declared = getattr(module, "DEFECTS", None)
        if isinstance(declared, tuple):
            assert all(isinstance(d, Defect) for d in declared), path.stem
            found[path.stem] = declared
    return found


def checks(source: str) -> tuple[set[str], list[str]]:
    """The names a module's source checks with ``has("<name>")`` (a call of anything
    called ``has`` or ``_has``), and the places that call it with no literal name."""
    names: set[str] = set()
    unnamed: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called not in ("has", "_has"):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
        else:
            unnamed.append(f"line {node.lineno}: {ast.unparse(node)}")
    return names, unnamed


def checked_by_module() -> dict[str, set[str]]:
    return {path.stem: checks(path.read_text())[0] for path in sorted(SIM.glob("*.py"))}


def test_every_defect_is_declared_by_exactly_one_module() -> None:
    homes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, declared in declarations().items():
        for defect in declared:
            homes[(defect.side, defect.name)].append(module)
    twice = {key: modules for key, modules in homes.items() if len(modules) > 1}
    assert not twice, f"declared by more than one module: {twice}"
    # the view gathers every declaration, and nothing else
    view = {("station", n) for n in STATION_DEFECTS} | {("csms", n) for n in CSMS_DEFECTS}
    assert set(homes) == view, (
        f"declared but not in harness.sim.defects: {sorted(set(homes) - view)}; "
        f"in the view but declared nowhere: {sorted(view - set(homes))}"
    )


def test_the_declaring_module_checks_each_of_its_defects() -> None:
    checked = checked_by_module()
    unchecked = [
        f"{module}: {defect.side}:{defect.name}"
        for module, declared in declarations().items()
        for defect in declared
        if defect.name not in checked[module]
    ]
    assert not unchecked, f"declared where no has(...) checks it: {unchecked}"


def test_every_checked_name_is_declared_where_it_is_checked() -> None:
    declared_in = {
        module: {defect.name for defect in declared} for module, declared in declarations().items()
    }
    everywhere = set().union(*declared_in.values())
    also = defaultdict(set)
    for (_side, name), modules in ALSO_CHECKED_IN.items():
        for module in modules:
            also[module].add(name)
    undeclared, elsewhere = [], []
    for module, names in checked_by_module().items():
        for name in sorted(names - declared_in.get(module, set())):
            if name not in everywhere:
                undeclared.append(f"{module}: {name}")
            elif name not in also[module]:
                elsewhere.append(f"{module}: {name}")
    assert not undeclared, f"has(...) of a name no module declares: {undeclared}"
    assert not elsewhere, f"has(...) outside the module that declares it: {elsewhere}"
    # and the exceptions are real: each listed module does check the defect
    checked = checked_by_module()
    for (_side, name), modules in ALSO_CHECKED_IN.items():
        for module in modules:
            assert name in checked[module], f"{module} no longer checks {name}"


def test_every_check_names_its_defect() -> None:
    """A name built at run time would escape the tests above."""
    unnamed = {
        path.stem: found
        for path in sorted(SIM.glob("*.py"))
        if (found := checks(path.read_text())[1])
    }
    assert not unnamed, f"has(...) without a literal defect name: {unnamed}"


def test_the_checks_read_source_as_meant() -> None:
    names, unnamed = checks(
        "def f(station, has, name):\n"
        '    station.has("a")\n'
        '    has(\n        "b"\n    )\n'
        '    station.has_option("c")\n'
        "    station._has(name)\n"
    )
    assert names == {"a", "b"}
    assert unnamed == ["line 7: station._has(name)"]
