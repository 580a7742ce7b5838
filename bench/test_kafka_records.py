"""What reading fetched batches through jeugdketen_shared.kafka_records costs a consumer: the
same records consumed by a plain aiokafka consumer and by one reading through it, in turns.

Every service's partner and upstream consumer reads through it (ingress.subscribe_batches): a
Python call per record around aiokafka's C reader, and our own reader only for a batch that
reader cannot read, which none of these is."""

import os
import time
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.consumer import fetcher
from aiokafka.record.memory_records import MemoryRecords

from bench.partners import referrals
from bench.report import Figure, report
from jeugdketen_shared import kafka_records
from jeugdketen_shared.settings import kafka_client_options
from tests.conftest import IsolatedPlatform
from tests.support.kafka import delete_topics

pytestmark = [pytest.mark.bench, pytest.mark.timeout(1800)]

ROUNDS = 3


def record_count() -> int:
    return int(os.environ.get("BENCH_RECORDS_EVENTS", "100000"))


async def test_reading_through_kafka_records(platform: IsolatedPlatform) -> None:
    bootstrap = platform.infrastructure.kafka_bootstrap_servers
    topic = f"{platform.prefix}.bench.records-{uuid4().hex[:6]}"
    count = record_count()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    # referrals as a partner publishes them, each with a traceparent header
    traceparent = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    messages = [m for _, m in referrals(min(count, 10_000))]
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, **kafka_client_options()
    )
    await producer.start()
    try:
        for index in range(count):
            key, value, _ = messages[index % len(messages)]
            await producer.send(topic, value=value, key=key, headers=[("traceparent", traceparent)])
        await producer.flush()
    finally:
        await producer.stop()

    plain, through = [], []
    try:
        for _ in range(ROUNDS):
            fetcher.MemoryRecords = MemoryRecords  # aiokafka's own, as before install()
            plain.append(count / await _consume_all(bootstrap, topic, count))
            kafka_records.install()
            through.append(count / await _consume_all(bootstrap, topic, count))
    finally:
        kafka_records.install()  # as every other test of this process expects
        await delete_topics(bootstrap, [topic])

    report(
        Figure(
            "consume through kafka_records",
            max(through),
            "records/s",
            "within 10% of plain aiokafka",
            max(plain),
            "plain aiokafka consume of the same records",
            f"{count:,} referral records of {len(messages[0][1]):,} bytes, 3 partitions;"
            f" best of {ROUNDS} alternating rounds; through: {_rates(through)},"
            f" plain: {_rates(plain)}",
        )
    )


async def _consume_all(bootstrap: str, topic: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        **kafka_client_options(),
    )
    await consumer.start()
    try:
        read = 0
        started = time.perf_counter()
        while read < count:
            fetched = await consumer.getmany(timeout_ms=200, max_records=2_000)
            read += sum(len(records) for records in fetched.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


def _rates(rates: list[float]) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in rates)
