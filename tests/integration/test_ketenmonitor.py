"""The ketenmonitor over real Kafka and PostgreSQL: domain events in as the relays publish them,
figures out, checked against the reference computation straight from the published events
(`test_ketenmonitor_reference.Reference`), whatever happens on the way: events twice, out of
order, a projection killed, a rebuild."""

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.contracts.base import DomainEventData
from jeugdketen_shared.kafka import create_producer, send_all
from jeugdketen_shared.settings import kafka_client_security
from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.linked import quarters
from ketenmonitor.figures.source import TableFigures
from ketenmonitor.main import build_projection
from ketenmonitor.projection import queries, store
from ketenmonitor.projection.rebuild import rebuild
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor_reference import (
    ANSWERS,
    Fact,
    Reference,
    cloud_events,
    compare_figures,
    distinct,
    publish,
)
from tests.support.chain_cases import GEMEENTEN
from tests.support.projection import projecting
from tests.support.services import ServiceProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

SMALL_CELL = 10


# --- domain events, as the relays publish them ------------------------------------------------


@dataclass(frozen=True)
class Published:
    service: str
    event: CloudEvent


def as_published(platform: IsolatedPlatform, service: str, data: DomainEventData) -> Published:
    case = getattr(data, "case_id", None)
    return Published(
        service,
        CloudEvent(
            id=str(uuid4()),
            source=platform.settings().source(service),
            type=data.cloudevent_type,
            time=datetime.now(UTC),
            caseid=case,
            causationid=str(uuid4()),
            data=data.model_dump(mode="json"),
        ),
    )


async def publish_events(platform: IsolatedPlatform, events: Iterable[Published]) -> int:
    by_topic: dict[str, list[Any]] = {}
    for published in events:
        topic = platform.topic(published.service, "events")
        by_topic.setdefault(topic, []).append(encode(published.event))
    producer = create_producer(
        platform.infrastructure.kafka_bootstrap_servers, kafka_client_security()
    )
    await producer.start()
    try:
        for topic, records in by_topic.items():
            await send_all(producer, topic, records)
    finally:
        await producer.stop()
    return sum(len(records) for records in by_topic.values())


def chain(platform: IsolatedPlatform, cases: int, seed: int) -> list[tuple[str, CloudEvent]]:
    """The generated chain's events as the relays publish them (its youths' keys left out:
    a sealed month then counts as none, here and in the reference)."""
    return cloud_events(platform, seed, cases).events


# --- running and reading the ketenmonitor -------------------------------------------------------


def sql(platform: IsolatedPlatform, query: str, schema: str | None = None) -> Any:
    with psycopg.connect(
        platform.infrastructure.database_url,
        options=f"-c search_path={schema or platform.schema}",
    ) as connection:
        row = connection.execute(query).fetchone()
        return row[0] if row else None


def records_projected(platform: IsolatedPlatform) -> int:
    """Records read and committed: the stored positions, summed (every partition from 0)."""
    try:
        return int(sql(platform, "SELECT coalesce(sum(next_offset), 0) FROM positions"))
    except psycopg.errors.UndefinedTable:
        return 0


async def wait_projected(platform: IsolatedPlatform, records: int) -> None:
    await wait_until(lambda: records_projected(platform) >= records, f"{records} records projected")


