"""Does aiokafka work against the Kafka broker we run? One test per guarantee we rely on.

These pin the broker version (deploy/kafka/pom.xml; evidence in deploy/README.md). They use
the session's real broker (tests/conftest.py: the environment, testcontainers or
deploy/local/up). Each test makes its own topic and group ids, deletes its topic afterwards,
and waits on conditions with deadlines.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from jeugdketen_shared.settings import kafka_client_options
from tests.support.infrastructure import Infrastructure

DEADLINE_S = 30.0

pytestmark = pytest.mark.integration


@pytest.fixture
def bootstrap(infrastructure: Infrastructure) -> str:
    return infrastructure.kafka_bootstrap_servers


NewTopicFactory = Callable[[int], Awaitable[str]]


def unique(prefix: str) -> str:
    return f"test.compat.{prefix}.{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def new_topic(bootstrap: str) -> AsyncIterator[NewTopicFactory]:
    """Create topics with a unique name (the broker does not auto-create); delete them after."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
    await admin.start()
    created: list[str] = []

    async def create(partitions: int) -> str:
        name = unique("topic")
        response = await admin.create_topics([NewTopic(name, partitions, 1)])
        assert [(topic, code) for topic, code, *_ in response.topic_errors] == [(name, 0)]
        created.append(name)
        return name

    try:
        yield create
    finally:
        if created:
            await admin.delete_topics(created)
        await admin.close()


async def consume(
    consumer: AIOKafkaConsumer, done: Callable[[list[ConsumerRecord]], bool]
) -> list[ConsumerRecord]:
    """Fetch records until done(records) holds; fail after DEADLINE_S."""
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + DEADLINE_S
    while not done(records):
        assert time.monotonic() < deadline, f"gave up waiting; got {len(records)} records"
        batches = await consumer.getmany(timeout_ms=200)
        for batch in batches.values():
            records.extend(batch)
    return records


def values(records: list[ConsumerRecord]) -> list[bytes]:
    return [r.value for r in records]


async def test_idempotent_producer_with_acks_all_produces(
    new_topic: NewTopicFactory, bootstrap: str
) -> None:
    """(a) enable_idempotence=True, acks="all": every send is acknowledged, in order."""
    topic = await new_topic(1)
    async with AsyncExitStack() as stack:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            enable_idempotence=True,
            acks="all",
            **kafka_client_options(),
        )
        await producer.start()
        stack.push_async_callback(producer.stop)
        sent = [f"m{i}".encode() for i in range(20)]
        offsets = [(await producer.send_and_wait(topic, value)).offset for value in sent]
        assert offsets == list(range(20))

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            **kafka_client_options(),
        )
        await consumer.start()
        stack.push_async_callback(consumer.stop)
        records = await consume(consumer, lambda rs: len(rs) >= 20)
        assert values(records) == sent


async def test_two_consumers_in_one_group_split_the_partitions(
    new_topic: NewTopicFactory, bootstrap: str
) -> None:
    """(b) Two members of one group each get one partition of a 2-partition topic."""
    topic = await new_topic(2)
    group = unique("group")
    async with AsyncExitStack() as stack:
        consumers = []
        for _ in range(2):
            consumer = AIOKafkaConsumer(
                topic,
                bootstrap_servers=bootstrap,
                group_id=group,
                auto_offset_reset="earliest",
                **kafka_client_options(),
                heartbeat_interval_ms=300,  # the first member learns of the rebalance sooner
            )
            await consumer.start()
            stack.push_async_callback(consumer.stop)
            consumers.append(consumer)
        first, second = consumers

        # Wait until the group has settled: one partition each, together both.
        deadline = time.monotonic() + DEADLINE_S
        while not (len(first.assignment()) == 1 and len(second.assignment()) == 1):
            assert time.monotonic() < deadline, (
                f"no split: {first.assignment()} / {second.assignment()}"
            )
            await asyncio.gather(first.getmany(timeout_ms=100), second.getmany(timeout_ms=100))
        assert first.assignment() | second.assignment() == {
            TopicPartition(topic, 0),
            TopicPartition(topic, 1),
        }

        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", **kafka_client_options()
        )
        await producer.start()
        stack.push_async_callback(producer.stop)
        for i in range(10):
            await producer.send_and_wait(topic, f"p{i % 2}-{i}".encode(), partition=i % 2)

        got_first, got_second = await asyncio.gather(
            consume(first, lambda rs: len(rs) >= 5), consume(second, lambda rs: len(rs) >= 5)
        )
        for consumer, records in ((first, got_first), (second, got_second)):
            (assigned,) = consumer.assignment()
            assert len(records) == 5
            assert {r.partition for r in records} == {assigned.partition}


