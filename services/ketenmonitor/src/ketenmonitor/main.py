"""Composition root of the ketenmonitor: settings, the projection, the read API, the rebuild.

`python -m ketenmonitor [all|projection|api|sweeper|rebuild|retention|export]`: by default
the projection, the read API and the alerts' sweeper with its outbox relay and the retention job
in one process; `rebuild` replays every events topic into a fresh schema, switches over and
recomputes the stages (history not alerted); `retention` runs the retention job once and prints
what it removed; `export --month YYYY-MM [--folder DIR]` writes the month's snapshot of every
figure (docs/exports.md).
"""

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import cast

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jeugdketen_shared.clock import Clock, SystemClock
from jeugdketen_shared.health import create_health_router, kafka_reachable, postgres_reachable
from jeugdketen_shared.load_progress import LoadProgress, read_progress
from jeugdketen_shared.logs import configure_logging
from jeugdketen_shared.metrics import registered
from jeugdketen_shared.outbox import OutboxRelay
from jeugdketen_shared.permissions import Partner, PartnerKind, load_partners
from jeugdketen_shared.service import event_store_environment, running_producer, serving_http
from jeugdketen_shared.settings import ServiceSettings
from jeugdketen_shared.telemetry import configure_tracing
from jeugdketen_shared.youth_keys import keys_topic
from ketenmonitor.alerts import store as alert_store
from ketenmonitor.alerts.api import AlertIndex, TableAlertIndex, create_alerts_router
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.alerts.metrics import OpenAlerts
from ketenmonitor.alerts.publication import PUBLISHED_EVENT_CLASSES, as_contract
from ketenmonitor.alerts.retention import ResolvedAlerts
from ketenmonitor.alerts.rules import load_rules
from ketenmonitor.alerts.store import AlertsOfCases, StagesInBatch
from ketenmonitor.alerts.sweeper import Sweeper
from ketenmonitor.figures.api import amsterdam_today, create_api
from ketenmonitor.figures.linked import LinkedFigures
from ketenmonitor.figures.registry import PROTECTED_TOGETHER
from ketenmonitor.figures.snapshot import (
    MonthlySnapshots,
    expected_files,
    month_of,
    write_snapshot,
)
from ketenmonitor.figures.source import FigureSource, TableFigures
from ketenmonitor.privacy import erasure_store
from ketenmonitor.privacy.erasure_store import ErasureInBatch
from ketenmonitor.privacy.retention import Periods, Removed, Retention
from ketenmonitor.projection import live, store
from ketenmonitor.projection.consumer import SOURCE_SERVICES, Projection
from ketenmonitor.projection.rebuild import rebuild
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web import audit
from ketenmonitor.web.audit import AuditLog, AuditUnavailable, CaseReads
from ketenmonitor.web.audit_trail import create_audit_page_router, create_audit_router
from ketenmonitor.web.auth import Users, authenticated_user, load_users, werkgroep_member
from ketenmonitor.web.dashboard import InvalidFilter, create_dashboard_router
from ketenmonitor.web.pages import Pages, create_templates, mount_static, no_load, secure
from ketenmonitor.web.werkgroep import create_werkgroep_router

ROLES = ("all", "projection", "api", "sweeper", "rebuild", "retention", "export")

log = structlog.get_logger(__name__)


PROJECTION_GROUP_VARIABLE = "KETENMONITOR_PROJECTION_GROUP"
"""A Kafka consumer group name: projection instances naming the same one share the partitions
(docs/scale-out.md); unset, the one projection reads every partition."""


