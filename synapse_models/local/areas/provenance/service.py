"""What other areas may use of the provenance area: the activity that generated an entity version."""

from .activities import activity_of

__all__ = ["activity_of"]
