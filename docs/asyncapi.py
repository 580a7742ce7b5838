"""The AsyncAPI 3.0 documents of every service's Kafka topics, generated from the code and
committed in docs/asyncapi/.

    uv run python docs/asyncapi.py      # write docs/asyncapi/*.yaml

toegang's, triage's and plaatsing's come from the FastStream broker each service runs
(`build_broker`): the topics it reads, with the CloudEvents each carries, and the topics its
outbox relay and its rejections write. The ketenmonitor runs no FastStream broker: its document
is declared from the topics of its composition root (`ketenmonitor_broker`). tests/test_docs.py
fails when a committed document is stale. Nothing is connected, and no handler runs.
"""

import importlib
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import yaml
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from jeugdketen_shared.asyncapi import Contract, DocumentedAs, cloudevents_of, declare_publisher
from jeugdketen_shared.contracts import ketenmonitor as ketenmonitor_contracts
from jeugdketen_shared.key_relay import KeyRecordValue, declare_keys_topic
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
    "application/cloudevents+json), keyed by its case id (capacity: by its provider). "
    "Partners: docs/onboarding.md."
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
    return {
        f"{name}.yaml": rendered(
            AsyncAPI(
                broker,
                schema_version="3.0.0",
                title=f"jeugdketen {name}",
                version=version(name),
                description=f"{importlib.import_module(name).__doc__} {ABOUT_EVERY_TOPIC}",
            )
            .to_specification()
            .to_jsonable()
        )
        for name, broker in brokers().items()
    }


def rendered(document: dict[str, Any]) -> str:
    # sorted: a broker keeps its subscribers and publishers in a set, in no stable order
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


def write() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, document in documents().items():
        (FOLDER / name).write_text(document, encoding="utf-8")


if __name__ == "__main__":
    write()
