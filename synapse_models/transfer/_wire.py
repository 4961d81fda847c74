"""The request and response bodies of the file service that transfers use, as attrs classes.

They travel through the one converter (:mod:`synapse_models._convert`): snake_case attributes become the
REST API's camelCase keys (``WIRE_NAME`` where its spelling is irregular, as in ``contentMD5Hex``) and
``None`` is never sent. Field names and types follow the JSON schemas of
``org.sagebionetworks.repo.model.file``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from .._convert import WIRE_NAME

__all__ = [
    "AddPartResponse",
    "BatchFileRequest",
    "BatchFileResult",
    "BatchPresignedUploadUrlRequest",
    "BatchPresignedUploadUrlResponse",
    "FileHandleAssociation",
    "FileResult",
    "MultipartUploadRequest",
    "MultipartUploadStatus",
    "PartPresignedUrl",
    "UploadedFileHandle",
]


@attrs.define(kw_only=True)
class MultipartUploadRequest:
    """``POST /file/multipart``: start an upload, or find the one already started for the same file."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.file.MultipartUploadRequest"

    file_name: str
    content_type: str
    content_md5_hex: str = attrs.field(metadata={WIRE_NAME: "contentMD5Hex"})
    file_size_bytes: int
    part_size_bytes: int
    storage_location_id: int | None = None
    generate_preview: bool = False


@attrs.define(kw_only=True)
class MultipartUploadStatus:
    """The state of an upload: which parts the server holds (``partsState``, one ``0``/``1`` per part)."""

    upload_id: str
    state: str
    parts_state: str | None = None
    result_file_handle_id: str | None = None

    @property
    def completed(self) -> bool:
        """Whether the file handle exists."""
        return self.state == "COMPLETED" and bool(self.result_file_handle_id)


@attrs.define(kw_only=True)
class BatchPresignedUploadUrlRequest:
    """``POST /file/multipart/{uploadId}/presigned/url/batch``."""

    upload_id: str
    part_numbers: list[int]


@attrs.define(kw_only=True)
class PartPresignedUrl:
    """Where to ``PUT`` one part, and the headers that must go with it."""

    part_number: int
    upload_presigned_url: str = attrs.field(repr=False)  # carries a signature
    signed_headers: dict[str, str] = attrs.field(factory=dict)


@attrs.define(kw_only=True)
class BatchPresignedUploadUrlResponse:
    """The URLs of a batch of parts."""

    part_presigned_urls: list[PartPresignedUrl] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class AddPartResponse:
    """``PUT /file/multipart/{uploadId}/add/{n}``: whether the part's bytes matched its md5."""

    upload_id: str | None = None
    part_number: int | None = None
    add_part_state: str | None = None
    error_message: str | None = None


@attrs.define(kw_only=True)
class FileHandleAssociation:
    """A file handle, and the object through which the caller may read it."""

    file_handle_id: str
    associate_object_id: str
    associate_object_type: str


@attrs.define(kw_only=True)
class BatchFileRequest:
    """``POST /fileHandle/batch``: file handles and presigned URLs, each authorized through its object."""

    requested_files: list[FileHandleAssociation]
    include_file_handles: bool = True
    include_pre_signed_urls: bool = attrs.field(default=True, metadata={WIRE_NAME: "includePreSignedURLs"})
    include_preview_pre_signed_urls: bool = attrs.field(
        default=False, metadata={WIRE_NAME: "includePreviewPreSignedURLs"}
    )


@attrs.define(kw_only=True)
class FileResult:
    """One answer of a batch: the handle and its URL, or why not (``failureCode``)."""

    file_handle_id: str | None = None
    file_handle: dict[str, Any] | None = None
    pre_signed_url: str | None = attrs.field(default=None, repr=False, metadata={WIRE_NAME: "preSignedURL"})
    failure_code: str | None = None


@attrs.define(kw_only=True)
class BatchFileResult:
    """The answers of ``POST /fileHandle/batch``, in the order asked."""

    requested_files: list[FileResult] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class UploadedFileHandle:
    """The S3 file handle an upload made, as far as the upload's answers tell (no extra request)."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.file.S3FileHandle"

    id: str
    content_md5: str
    content_size: int
    file_name: str
    content_type: str
    storage_location_id: int | None = None
