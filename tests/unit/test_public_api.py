"""Meta tests: the public names, the concreteType union and the API reference stay in step.

A public name is declared once, as an import line in ``synapse_models/__init__.py``; an entity class joins the
concreteType union by being defined; ``docs/api.rst`` documents each name. These tests fail when one of the
three forgets the others.
"""

from __future__ import annotations

import ast
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


def _documented() -> dict[str, set[str] | None]:
    """The modules ``docs/api.rst`` documents, and their listed members (``None``: all of ``__all__``)."""
    text = (ROOT / "docs" / "api.rst").read_text()
    documented: dict[str, set[str] | None] = {}
    for match in re.finditer(r"^\.\. automodule:: (\S+)\n((?:[ ]+.*\n)*)", text, re.MULTILINE):
        options = match.group(2)
        members = re.search(r":members:(.*(?:\n[ ]{6,}\S.*)*)", options)
        if members is None:
            documented[match.group(1)] = set()
            continue
        names = {n.strip() for n in members.group(1).replace("\n", " ").split(",") if n.strip()}
        documented[match.group(1)] = names or None
    return documented


def test_every_public_name_is_documented_in_the_api_reference() -> None:
    documented = _documented()
    missing = []
    for name, module in _declared().items():
        members = documented.get(module, set())
        every = members is None and name in importlib.import_module(module).__all__
        if not every and name not in (members or set()):
            missing.append(f"{name} (from {module})")
    assert missing == [], "add these to docs/api.rst, under the automodule of their module"


def test_every_member_the_api_reference_lists_exists() -> None:
    for module, members in _documented().items():
        loaded = importlib.import_module(module)
        for name in members or ():
            assert hasattr(loaded, name), f"docs/api.rst lists {module}.{name}, which does not exist"
