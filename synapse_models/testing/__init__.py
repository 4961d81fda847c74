"""Test pipelines offline, against the embedded server, with either client (see ``docs/testing.rst``).

* The pytest plugin (:mod:`synapse_models.testing.plugin`, registered when the package is installed):
  the fixtures ``synapse_server``, ``synapse_user``, ``synapse_connection``, ``synapse_project`` and
  ``synapseclient_session``.
* :func:`synapse_models.local.serving`: point this process and the processes it starts at a LocalSynapse.
* :func:`load` (and ``LocalSynapse.load``): create realistic content from a dict or a directory.

Importing this package loads nothing more than ``synapse_models`` itself; each name loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["LocalUser", "load"]

_LAZY = {"LocalUser": "users", "load": "seed"}

if TYPE_CHECKING:
    from .seed import load
    from .users import LocalUser
else:

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'synapse_models.testing' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value
