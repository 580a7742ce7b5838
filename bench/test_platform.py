"""The whole platform as `./run demo` runs it (toegang, triage, plaatsing and the ketenmonitor,
each a process with its own schema) on the shared Kafka and PostgreSQL: start-up, memory when
idle, sustained end-to-end ingest and latency at 100 events/s."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.partners import PARTNER, Message, referrals
from bench.processes import cpu_seconds, pss_mb, require_alive, rss_mb, running
from bench.report import Figure, percentile, report
from jeugdketen_shared.settings import kafka_client_options
from ketenmonitor.projection.live import channel
from tests.conftest import IsolatedPlatform
from tests.support.infrastructure import REPOSITORY
from tests.support.kafka import delete_topics

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]

SERVICES = ("toegang", "triage", "plaatsing", "ketenmonitor")
REFERRAL_RECEIVED = "nl.jeugdketen.toegang.referral-received"


def ingest_count() -> int:
    return int(os.environ.get("BENCH_INGEST_EVENTS", "10000"))


def latency_count() -> int:
    """At 100 events/s: 30 s by default."""
    return int(os.environ.get("BENCH_LATENCY_EVENTS", "3000"))


@dataclass(frozen=True)
class Platform:
    isolated: IsolatedPlatform
    pids: dict[str, int]
    ketenmonitor_url: str
    connection: asyncpg.Connection
    """On the ketenmonitor's schema."""

    @property
    def ketenmonitor_schema(self) -> str:
        return f"{self.isolated.schema}_ketenmonitor"

    async def referrals_projected(self) -> int:
        try:
            return int(
                await self.connection.fetchval(
                    "SELECT count(*) FROM facts WHERE type = $1", REFERRAL_RECEIVED
                )
            )
        except asyncpg.UndefinedTableError:
            return 0


@pytest.fixture
async def whole_platform(platform: IsolatedPlatform) -> AsyncIterator[Platform]:
    """Started as the demo starts it, one service after the other, each until its HTTP port
    answers; the start-up figure is reported here."""
    database = platform.infrastructure.database_url
    admin = await asyncpg.connect(database)
    schemas = {service: f"{platform.schema}_{service}" for service in SERVICES}
    try:
        for schema in schemas.values():
            await admin.execute(f'CREATE SCHEMA "{schema}"')
        setup_seconds = await asyncio.to_thread(_setup_as_the_demo)
        baseline_seconds = await asyncio.to_thread(_bare_imports)
        started = time.perf_counter()
        with ExitStack() as stack:
            pids, ports = {}, {}
            for service in SERVICES:
                ports[service] = _free_port()
                environment = {
                    **platform.environment(),
                    "DATABASE_SCHEMA": schemas[service],
                    "JEUGDKETEN_HTTP_PORT": str(ports[service]),
                }
                process = stack.enter_context(
                    running(service, "all", environment, f"{platform.prefix}-{service}")
                )
                pids[service] = process.pid
                await _answers(f"http://127.0.0.1:{ports[service]}/", process)
            url = f"http://127.0.0.1:{ports['ketenmonitor']}"
            await _answers(f"{url}/v1/lead-times", process, served=True)
            await _answers(f"{url}/", process, served=True)  # the dashboard (asks to log in)
            seconds = time.perf_counter() - started
            report(
                Figure(
                    "start-up",
                    setup_seconds + seconds,
                    "s",
                    "<= 60 s",
                    setup_seconds + baseline_seconds,
                    "the demo's set-up and four bare interpreters importing the libraries",
                    f"set-up (uv sync, deploy/local/up; all installed and running)"
                    f" {setup_seconds:.1f} s; four services until the ketenmonitor's read API"
                    f" and dashboard answer (asking to log in) {seconds:.1f} s",
                )
            )
            connection = await asyncpg.connect(
                database, server_settings={"search_path": schemas["ketenmonitor"]}
            )
            try:
                yield Platform(platform, pids, url, connection)
            finally:
                await connection.close()
    finally:
        for schema in schemas.values():
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


async def test_whole_platform(whole_platform: Platform) -> None:
    await _idle_memory(whole_platform)
    await _ingest(whole_platform)
    await _latency(whole_platform)


