"""Stagnation alerts over real Kafka and PostgreSQL, with a controllable clock: raised at the
deadline and not before, exactly once, auto-resolved when the closing event arrives, none for
history during a rebuild, and every alert event on `<prefix>.ketenmonitor.alerts`."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import decode
from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.kafka import as_kafka_record
from jeugdketen_shared.settings import ServiceSettings, kafka_client_options
from ketenmonitor.alerts import store as alert_store
from ketenmonitor.alerts.rules import alert_id
from ketenmonitor.alerts.sweeper import Sweeper
from ketenmonitor.main import build_projection, rebuild_and_recompute_stages, sweeping
from ketenmonitor.projection import store
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import Published, as_published, publish_events
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

RULE = "melding-to-safety-assessment"


def melding(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "toegang",
        toegang.VeiligThuisMeldingReceived(
            case_id=case,
            occurred_at=at,
            youth_pseudonym=secrets.token_hex(32),
            gemeente_code="GM0153",
        ),
    )


def assessed(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "toegang",
        toegang.SafetyAssessed(case_id=case, occurred_at=at, outcome="onveilig"),
    )


def rows(platform: IsolatedPlatform, query: str) -> list[tuple[Any, ...]]:
    try:
        with psycopg.connect(
            platform.infrastructure.database_url, options=f"-c search_path={platform.schema}"
        ) as connection:
            return connection.execute(query).fetchall()
    except psycopg.errors.UndefinedTable:
        return []


def stage(platform: IsolatedPlatform, case: UUID) -> tuple[Any, ...] | None:
    found = rows(
        platform,
        "SELECT deadline_at, closed_at, historical, alerted_at, alert_closed_at FROM stages "
        f"WHERE case_id = '{case}' AND rule = '{RULE}'",
    )
    return found[0] if found else None


async def create_tables(settings: ServiceSettings) -> None:
    """The projection's and the alerts' tables, as serve() creates them."""
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await store.create_schema(connection, settings.database_schema)
        await alert_store.create_tables(connection)
    finally:
        await connection.close()


@asynccontextmanager
async def monitoring(
    platform: IsolatedPlatform, clock: ControllableClock
) -> AsyncIterator[Sweeper]:
    """Projection, sweeper and alerts relay in this process, on the test's clock."""
    settings = platform.settings()
    await create_tables(settings)
    stopping = asyncio.Event()
    projection = asyncio.create_task(build_projection(settings, clock).run(stopping))
    try:
        async with sweeping(settings, stopping, clock) as (_, sweeper, _task):
            yield sweeper
        if projection.done():
            projection.result()
    finally:
        stopping.set()
        async with asyncio.timeout(30):
            await projection


async def sweeps_after(sweeper: Sweeper, count: int = 2) -> None:
    """Wait until the sweeper has looked `count` more times."""
    target = sweeper.sweeps + count
    await wait_until(lambda: sweeper.sweeps >= target, f"{count} sweeps", within_seconds=10)


async def alert_events(platform: IsolatedPlatform, expected: int) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        platform.topic("ketenmonitor", "alerts"),
        bootstrap_servers=platform.infrastructure.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        **kafka_client_options(),
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(30):
            while len(found) < expected:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    events = [decode(as_kafka_record(r)) for r in records]
                    found.extend({"type": e.type, "data": dict(e.data)} for e in events)
    finally:
        await consumer.stop()
    return found


