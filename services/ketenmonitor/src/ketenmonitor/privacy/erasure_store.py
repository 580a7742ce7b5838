"""The keys and erasure side of a batch's transaction (asyncpg): youths' keys stored, held
months unsealed, facts of erased youths anonymised before they are stored, and tombstones
erasing a youth's rows.

`home` is the live schema: the erasure tables (and the alerts) live there even while a rebuild
replays into its scratch schema, so a rebuild sees every erasure and keeps it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

import asyncpg

from jeugdketen_shared.youth_keys import KeyRecord, YouthKey
from ketenmonitor.facts import Fact
from ketenmonitor.privacy.erasure import (
    anonymised,
    anonymous_pseudonym,
    digest,
    is_sealed,
    opened,
    unsealed_month,
    youth_of,
)
from ketenmonitor.projection import queries
from ketenmonitor.projection.store import Prepared

Identifier = TypeVar("Identifier", UUID, str)


class CaseRecords(Protocol):
    """What another room keeps of a case, beside the projection's tables: the alerts
    (`alerts.store.AlertsOfCases`). Erasing a youth erases it for each of the youth's cases."""

    async def forget(self, connection: asyncpg.Connection, home: str, cases: list[UUID]) -> None:
        """Remove every record of the cases, in the erasure's transaction."""


@dataclass(frozen=True)
class ErasureInBatch:
    """The projection's `BatchErasure`: `home` is the live schema (a rebuild's replay writes
    elsewhere and still sees every erasure); `kept_elsewhere`, what an erasure removes beside
    the projection's tables."""

    home: str
    kept_elsewhere: Sequence[CaseRecords] = ()

    async def create_tables(self, connection: asyncpg.Connection) -> None:
        await create_tables(connection, self.home)

    async def before_facts(
        self, connection: asyncpg.Connection, keys: Sequence[KeyRecord], facts: Sequence[Fact]
    ) -> Prepared:
        await lock(connection, self.home, keys, facts)
        unsealed = await record_keys(connection, self.home, keys)
        return replace(await prepare(connection, self.home, facts), unsealed=unsealed)

    async def after_facts(self, connection: asyncpg.Connection, keys: Sequence[KeyRecord]) -> None:
        tombstones = [record.pseudonym for record in keys if record.key is None]
        await erase_youths(connection, self.home, tombstones, self.kept_elsewhere)


def _in(home: str, sql: str) -> str:
    return sql.format(home=queries.quoted(home))


async def create_tables(connection: asyncpg.Connection, home: str) -> None:
    await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {queries.quoted(home)}")
    async with connection.transaction():
        await connection.execute(queries.LOCK_SCHEMA_CHANGES)
        await connection.execute(_in(home, queries.CREATE_ERASURE_TABLES))


async def lock(
    connection: asyncpg.Connection,
    home: str,
    records: Sequence[KeyRecord],
    facts: Iterable[Fact],
) -> None:
    """First in a batch's transaction: the erasure tables, shared with other batches and
    exclusive for an erasure (a tombstone among `records`); then the youths of its keys and of
    its sealed months."""
    erasing = any(record.key is None for record in records)
    statement = queries.LOCK_ERASURES_FOR_ERASURE if erasing else queries.LOCK_ERASURES_FOR_BATCH
    await connection.execute(_in(home, statement))
    youths = {record.pseudonym for record in records}
    youths.update(y for fact in facts if is_sealed(fact.data) and (y := youth_of(fact)) is not None)
    if youths:
        await connection.execute(queries.LOCK_YOUTHS, sorted(youths))


async def record_keys(
    connection: asyncpg.Connection, home: str, records: Sequence[KeyRecord]
) -> set[UUID]:
    """Store the keys (not those of youths erased already) and unseal the months held for
    them; returns the cases whose months were unsealed."""
    keys = {r.pseudonym: r.key for r in records if r.key is not None}
    erased = await _erased_youths(connection, home, keys)
    keys = {youth: key for youth, key in keys.items() if youth not in erased}
    if not keys:
        return set()
    youths = sorted(keys)
    await connection.execute(queries.UPSERT_YOUTH_KEYS, youths, [keys[y].secret for y in youths])
    unsealed: list[tuple[str, str, str, UUID]] = []
    for row in await connection.fetch(queries.SELECT_SEALED_FACTS, youths):
        month = unsealed_month(row["sealed"], keys[row["youth"]])
        if month is not None:
            unsealed.append((row["source"], row["id"], month, UUID(str(row["case_id"]))))
    if unsealed:
        await connection.execute(
            queries.UNSEAL_FACTS,
            [source for source, _, _, _ in unsealed],
            [the_id for _, the_id, _, _ in unsealed],
            [month for _, _, month, _ in unsealed],
        )
    return {case for *_, case in unsealed}


