"""The entity memo: what the last bundle of a file entity said, so an unchanged file costs no request.

A children page says *which* version of an entity is current and when it was last modified, but not its
file handle, md5, annotations or provenance. The memo keeps those facts per entity, keyed by
``(endpoint, id, versionNumber, modifiedOn)``; any write to the entity (new version, annotations,
provenance) moves ``modifiedOn``, so a stale entry is never used. Layout, in the cache root::

    <cache>/.synapse_models/entities/<sha1(endpoint)[:12]>/<id % 1000>/<id>.json

One small JSON file per entity, written to a temporary name and renamed into place, so processes and machines
sharing the cache never read half a file; concurrent writers write the same facts for the same key. The
official client's cache ignores the directory (it walks numeric directories only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._convert import from_wire, to_wire
from ..errors import ValidationError
from ..models._wire import AnnotationEntry, AnnotationsBody, EntityBundle

if TYPE_CHECKING:
    from ..models.activity import Activity
    from ..models.file import File
    from ..models.file_handle import FileHandle

__all__ = ["EntityMemo", "FileFacts", "stamp"]

log = logging.getLogger("synapse_models.sync")


def stamp(value: datetime | str | None) -> str | None:
    """A modification time in one canonical text form (headers give datetimes, bundles strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        from .._convert import parse_datetime

        value = parse_datetime(value)
    return value.isoformat()


def _references(items: list[Any]) -> list[str]:
    """Provenance items as manifest strings: ``syn1.2`` (``syn1`` without a version) or the URL."""
    from ..models.activity import UsedEntity, UsedURL

    out: list[str] = []
    for item in items:
        if isinstance(item, UsedEntity):
            ref = item.reference
            out.append(
                f"{ref.target_id}.{ref.target_version_number}" if ref.target_version_number else ref.target_id
            )
        elif isinstance(item, UsedURL):
            out.append(item.url)
    return out


@attrs.define(slots=True)
class FileFacts:
    """The facts of one file entity version that a sync needs."""

    entity_id: str
    version: int | None
    modified_on: str | None
    name: str
    parent_id: str | None
    file_handle_id: str | None = None
    md5: str | None = None
    size: int | None = None
    file_name: str | None = None
    content_type: str | None = None
    external_url: str | None = None
    annotations: dict[str, Any] = attrs.field(factory=dict)
    """The ``annotations`` map of the Annotations v2 body (``{key: {type, value}}``, types preserved)."""
    activity_name: str | None = None
    activity_description: str | None = None
    used: list[str] = attrs.field(factory=list)
    executed: list[str] = attrs.field(factory=list)
    has_activity: bool = False

    @classmethod
    def from_bundle(cls, bundle: EntityBundle) -> FileFacts:
        """Read the facts from an entity bundle (entity, annotations, file handles, activity).

        Raises:
            ValidationError: The entity is not a file.
        """
        from ..models.activity import Activity
        from ..models.entity import Entity
        from ..models.file import File

        entity = from_wire(Entity, bundle.entity)
        if not isinstance(entity, File):
            raise ValidationError("id", entity.id, f"is a {type(entity).__name__}, not a File")
        handle = next((h for h in bundle.file_handles if h.id == entity.data_file_handle_id), None)
        activity = Activity.from_wire(bundle.activity) if bundle.activity else None
        return cls._of(entity, handle, bundle.annotations, activity)

    @classmethod
    def from_file(cls, file: File) -> FileFacts:
        """The facts of a just-stored :class:`~synapse_models.File` (its state as the server answered)."""
        return cls._of(file, file.file_handle, file.annotations.to_body(None, None), file.activity)

    @classmethod
    def _of(
        cls, file: File, handle: FileHandle | None, notes: AnnotationsBody | None, activity: Activity | None
    ) -> FileFacts:
        from ..models.file_handle import ExternalFileHandle

        return cls(
            entity_id=str(file.id),
            version=file.version_number,
            modified_on=stamp(file.modified_on),
            name=str(file.name),
            parent_id=file.parent_id,
            file_handle_id=file.data_file_handle_id,
            md5=handle.content_md5 if handle is not None else None,
            size=handle.content_size if handle is not None else None,
            file_name=handle.file_name if handle is not None else None,
            content_type=handle.content_type if handle is not None else None,
            external_url=handle.external_url if isinstance(handle, ExternalFileHandle) else None,
            annotations={k: to_wire(v) for k, v in notes.annotations.items()} if notes is not None else {},
            activity_name=activity.name if activity else None,
            activity_description=activity.description if activity else None,
            used=_references(activity.used) if activity else [],
            executed=_references(activity.executed) if activity else [],
            has_activity=activity is not None,
        )

    def annotation_values(self) -> dict[str, list[Any]]:
        """The annotations as typed values (``{key: [values]}``)."""
        from ..models.annotations import Annotations

        body = AnnotationsBody(
            annotations={k: from_wire(AnnotationEntry, v) for k, v in self.annotations.items()}
        )
        return Annotations.from_body(body).to_dict()

    @property
    def synapse_store(self) -> bool:
        """Whether Synapse holds the bytes (False for an external URL)."""
        return self.external_url is None

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileFacts:
        names = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class EntityMemo:
    """The memo of one endpoint inside a cache root (see the module docstring).

    Args:
        root: The cache root.
        endpoint: The repository endpoint the ids belong to.
    """

    def __init__(self, root: str | os.PathLike[str], endpoint: str) -> None:
        digest = hashlib.sha1(endpoint.encode()).hexdigest()[:12]
        self.base = Path(root) / ".synapse_models" / "entities" / digest

    def _file(self, entity_id: str) -> Path:
        number = int(entity_id.lower().removeprefix("syn"))
        return self.base / str(number % 1000) / f"{number}.json"

    def get(
        self, entity_id: str, version: int | None, modified_on: datetime | str | None
    ) -> FileFacts | None:
        """The facts recorded for exactly this version and modification time, or ``None``."""
        if modified_on is None:
            return None
        try:
            data = json.loads(self._file(entity_id).read_text())
            facts = FileFacts.from_json(data)
        except (OSError, ValueError, TypeError):
            return None
        if facts.version != version or facts.modified_on != stamp(modified_on):
            return None
        return facts

    def put(self, facts: FileFacts) -> None:
        """Record the facts (best effort: a read-only cache only costs requests later)."""
        target = self._file(facts.entity_id)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(facts.to_json(), separators=(",", ":")))
            os.replace(temporary, target)
        except OSError as exc:
            log.debug("could not record %s in the entity memo: %s", facts.entity_id, exc)
            temporary.unlink(missing_ok=True)
