"""The committed OpenAPI and AsyncAPI documents are what the code serves and declares."""

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from ketenmonitor.api_names import english
from tests.support.infrastructure import REPOSITORY
from tests.support.kafka import load_topics

sys.path.insert(0, str(REPOSITORY / "docs"))
import asyncapi
import export_columns
import openapi


@pytest.mark.parametrize(("name", "document"), sorted(openapi.documents().items()))
def test_every_committed_openapi_document_is_what_the_code_generates(
    name: str, document: dict[str, object]
) -> None:
    committed = openapi.FOLDER / name
    assert committed.exists(), f"{name} is not committed: run `uv run python docs/openapi.py`"
    assert committed.read_text(encoding="utf-8") == openapi.rendered(document), (
        f"docs/openapi/{name} is stale: run `uv run python docs/openapi.py`"
    )


def test_the_committed_export_columns_are_what_the_models_generate() -> None:
    assert export_columns.PAGE.read_text(encoding="utf-8") == export_columns.rendered(), (
        "docs/export-columns.md is stale: run `uv run python docs/export_columns.py`"
    )


DUTCH_BEYOND_THE_GLOSSARY = ("ouder_dan", "zorgvorm", "aanbieder", "wachtlijst", "plaatsing")
"""Dutch words no JSON API uses yet, so that one used later is caught even before it is put
in `api_names.ENGLISH`."""


@pytest.mark.parametrize("name", sorted(openapi.documents()))
def test_every_name_in_a_committed_openapi_document_is_english(name: str) -> None:
    # the chain's codes are values (GM0153, vrijwillig, gezinshuis), never names: see
    # docs/figures.md, "Names in the JSON API"
    document = json.loads((openapi.FOLDER / name).read_text(encoding="utf-8"))
    dutch = sorted(
        {
            found
            for found in _api_names(document)
            if english(found) != found or any(word in found for word in DUTCH_BEYOND_THE_GLOSSARY)
        }
    )
    assert dutch == []


def _api_names(document: dict[str, Any]) -> Iterator[str]:
    """Every route path's segment, query parameter and JSON property name, in snake_case."""
    for path, operations in document["paths"].items():
        yield from (part.replace("-", "_") for part in path.split("/") if "{" not in part)
        for operation in operations.values():
            yield from (parameter["name"] for parameter in operation.get("parameters", []))
    yield from _property_names(document.get("components", {}))


def _property_names(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield from properties
        for value in node.values():
            yield from _property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _property_names(value)


ASYNCAPI_DOCUMENTS = asyncapi.documents()


@pytest.mark.parametrize(("name", "document"), sorted(ASYNCAPI_DOCUMENTS.items()))
def test_every_committed_asyncapi_document_is_what_the_code_generates(
    name: str, document: str
) -> None:
    committed = asyncapi.FOLDER / name
    assert committed.exists(), f"{name} is not committed: run `uv run python docs/asyncapi.py`"
    assert committed.read_text(encoding="utf-8") == document, (
        f"docs/asyncapi/{name} is stale: run `uv run python docs/asyncapi.py`"
    )


def test_no_asyncapi_document_is_committed_that_the_code_does_not_generate() -> None:
    assert {path.name for path in asyncapi.FOLDER.iterdir()} == set(ASYNCAPI_DOCUMENTS)


def test_every_topic_of_the_platform_is_in_an_asyncapi_document() -> None:
    # each partner's own inbound and rejected topics included (deploy/topics.toml's per_partner)
    declared = {topic.name for topic in load_topics("local")}
    documented = {
        channel["address"]
        for document in ASYNCAPI_DOCUMENTS.values()
        for channel in yaml.safe_load(document)["channels"].values()
    }
    assert declared <= documented
    assert documented <= declared, "a documented topic is not made"


@pytest.mark.parametrize(("name", "document"), sorted(ASYNCAPI_DOCUMENTS.items()))
def test_every_reference_in_an_asyncapi_document_resolves(name: str, document: str) -> None:
    parsed = yaml.safe_load(document)
    for reference in _references(parsed):
        node = parsed
        for part in reference.removeprefix("#/").split("/"):
            assert part in node, f"{name}: {reference} points nowhere"
            node = node[part]


@pytest.mark.parametrize(
    ("service", "cloudevent_type"),
    [
        ("toegang", "nl.jeugdketen.toegang.referral-submitted"),
        ("plaatsing", "nl.jeugdketen.plaatsing.placement-start-reported"),
        ("toegang", "nl.jeugdketen.message-rejected"),
        ("ketenmonitor", "nl.jeugdketen.ketenmonitor.alert-raised"),
    ],
)
def test_a_document_gives_each_cloudevent_type_its_data_contract(
    service: str, cloudevent_type: str
) -> None:
    schemas = yaml.safe_load(ASYNCAPI_DOCUMENTS[f"{service}.yaml"])["components"]["schemas"]
    [envelope] = [
        schema
        for schema in schemas.values()
        if schema.get("properties", {}).get("type", {}).get("const") == cloudevent_type
    ]
    assert {"id", "source", "type", "time", "data"} <= set(envelope["required"])
    data = envelope["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    assert schemas[data]["type"] == "object"


def _references(node: object) -> list[str]:
    if isinstance(node, dict):
        return [
            reference
            for key, value in node.items()
            for reference in ([value] if key == "$ref" else _references(value))
        ]
    if isinstance(node, list):
        return [reference for item in node for reference in _references(item)]
    return []
