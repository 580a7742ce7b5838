"""Rebuild, read API and memory over a history of `BENCH_EVENTS` domain events (default a
million), each figure next to its baseline measured in the same run."""

import asyncio
import time
from datetime import datetime
from uuid import UUID

import asyncpg
import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from bench.conftest import History
from bench.data import copies, templates
from bench.processes import peak_rss_mb, require_alive, rss_mb, running
from bench.profiling import profiled
from bench.report import Figure, percentile, report
from jeugdketen_shared.kafka import partitions_of
from jeugdketen_shared.settings import kafka_client_options, kafka_client_security
from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.source import TableFigures
from ketenmonitor.main import build_projection
from ketenmonitor.projection import queries, store
from ketenmonitor.projection.rebuild import rebuild

pytestmark = [pytest.mark.bench, pytest.mark.timeout(7200)]

READ_QUERIES = [
    "/v1/lead-times",
    "/v1/lead-times?municipality=GM0153",
    "/v1/lead-times?legal_framework=gedwongen",
    "/v1/lead-times?from=2025-07-01&to=2025-09-30&care_form=gezinshuis",
    "/v1/stepping-stones",
    "/v1/stepping-stones?municipality=GM0164",
    "/v1/capacity",
    "/v1/inflow?from=2025-01-01&to=2025-12-31",
    "/v1/care-form-matrix",
    "/v1/care-form-matrix?municipality=GM0153",
    "/v1/turning-eighteen",
    "/v1/time-in-chain?municipality=GM0141",
    "/v1/hand-overs",
]
"""The dashboard's queries: every figure, some with filters."""
READ_ROUNDS = 3


@pytest.fixture(scope="session")
async def rebuild_seconds(history: History) -> float:
    """The projection rebuilt from the whole history into the history's schema (timed);
    `BENCH_PROFILE=1` writes a pyinstrument profile of it to test-artifacts/."""
    projection = build_projection(history.platform.settings())
    started = time.perf_counter()
    async with profiled("rebuild"):
        replayed = await rebuild(projection, show_progress=False)
    assert replayed == history.events
    return time.perf_counter() - started


async def test_rebuild(history: History, rebuild_seconds: float) -> None:
    consume_seconds = await _raw_consume(history)
    copy_seconds = await _copy_rows(history)
    rate = history.events / rebuild_seconds
    report(
        Figure(
            "rebuild",
            rate,
            "events/s",
            ">= 50,000 events/s",
            history.events / consume_seconds,
            "raw aiokafka consume",
            f"{history.events:,} events in {rebuild_seconds:.1f} s",
        ),
        Figure(
            "rebuild against COPY",
            rate,
            "events/s",
            ">= 50,000 events/s",
            history.events / copy_seconds,
            "asyncpg COPY of as many fact rows",
        ),
    )


async def test_read_api(history: History, rebuild_seconds: float) -> None:
    pool = await store.create_pool(
        history.platform.infrastructure.database_url, history.platform.schema
    )
    try:
        app = create_api(TableFigures(pool))
        transport = httpx.ASGITransport(app=app)
        timings: dict[str, list[float]] = {query: [] for query in READ_QUERIES}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            async with profiled("read-api"):
                for _ in range(READ_ROUNDS):
                    for query in READ_QUERIES:
                        started = time.perf_counter()
                        answer = await http.get(query)
                        timings[query].append((time.perf_counter() - started) * 1000)
                        assert answer.status_code == 200, answer.text
            baseline = await _count_facts(pool)
    finally:
        await pool.close()
    every = [t for per_query in timings.values() for t in per_query]
    slowest = max(timings, key=lambda query: percentile(timings[query], 99))
    report(
        Figure(
            "read API p99",
            percentile(every, 99),
            "ms",
            "<= 100 ms",
            baseline,
            "SELECT count(*) FROM facts",
            f"p50 {percentile(every, 50):.1f} ms over {len(every)} requests;"
            f" slowest {slowest} p99 {percentile(timings[slowest], 99):.1f} ms",
        )
    )
    for query, per_query in timings.items():
        print(f"  {query}: p50 {percentile(per_query, 50):.1f} ms, max {max(per_query):.1f} ms")


