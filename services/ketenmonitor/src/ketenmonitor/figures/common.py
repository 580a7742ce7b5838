"""What the figures share: their filters, small-cell suppression, durations and their spread,
the facts as the figures read them, and the SQL fragments every figure's query is built of.

Every count a dashboard sees passes the one suppression module (`suppression`); so does every
figure that would reveal a hidden count (the percentiles of that cell, a share of a hidden part).
"""

import asyncio
import re
from collections.abc import AsyncIterator, Hashable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from uuid import UUID

import asyncpg
import orjson

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.vocabulary import Kader
from ketenmonitor.facts import PREFIX, Stretch
from ketenmonitor.figures.suppression import Count, protect, suppressed

SECONDS_PER_DAY = 86_400

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Transition:
    """A stage transition: from the first `start` milestone of a case to its first `end`."""

    name: str
    start: str
    end: str
    description: str


class Named(Protocol):
    """What a lead time is shown under: a transition, or another pair of steps (a hand-over)."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...


@dataclass(frozen=True)
class Filters:
    """A period (calendar dates, Europe/Amsterdam, both ends included) on a transition's end,
    or on a youth's first placement start; a gemeente (CBS code) and a kader; and, for the
    figures where they mean something, a care form and a provider (KvK number)."""

    from_date: date | None = None
    to_date: date | None = None
    gemeente_code: str | None = None
    kader: str | None = None
    care_form: str | None = None
    provider: str | None = None

    def without_period(self) -> "Filters":
        """The same filters for all time: for rows a figure reads whatever the period, so
        that the answers of a family ask for them alike (`linked.SharedReads`)."""
        return replace(self, from_date=None, to_date=None)


@dataclass(frozen=True)
class LeadTime:
    transition: str
    description: str
    count: Count
    p50_days: float | None
    p90_days: float | None
    max_days: float | None


def percentile(ordered: Sequence[timedelta], p: int) -> timedelta:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not ordered:
        raise ValueError("no values")
    rank = -(-p * len(ordered) // 100)  # ceil(p * n / 100), in integers
    return ordered[max(rank, 1) - 1]


def days(duration: timedelta) -> float:
    return duration.total_seconds() / SECONDS_PER_DAY


@dataclass(frozen=True)
class Spread:
    """What a lead time shows of a set of durations: how many, their nearest-rank p50 and p90
    and their maximum (None when there are none). The store computes it in SQL
    (`spread_of`) with the same ranks as `percentile`."""

    count: int
    p50: timedelta | None = None
    p90: timedelta | None = None
    max: timedelta | None = None


def spread(durations: Iterable[timedelta]) -> Spread:
    ordered = sorted(durations)
    if not ordered:
        return Spread(0)
    return Spread(len(ordered), percentile(ordered, 50), percentile(ordered, 90), ordered[-1])


def lead_time_of(named: Named, found: Spread, count: Count) -> LeadTime:
    """`count`: the number of durations as the figure's suppression shows it."""
    if count.suppressed or found.p50 is None or found.p90 is None or found.max is None:
        return LeadTime(named.name, named.description, count, None, None, None)
    return LeadTime(
        named.name,
        named.description,
        count,
        p50_days=days(found.p50),
        p90_days=days(found.p90),
        max_days=days(found.max),
    )


def lead_time(transition: Transition, durations: Iterable[timedelta]) -> LeadTime:
    found = spread(durations)
    return lead_time_of(transition, found, suppressed(found.count, transition.name))


def lead_times_of(
    transitions: Iterable[Named], found: Mapping[str, Spread], table: str
) -> list[LeadTime]:
    """Each transition's lead time, by its name (`keyed_lead_times`)."""
    return list(keyed_lead_times({t.name: t for t in transitions}, found, table).values())


def keyed_lead_times(
    transitions: Mapping[Key, Named], found: Mapping[Key, Spread], table: str
) -> dict[Key, LeadTime]:
    """Per key, its transition's lead time over the spread found under that key (none: no
    durations), its count protected in one table with the others' (none sums with another,
    but a family of requests links each to itself elsewhere)."""
    spreads = {key: found.get(key, Spread(0)) for key in transitions}
    shown = protect({key: s.count for key, s in spreads.items()}, (), table)
    return {
        key: lead_time_of(transition, spreads[key], shown.count(key))
        for key, transition in transitions.items()
    }


@dataclass(frozen=True)
class Bucket:
    """A group of youths by a number of theirs (transfers, moves), from `low` to `high`
    (None: no upper end), both included."""

    name: str
    low: int
    high: int | None

    def holds(self, number: int) -> bool:
        return self.low <= number and (self.high is None or number <= self.high)


