"""HTML for notebooks: the ``_repr_html_`` tables of the models."""

from __future__ import annotations

import html
from collections.abc import Iterable

__all__ = ["html_table"]


def html_table(rows: Iterable[tuple[str, object]], *, keep_empty: bool = False, extra: str = "") -> str:
    """A two-column HTML table of (label, value) rows; values are escaped, ``None`` ones left out unless
    ``keep_empty``; ``extra`` is trusted HTML for more rows."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
        if keep_empty or v is not None
    )
    return f"<table>{body}{extra}</table>"
