"""The embedded Synapse-compatible REST server.

``LocalSynapse`` runs it in-process on a free port; ``serve`` runs it in the foreground.  See
``docs/local_server.rst``, and the module docstring of :mod:`synapse_models.local.core.app` for adding REST
areas.
"""

from __future__ import annotations

from .server import LocalSynapse, serve
from .serving import serving

__all__ = ["LocalSynapse", "serve", "serving"]
