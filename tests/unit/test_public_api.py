"""Meta tests: the public names, the concreteType union and the API reference stay in step.

A public name is declared once, as an import line in ``synapse_models/__init__.py``; an entity class joins the
concreteType union by being defined; ``docs/api/`` documents each name under its public name (``sm.File``).
These tests fail when one of the three forgets the others.
"""

from __future__ import annotations

import ast
import enum
import gc
import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models._convert import union_members

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> dict[str, str]:
    """The public names and their modules, as the import lines of ``__init__.py`` declare them."""
    tree = ast.parse((ROOT / "synapse_models" / "__init__.py").read_text())
    declared: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for item in node.body:
                assert isinstance(item, ast.ImportFrom) and item.level == 1, ast.dump(item)
                for alias in item.names:
                    assert alias.asname == alias.name, f"{alias.name}: re-export it as itself"
                    declared[alias.name] = f"synapse_models.{item.module}"
    return declared


def _concrete_entity_classes() -> list[type]:
    for info in pkgutil.iter_modules(importlib.import_module("synapse_models.models").__path__):
        importlib.import_module(f"synapse_models.models.{info.name}")
    gc.collect()  # attrs replaces each class by a slotted one; the replaced ones linger until collected

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    return sorted(
        (c for c in subclasses(sm.Entity) if getattr(c, "CONCRETE_TYPE", "")), key=lambda c: c.CONCRETE_TYPE
    )


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.strip()


def test_all_lists_exactly_the_declared_names_sorted() -> None:
    declared = _declared()
    assert sm.__all__ == sorted([*declared, "__version__"])
    assert len(declared) > 50  # the parse found the table, not an empty block


def test_each_name_loads_from_its_declared_module_in_a_fresh_process() -> None:
    declared = _declared()
    code = (
        "import json, synapse_models as sm\n"
        "print(json.dumps({n: getattr(sm, n).__module__ for n in sm.__all__ if n != '__version__'}))\n"
    )
    loaded = json.loads(_run(code))
    assert loaded == declared


def test_importing_the_package_loads_no_model_until_one_is_used() -> None:
    code = (
        "import sys, synapse_models as sm\n"
        "before = sorted(m for m in sys.modules if m.startswith('synapse_models.'))\n"
        "sm.Project\n"
        "print(before, 'synapse_models.models.project' in sys.modules)\n"
    )
    assert _run(code) == "[] True"


def test_every_concrete_entity_class_is_in_the_union() -> None:
    members = union_members(sm.Entity)
    classes = _concrete_entity_classes()
    assert {c.__name__ for c in classes} >= {"File", "Folder", "Project", "SubmissionView", "Table", "View"}
    for cls in classes:
        assert members.get(cls.CONCRETE_TYPE) is cls, cls


@pytest.mark.parametrize("cls", _concrete_entity_classes(), ids=lambda c: c.__name__)
def test_each_entity_type_resolves_lazily_in_a_fresh_process(cls: type) -> None:
    code = (
        "import sys, synapse_models as sm\n"
        "from synapse_models._convert import from_wire\n"
        f"assert {cls.__module__!r} not in sys.modules\n"
        f"obj = from_wire(sm.Entity, {{'concreteType': {cls.CONCRETE_TYPE!r}, 'id': 'syn3', 'name': 'x', "  # type: ignore[attr-defined]
        "'parentId': 'syn2', 'scopeIds': ['1']})\n"
        "print(type(obj).__module__, type(obj).__name__)\n"
    )
    assert _run(code) == f"{cls.__module__} {cls.__name__}"


DIRECTIVE = re.compile(r"^\.\. (currentmodule|automodule|auto\w+):: (\S+)\n((?:[ ]+:.*\n)*)", re.MULTILINE)


def _api_pages() -> list[Path]:
    return [ROOT / "docs" / "api.rst", *sorted((ROOT / "docs" / "api").glob("*.rst"))]


def _directives() -> list[tuple[str, str, str, dict[str, str]]]:
    """``(page, module, name or "", options)`` of every autodoc directive of the API reference; an automodule
    has the name ``""``."""
    found = []
    for page in _api_pages():
        module = ""
        for kind, target, raw in DIRECTIVE.findall(page.read_text()):
            options = dict(re.findall(r"^[ ]+:([\w-]+):[ ]*(.*)$", raw, re.MULTILINE))
            if kind in ("currentmodule", "automodule"):
                module = target
                if kind == "automodule":
                    found.append((page.name, module, "", options))
            else:
                found.append((page.name, module, target, options))
    return found


def _public_documented() -> list[str]:
    """The names documented under ``synapse_models`` (``.. currentmodule:: synapse_models``)."""
    return [name for _, module, name, _ in _directives() if module == "synapse_models" and name]


def _module_members() -> dict[str, set[str]]:
    """The modules documented by ``automodule`` and the members each lists (all of ``__all__`` for a bare
    ``:members:``)."""
    members: dict[str, set[str]] = {}
    for _, module, name, options in _directives():
        if name or "members" not in options:
            continue
        listed = {n.strip() for n in options["members"].split(",") if n.strip()}
        members[module] = listed or set(importlib.import_module(module).__all__)
    return members


def test_every_public_name_is_documented_once_under_its_public_name() -> None:
    documented = _public_documented()
    public = [n for n in sm.__all__ if n != "__version__"]
    missing = sorted(set(public) - set(documented))
    assert missing == [], "add '.. autoclass:: Name' (or autofunction) to the right page of docs/api/"
    stale = sorted(set(documented) - set(public))
    assert stale == [], "docs/api/ documents names that synapse_models does not export"
    twice = sorted({n for n in documented if documented.count(n) > 1})
    assert twice == []


def test_no_module_page_documents_a_public_object_again() -> None:
    public = {id(getattr(sm, n)) for n in sm.__all__ if n != "__version__"}
    for module, members in _module_members().items():
        loaded = importlib.import_module(module)
        for name in members:
            assert hasattr(loaded, name), f"docs/api/ lists {module}.{name}, which does not exist"
            assert id(getattr(loaded, name)) not in public, f"{module}.{name} is documented as sm.{name}"


def test_models_show_what_they_inherit() -> None:
    """A class whose bases give it public methods or fields (File.store from Entity, Table.query from the
    base of tables) lists them on its own page."""
    options = {name: opts for _, module, name, opts in _directives() if module == "synapse_models" and name}
    for name, opts in options.items():
        cls = getattr(sm, name)
        if not isinstance(cls, type) or issubclass(cls, (BaseException, enum.Enum)):
            continue
        inherited = {attr for base in cls.__mro__[1:] if base.__module__.startswith("synapse_models")
                     for attr in vars(base) if not attr.startswith("_")}
        if inherited:
            assert "inherited-members" in opts, f"sm.{name} inherits {sorted(inherited)[:5]}..."