def numbered_buckets(each_below: int, up_to: int) -> tuple[Bucket, ...]:
    """A group for each number below `each_below`, one from it up to `up_to`, and one above:
    "0" to "4", "5-10" and "11+" for 5 and 10."""
    return (
        *(Bucket(str(number), number, number) for number in range(each_below)),
        Bucket(f"{each_below}-{up_to}", each_below, up_to),
        Bucket(f"{up_to + 1}+", up_to + 1, None),
    )


def per_bucket(groups: Iterable[Bucket], numbers: Iterable[tuple[int, int]]) -> dict[str, int]:
    """Per group, by name: how many there are with a number it holds, of `numbers`' pairs of
    a number and how many have it."""
    counted = list(numbers)
    return {group.name: sum(n for number, n in counted if group.holds(number)) for group in groups}


@dataclass(frozen=True)
class FactRow:
    """A fact as the figures read it: its short type, event time, data, and its case's
    gemeente, the kader its first event declared (`cases`; None for a fact about a provider)
    and its stretches in the gedwongen kader."""

    type: str
    case_id: UUID | None
    occurred_at: datetime
    data: Mapping[str, Any]
    gemeente_code: str | None = None
    kader: str | None = None
    gedwongen: tuple[Stretch, ...] = ()


def day_of(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def end_of_day(day: date) -> datetime:
    """The first moment after `day` (Europe/Amsterdam)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=AMSTERDAM)


@dataclass(frozen=True)
class MonthEnd:
    """A calendar month (Europe/Amsterdam) and the moment a stock is taken for it."""

    month: str
    """YYYY-MM"""
    at: datetime
    """The first moment after the month, or after the period's last day within it."""

    @property
    def day(self) -> date:
        return stock_day(self.at)


def stock_day(at: datetime) -> date:
    """The day at whose end a stock taken at `at` (the first moment after it) stands."""
    return day_of(at) - timedelta(days=1)


def month_ends(first: date, last: date) -> list[MonthEnd]:
    """Every calendar month from `first`'s to `last`'s, each taken at its end; `last`'s month
    at the end of `last`, so that the last stock is the one of the period's end."""
    found = []
    month = first.replace(day=1)
    while month <= last:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        taken = min(following - timedelta(days=1), last)
        found.append(MonthEnd(month.strftime("%Y-%m"), end_of_day(taken)))
        month = following
    return found


def in_period(moment: datetime, filters: Filters) -> bool:
    day = day_of(moment)
    return (filters.from_date is None or day >= filters.from_date) and (
        filters.to_date is None or day <= filters.to_date
    )


def kader_at(declared: str | None, stretches: Iterable[Stretch], moment: datetime) -> str | None:
    """The case's kader at `moment`: gedwongen within a stretch; vrijwillig after its last
    stretch ended; before its first, the kader its first event declared (None: none did).
    `sql_kader_at` is the same rule in SQL."""
    latest = max((s for s in stretches if s.since <= moment), key=lambda s: s.since, default=None)
    if latest is None:
        return declared
    if latest.until is None or moment < latest.until:
        return Kader.GEDWONGEN.value
    return Kader.VRIJWILLIG.value


def of_case(row: FactRow, filters: Filters, moment: datetime) -> bool:
    """The row's case matches the gemeente filter, and the kader filter at `moment` (the step
    the figure counts; `kader_at`)."""
    return (filters.gemeente_code is None or row.gemeente_code == filters.gemeente_code) and (
        filters.kader is None or kader_at(row.kader, row.gedwongen, moment) == filters.kader
    )


# --- SQL: every figure's query is built of these -------------------------------------------


class Database(Protocol):
    """What a figure's rows are read from: the read API's pool, one connection, or one
    snapshot (`AtSnapshot`)."""

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


class AtSnapshot:
    """Reads at one snapshot of the database, side by side where the pool allows: on the
    connection whose transaction exported the snapshot, one query at a time, and on another
    that imports it wherever the pool gives one at once. Never waiting for a second connection
    while holding one (requests that each held one and waited for another would wait for each
    other), nor timing an acquisition out (asyncpg may then lose the connection it was opening:
    MagicStack/asyncpg#467)."""

    def __init__(self, pool: asyncpg.Pool, holder: asyncpg.Connection, snapshot: str) -> None:
        if not re.fullmatch(r"[0-9A-F-]+", snapshot):  # pg_export_snapshot's, in a statement
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        self._pool = pool
        self._holder = holder
        self._snapshot = snapshot
        self._turn = asyncio.Lock()

    def _one_free(self) -> bool:
        """The pool has a connection to give at once: an idle one, or one not opened yet."""
        in_use = self._pool.get_size() - self._pool.get_idle_size()
        return bool(in_use < self._pool.get_max_size())

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        if not self._turn.locked() or not self._one_free():
            async with self._turn:
                yield self._holder
            return
        borrowed = await self._pool.acquire()
        try:
            async with borrowed.transaction(isolation="repeatable_read", readonly=True):
                await borrowed.execute(f"SET TRANSACTION SNAPSHOT '{self._snapshot}'")
                yield borrowed
        finally:
            await self._pool.release(borrowed)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self._connection() as connection:
            return await connection.fetch(query, *args)  # type: ignore[no-any-return]

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self._connection() as connection:
            return await connection.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self._connection() as connection:
            return await connection.fetchval(query, *args)


def spread_of(durations: str, also: str = "") -> str:
    """Per name, the count, nearest-rank p50 and p90 and maximum of the `durations` query's
    rows (`name`, `duration`, and any columns that `also`'s aggregates read): `figures.
    percentile`'s ranks, ceil(p * n / 100), in integers. A name without rows has no row."""
    return f"""
WITH durations AS ({durations}),
ranked AS (
    SELECT durations.*,
           row_number() OVER (PARTITION BY name ORDER BY duration) AS rank,
           count(*) OVER (PARTITION BY name) AS n
    FROM durations)
SELECT name, n,
       min(duration) FILTER (WHERE rank = greatest((50 * n + 99) / 100, 1)) AS p50,
       min(duration) FILTER (WHERE rank = greatest((90 * n + 99) / 100, 1)) AS p90,
       max(duration) AS max{also}
FROM ranked
GROUP BY name, n
"""


def sql_in_period(moment: str, from_date: str, to_date: str) -> str:
    """`in_period` in SQL: the moment's Europe/Amsterdam day within the period,
    as bounds on the moment itself (from the first day's midnight, before the midnight after
    the last), so that an index on it serves."""
    return (
        f"({from_date}::date IS NULL"
        f" OR {moment} >= {from_date}::date::timestamp AT TIME ZONE 'Europe/Amsterdam') "
        f"AND ({to_date}::date IS NULL"
        f" OR {moment} < ({to_date}::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam')"
    )


def sql_kader_at(moment: str) -> str:
    """`kader_at` in SQL: the kader of the case's row `c` at `moment` (an expression over the
    query's other tables; `stretch` is this one's alias). The stretch probed is the latest
    begun by then: one index lookup, which finds one only for the few cases with a measure."""
    return f"""coalesce(
    (SELECT CASE WHEN stretch.until IS NULL OR {moment} < stretch.until
                 THEN '{Kader.GEDWONGEN.value}' ELSE '{Kader.VRIJWILLIG.value}' END
     FROM gedwongen_stretches stretch
     WHERE stretch.case_id = c.case_id AND stretch.since <= {moment}
     ORDER BY stretch.since DESC
     LIMIT 1),
    c.kader)"""


def sql_of_case(gemeente: str, kader: str, moment: str) -> str:
    """`of_case` in SQL, over the case's row `c`: the kader at `moment`, the step the figure
    counts (an SQL expression of the query)."""
    return (
        f"({gemeente}::text IS NULL OR c.gemeente_code = {gemeente}) "
        f"AND ({kader}::text IS NULL OR {kader} = {sql_kader_at(moment)})"
    )


def sql_period_and_case(moment: str, first: int) -> str:
    """The query's side of `period_and_case`, its parameters from `$first` on: `moment` in
    the period, and the case's row `c` of the gemeente and of the kader at `moment`."""
    return (
        f"{sql_in_period(moment, f'${first}', f'${first + 1}')} "
        f"AND {sql_of_case(f'${first + 2}', f'${first + 3}', moment)}"
    )


def timed_from_first_start(transition: Transition, columns: str, also: str) -> str:
    """The spread (`spread_of`, with `also`'s aggregates over the end facts' `columns`) of
    the transition's durations: each end fact (`e`, of type $2) in the period ($3, $4, by its
    event time) of the case's gemeente ($5) and kader at it ($6), at or after its case's
    first start fact (of type $1), timed from that start (`fetch_timed` passes these). An end
    dated before its case's start cannot be timed, and is left out."""
    return spread_of(
        f"""
SELECT '{transition.name}'::text AS name, e.occurred_at - s.started_at AS duration, {columns}
FROM facts e
JOIN LATERAL (
    SELECT min(f.occurred_at) AS started_at
    FROM facts f
    WHERE f.case_id = e.case_id AND f.type = $1) AS s ON s.started_at <= e.occurred_at
LEFT JOIN cases c ON c.case_id = e.case_id
WHERE e.type = $2
  AND {sql_period_and_case("e.occurred_at", 3)}""",
        also,
    )


@dataclass(frozen=True)
class Timed:
    """A `timed_from_first_start` query's answer: the spread of the timed durations, and its
    row's columns by name, the `also` aggregates among them (none where no end fact was
    timed: an aggregate over no rows has no row)."""

    spread: Spread
    columns: Mapping[str, Any]

    def count(self, aggregate: str) -> int:
        """A count among the `also` aggregates; 0 where no end fact was timed."""
        found: int = self.columns.get(aggregate, 0)
        return found


async def fetch_timed(
    connection: Database, query: str, transition: Transition, filters: Filters, *more: object
) -> Timed:
    """A `timed_from_first_start` query's answer for `transition` under `filters`; `more`:
    the query's parameters after those."""
    row = await connection.fetchrow(
        query, PREFIX + transition.start, PREFIX + transition.end, *period_and_case(filters), *more
    )
    return Timed(spread_from(row), dict(row) if row is not None else {})


def period_and_case(filters: Filters) -> tuple[object, ...]:
    """The parameters every figure's query takes, in this order: the period, gemeente, kader."""
    return (filters.from_date, filters.to_date, filters.gemeente_code, filters.kader)


def spread_from(row: asyncpg.Record | None) -> Spread:
    """A `spread_of` row; none: no durations (an aggregate over no rows has no row)."""
    if row is None:
        return Spread(0)
    return Spread(row["n"], row["p50"], row["p90"], row["max"])


def counts_per(rows: Iterable[asyncpg.Record], *columns: str) -> dict[tuple[Any, ...], int]:
    """A grouped count's rows: each row's count (`n`) by its values of `columns`."""
    return {tuple(row[column] for column in columns): row["n"] for row in rows}


async def fetch_counts(
    connection: Database,
    query: str,
    types: Sequence[str],
    filters: Filters,
    *more: object,
    per: Sequence[str],
) -> dict[tuple[Any, ...], int]:
    """A grouped count's rows (`counts_per`, by the columns `per`) of a query over the facts
    of the short `types` (its first parameters), then under `filters` (`period_and_case`);
    `more`: the query's parameters after those."""
    rows = await connection.fetch(
        query, *(PREFIX + t for t in types), *period_and_case(filters), *more
    )
    return counts_per(rows, *per)


def spreads_from(rows: Iterable[asyncpg.Record]) -> dict[str, Spread]:
    return {row["name"]: spread_from(row) for row in rows}


class FactRows(Protocol):
    """What the figures computed from the facts themselves read (18-/18+, the gedwongen
    kader's)."""

    async def facts_of(self, types: Sequence[str]) -> list[FactRow]: ...


# $1 event types (full CloudEvent types): the facts of those types, with the gemeente and kader
# of their case
SELECT_FACTS_OF_TYPES = """
SELECT f.type, f.case_id, f.occurred_at, f.data, c.gemeente_code, c.kader
FROM facts f
LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.type = ANY($1::text[])
"""

# every case's stretches in the gedwongen kader: a small table (the cases with a measure), read
# whole rather than beside each fact
SELECT_GEDWONGEN_STRETCHES = "SELECT case_id, since, until FROM gedwongen_stretches"


async def select_facts_of(connection: Database, types: Sequence[str]) -> list[FactRow]:
    """Every fact of the given short types (`plaatsing.placement-started`), with its case's
    gemeente, declared kader and stretches in the gedwongen kader."""
    rows = await connection.fetch(SELECT_FACTS_OF_TYPES, [PREFIX + t for t in types])
    stretches: dict[UUID, list[Stretch]] = {}
    for stretch in await connection.fetch(SELECT_GEDWONGEN_STRETCHES):
        stretches.setdefault(stretch["case_id"], []).append(
            Stretch(stretch["since"], stretch["until"])
        )
    return [
        FactRow(
            type=row["type"].removeprefix(PREFIX),
            case_id=row["case_id"],
            occurred_at=row["occurred_at"],
            data=orjson.loads(row["data"]),
            gemeente_code=row["gemeente_code"],
            kader=row["kader"],
            gedwongen=tuple(stretches.get(row["case_id"], ())),
        )
        for row in rows
    ]
