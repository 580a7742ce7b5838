"""Kafka helpers for tests: per-test topics, publishing partner messages, reading topics."""

import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.kafka import partitions_of
from jeugdketen_shared.settings import kafka_client_options, kafka_client_security
from tests.support.infrastructure import REPOSITORY
from tests.support.partners import as_kafka, inbound_topic

sys.path.insert(0, str(REPOSITORY / "deploy/local"))
from kafka_topics import load_topics

Records = list[ConsumerRecord[bytes, bytes]]


def platform_topic_names(prefix: str) -> list[str]:
    return [prefix + spec.name.removeprefix("jeugdketen") for spec in load_topics("local")]


def rejected_topics(prefix: str, service: str) -> list[str]:
    """Every rejected topic of a service: each partner's own, and the one for senders that are
    no partner."""
    rejected = f"{prefix}.{service}.rejected"
    names = platform_topic_names(prefix)
    return [name for name in names if name == rejected or name.startswith(f"{rejected}.")]


async def create_platform_topics(bootstrap_servers: str, prefix: str) -> None:
    """The topics of deploy/topics.toml, renamed under the test's own prefix."""
    topics = [
        NewTopic(
            name=prefix + spec.name.removeprefix("jeugdketen"),
            num_partitions=spec.partitions,
            replication_factor=spec.replication_factor,
            topic_configs=spec.config,
        )
        for spec in load_topics("local")
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics(topics)
    finally:
        await admin.close()


async def delete_topics(bootstrap_servers: str, topics: list[str]) -> None:
    """A test's topics go when it ends: thousands left behind slow every broker start."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafka_client_options())
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()


async def publish(
    bootstrap_servers: str,
    topic: str,
    messages: list[tuple[bytes | None, bytes]],
    partner: str | None = None,
) -> None:
    """Publish (key, value) pairs in order onto `topic`; onto a service's inbound topic as
    `partner`, else as the registered partner of each value's source, would: onto its own
    `<inbound>.<partner-id>`."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", **kafka_client_options()
    )
    await producer.start()
    try:
        for key, value in messages:
            target = inbound_topic(topic, value, partner) if topic.endswith(".inbound") else topic
            await producer.send_and_wait(target, value=value, key=key)
    finally:
        await producer.stop()


async def publish_in_turn(
    bootstrap_servers: str, inbound: str, messages: Sequence[CloudEvent], outcomes: Sequence[str]
) -> None:
    """Publish partner messages one at a time, each once the one before it was decided (an event
    or a rejection on `outcomes` caused by it). Each partner writes its own topic and nothing
    orders records of different topics; in the chain, too, a partner takes its step once the
    step before it was recorded."""
    for message in messages:
        await publish(bootstrap_servers, inbound, [as_kafka(message)])
        await read_until(
            bootstrap_servers,
            outcomes,
            lambda seen, id_=message.id: any(
                json.loads(record.value).get("causationid") == id_ for record in seen
            ),
        )


async def read_until(
    bootstrap_servers: str,
    topic: str | Sequence[str],
    done: Callable[[Records], bool],
    within_seconds: float = 60,
) -> Records:
    """Read the topic(s) from the start until `done` holds for what was read, or fail."""
    topics = [topic] if isinstance(topic, str) else list(topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        **kafka_client_options(),
    )
    await consumer.start()
    seen: Records = []
    try:
        partitions = await partitions_of(bootstrap_servers, topics, kafka_client_security())
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        async with asyncio.timeout(within_seconds):
            while not done(seen):
                batches = await consumer.getmany(timeout_ms=200)
                for batch in batches.values():
                    seen.extend(batch)
    except TimeoutError as error:
        raise AssertionError(f"{topics}: not done in {within_seconds}s; read {seen}") from error
    finally:
        await consumer.stop()
    return seen


async def read_all(
    bootstrap_servers: str, topic: str | Sequence[str], within_seconds: float = 60
) -> Records:
    """Everything on the topic(s) now: read until every partition's end offset."""
    topics = [topic] if isinstance(topic, str) else list(topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, **kafka_client_options()
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets(
            await partitions_of(bootstrap_servers, topics, kafka_client_security())
        )
    finally:
        await consumer.stop()
    expected = sum(ends.values())  # no transactions on these topics: offsets count records
    return await read_until(
        bootstrap_servers, topic, lambda seen: len(seen) >= expected, within_seconds
    )


def at_least(count: int) -> Callable[[Records], bool]:
    """A `read_until` condition: at least `count` records read."""
    return lambda seen: len(seen) >= count


def cloudevents(records: Records) -> list[dict[str, Any]]:
    """The records' values as JSON CloudEvents."""
    return [json.loads(record.value) for record in records]


def short_types(records: Records) -> list[str]:
    """The last part of each record's CloudEvent type, e.g. `referral-received`."""
    return [event["type"].rsplit(".", 1)[1] for event in cloudevents(records)]
