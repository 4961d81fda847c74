"""What other areas may use of the users area: the UserGroupHeader of a principal."""

from .profiles import group_header

__all__ = ["group_header"]
