"""The ketenmonitor against an independent reference: over 10,000 cases of every service's
events, published as the relays would but shuffled across and within topics, some twice and
some late, with the youths' keys on their own topic, some only after the months sealed under
them; every figure of the read API, under several filters, must equal a second, simple
computation straight from the raw generated events and keys (plain Python, no figure
module)."""

import asyncio
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.contracts.plaatsing import ContinuityPlan
from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from jeugdketen_shared.kafka import create_producer
from jeugdketen_shared.settings import kafka_client_options, kafka_client_security
from jeugdketen_shared.vocabulary import CareForm, ToegangDecision, Verwijzer
from jeugdketen_shared.youth_keys import YouthKey, keys_topic
from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.source import TableFigures
from ketenmonitor.projection import store
from tests.conftest import IsolatedPlatform
from tests.support import suppressed
from tests.support.chain_cases import chain_cases
from tests.support.projection import projecting
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SMALL = 10
TODAY = date(2026, 1, 15)
"""The API's `today` (turning-eighteen without `to`), fixed so the reference can follow it."""
SERVICES = ("toegang", "triage", "plaatsing")
PLACING = ("placement-started", "transferred", "placement-ended")
"""A case's stays are made of these; at one moment, in the order plaatsing published them."""
ALL_FORMS = [f.value for f in CareForm]

FILTERS: list[dict[str, str]] = [
    {},
    {"municipality": "GM0164"},
    {"legal_framework": "gedwongen"},
    {"from": "2025-07-01", "to": "2025-09-30"},
    {"from": "2026-01-01", "to": "2026-03-31", "municipality": "GM0153"},
    {"from": "2025-01-01", "to": "2025-12-31", "legal_framework": "vrijwillig"},
]
"""Every figure under each; lead times, capacity, inflow and the matrix also by provider and
care form."""
PROVIDER_FILTERS: list[dict[str, str]] = [
    {"provider": "87654321"},
    {"care_form": "gezinshuis", "from": "2025-01-01", "to": "2025-12-31"},
]

Fact = tuple[str, UUID | None, datetime, dict[str, Any]]
"""(short type, case, occurred_at, data)"""


@dataclass(frozen=True)
class Stay:
    case: UUID
    youth: str
    care_form: str
    provider: str
    location: str
    began: datetime
    ended: datetime | None


# --- publishing as the relays would, shuffled, some twice, some late ---------------------------


@dataclass(frozen=True)
class Chain:
    events: list[tuple[str, CloudEvent]]
    keys: dict[str, YouthKey]
    """The youths' keys by pseudonym, as toegang publishes them on the keys topic."""


def cloud_events(platform: IsolatedPlatform, seed: int, cases: int) -> Chain:
    sources = {service: platform.settings().source(service) for service in SERVICES}
    now = datetime.now(UTC)
    found = []
    generated = chain_cases(cases, seed)
    for service, data in generated.events:
        case = getattr(data, "case_id", None)
        found.append(
            (
                service,
                CloudEvent(
                    id=str(uuid4()),
                    source=sources[service],
                    type=data.cloudevent_type,
                    time=now,
                    caseid=case,
                    causationid=str(uuid4()),
                    data=data.model_dump(mode="json"),
                ),
            )
        )
    return Chain(found, generated.keys)


async def publish(platform: IsolatedPlatform, events: list[tuple[str, CloudEvent]]) -> None:
    """One producer, in the given order, whatever the topic."""
    producer = create_producer(
        platform.infrastructure.kafka_bootstrap_servers, kafka_client_security()
    )
    await producer.start()
    try:
        deliveries = []
        for service, event in events:
            record = encode(event, key=None if event.caseid else event.data.get("provider"))
            deliveries.append(
                await producer.send(
                    platform.topic(service, "events"),
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                )
            )
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


