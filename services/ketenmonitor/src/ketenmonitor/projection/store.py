"""The projection's PostgreSQL store (asyncpg): one transaction per batch, holding the facts,
their derived rows and the consumer positions they bring the projection to."""

import asyncio
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

import asyncpg
import orjson

from jeugdketen_shared.youth_keys import KeyRecord
from ketenmonitor.facts import (
    MEASURE_TYPES,
    PREFIX,
    Derived,
    Fact,
    derive,
    gedwongen_stretches,
)
from ketenmonitor.projection import queries
from ketenmonitor.projection.queries import quoted as quoted

Partition = tuple[str, int]
"""(topic, partition)"""


class PositionsMoved(RuntimeError):
    """The stored positions are not where this consumer left them: another writer, or a rebuild
    that switched over. The consumer seeks to the stored positions and carries on."""


@dataclass(frozen=True)
class Placed:
    """A Kafka record's place, and the fact it held (None: a record the projection skips), or
    the youth's key (a record of the keys topic)."""

    topic: str
    partition: int
    offset: int
    fact: Fact | None
    youth_key: KeyRecord | None = None


@dataclass(frozen=True)
class Prepared:
    """A batch's facts as they are to be stored, and what the erasure side found of them."""

    facts: list[Fact]
    """In the batch's order: anonymised where they belong to an erased youth, held months
    unsealed."""
    anonymised: frozenset[tuple[str, str]] = frozenset()
    """(source, id) of those that belong to an erased youth: counted, never alerted."""
    unsealed: set[UUID] = field(default_factory=set)
    """Cases whose held months the batch's keys unsealed."""


class BatchErasure(Protocol):
    """The youths' keys and their erasure in a batch's transaction (`privacy.erasure_store`),
    asked twice: before the facts are written and after."""

    async def create_tables(self, connection: asyncpg.Connection) -> None: ...

    async def before_facts(
        self, connection: asyncpg.Connection, keys: Sequence[KeyRecord], facts: Sequence[Fact]
    ) -> Prepared:
        """Lock what the batch touches, store its keys, and prepare its facts."""

    async def after_facts(self, connection: asyncpg.Connection, keys: Sequence[KeyRecord]) -> None:
        """Erase the youths of the batch's tombstones, with the facts of the batch stored."""


@dataclass(frozen=True)
class Applied:
    reached: dict[Partition, int]
    """The positions the batch brought its partitions to."""
    facts: list[Fact]
    """The batch's facts as stored (anonymised, months unsealed)."""
    anonymised: frozenset[tuple[str, str]]
    """(source, id) of those of erased youths."""
    unsealed: set[UUID]
    """Cases whose held months the batch's keys unsealed: their stages are recomputed too."""

    @property
    def staged(self) -> list[Fact]:
        """The facts whose cases' stages are recomputed: an erased youth is never alerted."""
        return [fact for fact in self.facts if (fact.source, fact.id) not in self.anonymised]


FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, asyncio.TimeoutError)
"""What a call on the database can fail with: its refusal or the connection's loss."""


async def connect(database_url: str, schema: str) -> asyncpg.Connection:
    return await asyncpg.connect(database_url, server_settings={"search_path": schema})


async def create_pool(database_url: str, schema: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        database_url, min_size=1, max_size=4, server_settings={"search_path": schema}
    )


async def create_schema(connection: asyncpg.Connection, schema: str) -> None:
    await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(schema)}")
    async with connection.transaction():
        await connection.execute(f"SET LOCAL search_path TO {quoted(schema)}")
        await connection.execute(queries.LOCK_SCHEMA_CHANGES)
        await connection.execute(queries.CREATE_TABLES)


async def positions(connection: asyncpg.Connection) -> dict[Partition, int]:
    rows = await connection.fetch(queries.SELECT_POSITIONS)
    return {(row["topic"], row["partition"]): row["next_offset"] for row in rows}


async def apply(
    connection: asyncpg.Connection,
    batch: Sequence[Placed],
    expected: Mapping[Partition, int],
    erasure: BatchErasure,
) -> Applied:
    """Record a batch in one transaction: the positions it reached, and its facts as stored.

    `expected` is where this consumer believes each partition stands; when the store says
    otherwise, nothing is written and `PositionsMoved` is raised. The erasure side stores the
    batch's keys before its facts (so a fact finds a key of its batch), and its tombstones
    erase after them (so they find the facts of their batch).
    """
    reached: dict[Partition, int] = {}
    for placed in batch:
        key = (placed.topic, placed.partition)
        reached[key] = max(reached.get(key, 0), placed.offset + 1)
    youth_keys = [placed.youth_key for placed in batch if placed.youth_key is not None]
    async with connection.transaction():
        keys = sorted(reached)
        stored = {
            (row["topic"], row["partition"]): row["next_offset"]
            for row in await connection.fetch(
                queries.LOCK_POSITIONS, [topic for topic, _ in keys], [p for _, p in keys]
            )
        }
        moved = [key for key in reached if stored.get(key) != expected.get(key)]
        if moved:
            raise PositionsMoved(f"stored positions differ from this consumer's for {moved}")
        places = [placed for placed in batch if placed.fact is not None]
        arrived = [placed.fact for placed in places if placed.fact is not None]
        prepared = await erasure.before_facts(connection, youth_keys, arrived)
        facts = list(zip(places, prepared.facts, strict=True))
        inserted = await connection.fetch(queries.INSERT_FACTS, *_fact_columns(facts))
        new = {(row["source"], row["id"]) for row in inserted}
        recorded = list(_first_of_each(fact for _, fact in facts if (fact.source, fact.id) in new))
        await _write_derived(connection, derive(recorded))
        await _recompute_stretches(connection, recorded)
        await erasure.after_facts(connection, youth_keys)
        await connection.execute(
            queries.UPSERT_POSITIONS,
            [topic for topic, _ in keys],
            [partition for _, partition in keys],
            [reached[key] for key in keys],
        )
    return Applied(reached, prepared.facts, prepared.anonymised, prepared.unsealed)


