"""Two ketenmonitor projection instances in one consumer group share the partitions of the
three events topics and still give exact figures, also when one of them stops mid-stream and
the other takes its partitions over in the rebalance.

Exact means: every figure of the read API equals the independent reference of
test_ketenmonitor_reference.py, and every stage (the alerts' deadlines) equals the one computed
from all of a case's events at once, although a case's events lie on three topics whose
partitions the two instances project side by side.
"""

import asyncio
import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.settings import kafka_client_options
from jeugdketen_shared.youth_keys import YouthKey
from ketenmonitor.alerts import store as alert_store
from ketenmonitor.alerts.rules import CaseEvent, load_rules, stages_of, stepping_stones_of
from ketenmonitor.facts import PREFIX, Fact
from ketenmonitor.figures.placements import Move, PlacementEvent
from ketenmonitor.main import build_projection
from ketenmonitor.privacy import erasure_store
from ketenmonitor.privacy.erasure_store import ErasureInBatch
from ketenmonitor.projection import store
from ketenmonitor.projection.consumer import Projection
from ketenmonitor.projection.store import Placed
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor_reference import (
    case_filters_of,
    cloud_events,
    compare_figures,
    distinct,
    moves_by_youth,
    publish,
    publish_keys,
    wait_caught_up,
)
from tests.support.side_by_side import Batch, side_by_side
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

BATCH = 200
"""Small batches: many transactions of both instances interleave."""


def instance(platform: IsolatedPlatform, group: str) -> Projection:
    return dataclasses.replace(
        build_projection(platform.settings()), max_records=BATCH, group_id=group
    )


def counting(applied: Counter[str], name: str) -> Callable[[int], None]:
    def count(records: int) -> None:
        applied[name] += records

    return count


def expected_stages(
    events: list[tuple[str, CloudEvent]], keys: Mapping[str, YouthKey]
) -> set[tuple[object, ...]]:
    """Every case's stages from all its events at once, and every youth's from all the youth's
    moves (the reference's) and placements at once (the rules' pure evaluation)."""
    rules, facts = load_rules(), distinct(events, keys)
    per_case: dict[UUID, list[CaseEvent]] = {}
    placed: dict[str, list[PlacementEvent]] = defaultdict(list)
    for kind, case, at, data in facts:
        if case is not None:
            full = next(t for _, e in events if (t := e.type).endswith(f".{kind}"))
            short = full.removeprefix(PREFIX)
            per_case.setdefault(case, []).append(CaseEvent.of(short, at, data))
            if kind in ("placement-started", "transferred", "placement-ended"):
                placed[data["youth_pseudonym"]].append(PlacementEvent(case, short, at))
    moves = moves_by_youth(facts)
    stages = [s for case, held in per_case.items() for s in stages_of(case, held, rules)]
    stages += [
        s
        for youth, held in placed.items()
        for s in stepping_stones_of(
            [Move(case, at) for at, case, _, _ in moves[youth] if case is not None], held, rules
        )
    ]
    # in UTC as stored: a deadline kept at its wall-clock time may fall in the summer-time
    # gap, and such a moment never equals one of another zone (PEP 495)
    return {
        (s.case_id, s.rule, s.started_at, s.deadline_at.astimezone(UTC), s.closed_at)
        for s in stages
    }


