"""Importing the package must stay cheap: no heavy or network modules at import time."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, synapse_models; "
        "print(','.join(m for m in ('pandas', 'werkzeug', 'sqlglot', 'tqdm', 'keyring', 'requests', "
        "'urllib3', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_entity_types_dispatch_in_a_fresh_process() -> None:
    code = (
        "import sys, synapse_models as sm\n"
        "from synapse_models._convert import from_wire\n"
        "assert 'synapse_models.models.file' not in sys.modules\n"
        "obj = from_wire(sm.Entity, {'concreteType': 'org.sagebionetworks.repo.model.FileEntity',"
        " 'id': 'syn3', 'name': 'a.csv', 'parentId': 'syn2', 'dataFileHandleId': '7'})\n"
        "print(type(obj).__name__, obj.data_file_handle_id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["File", "7"]


def test_every_entity_type_is_reachable_through_the_union() -> None:
    import importlib
    import pkgutil

    import synapse_models.models as models
    from synapse_models import Entity
    from synapse_models._convert import lazy_members, union_members

    for info in pkgutil.iter_modules(models.__path__):
        importlib.import_module(f"synapse_models.models.{info.name}")

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    members = union_members(Entity)
    lazy = lazy_members(Entity)
    for cls in subclasses(Entity):
        tag = getattr(cls, "CONCRETE_TYPE", "")
        if tag:
            assert members.get(tag) is cls, tag
            if cls.__module__ not in ("synapse_models.models.project", "synapse_models.models.folder"):
                assert lazy.get(tag) == cls.__module__, f"{tag} must be declared in entity.py's lazy table"
    for tag, module in lazy.items():
        assert members[tag].__module__ == module
