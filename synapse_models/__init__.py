"""Typed, active-record models for Synapse, with an embedded Synapse-compatible server.

Example:
    >>> import synapse_models as sm
    >>> project = sm.Project(name="RNA-seq pilot").store()
    >>> raw = sm.Folder(name="raw", parent=project, annotations={"stage": "raw"}).store()

Importing this package is cheap: every name below loads with its module on first use, ``requests`` with the
first connection, pandas with the first DataFrame, and the embedded server (``synapse_models.local``) only
when you import it.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# THE list of public names: one import per name, from the module that defines it. Type checkers read these
# imports; at run time each name loads from the module named here on first use (PEP 562, see _exports
# below). A new public name is one line here and its entry in docs/api/ (tests/unit/test_public_api.py
# checks both).
if TYPE_CHECKING:
    from .bulk import StoreResult as StoreResult
    from .bulk import StoreResults as StoreResults
    from .bulk import store_all as store_all
    from .connection import Connection as Connection
    from .errors import AsyncJobError as AsyncJobError
    from .errors import AuthenticationError as AuthenticationError
    from .errors import BadRequestError as BadRequestError
    from .errors import ConflictError as ConflictError
    from .errors import CredentialsError as CredentialsError
    from .errors import EntityUpdateFailure as EntityUpdateFailure
    from .errors import ForbiddenError as ForbiddenError
    from .errors import HTTPError as HTTPError
    from .errors import ManifestError as ManifestError
    from .errors import ManifestProblem as ManifestProblem
    from .errors import NotConnectedError as NotConnectedError
    from .errors import NotFoundError as NotFoundError
    from .errors import PreconditionFailedError as PreconditionFailedError
    from .errors import RateLimitError as RateLimitError
    from .errors import ServerError as ServerError
    from .errors import SynapseError as SynapseError
    from .errors import TransferError as TransferError
    from .errors import TransportError as TransportError
    from .errors import ValidationError as ValidationError
    from .errors import ViewUpdateError as ViewUpdateError
    from .models.acl import AccessControlList as AccessControlList
    from .models.acl import AccessType as AccessType
    from .models.acl import ResourceAccess as ResourceAccess
    from .models.acl import WellKnownPrincipal as WellKnownPrincipal
    from .models.activity import Activity as Activity
    from .models.activity import UsedEntity as UsedEntity
    from .models.activity import UsedURL as UsedURL
    from .models.annotations import Annotations as Annotations
    from .models.column import Column as Column
    from .models.column import ColumnType as ColumnType
    from .models.column import FacetType as FacetType
    from .models.dataset import Dataset as Dataset
    from .models.dataset import DatasetCollection as DatasetCollection
    from .models.dataset import EntityRef as EntityRef
    from .models.derived import MaterializedView as MaterializedView
    from .models.derived import VirtualTable as VirtualTable
    from .models.entity import Entity as Entity
    from .models.evaluation import Evaluation as Evaluation
    from .models.evaluation import Submission as Submission
    from .models.evaluation import SubmissionStatus as SubmissionStatus
    from .models.evaluation import SubmissionStatusEnum as SubmissionStatusEnum
    from .models.file import File as File
    from .models.file_handle import ExternalFileHandle as ExternalFileHandle
    from .models.file_handle import FileHandle as FileHandle
    from .models.file_handle import S3FileHandle as S3FileHandle
    from .models.file_handle import VersionInfo as VersionInfo
    from .models.folder import Folder as Folder
    from .models.json_schema import JSONSchema as JSONSchema
    from .models.json_schema import SchemaOrganization as SchemaOrganization
    from .models.json_schema import SchemaVersion as SchemaVersion
    from .models.link import Link as Link
    from .models.listing import Listing as Listing
    from .models.message import Message as Message
    from .models.message import MessageStatusType as MessageStatusType
    from .models.message import send_message as send_message
    from .models.permissions import TeamPermissions as TeamPermissions
    from .models.permissions import UserEntityPermissions as UserEntityPermissions
    from .models.permissions import UserEvaluationPermissions as UserEvaluationPermissions
    from .models.project import Project as Project
    from .models.schema_validation import SchemaBinding as SchemaBinding
    from .models.schema_validation import SchemaViolation as SchemaViolation
    from .models.schema_validation import ValidationResult as ValidationResult
    from .models.schema_validation import ValidationStatistics as ValidationStatistics
    from .models.table import Table as Table
    from .models.table import UpsertResult as UpsertResult
    from .models.table import query as query
    from .models.team import MembershipInvitation as MembershipInvitation
    from .models.team import Team as Team
    from .models.team import TeamMember as TeamMember
    from .models.team import TeamMembershipStatus as TeamMembershipStatus
    from .models.tree import EntityHeader as EntityHeader
    from .models.tree import EntityType as EntityType
    from .models.tree import WalkStep as WalkStep
    from .models.user import UserGroupHeader as UserGroupHeader
    from .models.user import UserProfile as UserProfile
    from .models.user import me as me
    from .models.view import SubmissionView as SubmissionView
    from .models.view import View as View
    from .models.wiki import Wiki as Wiki
    from .models.wiki import WikiHeader as WikiHeader
    from .registry import connect as connect
    from .registry import connections as connections
    from .registry import disconnect as disconnect
    from .registry import forget as forget
    from .registry import get_connection as get_connection
    from .registry import using as using
    from .retry import RetryPolicy as RetryPolicy
    from .sync.copy import copy as copy
    from .sync.download import sync_from as sync_from
    from .sync.generate import generate_manifest as generate_manifest
    from .sync.results import CopyResult as CopyResult
    from .sync.results import CopyResults as CopyResults
    from .sync.results import SyncResult as SyncResult
    from .sync.results import SyncResults as SyncResults
    from .sync.upload import sync_to as sync_to
    from .sync.walk import walk as walk
else:

    def _exports() -> dict[str, str]:
        """The public names and their modules, read from the imports above (this module's own source)."""
        import ast
        import sys
        from pathlib import Path

        # the file itself, not the loader's get_source: pytest's assertion-rewriting loader has none
        source = Path(__file__).read_text(encoding="utf-8")
        found: dict[str, str] = {}
        for node in ast.parse(source).body:
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                for item in node.body:
                    if isinstance(item, ast.ImportFrom):
                        found.update({alias.asname or alias.name: str(item.module) for alias in item.names})
        if not found:  # pragma: no cover - only if this file's imports above were rewritten in another form
            raise ImportError(f"{__name__}: no public names found in {sys.modules[__name__].__file__}")
        return found

    _EXPORTS = _exports()
    __all__ = sorted([*_EXPORTS, "__version__"])

    def __getattr__(name: str) -> object:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_EXPORTS))