@asynccontextmanager
async def read_api(platform: IsolatedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    settings = platform.settings()
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    try:
        transport = httpx.ASGITransport(app=create_api(TableFigures(pool)))
        async with httpx.AsyncClient(transport=transport, base_url="http://ketenmonitor") as http:
            yield http
    finally:
        await pool.close()


async def lead_times(platform: IsolatedPlatform, **query: str) -> dict[str, dict[str, Any]]:
    async with read_api(platform) as http:
        answer = await http.get("/v1/lead-times", params=query)
    assert answer.status_code == 200, answer.text
    return {
        f["transition"]: {
            "count": f["count"]["value"],
            "p50": f["p50_days"],
            "p90": f["p90_days"],
            "max": f["max_days"],
        }
        for f in answer.json()["lead_times"]
    }


async def assert_figures_exact(
    platform: IsolatedPlatform,
    facts: list[Fact],
    figures: Iterable[str] = ("lead-times", "stepping-stones"),
    filters: Iterable[dict[str, str]] = ({},),
) -> None:
    """Every count the read API shows of `figures` under each of `filters` equals the
    reference's (`compare_figures`), and so does every value beside it."""
    asked, under = set(figures), list(filters)
    settings = platform.settings()
    comparison = await compare_figures(
        settings.database_url,
        settings.database_schema,
        facts,
        lambda figure: under if figure in asked else [],
    )
    assert comparison.compared == len(asked) * len(under)
    assert not comparison.disagreements, comparison.disagreements[0]


# --- the tests ----------------------------------------------------------------------------------


async def test_events_in_figures_out_exactly_with_filters(platform: IsolatedPlatform) -> None:
    events = chain(platform, cases=400, seed=5)
    await publish(platform, events)
    async with projecting(platform):
        await wait_projected(platform, len(events))

    assert sql(platform, "SELECT count(*) FROM facts") == len(events)
    facts = distinct(events)
    await assert_figures_exact(platform, facts)
    filters = [
        {"municipality": "GM0164"},
        {"legal_framework": "gedwongen"},
        {"from": "2025-04-01", "to": "2025-06-30"},
    ]
    await assert_figures_exact(platform, facts, ["lead-times"], filters)
    for query in filters:
        figures = Reference(facts, query).lead_times()
        assert any(f["count"] for f in figures.values()), "the filter leaves something to show"
    # small cells are suppressed: one gemeente, one quarter with a small cell
    narrowest = [
        {"municipality": gemeente, "from": q.first.isoformat(), "to": q.last.isoformat()}
        for gemeente in GEMEENTEN
        for q in quarters(2025)
    ]
    few = next(
        query
        for query in narrowest
        if any(f["count"] is None for f in Reference(facts, query).lead_times().values())
    )
    await assert_figures_exact(platform, facts, ["lead-times"], [few])


async def test_the_same_events_delivered_twice_count_once(platform: IsolatedPlatform) -> None:
    events = chain(platform, cases=200, seed=7)
    # a relay that crashed after Kafka acknowledged republishes its batch with the same ids
    again = events[: len(events) // 2]
    await publish(platform, events + again)
    published = len(events) + len(again)
    async with projecting(platform):
        await wait_projected(platform, published)
    # and a replay of the same records, from positions lost, changes nothing either
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        connection.execute(f'DELETE FROM "{platform.schema}".positions')
    async with projecting(platform):
        await wait_projected(platform, published)
    assert sql(platform, "SELECT count(*) FROM facts") == len(events)
    facts = distinct(events)
    transfers = sql(platform, "SELECT coalesce(sum(transfers), 0) FROM youth_transfers")
    assert transfers == sum(kind == "transferred" for kind, *_ in facts)
    await assert_figures_exact(platform, facts)


async def test_out_of_order_arrival_across_topics_gives_the_right_lead_times(
    platform: IsolatedPlatform,
) -> None:
    events = chain(platform, cases=120, seed=11)
    async with projecting(platform):
        # placements and transfers first, then triage's decisions, toegang's last of all
        projected = 0
        for service in ("plaatsing", "triage", "toegang"):
            theirs = [e for e in events if e[0] == service]
            await publish(platform, theirs)
            projected += len(theirs)
            await wait_projected(platform, projected)
            if service == "plaatsing":
                assert sql(platform, "SELECT count(*) FROM cases WHERE kader IS NULL") > 0
    await assert_figures_exact(platform, distinct(events))
    wachttijd = (await lead_times(platform))["triage-decision-to-placement-start"]
    assert wachttijd["count"] is not None
    assert wachttijd["count"] >= SMALL_CELL


async def test_a_projection_killed_mid_batch_restarts_from_its_stored_positions(
    platform: IsolatedPlatform,
) -> None:
    events = chain(platform, cases=4_000, seed=13)
    await publish(platform, events)
    published = len(events)
    projection = ServiceProcess(
        "ketenmonitor", "projection", platform.environment(), f"{platform.prefix}-ketenmonitor"
    )
    projection.start()
    try:
        await wait_until(lambda: records_projected(platform) > 0, "a first batch committed")
        projection.kill()
        assert records_projected(platform) < published, "killed too late to prove anything"
        projection.start()
        await wait_projected(platform, published)
    finally:
        projection.stop()
    assert records_projected(platform) == published
    assert sql(platform, "SELECT count(*) FROM facts") == len(events)
    await assert_figures_exact(platform, distinct(events))


async def test_rebuild_replays_everything_into_a_fresh_schema_and_switches_over(
    platform: IsolatedPlatform,
) -> None:
    events = chain(platform, cases=300, seed=17)
    await publish(platform, events)
    published = len(events)
    async with projecting(platform):
        await wait_projected(platform, published)
    # the live tables drift (a bug in an older version, say); the rebuild starts from zero
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        connection.execute(f'DELETE FROM "{platform.schema}".youth_transfers')
        connection.execute(f'DELETE FROM "{platform.schema}".milestones')
    drifted = await lead_times(platform)
    assert not any(f["count"] for f in drifted.values()), "no milestones, no lead times"

    replayed = await rebuild(build_projection(platform.settings()), show_progress=False)

    assert replayed == published
    # the rebuilt tables come with the planner's statistics, for the first reads after it
    assert sql(
        platform,
        "SELECT count(*) FROM pg_stat_user_tables "
        f"WHERE schemaname = '{platform.schema}' AND last_analyze IS NOT NULL",
    ) == len(queries.TABLES)
    # every figure, those from the facts as much as those from the tables kept beside them
    await assert_figures_exact(platform, distinct(events), ANSWERS)
    assert any(f["count"] for f in (await lead_times(platform)).values())
    rebuild_schema = sql(
        platform,
        "SELECT count(*) FROM information_schema.schemata "
        f"WHERE schema_name = '{platform.schema}_rebuild'",
    )
    assert rebuild_schema == 0
    # a projection started after the switch carries on from the rebuilt positions
    more = chain(platform, cases=50, seed=19)
    await publish(platform, more)
    published += len(more)
    async with projecting(platform):
        await wait_projected(platform, published)
    await assert_figures_exact(platform, distinct(events + more))


async def test_a_live_projection_carries_on_from_the_rebuilt_positions(
    platform: IsolatedPlatform,
) -> None:
    events = chain(platform, cases=300, seed=23)
    await publish(platform, events)
    published = len(events)
    async with projecting(platform):
        await wait_projected(platform, published)
        replayed = await rebuild(build_projection(platform.settings()), show_progress=False)
        assert replayed == published
        more = chain(platform, cases=100, seed=29)
        await publish(platform, more)
        published += len(more)
        await wait_projected(platform, published)
        # positions that moved under it (here: lost) make the live projection seek to the
        # stored ones, here the beginning: it reads everything again and counts nothing twice
        with psycopg.connect(platform.infrastructure.database_url) as connection:
            connection.execute(f'DELETE FROM "{platform.schema}".positions')
        last = chain(platform, cases=20, seed=31)
        await publish(platform, last)
        published += len(last)
        await wait_projected(platform, published)
        more += last
    assert sql(platform, "SELECT count(*) FROM facts") == len(events) + len(more)
    await assert_figures_exact(platform, distinct(events + more))


async def test_a_moment_of_the_figures_sees_no_batch_committed_after_it_began(
    platform: IsolatedPlatform,
) -> None:
    """A family's answers are read at one moment: a batch the projection commits while they
    are read is in none of them, or their sums would not hold."""
    settings = platform.settings()
    writer = await store.connect(settings.database_url, settings.database_schema)
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    try:
        await store.create_schema(writer, settings.database_schema)
        source = TableFigures(pool)
        async with source.at_one_moment() as moment:
            before = (await moment.position(), await moment.extent())
            async with writer.transaction():  # a batch: its facts and the positions it reached
                await writer.execute(
                    """INSERT INTO facts (source, id, type, case_id, occurred_at, recorded_at,
                                          topic, partition, "offset", data)
                       VALUES ('test', '1', 'placement-started', $1, $2, $2, 't', 0, 0,
                               '{"provider": "12345678"}')""",
                    uuid4(),
                    datetime(2026, 3, 2, tzinfo=UTC),
                )
                await writer.execute("INSERT INTO positions VALUES ('t', 0, 1)")
            assert (await moment.position(), await moment.extent()) == before
            # side by side: the holder's connection, and those borrowed from the pool
            assert set(await asyncio.gather(*(moment.position() for _ in range(6)))) == {before[0]}
        assert await source.position() == 1
        assert type(await source.position()) is int  # not the sum's numeric
        assert (await source.extent()).providers == ("12345678",)
    finally:
        await pool.close()
        await writer.close()