async def test_memory_of_a_live_ketenmonitor(history: History) -> None:
    """`python -m ketenmonitor` (projection, read API, sweeper) projecting the whole history
    into a schema of its own; its resident memory once caught up."""
    database_url = history.platform.infrastructure.database_url
    schema = f"{history.platform.schema}_live"
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        environment = {**history.platform.environment(), "DATABASE_SCHEMA": schema}
        ends = await _end_offsets(history)
        with running(
            "ketenmonitor", "all", environment, f"{history.platform.prefix}-km"
        ) as process:
            baseline_mb = 0.0
            started = time.perf_counter()
            async with asyncio.timeout(7000):
                while not await _caught_up(connection, schema, ends):
                    require_alive(process)
                    if not baseline_mb and await _positions(connection, schema):
                        baseline_mb = rss_mb(process.pid)  # started, its first batch committed
                    await asyncio.sleep(0.5)
            seconds = time.perf_counter() - started
            now_mb, peak_mb = rss_mb(process.pid), peak_rss_mb(process.pid)
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()
    report(
        Figure(
            "ketenmonitor RSS",
            peak_mb,
            "MB",
            "<= 500 MB",
            baseline_mb,
            "the same process after its first batch",
            f"peak over {history.events:,} events; {now_mb:.0f} MB once caught up",
        ),
        Figure(
            "live projection catch-up (with stages)",
            history.events / seconds,
            "events/s",
            "none (informative)",
            note=f"{history.events:,} events in {seconds:.1f} s by `python -m ketenmonitor`",
        ),
    )


async def _end_offsets(history: History) -> dict[tuple[str, int], int]:
    bootstrap = history.platform.infrastructure.kafka_bootstrap_servers
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, **kafka_client_options()
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets(
            await partitions_of(bootstrap, history.topics(), kafka_client_security())
        )
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}


async def _positions(connection: asyncpg.Connection, schema: str) -> dict[tuple[str, int], int]:
    try:
        rows = await connection.fetch(
            f'SELECT topic, partition, next_offset FROM "{schema}".positions'
        )
    except asyncpg.UndefinedTableError:
        return {}
    return {(row["topic"], row["partition"]): row["next_offset"] for row in rows}


async def _caught_up(
    connection: asyncpg.Connection, schema: str, ends: dict[tuple[str, int], int]
) -> bool:
    stored = await _positions(connection, schema)
    return all(stored.get(key, 0) >= end for key, end in ends.items())


async def _raw_consume(history: History) -> float:
    """Seconds for a plain aiokafka consumer to read every record of the history."""
    bootstrap = history.platform.infrastructure.kafka_bootstrap_servers
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        **kafka_client_options(),
    )
    await consumer.start()
    try:
        partitions = await partitions_of(bootstrap, history.topics(), kafka_client_security())
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        read = 0
        started = time.perf_counter()
        while read < history.events:
            fetched = await consumer.getmany(timeout_ms=200, max_records=2_000)
            read += sum(len(records) for records in fetched.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def _copy_rows(history: History) -> float:
    """Seconds for asyncpg's COPY of as many fact rows (from the same generator, decoded
    before the clock starts) into a fresh fact table with the projection's indexes."""
    rows = [
        _fact_row(value, history.platform.topic(service, "events"), offset)
        for offset, (service, _, value, _) in enumerate(
            copies(templates(history.platform), history.events)
        )
    ]
    schema = f"{history.platform.schema}_copy"
    connection = await store.connect(history.platform.infrastructure.database_url, schema)
    try:
        await store.create_schema(connection, schema)
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "facts",
            records=rows,
            columns=[
                "source",
                "id",
                "type",
                "case_id",
                "occurred_at",
                "recorded_at",
                "topic",
                "partition",
                "offset",
                "data",
            ],
        )
        seconds = time.perf_counter() - started
        assert await connection.fetchval(queries.COUNT_FACTS) == history.events
        return seconds
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


def _fact_row(value: bytes, topic: str, offset: int) -> tuple[object, ...]:
    event = orjson.loads(value)
    data = event["data"]
    return (
        event["source"],
        event["id"],
        event["type"],
        UUID(data["case_id"]) if "case_id" in data else None,
        datetime.fromisoformat(data["occurred_at"]),
        datetime.fromisoformat(event["time"]),
        topic,
        0,
        offset,
        orjson.dumps(data).decode(),
    )


async def _count_facts(pool: asyncpg.Pool) -> float:
    started = time.perf_counter()
    await pool.fetchval(queries.COUNT_FACTS)
    return (time.perf_counter() - started) * 1000