def _first_of_each(facts: Iterable[Fact]) -> Iterator[Fact]:
    """A batch may hold the same (source, id) twice, a republished record beside the first."""
    seen: set[tuple[str, str]] = set()
    for fact in facts:
        if (fact.source, fact.id) not in seen:
            seen.add((fact.source, fact.id))
            yield fact


def _fact_columns(facts: Sequence[tuple[Placed, Fact]]) -> list[list[object]]:
    columns: list[list[object]] = [[] for _ in range(10)]
    for placed, fact in facts:
        for column, value in zip(
            columns,
            (
                fact.source,
                fact.id,
                fact.type,
                fact.case_id,
                fact.occurred_at,
                fact.recorded_at,
                placed.topic,
                placed.partition,
                placed.offset,
                orjson.dumps(fact.data).decode(),
            ),
            strict=True,
        ):
            column.append(value)
    return columns


async def _write_derived(connection: asyncpg.Connection, derived: Derived) -> None:
    """Each table's rows in key order, the tables in one order: two instances of a group
    upserting the same keys lock them in the same order, so neither deadlocks the other."""
    if derived.milestones:
        milestones = sorted(derived.milestones, key=lambda m: (m.case_id, m.milestone))
        await connection.execute(
            queries.UPSERT_MILESTONES,
            [m.case_id for m in milestones],
            [m.milestone for m in milestones],
            [m.occurred_at for m in milestones],
        )
    if derived.cases:
        await connection.execute(
            queries.UPSERT_CASES,
            [c.case_id for c in derived.cases],
            [c.gemeente_code for c in derived.cases],
            [c.gemeente_at for c in derived.cases],
            [c.kader for c in derived.cases],
            [c.kader_at for c in derived.cases],
            [c.youth_pseudonym for c in derived.cases],
        )
    if derived.placements:
        placements = sorted(derived.placements, key=lambda p: p.youth_pseudonym)
        await connection.execute(
            queries.UPSERT_YOUTH_PLACEMENTS,
            [p.youth_pseudonym for p in placements],
            [p.first_started_at for p in placements],
            [p.case_id for p in placements],
        )
    if derived.transfers:
        youths = sorted(derived.transfers)
        await connection.execute(
            queries.ADD_YOUTH_TRANSFERS, youths, [derived.transfers[y] for y in youths]
        )
    if derived.first_placements:
        await connection.execute(
            queries.UPSERT_FIRST_PLACEMENTS,
            [p.case_id for p in derived.first_placements],
            [p.started_at for p in derived.first_placements],
            [p.care_form for p in derived.first_placements],
            [p.provider for p in derived.first_placements],
        )


async def analyze(connection: asyncpg.Connection, schema: str) -> None:
    """Gather the planner's statistics of the schema's tables. The figures' queries pick their
    plans by them: over tables filled moments ago, with none yet, a query that takes 5 ms took
    120 ms. Autovacuum gathers them too, but only a minute or more after the tables grew."""
    for table in queries.TABLES:
        await connection.execute(f"ANALYZE {quoted(schema)}.{table}")


async def _recompute_stretches(connection: asyncpg.Connection, recorded: Sequence[Fact]) -> None:
    """The gedwongen stretches of every case a new measure fact of the batch belongs to, from
    all the case's measure facts stored (those of this batch included), in case order. Without
    the cases' locks the stages take: a case's measure facts are all toegang's, keyed by the
    case, so on one partition, whose position this transaction holds."""
    cases = sorted(
        {f.case_id for f in recorded if f.case_id is not None and f.short_type in MEASURE_TYPES}
    )
    if not cases:
        return
    rows = await connection.fetch(
        queries.SELECT_MEASURE_FACTS, cases, [PREFIX + kind for kind in sorted(MEASURE_TYPES)]
    )
    by_case: dict[UUID, list[Fact]] = {case: [] for case in cases}
    for row in rows:
        by_case[row["case_id"]].append(
            Fact(
                source=row["source"],
                id=row["id"],
                type=row["type"],
                case_id=row["case_id"],
                occurred_at=row["occurred_at"],
                recorded_at=row["recorded_at"],
                data=orjson.loads(row["data"]),
            )
        )
    stretches = [(case, s) for case in cases for s in gedwongen_stretches(by_case[case])]
    await connection.execute(queries.DELETE_GEDWONGEN_STRETCHES, cases)
    if stretches:
        await connection.execute(
            queries.INSERT_GEDWONGEN_STRETCHES,
            [case for case, _ in stretches],
            [s.since for _, s in stretches],
            [s.until for _, s in stretches],
        )


async def move_tables(connection: asyncpg.Connection, source: str, target: str) -> None:
    """Replace the target schema's tables by the source schema's, in one transaction; drop the
    source schema. Readers see the old tables until the commit, then the new ones."""
    async with connection.transaction():
        await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(target)}")
        for table in queries.TABLES:
            await connection.execute(f"DROP TABLE IF EXISTS {quoted(target)}.{table}")
            await connection.execute(
                f"ALTER TABLE {quoted(source)}.{table} SET SCHEMA {quoted(target)}"
            )
        await connection.execute(f"DROP SCHEMA {quoted(source)} CASCADE")
