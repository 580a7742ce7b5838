"""The AsyncAPI 3.0 documents of every service's Kafka topics, generated from the code and
committed in docs/asyncapi/.

    uv run python docs/asyncapi.py      # write docs/asyncapi/*.yaml

toegang's, triage's and plaatsing's come from the FastStream broker each service runs
(`build_broker`): the topics it reads, with the CloudEvents each carries, and the topics its
outbox relay and its rejections write. The ketenmonitor runs no FastStream broker: its document
is declared from the topics of its composition root (`ketenmonitor_broker`). FastStream describes
a topic's messages as one schema, with no Kafka key and a correlation id of its own
(`correlation_id` header); `integrable` then says what a partner needs and FastStream cannot
(see there). tests/test_docs.py fails when a committed document is stale, and validates each with
the official AsyncAPI parser. Nothing is connected, and no handler runs.
"""

import importlib
from collections.abc import Iterable, Iterator, Mapping
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import yaml
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from jeugdketen_shared.asyncapi import Contract, DocumentedAs, cloudevents_of, declare_publisher
from jeugdketen_shared.cloudevents import STRUCTURED_CONTENT_TYPE
from jeugdketen_shared.contracts import ALL_CONTRACTS, InboundMessage, MessageRejected
from jeugdketen_shared.contracts import ketenmonitor as ketenmonitor_contracts
from jeugdketen_shared.key_relay import KeyRecordValue, declare_keys_topic
from jeugdketen_shared.permissions import MAY_PUBLISH, Partner, PartnerRegistry, own_values
from jeugdketen_shared.service import build_broker
from jeugdketen_shared.settings import ServiceSettings
from jeugdketen_shared.youth_keys import keys_topic
from ketenmonitor.main import alerts_topic, build_projection
from ketenmonitor.projection.consumer import SOURCE_SERVICES
from plaatsing.main import WIRING as PLAATSING
from toegang.main import WIRING as TOEGANG
from triage.main import WIRING as TRIAGE

FOLDER = Path(__file__).resolve().parent / "asyncapi"
WIRINGS = {wiring.name: wiring for wiring in (TOEGANG, TRIAGE, PLAATSING)}
ABOUT_EVERY_TOPIC = (
    "Every message is a CloudEvents 1.0 event of the NL GOV profile in structured content mode "
    "(the whole event as UTF-8 JSON in the record value, header content-type: "
    "application/cloudevents+json), keyed by its case id (capacity: by its provider): each "
    "message's Kafka binding gives its key, and `x-key-location` where in the message it is. A "
    "partner's inbound channel lists only the messages its kind may publish, each with the "
    "`source` it must publish as. Partners: docs/onboarding.md."
)
_DESCRIBED_ONLY: Any = SimpleNamespace(receive=None, record=None)
"""Stands in for the application and the gateway of a running service: the broker is built with
their methods, and describing it calls none."""


def settings() -> ServiceSettings:
    """The platform's defaults (topic prefix) and the local broker's client listener, where every
    client logs in with SCRAM, whatever this process's environment says."""
    return ServiceSettings.model_validate(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9094",
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "described-only",
            "KAFKA_SASL_PASSWORD": "described-only",
            "JEUGDKETEN_TOPIC_PREFIX": "jeugdketen",
            "DATABASE_URL": "postgresql://described-only/",
            "JEUGDKETEN_PSEUDONYM_KEY": "described-only" * 3,
        }
    )


def ketenmonitor_broker(settings: ServiceSettings) -> KafkaBroker:
    """The ketenmonitor reads and writes with aiokafka alone (its projection seeks to the
    positions it stores with its rows, with no consumer group), so its broker is declared here
    for the document only, from the topics of its composition root and the contracts of the
    services it reads."""
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers, security=settings.kafka_security().faststream()
    )
    projection = build_projection(settings)
    for service, topic in zip(SOURCE_SERVICES, projection.topics, strict=True):
        _declare_reader(
            broker,
            topic,
            WIRINGS[service].as_contract.contracts,
            f"{service}'s domain events, which the ketenmonitor projects into the figures",
        )
    if projection.keys_topic is not None:
        _declare_keys_reader(broker, projection.keys_topic)
    declare_publisher(
        broker,
        alerts_topic(settings),
        ketenmonitor_contracts.EVENTS,
        "Stagnation alerts and how the werkgroep worked them",
    )
    return broker


