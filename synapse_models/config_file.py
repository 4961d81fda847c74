"""Writing the official client's configuration file, ``~/.synapseConfig`` (``credentials`` reads it).

Example:
    >>> from synapse_models.config_file import save_profile
    >>> save_profile(token, profile="lab")            # a [profile lab] section with authtoken = ...
    PosixPath('/home/me/.synapseConfig')
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .credentials import config_path
from .errors import ValidationError

__all__ = ["save_profile"]

_PROFILE = re.compile(r"^[A-Za-z0-9_.-]+$")
_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")


def save_profile(
    token: str,
    *,
    profile: str | None = None,
    username: str | None = None,
    endpoint: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Path:
    """Save a token (and optionally an endpoint) in the config file; returns the file's path.

    The profile's section (``[default]``, or ``[profile NAME]``) gets ``username`` and ``authtoken``; the rest
    of the file (other sections, comments) is kept as it was. The file is replaced atomically and readable by
    its owner only.

    Args:
        token: The personal access token.
        profile: The profile name (``None`` or ``"default"``: the ``[default]`` section).
        username: The user name to record with it.
        endpoint: A base URL to record in the ``[endpoints]`` section (which every profile shares).
        path: The file (default: ``SYNAPSE_CONFIG_FILE``, else ``~/.synapseConfig``).

    Raises:
        ValidationError: An empty token or a profile name that cannot be a section name.
    """
    if not token or not token.strip() or any(c.isspace() for c in token.strip()):
        raise ValidationError("token", "<hidden>", "a token is one word without spaces")
    if profile is not None and not _PROFILE.match(profile):
        raise ValidationError("profile", profile, "profile names may contain letters, digits, '_', '.', '-'")
    target = Path(path) if path is not None else config_path()
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    section = "default" if profile in (None, "default") else f"profile {profile}"
    values = {"username": username, "authtoken": token.strip()}
    text = _set_section(text, section, {k: v for k, v in values.items() if v is not None})
    if endpoint is not None:
        base = endpoint.rstrip("/")
        text = _set_section(
            text,
            "endpoints",
            {
                "repoEndpoint": f"{base}/repo/v1",
                "authEndpoint": f"{base}/auth/v1",
                "fileHandleEndpoint": f"{base}/file/v1",
                "portalEndpoint": f"{base}/",
            },
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".synapseConfig.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _set_section(text: str, section: str, values: dict[str, str]) -> str:
    """Set ``values`` in ``[section]`` (replacing those keys, keeping other lines), appending it if absent."""
    lines = text.splitlines()
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if (m := _SECTION.match(line)) and m.group("name").strip() == section
        ),
        None,
    )
    new = [f"{key} = {value}" for key, value in values.items()]
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join([*lines, *([""] if lines else []), f"[{section}]", *new]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _SECTION.match(lines[i])), len(lines))
    keys = {key.lower() for key in values}
    body = [
        line
        for line in lines[start + 1 : end]
        if line.split("=", 1)[0].strip().lower() not in keys or line.lstrip().startswith(("#", ";"))
    ]
    while body and not body[-1].strip():
        body.pop()
    tail = [""] if end < len(lines) else []
    return "\n".join([*lines[: start + 1], *new, *body, *tail, *lines[end:]]) + "\n"
