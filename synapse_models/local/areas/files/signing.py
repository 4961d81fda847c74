"""Presigned URLs (REFERENCE 1.9): signed like S3's, checked when they come back.

Presigned URLs carry ``X-Amz-Date`` (``%Y%m%dT%H%M%SZ``, wall clock), ``X-Amz-Expires`` (seconds) and
``X-Amz-Signature`` (HMAC-SHA256 of method, path, date and expiry with a per-data-dir secret), like S3's, so
clients that parse the expiry of an S3 URL work unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from ...core.store import Store

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


# -- presigned URLs ------------------------------------------------------------------------------------------
def _secret(store: Store) -> bytes:
    """Return the signing secret of this data dir (a file created on first use, kept across restarts)."""
    cached = getattr(store, "_files_presign_secret", None)
    if isinstance(cached, bytes):
        return cached
    path = store.data_dir / "presign.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    secret = b""
    while len(secret) < 64:  # another thread may be writing it right now
        secret = path.read_bytes().strip()
    store._files_presign_secret = secret  # type: ignore[attr-defined]
    return secret


def _signature(store: Store, method: str, path: str, amz_date: str, expires: int) -> str:
    message = f"{method.upper()}\n{path}\n{amz_date}\n{expires}".encode()
    return hmac.new(_secret(store), message, hashlib.sha256).hexdigest()


def sign_url(store: Store, base_url: str, method: str, path: str, expires_in: int, **extra: str) -> str:
    """Return ``base_url + path`` with an S3-like signature valid ``expires_in`` seconds for ``method``."""
    amz_date = datetime.now(timezone.utc).strftime(AMZ_DATE_FORMAT)
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires_in),
        "X-Amz-SignedHeaders": "host",
        **extra,
        "X-Amz-Signature": _signature(store, method, path, amz_date, expires_in),
    }
    return f"{base_url}{path}?{urlencode(query)}"


def check_signature(store: Store, method: str, path: str, args: dict[str, str]) -> str | None:
    """Return why a presigned request is refused, or ``None`` when its signature is valid and unexpired."""
    amz_date, expires, signature = (
        args.get("X-Amz-Date"),
        args.get("X-Amz-Expires"),
        args.get("X-Amz-Signature"),
    )
    if not amz_date or not expires or not signature:
        return "The request is not signed (X-Amz-Date, X-Amz-Expires and X-Amz-Signature are required)"
    try:
        made = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
        seconds = int(expires)
    except ValueError:
        return "Malformed X-Amz-Date or X-Amz-Expires"
    signed_method = "GET" if method.upper() == "HEAD" else method
    if not hmac.compare_digest(signature, _signature(store, signed_method, path, amz_date, seconds)):
        return "The request signature does not match"
    if datetime.now(timezone.utc) > made + timedelta(seconds=seconds):
        return "Request has expired"
    return None
