"""Erasure in the ketenmonitor (issue 7, crypto-shredding): a tombstone on the youths' keys topic
erases the youth's rows and leaves every figure as it was.

Over a generated chain with its youths' keys, alerts raised on a clock far ahead: a few youths
(several cases each, placed and transferred, with alerts) are erased. Every figure of the read
API, under every filter of the reference test, is the same after the erasure as before; no row
of any ketenmonitor table (the audit log of reads aside, append-only by law) names one of their
cases or pseudonyms; events of their cases that arrive after the erasure are projected
anonymised into the same anonymous cases; and a rebuild brings none of their rows back, only
their months stay sealed, as the independent reference without their keys says.
"""

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import CloudEvent
from ketenmonitor import store
from ketenmonitor.audit import TABLE as AUDIT_LOG
from ketenmonitor.main import build_alerts, build_projection, build_sweeper
from ketenmonitor.rebuild import rebuild
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import projecting
from tests.integration.test_ketenmonitor_reference import (
    Chain,
    api_figures,
    cloud_events,
    compare_figures,
    distinct,
    publish,
    publish_keys,
    wait_caught_up,
)

pytestmark = pytest.mark.integration

ERASED_YOUTHS = 6
FAR_AHEAD = datetime(2031, 1, 1, tzinfo=UTC)
"""The sweeper's clock: every open stage overdue, so the erased youths' cases have alerts."""


def youth_of(event: CloudEvent) -> str | None:
    youth = event.data.get("youth_pseudonym")
    return youth if isinstance(youth, str) else None


def chosen_youths(chain: Chain, rng: random.Random) -> list[str]:
    """Youths with more than one case and a transfer, whose figures an erasure must keep."""
    cases: dict[str, set[UUID]] = {}
    moved: Counter[str] = Counter()
    for _, event in chain.events:
        youth = youth_of(event)
        if youth is not None and event.caseid is not None:
            cases.setdefault(youth, set()).add(event.caseid)
            moved[youth] += event.type.endswith(".transferred")
    # in generation order (the pseudonyms are random, their order is not)
    candidates = [y for y, held in cases.items() if len(held) > 1 and moved[y]]
    return rng.sample(candidates, ERASED_YOUTHS)


def cases_of(chain: Chain, youths: Iterable[str]) -> set[UUID]:
    wanted = set(youths)
    return {e.caseid for _, e in chain.events if youth_of(e) in wanted and e.caseid is not None}


async def raise_alerts(platform: IsolatedPlatform) -> None:
    settings = platform.settings()
    alerts = build_alerts(settings)
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await build_sweeper(settings, alerts, ControllableClock(FAR_AHEAD)).sweep(connection)
    finally:
        await connection.close()
        alerts.close()


async def traces(platform: IsolatedPlatform, needles: Sequence[str]) -> dict[str, int]:
    """Per column of every table of the schema but the audit log: the rows that hold one of
    the needles (in text, or in the bytes of a bytea column such as the alerts' events)."""
    connection = await asyncpg.connect(platform.infrastructure.database_url)
    found: dict[str, int] = {}
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = $1 AND table_name <> $2",
            platform.schema,
            AUDIT_LOG,
        )
        for table, column, kind in columns:
            value = f'"{column}"' if kind != "bytea" else f"encode(\"{column}\", 'escape')"
            hits = await connection.fetchval(
                f'SELECT count(*) FROM "{platform.schema}"."{table}" '
                f"WHERE {value}::text LIKE ANY (SELECT '%' || n || '%' FROM unnest($1::text[]) n)",
                list(needles),
            )
            if hits:
                found[f"{table}.{column}"] = hits
    finally:
        await connection.close()
    return found


async def count(platform: IsolatedPlatform, query: str) -> int:
    connection = await store.connect(platform.infrastructure.database_url, platform.schema)
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


async def test_an_erased_youth_leaves_no_row_and_every_figure_as_it_was_also_after_a_rebuild(
    platform: IsolatedPlatform,
) -> None:
    rng = random.Random(7)
    chain = cloud_events(platform, seed=77, cases=1_500)
    erased = chosen_youths(chain, rng)
    erased_cases = cases_of(chain, erased)
    # a few events of the erased cases arrive only after the erasure (no month among them:
    # a month arriving after its key is destroyed can never be read)
    late = [
        (service, event)
        for service, event in chain.events
        if event.caseid in erased_cases and not event.type.endswith(".placement-started")
    ][::3]
    assert late
    on_time = [pair for pair in chain.events if pair not in late]
    settings = platform.settings()
    database, schema = settings.database_url, settings.database_schema
    needles = [
        *erased,
        *(str(case) for case in erased_cases),
        *(case.hex for case in erased_cases),  # how the alerts' event store writes a UUID
    ]

    await publish_keys(platform, chain.keys.items())
    await publish(platform, on_time)
    async with projecting(platform):
        await wait_caught_up(platform)
        await raise_alerts(platform)
        assert await count(
            platform, f"SELECT count(*) FROM alerts WHERE case_id::text IN {in_list(erased_cases)}"
        ), "the erased youths' cases had alerts"
        assert await traces(platform, needles)
        before = await api_figures(database, schema)

        await publish_keys(platform, ((youth, None) for youth in erased))
        await wait_caught_up(platform)
        after = await api_figures(database, schema)
        assert after == before, [key for key in before if after[key] != before[key]][:3]
        assert await traces(platform, needles) == {}
        assert await count(platform, "SELECT count(*) FROM erased_cases") == len(erased_cases)
        assert await count(platform, "SELECT count(*) FROM erased_youths") == len(erased)

        await publish(platform, late)
        await wait_caught_up(platform)
    assert await traces(platform, needles) == {}
    # the late events joined their cases' anonymous rows: every figure as if all came at once
    compared, disagreements = await compare_figures(
        database, schema, distinct(chain.events, chain.keys)
    )
    assert compared >= 40
    assert not disagreements, disagreements[0]

    await rebuild(build_projection(settings), show_progress=False)
    assert await traces(platform, needles) == {}
    assert await count(platform, "SELECT count(*) FROM erased_cases") == len(erased_cases)
    # rebuilt, the erased youths' months stay sealed: the reference without their keys
    kept = {youth: key for youth, key in chain.keys.items() if youth not in erased}
    compared, disagreements = await compare_figures(database, schema, distinct(chain.events, kept))
    assert not disagreements, disagreements[0]


def in_list(cases: Iterable[UUID]) -> str:
    return "(" + ", ".join(f"'{case}'" for case in sorted(cases)) + ")"
