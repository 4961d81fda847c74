"""Loaded by every Python process of an official-suite run (this folder is put first on ``PYTHONPATH``).

1. Network guard: a name lookup or a connect to anything but loopback fails at once with
   :class:`NetworkBlocked`. It is deliberately *not* an ``OSError``: the official client retries connection
   errors (``ConnectionError``, ``ConnectError``) for about half an hour, while an unknown exception type
   goes straight up and fails the test that needed the internet. ``requests`` (urllib3) and ``httpx``
   (httpcore, sync and asyncio) both resolve through ``socket.getaddrinfo`` and connect through
   ``socket.socket.connect``, so both are covered.
2. Import alias: the suite's ``test_schema_organization_async.py`` imports
   ``synapseclient.models.schema_organization``, which later releases renamed
   ``synapseclient.models.organization`` (same names). When only the new module exists, the old name
   resolves to it, so the file can be collected.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import ipaddress
import socket
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlocked(RuntimeError):
    """A request left this machine's loopback interface during an official-suite run."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port) means the local wildcard/loopback address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOOPBACK_NAMES or name == "":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _is_loopback(host):
        raise NetworkBlocked(f"network access is disabled in this run (lookup of {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkBlocked(f"network access is disabled in this run (connect to {address[0]!r})")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]


class _RenamedModule(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve an old module name to the module that replaced it, only when the old one is gone."""

    OLD, NEW = "synapseclient.models.schema_organization", "synapseclient.models.organization"

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        # Appended last to sys.meta_path: reached only when no other finder knows the old name.
        if fullname != self.OLD or importlib.util.find_spec(self.NEW) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.NEW)

    def exec_module(self, module: ModuleType) -> None:
        return None


sys.meta_path.append(_RenamedModule())