async def test_an_alert_is_raised_at_the_deadline_once_and_closes_itself(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    silent, answered = uuid4(), uuid4()
    reported = now - timedelta(days=1)
    async with monitoring(platform, clock) as sweeper:
        await publish_events(
            platform, [melding(platform, silent, reported), melding(platform, answered, reported)]
        )
        await wait_until(lambda: stage(platform, silent) is not None, "the silent case's stage")
        await wait_until(lambda: stage(platform, answered) is not None, "the other case's stage")
        deadline = stage(platform, silent)[0]  # type: ignore[index]
        assert deadline > now

        # a second before the deadline: the sweeper looks, and raises nothing
        clock.advance(deadline - now - timedelta(seconds=1))
        await sweeps_after(sweeper)
        assert rows(platform, "SELECT count(*) FROM alerts") == [(0,)]

        # at the deadline: both alerts, within a second, for cases that produced no event since
        clock.advance(timedelta(seconds=1))
        await wait_until(
            lambda: rows(platform, "SELECT count(*) FROM alerts") == [(2,)],
            "two alerts raised",
            within_seconds=1.5,
        )
        # more sweeps raise nothing twice
        await sweeps_after(sweeper, 3)
        assert rows(platform, "SELECT count(*) FROM alerts") == [(2,)]

        # the answered case's closing event arrives (late): its alert closes itself
        await publish_events(platform, [assessed(platform, answered, reported + timedelta(days=9))])
        await wait_until(
            lambda: (stage(platform, answered) or (None,) * 5)[4] is not None,
            "the answered case's alert auto-resolved",
        )
        assert stage(platform, silent)[4] is None  # type: ignore[index]

    published = await alert_events(platform, 3)
    kinds = sorted((e["type"].rsplit(".", 1)[1], e["data"]["alert_id"]) for e in published)
    assert kinds == sorted(
        [
            ("alert-raised", str(alert_id(silent, RULE))),
            ("alert-raised", str(alert_id(answered, RULE))),
            ("alert-auto-resolved", str(alert_id(answered, RULE))),
        ]
    )
    raised = next(e for e in published if e["type"].endswith("alert-raised"))
    assert "Veilig Thuis" in raised["data"]["text"]


async def test_a_closing_event_that_arrives_first_means_no_alert(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    case = uuid4()
    reported = now - timedelta(days=1)
    async with monitoring(platform, clock) as sweeper:
        await publish_events(platform, [assessed(platform, case, reported + timedelta(hours=5))])
        await publish_events(platform, [melding(platform, case, reported)])
        await wait_until(lambda: stage(platform, case) is not None, "the stage")
        assert stage(platform, case)[1] is not None  # type: ignore[index]
        clock.advance(timedelta(days=30))
        await sweeps_after(sweeper)
    assert rows(platform, "SELECT count(*) FROM alerts") == [(0,)]


async def test_no_alerts_for_history_after_a_rebuild(platform: IsolatedPlatform) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    old = [uuid4() for _ in range(5)]
    recent = uuid4()
    long_ago = now - timedelta(days=200)
    await publish_events(
        platform,
        [melding(platform, case, long_ago) for case in old]
        + [melding(platform, recent, now - timedelta(hours=1))],
    )
    # the stages table is lost (or never existed): the rebuild recomputes it from the facts
    await rebuild_and_recompute_stages(platform.settings(), clock)
    assert (
        sorted(r[0] for r in rows(platform, "SELECT historical FROM stages"))
        == [False] + [True] * 5
    )

    async with monitoring(platform, clock) as sweeper:
        await sweeps_after(sweeper)
        assert rows(platform, "SELECT count(*) FROM alerts") == [(0,)]
        deadline = stage(platform, recent)[0]  # type: ignore[index]
        clock.advance(deadline - now)
        await wait_until(
            lambda: rows(platform, "SELECT case_id FROM alerts") == [(recent,)],
            "the one live deadline alerted",
            within_seconds=1.5,
        )
        await sweeps_after(sweeper)
    assert rows(platform, "SELECT count(*) FROM alerts") == [(1,)]


async def test_a_second_sweeper_stands_by_until_the_first_one_stops(
    platform: IsolatedPlatform,
) -> None:
    settings, clock = platform.settings(), ControllableClock(datetime.now(UTC))
    await create_tables(settings)
    first_stopping, second_stopping = asyncio.Event(), asyncio.Event()
    async with sweeping(settings, first_stopping, clock) as (_, first, first_task):
        await sweeps_after(first)
        async with sweeping(settings, second_stopping, clock) as (_, standby, _task):
            await sweeps_after(first, 3)
            assert standby.sweeps == 0
        # a standby told to stop stops, though the first one still sweeps
        async with sweeping(settings, second_stopping := asyncio.Event(), clock) as (
            _,
            second,
            _task,
        ):
            await sweeps_after(first, 3)
            assert second.sweeps == 0
            first_stopping.set()
            await first_task
            await sweeps_after(second)
