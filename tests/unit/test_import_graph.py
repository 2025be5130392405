"""The jobs and the services do not import each other: a service hands work to a worker
through ``app.rq_queue``, and ``app.jobs`` calls the services. Every import counts, those
inside functions too (they are how a cycle hides)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The app modules a file imports, wherever in the file the import is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from app.services import sweep" imports the module app.services.sweep;
            # "from app.services.cases import submit", a name of app.services.cases.
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules
                     else node.module for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in (ROOT / "app").rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, modules) - {name} for name, path in files.items()}


def cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_jobs_module_is_in_no_import_cycle():
    graph = import_graph()
    assert "app.jobs" in graph and "app.services.delivery" in graph
    assert cycle_through(graph, "app.jobs") is None


def test_delivery_sweep_and_mms_import_neither_the_jobs_nor_each_other_in_a_cycle():
    graph = import_graph()
    for service in ("app.services.delivery", "app.services.sweep", "app.services.mms",
                    "app.services.ops"):
        assert "app.jobs" not in graph[service], service
        assert cycle_through(graph, service) is None, service


def test_the_graph_sees_imports_inside_functions():
    """The check above would pass vacuously if function-level imports were missed."""
    graph = import_graph()
    assert "app.services.delivery" in graph["app.jobs"]  # imported inside deliver_due
    assert "app.rq_queue" in graph["app.services.delivery"]  # imported inside schedule


def test_the_app_imports_no_private_name_of_the_workflows():
    """``workflows`` is the app's plain-data core: the app uses its public names only."""
    private = []
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("workflows"):
                private += [f"{path.relative_to(ROOT)}: {alias.name}" for alias in node.names
                            if alias.name.startswith("_")]
    assert private == []


def test_every_static_file_the_code_names_exists():
    import re

    named = {(path.relative_to(ROOT), m) for path in (ROOT / "app").rglob("*.py")
             for m in re.findall(r"static/[\w./-]+\.(?:js|css)",
                                 path.read_text(encoding="utf-8"))}
    assert named and [(p, m) for p, m in named if not (ROOT / m).exists()] == []
