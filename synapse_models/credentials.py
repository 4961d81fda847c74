"""Where a token and an endpoint come from.

Token order: the ``token`` argument > ``SYNAPSE_AUTH_TOKEN`` > ``~/.synapseConfig`` > the OS keyring.
Endpoint order: the ``endpoint`` argument > ``SYNAPSE_ENDPOINT`` > the ``[endpoints]`` section of
``~/.synapseConfig`` > production.

The config file is the official client's, read unchanged: ``[default]``, ``[profile NAME]`` (chosen by the
``profile`` argument or ``SYNAPSE_PROFILE``) and the legacy ``[authentication]`` section, each with
``authtoken`` (and optionally ``username``). ``SYNAPSE_CONFIG_FILE`` points at another file.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

import attrs

from .errors import CredentialsError

__all__ = [
    "KEYRING_SERVICE",
    "Endpoints",
    "ResolvedToken",
    "forget_token",
    "remember_token",
    "resolve_endpoints",
    "resolve_token",
]

KEYRING_SERVICE = "synapse_models"
PRODUCTION_PORTAL = "https://www.synapse.org"
PRODUCTION = {
    "repo": "https://repo-prod.prod.sagebase.org/repo/v1",
    "auth": "https://auth-prod.prod.sagebase.org/auth/v1",
    "file": "https://file-prod.prod.sagebase.org/file/v1",
}


@attrs.frozen
class ResolvedToken:
    """A token and a human description of where it came from (never the token itself in reprs)."""

    token: str = attrs.field(repr=False)
    source: str


@attrs.frozen
class Endpoints:
    """The base URLs of the three Synapse services."""

    repo: str
    auth: str
    file: str
    source: str = "production"

    @classmethod
    def from_base(cls, base: str, source: str) -> Endpoints:
        """One base URL serving ``/repo/v1``, ``/auth/v1`` and ``/file/v1`` (a LocalSynapse, say)."""
        base = base.rstrip("/")
        for suffix in ("/repo/v1", "/auth/v1", "/file/v1"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        return cls(repo=f"{base}/repo/v1", auth=f"{base}/auth/v1", file=f"{base}/file/v1", source=source)

    @property
    def portal(self) -> str:
        """The web site that goes with these services: www.synapse.org for production, the server itself
        for one base URL serving all three (a LocalSynapse)."""
        if self.repo.rstrip("/").endswith(".prod.sagebase.org/repo/v1"):
            return PRODUCTION_PORTAL
        return self.repo.rstrip("/").removesuffix("/repo/v1")

    def entity_page(self, entity_id: str) -> str:
        """The address of an entity's page on :attr:`portal` (what ``synapse-models onweb`` prints)."""
        return f"{self.portal}/Synapse:{entity_id}"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file in use: ``SYNAPSE_CONFIG_FILE`` or ``~/.synapseConfig``."""
    env = os.environ if environ is None else environ
    return Path(env.get("SYNAPSE_CONFIG_FILE") or Path.home() / ".synapseConfig")


def _read_config(path: Path) -> configparser.ConfigParser | None:
    if not path.exists():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError) as exc:
        raise CredentialsError(f"cannot read {path}: {exc}") from None
    return parser


def _profile_section(parser: configparser.ConfigParser, profile: str | None, path: Path) -> str | None:
    if profile and profile != "default":
        section = f"profile {profile}"
        if not parser.has_section(section):
            raise CredentialsError(
                f"profile {profile!r} not found in {path} (expected a [{section}] section)"
            )
        return section
    for section in ("default", "authentication"):
        if parser.has_section(section) and parser.has_option(section, "authtoken"):
            return section
    return None


def resolve_token(
    token: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ResolvedToken | None:
    """Find a token in the documented order; ``None`` when there is none anywhere."""
    env = os.environ if environ is None else environ
    if token:
        return ResolvedToken(token, "the token argument")
    if not profile and env.get("SYNAPSE_AUTH_TOKEN"):
        return ResolvedToken(env["SYNAPSE_AUTH_TOKEN"], "the SYNAPSE_AUTH_TOKEN environment variable")
    profile = profile or env.get("SYNAPSE_PROFILE") or None
    path = config_path(env)
    parser = _read_config(path)
    if parser is not None:
        section = _profile_section(parser, profile, path)
        if section is not None:
            value = str(parser.get(section, "authtoken", fallback="")).strip()
            if value:
                return ResolvedToken(value, f"[{section}] in {path}")
    stored = _keyring_get(profile or "default")
    if stored:
        return ResolvedToken(stored, f"the OS keyring ({KEYRING_SERVICE}/{profile or 'default'})")
    return None


def resolve_endpoints(
    endpoint: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Endpoints:
    """Find the service URLs in the documented order."""
    env = os.environ if environ is None else environ
    if endpoint:
        return Endpoints.from_base(endpoint, "the endpoint argument")
    if env.get("SYNAPSE_ENDPOINT"):
        return Endpoints.from_base(env["SYNAPSE_ENDPOINT"], "the SYNAPSE_ENDPOINT environment variable")
    path = config_path(env)
    parser = _read_config(path)
    if parser is not None and parser.has_section("endpoints"):
        section = parser["endpoints"]
        repo = section.get("repoEndpoint") or section.get("repoendpoint")
        if repo:
            base = Endpoints.from_base(repo, f"[endpoints] in {path}")
            return Endpoints(
                repo=repo.rstrip("/"),
                auth=(section.get("authEndpoint") or base.auth).rstrip("/"),
                file=(section.get("fileHandleEndpoint") or base.file).rstrip("/"),
                source=base.source,
            )
    return Endpoints(**PRODUCTION, source="production")


def _keyring_get(account: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        value: str | None = keyring.get_password(KEYRING_SERVICE, account)
    except (KeyringError, RuntimeError):
        return None
    return value


def remember_token(token: str, profile: str | None = None) -> None:
    """Save a token in the OS keyring under the profile name."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, profile or "default", token)
    except KeyringError as exc:
        raise CredentialsError(f"could not save the token in the OS keyring: {exc}") from None


def forget_token(profile: str | None = None) -> bool:
    """Remove a saved token from the OS keyring; returns whether one was there."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, profile or "default")
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise CredentialsError(f"could not remove the token from the OS keyring: {exc}") from None
    return True
