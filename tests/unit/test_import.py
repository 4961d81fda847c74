"""Importing the package must stay cheap: no heavy or network modules at import time."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_modules() -> None:
    code = ("import sys, synapse_models; "
            "print(','.join(m for m in ('pandas', 'werkzeug', 'sqlglot', 'tqdm', 'keyring', 'requests', "
            "'urllib3', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
