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
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.youth_keys import KeyRecord, YouthKey
from ketenmonitor.facts import PREFIX, Fact
from ketenmonitor.main import build_alerts, build_projection, build_sweeper
from ketenmonitor.privacy import erasure_store
from ketenmonitor.privacy.erasure_store import ErasureInBatch
from ketenmonitor.projection import store
from ketenmonitor.projection.rebuild import rebuild
from ketenmonitor.projection.store import Placed
from ketenmonitor.web.audit import TABLE as AUDIT_LOG
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor_reference import (
    Chain,
    api_figures,
    case_filters_of,
    cloud_events,
    compare_figures,
    distinct,
    publish,
    publish_keys,
    wait_caught_up,
)
from tests.support.projection import projecting
from tests.support.side_by_side import Batch, side_by_side

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
    counted: int = await value_of(platform, query)
    return counted


async def value_of(platform: IsolatedPlatform, query: str) -> Any:
    connection = await store.connect(platform.infrastructure.database_url, platform.schema)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


# every figure under every filter, four times, each answer protected with its family
@pytest.mark.timeout(300)
async def test_an_erased_youth_leaves_no_row_and_every_figure_as_it_was_also_after_a_rebuild(
    platform: IsolatedPlatform,
) -> None:
    rng = random.Random(7)
    chain = cloud_events(platform, seed=77, cases=600)
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
    # a case none of whose facts before the erasure names its youth (a measure's, say) is
    # not known as the youth's until a late fact names it, and erased then
    known = {e.caseid for _, e in on_time if "youth_pseudonym" in e.data} & erased_cases
    known_needles = [
        *erased,
        *(str(case) for case in known),
        *(case.hex for case in known),
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
        before = await api_figures(database, schema, case_filters_of)

        await publish_keys(platform, ((youth, None) for youth in erased))
        await wait_caught_up(platform)
        after = await api_figures(database, schema, case_filters_of)
        assert after == before, [key for key in before if after[key] != before[key]][:3]
        assert await traces(platform, known_needles) == {}
        assert await count(platform, "SELECT count(*) FROM erased_cases") == len(known)
        assert await count(platform, "SELECT count(*) FROM erased_youths") == len(erased)

        await publish(platform, late)
        await wait_caught_up(platform)
    assert await traces(platform, needles) == {}
    # the late events joined their cases' anonymous rows: every figure as if all came at once
    comparison = await compare_figures(
        database, schema, distinct(chain.events, chain.keys), case_filters_of
    )
    assert comparison.compared >= 40
    assert not comparison.disagreements, comparison.disagreements[0]

    await rebuild(build_projection(settings), show_progress=False)
    assert await traces(platform, needles) == {}
    assert await count(platform, "SELECT count(*) FROM erased_cases") == len(erased_cases)
    # rebuilt, the erased youths' months stay sealed: the reference without their keys
    kept = {youth: key for youth, key in chain.keys.items() if youth not in erased}
    comparison = await compare_figures(
        database, schema, distinct(chain.events, kept), case_filters_of
    )
    assert not comparison.disagreements, comparison.disagreements[0]


def in_list(cases: Iterable[UUID]) -> str:
    return "(" + ", ".join(f"'{case}'" for case in sorted(cases)) + ")"


# --- two instances of a group, side by side -----------------------------------------------------


async def prepared(platform: IsolatedPlatform) -> None:
    connection = await store.connect(platform.infrastructure.database_url, platform.schema)
    try:
        await store.create_schema(connection, platform.schema)
        await erasure_store.create_tables(connection, platform.schema)
    finally:
        await connection.close()


def started(key: YouthKey, case: UUID, month: str | None = None) -> Fact:
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    data = {"case_id": str(case), "youth_pseudonym": key.pseudonym, "occurred_at": at.isoformat()}
    return Fact(
        source="urn:nld:oin:00000001823288444000:systeem:jeugdketen-plaatsing",
        id=str(uuid4()),
        type=PREFIX + "plaatsing.placement-started",
        case_id=case,
        occurred_at=at,
        recorded_at=at,
        data={**data, "turns_eighteen_in": key.seal(month) if month else None},
    )


def apply(platform: IsolatedPlatform, placed: Placed) -> Batch:
    return lambda connection: store.apply(connection, [placed], {}, ErasureInBatch(platform.schema))


async def test_a_key_and_a_month_sealed_under_it_in_two_instances_batches_meet(
    platform: IsolatedPlatform,
) -> None:
    """One instance stores a youth's key while another stores a month sealed under it: the
    second waits for the first (the youth's lock), then unseals with the key it committed.
    Without the lock each missed the other, and the month stayed held for good."""
    key, case = YouthKey.generate(), uuid4()
    await prepared(platform)
    await side_by_side(
        platform.infrastructure.database_url,
        platform.schema,
        apply(platform, Placed("keys", 0, 0, None, KeyRecord(key.pseudonym, key))),
        apply(platform, Placed("plaatsing.events", 0, 0, started(key, case, "2027-03"))),
    )
    month = await value_of(
        platform, f"SELECT data->>'turns_eighteen_in' FROM facts WHERE case_id = '{case}'"
    )
    assert month == "2027-03"


async def test_a_youths_new_case_in_one_instance_beside_its_erasure_in_another_is_erased(
    platform: IsolatedPlatform,
) -> None:
    """One instance erases a youth while another stores the first fact of a new case of the
    youth: the second waits (the erasure's exclusive lock), then finds the youth erased and
    stores the case anonymised. Without the lock it stored the case in the clear."""
    key, known, new = YouthKey.generate(), uuid4(), uuid4()
    await prepared(platform)
    connection = await store.connect(platform.infrastructure.database_url, platform.schema)
    try:
        await apply(platform, Placed("plaatsing.events", 1, 0, started(key, known)))(connection)
    finally:
        await connection.close()
    await side_by_side(
        platform.infrastructure.database_url,
        platform.schema,
        apply(platform, Placed("keys", 0, 0, None, KeyRecord(key.pseudonym, None))),
        apply(platform, Placed("plaatsing.events", 0, 0, started(key, new))),
    )
    assert await traces(platform, [key.pseudonym, str(known), str(new)]) == {}
    assert await count(platform, "SELECT count(*) FROM erased_cases") == 2
    assert await count(platform, "SELECT count(DISTINCT youth_pseudonym) FROM cases") == 1
