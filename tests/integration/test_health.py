"""GET /health/live and /health/ready of every service: ready over the real Kafka and
PostgreSQL, not ready (503, with the reason) when one cannot be reached. No authentication."""

import asyncio
import dataclasses
import socket
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import UnknownTopicOrPartitionError
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

import ketenmonitor.main
import toegang.main
from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.health import (
    consumers_assigned,
    create_health_router,
    kafka_reachable,
    postgres_reachable,
)
from jeugdketen_shared.ingress import subscribe_batches
from jeugdketen_shared.service import serve
from jeugdketen_shared.settings import ServiceSettings, kafka_client_options, kafka_client_security
from tests.conftest import IsolatedPlatform
from tests.support.http import answers, base_url, on_a_free_port
from tests.support.services import running_in_process
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def ready(url: str) -> bool:
    return httpx.get(f"{url}/health/ready", timeout=10).status_code == 200


def closed_port() -> int:
    """A port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def on_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{port}".lstrip("@")))


async def test_a_chain_service_is_live_and_becomes_ready_in_every_role(
    platform: IsolatedPlatform,
) -> None:
    ingress = on_a_free_port(platform.settings())
    relay = on_a_free_port(platform.settings())
    async with (
        running_in_process(toegang.main.WIRING, toegang.main.build_application, ingress, "ingress"),
        running_in_process(toegang.main.WIRING, toegang.main.build_application, relay, "relay"),
    ):
        for settings in (ingress, relay):
            await wait_until(lambda: answers(settings), "it listens")  # noqa: B023
            await wait_until(lambda: ready(base_url(settings)), "it is ready")  # noqa: B023
        async with httpx.AsyncClient(base_url=base_url(ingress)) as client:
            live = await client.get("/health/live")
            at_ingress = (await client.get("/health/ready")).json()
        async with httpx.AsyncClient(base_url=base_url(relay)) as client:
            at_relay = (await client.get("/health/ready")).json()
    assert live.json() == {"status": "live"}
    assert at_ingress == {"status": "ready", "checks": ["consumers", "kafka", "postgresql"]}
    assert at_relay == {"status": "ready", "checks": ["kafka", "postgresql"]}


async def test_not_ready_with_the_reason_when_postgresql_or_kafka_cannot_be_reached(
    platform: IsolatedPlatform,
) -> None:
    infrastructure = platform.infrastructure
    app = FastAPI()
    app.include_router(
        create_health_router(
            {
                "kafka": kafka_reachable(
                    infrastructure.kafka_bootstrap_servers, kafka_client_security()
                ),
                "postgresql": postgres_reachable(
                    on_port(infrastructure.database_url, closed_port())
                ),
                "other-kafka": kafka_reachable(
                    f"127.0.0.1:{closed_port()}", kafka_client_security()
                ),
            }
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not-ready"
    assert set(body["reasons"]) == {"postgresql", "other-kafka"}
    assert body["reasons"]["postgresql"].startswith("PostgreSQL is not reachable")
    assert body["reasons"]["other-kafka"].startswith("Kafka is not reachable")
    # the reasons name the kind of failure only: nothing of the URL, its password least of all
    assert str(urlsplit(infrastructure.database_url).hostname) not in answer.text
    assert live.status_code == 200


def idle_consumer_of(platform: IsolatedPlatform, topic: str) -> KafkaBroker:
    """A broker with the ingress's batch consumer of `topic`, on which nothing is published."""
    broker = KafkaBroker(
        platform.infrastructure.kafka_bootstrap_servers,
        security=kafka_client_security().faststream(),
        request_timeout_ms=5_000,  # the time a missing topic takes to fail; 40 s by default
    )

    async def receive(arrivals: object) -> None:
        raise AssertionError(f"nothing is published to {topic}")

    subscribe_batches(
        broker,
        topics=[topic],
        title=topic,
        group_id=f"{topic}.health-test",
        receive=receive,
        description="a consumer on which nothing is published",
        contracts=toegang.main.WIRING.inbound,
    )
    return broker


async def test_not_ready_while_a_consumer_has_no_partitions(platform: IsolatedPlatform) -> None:
    topic = platform.topic("toegang", "events")
    broker = idle_consumer_of(platform, topic)
    check = consumers_assigned(broker)
    assert await check() == f"no partitions assigned yet: {topic}"
    await broker.start()
    try:
        async with asyncio.timeout(30):
            # the consumer's group assigns partitions in its own time: polled, briefly
            while await check() is not None:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    finally:
        await broker.stop()


async def test_a_consumer_of_a_missing_topic_fails_to_start_and_creates_nothing(
    platform: IsolatedPlatform,
) -> None:
    """Topics come from deploy/topics.toml with their partitions and retention, never from a
    service creating one with a library's defaults (FastStream's: a single partition)."""
    missing = platform.topic("toegang", "not-provisioned")
    broker = idle_consumer_of(platform, missing)
    try:
        with pytest.raises(UnknownTopicOrPartitionError):
            await broker.start()
    finally:
        await broker.stop()
    admin = AIOKafkaAdminClient(
        bootstrap_servers=platform.infrastructure.kafka_bootstrap_servers, **kafka_client_options()
    )
    await admin.start()
    try:
        assert missing not in await admin.list_topics()
    finally:
        await admin.close()


async def test_the_ketenmonitor_answers_health_and_metrics_without_a_login(
    platform: IsolatedPlatform,
) -> None:
    settings = on_a_free_port(platform.settings())
    stopping = asyncio.Event()
    # its API alone; nobody can log in (no users file): every other path asks for a login
    serving = asyncio.create_task(ketenmonitor.main.serve(settings, "api", stopping))
    try:
        await wait_until(lambda: answers(settings), "the ketenmonitor listens")
        async with httpx.AsyncClient(base_url=base_url(settings)) as client:
            live = await client.get("/health/live")
            readiness = await client.get("/health/ready")
            metrics = await client.get("/metrics")
            figures = await client.get("/v1/capacity")
    finally:
        stopping.set()
        await serving
    assert live.status_code == 200
    assert readiness.status_code == 200
    assert readiness.json()["checks"] == ["kafka", "postgresql"]
    assert metrics.status_code == 200
    assert "jeugdketen_alerts_open" in metrics.text
    assert figures.status_code == 401


async def test_a_background_task_that_fails_ends_the_process_with_its_error(
    platform: IsolatedPlatform,
) -> None:
    """A relay or clock that died must not leave a process that looks alive and does nothing:
    `serve` ends with the task's error, so the supervisor restarts the process."""

    async def failing_clock(application: ChainApplication, settings: ServiceSettings) -> None:
        await asyncio.sleep(0.1)
        raise ConnectionError("the clock lost its database")

    wiring = dataclasses.replace(toegang.main.WIRING, background=(failing_clock,))
    settings = on_a_free_port(platform.settings())
    application = toegang.main.build_application(settings)
    with pytest.raises(ConnectionError, match="the clock lost its database"):
        async with asyncio.timeout(60):
            await serve(wiring, application, settings, "scheduler", asyncio.Event())
