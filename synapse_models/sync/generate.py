"""``generate_manifest``, the official ``synapse manifest``: mirror a directory's folders in Synapse and write
a manifest of its files, ready to edit (annotations, provenance) and give to :func:`~synapse_models.sync_to`.
"""

from __future__ import annotations

import csv
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ValidationError
from ..models._args import as_path
from ..registry import ConnectionLike, get_connection
from . import _internals
from ._executor import Pipeline
from ._folders import ensure_folders, list_children, local_tree
from .manifest import MANIFEST_TSV
from .results import SyncResults

if TYPE_CHECKING:
    from ..models.entity import Entity

__all__ = ["generate_manifest"]


def generate_manifest(
    directory: str | os.PathLike[str],
    parent: Entity | str,
    manifest_path: str | os.PathLike[str] | None = None,
    *,
    connection: ConnectionLike | None = None,
) -> Path:
    """Create ``directory``'s sub-folders under ``parent`` in Synapse and write a manifest of its files.

    This writes to Synapse: every local sub-directory gets a folder (an existing folder of the same name is
    reused), so that each row can name its parent. Files are not uploaded; empty files are left out (Synapse
    refuses them), as are symlinked directories, manifests and partial downloads.

    Args:
        directory: The local directory.
        parent: The project or folder that stands for ``directory``.
        manifest_path: Where to write the manifest; a name ending in ``.csv`` gives the models' format
            (``path,parentId``), anything else synapseutils' tab-separated one (``path``, ``parent``).
            Default: ``SYNAPSE_METADATA_MANIFEST.tsv`` in ``directory`` (:func:`sync_to` never uploads it).
        connection: The connection to use.

    Returns:
        The manifest's path.

    Raises:
        ValidationError: ``directory`` is not a directory, or ``parent`` is not a project or folder.
        SynapseError: A folder could not be created (the first such error; nothing is written then).
    """
    if not Path(as_path(directory, "directory")).is_dir():
        raise ValidationError("directory", directory, "not an existing directory")
    root = Path(as_path(directory, "directory")).resolve()
    target = root / MANIFEST_TSV
    if manifest_path is not None:
        target = Path(as_path(manifest_path, "manifest_path"))
    from ..models.entity import Entity

    conn = get_connection(connection, bound=parent.connection if isinstance(parent, Entity) else None)
    parent_id = parent.id if isinstance(parent, Entity) else _internals.parse_entity_id(parent, "parent")[0]
    if parent_id is None:
        raise ValidationError("parent", getattr(parent, "name", parent), "store() it first: it has no id")
    found = _internals.entity_headers(conn, [parent_id]).get(parent_id)
    _internals.require_container(found, "parent", parent_id)
    tree = list(local_tree(root))
    results = SyncResults()
    with Pipeline(conn, None, None) as pipeline:
        children = list_children(conn, [parent_id])
        ids = ensure_folders(
            conn, pipeline, root, parent_id, [r for r, _, _ in tree], children, results, dry_run=False
        )
    results.raise_first()
    csv_format = target.suffix.lower() == ".csv"
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="," if csv_format else "\t")
        writer.writerow(["path", "parentId" if csv_format else "parent"])
        for relative, _, files in tree:
            for name in files:
                path = root / relative / name if relative else root / name
                if path.stat().st_size > 0:
                    writer.writerow([str(path), ids[relative]])
    os.replace(partial, target)
    return target
