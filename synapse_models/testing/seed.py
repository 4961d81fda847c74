"""Start a test from realistic content in one call: :func:`load` creates projects, folders, files and tables.

The tree is a dict or a directory.

A dict maps names to what they hold:

* a dict: a project (at the top of the tree) or a folder; a trailing ``/`` on its name is allowed;
* a ``str``: a file with that text (UTF-8); ``bytes``: a file with those bytes; a path (``pathlib.Path``
  or any ``os.PathLike``, never a plain ``str``) to a file: a file with its content; a path to a directory:
  a folder with the content of that directory (read as below);
* a pandas ``DataFrame``: a table, its columns inferred as :meth:`Table.from_dataframe
  <synapse_models.models.table.Table.from_dataframe>` infers them.

Keys that start with ``@`` (which no Synapse name may contain) are settings of the dict they are in:
``"@annotations"`` (a dict) annotates the project, folder, file or table; ``"@content"`` (text, bytes or a
path) makes the dict a file and ``"@table"`` (a DataFrame) makes it a table, so that these too can carry
``"@annotations"``::

    {"Pilot": {
        "@annotations": {"study": "pilot"},
        "raw/": {"a.csv": "x,y\\n1,2\\n", "reads.bam": Path("tests/data/reads.bam")},
        "b.csv": {"@content": "x,y\\n3,4\\n", "@annotations": {"stage": "raw"}},
        "donors": pd.DataFrame({"donor": ["d1", "d2"], "age": [34, 51]}),
    }}

A directory holds one subdirectory per project (or per folder when ``parent`` is given), folders below them,
and files. Names starting with ``.`` (``.gitkeep``) are skipped. An ``@annotations.json`` file in a
directory maps names in it, and ``"."`` for the directory itself, to annotations.

:func:`load` checks the whole tree before the first request and answers the id of everything it made, by
path: ``{"Pilot": "syn1", "Pilot/raw": "syn2", "Pilot/raw/a.csv": "syn3", ...}``. Names that exist already
are updated, as ``store()`` does.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..connection import Connection
from ..credentials import Endpoints
from ..errors import ValidationError
from ..models.entity import Entity
from ..models.folder import Folder
from ..models.project import Project
from ..registry import ConnectionLike, get_connection

if TYPE_CHECKING:
    from ..local import LocalSynapse

__all__ = ["ANNOTATIONS_FILE", "Tree", "load", "load_into"]

Tree = Mapping[str, Any] | os.PathLike[str]
ANNOTATIONS_FILE = "@annotations.json"
_SETTINGS = {"@annotations", "@content", "@table"}


@attrs.define
class _Node:
    path: str
    entity: Entity
    children: list[_Node] = attrs.Factory(list)


def load(
    tree: Tree, *, parent: Entity | str | None = None, connection: ConnectionLike | None = None
) -> dict[str, str]:
    """Create the projects, folders, files and tables of ``tree`` (see the module docstring).

    Args:
        tree: A dict, or a directory (a ``pathlib.Path``).
        parent: Put the tree in this project or folder; its top-level names are then folders, files and
            tables. Without it they are projects.
        connection: Whose content it becomes.

    Returns:
        The id of each thing made, by its path in the tree (``"Pilot/raw/a.csv"``), in tree order.

    Raises:
        ValidationError: Something in the tree cannot be made (before any request).
    """
    parent_id = None if parent is None else (parent.id if isinstance(parent, Entity) else str(parent))
    if parent is not None and not parent_id:
        raise ValidationError("parent", parent, "the parent is not stored yet")
    with tempfile.TemporaryDirectory(prefix="synapse-load-") as scratch:
        reader = _Reader(Path(scratch), top_is_project=parent is None)
        nodes = reader.read(tree)
        conn = get_connection(connection)
        ids: dict[str, str] = {}
        for node in nodes:
            _store(node, parent_id, conn, Path(scratch) / "cache", ids)
    return ids


def load_into(
    server: LocalSynapse, tree: Tree, *, parent: Entity | str | None = None, token: str | None = None
) -> dict[str, str]:
    """What :meth:`LocalSynapse.load <synapse_models.local.LocalSynapse.load>` does.

    The content belongs to the user of ``token``; by default to the user this process acts as when its
    environment points at ``server`` (inside ``serving()``, say), else to the server's admin.
    """
    env = os.environ
    if token is None and env.get("SYNAPSE_ENDPOINT", "").rstrip("/") == server.endpoint:
        token = env.get("SYNAPSE_AUTH_TOKEN") or None
    conn = Connection(
        Endpoints.from_base(server.endpoint, "LocalSynapse.load"),
        token or server.admin_token,
        token_source="LocalSynapse.load",
        name="load",
    )
    try:
        return load(tree, parent=parent, connection=conn)
    finally:
        conn.close()


def _store(node: _Node, parent_id: str | None, conn: Connection, cache: Path, ids: dict[str, str]) -> None:
    entity = node.entity
    if not isinstance(entity, Project):
        entity.parent = parent_id
    from ..models.file import File

    if isinstance(entity, File):
        entity.store(connection=conn, progress=False, cache_root=cache)
    else:
        entity.store(connection=conn)
    ids[node.path] = str(entity.id)
    for child in node.children:
        _store(child, str(entity.id), conn, cache, ids)


class _Reader:
    """Turns a tree into unsaved models, checking everything on the way."""

    def __init__(self, scratch: Path, *, top_is_project: bool) -> None:
        self.scratch = scratch
        self.top_is_project = top_is_project
        self.files = 0

    def read(self, tree: Tree) -> list[_Node]:
        if isinstance(tree, Mapping):
            unknown = [key for key in tree if isinstance(key, str) and key.startswith("@")]
            if unknown:
                raise ValidationError(
                    f"tree[{unknown[0]!r}]",
                    tree[unknown[0]],
                    "the top of the tree is not an entity; give settings inside an item",
                )
            return self._mapping(tree, "", top=True)
        if isinstance(tree, os.PathLike):
            directory = Path(tree)
            if not directory.is_dir():
                raise ValidationError("tree", str(tree), "not a directory (a tree is a dict or a directory)")
            nodes, itself = self._directory(directory, "", top=True)
            if itself:
                raise ValidationError(
                    f"{directory / ANNOTATIONS_FILE}['.']",
                    itself,
                    "the top directory is not an entity; annotate what is in it",
                )
            return nodes
        raise ValidationError("tree", tree, "expected a dict or a directory (pathlib.Path)")

    def _mapping(self, mapping: Mapping[Any, Any], path: str, *, top: bool) -> list[_Node]:
        nodes = []
        for key, value in mapping.items():
            if not isinstance(key, str) or not key.strip("/"):
                raise ValidationError(_field(path, key), value, "a name is a non-empty string")
            if key.startswith("@"):
                continue  # a setting of the dict that holds it
            nodes.append(
                self._item(
                    key.rstrip("/"), value, _join(path, key.rstrip("/")), top=top, folder=key.endswith("/")
                )
            )
        return nodes

    def _item(
        self, name: str, value: Any, path: str, *, top: bool, folder: bool = False, annotations: Any = None
    ) -> _Node:
        node: _Node
        if isinstance(value, Mapping):
            node = self._dict(name, value, path, top=top)
        elif isinstance(value, os.PathLike) and Path(value).is_dir():
            node = _Node(path, self._container(name, path, top))
            node.children, itself = self._directory(Path(value), path, top=False)
            _annotate(node.entity, itself, f"{Path(value) / ANNOTATIONS_FILE}['.']")
        elif isinstance(value, (str, bytes, bytearray, os.PathLike)):
            node = _Node(path, self._file(name, value, path))
        elif _is_dataframe(value):
            node = _Node(path, _table(name, value, path))
        else:
            raise ValidationError(
                path, value, "expected a dict (a folder), text, bytes, a path or a DataFrame"
            )
        if (top and self.top_is_project) and not isinstance(node.entity, Project):
            raise ValidationError(path, value, "the top of the tree holds projects: a dict or a directory")
        if folder and not isinstance(node.entity, (Project, Folder)):
            raise ValidationError(path, value, "a name ending in '/' is a folder: give it a dict")
        _annotate(node.entity, annotations, f"annotations of {path}")
        return node

    def _dict(self, name: str, value: Mapping[Any, Any], path: str, *, top: bool) -> _Node:
        settings = {key for key in value if isinstance(key, str) and key.startswith("@")}
        if settings - _SETTINGS:
            wrong = sorted(settings - _SETTINGS)[0]
            raise ValidationError(f"{path}[{wrong!r}]", value[wrong], f"settings are {sorted(_SETTINGS)}")
        if "@content" in value or "@table" in value:
            kind = "@content" if "@content" in value else "@table"
            extra = [key for key in value if key not in ("@annotations", kind)]
            if extra:
                raise ValidationError(
                    f"{path}[{extra[0]!r}]",
                    value[extra[0]],
                    f"a dict with {kind} is a file or a table: it has no children",
                )
            if kind == "@table" and not _is_dataframe(value[kind]):
                raise ValidationError(f"{path}['@table']", value[kind], "expected a pandas DataFrame")
            if kind == "@content" and not isinstance(value[kind], (str, bytes, bytearray, os.PathLike)):
                raise ValidationError(f"{path}['@content']", value[kind], "expected text, bytes or a path")
            return self._item(name, value[kind], path, top=top, annotations=value.get("@annotations"))
        node = _Node(path, self._container(name, path, top))
        node.children = self._mapping(value, path, top=False)
        _annotate(node.entity, value.get("@annotations"), f"{path}['@annotations']")
        return node

    def _container(self, name: str, path: str, top: bool) -> Entity:
        try:
            return Project(name=name) if top and self.top_is_project else Folder(name=name)
        except ValidationError as exc:
            raise ValidationError(path, name, exc.problem) from None

    def _file(self, name: str, content: str | bytes | bytearray | os.PathLike[str], path: str) -> Entity:
        from ..models.file import File

        try:
            file = File(name=name)
        except ValidationError as exc:
            raise ValidationError(path, name, exc.problem) from None
        if isinstance(content, os.PathLike):
            source = Path(content).expanduser()
            if not source.is_file():
                raise ValidationError(path, str(content), "not an existing file or directory")
            file.path = str(source)
            return file
        self.files += 1
        target = self.scratch / "files" / str(self.files) / name
        target.parent.mkdir(parents=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else bytes(content))
        file.path = str(target)
        return file

    def _directory(self, directory: Path, path: str, *, top: bool) -> tuple[list[_Node], Any]:
        """The items of a directory, and the annotations it gives itself (``"."``)."""
        notes = _read_annotations(directory)
        entries = sorted(
            p for p in directory.iterdir() if not p.name.startswith(".") and p.name != ANNOTATIONS_FILE
        )
        unknown = set(notes) - {p.name for p in entries} - {"."}
        if unknown:
            raise ValidationError(
                f"{directory / ANNOTATIONS_FILE}[{sorted(unknown)[0]!r}]",
                notes[sorted(unknown)[0]],
                f"nothing is named so in {directory}",
            )
        nodes = [
            self._item(p.name, p, _join(path, p.name), top=top, annotations=notes.get(p.name))
            for p in entries
        ]
        return nodes, notes.get(".")


def _read_annotations(directory: Path) -> dict[str, Any]:
    source = directory / ANNOTATIONS_FILE
    if not source.is_file():
        return {}
    try:
        notes = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(str(source), "...", f"not readable JSON: {exc}") from None
    if not isinstance(notes, dict):
        raise ValidationError(str(source), notes, "expected a JSON object: names -> annotations")
    return notes


def _annotate(entity: Entity, annotations: Any, field: str) -> None:
    if annotations is None:
        return
    if not isinstance(annotations, Mapping):
        raise ValidationError(field, annotations, "annotations are a dict of names to values")
    try:
        for key, value in annotations.items():
            entity.annotations[key] = value
    except ValidationError as exc:
        raise ValidationError(f"{field}: {exc.field}", exc.value, exc.problem) from None


def _table(name: str, frame: Any, path: str) -> Entity:
    from ..models.table import Table

    try:
        return Table.from_dataframe(frame, name=name, parent="syn1")  # the real parent is set when stored
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc.field}", exc.value, exc.problem) from None


def _is_dataframe(value: object) -> bool:
    pandas = sys.modules.get("pandas")  # a DataFrame exists only if pandas is loaded already
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _field(path: str, key: object) -> str:
    return f"{path}[{key!r}]" if path else f"tree[{key!r}]"
