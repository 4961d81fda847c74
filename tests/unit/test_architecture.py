"""The client's import graph, read from the sources with ast: no cycles, and the server only where it belongs.

Rules:

* no import cycles among the client modules (``synapse_models`` without ``synapse_models.local``). Imports
  under ``if TYPE_CHECKING:`` do not run and do not count. An import inside a function runs on first use; one
  that closes a cycle is allowed only when it is listed in ``LAZY_CYCLE_IMPORTS`` with the reason;
* the client imports ``synapse_models.local`` (the embedded server) only from the command line and the demo.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "synapse_models"

LAZY_CYCLE_IMPORTS: dict[tuple[str, str], str] = {
    (
        "synapse_models.models.tree",
        "synapse_models.models.entity",
    ): "EntityHeader.get() loads the entity model, which lists its children as EntityHeaders",
    (
        "synapse_models.models.entity",
        "synapse_models.sync.copy",
    ): "Entity.copy() is a thin method over sm.copy, which copies entities through the models",
    (
        "synapse_models.models._html",
        "synapse_models.models._wire",
    ): "a view names users with a wire body, and wire bodies carry file handles, which have views",
}
"""(importer, imported) -> why the import waits until a function runs."""

MAY_IMPORT_THE_SERVER = ("synapse_models.cli", "synapse_models.demo", "synapse_models.testing")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _target(importer: str, is_package: bool, node: ast.ImportFrom, alias: ast.alias, known: set[str]) -> str:
    base = importer if is_package else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    module = ".".join(p for p in (base if node.level else "", node.module or "") if p)
    submodule = f"{module}.{alias.name}"
    return submodule if submodule in known else module


def _imports(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """``(imported module, lazily)`` for every import of a ``synapse_models`` module that runs."""
    found: list[tuple[str, bool]] = []
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit_one(other, lazy)
                continue
            visit_one(child, lazy)

    def visit_one(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                target = _target(name, is_package, node, alias, known)
                if target.startswith("synapse_models"):
                    found.append((target, lazy))
        elif isinstance(node, ast.Import):
            found.extend((a.name, lazy) for a in node.names if a.name.startswith("synapse_models"))
        else:
            inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(node, inner)

    visit(ast.parse(path.read_text()), False)
    return found


def _graph() -> dict[str, dict[str, bool]]:
    """importer -> {imported: lazily} over the client modules."""
    modules = _modules()
    known = set(modules)
    graph: dict[str, dict[str, bool]] = {}
    for name, path in modules.items():
        if name.startswith("synapse_models.local"):
            continue
        edges: dict[str, bool] = {}
        for target, lazy in _imports(name, path, known):
            if target != name:
                edges[target] = edges.get(target, True) and lazy
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "synapse_models.models.entity" in graph["synapse_models.models.file"]
    assert graph["synapse_models.models.tree"]["synapse_models.models.entity"] is True  # inside a function
    assert "synapse_models.models.entity" not in graph["synapse_models.models.permissions"]  # TYPE_CHECKING


def test_client_modules_import_no_cycles() -> None:
    graph = _graph()
    client = {
        n: {t for t in edges if t in graph and (n, t) not in LAZY_CYCLE_IMPORTS} for n, edges in graph.items()
    }
    assert _cycles(client) == []


@pytest.mark.parametrize("edge", sorted(LAZY_CYCLE_IMPORTS))
def test_each_allowed_cycle_is_a_lazy_import_that_still_exists(edge: tuple[str, str]) -> None:
    importer, imported = edge
    assert _graph()[importer].get(imported) is True, f"{importer} no longer imports {imported} in a function"


def test_only_the_command_line_and_the_demo_import_the_server() -> None:
    offenders = sorted(
        f"{importer} -> {target}"
        for importer, edges in _graph().items()
        for target in edges
        if target.startswith("synapse_models.local") and not importer.startswith(MAY_IMPORT_THE_SERVER)
    )
    assert offenders == []