async def publish_keys(
    platform: IsolatedPlatform, keys: Iterable[tuple[str, YouthKey | None]]
) -> None:
    """Youths' keys onto the keys topic, keyed by pseudonym, as toegang would; None: the
    tombstone of an erased youth."""
    producer = create_producer(
        platform.infrastructure.kafka_bootstrap_servers, kafka_client_security()
    )
    await producer.start()
    try:
        deliveries = [
            await producer.send(
                keys_topic(platform.prefix),
                key=youth.encode(),
                value=None if key is None else key.to_record_value(),
            )
            for youth, key in keys
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


async def end_offsets(platform: IsolatedPlatform) -> dict[tuple[str, int], int]:
    topics = [platform.topic(service, "events") for service in SERVICES]
    topics.append(keys_topic(platform.prefix))
    consumer = AIOKafkaConsumer(
        *topics,  # no group: started, it knows the topics' partitions
        bootstrap_servers=platform.infrastructure.kafka_bootstrap_servers,
        isolation_level="read_committed",
        **kafka_client_options(),
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    assert len(ends) >= len(SERVICES)
    return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}


def stored_positions(platform: IsolatedPlatform) -> dict[tuple[str, int], int]:
    with psycopg.connect(
        platform.infrastructure.database_url, options=f"-c search_path={platform.schema}"
    ) as connection:
        try:
            rows = connection.execute("SELECT topic, partition, next_offset FROM positions")
            return {(topic, partition): offset for topic, partition, offset in rows.fetchall()}
        except psycopg.errors.UndefinedTable:
            return {}


async def wait_caught_up(platform: IsolatedPlatform) -> None:
    ends = await end_offsets(platform)

    def caught_up() -> bool:
        stored = stored_positions(platform)
        return all(stored.get(key, 0) >= end for key, end in ends.items())

    await wait_until(caught_up, f"the projection at the topics' end offsets {ends}", 120)
    # the planner's statistics of the tables just filled, as autovacuum gathers them a minute
    # or so after they grew (the figures' plans depend on them: `store.analyze`)
    settings = platform.settings()
    connection = await store.connect(settings.database_url, settings.database_schema)
    try:
        await store.analyze(connection, settings.database_schema)
    finally:
        await connection.close()


# --- the reference: straight from the generated events -----------------------------------------


def distinct(
    events: list[tuple[str, CloudEvent]], keys: Mapping[str, YouthKey | None] | None = None
) -> list[Fact]:
    """The facts of the distinct events, their sealed months unsealed with `keys` (a month
    whose youth has no key there counts as none), in the order of `events` (each event where it
    came first): give a topic's events in its order."""
    unique = {(e.source, e.id): e for _, e in events}.values()
    return [
        (
            e.type.rsplit(".", 1)[1],
            UUID(e.data["case_id"]) if "case_id" in e.data else None,
            datetime.fromisoformat(e.data["occurred_at"]),
            unsealed(e.data, keys or {}),
        )
        for e in unique
    ]


def unsealed(data: dict[str, Any], keys: Mapping[str, YouthKey | None]) -> dict[str, Any]:
    sealed = data.get("turns_eighteen_in")
    if sealed is None:
        return data
    key = keys.get(data["youth_pseudonym"])
    return {**data, "turns_eighteen_in": key.unseal(sealed) if key else None}


Move = tuple[datetime, UUID | None, str, str]
"""A move: when, the case it lands in, from and to which care form."""


def moves_by_youth(facts: Iterable[Fact]) -> dict[str, list[Move]]:
    """Each youth's moves: a transfer, or a placement start away from home at most 90 days
    after an end of care of the youth (the last one before it)."""
    facts = list(facts)
    ends: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    moves: dict[str, list[Move]] = defaultdict(list)
    for kind, case, at, data in facts:
        if kind == "placement-ended":
            ends[data["youth_pseudonym"]].append((at, data["care_form"]))
        elif kind == "transferred":
            moves[data["youth_pseudonym"]].append(
                (at, case, data["from_care_form"], data["to_care_form"])
            )
    for kind, case, at, data in facts:
        youth = data.get("youth_pseudonym")
        if kind != "placement-started" or data["care_form"] == "ambulant":
            continue
        before = [e for e in ends[youth] if at - timedelta(days=90) <= e[0] <= at]
        if before:
            moves[youth].append((at, case, max(before)[1], data["care_form"]))
    return moves


def day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def raw(n: int) -> dict[str, Any]:
    """A count as the reference has it: shown, whatever its size (`suppressed.disagreement`
    lets the read API hide it)."""
    return {"value": n, "suppressed": False}


def cell(n: int) -> dict[str, Any]:
    return {"value": n if n >= SMALL else None, "suppressed": n < SMALL}


def nearest_rank(ordered: list[timedelta], p: int) -> float:
    index = max((p * len(ordered) + 99) // 100, 1) - 1
    return ordered[index].total_seconds() / 86_400


def lead(durations: list[timedelta], hidden: bool = False) -> dict[str, Any]:
    """`hidden`: its count is hidden beside the figure's other counts, whatever its size."""
    ordered = sorted(durations)
    if len(ordered) < SMALL or hidden:
        return {"count": None, "p50": None, "p90": None, "max": None}
    return {
        "count": len(ordered),
        "p50": nearest_rank(ordered, 50),
        "p90": nearest_rank(ordered, 90),
        "max": ordered[-1].total_seconds() / 86_400,
    }


LEFT_AS = {1: "started-there", 2: "started-elsewhere", 3: "withdrawn", 4: "care-ended"}
"""How an entry left its waiting list, by its rank on one moment."""


@dataclass(frozen=True)
class WaitingEntry:
    care_form: str
    provider: str
    requested_at: datetime
    left_at: datetime | None
    left_as: str | None

    def open_at(self, moment: datetime) -> bool:
        return self.requested_at < moment and (self.left_at is None or self.left_at >= moment)


def days_of(durations: list[timedelta], count: dict[str, Any]) -> dict[str, float | None]:
    """Nearest-rank p50, p90 and the longest, in days; none where the count is hidden."""
    ordered = sorted(durations)
    if count["suppressed"] or not ordered:
        return {"p50_days": None, "p90_days": None, "max_days": None}
    return {
        "p50_days": nearest_rank(ordered, 50),
        "p90_days": nearest_rank(ordered, 90),
        "max_days": ordered[-1].total_seconds() / 86_400,
    }


class Reference:
    def __init__(self, facts: list[Fact], query: dict[str, str]) -> None:
        self.facts = facts
        self.from_ = date.fromisoformat(query["from"]) if "from" in query else None
        self.to = date.fromisoformat(query["to"]) if "to" in query else None
        self.gemeente = query.get("municipality")
        self.kader = query.get("legal_framework")
        self.provider = query.get("provider")
        self.care_form = query.get("care_form")
        named: dict[tuple[UUID, str], tuple[datetime, str]] = {}
        self.by_case: dict[UUID, list[Fact]] = defaultdict(list)
        for fact in facts:
            _, case, at, data = fact
            if case is None:
                continue
            self.by_case[case].append(fact)
            for field in ("gemeente_code", "kader"):
                if field in data:
                    named[case, field] = min(
                        named.get((case, field), (at, data[field])), (at, data[field])
                    )
        self.attributes = {key: value for key, (_, value) in named.items()}

    def in_period(self, at: datetime) -> bool:
        return (self.from_ is None or day(at) >= self.from_) and (
            self.to is None or day(at) <= self.to
        )

    def of_case(self, case: UUID | None, moment: datetime) -> bool:
        """The case is of the gemeente filtered for, and of the kader at `moment`."""
        if case is None:
            return False
        return (
            self.gemeente is None or self.attributes.get((case, "gemeente_code")) == self.gemeente
        ) and (self.kader is None or self.kader_at(case, moment) == self.kader)

    def kader_at(self, case: UUID, moment: datetime) -> str | None:
        """Gedwongen while one of the case's measures is in force: imposed at or before
        `moment` and not stopped since (ended, expired, or followed up by the next measure);
        vrijwillig after a measure; before any, the kader its earliest event named."""
        own = self.by_case[case]
        imposed = [(at, d["measure"]) for k, _, at, d in own if k == "protection-measure-imposed"]
        stops = [(at, d["measure"]) for k, _, at, d in own if k == "protection-measure-ended"]
        stops += [(at, "voorlopige-ots") for k, _, at, _ in own if k == "voorlopige-ots-expired"]
        stops += [
            (at, d["previous_measure"])
            for k, _, at, d in own
            if k == "protection-measure-imposed" and d["previous_measure"]
        ]
        since = [(at, measure) for at, measure in imposed if at <= moment]
        if any(
            not any(measure == stopped and began <= at <= moment for at, stopped in stops)
            for began, measure in since
        ):
            return "gedwongen"
        return "vrijwillig" if since else self.attributes.get((case, "kader"))

    def first(self, case: UUID, kind: str) -> datetime | None:
        moments = [at for k, _, at, _ in self.by_case[case] if k == kind]
        return min(moments) if moments else None

    def placed_as(self, case: UUID) -> bool:
        """The case's first placement start (ties: care form, provider) has the care form and
        provider filtered for; without those filters every case matches."""
        if self.care_form is None and self.provider is None:
            return True
        starts = [
            (at, d["care_form"], d["provider"])
            for k, _, at, d in self.by_case[case]
            if k == "placement-started"
        ]
        if not starts:
            return False
        _, care_form, provider = min(starts)
        return (self.care_form is None or care_form == self.care_form) and (
            self.provider is None or provider == self.provider
        )

    # /v1/lead-times
    def lead_times(self) -> dict[str, Any]:
        transitions = {
            "referral-to-toegang-decision": ("referral-received", "toegang-decided"),
            "toegang-decision-to-triage-decision": ("toegang-decided", "triage-decided"),
            "triage-decision-to-placement-start": ("triage-decided", "placement-started"),
            "melding-to-safety-assessment": ("veilig-thuis-melding-received", "safety-assessed"),
            "rvdk-request-to-rvdk-start": (
                "rvdk-investigation-requested",
                "rvdk-investigation-started",
            ),
            "rvdk-request-to-measure": (
                "rvdk-investigation-requested",
                "protection-measure-imposed",
            ),
        }
        figures = {}
        for name, (start, end) in transitions.items():
            durations = []
            for case in self.by_case:
                began, ended = self.first(case, start), self.first(case, end)
                if began is None or ended is None or ended < began:
                    continue
                if self.in_period(ended) and self.of_case(case, ended) and self.placed_as(case):
                    durations.append(ended - began)
            figures[name] = lead(durations)
        return figures

    # /v1/referrals-by-referrer
    def referrals_by_verwijzer(self) -> dict[str, Any]:
        """Each referral in the period by its verwijzer and what first followed it in its
        case, whenever it did (ties: a withdrawal before a decision)."""
        followed: dict[tuple[str, str], int] = defaultdict(int)
        for kind, case, at, data in self.facts:
            if kind != "referral-received" or not self.in_period(at) or not self.of_case(case, at):
                continue
            assert case is not None
            closing = sorted(
                (a, k, d.get("decision", ""))
                for k, _, a, d in self.by_case[case]
                if k in ("referral-withdrawn", "toegang-decided")
            )
            if not closing:
                outcome = "undecided"
            else:
                _, first_kind, decision = closing[0]
                outcome = "withdrawn" if first_kind == "referral-withdrawn" else decision
            followed[data["verwijzer"], outcome] += 1
        return suppressed.referrals_by_verwijzer(
            followed, [v.value for v in Verwijzer], [d.value for d in ToegangDecision]
        )

    # /v1/stepping-stones
    def stepping_stones(self) -> dict[str, Any]:
        first_placement: dict[str, tuple[datetime, UUID]] = {}
        transfers: dict[str, int] = defaultdict(int)
        on = self.to or TODAY
        since = date(on.year - 1, on.month, on.day) + timedelta(days=1)
        recent: dict[str, int] = defaultdict(int)
        reasons: dict[str, list[str]] = defaultdict(list)
        for kind, case, at, data in self.facts:
            if kind == "placement-started" and case is not None:
                youth = data["youth_pseudonym"]
                first_placement[youth] = min(first_placement.get(youth, (at, case)), (at, case))
            elif kind == "transferred":
                transfers[data["youth_pseudonym"]] += 1
                recent[data["youth_pseudonym"]] += since <= day(at) <= on
                reasons[data["youth_pseudonym"]].append(data["reason"])
        placed = [
            youth
            for youth, (at, case) in first_placement.items()
            if self.in_period(at) and self.of_case(case, at)
        ]
        per_reason: dict[str, int] = defaultdict(int)
        for youth in placed:
            for reason in reasons[youth]:
                per_reason[reason] += 1
        counts = [
            transfers[youth]
            for youth, (at, case) in first_placement.items()
            if self.in_period(at) and self.of_case(case, at)
        ]
        groups = [("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4)]
        groups += [("5-9", 5, 9), ("10+", 10, 10**9)]
        buckets = {name: sum(low <= n <= high for n in counts) for name, low, high in groups}
        within = {name: sum(low <= recent[y] <= high for y in placed) for name, low, high in groups}
        return {
            **suppressed.stepping_stones(buckets),
            "rolling_12_months": {
                "on": on.isoformat(),
                "window_from": since.isoformat(),
                "distribution": suppressed.rolling_distribution(within),
            },
            "transfer_reasons": [
                {"reason": r, "transfers": cell(n)} for r, n in sorted(per_reason.items())
            ],
        }

    # stays: a youth's time at one place, from a start or transfer to the case's next event
    def stays(self) -> list[Stay]:
        found = []
        for case, own in self.by_case.items():
            # stable: events of one moment stay in the order they were published in
            placing = sorted(
                ((at, kind, data) for kind, _, at, data in own if kind in PLACING),
                key=lambda event: event[0],
            )
            for index, (at, kind, data) in enumerate(placing):
                if kind == "placement-ended":
                    continue
                moved = kind == "transferred"
                ended = placing[index + 1][0] if index + 1 < len(placing) else None
                found.append(
                    Stay(
                        case,
                        data["youth_pseudonym"],
                        data["to_care_form" if moved else "care_form"],
                        data["to_provider" if moved else "provider"],
                        data["to_location_gemeente_code" if moved else "location_gemeente_code"],
                        at,
                        ended,
                    )
                )
        return found

    def in_place(self, stay: Stay) -> bool:
        """Began on or before the period's last day, did not end before its first."""
        return (self.to is None or day(stay.began) <= self.to) and (
            self.from_ is None or stay.ended is None or day(stay.ended) >= self.from_
        )

    def counted_at(self, stay: Stay) -> datetime:
        """The moment whose kader a stay in the period counts under: its end or the period's,
        whichever is first; an open stay without a period's end, its kader now."""
        ends = [e for e in (stay.ended, self.end() if self.to else None) if e is not None]
        return min(ends, default=datetime.max.replace(tzinfo=UTC))

    def away_in_period(self) -> list[Stay]:
        return [
            s
            for s in self.stays()
            if s.care_form != "ambulant"
            and self.in_place(s)
            and self.of_case(s.case, self.counted_at(s))
        ]

    # /v1/moves-away-from-home
    def moves_away_from_home(self) -> dict[str, Any]:
        moves = moves_by_youth(self.facts)
        until = lambda at: self.to is None or day(at) <= self.to  # noqa: E731
        youths = {s.youth for s in self.away_in_period()}
        stays_of: dict[str, int] = defaultdict(int)
        for s in self.stays():
            stays_of[s.youth] += s.care_form != "ambulant" and until(s.began)
        counted = {y: [m for m in moves[y] if until(m[0])] for y in youths}
        groups = [("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4)]
        groups += [("5-10", 5, 10), ("11+", 11, 10**9)]
        buckets = {
            name: sum(low <= len(counted[y]) <= high for y in youths) for name, low, high in groups
        }
        steps = ALL_FORMS[:7]  # DOMAIN.md: ambulant ... jeugdzorg plus; crisisopvang apart
        assert "crisisopvang" not in steps
        directions = dict.fromkeys(("escalatie", "afschaling", "zijwaarts", "crisis"), 0)
        for y in youths:
            for _, _, from_form, to_form in counted[y]:
                if "crisisopvang" in (from_form, to_form):
                    directions["crisis"] += 1
                elif steps.index(to_form) > steps.index(from_form):
                    directions["escalatie"] += 1
                elif steps.index(to_form) < steps.index(from_form):
                    directions["afschaling"] += 1
                else:
                    directions["zijwaarts"] += 1
        before = sum(stays_of[y] > 1 for y in youths)
        return suppressed.moves_away_from_home(buckets, before, directions)

    def stays_away(self, by_care_form: bool = True) -> dict[tuple[str, str], int]:
        """`by_care_form`: whether the figure takes the care form filter."""
        care_form = self.care_form if by_care_form else None
        found: dict[tuple[str, str], int] = defaultdict(int)
        for s in self.away_in_period():
            if (care_form or s.care_form) != s.care_form or (
                self.provider or s.provider
            ) != s.provider:
                continue
            own = self.attributes.get((s.case, "gemeente_code"))
            twente = {"GM0141", "GM0147", "GM1774", "GM0153", "GM0158", "GM0163", "GM0164"}
            twente |= {"GM1735", "GM0168", "GM0173", "GM1742", "GM0183", "GM1700", "GM0189"}
            where = (
                "eigen-gemeente"
                if s.location == own
                else "elders-in-twente"
                if s.location in twente
                else "buiten-twente"
            )
            found[s.care_form, where] += 1
        return found

    # /v1/placement-locations
    def placement_locations(self) -> dict[str, Any]:
        places = dict.fromkeys(("eigen-gemeente", "elders-in-twente", "buiten-twente"), 0)
        for (_, where), n in self.stays_away().items():
            places[where] += n
        return suppressed.placement_locations(places)

    # /v1/home-like-settings
    def home_like_settings(self) -> dict[str, Any]:
        per_form = {form: 0 for form in ALL_FORMS[1:]}
        for (form, _), n in self.stays_away(by_care_form=False).items():
            per_form[form] += n
        home_like = ("pleegzorg", "gezinshuis", "kleinschalig-wonen")
        other = [f for f in ALL_FORMS[1:] if f not in home_like]
        return suppressed.home_like_settings(per_form, home_like, other)

    # /v1/placement-durations
    def placement_durations(self) -> dict[str, Any]:
        """Per care form: the stays that ended in the period and their durations, and those
        open at its end and their age; every count as it is, none hidden (no sums)."""
        end = self.end()
        chosen = [
            s
            for s in self.stays()
            if self.care_form in (None, s.care_form) and self.provider in (None, s.provider)
        ]

        def spread(durations: list[timedelta]) -> dict[str, Any]:
            count = {"value": len(durations), "suppressed": False}
            return {"count": count, **days_of(durations, count)}

        return {
            "on": (self.to or TODAY).isoformat(),
            "care_forms": {
                form: {
                    "ended": spread(
                        [
                            s.ended - s.began
                            for s in chosen
                            if s.care_form == form
                            and s.ended
                            and self.in_period(s.ended)
                            and self.of_case(s.case, s.ended)
                        ]
                    ),
                    "open": spread(
                        [
                            end - s.began
                            for s in chosen
                            if s.care_form == form
                            and s.began < end
                            and (s.ended is None or s.ended >= end)
                            and self.of_case(s.case, end)
                        ]
                    ),
                }
                for form in ALL_FORMS
            },
        }

    def end(self) -> datetime:
        """The first moment after the period's last day (`to`, or TODAY)."""
        on = self.to or TODAY
        # `+ 1 day` on an aware datetime keeps the wall clock: midnight of the next day
        return datetime(on.year, on.month, on.day, tzinfo=AMSTERDAM) + timedelta(days=1)

    def months(self, first: date) -> list[tuple[str, datetime]]:
        """Each month from `first`'s to the period's end, and the moment its stock is taken."""
        found, on = [], self.to or TODAY
        year, month = first.year, first.month
        while (year, month) <= (on.year, on.month):
            following = (year + month // 12, month % 12 + 1)
            at = datetime(*following, 1, tzinfo=AMSTERDAM)
            found.append((f"{year}-{month:02d}", min(at, self.end())))
            year, month = following
        return found

    def entries(self) -> list[WaitingEntry]:
        """Each case's time on each list, walked request by request: a request opens an entry
        unless the case is on that list already; the entry lasts until the first event at or
        after its request that takes the youth off (ties: there, elsewhere, withdrawn, ended)."""
        youth_of = {
            case: data["youth_pseudonym"]
            for _, case, _, data in self.facts
            if case is not None and "youth_pseudonym" in data
        }
        moves: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
        for kind, case, at, data in self.facts:
            if kind == "placement-started" and case is not None:
                moves[youth_of[case]].append((at, data["provider"], data["care_form"]))
            elif kind == "transferred" and case is not None:
                moves[youth_of[case]].append((at, data["to_provider"], data["to_care_form"]))
        found = []
        for case, own in self.by_case.items():
            requests = sorted(
                (at, d["provider"], d["care_form"])
                for kind, _, at, d in own
                if kind == "placement-requested"
                and self.of_case(case, at)
                and self.care_form in (None, d["care_form"])
                and self.provider in (None, d["provider"])
            )
            lists: dict[tuple[str, str], list[datetime]] = defaultdict(list)
            for at, provider, care_form in requests:
                lists[provider, care_form].append(at)
            for (provider, care_form), moments in lists.items():
                ways = [
                    (at, 1 if (p, f) == (provider, care_form) else 2)
                    for at, p, f in moves[youth_of[case]]
                    if (p, f) == (provider, care_form) or f != "crisisopvang"
                ]
                ways += [
                    (at, 3)
                    for kind, _, at, d in own
                    if kind == "placement-request-withdrawn"
                    and (d["provider"], d["care_form"]) == (provider, care_form)
                ]
                ways += [(at, 4) for kind, _, at, _ in own if kind == "placement-ended"]
                open_until: datetime | None = None
                for at in moments:
                    if open_until is not None and at <= open_until:
                        continue  # on the list already
                    after = sorted(way for way in ways if way[0] >= at)
                    left = after[0] if after else None
                    found.append(
                        WaitingEntry(
                            care_form,
                            provider,
                            at,
                            left[0] if left else None,
                            LEFT_AS[left[1]] if left else None,
                        )
                    )
                    if left is None:
                        break  # on the list for good: later requests are part of it
                    open_until = left[0]
        return found

    def latest_capacity(self, before: datetime | None) -> dict[tuple[str, str], tuple[Any, ...]]:
        latest: dict[tuple[str, str], tuple[Any, ...]] = {}
        for kind, _, at, data in self.facts:
            if kind != "capacity-recorded" or (before is not None and at >= before):
                continue
            if self.care_form not in (None, data["care_form"]):
                continue
            if self.provider not in (None, data["provider"]):
                continue
            key = (data["care_form"], data["provider"])
            latest[key] = max(latest.get(key, (at, 0, 0)), (at, data["places"], data["occupied"]))
        return latest

    # /v1/capacity
    def capacity(self) -> list[dict[str, Any]]:
        end = self.end()
        entries = self.entries()
        latest = self.latest_capacity(end)
        rows = []
        lists = {(e.care_form, e.provider) for e in entries if e.requested_at < end}
        for key in sorted(lists | set(latest)):
            n = sum(1 for e in entries if (e.care_form, e.provider) == key and e.open_at(end))
            places = latest[key][1] if key in latest else None
            occupied = latest[key][2] if key in latest else None
            free = None if places is None or occupied is None else max(places - occupied, 0)
            rows.append(
                {
                    "care_form": key[0],
                    "provider": key[1],
                    "waiting": cell(n),
                    "places": places,
                    "occupied": occupied,
                    "free_places": free,
                    "hotspot": (n > free) if n >= SMALL and free is not None else None,
                }
            )
        return rows

    # /v1/waiting-lists
    def waiting_lists(self) -> dict[str, Any]:
        entries, end = self.entries(), self.end()
        of_list: dict[tuple[str, str], list[WaitingEntry]] = defaultdict(list)
        for e in entries:
            of_list[e.care_form, e.provider].append(e)
        lists = sorted(of_list)
        rows = []
        for key in lists:
            own = of_list[key]
            left = [e for e in own if e.left_at is not None and self.in_period(e.left_at)]
            still = [e for e in own if e.open_at(end)]
            ways = {way: [e for e in left if e.left_as == way] for way in LEFT_AS.values()}
            cells = suppressed.waiting_list(
                {w: len(found) for w, found in ways.items()}, len(still)
            )
            waits = [e.left_at - e.requested_at for e in ways["started-there"] if e.left_at]
            rows.append(
                {
                    "care_form": key[0],
                    "provider": key[1],
                    **cells,
                    "waiting_time": days_of(waits, cells["started_there"]),
                    "age_of_open": days_of(
                        [end - e.requested_at for e in still], cells["still_waiting"]
                    ),
                }
            )
        first = self.from_ or min((day(e.requested_at) for e in entries), default=self.to or TODAY)
        per_month = [
            {
                "month": month,
                "care_form": key[0],
                "provider": key[1],
                "waiting": cell(sum(e.open_at(at) for e in of_list[key])),
            }
            for month, at in self.months(first)
            for key in lists
        ]
        return {"on": (self.to or TODAY).isoformat(), "waiting_lists": rows, "per_month": per_month}

    # /v1/capacity-history
    def capacity_history(self) -> list[dict[str, Any]]:
        reported = [
            day(at)
            for kind, _, at, data in self.facts
            if kind == "capacity-recorded"
            and self.care_form in (None, data["care_form"])
            and self.provider in (None, data["provider"])
        ]
        first = self.from_ or min(reported, default=self.to or TODAY)
        return [
            {
                "month": month,
                "care_form": care_form,
                "provider": provider,
                "places": places,
                "occupied": occupied,
                "free_places": max(places - occupied, 0),
                "reported_on": day(reported_at).isoformat(),
            }
            for month, at in self.months(first)
            for (care_form, provider), (reported_at, places, occupied) in sorted(
                self.latest_capacity(at).items()
            )
        ]

    # /v1/inflow
    def inflow(self) -> dict[str, Any]:
        entered: list[tuple[str, datetime]] = []
        for kind, case, at, data in self.facts:
            if not (self.in_period(at) and self.of_case(case, at)):
                continue
            if kind == "placement-started":
                form, provider = data["care_form"], data["provider"]
            elif kind == "transferred" and data["to_care_form"] != data["from_care_form"]:
                form, provider = data["to_care_form"], data["to_provider"]
            else:
                continue
            if self.provider is None or provider == self.provider:
                entered.append((form, at))
        forms = ("jeugdzorg-plus", "3-milieuvoorziening")
        month = lambda at: day(at).strftime("%Y-%m")  # noqa: E731
        months = sorted({month(at) for form, at in entered if form in forms})
        entries = {
            (m, form): sum(1 for f, at in entered if f == form and month(at) == m)
            for m in months
            for form in forms
        }
        return suppressed.inflow(entries, forms)

    # /v1/at-home-unless
    def thuis_tenzij(self) -> dict[str, Any]:
        """Youths in jeugdhulp, with verblijf (away from home) and without (lokale basishulp
        on the day of the decision, ambulant care while it lasts), in the period (up to TODAY
        without `to`) and in each calendar month of it; the kader at the jeugdhulp's
        beginning."""
        helps = [
            (s.youth, s.care_form != "ambulant", day(s.began), day(s.ended) if s.ended else None)
            for s in self.stays()
            if self.of_case(s.case, s.began)
        ]
        helps += [
            (data["youth_pseudonym"], False, day(at), day(at))
            for kind, case, at, data in self.facts
            if kind == "toegang-decided"
            and data["decision"] == "lokale-basishulp"
            and self.of_case(case, at)
        ]
        last = self.to or TODAY
        first = self.from_ or min((began for _, _, began, _ in helps), default=last)

        def youths(start: date, end: date) -> dict[bool, set[str]]:
            found: dict[bool, set[str]] = {True: set(), False: set()}
            for youth, away, began, ended in helps:
                if began <= end and (ended is None or ended >= start):
                    found[away].add(youth)
            return found

        months = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            following = date(year + month // 12, month % 12 + 1, 1)
            start = max(date(year, month, 1), first)
            end = min(following - timedelta(days=1), last)
            months.append((f"{year}-{month:02d}", youths(start, end)))
            year, month = following.year, following.month
        return suppressed.thuis_tenzij(youths(first, last), months)

    # /v1/care-form-matrix
    def care_form_matrix(self) -> dict[str, Any]:
        pairs: dict[tuple[str | None, str], int] = defaultdict(int)
        for kind, case, at, data in self.facts:
            if kind != "placement-started" or not (self.in_period(at) and self.of_case(case, at)):
                continue
            if self.care_form is not None and data["care_form"] != self.care_form:
                continue
            if self.provider is not None and data["provider"] != self.provider:
                continue
            assert case is not None
            own = self.by_case[case]
            ret = sorted(
                (a, d["care_form"]) for k, _, a, d in own if k == "ret-advice-given" and a <= at
            )
            tri = sorted(
                (a, d["recommended_care_form"])
                for k, _, a, d in own
                if k == "triage-decided" and a <= at
            )
            recommended = ret[-1][1] if ret else tri[-1][1] if tri else None
            pairs[recommended, data["care_form"]] += 1
        return suppressed.care_form_matrix(pairs, ALL_FORMS)

    # /v1/turning-eighteen
    def turning_eighteen(self) -> dict[str, Any]:
        on = self.to or TODAY
        end = datetime(on.year, on.month, on.day, tzinfo=AMSTERDAM) + timedelta(days=1)
        now = on.year * 12 + on.month
        in_care = unknown = soon = 0
        plans = [p.value for p in ContinuityPlan]
        soon_plans, turned_plans = dict.fromkeys(plans, 0), dict.fromkeys(plans, 0)

        def latest(planned: list[tuple[datetime, str]]) -> str | None:
            return sorted(planned)[-1][1] if planned else None

        turned = 0
        for case, own in self.by_case.items():
            planned = [(a, d["plan"]) for k, _, a, d in own if k == "continuity-plan-recorded"]
            for k, _, a, _ in own:
                if k == "turned-eighteen" and self.in_period(a) and self.of_case(case, a):
                    turned += 1
                    kind = latest([p for p in planned if p[0] <= a])
                    if kind:
                        turned_plans[kind] += 1
            if not self.of_case(case, end):
                continue
            before = [(k, a, d) for k, _, a, d in own if a < end]
            starts = [(a, d) for k, a, d in before if k == "placement-started"]
            if not starts:
                continue
            last = max(a for a, _ in starts)
            if any(k == "turned-eighteen" for k, _, _ in before) or any(
                k == "placement-ended" and a >= last for k, a, _ in before
            ):
                continue
            in_care += 1
            months = [d["turns_eighteen_in"] for _, d in starts if d.get("turns_eighteen_in")]
            if not months:
                unknown += 1
                continue
            year, month = max(months).split("-")
            if now <= int(year) * 12 + int(month) <= now + 6:
                soon += 1
                kind = latest([p for p in planned if p[0] < end])
                if kind:
                    soon_plans[kind] += 1
        return {
            "on": on.isoformat(),
            **suppressed.turning_eighteen(in_care, unknown, soon, soon_plans, turned, turned_plans),
        }

    # /v1/time-in-chain
    def time_in_chain(self) -> dict[str, Any]:
        # a youth enters the chain by a referral, a Veilig Thuis melding or a crisis placement
        entries_of: dict[str, list[datetime]] = defaultdict(list)
        for kind, _, at, data in self.facts:
            crisis = kind == "placement-started" and (
                data["care_form"] == "crisisopvang" or data["crisis_without_triage"]
            )
            if kind in ("referral-received", "veilig-thuis-melding-received") or crisis:
                entries_of[data["youth_pseudonym"]].append(at)
        route, stay, back = [], [], 0
        for case, own in self.by_case.items():
            referrals = [
                (a, d["youth_pseudonym"]) for k, _, a, d in own if k == "referral-received"
            ]
            if not referrals:
                continue
            referred, youth = min(a for a, _ in referrals), min(y for _, y in referrals)
            placed = self.first(case, "placement-started")
            if (
                placed is not None
                and placed >= referred
                and self.in_period(placed)
                and self.of_case(case, placed)
            ):
                route.append(placed - referred)
            leaving = [
                a
                for k, _, a, d in own
                if k in ("placement-ended", "referral-withdrawn")
                or (k == "toegang-decided" and d["decision"] in ("lokale-basishulp", "geen-hulp"))
            ]
            if not leaving:
                continue
            left = min(leaving)
            if left >= referred and self.in_period(left) and self.of_case(case, left):
                stay.append(left - referred)
                back += any(
                    left < again <= left + timedelta(days=365) for again in entries_of[youth]
                )
        hidden, left = suppressed.left_the_chain(len(stay), back)
        return {"route": lead(route), "time_in_chain": lead(stay, hidden), **left}

    # /v1/hand-overs
    def hand_overs(self) -> dict[str, dict[str, Any]]:
        """Per hand-over: from the case's first hand-over to the next partner's first action at
        or after it, counted in the period of that action."""
        hand_overs = {
            "toegang-to-triage": (
                "toegang-decided",
                "gezamenlijke-triage",
                {"triage-decided", "escalated-to-ret"},
            ),
            "triage-to-provider": ("triage-decided", None, {"placement-requested"}),
            "toegang-to-rvdk": (
                "rvdk-investigation-requested",
                None,
                {"rvdk-investigation-started"},
            ),
            "measure-to-gi": ("protection-measure-imposed", None, {"gi-assigned"}),
        }
        figures = {}
        for name, (handed_over, decision, next_actions) in hand_overs.items():
            waits = []
            for case, own in self.by_case.items():
                handed = [
                    at
                    for kind, _, at, data in own
                    if kind == handed_over and decision in (None, data.get("decision"))
                ]
                if not handed:
                    continue
                acted = [at for kind, _, at, _ in own if kind in next_actions and at >= min(handed)]
                if acted and self.in_period(min(acted)) and self.of_case(case, min(acted)):
                    waits.append(min(acted) - min(handed))
            figures[name] = lead(waits)
        return figures

    # /v1/legal-framework-changes
    def kader_changes(self) -> dict[str, Any]:
        """Per case with a measure, its kader just before and at each imposition and each stop
        of a measure: a move into the gedwongen kader from vrijwillig, or out of it, in the
        period (and of the kader filtered for at that moment)."""
        into = still = out = 0
        instant = timedelta(microseconds=1)
        for case, own in self.by_case.items():
            if self.gemeente not in (None, self.attributes.get((case, "gemeente_code"))):
                continue
            moments = sorted(
                at
                for kind, _, at, _ in own
                if kind
                in (
                    "protection-measure-imposed",
                    "protection-measure-ended",
                    "voorlopige-ots-expired",
                )
                and self.in_period(at)
                and self.kader in (None, self.kader_at(case, at))
            )
            moves = {(self.kader_at(case, at - instant), self.kader_at(case, at)) for at in moments}
            moved_in = ("vrijwillig", "gedwongen") in moves
            into += moved_in
            still += moved_in and self.kader_at(case, self.end()) == "gedwongen"
            out += ("gedwongen", "vrijwillig") in moves
        return suppressed.kader_changes(into, still, out)

    # /v1/ret-escalations
    def ret_escalations(self) -> dict[str, Any]:
        """Escalations by their own moment and who escalated (the triage table when the event
        names no one); advices by theirs, each timed from its case's first escalation (one
        before its escalation is no advice on it)."""
        escalations: dict[tuple[str, str], int] = defaultdict(int)
        to_advice: list[timedelta] = []
        non_contracted = maatwerkbudget = 0
        for kind, case, at, data in self.facts:
            if not (self.in_period(at) and self.of_case(case, at)):
                continue
            if kind == "escalated-to-ret":
                escalated_by = data.get("escalated_by", "triagetafel")
                escalations[day(at).strftime("%Y-%m"), escalated_by] += 1
            elif kind == "ret-advice-given":
                escalated = self.first(case, "escalated-to-ret")
                if escalated is None or escalated > at:
                    continue
                to_advice.append(at - escalated)
                non_contracted += data["non_contracted_care"]
                maatwerkbudget += data["maatwerkbudget_granted"]
        hidden, figure = suppressed.ret_escalations(
            escalations,
            ("triagetafel", "gemeente", "aanbieder"),
            len(to_advice),
            non_contracted,
            maatwerkbudget,
        )
        return {**figure, "time_to_advice": lead(to_advice, hidden)}

    # /v1/veilig-thuis-investigation
    def veilig_thuis_onderzoek(self) -> dict[str, Any]:
        """Starts by their own moment; conclusions by theirs, each timed from its case's first
        start (one dated before it is left out); over the norm: longer than 10 weeks."""
        started = 0
        outcomes = dict.fromkeys(("overdracht-lokaal-team", "verzoek-rvdk", "afgesloten"), 0)
        durations: list[timedelta] = []
        for kind, case, at, data in self.facts:
            if not (self.in_period(at) and self.of_case(case, at)):
                continue
            if kind == "veilig-thuis-onderzoek-started":
                started += 1
            elif kind == "veilig-thuis-onderzoek-concluded":
                start = self.first(case, "veilig-thuis-onderzoek-started")
                if start is None or start > at:
                    continue
                durations.append(at - start)
                outcomes[data["outcome"]] += 1
        over_norm = sum(duration > timedelta(weeks=10) for duration in durations)
        hidden, figure = suppressed.veilig_thuis_onderzoek(started, outcomes, over_norm)
        return {**figure, "duration": lead(durations, hidden)}

    # the measures of the gedwongen kader: each measure as it ran
    def runs(self) -> list[tuple[UUID, str, datetime, datetime | None, str | None]]:
        """Every measure in force: (case, measure, imposed, stopped or None, how: ended,
        expired, or the measure that followed it up), from the imposition to the first stop at
        or after it naming it; one that stopped as it began was never in force."""
        found = []
        for case, own in self.by_case.items():
            stops = [
                (at, d["measure"], "ended")
                for k, _, at, d in own
                if k == "protection-measure-ended"
            ]
            stops += [
                (at, "voorlopige-ots", "expired")
                for k, _, at, _ in own
                if k == "voorlopige-ots-expired"
            ]
            stops += [
                (at, d["previous_measure"], d["measure"])
                for k, _, at, d in own
                if k == "protection-measure-imposed" and d["previous_measure"]
            ]
            for kind, _, began, data in own:
                if kind != "protection-measure-imposed":
                    continue
                later = sorted(
                    (at, how) for at, m, how in stops if m == data["measure"] and at >= began
                )
                stopped, how = later[0] if later else (None, None)
                if stopped != began:
                    found.append((case, data["measure"], began, stopped, how))
        return found

    # /v1/measures
    def measures(self) -> dict[str, Any]:
        """Per month and measure, by the moments of each step: imposed and ended in the month,
        in force at some moment of it, in force at its end, extended in it."""
        instant = timedelta(microseconds=1)
        runs = self.runs()
        first = self.from_ or min(day(began) for _, _, began, _, _ in runs)
        months = self.months(first)
        # each month's start: the first's, then each month's end before it (none: no month)
        starts = [datetime(first.year, first.month, 1, tzinfo=AMSTERDAM)] + [
            at for _, at in months[:-1]
        ]
        starts = starts[: len(months)]
        extensions = [
            (case, d["measure"], at)
            for k, case, at, d in self.facts
            if k == "protection-measure-extended"
        ]
        per_month, totals = [], []
        measures = ("voorlopige-ots", "ots", "voogdij", "jeugdreclassering")

        def running(measure: str, moment: datetime) -> int:
            return sum(
                m == measure
                and began < moment
                and (stopped is None or stopped >= moment)
                and self.of_case(case, moment - instant)
                for case, m, began, stopped, _ in runs
            )

        for (month, at), start in zip(months, starts, strict=True):
            for measure in measures:
                own = [r for r in runs if r[1] == measure]
                per_month.append(
                    {
                        "month": month,
                        "measure": measure,
                        "imposed": raw(
                            sum(start <= b < at and self.of_case(c, b) for c, _, b, _, _ in own)
                        ),
                        "ended": raw(
                            sum(
                                e is not None and start <= e < at and self.of_case(c, e - instant)
                                for c, _, _, e, _ in own
                            )
                        ),
                        "in_force": raw(
                            sum(
                                b < at
                                and (e is None or e >= start)
                                and self.of_case(c, max(b, start - instant))
                                for c, _, b, e, _ in own
                            )
                        ),
                        "running": raw(running(measure, at)),
                        "extended": raw(
                            sum(
                                m == measure and start <= x < at and self.of_case(c, x)
                                for c, m, x in extensions
                            )
                        ),
                    }
                )
        for measure in measures:
            mine = [m for m in per_month if m["measure"] == measure]
            totals.append(
                {
                    "measure": measure,
                    "running_at_start": raw(running(measure, starts[0])),
                    **{
                        k: raw(sum(m[k]["value"] for m in mine))
                        for k in ("imposed", "ended", "extended")
                    },
                    "running_at_end": mine[-1]["running"],
                }
            )
        return {"on": (self.to or TODAY).isoformat(), "per_month": per_month, "measures": totals}

    # /v1/measure-durations
    def measure_durations(self) -> dict[str, Any]:
        """Ended: imposition to stop, by the stop's moment; running: in force at the period's
        end, by age (under 91 days, under 365, under 730, older)."""
        instant, end = timedelta(microseconds=1), self.end()
        runs = self.runs()
        ended: dict[str, Any] = {}
        running: dict[str, Any] = {}
        for measure in ("voorlopige-ots", "ots", "voogdij", "jeugdreclassering"):
            own = [r for r in runs if r[1] == measure]
            ended[measure] = lead(
                [
                    e - b
                    for c, _, b, e, _ in own
                    if e is not None
                    and e < end
                    and self.in_period(e)
                    and self.of_case(c, e - instant)
                ]
            )
            ages = [
                end - b
                for c, _, b, e, _ in own
                if b < end and (e is None or e >= end) and self.of_case(c, end - instant)
            ]
            bands = {
                "under-3-months": 0,
                "3-to-12-months": 0,
                "1-to-2-years": 0,
                "2-years-or-more": 0,
            }
            for age in ages:
                bands[
                    "under-3-months"
                    if age.days < 91
                    else "3-to-12-months"
                    if age.days < 365
                    else "1-to-2-years"
                    if age.days < 730
                    else "2-years-or-more"
                ] += 1
            running[measure] = {
                "running": raw(len(ages)),
                "by_age": {k: raw(v) for k, v in bands.items()},
            }
        return {"on": (self.to or TODAY).isoformat(), "ended": ended, "running": running}

    # /v1/provisional-ots
    def voorlopige_ots(self) -> dict[str, Any]:
        instant, end = timedelta(microseconds=1), self.end()
        how = [
            h
            for c, m, _, e, h in self.runs()
            if m == "voorlopige-ots"
            and e is not None
            and e < end
            and self.in_period(e)
            and self.of_case(c, e - instant)
        ]
        stopped, ots = len(how), how.count("ots")
        return {
            "stopped": raw(stopped),
            "became_ots": raw(ots),
            "became_guardianship": raw(how.count("voogdij")),
            "expired": raw(how.count("expired")),
            "ended": raw(how.count("ended")),
            "became_ots_share": ots / stopped if stopped else None,
        }

    # /v1/rvdk-to-measure
    def rvdk_to_measure(self) -> dict[str, Any]:
        durations: dict[str, list[timedelta]] = {
            m: [] for m in ("voorlopige-ots", "ots", "voogdij", "jeugdreclassering")
        }
        for case in self.by_case:
            asked = self.first(case, "rvdk-investigation-requested")
            if asked is None:
                continue
            after = sorted(
                (at, d["measure"])
                for k, _, at, d in self.by_case[case]
                if k == "protection-measure-imposed" and at >= asked
            )
            if after and self.in_period(after[0][0]) and self.of_case(case, after[0][0]):
                durations[after[0][1]].append(after[0][0] - asked)
        return {
            "all": lead([d for found in durations.values() for d in found]),
            "measures": {m: lead(found) for m, found in durations.items()},
        }

    # /v1/compulsory-inflow
    def gedwongen_inflow(self) -> dict[str, Any]:
        """A case enters at an imposition in the period while no measure was in force just
        before it (its kader then not yet, or no longer, the measure's)."""
        instant = timedelta(microseconds=1)
        runs = self.runs()
        by_case: dict[UUID, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        for case, _, began, stopped, _ in runs:
            by_case[case].append((began, stopped))

        def in_force(case: UUID, moment: datetime) -> bool:
            return any(b <= moment and (e is None or e > moment) for b, e in by_case[case])

        entered: dict[str, int] = dict.fromkeys(TWENTE_GEMEENTEN, 0)
        for case, own in by_case.items():
            gemeente = self.attributes.get((case, "gemeente_code"))
            if gemeente in entered and any(
                self.in_period(b) and not in_force(case, b - instant) and self.of_case(case, b)
                for b, _ in own
            ):
                entered[gemeente] += 1
        return {
            "entered": raw(sum(entered.values())),
            "per_municipality": {code: raw(n) for code, n in entered.items()},
        }


# --- the projection's answers through the read API ---------------------------------------------


def as_lead(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": body["count"]["value"],
        "p50": body["p50_days"],
        "p90": body["p90_days"],
        "max": body["max_days"],
    }


ANSWERS: dict[str, tuple[str, Callable[[dict[str, Any]], Any], Callable[[Reference], Any]]] = {
    "lead-times": (
        "/v1/lead-times",
        lambda b: {f["transition"]: as_lead(f) for f in b["lead_times"]},
        Reference.lead_times,
    ),
    "referrals-by-verwijzer": (
        "/v1/referrals-by-referrer",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.referrals_by_verwijzer,
    ),
    "stepping-stones": (
        "/v1/stepping-stones",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.stepping_stones,
    ),
    "moves-away-from-home": (
        "/v1/moves-away-from-home",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.moves_away_from_home,
    ),
    "placement-locations": (
        "/v1/placement-locations",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.placement_locations,
    ),
    "home-like-settings": (
        "/v1/home-like-settings",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.home_like_settings,
    ),
    "placement-durations": (
        "/v1/placement-durations",
        lambda b: {
            "on": b["on"],
            "care_forms": {
                f["care_form"]: {
                    kind: {k: f[kind][k] for k in ("count", "p50_days", "p90_days", "max_days")}
                    for kind in ("ended", "open")
                }
                for f in b["care_forms"]
            },
        },
        Reference.placement_durations,
    ),
    "capacity": ("/v1/capacity", lambda b: b["waiting_lists"], Reference.capacity),
    "waiting-lists": (
        "/v1/waiting-lists",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.waiting_lists,
    ),
    "capacity-history": (
        "/v1/capacity-history",
        lambda b: b["per_month"],
        Reference.capacity_history,
    ),
    "inflow": (
        "/v1/inflow",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.inflow,
    ),
    "thuis-tenzij": (
        "/v1/at-home-unless",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.thuis_tenzij,
    ),
    "care-form-matrix": (
        "/v1/care-form-matrix",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.care_form_matrix,
    ),
    "turning-eighteen": (
        "/v1/turning-eighteen",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.turning_eighteen,
    ),
    "time-in-chain": (
        "/v1/time-in-chain",
        lambda b: {
            "route": as_lead(b["route"]),
            "time_in_chain": as_lead(b["time_in_chain"]),
            "left": b["left"],
            "re_entered": b["re_entered"],
            "re_entry_share": b["re_entry_share"],
        },
        Reference.time_in_chain,
    ),
    "hand-overs": (
        "/v1/hand-overs",
        lambda b: {f["transition"]: as_lead(f) for f in b["hand_overs"]},
        Reference.hand_overs,
    ),
    "kader-changes": (
        "/v1/legal-framework-changes",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.kader_changes,
    ),
    "ret-escalations": (
        "/v1/ret-escalations",
        lambda b: {
            **{k: v for k, v in b.items() if k not in ("filters", "time_to_advice")},
            "time_to_advice": as_lead(b["time_to_advice"]),
        },
        Reference.ret_escalations,
    ),
    "veilig-thuis-onderzoek": (
        "/v1/veilig-thuis-investigation",
        lambda b: {
            **{k: v for k, v in b.items() if k not in ("filters", "duration")},
            "duration": as_lead(b["duration"]),
        },
        Reference.veilig_thuis_onderzoek,
    ),
    "measures": (
        "/v1/measures",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.measures,
    ),
    "measure-durations": (
        "/v1/measure-durations",
        lambda b: {
            "on": b["on"],
            "ended": {f["transition"]: as_lead(f) for f in b["ended"]},
            "running": {
                r["measure"]: {"running": r["running"], "by_age": r["by_age"]} for r in b["running"]
            },
        },
        Reference.measure_durations,
    ),
    "voorlopige-ots": (
        "/v1/provisional-ots",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.voorlopige_ots,
    ),
    "rvdk-to-measure": (
        "/v1/rvdk-to-measure",
        lambda b: {
            "all": as_lead(b["all"]),
            "measures": {f["transition"]: as_lead(f) for f in b["measures"]},
        },
        Reference.rvdk_to_measure,
    ),
    "gedwongen-inflow": (
        "/v1/compulsory-inflow",
        lambda b: {k: v for k, v in b.items() if k != "filters"},
        Reference.gedwongen_inflow,
    ),
}
WITH_PROVIDER = (
    "lead-times",
    "capacity",
    "inflow",
    "care-form-matrix",
    "placement-locations",
    "home-like-settings",
    "placement-durations",
    "waiting-lists",
    "capacity-history",
    "inflow",
    "care-form-matrix",
)


FiltersOf = Callable[[str], list[dict[str, str]]]
"""The filters a comparison asks a figure's answers under."""


def filters_of(figure: str) -> list[dict[str, str]]:
    """Every filter: those on cases, and for the figures of placements their care form and
    provider."""
    return FILTERS + (PROVIDER_FILTERS if figure in WITH_PROVIDER else [])


def case_filters_of(figure: str) -> list[dict[str, str]]:
    """The filters on cases alone (period, gemeente, kader): for the tests of what rewrites
    cases and youths (an erasure, the retention) or the facts of a partition (a rebalance),
    which leave a placement's care form and provider as they are. Each breakdown is a family
    of up to 165 answers to protect (`linked.py`); the reference test asks them all."""
    return FILTERS


async def api_figures(
    database_url: str, schema: str, filters: FiltersOf = filters_of
) -> dict[tuple[str, str], Any]:
    """Every figure of the read API under each of its `filters`: (figure, filter) -> its
    answer."""
    pool = await store.create_pool(database_url, schema)
    answers: dict[tuple[str, str], Any] = {}
    try:
        app = create_api(TableFigures(pool), today=lambda: TODAY)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ketenmonitor") as http:
            for name, (path, answer, _) in ANSWERS.items():
                for query in filters(name):
                    response = await http.get(path, params=query)
                    assert response.status_code == 200, response.text
                    answers[name, json.dumps(query)] = answer(response.json())
    finally:
        await pool.close()
    return answers


@dataclass(frozen=True)
class Comparison:
    """The read API's answers beside the reference: how many answers were compared, each
    (figure, filter, where they differ, reference) where they do, and of the counts of 10 or more
    the reference holds, how many the API shows."""

    compared: int
    disagreements: list[tuple[str, dict[str, str], Any, Any]]
    large_counts: int
    large_counts_shown: int

    @property
    def large_counts_shown_share(self) -> float:
        return self.large_counts_shown / self.large_counts if self.large_counts else 1.0


async def compare_figures(
    database_url: str, schema: str, facts: list[Fact], filters: FiltersOf = filters_of
) -> Comparison:
    """Every figure of the read API under each of its `filters` against the reference of the
    facts.
    Every count the API shows must equal the reference's; which it hides is the suppression's
    to say (`tests/support/suppressed.py`)."""
    connection = await store.connect(database_url, schema)
    try:
        assert await connection.fetchval("SELECT count(*) FROM facts") == len(facts)
    finally:
        await connection.close()
    disagreements = []
    counts_large = counts_shown = 0
    answers = await api_figures(database_url, schema, filters)
    for (name, query), got in answers.items():
        filters = json.loads(query)
        with suppressed.counted_raw():
            expected = ANSWERS[name][2](Reference(facts, filters))
        found = suppressed.disagreement(got, expected)
        if found:
            disagreements.append((name, filters, found, expected))
        large, shown = suppressed.large_counts(got, expected)
        counts_large += large
        counts_shown += shown
    return Comparison(len(answers), disagreements, counts_large, counts_shown)


# every figure under every filter over 63,000 events, each answer protected with its family
# (every quarter and year, for the region and each gemeente, kader, care form or provider):
# 11 minutes on the two shared cores at a load of 6 (the waiting lists, 18-/18+ and the
# capacity read their rows into Python for each of a family's answers)
@pytest.mark.timeout(1200)
async def test_every_figure_equals_an_independent_reference_over_ten_thousand_cases(
    platform: IsolatedPlatform,
) -> None:
    began = time.monotonic()
    rng = random.Random(2026)
    chain = cloud_events(platform, seed=61, cases=10_000)
    events = chain.events
    cases = {e.caseid for _, e in events if e.caseid is not None}
    assert len(cases) >= 10_000
    late = set(rng.sample(range(len(events)), len(events) // 20))
    twice = rng.sample(range(len(events)), len(events) // 50)
    first = [events[i] for i in range(len(events)) if i not in late]
    then = [events[i] for i in sorted(late)]
    for i in twice:  # republished with the same source and id, now or with the late ones
        (then if rng.random() < 0.2 else first).append(events[i])
    rng.shuffle(first)
    rng.shuffle(then)
    # most keys before the months sealed under them, some only after (held, then unsealed)
    keys = list(chain.keys.items())
    rng.shuffle(keys)
    keys_later = keys[: len(keys) // 10]
    generated = time.monotonic()

    await publish_keys(platform, keys[len(keys_later) :])
    await publish(platform, first)
    async with projecting(platform):
        await wait_caught_up(platform)
        await publish(platform, then)
        await publish_keys(platform, keys_later)
        await wait_caught_up(platform)
    projected = time.monotonic()

    facts = distinct(events, chain.keys)
    settings = platform.settings()
    comparison = await compare_figures(settings.database_url, settings.database_schema, facts)
    print(
        f"{len(cases)} cases, {len(events)} events ({len(then)} late, {len(twice)} twice); "
        f"generated {generated - began:.1f}s, "
        f"published and projected {projected - generated:.1f}s, "
        f"{comparison.compared} figures compared {time.monotonic() - projected:.1f}s, "
        f"{comparison.large_counts_shown_share:.0%} of the counts of 10 or more shown"
    )
    assert not comparison.disagreements, comparison.disagreements[0]
    # hiding beside the small counts, within each answer and across the others, leaves most
    # of the large ones to read (on these fixed cases: how many depends on the cases)
    assert comparison.large_counts_shown_share >= 0.75, comparison
    # and the agreement is about something: the events show every kind of figure
    whole = Reference(facts, {})
    assert all(figure["count"] for figure in whole.lead_times().values())
    assert {w["hotspot"] for w in whole.capacity()} >= {True, False}
    ways = ("started_there", "started_elsewhere", "withdrawn", "care_ended", "still_waiting")
    assert all(any(w[way]["value"] for w in whole.waiting_lists()["waiting_lists"]) for way in ways)
    assert len({m["month"] for m in whole.capacity_history()}) >= 12
    assert whole.stepping_stones()["first_time_right_share"] is not None
    at_home = whole.thuis_tenzij()
    assert at_home["with_residential_care_share"] is not None
    assert at_home["with_and_without_residential_care"]["value"]
    months_shown = [m for m in at_home["per_month"] if m["with_residential_care_share"] is not None]
    assert len(months_shown) >= 10  # of 13: a month's few in both may hide its counts
    assert whole.care_form_matrix()["without_advice"]["value"]
    eighteen = whole.turning_eighteen()
    assert eighteen["soon_without_plan"]["value"]
    assert all(p["turned_eighteen"]["value"] for p in eighteen["plans"])
    assert whole.time_in_chain()["re_entry_share"] is not None
    assert all(figure["count"] for figure in whole.hand_overs().values())
    # cases whose kader changes: into the gedwongen kader and back, some still in it
    assert all(count["value"] for count in whole.kader_changes().values())
    away = whole.moves_away_from_home()
    assert away["average_moves"]
    assert away["placed_before_share"]
    assert all(d["moves"]["value"] for d in away["directions"])
    assert all(w["share"] for w in whole.placement_locations()["where"])
    assert whole.home_like_settings()["home_like_share"]
    referrals = whole.referrals_by_verwijzer()["referrers"]
    assert all(v["referrals"]["value"] for v in referrals)
    for decision in ToegangDecision:
        assert any(v["decisions"][decision.value]["value"] for v in referrals), decision
    assert any(v["withdrawn"]["value"] for v in referrals)
    assert any(v["undecided"]["value"] for v in referrals)
    ret = whole.ret_escalations()
    assert all(count["value"] for count in ret["per_escalator"].values())
    assert ret["non_contracted_share"]
    assert ret["custom_budget_share"]
    assert ret["time_to_advice"]["count"]
    onderzoek = whole.veilig_thuis_onderzoek()
    assert onderzoek["started"]["value"]
    assert all(count["value"] for count in onderzoek["outcomes"].values())
    assert onderzoek["over_norm_share"]
    assert onderzoek["duration"]["count"]
    # every measure's steps, and every way a voorlopige OTS stops
    measures = whole.measures()
    for kind in ("imposed", "ended", "running_at_end"):
        assert any(m[kind]["value"] >= 10 for m in measures["measures"]), kind
    # an OTS is extended after most of a year: the extensions come in the chain's second year
    extended = Reference(facts, {"from": "2026-01-01", "to": "2026-12-31"}).measures()
    assert any(m["extended"]["value"] >= 10 for m in extended["measures"])
    stopped = whole.voorlopige_ots()
    assert all(
        stopped[way]["value"] for way in ("became_ots", "became_guardianship", "expired", "ended")
    )
    lasted = whole.measure_durations()
    assert all(lasted["ended"][m]["count"] for m in ("voorlopige-ots", "ots", "jeugdreclassering"))
    assert all(lasted["running"][m]["running"]["value"] for m in ("ots", "voogdij"))
    assert whole.rvdk_to_measure()["measures"]["ots"]["count"]
    assert whole.gedwongen_inflow()["entered"]["value"]
    durations = whole.placement_durations()["care_forms"]
    assert all(
        durations[form][kind]["p50_days"] for form in ALL_FORMS for kind in ("ended", "open")
    )
