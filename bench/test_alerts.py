"""Alert timeliness: from a deadline passing to the alert on `<prefix>.ketenmonitor.alerts`.

The stepping-stone rule is due at once (its deadline is the third transfer within 12 months),
so three transfers whose third lies a few seconds ahead make a deadline on the wall clock;
`python -m ketenmonitor` projects them, its sweeper raises the alert, its relay publishes it.
"""

import asyncio
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.processes import require_alive, running
from bench.report import Figure, percentile, report
from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.contracts import plaatsing
from jeugdketen_shared.kafka import create_producer, send_all
from jeugdketen_shared.settings import kafka_client_options, kafka_client_security
from tests.conftest import IsolatedPlatform

pytestmark = [pytest.mark.bench, pytest.mark.timeout(600)]

LEAD_SECONDS = 5.0
"""How far ahead the first deadline lies: time to start, project and record the stage."""


def alert_count() -> int:
    return int(os.environ.get("BENCH_ALERTS", "40"))


def transfers(platform: IsolatedPlatform, deadline: datetime) -> list[CloudEvent]:
    """A case's three transfers within 12 months, the third at `deadline`."""
    case, youth = uuid4(), secrets.token_hex(32)
    source = platform.settings().source("plaatsing")
    return [
        CloudEvent(
            id=str(uuid4()),
            source=source,
            type=plaatsing.Transferred.cloudevent_type,
            time=datetime.now(UTC),
            caseid=case,
            data=plaatsing.Transferred(
                case_id=case,
                youth_pseudonym=youth,
                occurred_at=at,
                from_provider="12345678",
                from_care_form="gezinshuis",
                to_provider="87654321",
                to_care_form="pleegzorg",
                to_location_gemeente_code="GM0153",
                reason="escalatie",
                deviation_reason=None,
            ).model_dump(mode="json"),
        )
        for at in (deadline - timedelta(days=60), deadline - timedelta(days=30), deadline)
    ]


async def test_alert_timeliness(platform: IsolatedPlatform) -> None:
    count = alert_count()
    bootstrap = platform.infrastructure.kafka_bootstrap_servers
    consumer = AIOKafkaConsumer(
        platform.topic("ketenmonitor", "alerts"),
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        **kafka_client_options(),
    )
    await consumer.start()
    delays: list[float] = []
    try:
        with running("ketenmonitor", "all", platform.environment(), platform.prefix) as process:
            first = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
            # deadlines spread over the sweeper's interval and beyond
            deadlines = [first + timedelta(seconds=index * 0.137) for index in range(count)]
            producer = create_producer(bootstrap, kafka_client_security())
            await producer.start()
            try:
                await send_all(
                    producer,
                    platform.topic("plaatsing", "events"),
                    [encode(event) for d in deadlines for event in transfers(platform, d)],
                )
            finally:
                await producer.stop()
            async with asyncio.timeout(LEAD_SECONDS + count + 60):
                async for record in consumer:
                    arrived = datetime.now(UTC)
                    require_alive(process)
                    deadline = datetime.fromisoformat(
                        orjson.loads(record.value)["data"]["deadline_at"]
                    )
                    delays.append((arrived - deadline).total_seconds() * 1000)
                    if len(delays) == count:
                        break
    finally:
        await consumer.stop()
    baseline = await _timer_then_kafka(platform, count)
    report(
        Figure(
            "alert timeliness p99",
            percentile(delays, 99),
            "ms",
            "<= 1,000 ms",
            percentile(baseline, 99),
            "a timer at the deadline producing to Kafka, consumed",
            f"{count} alerts; p50 {percentile(delays, 50):.0f} ms, max {max(delays):.0f} ms",
        )
    )


async def _timer_then_kafka(platform: IsolatedPlatform, count: int) -> list[float]:
    """The floor: sleep until each deadline, produce, and consume it; ms after the deadline."""
    bootstrap = platform.infrastructure.kafka_bootstrap_servers
    topic = platform.topic("ketenmonitor", "alerts")
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, **kafka_client_options()
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **kafka_client_options())
    await consumer.start()
    await consumer.seek_to_end()
    await producer.start()
    delays = []
    try:
        for index in range(count):
            deadline = time.time() + 0.05 + index * 0.001
            await asyncio.sleep(max(0.0, deadline - time.time()))
            await producer.send_and_wait(topic, value=b"{}", key=str(index).encode())
            await consumer.getone()
            delays.append((time.time() - deadline) * 1000)
    finally:
        await producer.stop()
        await consumer.stop()
    return delays
