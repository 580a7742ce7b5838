"""Durable deadlines: the open stages of every case (and, for the youth rules, of every youth,
on one of the youth's cases), in the projection's database (asyncpg).

The projection records the stages of a batch's cases, and of its youths for the youth rules,
in the batch's own transaction, recomputed from the fact table (so arrival order never matters,
only event time). These tables are not among the ones a rebuild moves: a rebuild replays facts
only, and afterwards `record_stages_after_rebuild` recomputes every stage, marking what was
already overdue then as historical, never alerted.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import asyncpg

from jeugdketen_shared.clock import Clock
from jeugdketen_shared.lock_classes import LockClass
from ketenmonitor.alerts.rules import (
    CaseEvent,
    Rule,
    Stage,
    alert_id,
    stages_of,
    stepping_stones_of,
)
from ketenmonitor.facts import PREFIX, Fact
from ketenmonitor.figures import placements
from ketenmonitor.projection import queries
from ketenmonitor.projection.store import Applied
from ketenmonitor.settings import MOVE_GAP_DAYS

CREATE_TABLES = """
CREATE TABLE IF NOT EXISTS stages (
    case_id uuid NOT NULL,
    rule text NOT NULL,
    started_at timestamptz NOT NULL,
    deadline_at timestamptz NOT NULL,
    closed_at timestamptz,
    historical boolean NOT NULL DEFAULT false,
    recorded_at timestamptz NOT NULL,
    alerted_at timestamptz,
    alert_closed_at timestamptz,
    PRIMARY KEY (case_id, rule)
);
CREATE INDEX IF NOT EXISTS stages_due ON stages (deadline_at)
    WHERE closed_at IS NULL AND alerted_at IS NULL AND NOT historical;
CREATE TABLE IF NOT EXISTS alerts (
    alert_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    rule text NOT NULL,
    severity text NOT NULL,
    gemeente_code text,
    deadline_at timestamptz NOT NULL,
    raised_at timestamptz NOT NULL,
    UNIQUE (case_id, rule)
);
"""

_SELECT_CASE_EVENTS = """
SELECT case_id, type, occurred_at, data->>'turns_eighteen_in' AS turns_eighteen_in,
       data->>'measure' AS measure, data->>'previous_measure' AS previous_measure,
       data->>'runs_until' AS runs_until
FROM facts
WHERE case_id = ANY($1::uuid[]) AND type = ANY($2::text[])
"""

# Two projection instances of a group may record stages of one case (its events lie on three
# topics, read by either), or of one youth (whose cases lie on any partition), at once: each
# holds its cases' and youths' locks from here to its commit, so the later one waits, then reads
# the other's facts too (read committed), and writes last.
_LOCK_CASES_AND_YOUTHS = f"""
SELECT pg_advisory_xact_lock({LockClass.KETENMONITOR_CASES:d}, k)
FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) AS keys
"""

# not the anonymous cases of erased youths (erasure.py): never alerted
_SELECT_ALL_CASES = """
SELECT DISTINCT case_id FROM facts
WHERE type = ANY($1::text[]) AND case_id NOT IN (SELECT anonymous_case_id FROM erased_cases)
"""
_SELECT_ALL_YOUTHS = """
SELECT DISTINCT data->>'youth_pseudonym' AS youth FROM facts
WHERE type = ANY($1::text[]) AND data->>'youth_pseudonym' IS NOT NULL
  AND case_id NOT IN (SELECT anonymous_case_id FROM erased_cases)
"""

# A youth rule's stage lies on the case of the move that crossed the threshold, one per youth
# and rule; a late move may make another case the crossing's. Once alerted, or marked history by
# a rebuild, it stays on its case (the alerted one first, should there be more): never a second
# alert, never an alert for history. Else it follows the crossing, and what it left is deleted.
_SELECT_PINNED_YOUTH_STAGES = """
SELECT case_id, rule FROM stages
WHERE rule = ANY($1::text[]) AND case_id = ANY($2::uuid[])
  AND (alerted_at IS NOT NULL OR historical)
ORDER BY alerted_at IS NULL, recorded_at, case_id
"""
_DELETE_LEFT_YOUTH_STAGES = """
DELETE FROM stages
WHERE rule = ANY($1::text[]) AND case_id = ANY($2::uuid[])
  AND alerted_at IS NULL AND NOT historical
  AND (case_id, rule) NOT IN (SELECT * FROM unnest($3::uuid[], $4::text[]))
"""

_UPSERT_STAGES = """
INSERT INTO stages (case_id, rule, started_at, deadline_at, closed_at, historical, recorded_at)
SELECT s.case_id, s.rule, s.started_at, s.deadline_at, s.closed_at,
       $7 AND s.closed_at IS NULL AND s.deadline_at < $6, $6
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[])
    AS s(case_id, rule, started_at, deadline_at, closed_at)
ON CONFLICT (case_id, rule) DO UPDATE SET
    started_at = excluded.started_at,
    deadline_at = excluded.deadline_at,
    closed_at = excluded.closed_at