async def _idle_memory(platform: Platform) -> None:
    await asyncio.sleep(5)  # idle on purpose: what the platform holds when nothing happens
    services = {service: rss_mb(pid) for service, pid in platform.pids.items()}
    kafka = sum(rss_mb(pid) for pid in _pids_of(_is_local_broker))
    postgres = sum(pss_mb(pid) for pid in _pids_of(_is_postgres))
    total = sum(services.values()) + kafka + postgres
    report(
        Figure(
            "whole platform idle",
            total,
            "MB",
            "<= 1,536 MB",
            kafka + postgres,
            "Kafka (RSS) and PostgreSQL (PSS) alone",
            ", ".join(f"{name} {mb:.0f} MB" for name, mb in services.items())
            + f"; Kafka {kafka:.0f} MB, PostgreSQL {postgres:.0f} MB (shared with other runs)",
        )
    )


async def _ingest(platform: Platform) -> None:
    """Partner referrals published as fast as a producer can; done when the ketenmonitor
    committed every referral-received toegang made of them."""
    count = ingest_count()
    messages = [message for _, message in referrals(count, seed=1)]
    bootstrap = platform.isolated.infrastructure.kafka_bootstrap_servers
    baseline = await _raw_produce_and_consume(bootstrap, platform.isolated.prefix, messages)
    already = await platform.referrals_projected()
    cpu_before = {service: cpu_seconds(pid) for service, pid in platform.pids.items()}
    started = time.perf_counter()
    await _publish(bootstrap, platform.isolated.topic("toegang", f"inbound.{PARTNER}"), messages)
    async with asyncio.timeout(3000):
        # another process's database: polled
        while await platform.referrals_projected() < already + count:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    seconds = time.perf_counter() - started
    # on a shared machine the rate follows the load; the CPU each service spent does much less
    cpu = ", ".join(
        f"{service} {cpu_seconds(pid) - cpu_before[service]:.1f} s"
        for service, pid in platform.pids.items()
    )
    report(
        Figure(
            "end-to-end ingest",
            count / seconds,
            "events/s",
            ">= 2,000 events/s",
            count / baseline,
            "raw aiokafka produce+consume",
            f"{count:,} referrals: partner publish to the ketenmonitor's commit, {seconds:.1f} s;"
            f" CPU used meanwhile: {cpu}",
        )
    )


async def _latency(platform: Platform) -> None:
    """Referrals at 100/s; each visible when the projection's commit notifies (LISTEN) and
    the fact is there."""
    count = latency_count()
    cases = referrals(count, seed=2)
    sent: dict[UUID, float] = {}
    seen: dict[UUID, float] = {}
    committed = asyncio.Event()
    listener = await asyncpg.connect(platform.isolated.infrastructure.database_url)
    await listener.add_listener(channel(platform.ketenmonitor_schema), lambda *_: committed.set())
    bootstrap = platform.isolated.infrastructure.kafka_bootstrap_servers
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **kafka_client_options())
    await producer.start()
    watching = asyncio.create_task(_watch(platform, committed, sent, seen, count))
    try:
        topic = platform.isolated.topic("toegang", f"inbound.{PARTNER}")
        started = time.perf_counter()
        for index, (case, (key, value, headers)) in enumerate(cases):
            await asyncio.sleep(max(0.0, started + index / 100 - time.perf_counter()))
            sent[case] = time.perf_counter()
            await producer.send(topic, value=value, key=key, headers=headers)
        await producer.flush()
        async with asyncio.timeout(600):
            await watching
    finally:
        watching.cancel()
        await producer.stop()
        await listener.close()
    delays = [(seen[case] - sent[case]) * 1000 for case in sent]
    baseline = await _raw_round_trip(bootstrap, platform.isolated.prefix, cases[:200])
    report(
        Figure(
            "latency p50 at 100 events/s",
            percentile(delays, 50),
            "ms",
            "<= 50 ms",
            percentile(baseline, 50),
            "raw aiokafka produce to consume",
            f"{count:,} referrals; partner publish to visible in the projection",
        ),
        Figure(
            "latency p99 at 100 events/s",
            percentile(delays, 99),
            "ms",
            "<= 250 ms",
            percentile(baseline, 99),
            "raw aiokafka produce to consume",
        ),
    )


async def _watch(
    platform: Platform,
    committed: asyncio.Event,
    sent: dict[UUID, float],
    seen: dict[UUID, float],
    count: int,
) -> None:
    while len(seen) < count:
        await committed.wait()
        at = time.perf_counter()
        committed.clear()
        pending = [case for case in sent if case not in seen]
        rows = await platform.connection.fetch(
            "SELECT case_id FROM facts WHERE type = $1 AND case_id = ANY($2::uuid[])",
            REFERRAL_RECEIVED,
            pending,
        )
        for row in rows:
            seen[row["case_id"]] = at


