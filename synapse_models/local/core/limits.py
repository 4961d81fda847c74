"""The bounds a server enforces (:class:`Limits`), one value per server, settable on ``LocalSynapse``.

Defaults follow Synapse: a request body of at most 2 MiB except the bytes of a part upload (Synapse's
``RequestSizeThrottleFilter``; parts are bounded by S3's part rules instead), presigned download URLs valid
an hour and part upload URLs 15 minutes.  Tests shorten the URL lifetimes to see them expire.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds of one server.

    Attributes:
        request_body_bytes: the largest request body read (JSON and other bodies); larger ones are refused
            with 413 before they are read.  Part uploads (presigned PUTs) are bounded by the part-size rules.
        download_url_seconds: lifetime of a presigned download URL.
        upload_url_seconds: lifetime of a presigned part upload URL.
        json_depth: the deepest nesting of arrays and objects accepted in a JSON body (Synapse's JSON parser
            gives up far sooner than Python's recursion limit would).
    """

    request_body_bytes: int = 2 * MIB
    download_url_seconds: int = 3600
    upload_url_seconds: int = 15 * 60
    json_depth: int = 100

    def __post_init__(self) -> None:
        for name in ("request_body_bytes", "download_url_seconds", "upload_url_seconds", "json_depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")
