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
