"""The schedule of 18th birthdays: which youth turns 18 on which day, until it is recorded.

Outside the event store on purpose: the date of a birthday is personal data that must not be
kept for ever, and an event store keeps everything for ever. A row holds the youth's id and
pseudonym, the case that reported the birth date, and the day of the 18th birthday: never the
birth date. The scheduler forgets the rows of youths whose data key is gone from the key vault
(erased): the vault may live in another database (toegang's), so no foreign key can. It is written
before the placement start that carries the birth date is saved (a crash in between leaves a row
whose youth is not in care, which the scheduler drops), and deleted once turning 18 was recorded
or found not to apply.

Port, in-memory fake and PostgreSQL adapter side by side; tests run one contract against both.
"""

import threading
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql

from jeugdketen_shared.own_table import OwnTable

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
    def planned_youths(self) -> list[str]:
        """The pseudonyms of every youth with a birthday planned (rows from before youths had
        keys name none)."""

    @abstractmethod
    def forget_youths(self, pseudonyms: Collection[str]) -> None:
        """Forget the birthdays of these youths, whenever they are due."""

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

    def planned_youths(self) -> list[str]:
        with self._lock:
            return sorted(b.youth_pseudonym for b in self._rows.values() if b.youth_pseudonym)

    def forget_youths(self, pseudonyms: Collection[str]) -> None:
        with self._lock:
            for youth_id, birthday in list(self._rows.items()):
                if birthday.youth_pseudonym in pseudonyms:
                    del self._rows[youth_id]

    def close(self) -> None:
        pass


_CREATE = sql.SQL(
    "CREATE TABLE IF NOT EXISTS {table} ("
    " youth_id uuid PRIMARY KEY,"
    " case_id uuid NOT NULL,"
    " due_on date NOT NULL,"
    " youth_pseudonym text)"
)
# a schedule made before youths had keys: its rows name no pseudonym
_ADD_PSEUDONYM = sql.SQL("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS youth_pseudonym text")
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
_PLANNED_YOUTHS = sql.SQL(
    "SELECT youth_pseudonym FROM {table} WHERE youth_pseudonym IS NOT NULL ORDER BY 1"
)
_FORGET_YOUTHS = sql.SQL("DELETE FROM {table} WHERE youth_pseudonym = ANY(%s)")


class PostgresBirthdaySchedule(BirthdaySchedule):
    """The table `plaatsing_eighteenth_birthdays` in the service's own schema, created if
    missing."""

    def __init__(self, database_url: str, schema: str) -> None:
        self._table = OwnTable(database_url, schema, TABLE)
        self._table.execute(_CREATE)
        self._table.execute(_ADD_PSEUDONYM)
        self._table.execute(_CREATE_INDEX, index=sql.Identifier(f"{TABLE}_due_on"))

    def plan(self, birthday: DueBirthday) -> None:
        self._table.execute(
            _PLAN, (birthday.youth_id, birthday.case_id, birthday.on, birthday.youth_pseudonym)
        )

    def due(self, today: date) -> list[DueBirthday]:
        return [
            DueBirthday.from_row(row) for row in self._table.fetch(_DUE, (today, DUE_BATCH_SIZE))
        ]

    def done(self, birthday: DueBirthday) -> None:
        self._table.execute(_DONE, (birthday.youth_id, birthday.case_id, birthday.on))

    def planned_youths(self) -> list[str]:
        return [pseudonym for (pseudonym,) in self._table.fetch(_PLANNED_YOUTHS)]

    def forget_youths(self, pseudonyms: Collection[str]) -> None:
        self._table.execute(_FORGET_YOUTHS, (list(pseudonyms),))

    def close(self) -> None:
        self._table.close()
