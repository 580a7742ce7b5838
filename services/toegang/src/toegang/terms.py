"""The schedule of voorlopige OTS terms: which case's voorlopige OTS lapses when, so that the
clock finds it without reading every route.

A row is planned before the imposition that sets the term is saved, so no crash loses it; an
imposition that is not saved after all, or a voorlopige OTS followed up or ended in time, leaves
a row that the scheduler finds nothing to expire for, and strikes. Only the case id and the
moment are kept: nothing that names the youth.

Port, in-memory fake and PostgreSQL adapter side by side; tests run one contract against both.
"""

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import sql

from jeugdketen_shared.own_table import OwnTable

TABLE = "toegang_voorlopige_ots_terms"
DUE_BATCH_SIZE = 500


@dataclass(frozen=True)
class DueTerm:
    case_id: UUID
    runs_until: datetime


class TermSchedule(ABC):
    @abstractmethod
    def plan(self, term: DueTerm) -> None:
        """Add the case's term, or replace the one planned (a later voorlopige OTS)."""

    @abstractmethod
    def due(self, now: datetime) -> list[DueTerm]:
        """Terms that ran out at or before `now`, oldest first, at most `DUE_BATCH_SIZE`."""

    @abstractmethod
    def done(self, term: DueTerm) -> None:
        """Forget the term; a row replaced in the meantime by another term stays."""

    @abstractmethod
    def close(self) -> None:
        """Release what the schedule holds."""


class InMemoryTermSchedule(TermSchedule):
    def __init__(self) -> None:
        self._rows: dict[UUID, DueTerm] = {}
        self._lock = threading.Lock()

    def plan(self, term: DueTerm) -> None:
        with self._lock:
            self._rows[term.case_id] = term

    def due(self, now: datetime) -> list[DueTerm]:
        with self._lock:
            due = sorted(
                (t for t in self._rows.values() if t.runs_until <= now),
                key=lambda t: t.runs_until,
            )
        return due[:DUE_BATCH_SIZE]

    def done(self, term: DueTerm) -> None:
        with self._lock:
            if self._rows.get(term.case_id) == term:
                del self._rows[term.case_id]

    def close(self) -> None:
        pass


_CREATE = sql.SQL(
    "CREATE TABLE IF NOT EXISTS {table} (case_id uuid PRIMARY KEY, runs_until timestamptz NOT NULL)"
)
_CREATE_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (runs_until)")
_PLAN = sql.SQL(
    "INSERT INTO {table} (case_id, runs_until) VALUES (%s, %s)"
    " ON CONFLICT (case_id) DO UPDATE SET runs_until = excluded.runs_until"
)
_DUE = sql.SQL(
    "SELECT case_id, runs_until FROM {table} WHERE runs_until <= %s ORDER BY runs_until LIMIT %s"
)
_DONE = sql.SQL("DELETE FROM {table} WHERE case_id = %s AND runs_until = %s")


class PostgresTermSchedule(TermSchedule):
    """The table `toegang_voorlopige_ots_terms` in the service's own schema, created if
    missing."""

    def __init__(self, database_url: str, schema: str) -> None:
        self._table = OwnTable(database_url, schema, TABLE)
        self._table.execute(_CREATE)
        self._table.execute(_CREATE_INDEX, index=sql.Identifier(f"{TABLE}_runs_until"))

    def plan(self, term: DueTerm) -> None:
        self._table.execute(_PLAN, (term.case_id, term.runs_until))

    def due(self, now: datetime) -> list[DueTerm]:
        rows = self._table.fetch(_DUE, (now, DUE_BATCH_SIZE))
        return [DueTerm(case_id, runs_until) for case_id, runs_until in rows]

    def done(self, term: DueTerm) -> None:
        self._table.execute(_DONE, (term.case_id, term.runs_until))

    def close(self) -> None:
        self._table.close()
