"""Composition root of the ketenmonitor: settings, the projection, the read API, the rebuild.

`python -m ketenmonitor [all|projection|api|sweeper|rebuild]`: by default the projection, the
read API and the alerts' sweeper with its outbox relay in one process; `rebuild` replays every
events topic into a fresh schema, switches over and recomputes the stages (history not alerted).
"""

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import asyncpg
import structlog
from fastapi import APIRouter, FastAPI

from jeugdketen_shared.clock import Clock, SystemClock
from jeugdketen_shared.logs import configure_logging
from jeugdketen_shared.outbox import OutboxRelay
from jeugdketen_shared.permissions import load_partners
from jeugdketen_shared.service import event_store_environment, running_producer, serving_http
from jeugdketen_shared.settings import ServiceSettings
from ketenmonitor import alert_store, live, store
from ketenmonitor.alert_application import PUBLISHED_EVENT_CLASSES, Alerts, as_contract
from ketenmonitor.alerts import load_rules
from ketenmonitor.alerts_api import TableAlertIndex, create_alerts_router
from ketenmonitor.api import FigureSource, create_api
from ketenmonitor.projection import SOURCE_SERVICES, Projection
from ketenmonitor.rebuild import rebuild
from ketenmonitor.sweeper import Sweeper

ROLES = ("all", "projection", "api", "sweeper", "rebuild")

log = structlog.get_logger(__name__)


def build_projection(settings: ServiceSettings, clock: Clock | None = None) -> Projection:
    return Projection(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=[settings.topics(service).events for service in SOURCE_SERVICES],
        database_url=settings.database_url,
        schema=settings.database_schema,
        rules=load_rules(),
        clock=clock or SystemClock(),
    )


def alerts_topic(settings: ServiceSettings) -> str:
    return f"{settings.topic_prefix}.ketenmonitor.alerts"


def build_alerts(settings: ServiceSettings) -> Alerts:
    return Alerts(env=event_store_environment(settings))


def build_sweeper(settings: ServiceSettings, alerts: Alerts, clock: Clock | None = None) -> Sweeper:
    return Sweeper(
        alerts=alerts,
        database_url=settings.database_url,
        schema=settings.database_schema,
        rules=load_rules(),
        clock=clock or SystemClock(),
    )


@contextlib.asynccontextmanager
async def sweeping(
    settings: ServiceSettings, stopping: asyncio.Event, clock: Clock | None = None
) -> AsyncIterator[tuple[Alerts, Sweeper, "asyncio.Task[None]"]]:
    """The sweeper and the outbox relay of its alerts to `<prefix>.ketenmonitor.alerts`."""
    alerts = build_alerts(settings)
    sweeper = build_sweeper(settings, alerts, clock)
    try:
        async with running_producer(settings) as producer:
            relay = OutboxRelay(
                application=alerts,
                published=PUBLISHED_EVENT_CLASSES,
                as_contract=as_contract,
                producer=producer,
                topic=alerts_topic(settings),
                source=settings.source("ketenmonitor"),
                database_url=settings.database_url,
            )
            relaying = asyncio.create_task(relay.run())
            task = asyncio.create_task(sweeper.run(stopping))
            try:
                yield alerts, sweeper, task
            finally:
                stopping.set()
                relaying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relaying
                await task
    finally:
        alerts.close()


async def rebuild_and_recompute_stages(settings: ServiceSettings, clock: Clock) -> int:
    """The rebuild, then every stage recomputed from the rebuilt facts: those already overdue
    and not known before are history, never alerted. Returns the records replayed."""
    replayed = await rebuild(build_projection(settings, clock))
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await alert_store.create_tables(connection)
        await alert_store.record_stages_after_rebuild(connection, load_rules(), clock.now())
    finally:
        await connection.close()
    return replayed


def build_alerts_router(
    settings: ServiceSettings, pool: asyncpg.Pool, alerts: Alerts, clock: Clock | None = None
) -> APIRouter:
    """The werkgroep's `/v1/alerts`: assignable to the partners of the registry."""
    return create_alerts_router(
        alerts,
        TableAlertIndex(pool),
        [partner.id for partner in load_partners(settings.partners_file)],
        clock or SystemClock(),
    )


def assemble_api(
    figures: FigureSource, alerts_router: APIRouter, broadcaster: live.Broadcaster
) -> FastAPI:
    """The ketenmonitor's one HTTP API: figures, the werkgroep's alerts, the live stream."""
    app = create_api(figures)
    app.include_router(alerts_router)
    app.include_router(live.create_stream_router(broadcaster))
    return app


@contextlib.asynccontextmanager
async def serving_api(settings: ServiceSettings) -> AsyncIterator[None]:
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    alerts = build_alerts(settings)
    broadcaster = live.Broadcaster()
    try:
        app = assemble_api(
            store.TableFigures(pool), build_alerts_router(settings, pool, alerts), broadcaster
        )
        async with (
            live.listening(settings.database_url, settings.database_schema, broadcaster),
            serving_http("ketenmonitor", app, settings),
        ):
            try:
                yield
            finally:
                broadcaster.close()  # open streams end, so the server can stop
    finally:
        alerts.close()
        await pool.close()


async def serve(settings: ServiceSettings, role: str, stopping: asyncio.Event) -> None:
    """Run the role until `stopping` is set, or until the projection fails."""
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await store.create_schema(connection, settings.database_schema)
        await alert_store.create_tables(connection)  # before the roles, which race to create
    finally:
        await connection.close()
    async with contextlib.AsyncExitStack() as stack:
        waiting: list[asyncio.Task[object]] = [asyncio.create_task(stopping.wait())]
        if role in {"all", "projection"}:
            waiting.append(asyncio.create_task(build_projection(settings).run(stopping)))
        if role in {"all", "api"}:
            await stack.enter_async_context(serving_api(settings))
        if role in {"all", "sweeper"}:
            *_, sweeper_task = await stack.enter_async_context(sweeping(settings, stopping))
            waiting.append(sweeper_task)
        log.info("ketenmonitor running", role=role)
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        stopping.set()
        for task in waiting:
            await task  # a failed projection fails the process with its own error
    log.info("ketenmonitor stopped", role=role)


async def _until_signalled(settings: ServiceSettings, role: str) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await serve(settings, role, stopping)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="ketenmonitor", description=__doc__)
    parser.add_argument("role", nargs="?", default="all", choices=ROLES)
    arguments = parser.parse_args()
    configure_logging("ketenmonitor")
    settings = ServiceSettings()
    if arguments.role == "rebuild":
        replayed = asyncio.run(rebuild_and_recompute_stages(settings, SystemClock()))
        log.info("rebuilt and switched over", records=replayed)
    else:
        asyncio.run(_until_signalled(settings, arguments.role))
