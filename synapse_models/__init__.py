"""Typed, active-record models for Synapse, with an embedded Synapse-compatible server.

Example:
    >>> import synapse_models as sm
    >>> project = sm.Project(name="RNA-seq pilot").store()
    >>> raw = sm.Folder(name="raw", parent=project, annotations={"stage": "raw"}).store()

Importing this package is cheap: ``requests`` loads with the first connection, pandas with the first
DataFrame, and the embedded server (``synapse_models.local``) only when you import it.
"""

from .bulk import StoreResult, StoreResults, store_all
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
from .models.activity import Activity, UsedEntity, UsedURL
from .models.annotations import Annotations
from .models.column import Column, ColumnType, FacetType
from .models.entity import Entity, EntityHeader, EntityType
from .models.evaluation import Evaluation, Submission, SubmissionStatus, SubmissionStatusEnum
from .models.file import File
from .models.file_handle import ExternalFileHandle, FileHandle, S3FileHandle, VersionInfo
from .models.folder import Folder
from .models.project import Project
from .models.table import Table, UpsertResult, query
from .models.team import MembershipInvitation, Team, TeamMember, TeamMembershipStatus
from .models.user import UserGroupHeader, UserProfile, me
from .models.view import EntityUpdateFailure, SubmissionView, View, ViewUpdateError
from .models.wiki import Wiki, WikiHeader
from .registry import connect, connections, disconnect, forget, get_connection, using

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
    "disconnect",
    "forget",
    "get_connection",
    "me",
    "query",
    "store_all",
    "using",
]
