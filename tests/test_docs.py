"""The committed OpenAPI and AsyncAPI documents are what the code serves and declares."""

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from jeugdketen_shared.permissions import MAY_PUBLISH, Partner, PartnerRegistry, own_values
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


@pytest.mark.parametrize(
    ("service", "cloudevent_type"),
    [
        ("toegang", "nl.jeugdketen.toegang.referral-submitted"),
        ("triage", "nl.jeugdketen.triage.ret-escalation-reported"),
        ("plaatsing", "nl.jeugdketen.plaatsing.capacity-reported"),
    ],
)
def test_an_ingress_openapi_document_gives_each_posted_type_its_data_contract(
    service: str, cloudevent_type: str
) -> None:
    document = json.loads((openapi.FOLDER / f"{service}.json").read_text(encoding="utf-8"))
    body = document["paths"]["/v1/messages"]["post"]["requestBody"]["content"]
    posted = body["application/cloudevents+json"]["schema"]
    assert body["application/cloudevents-batch+json"]["schema"]["items"] == posted
    schemas = document["components"]["schemas"]
    envelope = schemas[posted["discriminator"]["mapping"][cloudevent_type].rsplit("/", 1)[1]]
    assert envelope["properties"]["type"]["const"] == cloudevent_type
    assert {"specversion", "id", "source", "type", "time", "data"} <= set(envelope["required"])
    data = schemas[envelope["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
    assert data["additionalProperties"] is False  # a partner's message: unknown fields refused


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
    posted = _posted_messages(document)
    schemas = document.get("components", {}).get("schemas", {})
    yield from _property_names({name: s for name, s in schemas.items() if name not in posted})


def _posted_messages(document: dict[str, Any]) -> set[str]:
    """The schemas of the CloudEvents partners post to an ingress: named by the message
    contracts, as on Kafka (docs/asyncapi), not by the JSON API's glossary."""
    schemas = document.get("components", {}).get("schemas", {})
    posted = document["paths"].get("/v1/messages", {}).get("post", {}).get("requestBody", {})
    reached: set[str] = set()
    pending = _references(posted)
    while pending:
        name = pending.pop().rsplit("/", 1)[1]
        if name not in reached:
            reached.add(name)
            pending += _references(schemas[name])
    return reached


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


PARTNER_CHANNELS = [
    (service, partner)
    for service in ("toegang", "triage", "plaatsing")
    for partner in PartnerRegistry.load(asyncapi.settings().partners_file).publishers_to(service)
]


@pytest.mark.parametrize(
    ("service", "partner"), PARTNER_CHANNELS, ids=[f"{s}-{p.id}" for s, p in PARTNER_CHANNELS]
)
def test_a_partner_channel_offers_what_its_kind_may_publish_with_its_own_source(
    service: str, partner: Partner
) -> None:
    document = yaml.safe_load(ASYNCAPI_DOCUMENTS[f"{service}.yaml"])
    [channel] = [
        channel
        for channel in document["channels"].values()
        if channel["address"] == f"jeugdketen.{service}.inbound.{partner.id}"
    ]
    offered = set()
    for reference in channel["messages"].values():
        message = _resolved(document, reference["$ref"])
        [envelope, stated] = message["payload"]["allOf"]
        schema = _resolved(document, envelope["$ref"])
        offered.add(schema["properties"]["type"]["const"])
        assert _allowed(stated["properties"]["source"]) == partner.sources
        data = _resolved(document, schema["properties"]["data"]["$ref"])["properties"]
        own = {field: _allowed(value) for field, value in _data_of(stated).items()}
        assert own == {f: values for f, values in own_values(partner).items() if f in data}
    accepted = asyncapi.WIRINGS[service].inbound
    assert offered == {t for t in MAY_PUBLISH[partner.kind] if accepted.accepts(t)}


def _allowed(schema: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(schema["enum"] if "enum" in schema else [schema["const"]])


def _data_of(stated: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = stated["properties"].get("data", {}).get("properties", {})
    return data


def _every_message(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from document["components"]["messages"].items()


def _envelope(document: dict[str, Any], message: Mapping[str, Any]) -> dict[str, Any]:
    """A message's CloudEvent schema (on a partner's channel, the first of its allOf)."""
    payload = message["payload"]
    return _resolved(document, payload.get("allOf", [payload])[0]["$ref"])


@pytest.mark.parametrize(("name", "document"), sorted(ASYNCAPI_DOCUMENTS.items()))
def test_every_message_gives_its_kafka_key_and_where_the_message_holds_it(
    name: str, document: str
) -> None:
    parsed = yaml.safe_load(document)
    for title, message in _every_message(parsed):
        kafka = message["bindings"]["kafka"]
        assert "key" in kafka, title
        if "x-key-location" in kafka:
            [field] = _located(parsed, _envelope(parsed, message), kafka["x-key-location"])
            assert field["type"] == kafka["key"]["type"], title


@pytest.mark.parametrize(("name", "document"), sorted(ASYNCAPI_DOCUMENTS.items()))
def test_every_correlation_id_points_at_a_field_of_its_message(name: str, document: str) -> None:
    # not at FastStream's `correlation_id` header, which no message of the platform carries
    parsed = yaml.safe_load(document)
    for title, message in _every_message(parsed):
        if "correlationId" in message:
            location = message["correlationId"]["location"]
            assert _located(parsed, _envelope(parsed, message), location), f"{title}: {location}"


@pytest.mark.parametrize(("name", "document"), sorted(ASYNCAPI_DOCUMENTS.items()))
def test_every_cloudevent_schema_requires_specversion(name: str, document: str) -> None:
    parsed = yaml.safe_load(document)
    envelopes = [
        schema
        for schema in parsed["components"]["schemas"].values()
        if "specversion" in schema.get("properties", {})
    ]
    assert envelopes
    assert all("specversion" in envelope["required"] for envelope in envelopes)


@pytest.mark.parametrize(("name", "document"), sorted(ASYNCAPI_DOCUMENTS.items()))
def test_every_server_asks_for_a_scram_sha_512_login(name: str, document: str) -> None:
    parsed = yaml.safe_load(document)
    for server in parsed["servers"].values():
        [scheme] = server["security"]
        assert _resolved(parsed, scheme["$ref"])["type"] == "scramSha512"


def _resolved(document: dict[str, Any], reference: str) -> Any:
    node: Any = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _located(document: dict[str, Any], envelope: dict[str, Any], location: str) -> list[Any]:
    """The schema of the field an AsyncAPI runtime expression into the payload names (one),
    or none."""
    node: Any = envelope
    for part in location.removeprefix("$message.payload#/").split("/"):
        node = node.get("properties", {}).get(part)
        if node is None:
            return []
        node = _resolved(document, node["$ref"]) if "$ref" in node else node
    return [node]


ASYNCAPI_PARSER = REPOSITORY / "tests" / "asyncapi-parser"


def _parsed_by_the_official_parser(files: list[Path]) -> list[dict[str, Any]]:
    assert (ASYNCAPI_PARSER / "node_modules" / "@asyncapi" / "parser").is_dir(), (
        f"run `npm ci` in {ASYNCAPI_PARSER} (./run tests does)"
    )
    validated = subprocess.run(
        ["node", "validate.mjs", *map(str, files)],
        cwd=ASYNCAPI_PARSER,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [json.loads(line) for line in validated.stdout.splitlines()]


def test_the_official_asyncapi_parser_finds_no_error_nor_warning_in_any_document() -> None:
    files = sorted(asyncapi.FOLDER.glob("*.yaml"))
    results = _parsed_by_the_official_parser(files)
    assert [result["file"] for result in results] == [str(file) for file in files]
    assert all(result["parsed"] for result in results)
    assert [
        (result["file"], diagnostic)
        for result in results
        for diagnostic in result["diagnostics"]
        if diagnostic["severity"] <= 1  # 0 an error, 1 a warning
    ] == []


def test_the_official_asyncapi_parser_refuses_a_broken_message_binding(tmp_path: Path) -> None:
    # that the parser reads the Kafka bindings the documents rely on
    broken = yaml.safe_load(ASYNCAPI_DOCUMENTS["plaatsing.yaml"])
    message = next(iter(broken["components"]["messages"].values()))
    message["bindings"]["kafka"]["key"] = 42
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(broken), encoding="utf-8")
    [result] = _parsed_by_the_official_parser([file])
    assert not result["parsed"]
    assert any(diagnostic["severity"] == 0 for diagnostic in result["diagnostics"])


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
