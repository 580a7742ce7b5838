"""Composition root of the ketenmonitor: settings, the projection, the read API, the rebuild.

`python -m ketenmonitor [all|projection|api|rebuild]`: by default the projection and the read
API in one process; `rebuild` replays every events topic into a fresh schema and switches over.
"""

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import structlog

from jeugdketen_shared.logs import configure_logging
from jeugdketen_shared.service import serving_http
from jeugdketen_shared.settings import ServiceSettings
from ketenmonitor import store
from ketenmonitor.api import create_api
from ketenmonitor.projection import SOURCE_SERVICES, Projection
from ketenmonitor.rebuild import rebuild

ROLES = ("all", "projection", "api", "rebuild")

log = structlog.get_logger(__name__)


def build_projection(settings: ServiceSettings) -> Projection:
    return Projection(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=[settings.topics(service).events for service in SOURCE_SERVICES],
        database_url=settings.database_url,
        schema=settings.database_schema,
    )


@contextlib.asynccontextmanager
async def serving_api(settings: ServiceSettings) -> AsyncIterator[None]:
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    try:
        async with serving_http("ketenmonitor", create_api(store.TableFigures(pool)), settings):
            yield
    finally:
        await pool.close()


async def serve(settings: ServiceSettings, role: str, stopping: asyncio.Event) -> None:
    """Run the role until `stopping` is set, or until the projection fails."""
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await store.create_schema(connection, settings.database_schema)
    finally:
        await connection.close()
    async with contextlib.AsyncExitStack() as stack:
        waiting: list[asyncio.Task[object]] = [asyncio.create_task(stopping.wait())]
        if role in {"all", "projection"}:
            waiting.append(asyncio.create_task(build_projection(settings).run(stopping)))
        if role in {"all", "api"}:
            await stack.enter_async_context(serving_api(settings))
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
        replayed = asyncio.run(rebuild(build_projection(settings)))
        log.info("rebuilt and switched over", records=replayed)
    else:
        asyncio.run(_until_signalled(settings, arguments.role))