def build_projection(settings: ServiceSettings, clock: Clock | None = None) -> Projection:
    rules = load_rules()
    return Projection(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=[settings.topics(service).events for service in SOURCE_SERVICES],
        database_url=settings.database_url,
        schema=settings.database_schema,
        erasure=ErasureInBatch(settings.database_schema, kept_elsewhere=[AlertsOfCases(rules)]),
        also=[StagesInBatch(rules, clock or SystemClock(), MonitorSettings().move_gap_days)],
        group_id=os.environ.get(PROJECTION_GROUP_VARIABLE) or None,
        security=settings.kafka_security(),
        keys_topic=keys_topic(settings.topic_prefix),
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


def build_retention(
    settings: ServiceSettings, alerts: Alerts, monitor: MonitorSettings, clock: Clock | None = None
) -> Retention:
    schema = settings.database_schema
    return Retention(
        database_url=settings.database_url,
        schema=schema,
        prepare=lambda connection: create_tables(connection, schema),
        reads=audit,
        alerts=ResolvedAlerts(alerts),
        kept_elsewhere=[AlertsOfCases(load_rules())],
        periods=Periods.configured(monitor),
        clock=clock or SystemClock(),
        interval_seconds=monitor.retention_interval_seconds,
    )


async def create_tables(connection: asyncpg.Connection, schema: str) -> None:
    """Every room's tables, as the roles create them (a fresh database has none)."""
    await store.create_schema(connection, schema)
    await erasure_store.create_tables(connection, schema)
    await alert_store.create_tables(connection)
    await audit.create_table(connection)


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
        await alert_store.record_stages_after_rebuild(
            connection, load_rules(), clock.now(), MonitorSettings().move_gap_days
        )
    finally:
        await connection.close()
    return replayed


async def enforce_retention(settings: ServiceSettings, monitor: MonitorSettings) -> Removed:
    """One run of the retention job, as `python -m ketenmonitor retention` does."""
    alerts = build_alerts(settings)
    try:
        return await build_retention(settings, alerts, monitor).enforce()
    finally:
        alerts.close()


@contextlib.asynccontextmanager
async def monthly_snapshots(
    settings: ServiceSettings, monitor: MonitorSettings, folder: Path
) -> AsyncIterator[MonthlySnapshots]:
    """Each month's snapshot under `folder` when it closes, over a pool of its own."""
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    try:
        source = TableFigures(pool, monitor.move_gap_days)
        figures = LinkedFigures(source, amsterdam_today, PROTECTED_TOGETHER)
        yield MonthlySnapshots(figures, folder, amsterdam_today, store.FAILURES)
    finally:
        await pool.close()


async def export_month(settings: ServiceSettings, month: str, folder: Path) -> Path:
    """The month's snapshot under `folder`, with a progress bar; returns its manifest."""
    first_day = month_of(month)
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    try:
        source = TableFigures(pool, MonitorSettings().move_gap_days)
        figures = LinkedFigures(source, amsterdam_today, PROTECTED_TOGETHER)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        ) as progress:
            files = progress.add_task(f"Snapshot {month}", total=expected_files(first_day))
            return await write_snapshot(
                figures, first_day, folder, amsterdam_today(), lambda _: progress.advance(files)
            )
    finally:
        await pool.close()


def stream_view(request: Request, message: live.Message) -> live.Message:
    """The werkgroep sees each alert on the stream; everyone else its severity only."""
    if authenticated_user(request).is_werkgroep:
        return message
    return live.severity_only(message)


def load_configured_users(monitor: MonitorSettings) -> Users:
    if monitor.users_file is None:
        log.warning("JEUGDKETEN_USERS_FILE is not set: nobody can log in")
        return Users([])
    return load_users(monitor.users_file)


def load_progress_reader(
    progress_file: Path | None, clock: Clock
) -> Callable[[], LoadProgress | None]:
    if progress_file is None:
        return no_load
    return lambda: read_progress(progress_file, clock.now())


def assemble_api(
    figures: FigureSource,
    alerts: Alerts,
    index: AlertIndex,
    partners: Sequence[Partner],
    broadcaster: live.Broadcaster,
    users: Users,
    monitor: MonitorSettings,
    clock: Clock | None = None,
    *,
    audit_log: AuditLog,
) -> FastAPI:
    """The ketenmonitor's one HTTP app: the figures, the werkgroep's alerts, the live stream,
    the dashboard's and the werkgroep's pages, the audit trail, behind the login. Alerts may
    be assigned to the partners of the registry; every read of case-level data is recorded in
    `audit_log`, or refused (503) when it cannot be."""
    clock = clock or SystemClock()
    reads = CaseReads(audit_log, clock)
    partner_ids = [partner.id for partner in partners]
    providers = {
        partner.provider: partner.id
        for partner in partners
        if partner.kind is PartnerKind.AANBIEDER and partner.provider
    }
    pages = Pages(create_templates(), load_progress_reader(monitor.load_progress_file, clock))
    app = create_api(figures)  # with the platform's problem answers
    app.include_router(
        create_alerts_router(alerts, index, partner_ids, clock, reads, werkgroep_member)
    )
    app.include_router(create_audit_router(audit_log, alerts, index, reads))
    app.include_router(live.create_stream_router(broadcaster, view=stream_view))
    app.include_router(
        create_dashboard_router(app.state.figures, alerts, index, providers, pages, reads)
    )
    app.include_router(
        create_werkgroep_router(alerts, index, load_rules(), partner_ids, pages, clock, reads)
    )
    app.include_router(create_audit_page_router(audit_log, alerts, index, reads, pages))

    @app.exception_handler(InvalidFilter)
    async def invalid_filter(request: Request, error: InvalidFilter) -> HTMLResponse:
        message = {"title": "Ongeldig filter", "message": error.message}
        return pages.render(request, "fout.html", message, status_code=400)

    @app.exception_handler(AuditUnavailable)
    async def unaudited(request: Request, error: AuditUnavailable) -> Response:
        log.error("case-level read refused: the audit log is unavailable", error=str(error))
        page = {
            "title": "Tijdelijk niet beschikbaar",
            "message": "Uw inzage kan nu niet in het logboek worden vastgelegd; daarom tonen we "
            "deze gegevens niet. Probeer het later opnieuw.",
        }
        detail = AuditUnavailable.__doc__ or ""
        return pages.refusal(request, 503, "audit-unavailable", detail, page)

    mount_static(app, monitor.frontend_assets)
    secret = monitor.session_secret.get_secret_value() if monitor.session_secret else None
    secure(app, users, pages, secret)
    return app


