"""Typed, active-record models for Synapse, with an embedded Synapse-compatible server.

Example:
    >>> import synapse_models as sm
    >>> project = sm.Project(name="RNA-seq pilot").store()
    >>> raw = sm.Folder(name="raw", parent=project, annotations={"stage": "raw"}).store()

Importing this package is cheap: ``requests`` loads with the first connection, pandas with the first
DataFrame, the file, table and collaboration models on first use, and the embedded server
(``synapse_models.local``) only when you import it.
"""

from typing import TYPE_CHECKING, Any

from .connection import Connection, RetryPolicy
from .errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    HTTPError,
    NotConnectedError,
    NotFoundError,
    PreconditionFailedError,
    SynapseError,
    TransferError,
    ValidationError,
)
from .models.acl import (
    AccessControlList,
    AccessType,
    ResourceAccess,
    TeamPermissions,
    UserEntityPermissions,
    UserEvaluationPermissions,
    WellKnownPrincipal,
)
from .models.annotations import Annotations
from .models.entity import Entity, EntityHeader, EntityType
from .models.folder import Folder
from .models.project import Project
from .registry import connect, connections, disconnect, forget, get_connection, using

# Files, tables, views and collaboration load on first use (PEP 562), so that a script that only needs
# projects and folders, and the command line, start fast. Static type checkers see the imports below.
_LAZY: dict[str, str] = {
    "StoreResult": "bulk",
    "StoreResults": "bulk",
    "store_all": "bulk",
    "copy": "sync",
    "generate_manifest": "sync",
    "sync_from": "sync",
    "sync_to": "sync",
    "walk": "sync",
    "Activity": "models.activity",
    "UsedEntity": "models.activity",
    "UsedURL": "models.activity",
    "Column": "models.column",
    "ColumnType": "models.column",
    "FacetType": "models.column",
    "Evaluation": "models.evaluation",
    "Submission": "models.evaluation",
    "SubmissionStatus": "models.evaluation",
    "SubmissionStatusEnum": "models.evaluation",
    "File": "models.file",
    "ExternalFileHandle": "models.file_handle",
    "FileHandle": "models.file_handle",
    "S3FileHandle": "models.file_handle",
    "VersionInfo": "models.file_handle",
    "Table": "models.table",
    "UpsertResult": "models.table",
    "query": "models.table",
    "MembershipInvitation": "models.team",
    "Team": "models.team",
    "TeamMember": "models.team",
    "TeamMembershipStatus": "models.team",
    "UserGroupHeader": "models.user",
    "UserProfile": "models.user",
    "me": "models.user",
    "EntityUpdateFailure": "models.view",
    "SubmissionView": "models.view",
    "View": "models.view",
    "ViewUpdateError": "models.view",
    "Wiki": "models.wiki",
    "WikiHeader": "models.wiki",
}

if TYPE_CHECKING:
    from .bulk import StoreResult, StoreResults, store_all
    from .models.activity import Activity, UsedEntity, UsedURL
    from .models.column import Column, ColumnType, FacetType
    from .models.evaluation import Evaluation, Submission, SubmissionStatus, SubmissionStatusEnum
    from .models.file import File
    from .models.file_handle import ExternalFileHandle, FileHandle, S3FileHandle, VersionInfo
    from .models.table import Table, UpsertResult, query
    from .models.team import MembershipInvitation, Team, TeamMember, TeamMembershipStatus
    from .models.user import UserGroupHeader, UserProfile, me
    from .models.view import EntityUpdateFailure, SubmissionView, View, ViewUpdateError
    from .models.wiki import Wiki, WikiHeader
    from .sync import copy, generate_manifest, sync_from, sync_to, walk
else:

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'synapse_models' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "AccessControlList",
    "AccessType",
    "Activity",
    "Annotations",
    "AuthenticationError",
    "Column",
    "ColumnType",
    "ConflictError",
    "Connection",
    "Entity",
    "EntityHeader",
    "EntityType",
    "EntityUpdateFailure",
    "Evaluation",
    "ExternalFileHandle",
    "FacetType",
    "File",
    "FileHandle",
    "Folder",
    "ForbiddenError",
    "HTTPError",
    "MembershipInvitation",
    "NotConnectedError",
    "NotFoundError",
    "PreconditionFailedError",
    "Project",
    "ResourceAccess",
    "RetryPolicy",
    "S3FileHandle",
    "StoreResult",
    "StoreResults",
    "Submission",
    "SubmissionStatus",
    "SubmissionStatusEnum",
    "SubmissionView",
    "SynapseError",
    "Table",
    "Team",
    "TeamMember",
    "TeamMembershipStatus",
    "TeamPermissions",
    "TransferError",
    "UpsertResult",
    "UsedEntity",
    "UsedURL",
    "UserEntityPermissions",
    "UserEvaluationPermissions",
    "UserGroupHeader",
    "UserProfile",
    "ValidationError",
    "VersionInfo",
    "View",
    "ViewUpdateError",
    "WellKnownPrincipal",
    "Wiki",
    "WikiHeader",
    "__version__",
    "connect",
    "connections",
    "copy",
    "disconnect",
    "forget",
    "generate_manifest",
    "get_connection",
    "me",
    "query",
    "store_all",
    "sync_from",
    "sync_to",
    "using",
    "walk",
]
