"""The architecture of the embedded server, enforced by reading its sources (``ast``), not by importing them.

Rules (``docs/architecture.rst`` explains them):

* the server never imports the client (``synapse_models.*`` outside ``synapse_models.local``), except
  ``LocalSynapse.connect``, which imports ``synapse_models.registry`` inside the function;
* no import cycle among the server's modules (imports inside functions and under ``TYPE_CHECKING`` count);
* ``core`` never imports an area;
* a module of one area imports another area only through that area's ``service`` module, and only areas
  its ``AREA`` lists in ``requires``;
* SQL names only tables its own area (or, in the core, its own module) declares.

Edges are the modules an import statement names (``from ..files import service`` is an edge to
``areas.files.service``); the package ``__init__`` Python runs on the way is not an edge.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The server's sources, read as text (importing them would stop at the first broken rule).
ROOT = Path(__file__).resolve().parents[2] / "synapse_models" / "local"
PACKAGE = "synapse_models.local"
ALLOWED_CLIENT_IMPORTS = {
    ("synapse_models.local.server", "LocalSynapse.connect", "synapse_models.registry"),
    ("synapse_models.local.server", "LocalSynapse.load", "synapse_models.testing.seed"),
}
"""The only client imports of the server: inside two methods of LocalSynapse, for users' convenience."""


@dataclass(frozen=True)
class Import:
    """One module an import statement of ``source`` names."""

    source: str
    target: str
    line: int
    function: str | None


def _name_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


MODULES: dict[str, Path] = {_name_of(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[Import] = []

    def visit(node: ast.AST, scope: list[str], in_function: bool) -> None:
        function = ".".join(scope) if in_function else None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(module, alias.name, child.lineno, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    target = child.module or ""
                named = [f"{target}.{alias.name}" for alias in child.names]
                submodules = [name for name in named if name in MODULES]
                found.extend(Import(module, name, child.lineno, function) for name in submodules or [target])
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, [*scope, child.name], True)
            elif isinstance(child, ast.ClassDef):
                visit(child, [*scope, child.name], in_function)
            else:
                visit(child, scope, in_function)

    visit(tree, [], False)
    return found


IMPORTS: list[Import] = [item for name, path in MODULES.items() for item in _imports(name, path)]


def _area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[3] if len(parts) > 3 and parts[2] == "areas" else None


def test_the_server_never_imports_the_client() -> None:
    offending = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in IMPORTS
        if (i.target == "synapse_models" or i.target.startswith("synapse_models."))
        and not i.target.startswith(PACKAGE)
        and (i.source, i.function, i.target) not in ALLOWED_CLIENT_IMPORTS
    ]
    assert offending == []


def test_the_one_client_import_is_inside_local_synapse_connect() -> None:
    client = [
        i for i in IMPORTS if i.target.startswith("synapse_models.") and not i.target.startswith(PACKAGE)
    ]
    assert {(i.source, i.function, i.target) for i in client} == ALLOWED_CLIENT_IMPORTS


def test_importing_the_server_loads_no_client_module() -> None:
    code = (
        "import sys, synapse_models\n"
        "before = set(sys.modules)\n"
        "import synapse_models.local\n"
        "print(sorted(m for m in set(sys.modules) - before"
        " if m.startswith('synapse_models.') and not m.startswith('synapse_models.local')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_server_loads_no_client_model() -> None:
    code = "import sys, synapse_models.local\nprint(sorted(m for m in sys.modules if '.models' in m))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycles_among_server_modules() -> None:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for item in IMPORTS:
        if item.target in MODULES:
            edges[item.source].add(item.target)
    assert _cycles(edges) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_never_imports_an_area() -> None:
    core = f"{PACKAGE}.core"
    offending = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in IMPORTS
        if i.source.startswith(core) and i.target.startswith(f"{PACKAGE}.areas")
    ]
    assert offending == []


def test_areas_reach_other_areas_only_through_their_service() -> None:
    offending = []
    for item in IMPORTS:
        source_area, target_area = _area_of(item.source), _area_of(item.target)
        if source_area is None or target_area is None or source_area == target_area:
            continue
        if item.target != f"{PACKAGE}.areas.{target_area}.service":
            offending.append(f"{item.source}:{item.line} imports {item.target}")
    assert offending == []


def test_areas_declare_the_areas_they_use() -> None:
    from synapse_models.local.areas import AREAS

    requires = {area.name: set(area.requires) for area in AREAS}
    used: dict[str, set[str]] = {name: set() for name in requires}
    for item in IMPORTS:
        source_area, target_area = _area_of(item.source), _area_of(item.target)
        if source_area is not None and target_area is not None and source_area != target_area:
            used[source_area].add(target_area)
    assert used == requires
    assert sorted(requires) == sorted(
        p.name for p in (ROOT / "areas").iterdir() if (p / "__init__.py").exists()
    )


# -- SQL ownership -----------------------------------------------------------------------------------------
_DECLARED = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")
_NAMED = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON)\s+\"?(\w+)")


def _strings(path: Path) -> list[str]:
    """The string constants of a module, the literal parts of an f-string joined with a placeholder."""
    texts = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.JoinedStr):
            texts.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
    return texts


def _owner(module: str) -> str:
    """Who may run SQL on a table the module declares: its area, or (in the core) the module itself."""
    return _area_of(module) or module


def test_sql_names_only_tables_of_its_own_area() -> None:
    owners: dict[str, str] = {}
    for module, path in MODULES.items():
        for text in _strings(path):
            for table in _DECLARED.findall(text):
                assert owners.setdefault(table, _owner(module)) == _owner(module), f"{table} declared twice"
    assert {"entities", "entity_versions", "file_handles", "acls", "principals"} <= set(owners)
    offending = sorted(
        f"{module} runs SQL on {table} (owned by {owners[table]})"
        for module, path in MODULES.items()
        for text in _strings(path)
        for table in _NAMED.findall(text)
        if table in owners and owners[table] != _owner(module)
    )
    assert offending == []


def test_every_module_stays_under_the_size_budget() -> None:
    sizes = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    assert {module: n for module, n in sizes.items() if n > 400} == {}


def _concept(name: str) -> str:
    """``entity_store`` -> ``entity``, ``entities`` -> ``entity``: the first word, singular."""
    word = name.split("_")[0]
    return word[:-3] + "y" if word.endswith("ies") else word.removesuffix("s")


def test_module_names_in_a_package_name_different_concepts() -> None:
    """Names like ``entities``/``entity_ops``/``entity_store`` (one concept, three suffixes) are refused."""
    for package in [ROOT, *(p.parent for p in ROOT.rglob("__init__.py"))]:
        names = [p.stem for p in package.glob("*.py") if p.stem != "__init__"]
        names += [p.name for p in package.iterdir() if (p / "__init__.py").exists()]
        concepts = [_concept(name) for name in names]
        assert len(set(concepts)) == len(concepts), (package, sorted(names))
