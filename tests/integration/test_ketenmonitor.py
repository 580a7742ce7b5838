"""The ketenmonitor over real Kafka and PostgreSQL: domain events in as the relays publish them,
figures out, checked against a simple computation straight from the published events."""

import math
import random
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.contracts import plaatsing, toegang, triage
from jeugdketen_shared.contracts.base import DomainEventData
from jeugdketen_shared.kafka import create_producer, send_all
from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.linked import quarters
from ketenmonitor.figures.source import TableFigures
from ketenmonitor.main import build_projection
from ketenmonitor.projection import queries, store
from ketenmonitor.projection.rebuild import rebuild
from tests.conftest import IsolatedPlatform
from tests.support import suppressed
from tests.support.projection import projecting
from tests.support.services import ServiceProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GEMEENTEN = ("GM0153", "GM0164", "GM0141")
START = datetime(2025, 1, 6, 9, tzinfo=UTC)
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


def chain_of_cases(
    platform: IsolatedPlatform, cases: int, seed: int = 5, transfers_up_to: int = 12
) -> list[Published]:
    """Cases through the chain, some by the gedwongen kader route, with varied lead times."""
    rng = random.Random(seed)
    events: list[Published] = []

    def at(start: datetime, max_days: int) -> datetime:
        return start + timedelta(seconds=rng.randrange(1, max_days * 86_400))

    for _ in range(cases):
        case, youth = uuid4(), secrets.token_hex(32)
        gemeente, kader = rng.choice(GEMEENTEN), rng.choice(("vrijwillig", "gedwongen"))
        moment = at(START, 300)
        if kader == "gedwongen" and rng.random() < 0.7:
            melding = moment
            events.append(
                as_published(
                    platform,
                    "toegang",
                    toegang.VeiligThuisMeldingReceived(
                        case_id=case,
                        occurred_at=melding,
                        youth_pseudonym=youth,
                        gemeente_code=gemeente,
                    ),
                )
            )
            moment = at(melding, 12)
            events.append(
                as_published(
                    platform,
                    "toegang",
                    toegang.SafetyAssessed(case_id=case, occurred_at=moment, outcome="onveilig"),
                )
            )
            requested = at(moment, 5)
            events.append(
                as_published(
                    platform,
                    "toegang",
                    toegang.RvdkInvestigationRequested(
                        case_id=case,
                        occurred_at=requested,
                        youth_pseudonym=youth,
                        gemeente_code=gemeente,
                    ),
                )
            )
            events.append(
                as_published(
                    platform,
                    "toegang",
                    toegang.RvdkInvestigationStarted(case_id=case, occurred_at=at(requested, 30)),
                )
            )
            moment = at(requested, 90)
            events.append(
                as_published(
                    platform,
                    "toegang",
                    toegang.ProtectionMeasureImposed(
                        case_id=case, occurred_at=moment, measure="ots", previous_measure=None
                    ),
                )
            )
        referred = at(moment, 3)
        events.append(
            as_published(
                platform,
                "toegang",
                toegang.ReferralReceived(
                    case_id=case,
                    occurred_at=referred,
                    youth_pseudonym=youth,
                    gemeente_code=gemeente,
                    verwijzer="huisarts",
                    kader=kader,
                ),
            )
        )
        if rng.random() < 0.1:
            continue  # not decided yet
        decided = at(referred, 40)
        forwarded = rng.random() < 0.8
        events.append(
            as_published(
                platform,
                "toegang",
                toegang.ToegangDecided(
                    case_id=case,
                    occurred_at=decided,
                    decision="gezamenlijke-triage" if forwarded else "lokale-basishulp",
                    youth_pseudonym=youth,
                    gemeente_code=gemeente,
                    kader=kader,
                ),
            )
        )
        if not forwarded:
            continue
        triaged = at(decided, 30)
        events.append(
            as_published(
                platform,
                "triage",
                triage.TriageDecided(
                    case_id=case,
                    occurred_at=triaged,
                    youth_pseudonym=youth,
                    gemeente_code=gemeente,
                    kader=kader,
                    recommended_care_form="gezinshuis",
                    urgency="regulier",
                    responsible_providers=("12345678",),
                ),
            )
        )
        if rng.random() < 0.15:
            continue  # still waiting
        placed = at(triaged, 120)
        events.append(
            as_published(
                platform,
                "plaatsing",
                plaatsing.PlacementStarted(
                    case_id=case,
                    occurred_at=placed,
                    youth_pseudonym=youth,
                    gemeente_code=gemeente,
                    provider="12345678",
                    care_form="gezinshuis",
                    location_gemeente_code=gemeente,
                    recommended_care_form="gezinshuis",
                    advice_binding=False,
                    deviates_from_advice=False,
                    deviation_reason=None,
                    crisis_without_triage=False,
                ),
            )
        )
        moved = placed
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3, rng.randrange(4, transfers_up_to + 1)])):
            moved = at(moved, 60)
            events.append(
                as_published(
                    platform,
                    "plaatsing",
                    plaatsing.Transferred(
                        case_id=case,
                        occurred_at=moved,
                        youth_pseudonym=youth,
                        from_provider="12345678",
                        from_care_form="gezinshuis",
                        to_provider="87654321",
                        to_care_form="pleegzorg",
                        to_location_gemeente_code=gemeente,
                        reason="capaciteit",
                        deviation_reason=None,
                    ),
                )
            )
    return events


