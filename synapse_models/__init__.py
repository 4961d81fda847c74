"""Typed, active-record models for Synapse, with an embedded Synapse-compatible server.

Example:
    >>> import synapse_models as sm
    >>> project = sm.Project(name="RNA-seq pilot").store()
    >>> raw = sm.Folder(name="raw", parent=project, annotations={"stage": "raw"}).store()

Importing this package is cheap: ``requests`` loads with the first connection, pandas with the first
DataFrame, and the embedded server (``synapse_models.local``) only when you import it.
"""

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
    ValidationError,
)
from .models.annotations import Annotations
from .models.entity import Entity, EntityHeader, EntityType
from .models.folder import Folder
from .models.project import Project
from .registry import connect, connections, disconnect, forget, get_connection, using

__version__ = "0.1.0"

__all__ = [
    "Annotations",
    "AuthenticationError",
    "ConflictError",
    "Connection",
    "Entity",
    "EntityHeader",
    "EntityType",
    "Folder",
    "ForbiddenError",
    "HTTPError",
    "NotConnectedError",
    "NotFoundError",
    "PreconditionFailedError",
    "Project",
    "RetryPolicy",
    "SynapseError",
    "ValidationError",
    "__version__",
    "connect",
    "connections",
    "disconnect",
    "forget",
    "get_connection",
    "using",
]
