"""Moving bytes: multipart uploads, verified resumable downloads, the local cache and progress bars.

The functions here are what models use (``File``, tables, wikis); they take a
:class:`~synapse_models.Connection` and return plain JSON dicts or paths.
"""

from __future__ import annotations

from .download import download_file_handle, fetch_bytes
from .upload import upload_bytes, upload_path

__all__ = ["download_file_handle", "fetch_bytes", "upload_bytes", "upload_path"]
