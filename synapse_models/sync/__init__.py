"""Bulk work: walk a tree, sync it down or up with the official client's manifests, copy it.

``sm.walk``, ``sm.sync_from``, ``sm.sync_to``, ``sm.generate_manifest`` and ``sm.copy`` are the entry points
(see ``docs/bulk.rst``); every one takes ``executor=`` and returns one result per item.
"""

from __future__ import annotations

from ..errors import ManifestError, ManifestProblem
from .copy import copy
from .download import sync_from
from .generate import generate_manifest
from .results import CopyResult, CopyResults, SyncResult, SyncResults
from .upload import sync_to
from .walk import WalkStep, walk

__all__ = [
    "CopyResult",
    "CopyResults",
    "ManifestError",
    "ManifestProblem",
    "SyncResult",
    "SyncResults",
    "WalkStep",
    "copy",
    "generate_manifest",
    "sync_from",
    "sync_to",
    "walk",
]
