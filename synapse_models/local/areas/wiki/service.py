"""What other areas may use of the wiki area: the root page of an owner."""

from .pages import root_page_id

__all__ = ["root_page_id"]
