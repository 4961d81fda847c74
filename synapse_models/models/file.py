"""Files: versioned entities whose content is uploaded, cached locally and downloaded on demand.

Example:
    >>> counts = File("counts.tsv", parent=folder, activity=Activity("count", used=[raw])).store()
    >>> again = File.get(counts.id)          # a cache hit: nothing is downloaded
    >>> again.path
    '/home/me/.synapseCache/123/1000123/counts.tsv'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlparse

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..connection import Connection
from ..errors import NotFoundError, ValidationError
from ..registry import ConnectionLike, get_connection
from ..transfer.cache import Cache
from ..transfer.upload import md5_of_path
from ._args import as_path
from ._download import COLLISIONS, Collision, download_content
from ._file_content import record_external, upload_if_changed
from ._html import content_section
from ._wire import AnnotationsBody, EntityBundle, EntityBundleRequest, EntityStoreParams, Page
from .activity import Activity
from .entity import EntityLike, Versionable, _bundle
from .file_handle import ExternalFileHandle, FileHandle, VersionInfo
from .listing import Listing, offset_listing
from .tree import EntityHeader, EntityType, link_target

__all__ = ["Collision", "File"]

F = TypeVar("F", bound="File")
_URL_SCHEMES = ("http", "https", "ftp", "sftp", "s3", "gs", "file")
_GET_PARTS = EntityBundleRequest(include_file_handles=True, include_activity=True)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _to_path(value: str | os.PathLike[str] | None) -> str | None:
    if value is None:
        return None
    return as_path(value)


@attrs.define(kw_only=False)
class File(Versionable):
    """A file in a project or folder; ``store()`` uploads its content, ``File.get()`` downloads it.

    Example:
        >>> File("counts.tsv", parent=folder, annotations={"assay": "rna-seq"}).store()
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.FileEntity"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.FILE
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "version_number", "path")

    path: str | None = attrs.field(default=None, converter=_to_path, metadata={LOCAL: True})
    """The local copy: what ``store()`` uploads, where ``get()`` downloaded to."""
    data_file_handle_id: str | None = attrs.field(default=None, kw_only=True)
    """The file handle of this version's content."""
    content_type: str | None = attrs.field(default=None, kw_only=True, metadata={LOCAL: True})
    """The MIME type sent with an upload; guessed from the name when omitted."""
    url: str | None = attrs.field(default=None, kw_only=True, metadata={LOCAL: True})
    """An external URL to record instead of uploading bytes (an ExternalFileHandle)."""
    synapse_store: bool = attrs.field(default=True, kw_only=True, metadata={LOCAL: True})
    """``False`` records ``url`` (or the local path as a ``file://`` URL) without uploading."""
    activity: Activity | None = attrs.field(default=None, kw_only=True, metadata={LOCAL: True})
    """The provenance of this version; set it to ``None`` and store to remove it."""
    file_handle: FileHandle | None = attrs.field(
        default=None, init=False, repr=False, eq=False, metadata={LOCAL: True}
    )
    """The file handle of this version (name, size, md5...), once stored or loaded."""

    _activity_id_stored: str | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _force_version: bool = attrs.field(default=False, init=False, repr=False, eq=False)
    _progress: bool | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _cache: Cache | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _version_before: int | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _verified_md5: str | None = attrs.field(default=None, init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.name is None and (self.path or self.url):
            source = self.path if self.path else urlparse(str(self.url)).path
            base = os.path.basename(source)
            if base:
                self.name = base

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def get(
        cls: type[F],
        id: EntityLike | None = None,
        *,
        version: int | None = None,
        download: bool = True,
        download_location: str | os.PathLike[str] | None = None,
        if_collision: Collision = "keep.both",
        progress: bool | None = None,
        cache_root: str | os.PathLike[str] | None = None,
        name: str | None = None,
        parent: EntityLike | None = None,
        follow_link: bool = False,
        connection: ConnectionLike | None = None,
    ) -> F:
        """Load a file (a version with ``"syn1.3"`` or ``version=3``) and, by default, download its content.

        Args:
            id: ``"syn123"``, ``"syn123.4"``, or the file (or its header) itself.
            version: The version (overrides one given in ``id``).
            download: Fetch the content (skipped when the cache holds an unmodified copy).
            download_location: A directory to put the file in; the cache directory
                ``<root>/<fhid % 1000>/<fhid>/`` by default.
            if_collision: When a different file of the same name is in the way: ``"keep.both"`` (the download
                gets a ``name(1).ext`` name), ``"overwrite.local"`` or ``"keep.local"`` (no download).
            progress: Show a progress bar (default: over 4 MiB when stderr is a terminal).
            cache_root: The cache root (default: ``SYNAPSE_CACHE``, ``[cache] location``,
                ``~/.synapseCache``).
            name: Look the file up by name (with ``parent``) instead of ``id``.
            parent: The container to look ``name`` up in.
            follow_link: When ``id`` is a :class:`~synapse_models.Link`, get the file it points to (the
                version it names, unless ``version=`` says otherwise).
            connection: The connection to use.

        Raises:
            ValidationError: A bad id or argument (before any request).
            ForbiddenError: You may read the file but not download it.
            TransferError: The download failed verification (no corrupt file is left).
        """
        _check_collision(if_collision)
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise ValidationError("version", version, "a version is a positive integer")
        conn = get_connection(connection)
        entity_id, id_version = cls._locate(conn, id, name, parent)
        version = version or id_version
        if follow_link:
            entity_id, pinned = link_target(conn, entity_id, None)
            version = version or pinned
        where = f"/entity/{entity_id}" + (f"/version/{version}" if version else "")
        bundle = _bundle(conn, where, _GET_PARTS)
        file = cls._from_bundle(bundle, conn, requested=id or name)
        file._load_parts(bundle)
        if download:
            file.download(
                download_location, if_collision=if_collision, progress=progress, cache_root=cache_root
            )
        return file

    def _load_parts(self, bundle: EntityBundle) -> None:
        self.file_handle = next((h for h in bundle.file_handles if h.id == self.data_file_handle_id), None)
        if isinstance(self.file_handle, ExternalFileHandle):
            self.url = self.file_handle.external_url
        self.activity = Activity.from_wire(bundle.activity) if bundle.activity else None
        if self.activity is not None and self._connection is not None:
            self.activity._loaded(self._connection)  # it came with the file, through the same connection
        self._activity_id_stored = self.activity.id if self.activity else None

    @classmethod
    def from_path(
        cls: type[F], path: str | os.PathLike[str], *, connection: ConnectionLike | None = None
    ) -> F:
        """Find the file entity (version) whose content is this local file, by md5; nothing is downloaded.

        Raises:
            ValidationError: ``path`` is not a file.
            NotFoundError: No file you can read has this content.
        """
        local = Path(as_path(path))
        if not local.is_file():
            raise ValidationError("path", str(path), "not an existing file")
        conn = get_connection(connection)
        md5 = md5_of_path(local)
        path = f"/entity/md5/{md5}"
        results = from_wire(Page[EntityHeader], conn.get(path)).results
        if not results:  # the server answers an empty list; say so as the lookup's not-found, with its URL
            raise NotFoundError(
                404, f"no file you can read has the content of {local} (md5 {md5})", "GET", conn.url(path)
            )
        best = max(results, key=lambda h: (h.modified_on or _EPOCH, h.version_number or 0))
        found = cls.get(best.id, version=best.version_number, download=False, connection=conn)
        found.path = str(local)
        if found.data_file_handle_id:
            Cache().add(found.data_file_handle_id, local, md5)
        return found

    def download(
        self,
        download_location: str | os.PathLike[str] | None = None,
        *,
        if_collision: Collision = "keep.both",
        progress: bool | None = None,
        cache_root: str | os.PathLike[str] | None = None,
        connection: ConnectionLike | None = None,
    ) -> Path:
        """Download this version's content (see :meth:`get`); returns the local path, also set as ``path``."""
        _check_collision(if_collision)
        if self.id is None or self.data_file_handle_id is None:
            raise ValidationError("id", self.id, "only a stored file with content can be downloaded")
        conn = self._conn(connection)
        target = download_content(
            conn,
            self.id,
            self.data_file_handle_id,
            self.file_handle,
            str(self.name),
            download_location=download_location,
            if_collision=if_collision,
            progress=progress,
            cache_root=cache_root,
        )
        self.path = str(target)
        return target

    def versions(self, *, connection: ConnectionLike | None = None) -> Listing[VersionInfo]:
        """This file's versions, newest first, lazily."""
        if self.id is None:
            raise ValidationError("id", None, "this File is not stored yet")
        conn = self._conn(connection)
        return offset_listing(conn, f"versions of {self.id}", f"/entity/{self.id}/version",
                              lambda item: from_wire(VersionInfo, item))

    def delete(self, *, version: int | None = None, connection: ConnectionLike | None = None) -> None:
        """Move the file to the trash can, or with ``version=N`` delete only that version (never the last)."""
        if version is None:
            super().delete(connection=connection)
            return
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValidationError("version", version, "a version is a positive integer")
        if self.id is None:
            raise ValidationError("id", None, "cannot delete a version of a file that was never stored")
        self._conn(connection).delete(f"/entity/{self.id}/version/{version}")

    # -- writing -------------------------------------------------------------------------------------

    def store(
        self: F,
        *,
        connection: ConnectionLike | None = None,
        create_or_update: bool = True,
        force_version: bool = False,
        progress: bool | None = None,
        cache_root: str | os.PathLike[str] | None = None,
    ) -> F:
        """Upload the content if it changed, then create or update the entity, annotations and provenance.

        A change of content makes a new version (give it ``version_label``/``version_comment`` first);
        ``force_version=True`` makes one anyway. Unchanged content (same md5 as the stored file handle) is not
        uploaded again, and a file whose modification time matches the cache's record is not even re-hashed.

        Args:
            connection: The connection to use.
            create_or_update: Update a same-named sibling instead of failing (the default).
            force_version: Create a new version even if the content did not change.
            progress: Show progress bars, of the checksum pass before an upload and of the upload (default:
                over 4 MiB when stderr is a terminal); a bar that took over 3 seconds stays on screen.
            cache_root: The cache to record the local copy in.

        Raises:
            ValidationError: No content, a missing local file, bad provenance... (before any request).
            TransferError: The upload failed; running ``store()`` again resumes it.
        """
        self._force_version = force_version
        self._progress = progress
        self._cache = Cache(cache_root)
        try:
            return super().store(connection=connection, create_or_update=create_or_update)
        finally:
            self._force_version = False

    def _check_storable(self) -> None:
        super()._check_storable()
        external = self.url is not None or not self.synapse_store
        if self.url is not None and (
            not isinstance(self.url, str) or urlparse(self.url).scheme.lower() not in _URL_SCHEMES
        ):
            raise ValidationError("url", self.url, f"a URL with one of the schemes {', '.join(_URL_SCHEMES)}")
        uploading = self.path is not None and self.synapse_store and self.url is None
        if uploading and not os.path.isfile(str(self.path)):
            raise ValidationError("path", self.path, "not an existing file")
        if uploading and os.path.getsize(str(self.path)) == 0:
            raise ValidationError("path", self.path, "is empty (0 bytes): Synapse refuses empty files")
        if external and self.url is None and self.path is None:
            raise ValidationError("url", None, "synapse_store=False needs a url or a path to record")
        if self.path is None and self.url is None and self.data_file_handle_id is None:
            raise ValidationError("path", None, "a File needs a path, a url or a data_file_handle_id")
        if self.activity is not None:
            if not isinstance(self.activity, Activity):
                raise ValidationError("activity", self.activity, "expected an Activity or None")
            self.activity.check()

    def _last_stored(self) -> File | None:
        """This file as last read or written (from the snapshot), to see what changed since."""
        return from_wire(type(self), self._stored[0]) if self._stored else None

    def _before_store(self, conn: Connection) -> None:
        self._version_before = self.version_number if self.id else None
        self._verified_md5 = None
        if self.activity is not None and (self.activity.id is None or self.activity.changed):
            self.activity._write(conn)
        if self.url is not None or not self.synapse_store:
            record_external(self, conn)
        elif self.path is not None:
            upload_if_changed(self, conn)

    def _new_version_expected(self) -> bool:
        if self.id is None:
            return False
        last = self._last_stored()
        return self._force_version or self.data_file_handle_id != (last.data_file_handle_id if last else None)

    def _update(self, conn: Connection) -> None:
        last = self._last_stored()
        if self._new_version_expected() and last is not None:
            # a new version gets a fresh label and comment unless the caller set new ones
            if self.version_label is not None and self.version_label == last.version_label:
                self.version_label = None
            if self.version_comment is not None and self.version_comment == last.version_comment:
                self.version_comment = None
        super()._update(conn)

    def _store_params(self) -> dict[str, Any]:
        params = EntityStoreParams(new_version=True if self._force_version and self.id is not None else None)
        activity = self.activity
        if (
            activity is not None
            and activity.id is not None
            and (self.id is None or activity.id != self._activity_id_stored or self._new_version_expected())
        ):
            params.generated_by = activity.id
        return to_wire(params)

    def _after_store(self, conn: Connection) -> None:
        new_version = self._version_before is not None and self.version_number != self._version_before
        if self.activity is None and self._activity_id_stored is not None and not new_version:
            conn.delete(f"/entity/{self.id}/generatedBy")
            self._apply(conn.get(f"/entity/{self.id}"), None)
        self._activity_id_stored = self.activity.id if self.activity is not None else None
        if (
            self.path is not None
            and self._verified_md5
            and self.data_file_handle_id
            and self.synapse_store
            and self.url is None
        ):
            (self._cache or Cache()).add(self.data_file_handle_id, self.path, self._verified_md5)

    def _apply(self, entity_json: dict[str, Any], annotations: AnnotationsBody | None) -> None:
        super()._apply(entity_json, annotations)
        if self.file_handle is not None and self.file_handle.id != self.data_file_handle_id:
            self.file_handle = None

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        return [content_section(self.file_handle), *super()._html_sections(names)]


def _check_collision(if_collision: object) -> None:
    if if_collision not in COLLISIONS:
        raise ValidationError("if_collision", if_collision, f"one of {', '.join(COLLISIONS)}")