async def publish_events(platform: IsolatedPlatform, events: Iterable[Published]) -> int:
    by_topic: dict[str, list[Any]] = {}
    for published in events:
        topic = platform.topic(published.service, "events")
        by_topic.setdefault(topic, []).append(encode(published.event))
    producer = create_producer(platform.infrastructure.kafka_bootstrap_servers)
    await producer.start()
    try:
        for topic, records in by_topic.items():
            await send_all(producer, topic, records)
    finally:
        await producer.stop()
    return sum(len(records) for records in by_topic.values())


# --- the reference: figures straight from the published events ----------------------------------

TRANSITIONS = {
    "referral-to-toegang-decision": ("referral-received", "toegang-decided"),
    "toegang-decision-to-triage-decision": ("toegang-decided", "triage-decided"),
    "triage-decision-to-placement-start": ("triage-decided", "placement-started"),
    "melding-to-safety-assessment": ("veilig-thuis-melding-received", "safety-assessed"),
    "rvdk-request-to-rvdk-start": ("rvdk-investigation-requested", "rvdk-investigation-started"),
    "rvdk-request-to-measure": ("rvdk-investigation-requested", "protection-measure-imposed"),
}


def occurred(event: CloudEvent) -> datetime:
    return datetime.fromisoformat(event.data["occurred_at"])


def reference_lead_times(
    events: Iterable[Published],
    from_: date | None = None,
    to: date | None = None,
    gemeente: str | None = None,
    kader: str | None = None,
) -> dict[str, dict[str, Any]]:
    unique = {(p.event.source, p.event.id): p.event for p in events}.values()
    first: dict[tuple[str, str], datetime] = {}
    named: dict[tuple[str, str], tuple[datetime, str]] = {}
    for event in unique:
        case, kind, moment = event.data["case_id"], event.type.rsplit(".", 1)[1], occurred(event)
        first[case, kind] = min(first.get((case, kind), moment), moment)
        for field in ("gemeente_code", "kader"):
            if field in event.data:
                value = (moment, event.data[field])
                named[case, field] = min(named.get((case, field), value), value)
    cases = {case for case, _ in first}
    figures = {}
    for name, (start, end) in TRANSITIONS.items():
        durations = sorted(
            first[c, end] - first[c, start]
            for c in cases
            if (c, start) in first
            and (c, end) in first
            and first[c, end] >= first[c, start]
            and (from_ is None or first[c, end].astimezone(AMSTERDAM).date() >= from_)
            and (to is None or first[c, end].astimezone(AMSTERDAM).date() <= to)
            and (gemeente is None or named.get((c, "gemeente_code"), (0, None))[1] == gemeente)
            and (kader is None or named.get((c, "kader"), (0, None))[1] == kader)
        )
        n = len(durations)
        if n < SMALL_CELL:
            figures[name] = {"count": None, "p50": None, "p90": None, "max": None}
        else:
            figures[name] = {
                "count": n,
                "p50": durations[math.ceil(0.5 * n) - 1].total_seconds() / 86_400,
                "p90": durations[math.ceil(0.9 * n) - 1].total_seconds() / 86_400,
                "max": durations[-1].total_seconds() / 86_400,
            }
    return figures


