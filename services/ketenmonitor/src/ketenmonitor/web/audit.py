"""The audit log of case-level reads: who (user and role) read which cases or alerts, when, and
through which route. Append-only, in the ketenmonitor's own database (`case_reads`), until
the retention job (`privacy.retention`) purges the reads older than its period.

A route that shows case-level data (an alert with its case's timeline, the alerts behind a
list, the cases behind 18-/18+) records its read before it answers, in the same request: when
the record cannot be written the request fails (503) rather than answering unaudited. A row
holds identifiers only: the route's template (never the query string), case and alert ids,
the user's name and role; no BSN, no free text.

The werkgroep's actions on an alert are audited by the alert's own events (`alert_domain`);
`audit_trail.py` shows both together.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import asyncpg
from fastapi import Request

from jeugdketen_shared.clock import Clock
from ketenmonitor.projection import store
from ketenmonitor.web.auth import User

TABLE = "case_reads"
PURGE_SETTING = "ketenmonitor.case_reads_purge_before"
"""Transaction-local: set only by the purge function, for its own delete."""


@dataclass(frozen=True)
class CaseRead:
    at: datetime
    user: str
    role: str
    route: str
    """The route's template, e.g. `/v1/alerts/{alert_id}`."""
    case_ids: tuple[UUID, ...]
    alert_ids: tuple[UUID, ...]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "CaseRead":
        return cls(
            at=row["read_at"],
            user=row["user_name"],
            role=row["role"],
            route=row["route"],
            case_ids=tuple(row["case_ids"]),
            alert_ids=tuple(row["alert_ids"]),
        )


@dataclass(frozen=True)
class AuditQuery:
    """Reads by this user, of this case, at or after `after` and before `before`."""

    user: str | None = None
    case_id: UUID | None = None
    after: datetime | None = None
    before: datetime | None = None

    def matches(self, by: str, at: datetime, case_ids: Sequence[UUID]) -> bool:
        return (
            self.user in (None, by)
            and (self.case_id is None or self.case_id in case_ids)
            and (self.after is None or at >= self.after)
            and (self.before is None or at < self.before)
        )


class AuditUnavailable(Exception):
    """Het logboek kan deze inzage niet vastleggen; daarom wordt niets getoond."""


class AuditLog(Protocol):
    async def record(self, read: CaseRead) -> None:
        """Append the read; raises `AuditUnavailable` when it cannot be written."""

    async def reads(self, query: AuditQuery, limit: int) -> list[CaseRead]:
        """The newest `limit` reads matching the query, newest first."""


CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    read_at timestamptz NOT NULL,
    user_name text NOT NULL,
    role text NOT NULL,
    route text NOT NULL,
    case_ids uuid[] NOT NULL,
    alert_ids uuid[] NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_read_at ON {TABLE} (read_at);
CREATE INDEX IF NOT EXISTS {TABLE}_case_ids ON {TABLE} USING gin (case_ids);
CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purge_before timestamptz :=
        nullif(current_setting('{PURGE_SETTING}', true), '')::timestamptz;
BEGIN
    IF TG_OP = 'DELETE' AND OLD.read_at < purge_before THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP;
END $$;
CREATE OR REPLACE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
CREATE OR REPLACE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();
CREATE OR REPLACE FUNCTION {TABLE}_purge(period interval) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
BEGIN
    IF period <= interval '0' THEN
        RAISE EXCEPTION 'the retention period of {TABLE} must be positive, not %', period;
    END IF;
    -- the database's own clock: the job names a period, never a moment to delete up to
    PERFORM set_config('{PURGE_SETTING}', (now() - period)::text, true);
    DELETE FROM {TABLE} WHERE read_at < now() - period;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('{PURGE_SETTING}', '', true);
    RETURN removed;
END $$;
"""
"""Append-only in the database itself, not only in this code: updates, truncation and every
ordinary delete are refused by triggers. The one delete let through is the retention job's,
`case_reads_purge(period)`: for its own delete it names a moment (the database's `now()` less
the period, in a transaction-local setting) and the trigger lets only rows read before that
moment go. Deleting more takes setting that moment by hand or disabling the triggers, a
deliberate act either way."""

PURGE = f"SELECT {TABLE}_purge($1::interval)"

INSERT = f"""
INSERT INTO {TABLE} (read_at, user_name, role, route, case_ids, alert_ids)
VALUES ($1, $2, $3, $4, $5, $6)
"""

SELECT = f"""
SELECT read_at, user_name, role, route, case_ids, alert_ids FROM {TABLE}
WHERE ($1::text IS NULL OR user_name = $1)
  AND ($2::uuid IS NULL OR case_ids @> ARRAY[$2::uuid])
  AND ($3::timestamptz IS NULL OR read_at >= $3)
  AND ($4::timestamptz IS NULL OR read_at < $4)
ORDER BY read_at DESC, id DESC
LIMIT $5
"""


async def purge(connection: asyncpg.Connection, period: timedelta) -> int:
    """Delete the reads older than `period` (by the database's clock); returns how many."""
    removed: int = await connection.fetchval(PURGE, period)
    return removed


async def create_table(connection: asyncpg.Connection) -> None:
    # several API processes may start at once: CREATE ... IF NOT EXISTS is not safe in parallel
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", TABLE)
        await connection.execute(CREATE)


class TableAuditLog:
    """The `case_reads` table, through the API's connection pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def record(self, read: CaseRead) -> None:
        try:
            await self.pool.execute(
                INSERT,
                read.at,
                read.user,
                read.role,
                read.route,
                list(read.case_ids),
                list(read.alert_ids),
            )
        except store.FAILURES as error:
            raise AuditUnavailable(str(error)) from error

    async def reads(self, query: AuditQuery, limit: int) -> list[CaseRead]:
        rows = await self.pool.fetch(
            SELECT, query.user, query.case_id, query.after, query.before, limit
        )
        return [CaseRead.from_row(row) for row in rows]


class MemoryAuditLog:
    """The same log as a list, for tests; `failing` makes every record fail, as a lost
    database would."""

    def __init__(self) -> None:
        self.recorded: list[CaseRead] = []
        self.failing = False

    async def record(self, read: CaseRead) -> None:
        if self.failing:
            raise AuditUnavailable("the audit log is unavailable")
        self.recorded.append(read)

    async def reads(self, query: AuditQuery, limit: int) -> list[CaseRead]:
        found = [r for r in self.recorded if query.matches(r.user, r.at, r.case_ids)]
        return sorted(found, key=lambda read: read.at, reverse=True)[:limit]


@dataclass(frozen=True)
class CaseReads:
    """Records the case-level read a route is answering, for the request's user, at the
    clock's time."""

    log: AuditLog
    clock: Clock

    async def record(
        self,
        request: Request,
        user: User,
        case_ids: Iterable[UUID] = (),
        alert_ids: Sequence[UUID] = (),
    ) -> None:
        read = CaseRead(
            at=self.clock.now(),
            user=user.name,
            role=user.role.value,
            # the template, never the query string, which could carry anything
            route=request.scope["route"].path,
            case_ids=tuple(dict.fromkeys(case_ids)),
            alert_ids=tuple(alert_ids),
        )
        await self.log.record(read)
