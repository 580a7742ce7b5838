"""Kafka for the whole platform: the one way to produce (idempotent, acks from all in-sync
replicas), records as the CloudEvents binding sees them, and the partitions of topics."""

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from jeugdketen_shared.cloudevents import KafkaRecord


def create_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    # idempotence keeps retries from writing a record twice or out of order on a partition;
    # acks=all waits until every in-sync replica has it (min.insync.replicas=2 in production)
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=30_000,
    )


async def send_all(producer: AIOKafkaProducer, topic: str, records: list[KafkaRecord]) -> None:
    """Send records and wait until the broker acknowledged every one of them."""
    deliveries = [
        await producer.send(topic, value=record.value, key=record.key, headers=list(record.headers))
        for record in records
    ]
    for delivery in deliveries:
        await delivery


def as_kafka_record(record: ConsumerRecord[bytes, bytes]) -> KafkaRecord:
    return KafkaRecord(
        key=record.key, value=record.value or b"", headers=tuple(record.headers or ())
    )


async def partitions_of(bootstrap_servers: str, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of the topics (a topic created a moment ago may not show them at once)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        async with asyncio.timeout(30):
            while True:
                described = await admin.describe_topics(list(topics))
                if all(topic["partitions"] for topic in described):
                    return sorted(
                        TopicPartition(topic["topic"], p["partition"])
                        for topic in described
                        for p in topic["partitions"]
                    )
                await asyncio.sleep(0.1)
    finally:
        await admin.close()