async def prepare(connection: asyncpg.Connection, home: str, facts: Sequence[Fact]) -> Prepared:
    """The facts of erased cases and youths anonymised, every other sealed month unsealed
    with the youth's key when it is known. A youth's case that is new to the erasure tables
    (its first fact naming the erased youth arrived after the erasure) is erased here, its
    rows stored before anonymised with it."""
    youths = {youth for fact in facts if (youth := youth_of(fact)) is not None}
    erased_youths = await _erased_youths(connection, home, youths)
    cases = {fact.case_id for fact in facts if fact.case_id is not None}
    erased_cases = await _anonymous_ids(connection, home, cases)
    newly = {
        fact.case_id
        for fact in facts
        if fact.case_id is not None
        and fact.case_id not in erased_cases
        and youth_of(fact) in erased_youths
    }
    if newly:
        fresh = await _erase_cases(connection, home, newly)
        await _anonymise(connection, fresh, None, None)
        erased_cases.update(fresh)
    sealed = {y for fact in facts if is_sealed(fact.data) and (y := youth_of(fact)) is not None}
    keys = await _keys(connection, sealed - set(erased_youths))
    prepared: list[Fact] = []
    hidden: set[tuple[str, str]] = set()
    for fact in facts:
        youth = youth_of(fact)
        anonymous_case = erased_cases.get(fact.case_id) if fact.case_id is not None else None
        if anonymous_case is not None or youth in erased_youths:
            hidden.add((fact.source, fact.id))
            prepared.append(anonymised(fact, anonymous_case, erased_youths.get(youth or "")))
        else:
            key = keys.get(youth) if youth is not None else None
            prepared.append(replace(fact, data=opened(fact.data, key)))
    return Prepared(prepared, frozenset(hidden))


async def erase_youths(
    connection: asyncpg.Connection,
    home: str,
    youths: Iterable[str],
    kept_elsewhere: Sequence[CaseRecords],
) -> list[UUID]:
    """Erase each youth (after the batch's facts are stored): the key goes, every case of the
    youth gets a random id and the youth a random pseudonym in every projection table, what
    is `kept_elsewhere` of those cases goes. Returns the cases erased."""
    erased: list[UUID] = []
    for youth in youths:
        await connection.execute(
            _in(home, queries.INSERT_ERASED_YOUTH), digest(youth), anonymous_pseudonym()
        )
        [anonymous] = (await _erased_youths(connection, home, [youth])).values()
        rows = await connection.fetch(queries.SELECT_CASES_OF_YOUTH, youth)
        cases = {UUID(str(row["case_id"])) for row in rows}
        fresh = await _erase_cases(connection, home, cases)
        await _anonymise(connection, fresh, youth, anonymous)
        await connection.execute(queries.DELETE_YOUTH_KEY, youth)
        for records in kept_elsewhere:
            await records.forget(connection, home, sorted(cases))
        erased.extend(sorted(cases))
    return erased


async def _anonymise(
    connection: asyncpg.Connection,
    cases: dict[UUID, UUID],
    youth: str | None,
    anonymous: str | None,
) -> None:
    old = sorted(cases)
    new = [cases[case] for case in old]
    for statement in queries.ANONYMISE_CASES_AND_YOUTH:
        await connection.execute(statement, old, new, youth, anonymous)
    for statement in queries.ANONYMISE_CASES:
        await connection.execute(statement, old, new)
    if youth is not None:
        for statement in queries.ANONYMISE_YOUTH:
            await connection.execute(statement, youth, anonymous)


async def _erase_cases(
    connection: asyncpg.Connection, home: str, cases: Iterable[UUID]
) -> dict[UUID, UUID]:
    """A random anonymous id for each case, recorded by the case's hash (an id another
    instance recorded first wins); case id -> anonymous id."""
    ordered = sorted(cases)
    if ordered:
        await connection.execute(
            _in(home, queries.INSERT_ERASED_CASES),
            [digest(case) for case in ordered],
            [uuid4() for _ in ordered],
        )
    return await _anonymous_ids(connection, home, ordered)


async def _anonymous_ids(
    connection: asyncpg.Connection, home: str, cases: Iterable[UUID]
) -> dict[UUID, UUID]:
    """Of the cases, those erased: case id -> anonymous id."""
    found = await _erased(connection, home, queries.SELECT_ERASED_CASES, cases)
    return {case: UUID(str(anonymous)) for case, anonymous in found.items()}


async def _erased_youths(
    connection: asyncpg.Connection, home: str, youths: Iterable[str]
) -> dict[str, str]:
    """Of the pseudonyms, those erased: pseudonym -> anonymous pseudonym."""
    return await _erased(connection, home, queries.SELECT_ERASED_YOUTHS, youths)


async def _erased(
    connection: asyncpg.Connection, home: str, query: str, identifiers: Iterable[Identifier]
) -> dict[Identifier, Any]:
    """Looked up by their hashes (the query's first column), the identifiers found and what
    the query's second column holds for each."""
    hashed = {digest(identifier): identifier for identifier in identifiers}
    if not hashed:
        return {}
    rows = await connection.fetch(_in(home, query), list(hashed))
    return {hashed[bytes(row[0])]: row[1] for row in rows}


async def _keys(connection: asyncpg.Connection, youths: Iterable[str]) -> dict[str, YouthKey]:
    wanted = sorted(youths)
    if not wanted:
        return {}
    rows = await connection.fetch(queries.SELECT_YOUTH_KEYS, wanted)
    return {row["youth_pseudonym"]: YouthKey(bytes(row["secret"])) for row in rows}
