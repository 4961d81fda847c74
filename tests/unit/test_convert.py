from __future__ import annotations

import gc
from datetime import datetime, timezone
from typing import ClassVar

import attrs
import pytest

import synapse_models as sm
from synapse_models import Entity, Folder, Project, ValidationError
from synapse_models._convert import (
    READ_ONLY,
    UnionRoot,
    format_datetime,
    from_wire,
    parse_datetime,
    to_wire,
    union_members,
)
from synapse_models.models.entity import UnknownEntity, parse_entity_id

FOLDER_JSON = {
    "concreteType": "org.sagebionetworks.repo.model.Folder",
    "id": "syn5",
    "name": "raw",
    "parentId": "syn3",
    "etag": "e-1",
    "createdOn": "2024-01-01T00:00:00.000Z",
    "modifiedOn": "2024-01-02T10:20:30.123Z",
    "createdBy": "3350001",
    "modifiedBy": "3350001",
    "someFutureField": {"kept": True},
}


def test_from_wire_dispatches_on_concrete_type() -> None:
    entity = from_wire(Entity, FOLDER_JSON)
    assert type(entity) is Folder
    assert entity.parent_id == "syn3"
    assert entity.modified_on == datetime(2024, 1, 2, 10, 20, 30, 123000, tzinfo=timezone.utc)


def test_unknown_fields_are_sent_back_and_read_only_fields_are_not() -> None:
    body = to_wire(from_wire(Entity, FOLDER_JSON))
    assert body["someFutureField"] == {"kept": True}
    assert body["etag"] == "e-1" and body["id"] == "syn5"
    assert "createdOn" not in body and "modifiedBy" not in body
    assert body["concreteType"] == "org.sagebionetworks.repo.model.Folder"


def test_unknown_entity_type_keeps_its_concrete_type_and_fields() -> None:
    docker = {
        "concreteType": "org.sagebionetworks.repo.model.docker.DockerRepository",
        "id": "syn9",
        "name": "d",
        "parentId": "syn3",
        "repositoryName": "docker.synapse.org/syn3/tool",
    }
    entity = from_wire(Entity, docker)
    assert isinstance(entity, UnknownEntity)
    body = to_wire(entity)
    assert body["concreteType"] == docker["concreteType"]
    assert body["repositoryName"] == "docker.synapse.org/syn3/tool"


def test_none_is_never_sent() -> None:
    assert to_wire(Project(name="p")) == {
        "name": "p",
        "concreteType": "org.sagebionetworks.repo.model.Project",
    }


def test_datetimes_round_trip_with_milliseconds() -> None:
    text = "2024-05-06T07:08:09.010Z"
    assert format_datetime(parse_datetime(text)) == text


def test_every_entity_subclass_is_in_the_union() -> None:
    gc.collect()  # attrs replaces each class by a slotted one; the replaced ones linger until collected

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    members = set(union_members(Entity).values())
    concrete = {c for c in subclasses(Entity) if getattr(c, "CONCRETE_TYPE", "")}
    assert concrete <= members
    assert concrete, "no entity classes found"


def test_read_only_fields_are_not_constructor_arguments() -> None:
    for field in attrs.fields(Folder):
        if field.metadata.get(READ_ONLY):
            assert not field.init, field.name


@pytest.mark.parametrize("bad", ["syn", "123abc", "", "syn12x", "synapse1", None, -3])
def test_malformed_ids_are_rejected(bad: object) -> None:
    with pytest.raises(ValidationError, match="not a Synapse id"):
        parse_entity_id(bad)


def test_ids_are_normalised() -> None:
    assert parse_entity_id("SYN42") == ("syn42", None)
    assert parse_entity_id("syn42.3") == ("syn42", 3)
    assert parse_entity_id("42") == ("syn42", None)


@pytest.mark.parametrize("bad", ["", "a/b", "x" * 257, "tab\there", "semi;colon"])
def test_illegal_names_are_rejected_at_construction(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Folder(name=bad, parent="syn1")
    assert info.value.field == "name"


def test_parent_accepts_an_object_or_an_id() -> None:
    project = Project(name="p", id="syn7")
    assert Folder(name="f", parent=project).parent_id == "syn7"
    assert Folder(name="f", parent="SYN7").parent_id == "syn7"
    with pytest.raises(ValidationError, match="store\\(\\) it first"):
        Folder(name="f", parent=Project(name="unsaved"))


def test_moving_by_setting_parent() -> None:
    folder = Folder(name="f", parent="syn1")
    folder.parent = Project(name="p", id="syn2")
    assert folder.parent_id == "syn2"


def test_html_repr_escapes_and_shows_annotations() -> None:
    html = Folder(name="ab", description="a<b", parent="syn1", annotations={"k": "<v>"})._repr_html_()
    assert "a&lt;b" in html and "&lt;v&gt;" in html and "<table>" in html


def test_public_names_are_sorted_and_exist() -> None:
    assert list(sm.__all__) == sorted(sm.__all__)
    for name in sm.__all__:
        assert hasattr(sm, name), name


@attrs.define(kw_only=True)
class _Shape(UnionRoot):
    _UNION_FALLBACK: ClassVar[str] = "_OtherShape"

    sides: int = 0


@attrs.define(kw_only=True)
class _Square(_Shape):
    CONCRETE_TYPE: ClassVar[str] = "test.Square"


@attrs.define(kw_only=True)
class _BigSquare(_Square):
    CONCRETE_TYPE: ClassVar[str] = "test.BigSquare"


@attrs.define(kw_only=True)
class _OtherShape(_Shape):
    pass


def test_a_union_root_registers_every_subclass_and_reads_unknown_types_as_its_fallback() -> None:
    assert type(from_wire(_Shape, {"concreteType": "test.Square", "sides": 4})) is _Square
    # a subclass of a member belongs to the root's union, not to its parent's
    assert type(from_wire(_Shape, {"concreteType": "test.BigSquare"})) is _BigSquare
    other = from_wire(_Shape, {"concreteType": "test.Circle", "sides": 0})
    assert type(other) is _OtherShape
    assert other.sides == 0