@contextlib.asynccontextmanager
async def serving_api(
    settings: ServiceSettings, monitor: MonitorSettings | None = None
) -> AsyncIterator[None]:
    monitor = monitor or MonitorSettings()
    users = load_configured_users(monitor)
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    alerts = build_alerts(settings)
    broadcaster = live.Broadcaster()
    try:
        async with pool.acquire() as connection:
            await audit.create_table(connection)
        app = assemble_api(
            TableFigures(pool, monitor.move_gap_days),
            alerts,
            TableAlertIndex(pool),
            load_partners(settings.partners_file),
            broadcaster,
            users,
            monitor,
            audit_log=audit.TableAuditLog(pool),
        )
        app.include_router(
            create_health_router(
                {
                    "kafka": kafka_reachable(
                        settings.kafka_bootstrap_servers, settings.kafka_security()
                    ),
                    "postgresql": postgres_reachable(settings.database_url),
                }
            )
        )
        with registered(OpenAlerts(alerts)):
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


async def serve(
    settings: ServiceSettings,
    role: str,
    stopping: asyncio.Event,
    monitor: MonitorSettings | None = None,
) -> None:
    """Run the role until `stopping` is set, or until the projection fails. `monitor`: the
    API's and the retention job's own settings, else from the environment."""
    monitor = monitor or MonitorSettings()
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await create_tables(connection, settings.database_schema)  # before the roles race
    finally:
        await connection.close()
    async with contextlib.AsyncExitStack() as stack:
        waiting: list[asyncio.Task[object]] = [asyncio.create_task(stopping.wait())]
        if role in {"all", "projection"}:
            waiting.append(asyncio.create_task(build_projection(settings).run(stopping)))
        if role in {"all", "api"}:
            await stack.enter_async_context(serving_api(settings, monitor))
        if role in {"all", "sweeper"}:
            alerts, _, sweeper_task = await stack.enter_async_context(sweeping(settings, stopping))
            waiting.append(sweeper_task)
            retention = build_retention(settings, alerts, monitor)
            waiting.append(asyncio.create_task(retention.run(stopping)))
            if monitor.export_folder is not None:
                snapshots = await stack.enter_async_context(
                    monthly_snapshots(settings, monitor, monitor.export_folder)
                )
                waiting.append(asyncio.create_task(snapshots.run(stopping)))
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
    parser.add_argument("--month", help="export: the month, YYYY-MM (closed: before today's)")
    parser.add_argument(
        "--folder", type=Path, help="export: where (default JEUGDKETEN_EXPORT_FOLDER)"
    )
    arguments = parser.parse_args()
    folder = arguments.folder or MonitorSettings().export_folder
    if arguments.role != "export" and (arguments.month or arguments.folder):
        parser.error("--month and --folder are the export's")
    if arguments.role == "export" and not (arguments.month and folder):
        parser.error("export needs --month and --folder (or JEUGDKETEN_EXPORT_FOLDER)")
    configure_logging("ketenmonitor")
    tracing = configure_tracing("ketenmonitor")
    settings = ServiceSettings()
    try:
        if arguments.role == "rebuild":
            replayed = asyncio.run(rebuild_and_recompute_stages(settings, SystemClock()))
            log.info("rebuilt and switched over", records=replayed)
        elif arguments.role == "export":
            print(asyncio.run(export_month(settings, arguments.month, cast(Path, folder))))
        elif arguments.role == "retention":
            print(asyncio.run(enforce_retention(settings, MonitorSettings())).report())
        else:
            asyncio.run(_until_signalled(settings, arguments.role))
    finally:
        if tracing is not None:
            tracing.shutdown()  # exports the spans still queued
