"""Retention on the real PostgreSQL and Kafka (issue 7): the job removes what is older than its
period and nothing younger, leaves the figures as they were, removes nothing more when run
again, runs as `python -m ketenmonitor retention` and in the background of the ketenmonitor;
the audit log still refuses every other delete; the rejected topics are created with the
configured retention; a youth whose care ended longer ago than the period is anonymised and
every figure stays as it was."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from jeugdketen_shared.clock import ControllableClock
from ketenmonitor.alerts import store as alert_store
from ketenmonitor.alerts.application import Alerts, UnknownAlert
from ketenmonitor.alerts.domain import ResolutionReason
from ketenmonitor.alerts.metrics import OpenAlerts
from ketenmonitor.alerts.rules import alert_id, load_rules
from ketenmonitor.alerts.sweeper import Sweeper
from ketenmonitor.facts import PREFIX, TOEGANG_DECIDED
from ketenmonitor.figures.time_in_chain import LEAVING_DECISIONS, LEAVING_TYPES
from ketenmonitor.main import build_alerts, build_retention, create_tables, serve
from ketenmonitor.privacy.retention import Removed
from ketenmonitor.projection import store
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web import audit
from tests.conftest import IsolatedPlatform
from tests.integration.test_erasure_ketenmonitor import traces
from tests.integration.test_ketenmonitor_reference import (
    Chain,
    api_figures,
    case_filters_of,
    cloud_events,
    publish,
    publish_keys,
    wait_caught_up,
)
from tests.support.kafka import delete_topics
from tests.support.projection import projecting

pytestmark = pytest.mark.integration

YEAR = timedelta(days=365)
RULE = load_rules()[0]


def monitor_settings(**environment: str) -> MonitorSettings:
    return MonitorSettings(**environment)  # type: ignore[arg-type]  # by alias, as from the env


@asynccontextmanager
async def connected(platform: IsolatedPlatform) -> AsyncIterator[asyncpg.Connection]:
    connection = await store.connect(platform.infrastructure.database_url, platform.schema)
    try:
        await create_tables(connection, platform.schema)
        yield connection
    finally:
        await connection.close()


async def insert_reads(connection: asyncpg.Connection, *ages: timedelta) -> None:
    """One read of a case per age, read that long before the database's now."""
    for age in ages:
        await connection.execute(
            f"INSERT INTO {audit.TABLE} (read_at, user_name, role, route, case_ids, alert_ids) "
            "VALUES (now() - $1::interval, 'anna', 'werkgroep', '/v1/alerts/{alert_id}', "
            "ARRAY[$2::uuid], '{}')",
            age,
            uuid4(),
        )


async def read_ages(connection: asyncpg.Connection) -> list[int]:
    """The reads left, as whole days before now, oldest first."""
    rows = await connection.fetch(
        f"SELECT extract(day FROM now() - read_at)::int AS days FROM {audit.TABLE} ORDER BY 1 DESC"
    )
    return [row["days"] for row in rows]


async def test_the_audit_log_lets_only_the_job_delete_and_only_reads_older_than_the_period(
    platform: IsolatedPlatform,
) -> None:
    period = timedelta(days=30)
    async with connected(platform) as connection:
        await insert_reads(connection, timedelta(days=400), timedelta(days=31), timedelta(days=29))

        for statement in (
            f"DELETE FROM {audit.TABLE}",
            f"DELETE FROM {audit.TABLE} WHERE read_at < now() - interval '30 days'",
            f"UPDATE {audit.TABLE} SET user_name = 'bert'",
            f"TRUNCATE {audit.TABLE}",
        ):
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await connection.execute(statement)
        with pytest.raises(asyncpg.RaiseError, match="must be positive"):
            await audit.purge(connection, timedelta(0))
        assert await read_ages(connection) == [400, 31, 29]

        assert await audit.purge(connection, period) == 2
        assert await read_ages(connection) == [29]
        assert await audit.purge(connection, period) == 0
        # the purge's moment does not outlive it: an ordinary delete is refused again
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await connection.execute(f"DELETE FROM {audit.TABLE}")


async def raise_alert(alerts: Alerts, connection: asyncpg.Connection, raised: datetime) -> UUID:
    """An alert of a case of its own, raised at `raised`, with its stage and index row as the
    sweeper leaves them."""
    case = uuid4()
    assert alerts.raise_alert(
        case_id=case,
        rule=RULE,
        gemeente_code="GM0153",
        started_at=raised - timedelta(days=7),
        deadline_at=raised,
        at=raised,
    )
    stage = alert_store.DueStage(case, RULE.name, raised - timedelta(days=7), raised, "GM0153")
    await connection.execute(
        "INSERT INTO stages (case_id, rule, started_at, deadline_at, recorded_at) "
        "VALUES ($1, $2, $3, $4, $3)",
        case,
        RULE.name,
        stage.started_at,
        stage.deadline_at,
    )
    await alert_store.mark_alerted(
        connection, alert_id(case, RULE.name), stage, RULE.severity.value, raised
    )
    return alert_id(case, RULE.name)


