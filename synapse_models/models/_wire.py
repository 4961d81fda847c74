"""Request and response bodies the models send and read, as attrs classes for the converter.

Models are bodies themselves (an ``Entity``, a ``Team``...); these are the other bodies of the REST API:
bundle requests, lookups, listings and their items. Names follow the REST reference
(``EntityBundleRequest``...), fields are snake_case and :mod:`synapse_models._convert` writes and reads
them, so no model builds a JSON dictionary by hand. Parts whose class depends on a model (an entity inside
a bundle, an activity) stay JSON here and are built by the model that reads them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

import attrs

from .._convert import WIRE_NAME
from .file_handle import FileHandle

T = TypeVar("T")

__all__ = [
    "AclEntries",
    "AclEntry",
    "AliasRequest",
    "AnnotationEntry",
    "AnnotationsBody",
    "EntityBundle",
    "EntityBundleCreate",
    "EntityBundleRequest",
    "EntityChildRequest",
    "EntityChildrenRequest",
    "EntityStoreParams",
    "EntityVersion",
    "IdRef",
    "ListWrapper",
    "MemberAdminParams",
    "MemberEligibility",
    "MessageBundle",
    "MessageStatusBody",
    "Page",
    "PrincipalRef",
    "RestrictionInformation",
    "StatusScores",
    "SubmissionParams",
    "SubmissionRequest",
    "TeamEligibility",
    "UserBundle",
]


@attrs.define(kw_only=True)
class IdRef:
    """Any answer read only for its ``id`` (a benefactor, a created child...)."""

    id: str


@attrs.define(kw_only=True)
class Page(Generic[T]):
    """One page of a ``PaginatedResults`` listing or of a token-paged answer."""

    results: list[T] = attrs.field(factory=list)
    next_page_token: str | None = None


@attrs.define(kw_only=True)
class ListWrapper(Generic[T]):
    """A ``ListWrapper``: sent (a batch of column models) and read (attachment handles, column models)."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.ListWrapper"

    items: list[T] = attrs.field(factory=list, metadata={WIRE_NAME: "list"})


# -- entities ----------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class EntityBundleRequest:
    """What ``POST /entity/{id}/bundle2`` should include."""

    include_entity: bool | None = True
    include_annotations: bool | None = True
    include_file_handles: bool | None = None
    include_activity: bool | None = None
    include_root_wiki_id: bool | None = None
    include_restriction_information: bool | None = None


@attrs.define(kw_only=True)
class AnnotationEntry:
    """One key of an ``Annotations`` v2 body: the type and the values as strings."""

    type: str = "STRING"
    value: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class AnnotationsBody:
    """An ``Annotations`` v2 body."""

    id: str | None = None
    etag: str | None = None
    annotations: dict[str, AnnotationEntry] = attrs.field(factory=dict)


@attrs.define(kw_only=True)
class RestrictionInformation:
    """The access restrictions of an entity (``RestrictionInformationResponse``), read for its level."""

    restriction_level: str | None = None
    """``OPEN``, ``RESTRICTED_BY_TERMS_OF_USE`` or ``CONTROLLED_BY_ACT``."""


@attrs.define(kw_only=True)
class EntityBundle:
    """The answer of a bundle request (the entity and activity stay JSON for the models to build)."""

    entity: dict[str, Any]
    annotations: AnnotationsBody | None = None
    file_handles: list[FileHandle] = attrs.field(factory=list)
    activity: dict[str, Any] | None = None
    root_wiki_id: str | None = None
    restriction_information: RestrictionInformation | None = None


@attrs.define(kw_only=True)
class EntityBundleCreate:
    """``POST /entity/bundle2/create``: a new entity with its annotations in one request."""

    entity: dict[str, Any]
    annotations: AnnotationsBody | None = None


@attrs.define(kw_only=True)
class EntityChildRequest:
    """``POST /entity/child``: the id of the child with this name (no parent: a project)."""

    parent_id: str | None
    entity_name: str


@attrs.define(kw_only=True)
class EntityChildrenRequest:
    """``POST /entity/children``: one page of a container's children of these types."""

    parent_id: str | None
    include_types: list[str]


@attrs.define(kw_only=True)
class EntityStoreParams:
    """The query of an entity create or update: a new version, the activity that generated it."""

    new_version: bool | None = None
    generated_by: str | None = None


@attrs.define(kw_only=True)
class EntityVersion:
    """An entity read for the version and etag a submission must name."""

    etag: str
    version_number: int = 1


@attrs.define(kw_only=True)
class StatusScores:
    """A submission status read only for its score annotations."""

    submission_annotations: AnnotationsBody | None = None


@attrs.define(kw_only=True)
class MemberAdminParams:
    """The query of ``PUT /team/{id}/member/{id}/permission``."""

    is_admin: bool


@attrs.define(kw_only=True)
class AclEntry:
    """An ACL entry read leniently (access types this library does not know are kept as text)."""

    principal_id: int
    access_type: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class AclEntries:
    """An ACL read only for its entries."""

    resource_access: list[AclEntry] = attrs.field(factory=list)


# -- principals --------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class AliasRequest:
    """``POST /principal/alias``: the principal with this user or team name."""

    alias: str
    type: str
    """``USER_NAME`` or ``TEAM_NAME``."""


@attrs.define(kw_only=True)
class PrincipalRef:
    """A principal by id: an alias lookup's answer, a submission's contributor."""

    principal_id: str


# -- evaluation submissions --------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class SubmissionRequest:
    """``POST /evaluation/submission``: an entity version submitted to a queue (maybe for a team)."""

    evaluation_id: str
    entity_id: str
    version_number: int
    name: str | None = None
    submitter_alias: str | None = None
    team_id: str | None = None
    contributors: list[PrincipalRef] | None = None


@attrs.define(kw_only=True)
class SubmissionParams:
    """The query of a submission: the entity's etag and, for a team, the eligibility it was checked at."""

    etag: str
    submission_eligibility_hash: str | None = None


@attrs.define(kw_only=True)
class MemberEligibility(PrincipalRef):
    is_eligible: bool = False
    has_conflicting_submission: bool = False


@attrs.define(kw_only=True)
class TeamEligibility:
    """``GET /evaluation/{id}/team/{id}/submissionEligibility``."""

    eligibility_state_hash: str | None = None
    members_eligibility: list[MemberEligibility] = attrs.field(factory=list)


# -- messages ----------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class MessageStatusBody:
    """``PUT /message/status`` (``MessageStatus``): how one message stands in the caller's inbox."""

    message_id: str
    status: str
    recipient_id: str | None = None


@attrs.define(kw_only=True)
class MessageBundle:
    """An inbox item: the message (built by the message model) and its status for the caller."""

    message: dict[str, Any]
    status: MessageStatusBody


# -- users -------------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class UserBundle:
    """``GET /user/{id}/bundle``: the parts of a user its ``mask`` asked for (only certification is read)."""

    user_id: str
    is_certified: bool | None = None


# -- names of principals (notebook views) ------------------------------------------------------------------


@attrs.define(kw_only=True)
class PrincipalHeader:
    """The part of a UserGroupHeader a view needs: whose id, and the user (or team) name."""

    owner_id: str
    user_name: str | None = None


@attrs.define(kw_only=True)
class PrincipalHeaders:
    """``GET /userGroupHeaders/batch?ids=...``: the headers of the ids that exist."""

    children: list[PrincipalHeader] = attrs.field(factory=list)