def reference_transfers(events: Iterable[Published]) -> dict[str, int]:
    """Transfers of every placed youth."""
    unique = {(p.event.source, p.event.id): p.event for p in events}.values()
    kinds = [(e.type.rsplit(".", 1)[1], e.data.get("youth_pseudonym")) for e in unique]
    placed = {youth for kind, youth in kinds if kind == "placement-started"}
    return {y: sum(1 for k, youth in kinds if k == "transferred" and youth == y) for y in placed}


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


async def stepping_stones(platform: IsolatedPlatform, **query: str) -> dict[str, Any]:
    async with read_api(platform) as http:
        answer = await http.get("/v1/stepping-stones", params=query)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def expected_stepping_stones(transfers: dict[str, int]) -> dict[str, Any]:
    counts = list(transfers.values())
    ranges = {"0": (0, 0), "1": (1, 1), "2": (2, 2), "3": (3, 3), "4": (4, 4)}
    ranges |= {"5-9": (5, 9), "10+": (10, 10**6)}
    buckets = {
        name: sum(1 for n in counts if low <= n <= high) for name, (low, high) in ranges.items()
    }
    return suppressed.stepping_stones(buckets)


async def assert_figures_exact(platform: IsolatedPlatform, events: list[Published]) -> None:
    """Every count shown equals the reference's (`suppressed.assert_agrees`)."""
    suppressed.assert_agrees(await lead_times(platform), reference_lead_times(events))
    stones = await stepping_stones(platform)
    # the rolling 12 months and the reasons: test_ketenmonitor_figures.py and the reference test
    for key in ("filters", "rolling_12_months", "transfer_reasons"):
        del stones[key]
    with suppressed.counted_raw():
        expected = expected_stepping_stones(reference_transfers(events))
    suppressed.assert_agrees(stones, expected)


# --- the tests ----------------------------------------------------------------------------------


async def test_events_in_figures_out_exactly_with_filters(platform: IsolatedPlatform) -> None:
    events = chain_of_cases(platform, cases=400)
    published = await publish_events(platform, events)
    async with projecting(platform):
        await wait_projected(platform, published)

    assert sql(platform, "SELECT count(*) FROM facts") == len(events)
    await assert_figures_exact(platform, events)
    for query, reference in (
        ({"gemeente": "GM0164"}, {"gemeente": "GM0164"}),
        ({"kader": "gedwongen"}, {"kader": "gedwongen"}),
        (
            {"from": "2025-04-01", "to": "2025-06-30"},
            {"from_": date(2025, 4, 1), "to": date(2025, 6, 30)},
        ),
    ):
        figures = reference_lead_times(events, **reference)
        suppressed.assert_agrees(await lead_times(platform, **query), figures)
        assert any(f["count"] for f in figures.values()), "the filter leaves something to show"
    # small cells are suppressed: one gemeente, one quarter with a small cell
    of_2025 = [(q.first, q.last) for q in quarters(2025)]
    narrowest = [
        (gemeente, first, last, reference_lead_times(events, first, last, gemeente))
        for gemeente in GEMEENTEN
        for first, last in of_2025
    ]
    gemeente, first, last, few = next(
        n for n in narrowest if any(f["count"] is None for f in n[3].values())
    )
    narrow = await lead_times(
        platform, gemeente=gemeente, **{"from": first.isoformat(), "to": last.isoformat()}
    )
    suppressed.assert_agrees(narrow, few)


