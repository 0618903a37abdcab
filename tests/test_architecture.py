"""The house's floors, read from the source with `ast`: no import circle between modules, none
between the features of `portal/`, nothing imports the factory, the metadata aggregator or the
command registry, and the domain core `surveys/` stands alone.

Every import counts, also one inside a function: it runs as surely, only later. An import names
the module it reaches (`from portal.insight import alerts` reaches `portal.insight.alerts`); the
packages above it are not counted, since their `__init__.py` hold no imports but the factory's.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "surveys")
#: The factory, the metadata aggregator and the command registry gather the features: they may
#: import any feature, and no other module imports them.
GATHERERS = frozenset({"portal", "portal.models", "portal.cli"})


def modules_of(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every module of the packages under `root`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_names(name: str, path: Path) -> set[str]:
    """The dotted names a module imports, anywhere in it: `import a.b` gives `a.b`, and
    `from a import b` gives `a.b`, which is the module `a.b` or the name `b` of the module `a`."""
    names = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *filter(None, [node.module])])
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of `modules` it imports."""
    graph = {}
    for name, path in modules.items():
        reached = set()
        for imported in imported_names(name, path):
            target = imported if imported in modules else imported.rsplit(".", 1)[0]
            if target in modules and target != name:
                reached.add(target)
        graph[name] = reached
    return graph


def feature_of(module: str) -> str:
    """The top-level package or module of `portal` a module belongs to (`portal.feedback.services`
    → `portal.feedback`); the factory is `portal`."""
    parts = module.split(".")
    return ".".join(parts[:2])


def feature_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    features: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module.split(".")[0] != "portal":
            continue
        here = feature_of(module)
        features.setdefault(here, set()).update(
            feature_of(t) for t in targets if t.split(".")[0] == "portal" and feature_of(t) != here)
    return features


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of the graph, as a path that comes back to its
    start (`["a", "b", "a"]`), shortest first from the group's first node in sorted order."""
    found = []
    for group in _strongly_connected(graph):
        if len(group) < 2:
            continue
        start = min(group)
        # Breadth first from start, inside the group, back to start: the shortest circle through it.
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            nexts = sorted(graph.get(node, ()) & group)
            if start in nexts:
                found.append(paths[node] + [start])
                break
            for target in nexts:
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    queue.append(target)
    return sorted(found)


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the portal has a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _named(found: list[list[str]]) -> str:
    return "\n".join(" → ".join(circle) for circle in found)


@cache
def _portal_graph() -> dict[str, set[str]]:
    return import_graph(modules_of(ROOT))


def test_no_import_circle_between_modules():
    found = circles(_portal_graph())
    assert not found, f"import circles between modules:\n{_named(found)}"


def test_no_import_circle_between_features():
    found = circles(feature_graph(_portal_graph()))
    assert not found, f"import circles between the features of portal/:\n{_named(found)}"


def test_no_feature_imports_the_factory_the_metadata_or_the_registry():
    wrong = sorted(f"{module} → {target}" for module, targets in _portal_graph().items() if module not in GATHERERS
                   for target in targets & GATHERERS)
    assert not wrong, "only the factory, portal/models.py and portal/cli.py gather features:\n" + "\n".join(wrong)


def _framework(name: str) -> bool:
    top = name.split(".")[0]
    return top in {"portal", "flask", "sqlalchemy", "werkzeug", "alembic"} or top.startswith("flask_")


def test_the_domain_core_imports_neither_the_portal_nor_flask_nor_sqlalchemy():
    wrong = sorted(f"{name} → {imported}" for name, path in modules_of(ROOT, ["surveys"]).items()
                   for imported in imported_names(name, path) if _framework(imported))
    assert not wrong, "surveys/ is plain Python:\n" + "\n".join(wrong)


# --- the check itself, on a small made-up package -------------------------------------------------

def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_circle_through_an_import_inside_a_function_is_found_and_named(tmp_path):
    _write(tmp_path, {
        "portal/__init__.py": "",
        "portal/low/__init__.py": "",
        "portal/low/services.py": "def store():\n    from portal.high import alerts\n    alerts.check()\n",
        "portal/high/__init__.py": "",
        "portal/high/alerts.py": "from portal.low.services import store\n",
    })
    graph = import_graph(modules_of(tmp_path, ["portal"]))
    assert circles(graph) == [["portal.high.alerts", "portal.low.services", "portal.high.alerts"]]
    assert circles(feature_graph(graph)) == [["portal.high", "portal.low", "portal.high"]]


def test_relative_and_package_imports_reach_the_right_module(tmp_path):
    _write(tmp_path, {
        "portal/__init__.py": "from portal import config\n",
        "portal/config.py": "",
        "portal/feature/__init__.py": "from . import models\n",
        "portal/feature/models.py": "from .. import config\nfrom portal.feature import CONSTANT\n",
    })
    graph = import_graph(modules_of(tmp_path, ["portal"]))
    assert graph["portal"] == {"portal.config"}
    assert graph["portal.feature"] == {"portal.feature.models"}
    assert graph["portal.feature.models"] == {"portal.config", "portal.feature"}
    assert circles(graph) == [["portal.feature", "portal.feature.models", "portal.feature"]]
    assert circles(feature_graph(graph)) == []


@pytest.mark.parametrize("line", ["import flask", "from flask_babel import gettext", "from sqlalchemy import select",
                                  "from portal.clock import now", "import portal"])
def test_the_core_check_sees_a_framework_import(tmp_path, line):
    _write(tmp_path, {"surveys/__init__.py": "", "surveys/skm.py": f"def f():\n    {line}\n"})
    path = tmp_path / "surveys" / "skm.py"
    assert any(_framework(name) for name in imported_names("surveys.skm", path))