def open_alerts(alerts: Alerts) -> float:
    [family] = OpenAlerts(alerts).collect()
    return sum(sample.value for sample in family.samples)


async def test_resolved_alerts_older_than_the_period_go_with_their_history_and_no_more(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC)
    settings = platform.settings()
    monitor = monitor_settings(JEUGDKETEN_RETENTION_ALERTS_DAYS="730")
    alerts = build_alerts(settings)
    try:
        async with connected(platform) as connection:
            resolved_long_ago = await raise_alert(alerts, connection, now - 3 * YEAR)
            then = now - 3 * YEAR + timedelta(days=1)
            alerts.acknowledge(resolved_long_ago, "anna", then)
            alerts.comment(resolved_long_ago, "anna", then, "Gezin verhuist")
            alerts.resolve(resolved_long_ago, "anna", then, ResolutionReason.OPGEPAKT, None)
            closed_by_itself = await raise_alert(alerts, connection, now - 3 * YEAR)
            alerts.auto_resolve(closed_by_itself, now - 3 * YEAR, now - 3 * YEAR)
            # raised long ago, but resolved within the period: kept
            resolved_lately = await raise_alert(alerts, connection, now - 3 * YEAR)
            alerts.resolve(resolved_lately, "bert", now - YEAR, ResolutionReason.ANDERS, "Dubbel")
            still_open = await raise_alert(alerts, connection, now - 3 * YEAR)
            open_before = open_alerts(alerts)

            retention = build_retention(settings, alerts, monitor, ControllableClock(now))
            assert await retention.enforce() == Removed(
                audit_reads=0,
                resolved_alerts=2,
                alert_events=4 + 2,
                anonymised_youths=0,
                anonymised_cases=0,
            )
            for gone in (resolved_long_ago, closed_by_itself):
                with pytest.raises(UnknownAlert):
                    alerts.get(gone)
            assert alerts.get(resolved_lately).status.value == "afgehandeld"
            assert alerts.get(still_open).status.value == "open"
            index = {row["alert_id"] for row in await connection.fetch("SELECT * FROM alerts")}
            assert index == {resolved_lately, still_open}
            assert open_alerts(alerts) == open_before == 1
            assert await retention.enforce() == Removed(0, 0, 0, 0, 0)

            # the removed alerts' stages close now: the sweeper neither raises nor resolves
            # them again, and does not stumble on the alerts that are gone
            await connection.execute("UPDATE stages SET closed_at = $1", now)
            sweeper = Sweeper(
                alerts, settings.database_url, platform.schema, [RULE], retention.clock
            )
            raised, auto_resolved = await sweeper.sweep(connection)
            assert (raised, auto_resolved) == (0, 1)  # the open one, closed by its stage
            assert alerts.get(still_open).status.value == "vanzelf-afgehandeld"
    finally:
        alerts.close()


def run_retention_command(platform: IsolatedPlatform, **environment: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ketenmonitor", "retention"],
        env={**os.environ, **platform.environment(), **environment},
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode()


async def test_the_retention_command_prints_its_counts_per_kind(platform: IsolatedPlatform) -> None:
    async with connected(platform) as connection:
        await insert_reads(connection, 2 * YEAR, 2 * YEAR, timedelta(days=1))
    period = {"JEUGDKETEN_RETENTION_AUDIT_DAYS": "365"}

    first = await asyncio.to_thread(run_retention_command, platform, **period)
    again = await asyncio.to_thread(run_retention_command, platform, **period)

    kinds = ("resolved alerts", "alert events", "anonymised youths", "anonymised cases")
    assert first.splitlines() == ["audit reads: 2", *(f"{kind}: 0" for kind in kinds)]
    assert again.splitlines() == ["audit reads: 0", *(f"{kind}: 0" for kind in kinds)]
    async with connected(platform) as connection:
        assert await read_ages(connection) == [1]


async def test_the_ketenmonitor_enforces_retention_in_the_background(
    platform: IsolatedPlatform,
) -> None:
    monitor = monitor_settings(
        JEUGDKETEN_RETENTION_AUDIT_DAYS="30", JEUGDKETEN_RETENTION_INTERVAL_SECONDS="0.1"
    )
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(platform.settings(), "sweeper", stopping, monitor))
    try:
        async with connected(platform) as connection:
            await insert_reads(connection, timedelta(days=31), timedelta(days=29))
            async with asyncio.timeout(30):
                # the job's state is in another task's database writes: polled, briefly
                while await read_ages(connection) != [29]:
                    assert not task.done(), "the ketenmonitor stopped"
                    await asyncio.sleep(0.05)
    finally:
        stopping.set()
        async with asyncio.timeout(30):
            await task


