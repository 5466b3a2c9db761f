"""Layers point one way: no import cycle between gitocto's subpackages (imports anywhere in a module count)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gitocto"

# Package-level cycles not yet broken, each with its reason. Keep this list empty: a new entry needs a reason.
ALLOWED_CYCLES: set[frozenset[str]] = set()


def _subpackage(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "gitocto" or len(parts) < 2 or not (PACKAGE / parts[1]).is_dir():
        return None
    return parts[1]


def _module_name(path: Path) -> list[str]:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported(path: Path) -> set[str]:
    """Every module path a file imports (absolute or relative, top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Subpackage -> the other subpackages its modules import."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _subpackage(".".join(_module_name(path)))
        if source is None:
            continue
        edges = graph.setdefault(source, set())
        for name in _imported(path):
            target = _subpackage(name)
            if target is not None and target != source:
                edges.add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one subpackage (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_graph_sees_known_edges() -> None:
    graph = import_graph()
    assert "msg" in graph["hooks"]
    assert "committime" in graph["msg"] and "committime" in graph["fix"]
    assert "git" in graph["committime"]


def test_no_cycle_between_subpackages() -> None:
    cycles = [c for c in _cycles(import_graph()) if frozenset(c) not in ALLOWED_CYCLES]
    assert cycles == []


def test_commit_time_layers_point_one_way() -> None:
    graph = import_graph()
    for lower in ("msg", "fix", "committime"):
        assert "hooks" not in graph.get(lower, set()), lower
    assert not graph.get("committime", set()) & {"msg", "fix", "hooks"}


def test_cycle_finder_reports_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
