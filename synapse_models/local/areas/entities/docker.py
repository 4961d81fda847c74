"""External Docker repositories (DockerRepository entities), checked as Synapse's ExternalDockerRepoValidator
checks them.

The repository name must be a Docker reference (``[host[:port]/]path``, the path having at least two
lower-case parts, DockerNameUtil's grammar); a name on Synapse's own registry is a managed repository, which
only ``docker push`` creates; the parent must be a project.  Synapse marks every repository stored through the
entity API ``isManaged: false``.
"""

from __future__ import annotations

import re
from typing import Any

from ...core.errors import BadRequest

_COMPONENT = r"[a-z0-9]+(?:(?:__|[._]|-*)[a-z0-9]+)*"
_PATH = rf"[a-z0-9]+(?:/{_COMPONENT})+"
_LABEL = r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?"
_NAME = re.compile(rf"^(?:({_HOST})/)?{_PATH}$")
_PATH_ONLY = re.compile(rf"^{_PATH}$")
#: Synapse's own registry: repositories there are managed (created by ``docker push``).
MANAGED_REGISTRY_HOSTS = frozenset({"docker.synapse.org"})


def check_docker_repository(body: dict[str, Any]) -> None:
    """Validate a DockerRepository body (400 in Synapse's words) and mark it unmanaged."""
    name = body.get("repositoryName")
    match = _NAME.match(name) if isinstance(name, str) else None
    if match is None:
        raise BadRequest(f"Invalid repository name: {name}")
    host = None if _PATH_ONLY.match(str(name)) else match.group(1)
    if host is not None and host.split(":")[0] in MANAGED_REGISTRY_HOSTS:
        raise BadRequest("Cannot create or update a managed Docker repository.")
    body["isManaged"] = False