"""


async def create_tables(connection: asyncpg.Connection) -> None:
    async with connection.transaction():
        await connection.execute(queries.LOCK_SCHEMA_CHANGES)
        await connection.execute(CREATE_TABLES)


def _event_types(rules: Iterable[Rule]) -> list[str]:
    """The event types of the case rules."""
    return sorted(
        {PREFIX + t for rule in rules if not rule.of_youth for t in (rule.start, *rule.closes)}
    )


_YOUTH_EVENT_TYPES = frozenset(t.removeprefix(PREFIX) for t in placements.MOVE_TYPES)
"""The event types a youth's moves and care are made of."""


async def record_stages(
    connection: asyncpg.Connection,
    facts: Iterable[Fact],
    rules: Sequence[Rule],
    now: datetime,
    also: Iterable[UUID] = (),
    move_gap_days: int = MOVE_GAP_DAYS,
) -> int:
    """Recompute and store the stages of the cases of `facts` that concern a case rule, and of
    the cases `also` (whose months were unsealed), and of the youths of `facts` that concern
    their moves; to be called inside the batch's transaction, after its facts are inserted.
    Returns the stages written."""
    facts = list(facts)
    short = {t.removeprefix(PREFIX) for t in _event_types(rules)}
    named = {f.case_id for f in facts if f.case_id is not None and f.short_type in short}
    cases = sorted(named | set(also))
    youths = sorted(
        {
            str(f.data["youth_pseudonym"])
            for f in facts
            if f.short_type in _YOUTH_EVENT_TYPES and f.data.get("youth_pseudonym")
        }
        if any(rule.of_youth for rule in rules)
        else set()
    )
    if cases or youths:
        await connection.execute(_LOCK_CASES_AND_YOUTHS, [*map(str, cases), *youths])
    recomputed = await _recompute(connection, cases, rules, now, historical_when_overdue=False)
    return recomputed + await _recompute_youths(
        connection, youths, rules, now, move_gap_days, historical_when_overdue=False
    )


@dataclass(frozen=True)
class StagesInBatch:
    """Recorded by a live projection in each batch's transaction (its `AlsoInBatch`): the
    stages of the batch's cases and youths, on the clock's time."""

    rules: Sequence[Rule]
    clock: Clock
    move_gap_days: int = MOVE_GAP_DAYS

    async def create_tables(self, connection: asyncpg.Connection) -> None:
        await create_tables(connection)

    async def record(self, connection: asyncpg.Connection, applied: Applied) -> None:
        now = self.clock.now()
        await record_stages(
            connection, applied.staged, self.rules, now, applied.unsealed, self.move_gap_days
        )


async def record_stages_after_rebuild(
    connection: asyncpg.Connection,
    rules: Sequence[Rule],
    now: datetime,
    move_gap_days: int = MOVE_GAP_DAYS,
) -> int:
    """After a rebuild switched over: every case's and youth's stages from the rebuilt facts. A
    stage not known before whose deadline had already passed `now` is history: marked, never
    alerted."""
    rows = await connection.fetch(_SELECT_ALL_CASES, _event_types(rules))
    cases = [row["case_id"] for row in rows]
    written = 0
    for chunk in range(0, len(cases), 2_000):
        async with connection.transaction():
            written += await _recompute(
                connection, cases[chunk : chunk + 2_000], rules, now, historical_when_overdue=True
            )
    if not any(rule.of_youth for rule in rules):
        return written
    rows = await connection.fetch(_SELECT_ALL_YOUTHS, list(placements.MOVE_TYPES))
    youths = [row["youth"] for row in rows]
    for chunk in range(0, len(youths), 2_000):
        async with connection.transaction():
            written += await _recompute_youths(
                connection,
                youths[chunk : chunk + 2_000],
                rules,
                now,
                move_gap_days,
                historical_when_overdue=True,
            )
    return written


async def _recompute(
    connection: asyncpg.Connection,
    cases: Sequence[UUID],
    rules: Sequence[Rule],
    now: datetime,
    *,
    historical_when_overdue: bool,
) -> int:
    if not cases:
        return 0
    events: dict[UUID, list[CaseEvent]] = {}
    for row in await connection.fetch(_SELECT_CASE_EVENTS, list(cases), _event_types(rules)):
        events.setdefault(row["case_id"], []).append(
            CaseEvent.of(row["type"].removeprefix(PREFIX), row["occurred_at"], row)
        )
    stages: list[Stage] = [
        stage for case, held in events.items() for stage in stages_of(case, held, rules)
    ]
    return await _upsert(connection, stages, now, historical_when_overdue)


