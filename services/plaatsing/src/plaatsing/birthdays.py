"""The schedule of 18th birthdays: which youth turns 18 on which day, until it is recorded.

Outside the event store on purpose: the date of a birthday is personal data that must not be
kept for ever, and an event store keeps everything for ever. A row holds the youth's id and
pseudonym, the case that reported the birth date, and the day of the 18th birthday: never the
birth date. The row hangs on the youth's data key in the key vault (in PostgreSQL a foreign key
with ON DELETE CASCADE): erasing the youth deletes it in the same transaction. It is written
before the placement start that carries the birth date is saved (a crash in between leaves a row
whose youth is not in care, which the scheduler drops), and deleted once turning 18 was recorded
or found not to apply.

Port, in-memory fake and PostgreSQL adapter side by side; tests run one contract against both.
"""

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from jeugdketen_shared import key_vault

TABLE = "plaatsing_eighteenth_birthdays"
DUE_BATCH_SIZE = 500


@dataclass(frozen=True)
class DueBirthday:
    youth_id: UUID
    case_id: UUID
    on: date
    youth_pseudonym: str | None
    """The pseudonym of the youth's key; None on a row planned before youths had keys."""

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "DueBirthday":
        youth_id, case_id, on, youth_pseudonym = row
        return cls(youth_id=youth_id, case_id=case_id, on=on, youth_pseudonym=youth_pseudonym)


class BirthdaySchedule(ABC):
    @abstractmethod
    def plan(self, birthday: DueBirthday) -> None:
        """Add the youth's 18th birthday, or replace the one planned (a corrected birth date)."""

    @abstractmethod
    def due(self, today: date) -> list[DueBirthday]:
        """Birthdays on or before `today`, oldest first, at most `DUE_BATCH_SIZE`."""

    @abstractmethod
    def done(self, birthday: DueBirthday) -> None:
        """Forget the birthday; a row replaced in the meantime by another date stays."""

    @abstractmethod
    def close(self) -> None:
        """Release what the schedule holds."""


class InMemoryBirthdaySchedule(BirthdaySchedule):
    def __init__(self) -> None:
        self._rows: dict[UUID, DueBirthday] = {}
        self._lock = threading.Lock()

    def plan(self, birthday: DueBirthday) -> None:
        with self._lock:
            self._rows[birthday.youth_id] = birthday

    def due(self, today: date) -> list[DueBirthday]:
        with self._lock:
            due = sorted((b for b in self._rows.values() if b.on <= today), key=lambda b: b.on)
        return due[:DUE_BATCH_SIZE]

    def done(self, birthday: DueBirthday) -> None:
        with self._lock:
            if self._rows.get(birthday.youth_id) == birthday:
                del self._rows[birthday.youth_id]

    def close(self) -> None:
        pass


_CREATE = sql.SQL(
    "CREATE TABLE IF NOT EXISTS {table} ("
    " youth_id uuid PRIMARY KEY,"
    " case_id uuid NOT NULL,"
    " due_on date NOT NULL,"
    " youth_pseudonym text NOT NULL REFERENCES {keys} (pseudonym) ON DELETE CASCADE)"
)
# a schedule made before the keys existed: its rows name no key (their youths have none)
_ADD_PSEUDONYM = sql.SQL(
    "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS"
    " youth_pseudonym text REFERENCES {keys} (pseudonym) ON DELETE CASCADE"
)
_CREATE_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (due_on)")
_PLAN = sql.SQL(
    "INSERT INTO {table} (youth_id, case_id, due_on, youth_pseudonym) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (youth_id) DO UPDATE SET case_id = excluded.case_id, due_on = excluded.due_on,"
    " youth_pseudonym = excluded.youth_pseudonym"
)
_DUE = sql.SQL(
    "SELECT youth_id, case_id, due_on, youth_pseudonym FROM {table} WHERE due_on <= %s"
    " ORDER BY due_on LIMIT %s"
)
_DONE = sql.SQL("DELETE FROM {table} WHERE youth_id = %s AND case_id = %s AND due_on = %s")


class PostgresBirthdaySchedule(BirthdaySchedule):
    """The table `plaatsing_eighteenth_birthdays` in the service's own schema, created if
    missing (after the key vault's table, which it refers to); every statement commits on its
    own. Planning the birthday of a youth whose key is gone fails (the foreign key)."""

    def __init__(self, database_url: str, schema: str) -> None:
        self._table = sql.Identifier(schema, TABLE)
        self._keys = sql.Identifier(schema, key_vault.TABLE)
        self._pool: ConnectionPool[Any] = ConnectionPool(
            database_url,
            min_size=1,
            max_size=2,
            kwargs={"autocommit": True, "row_factory": tuple_row},
            open=True,
        )
        self._execute(_CREATE)
        self._execute(_ADD_PSEUDONYM)
        self._execute(_CREATE_INDEX, index=sql.Identifier(f"{TABLE}_due_on"))

    def plan(self, birthday: DueBirthday) -> None:
        self._execute(
            _PLAN, (birthday.youth_id, birthday.case_id, birthday.on, birthday.youth_pseudonym)
        )

    def due(self, today: date) -> list[DueBirthday]:
        with self._pool.connection() as connection:
            rows = connection.execute(
                _DUE.format(table=self._table), (today, DUE_BATCH_SIZE)
            ).fetchall()
        return [DueBirthday.from_row(row) for row in rows]

    def done(self, birthday: DueBirthday) -> None:
        self._execute(_DONE, (birthday.youth_id, birthday.case_id, birthday.on))

    def close(self) -> None:
        self._pool.close()

    def _execute(
        self, query: sql.SQL, parameters: Sequence[object] = (), **names: sql.Identifier
    ) -> None:
        with self._pool.connection() as connection:
            connection.execute(
                query.format(table=self._table, keys=self._keys, **names), parameters
            )
