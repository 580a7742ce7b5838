"""The benchmarks' infrastructure: the tests' shared servers and per-test isolation, and one
history of `BENCH_EVENTS` domain events on its own topics, published once per run."""

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from bench.data import SERVICES, event_count, produce, templates
from tests.conftest import IsolatedPlatform, infrastructure, platform
from tests.support.infrastructure import Infrastructure
from tests.support.kafka import create_platform_topics, delete_topics, platform_topic_names

__all__ = ["History", "history", "infrastructure", "platform"]


@dataclass(frozen=True)
class History:
    platform: IsolatedPlatform
    events: int
    produce_seconds: float

    def topics(self) -> list[str]:
        return [self.platform.topic(service, "events") for service in SERVICES]


@pytest.fixture(scope="session")
async def history(infrastructure: Infrastructure) -> AsyncIterator[History]:
    token = uuid.uuid4().hex[:10]
    isolated = IsolatedPlatform(
        infrastructure=infrastructure,
        prefix=f"bench-{token}",
        schema=f"bench_{token}",
        pseudonym_key=uuid.uuid4().hex * 2,
    )
    bootstrap = infrastructure.kafka_bootstrap_servers
    connection = await asyncpg.connect(infrastructure.database_url)
    try:
        await create_platform_topics(bootstrap, isolated.prefix)
        base = templates(isolated)
        count = event_count()
        started = time.perf_counter()
        await produce(
            bootstrap,
            {service: isolated.topic(service, "events") for service in SERVICES},
            base,
            count,
        )
        produced = time.perf_counter() - started
        print(f"\nhistory: {count:,} events published in {produced:.1f} s")
        yield History(isolated, count, produced)
    finally:
        await delete_topics(bootstrap, platform_topic_names(isolated.prefix))
        for schema in (isolated.schema, f"{isolated.schema}_rebuild"):
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()