async def _publish(bootstrap: str, topic: str, messages: list[Message]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, **kafka_client_options()
    )
    await producer.start()
    try:
        deliveries = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value, headers in messages
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


async def _scratch_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()


async def _raw_produce_and_consume(bootstrap: str, prefix: str, messages: list[Message]) -> float:
    """Seconds to produce the same messages to a topic of three partitions and consume them."""
    topic = f"{prefix}.bench.raw"
    await _scratch_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        **kafka_client_options(),
    )
    try:
        await consumer.start()
        started = time.perf_counter()
        consuming = asyncio.create_task(_consume(consumer, len(messages)))
        await _publish(bootstrap, topic, messages)
        await consuming
        return time.perf_counter() - started
    finally:
        await consumer.stop()
        await delete_topics(bootstrap, [topic])


async def _consume(consumer: AIOKafkaConsumer, count: int) -> None:
    read = 0
    while read < count:
        fetched = await consumer.getmany(timeout_ms=200)
        read += sum(len(records) for records in fetched.values())


async def _raw_round_trip(
    bootstrap: str, prefix: str, cases: list[tuple[UUID, Message]]
) -> list[float]:
    """Per message at 100/s, ms from producing it to a plain consumer receiving it."""
    topic = f"{prefix}.bench.latency"
    await _scratch_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        **kafka_client_options(),
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **kafka_client_options())
    sent: dict[bytes, float] = {}
    delays: list[float] = []
    try:
        await consumer.start()
        await producer.start()

        async def receive() -> None:
            while len(delays) < len(cases):
                async for record in consumer:
                    delays.append((time.perf_counter() - sent[record.key]) * 1000)
                    break

        receiving = asyncio.create_task(receive())
        started = time.perf_counter()
        for index, (_, (key, value, headers)) in enumerate(cases):
            await asyncio.sleep(max(0.0, started + index / 100 - time.perf_counter()))
            assert key is not None
            sent[key] = time.perf_counter()
            await producer.send(topic, value=value, key=key, headers=headers)
        async with asyncio.timeout(60):
            await receiving
        return delays
    finally:
        await producer.stop()
        await consumer.stop()
        await delete_topics(bootstrap, [topic])


def _setup_as_the_demo() -> float:
    """The demo's own set-up on a machine where all is installed and running: seconds."""
    started = time.perf_counter()
    subprocess.run(["uv", "sync", "--frozen", "--quiet"], cwd=REPOSITORY, check=True)
    subprocess.run(
        [str(REPOSITORY / "deploy/local/up")], cwd=REPOSITORY, check=True, capture_output=True
    )
    return time.perf_counter() - started


def _bare_imports() -> float:
    """Four interpreters, one after the other, importing what a service imports: seconds."""
    started = time.perf_counter()
    for _ in SERVICES:
        subprocess.run(
            [sys.executable, "-c", "import aiokafka, asyncpg, eventsourcing, fastapi, uvicorn"],
            check=True,
        )
    return time.perf_counter() - started


async def _answers(url: str, process: "subprocess.Popen[bytes]", served: bool = False) -> None:
    """Until the URL answers; when `served`, from the app itself (below 500: a 401 asking to
    log in is the read API answering)."""
    last = "no answer"
    try:
        async with asyncio.timeout(120), httpx.AsyncClient() as http:
            while True:
                require_alive(process)
                try:
                    answer = await http.get(url)
                    if not served or answer.status_code < 500:
                        return
                    last = f"{answer.status_code} {answer.text[:200]}"
                except httpx.TransportError as error:
                    last = repr(error)
                await asyncio.sleep(0.05)
    except TimeoutError as error:
        raise AssertionError(f"{url} did not answer: {last}") from error


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _is_local_broker(command: str) -> bool:
    """deploy/local's broker (logs under .local/), not another one a chaos test started."""
    return "kafka.Kafka" in command and f"-Dkafka.logs.dir={REPOSITORY / '.local/logs'} " in command


def _is_postgres(command: str) -> bool:
    """The server and its backends (`postgres: user database ...`)."""
    return Path(command.split(" ", 1)[0]).name.startswith("postgres")


def _pids_of(matches: Callable[[str], bool]) -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if matches(command):
            yield int(entry.name)
