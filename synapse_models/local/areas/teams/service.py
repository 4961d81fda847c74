"""What other areas may use of the teams area: whether a team exists and who its members are."""

from .records import is_member, member_ids, require_team

__all__ = ["is_member", "member_ids", "require_team"]