async def _recompute_youths(
    connection: asyncpg.Connection,
    youths: Sequence[str],
    rules: Sequence[Rule],
    now: datetime,
    move_gap_days: int,
    *,
    historical_when_overdue: bool,
) -> int:
    """The youth rules' stages of `youths`: on the case of the move that crossed the threshold,
    or on the case where an alert or a rebuild pinned it (`_SELECT_PINNED_YOUTH_STAGES`)."""
    of_youth = [rule.name for rule in rules if rule.of_youth]
    if not youths or not of_youth:
        return 0
    found = await placements.select_placements_of_youths(connection, list(youths), move_gap_days)
    cases = sorted({e.case_id for held in found.values() for e in held.events})
    pinned = [
        (UUID(str(row["case_id"])), row["rule"])
        for row in await connection.fetch(_SELECT_PINNED_YOUTH_STAGES, of_youth, cases)
    ]
    stages = []
    for held in found.values():
        own = {e.case_id for e in held.events}
        for stage in stepping_stones_of(held.moves, held.events, rules):
            case = next(
                (case for case, rule in pinned if rule == stage.rule and case in own),
                stage.case_id,
            )
            stages.append(replace(stage, case_id=case))
    await connection.execute(
        _DELETE_LEFT_YOUTH_STAGES,
        of_youth,
        cases,
        [s.case_id for s in stages],
        [s.rule for s in stages],
    )
    return await _upsert(connection, stages, now, historical_when_overdue)


async def _upsert(
    connection: asyncpg.Connection,
    stages: Sequence[Stage],
    now: datetime,
    historical_when_overdue: bool,
) -> int:
    if stages:
        await connection.execute(
            _UPSERT_STAGES,
            [s.case_id for s in stages],
            [s.rule for s in stages],
            [s.started_at for s in stages],
            [s.deadline_at for s in stages],
            [s.closed_at for s in stages],
            now,
            historical_when_overdue,
        )
    return len(stages)


# --- the sweeper's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class DueStage:
    case_id: UUID
    rule: str
    started_at: datetime
    deadline_at: datetime
    gemeente_code: str | None


async def due_stages(connection: asyncpg.Connection, now: datetime) -> list[DueStage]:
    rows = await connection.fetch(
        """
        SELECT s.case_id, s.rule, s.started_at, s.deadline_at, c.gemeente_code
        FROM stages s LEFT JOIN cases c USING (case_id)
        WHERE s.closed_at IS NULL AND s.alerted_at IS NULL AND NOT s.historical
          AND s.deadline_at <= $1
        ORDER BY s.deadline_at
        LIMIT 500
        """,
        now,
    )
    return [
        DueStage(
            case_id=UUID(str(row["case_id"])),  # asyncpg's own UUID type does not transcode
            rule=row["rule"],
            started_at=row["started_at"],
            deadline_at=row["deadline_at"],
            gemeente_code=row["gemeente_code"],
        )
        for row in rows
    ]


async def mark_alerted(
    connection: asyncpg.Connection,
    alert_id: UUID,
    stage: DueStage,
    severity: str,
    now: datetime,
) -> None:
    async with connection.transaction():
        await connection.execute(
            """
            INSERT INTO alerts (alert_id, case_id, rule, severity, gemeente_code, deadline_at,
                                raised_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
            """,
            alert_id,
            stage.case_id,
            stage.rule,
            severity,
            stage.gemeente_code,
            stage.deadline_at,
            now,
        )
        await connection.execute(
            "UPDATE stages SET alerted_at = $3 WHERE case_id = $1 AND rule = $2",
            stage.case_id,
            stage.rule,
            now,
        )


@dataclass(frozen=True)
class ClosedStage:
    case_id: UUID
    rule: str
    closed_at: datetime


async def closed_alerted_stages(connection: asyncpg.Connection) -> list[ClosedStage]:
    rows = await connection.fetch(
        """
        SELECT case_id, rule, closed_at FROM stages
        WHERE closed_at IS NOT NULL AND alerted_at IS NOT NULL AND alert_closed_at IS NULL
        LIMIT 500
        """
    )
    return [
        ClosedStage(case_id=UUID(str(row["case_id"])), rule=row["rule"], closed_at=row["closed_at"])
        for row in rows
    ]


async def mark_alert_closed(
    connection: asyncpg.Connection, stage: ClosedStage, now: datetime
) -> None:
    await connection.execute(
        "UPDATE stages SET alert_closed_at = $3 WHERE case_id = $1 AND rule = $2",
        stage.case_id,
        stage.rule,
        now,
    )


# --- an erasure's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertsOfCases:
    """The alerts of erased cases, forgotten with them (privacy's `CaseRecords`): their
    stages, their rows in the index and their events, one alert per case and rule. A table
    not in `home` (the alerts' roles never ran there) has nothing to forget."""

    rules: Sequence[Rule]

    async def forget(self, connection: asyncpg.Connection, home: str, cases: list[UUID]) -> None:
        alerts = [alert_id(case, rule.name) for case in cases for rule in self.rules]
        for forgotten, statements in (
            (cases, queries.FORGET_CASES_ALERTS),
            (alerts, queries.FORGET_ALERT_EVENTS),
        ):
            for table, statement in statements.items():
                schema = queries.quoted(home)
                if await connection.fetchval(queries.TABLE_EXISTS, f"{schema}.{table}"):
                    await connection.execute(statement.format(home=schema), forgotten)
