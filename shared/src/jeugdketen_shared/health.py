"""Liveness, readiness and metrics of a process over HTTP, for orchestrators and Prometheus.

`GET /health/live`: the process answers. `GET /health/ready`: every check passes (Kafka and
PostgreSQL reachable, the consumers assigned), else 503 with each failing check's reason.
`GET /metrics`: the process's Prometheus registry. None of them needs authentication, and none
is part of the partner-facing OpenAPI documents.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import LogicSubscriber
from prometheus_client import CONTENT_TYPE_LATEST

from jeugdketen_shared.kafka import ClientSecurity
from jeugdketen_shared.metrics import exposition

CHECK_TIMEOUT_SECONDS = 2.0

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: None when ready, else why not (in a sentence, no secrets)."""


def postgres_reachable(database_url: str) -> Check:
    async def check() -> str | None:
        try:
            connection = await asyncpg.connect(database_url, timeout=CHECK_TIMEOUT_SECONDS)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            return f"PostgreSQL is not reachable: {type(error).__name__}"
        try:
            await connection.fetchval("SELECT 1", timeout=CHECK_TIMEOUT_SECONDS)
        finally:
            await connection.close()
        return None

    return check


def kafka_reachable(bootstrap_servers: str, security: ClientSecurity) -> Check:
    async def check() -> str | None:
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers,
            **security.options(),
            request_timeout_ms=int(CHECK_TIMEOUT_SECONDS * 1000),
        )
        try:
            # fetches the cluster's metadata from one of the brokers
            await client.bootstrap()
        except (KafkaError, OSError) as error:
            return f"Kafka is not reachable: {type(error).__name__}"
        finally:
            await client.close()
        return None

    return check


def consumers_assigned(broker: KafkaBroker) -> Check:
    """Every subscriber's consumer started and given partitions by its group."""

    async def check() -> str | None:
        waiting = [
            ", ".join(subscriber.topic_names_for_subscribe)
            for subscriber in broker.subscribers
            if isinstance(subscriber, LogicSubscriber)
            and (subscriber.consumer is None or not subscriber.consumer.assignment())
        ]
        return f"no partitions assigned yet: {'; '.join(waiting)}" if waiting else None

    return check


def create_health_router(checks: Mapping[str, Check]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        reasons = await asyncio.gather(*(_bounded(check) for check in checks.values()))
        failing = {name: reason for name, reason in zip(checks, reasons, strict=True) if reason}
        if failing:
            return JSONResponse({"status": "not-ready", "reasons": failing}, status_code=503)
        return JSONResponse({"status": "ready", "checks": sorted(checks)})

    @router.get("/metrics")
    async def metrics() -> Response:
        # the outbox backlog queries PostgreSQL: off the event loop
        return Response(await asyncio.to_thread(exposition), media_type=CONTENT_TYPE_LATEST)

    return router


async def _bounded(check: Check) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS * 2):
            return await check()
    except TimeoutError:
        return "no answer in time"