async def test_the_same_events_delivered_twice_count_once(platform: IsolatedPlatform) -> None:
    events = chain_of_cases(platform, cases=200, seed=7)
    # a relay that crashed after Kafka acknowledged republishes its batch with the same ids
    published = await publish_events(platform, events)
    published += await publish_events(platform, events[: len(events) // 2])
    async with projecting(platform):
        await wait_projected(platform, published)
    # and a replay of the same records, from positions lost, changes nothing either
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        connection.execute(f'DELETE FROM "{platform.schema}".positions')
    async with projecting(platform):
        await wait_projected(platform, published)
    assert sql(platform, "SELECT count(*) FROM facts") == len(events)
    transfers = sql(platform, "SELECT coalesce(sum(transfers), 0) FROM youth_transfers")
    assert transfers == sum(reference_transfers(events).values())
    await assert_figures_exact(platform, events)


async def test_out_of_order_arrival_across_topics_gives_the_right_lead_times(
    platform: IsolatedPlatform,
) -> None:
    events = chain_of_cases(platform, cases=120, seed=11)
    async with projecting(platform):
        # placements and transfers first, then triage's decisions, toegang's last of all
        projected = 0
        for service in ("plaatsing", "triage", "toegang"):
            projected += await publish_events(platform, [e for e in events if e.service == service])
            await wait_projected(platform, projected)
            if service == "plaatsing":
                assert sql(platform, "SELECT count(*) FROM cases WHERE kader IS NULL") > 0
    await assert_figures_exact(platform, events)
    wachttijd = (await lead_times(platform))["triage-decision-to-placement-start"]
    assert wachttijd["count"] is not None
    assert wachttijd["count"] >= SMALL_CELL


async def test_a_projection_killed_mid_batch_restarts_from_its_stored_positions(
    platform: IsolatedPlatform,
) -> None:
    events = chain_of_cases(platform, cases=4_000, seed=13)
    published = await publish_events(platform, events)
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
    await assert_figures_exact(platform, events)


async def test_rebuild_replays_everything_into_a_fresh_schema_and_switches_over(
    platform: IsolatedPlatform,
) -> None:
    events = chain_of_cases(platform, cases=300, seed=17)
    published = await publish_events(platform, events)
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
    await assert_figures_exact(platform, events)
    assert any(f["count"] for f in (await lead_times(platform)).values())
    rebuild_schema = sql(
        platform,
        "SELECT count(*) FROM information_schema.schemata "
        f"WHERE schema_name = '{platform.schema}_rebuild'",
    )
    assert rebuild_schema == 0
    # a projection started after the switch carries on from the rebuilt positions
    more = chain_of_cases(platform, cases=50, seed=19)
    published += await publish_events(platform, more)
    async with projecting(platform):
        await wait_projected(platform, published)
    await assert_figures_exact(platform, events + more)


async def test_a_live_projection_carries_on_from_the_rebuilt_positions(
    platform: IsolatedPlatform,
) -> None:
    events = chain_of_cases(platform, cases=300, seed=23)
    published = await publish_events(platform, events)
    async with projecting(platform):
        await wait_projected(platform, published)
        replayed = await rebuild(build_projection(platform.settings()), show_progress=False)
        assert replayed == published
        more = chain_of_cases(platform, cases=100, seed=29)
        published += await publish_events(platform, more)
        await wait_projected(platform, published)
        # positions that moved under it (here: lost) make the live projection seek to the
        # stored ones, here the beginning: it reads everything again and counts nothing twice
        with psycopg.connect(platform.infrastructure.database_url) as connection:
            connection.execute(f'DELETE FROM "{platform.schema}".positions')
        last = chain_of_cases(platform, cases=20, seed=31)
        published += await publish_events(platform, last)
        await wait_projected(platform, published)
        more += last
    assert sql(platform, "SELECT count(*) FROM facts") == len(events) + len(more)
    await assert_figures_exact(platform, events + more)