def _declare_reader(
    broker: KafkaBroker, topic: str, contracts: tuple[Contract, ...], description: str
) -> None:
    @broker.subscriber(topic, title=f"{topic}:receive", description=description)
    async def receive(event: Annotated[Any, DocumentedAs(cloudevents_of(contracts))]) -> None:
        """Declared for the document: the ketenmonitor reads this topic with its own consumer."""


def _declare_keys_reader(broker: KafkaBroker, topic: str) -> None:
    @broker.subscriber(
        topic,
        title=f"{topic}:receive",
        description=(
            "Every youth's data key, read in the projection's transactions: it unseals the "
            "months sealed under it; a tombstone erases the youth's rows in the ketenmonitor"
        ),
    )
    async def receive(key: KeyRecordValue) -> None:
        """Declared for the document: the ketenmonitor reads this topic with its own consumer."""


def brokers() -> dict[str, KafkaBroker]:
    """Service name → its broker, as it declares its topics."""
    described = settings()
    services = {
        name: build_broker(wiring, described, _DESCRIBED_ONLY, _DESCRIBED_ONLY)
        for name, wiring in WIRINGS.items()
    }
    # written by toegang's key relay, a background task, not by its broker
    declare_keys_topic(services["toegang"], keys_topic(described.topic_prefix))
    return {**services, "ketenmonitor": ketenmonitor_broker(described)}


def documents() -> dict[str, str]:
    """File name → AsyncAPI 3.0 document (YAML)."""
    described = settings()
    return {
        f"{name}.yaml": rendered(
            integrable(
                AsyncAPI(
                    broker,
                    schema_version="3.0.0",
                    title=f"jeugdketen {name}",
                    version=version(name),
                    description=f"{importlib.import_module(name).__doc__} {ABOUT_EVERY_TOPIC}",
                )
                .to_specification()
                .to_jsonable(),
                senders=_senders(name, described),
                keys_topic=keys_topic(described.topic_prefix),
            )
        )
        for name, broker in brokers().items()
    }


def _senders(service: str, settings: ServiceSettings) -> dict[str, Partner]:
    """A service's partner inbound topics → the partner that alone may write each."""
    topics = settings.topics(service)
    return {
        topics.inbound_of(partner.id): partner
        for partner in PartnerRegistry.load(settings.partners_file).publishers_to(service)
    }


# ---- what FastStream 0.7 cannot say: it gives every message the same `correlationId` (a
# `correlation_id` header no message of this platform carries), no message bindings, and one
# message per channel, the same for every partner's channel of a service

SCRAM_LOGIN = (
    "SASL/SCRAM-SHA-512 on the broker's SASL listener. Every client logs in as its own "
    "principal; a partner as its partner id (deploy/partners.toml) with its secret, and the ACLs "
    "let it write only its own inbound topics and read only its own rejected topics "
    "(docs/onboarding.md)"
)
YOUTH_KEY_RECORD_KEY = {"type": "string", "description": "The youth's pseudonym (UTF-8)"}
_CORRELATION = {
    "inbound": {
        "location": "$message.payload#/id",
        "description": (
            "The CloudEvent id, unique per source: the domain events this message causes carry "
            "it as `causationid`, its rejection as `data.original.id`"
        ),
    },
    "domain event": {
        "location": "$message.payload#/causationid",
        "description": "The id of the partner message that caused this event, if one did",
    },
    "rejection": {
        "location": "$message.payload#/data/original/id",
        "description": "The id of the refused message, when it could be read",
    },
}


def integrable(
    document: dict[str, Any], senders: Mapping[str, Partner], keys_topic: str
) -> dict[str, Any]:
    """The document as a partner needs it to integrate: one message per CloudEvent type on each
    channel, with its Kafka key (`bindings.kafka.key`, and `x-key-location`: where in the message
    its value is) and its `correlationId`; on a partner's inbound channel only the types its kind
    may publish (permissions.MAY_PUBLISH), each with the partner's own `source` and the values
    its data must state of the partner (permissions.own_values); and how a client logs in."""
    components = document["components"]
    for scheme in components.get("securitySchemes", {}).values():
        scheme["description"] = SCRAM_LOGIN
    contracts = _contracts_by_type()
    for channel_name, channel in document["channels"].items():
        [reference] = channel["messages"].values()
        message = components["messages"].pop(_named(reference["$ref"]))
        if channel["address"] == keys_topic:  # a youth's data key: no CloudEvent
            del message["correlationId"]
            split = {"Message": {**message, "bindings": {"kafka": {"key": YOUTH_KEY_RECORD_KEY}}}}
        else:
            split = _one_message_per_type(
                message, components["schemas"], contracts, senders.get(channel["address"])
            )
        channel["messages"] = {}
        for name, split_message in split.items():
            component = f"{channel_name}:{name}"
            components["messages"][component] = {**split_message, "title": component}
            channel["messages"][name] = {"$ref": f"#/components/messages/{component}"}
    for operation in document["operations"].values():
        channel_reference = operation["channel"]["$ref"]
        operation["messages"] = [
            {"$ref": f"{channel_reference}/messages/{name}"}
            for name in document["channels"][_named(channel_reference)]["messages"]
        ]
    _drop_unreferenced_schemas(components["schemas"], document)
    return document