async def settled_members(bootstrap_servers: str, group: str) -> int:
    """The members of the group once it is stable (no rebalance going on), else 0."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafka_client_options())
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    ((_, _, state, _, _, members),) = response.groups
    return len(members) if state == "Stable" else 0


async def stored_stages(platform: IsolatedPlatform) -> set[tuple[object, ...]]:
    connection = await asyncpg.connect(
        platform.infrastructure.database_url, server_settings={"search_path": platform.schema}
    )
    try:
        rows = await connection.fetch(
            "SELECT case_id, rule, started_at, deadline_at, closed_at FROM stages"
        )
    finally:
        await connection.close()
    return {tuple(row.values()) for row in rows}


# every figure under every filter, each answer protected with its family
@pytest.mark.timeout(300)
async def test_two_instances_in_one_group_give_exact_figures_through_a_rebalance(
    platform: IsolatedPlatform,
) -> None:
    rng = random.Random(8)
    chain = cloud_events(platform, seed=88, cases=3_000)
    events = chain.events
    twice = rng.sample(events, len(events) // 50)  # a relay republishing after a crash
    backlog = events[: len(events) * 2 // 3] + twice
    later = events[len(events) * 2 // 3 :]
    rng.shuffle(backlog)

    group = f"{platform.prefix}.ketenmonitor"
    applied: Counter[str] = Counter()
    stopping = {"a": asyncio.Event(), "b": asyncio.Event()}
    running = {
        name: asyncio.create_task(
            instance(platform, group).run(stopping[name], applied=counting(applied, name))
        )
        for name in ("a", "b")
    }
    try:
        bootstrap = platform.infrastructure.kafka_bootstrap_servers
        async with asyncio.timeout(60):
            while await settled_members(bootstrap, group) != 2:  # noqa: ASYNC110 (the broker's state)
                await asyncio.sleep(0.1)
        # both share the backlog; b stops mid-stream, a takes its partitions over
        await publish_keys(platform, chain.keys.items())
        await publish(platform, backlog)
        await wait_until(
            lambda: min(applied["a"], applied["b"]) >= 4 * BATCH,
            f"both instances projecting: {applied}",
        )
        stopping["b"].set()
        async with asyncio.timeout(30):
            await running["b"]
        assert applied.total() < len(backlog), "b stopped after the backlog was done"
        await publish(platform, later)
        await wait_caught_up(platform)
        for task in running.values():
            if task.done():
                task.result()  # an instance that failed fails the test with its error
    finally:
        for name, task in running.items():
            stopping[name].set()
            async with asyncio.timeout(30):
                await task

    facts = distinct(events, chain.keys)
    settings = platform.settings()
    comparison = await compare_figures(
        settings.database_url, settings.database_schema, facts, case_filters_of
    )
    assert comparison.compared >= 40
    assert not comparison.disagreements, comparison.disagreements[0]
    stages, expected = await stored_stages(platform), expected_stages(events, chain.keys)
    assert len(expected) > 100
    assert stages == expected, (
        sorted(stages - expected, key=str)[:3],
        sorted(expected - stages, key=str)[:3],
    )


def fact(case: UUID, kind: str, at: datetime) -> Fact:
    return Fact(
        source="urn:nld:oin:00000001823288444000:systeem:jeugdketen-toegang",
        id=str(uuid4()),
        type=PREFIX + kind,
        case_id=case,
        occurred_at=at,
        recorded_at=at,
        data={"case_id": str(case), "occurred_at": at.isoformat()},
    )


async def test_two_batches_recording_one_case_at_once_see_each_others_facts(
    platform: IsolatedPlatform,
) -> None:
    """A case's referral and toegang's decision in two instances' batches at the same moment:
    the second waits for the first's commit (the case's lock), then recomputes the stage from
    both facts. Without the lock each saw only its own fact, and the stage stayed open."""
    url, rules, now = platform.infrastructure.database_url, load_rules(), datetime.now(UTC)
    case, referred = uuid4(), datetime(2026, 1, 5, 9, tzinfo=UTC)
    decided = referred + timedelta(days=3)
    connection = await store.connect(url, platform.schema)
    try:
        await store.create_schema(connection, platform.schema)
        await erasure_store.create_tables(connection, platform.schema)
        await alert_store.create_tables(connection)
    finally:
        await connection.close()

    def record(batch: Fact, partition: int) -> Batch:
        async def recording(connection: asyncpg.Connection) -> None:
            placed = [Placed("toegang.events", partition, 0, batch)]
            await store.apply(connection, placed, {}, ErasureInBatch(platform.schema))
            await alert_store.record_stages(connection, [batch], rules, now)

        return recording

    await side_by_side(
        url,
        platform.schema,
        record(fact(case, "toegang.referral-received", referred), 0),
        record(fact(case, "toegang.toegang-decided", decided), 1),
    )
    connection = await store.connect(url, platform.schema)
    try:
        closed = await connection.fetchval(
            "SELECT closed_at FROM stages WHERE case_id = $1 AND rule = $2",
            case,
            "referral-to-toegang-decision",
        )
    finally:
        await connection.close()
    assert closed == decided
