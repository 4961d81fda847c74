"""Well-known ids and fixed values of the Synapse REST API (REFERENCE 1.2)."""

from __future__ import annotations

ANONYMOUS_USER_ID = 273950
AUTHENTICATED_USERS_ID = 273948
PUBLIC_GROUP_ID = 273949
CERTIFIED_USERS_ID = 3
ADMINISTRATORS_ID = 2
#: Synapse's bootstrap administrator, an individual (``BOOTSTRAP_PRINCIPAL.THE_ADMIN_USER``).
THE_ADMIN_USER_ID = 1

#: Principals that exist on every Synapse stack (id -> name).
WELL_KNOWN_PRINCIPALS: dict[int, str] = {
    ANONYMOUS_USER_ID: "anonymous",
    AUTHENTICATED_USERS_ID: "AUTHENTICATED_USERS",
    PUBLIC_GROUP_ID: "PUBLIC",
    CERTIFIED_USERS_ID: "CERTIFIED_USERS",
    ADMINISTRATORS_ID: "ADMINISTRATORS",
    THE_ADMIN_USER_ID: "migrationAdmin",
}
#: The well-known principals that are individuals rather than groups.
INDIVIDUAL_PRINCIPALS = frozenset({ANONYMOUS_USER_ID, THE_ADMIN_USER_ID})

ROOT_ENTITY_ID = 4489
TRASH_FOLDER_ID = 1681355

#: First id handed out by each sequence (see ``Txn.next_id``).  Areas may use other sequence names; those
#: start at 1 unless they pass ``start=``.  Entity and file-handle ids start in each data directory's own
#: range instead (``ids.SPREAD_SEQUENCES``).
SEQUENCE_STARTS: dict[str, int] = {
    "principal": 3350000,
    "asyncJob": 1,
}

ZERO_ETAG = "00000000-0000-0000-0000-000000000000"
DEFAULT_STORAGE_LOCATION_ID = 1

ERROR_RESPONSE_TYPE = "org.sagebionetworks.repo.model.ErrorResponse"

#: The eight access types a Project creator receives (REFERENCE 2.2).
ENTITY_ADMIN_ACCESS: tuple[str, ...] = (
    "READ",
    "DOWNLOAD",
    "UPDATE",
    "DELETE",
    "CREATE",
    "CHANGE_PERMISSIONS",
    "CHANGE_SETTINGS",
    "MODERATE",
)

ACCESS_TYPES: frozenset[str] = frozenset(
    {
        "CREATE",
        "READ",
        "UPDATE",
        "DELETE",
        "CHANGE_PERMISSIONS",
        "DOWNLOAD",
        "UPLOAD",
        "PARTICIPATE",
        "SUBMIT",
        "READ_PRIVATE_SUBMISSION",
        "UPDATE_SUBMISSION",
        "DELETE_SUBMISSION",
        "TEAM_MEMBERSHIP_UPDATE",
        "SEND_MESSAGE",
        "CHANGE_SETTINGS",
        "MODERATE",
        "REVIEW_SUBMISSIONS",
        "EXEMPTION_ELIGIBLE",
    }
)
