"""The package's floors: imports follow the data, no cycles, no private names across modules.

Floors, bottom to top: core -> corpus -> tokens -> stats -> figures -> run, then the
package face (``analysis/__init__.py``, ``__main__``). A module may import from its
own floor or a lower one, never from a higher one; within a floor the imports form
no cycle (function-level imports included); no module imports or reads another's
``_private`` name (``from m import _x`` or ``m._x``). The checker is tested on a planted package first, so it can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analysis.core.config import PROJ_ROOT

FLOORS = ("core", "corpus", "tokens", "stats", "figures", "run")
PACKAGE = PROJ_ROOT / "analysis"


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([package, *parts])


def _imports(path: Path, root: Path, package: str) -> list[tuple[str, str, int]]:
    """Return (imported module, imported name or '', line) for every import of a file."""
    name = _module_name(path, root, package)
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "", node.lineno) for a in node.names
                      if a.name.split(".")[0] == package]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != package:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                is_module = (root.parent / Path(*sub.split("."))).with_suffix(".py").is_file() \
                    or (root.parent / Path(*sub.split("."))).is_dir()
                found.append((sub, "", node.lineno) if is_module
                             else (target, alias.name, node.lineno))
    return found


def _is_module(root: Path, dotted: str) -> bool:
    path = root.parent / Path(*dotted.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def _private_attributes(path: Path, root: Path, package: str) -> list[tuple[str, str, int]]:
    """Return (module, private name, line) for each ``module._name`` a file reads.

    The modules are those the file binds to a name by an import (``import
    pkg.a as a``, ``from pkg import a``, ``import pkg.a`` then ``pkg.a._x``).
    """
    name = _module_name(path, root, package)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == package:
                    bound[a.asname or package] = a.name if a.asname else package
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module
                                                                  else [])) \
                if node.level else node.module or ""
            for a in node.names:
                if base.split(".")[0] == package and _is_module(root, f"{base}.{a.name}"):
                    bound[a.asname or a.name] = f"{base}.{a.name}"
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            continue
        chain, value = [], node.value
        while isinstance(value, ast.Attribute):
            chain.insert(0, value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in bound:
            target = ".".join([bound[value.id], *chain])
            if _is_module(root, target) and target != name:
                found.append((target, node.attr, node.lineno))
    return found


def _floor(module: str, floors: tuple[str, ...]) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in floors:
        return floors.index(parts[1])
    return len(floors)  # the package face: above every floor


def check_layers(root: Path, package: str, floors: tuple[str, ...]) -> list[str]:
    """Return every violation of the floors in the package at ``root``."""
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root, package)
        mine = _floor(module, floors)
        graph.setdefault(module, set())
        for target, name, line in _imports(path, root, package):
            where = f"{path.relative_to(root.parent)}:{line}"
            if target == package and mine < len(floors):
                problems.append(f"{where}: {module} imports the package face {package!r}")
                continue
            if _floor(target, floors) > mine:
                label = floors[mine] if mine < len(floors) else "face"
                problems.append(f"{where}: {module} (floor {label}) imports {target} "
                                f"from a higher floor")
            if name.startswith("_") and not name.startswith("__") and target != module:
                problems.append(f"{where}: {module} imports the private name {target}.{name}")
            if target != module:
                graph[module].add(target)
        for target, name, line in _private_attributes(path, root, package):
            problems.append(f"{path.relative_to(root.parent)}:{line}: {module} reads the "
                            f"private name {target}.{name}")
    # cycles: a module that reaches itself
    for start in graph:
        stack, seen = list(graph[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                problems.append(f"import cycle through {start}")
                break
            if node in seen:
                continue
            seen.add(node)
            stack += [n for n in graph.get(node, ()) if not (n == package and node != start)]
    return problems


def test_the_checker_catches_planted_violations(tmp_path):
    root = tmp_path / "pkg"
    for floor in ("low", "high"):
        (root / floor).mkdir(parents=True)
        (root / floor / "__init__.py").write_text("")
    (root / "__init__.py").write_text("from .high.b import B\n")
    (root / "low" / "a.py").write_text("def f():\n    from ..high.b import B\n    return B\n")
    (root / "high" / "b.py").write_text("from ..low.a import f\nfrom .c import _hidden\nB = 1\n")
    (root / "high" / "c.py").write_text("from . import b\n_hidden = 2\n")
    (root / "high" / "d.py").write_text("import pkg.high.c\nfrom . import c\n"
                                        "import pkg.high.c as cc\n"
                                        "X = (c._hidden, cc._hidden, pkg.high.c._hidden, "
                                        "c.__name__, c._hidden_too if 0 else 0)\n")
    problems = check_layers(root, "pkg", ("low", "high"))
    text = "\n".join(problems)
    assert "pkg.low.a (floor low) imports pkg.high.b from a higher floor" in text
    assert "imports the private name pkg.high.c._hidden" in text
    assert "import cycle through pkg.high.b" in text
    reads = [p for p in problems if "reads the private name" in p]
    assert reads == [f"pkg/high/d.py:4: pkg.high.d reads the private name pkg.high.c.{n}"
                     for n in ("_hidden", "_hidden", "_hidden", "_hidden_too")]
    assert len([p for p in problems if "higher floor" in p]) == 1


def test_the_package_follows_its_floors():
    assert check_layers(PACKAGE, "analysis", FLOORS) == []


def test_every_module_lives_on_a_floor():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert loose == [], f"modules outside the floors: {loose}"
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name not in
                  ("data", "__pycache__")) == sorted(FLOORS)


@pytest.mark.parametrize("floor", FLOORS)
def test_public_names_are_importable_from_their_sub_package(floor):
    import importlib

    module = importlib.import_module(f"analysis.{floor}")
    for name in module.__all__:
        assert hasattr(module, name), f"analysis.{floor}.{name}"


def test_public_names_are_importable_from_the_package():
    import analysis

    for name in analysis.__all__:
        assert hasattr(analysis, name), name