def _one_message_per_type(
    message: dict[str, Any],
    schemas: Mapping[str, Any],
    contracts: Mapping[str, Contract],
    sender: Partner | None,
) -> dict[str, dict[str, Any]]:
    """The CloudEvents of FastStream's one message, each a message of its own; of a partner's
    channel, those its kind may publish."""
    payload = _named(message["payload"]["$ref"])  # one CloudEvent, or FastStream's oneOf
    envelopes = [_named(one["$ref"]) for one in schemas[payload].get("oneOf", [])] or [payload]
    split = {}
    for envelope in envelopes:
        contract = contracts[schemas[envelope]["properties"]["type"]["const"]]
        if sender is not None and contract.cloudevent_type not in MAY_PUBLISH[sender.kind]:
            continue
        split[contract.__name__] = {
            "name": contract.__name__,
            "summary": contract.cloudevent_type,
            "contentType": STRUCTURED_CONTENT_TYPE,
            "payload": (
                {"$ref": f"#/components/schemas/{envelope}"}
                if sender is None
                else _from(sender, envelope, schemas)
            ),
            "correlationId": _CORRELATION[_role(contract)],
            "bindings": {"kafka": _kafka_key(contract, _data_of(envelope, schemas))},
        }
    return split


def _from(sender: Partner, envelope: str, schemas: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope with what the partner must state of itself (anything else is refused): the
    source it publishes as, and in the data its own gemeente, KvK number or kind
    (permissions.own_values), where the message has the field."""
    data = _data_of(envelope, schemas)["properties"]
    own_data = {
        field: _one_of(values) for field, values in own_values(sender).items() if field in data
    }
    stated: dict[str, Any] = {
        "properties": {"source": _one_of(sender.sources)},
        "required": ["source"],
    }
    if own_data:
        stated["properties"]["data"] = {"properties": own_data}
    return {"allOf": [{"$ref": f"#/components/schemas/{envelope}"}, stated]}


def _one_of(values: Iterable[str]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"const": ordered[0]} if len(ordered) == 1 else {"enum": ordered}


def _role(contract: Contract) -> str:
    if issubclass(contract, MessageRejected):
        return "rejection"
    return "inbound" if issubclass(contract, InboundMessage) else "domain event"


def _data_of(envelope: str, schemas: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema of a CloudEvent's `data`: its contract."""
    data: Mapping[str, Any] = schemas[_named(schemas[envelope]["properties"]["data"]["$ref"])]
    return data


def _kafka_key(contract: Contract, data: Mapping[str, Any]) -> dict[str, Any]:
    if issubclass(contract, MessageRejected):
        # a rejection is about a message that may name no case: encode() keys it by none
        return {"key": {"type": "null", "description": "Unkeyed"}}
    field = data["properties"][contract.key_field]
    return {
        "key": {**field, "description": f"The record's key: `data.{contract.key_field}`, UTF-8"},
        "x-key-location": f"$message.payload#/data/{contract.key_field}",
    }


def _contracts_by_type() -> dict[str, Contract]:
    return {contract.cloudevent_type: contract for contract in ALL_CONTRACTS}


def _named(reference: str) -> str:
    return reference.rsplit("/", 1)[1]


def _drop_unreferenced_schemas(schemas: dict[str, Any], document: dict[str, Any]) -> None:
    """FastStream's one-schema payloads, now that each CloudEvent is a message of its own."""
    while unreferenced := set(schemas) - {_named(r) for r in _references(document)}:
        for name in unreferenced:
            del schemas[name]


def _references(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def rendered(document: dict[str, Any]) -> str:
    # sorted: a broker keeps its subscribers and publishers in a set, in no stable order
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


def write() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, document in documents().items():
        (FOLDER / name).write_text(document, encoding="utf-8")


if __name__ == "__main__":
    write()
