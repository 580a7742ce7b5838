"""The committed JSON Schemas are the contract partners and consumers rely on."""

import json
from enum import StrEnum
from pathlib import Path

import pytest
from pydantic import BaseModel

from jeugdketen_shared import schemas
from jeugdketen_shared.schemas import (
    breaking_changes,
    committed_schemas,
    generated_schemas,
    is_inbound,
)


def test_every_committed_schema_is_what_the_code_generates() -> None:
    assert committed_schemas() == generated_schemas(), (
        "shared/schemas/ is stale: run `uv run python -m jeugdketen_shared.schemas`"
    )


@pytest.mark.parametrize("file_name", sorted(generated_schemas()))
def test_no_contract_breaks_the_committed_version(file_name: str) -> None:
    committed = committed_schemas().get(file_name)
    if committed is None:
        pytest.skip(f"{file_name} is new")
    generated = generated_schemas()[file_name]
    assert breaking_changes(committed, generated, inbound=is_inbound(file_name)) == []


class Version1(BaseModel):
    case_id: str
    places: int


class FieldRemoved(BaseModel):
    case_id: str


class FieldRetyped(BaseModel):
    case_id: str
    places: str


class OptionalFieldAdded(Version1):
    note_code: int | None = None


class RequiredFieldAdded(Version1):
    provider: str


class Kind(StrEnum):
    A = "a"


class WiderKind(StrEnum):
    A = "a"
    B = "b"


class WithKind(BaseModel):
    kind: Kind


class WithWiderKind(BaseModel):
    kind: WiderKind


def test_an_enumeration_that_gains_values_breaks_consumers_but_not_partners() -> None:
    old, new = WithKind.model_json_schema(), WithWiderKind.model_json_schema()
    assert breaking_changes(old, new, inbound=True) == []
    assert breaking_changes(old, new, inbound=False) != []
    assert breaking_changes(new, old, inbound=True) != []


def breaks(new: type[BaseModel], *, inbound: bool) -> list[str]:
    return breaking_changes(Version1.model_json_schema(), new.model_json_schema(), inbound=inbound)


def test_removing_a_field_breaks_consumers() -> None:
    assert breaks(FieldRemoved, inbound=False) == ["field 'places' removed"]


def test_retyping_a_field_breaks_consumers() -> None:
    assert breaks(FieldRetyped, inbound=False) == [
        'field \'places\' retyped from {"type": "integer"} to {"type": "string"}'
    ]


def test_adding_an_optional_field_breaks_nobody() -> None:
    assert breaks(OptionalFieldAdded, inbound=False) == []
    assert breaks(OptionalFieldAdded, inbound=True) == []


def test_a_new_required_field_breaks_partners_but_not_consumers() -> None:
    assert breaks(RequiredFieldAdded, inbound=False) == []
    assert breaks(RequiredFieldAdded, inbound=True) == ["field 'provider' newly required"]


def test_a_breaking_change_is_written_only_when_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schemas, "SCHEMA_FOLDER", tmp_path)
    file_name = "nl.jeugdketen.plaatsing.capacity-reported.json"
    narrower_before = generated_schemas()[file_name]
    # as if the committed version let `places` be anything: the new maximum narrows it
    loose = json.loads(json.dumps(narrower_before))
    del loose["properties"]["places"]["maximum"]
    (tmp_path / file_name).write_text(json.dumps(loose))

    with pytest.raises(SystemExit, match="breaking change"):
        schemas.write()
    assert json.loads((tmp_path / file_name).read_text()) == loose

    schemas.write(accept_breaking=True)
    assert json.loads((tmp_path / file_name).read_text()) == narrower_before


class Inner(BaseModel):
    topic: str


class Outer(BaseModel):
    original: Inner


class InnerWithOptional(BaseModel):
    topic: str
    truncated: bool = False


class OuterWithOptional(BaseModel):
    original: InnerWithOptional


class InnerRetyped(BaseModel):
    topic: int


class OuterRetyped(BaseModel):
    original: InnerRetyped


def test_a_nested_object_is_compared_field_by_field() -> None:
    old = Outer.model_json_schema()
    assert breaking_changes(old, OuterWithOptional.model_json_schema(), inbound=False) == []
    assert breaking_changes(old, OuterRetyped.model_json_schema(), inbound=False) == [
        'field \'original.topic\' retyped from {"type": "string"} to {"type": "integer"}'
    ]