async def test_the_rejected_topics_are_created_with_the_configured_retention(
    platform: IsolatedPlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    from kafka_topics import check, ensure, load_topics  # deploy/local, put on the path by
    # tests.support.kafka

    bootstrap = platform.infrastructure.kafka_bootstrap_servers
    prefix = f"{platform.prefix}-registry"
    rejected = [spec for spec in load_topics("local") if ".rejected" in spec.name]
    [configured] = {spec.config["retention.ms"] for spec in rejected}  # one period for all
    assert int(configured) == int(timedelta(days=30) / timedelta(milliseconds=1))
    specs = [
        type(spec)(prefix + spec.name.removeprefix("jeugdketen"), 1, 1, spec.config)
        for spec in rejected
    ]
    try:
        await ensure(bootstrap, specs, timeout_s=30)
        # the registry's own check, the broker's configuration against the file's, once the
        # broker's metadata lists every new topic (polled: it follows the creation)
        async with asyncio.timeout(30):
            capsys.readouterr()
            while not await check(bootstrap, specs, timeout_s=30):
                capsys.readouterr()
                await asyncio.sleep(0.1)
        report = capsys.readouterr().out.splitlines()
    finally:
        await delete_topics(bootstrap, [s.name for s in specs])
    assert sorted(report) == sorted(
        f"ok       {s.name} partitions=1 retention.ms={configured}" for s in specs
    )


def ended_before(chain: Chain, cutoff: datetime) -> dict[str, set[UUID]]:
    """The reference, from the generated events: the youths each of whose cases left the chain
    and had its last event before `cutoff`, with their cases."""
    youths: dict[UUID, str] = {}
    """Each case's youth: one per case in the generated chain."""
    last: dict[UUID, datetime] = {}
    left: set[UUID] = set()
    for _, event in chain.events:
        case, data = event.caseid, event.data
        if case is None:
            continue
        youth = data.get("youth_pseudonym")
        if isinstance(youth, str):
            youths.setdefault(case, youth)
        at = datetime.fromisoformat(data["occurred_at"])
        last[case] = max(last.get(case, at), at)
        short = event.type.removeprefix(PREFIX)
        if short in LEAVING_TYPES or (
            short == TOEGANG_DECIDED and data.get("decision") in LEAVING_DECISIONS
        ):
            left.add(case)
    cases: dict[str, set[UUID]] = {}
    for case, youth in youths.items():
        cases.setdefault(youth, set()).add(case)
    return {
        youth: held
        for youth, held in cases.items()
        if all(case in left and last[case] < cutoff for case in held)
    }


async def test_youths_whose_care_ended_before_the_period_are_anonymised_and_count_as_before(
    platform: IsolatedPlatform,
) -> None:
    chain = cloud_events(platform, seed=41, cases=600)
    cutoff = datetime(2025, 10, 1, tzinfo=UTC)
    ended = ended_before(chain, cutoff)
    kept = {youth for _, e in chain.events if (youth := e.data.get("youth_pseudonym"))} - set(ended)
    assert len(ended) > 20, "some youths' care ended before the cut-off"
    assert len(kept) > 20, "others' did not"
    gone = [*ended, *(str(case) for held in ended.values() for case in held)]
    settings = platform.settings()
    database, schema = settings.database_url, settings.database_schema
    monitor = monitor_settings(JEUGDKETEN_RETENTION_CASES_DAYS="730")
    alerts = build_alerts(settings)
    try:
        await publish_keys(platform, chain.keys.items())
        await publish(platform, chain.events)
        async with projecting(platform):
            await wait_caught_up(platform)
            before = await api_figures(database, schema, case_filters_of)
            assert await traces(platform, gone)
            clock = ControllableClock(cutoff + timedelta(days=730))
            retention = build_retention(settings, alerts, monitor, clock)

            removed = await retention.enforce()

            assert (removed.anonymised_youths, removed.anonymised_cases) == (
                len(ended),
                sum(len(held) for held in ended.values()),
            )
            assert await traces(platform, gone) == {}
            assert await traces(platform, sorted(kept)), "the others' rows are as they were"
            after = await api_figures(database, schema, case_filters_of)
            assert after == before, [key for key in before if after[key] != before[key]][:3]
            assert await retention.enforce() == Removed(0, 0, 0, 0, 0)
    finally:
        alerts.close()