async def test_manual_commit_is_where_the_next_consumer_resumes(
    new_topic: NewTopicFactory, bootstrap: str
) -> None:
    """(c) enable_auto_commit=False + commit(): a new member of the group resumes there."""
    topic = await new_topic(1)
    group = unique("group")
    tp = TopicPartition(topic, 0)
    async with AsyncExitStack() as stack:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", **kafka_client_options()
        )
        await producer.start()
        stack.push_async_callback(producer.stop)
        for i in range(10):
            await producer.send_and_wait(topic, f"m{i}".encode())

    def consumer() -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **kafka_client_options(),
        )

    first = consumer()
    await first.start()
    try:
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + DEADLINE_S
        while len(records) < 4:
            assert time.monotonic() < deadline
            batches = await first.getmany(timeout_ms=200, max_records=4 - len(records))
            for batch in batches.values():
                records.extend(batch)
        assert values(records) == [b"m0", b"m1", b"m2", b"m3"]
        await first.commit()  # the position: offset 4, the next record to read
        assert await first.committed(tp) == 4
    finally:
        await first.stop()

    second = consumer()
    await second.start()
    try:
        rest = await consume(second, lambda rs: len(rs) >= 6)
        assert [r.offset for r in rest] == list(range(4, 10))
        assert values(rest) == [f"m{i}".encode() for i in range(4, 10)]
    finally:
        await second.stop()


async def test_read_committed_sees_only_committed_transactions(
    new_topic: NewTopicFactory, bootstrap: str
) -> None:
    """(d) One transaction committed, one aborted: read_committed sees only the first."""
    topic = await new_topic(1)
    tp = TopicPartition(topic, 0)
    async with AsyncExitStack() as stack:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            transactional_id=unique("txn"),
            acks="all",
            **kafka_client_options(),
        )
        await producer.start()
        stack.push_async_callback(producer.stop)

        async with producer.transaction():
            await producer.send_and_wait(topic, b"committed-1")
            await producer.send_and_wait(topic, b"committed-2")

        await producer.begin_transaction()
        await producer.send_and_wait(topic, b"aborted-1")
        await producer.abort_transaction()

        # A last committed transaction: reading it proves the reader got past the aborted one.
        async with producer.transaction():
            await producer.send_and_wait(topic, b"committed-3")

        committed_reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            **kafka_client_options(),
        )
        await committed_reader.start()
        stack.push_async_callback(committed_reader.stop)
        committed_reader.assign([tp])
        seen = await consume(committed_reader, lambda rs: b"committed-3" in values(rs))
        assert values(seen) == [b"committed-1", b"committed-2", b"committed-3"]

        # Control: the aborted record is really in the log; only the isolation level hides it.
        uncommitted_reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            isolation_level="read_uncommitted",
            auto_offset_reset="earliest",
            **kafka_client_options(),
        )
        await uncommitted_reader.start()
        stack.push_async_callback(uncommitted_reader.stop)
        uncommitted_reader.assign([tp])
        everything = await consume(uncommitted_reader, lambda rs: b"committed-3" in values(rs))
        assert b"aborted-1" in values(everything)
