"""What other areas may use of the entities area: typed reads and writes of entities, and its hook points.

Reads: :class:`EntityRecord` / :class:`VersionRecord` and their lookups (``get_record``, ``require_entity``,
``get_version``, ``current_version``, ``readable_version``), the tree (``ancestors``, ``descendants``,
``children_of``, ``descendant_folders``, ``is_trashed``, and ``current_rows_sql`` for rows computed in
SQL), access (``entity_access``, ``require_access``, ``can_read``, ``benefactor_id``), JSON
(``entity_json``, ``header_json``) and what versions carry (``versions_using``, ``file_handle_in_use``,
``versions_generated_by``).

Writes: ``touch`` (new etag), annotations (``validate_annotations``, ``replace_annotations``), and the
version-level changes of ``versions`` (file handles, provenance, type fields, snapshots).

Hook points other areas plug into: ``FILE_HANDLE``, ``ENTITY_VALIDATORS``, ``ACTIVITY_VALIDATOR``, ``PURGE``,
``BUNDLE_PARTS``, ``DERIVED_ANNOTATIONS`` (see :mod:`.hooks`).
"""

from .access import benefactor_id, can_read, entity_access, require_access
from .annotations import replace_annotations, validate_annotations
from .crud import readable_version
from .hooks import (
    ACTIVITY_VALIDATOR,
    BUNDLE_PARTS,
    DERIVED_ANNOTATIONS,
    ENTITY_VALIDATORS,
    FILE_HANDLE,
    PURGE,
    BundlePart,
)
from .records import (
    ENTITY_TYPES,
    FILE,
    FOLDER,
    PROJECT,
    EntityRecord,
    VersionRecord,
    ancestors,
    current_rows_sql,
    current_version,
    descendant_folders,
    descendants,
    get_record,
    get_version,
    is_trashed,
    parse_entity_id,
    require_entity,
    syn,
    touch,
)
from .versions import (
    children_of,
    file_handle_in_use,
    link_activity,
    replace_file_handle,
    snapshot,
    update_fields,
    versions_generated_by,
    versions_using,
)
from .wire import entity_json, header_json
from .writes import NAME_PATTERN

__all__ = [
    "ACTIVITY_VALIDATOR",
    "BUNDLE_PARTS",
    "DERIVED_ANNOTATIONS",
    "ENTITY_TYPES",
    "ENTITY_VALIDATORS",
    "FILE",
    "FILE_HANDLE",
    "FOLDER",
    "NAME_PATTERN",
    "PROJECT",
    "PURGE",
    "BundlePart",
    "EntityRecord",
    "VersionRecord",
    "ancestors",
    "benefactor_id",
    "can_read",
    "children_of",
    "current_rows_sql",
    "current_version",
    "descendant_folders",
    "descendants",
    "entity_access",
    "entity_json",
    "file_handle_in_use",
    "get_record",
    "get_version",
    "header_json",
    "is_trashed",
    "link_activity",
    "parse_entity_id",
    "readable_version",
    "replace_annotations",
    "replace_file_handle",
    "require_access",
    "require_entity",
    "snapshot",
    "syn",
    "touch",
    "update_fields",
    "validate_annotations",
    "versions_generated_by",
    "versions_using",
]
