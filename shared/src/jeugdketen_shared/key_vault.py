"""The key vault: each youth's data key, found by BSN or by pseudonym, and destroyed on erasure.

A row holds the lookup (the keyed HMAC of the youth's BSN, `Pseudonymizer`: the one place it is
still kept), the data key, and the pseudonym derived from that key, which every event carries.
The vault is toegang's (its database, its relay); plaatsing uses the same table, in toegang's
database where each service has its own (`JEUGDKETEN_KEY_VAULT_URL`): a youth who reaches
plaatsing first, in a crisis, gets the same key toegang would have made.

The vault is also the outbox of the keys topic: a key not yet published, and the pseudonym of a
destroyed key whose tombstone is not yet published. `erase` deletes the youth's row (with it the
only link from BSN to pseudonym and the only copy of the key here) and remembers the pseudonym
until the relay has had the tombstone acknowledged. What others keep of a youth they drop once
`known` no longer names the youth: plaatsing's birthday schedule does.

Port, in-memory fake and PostgreSQL adapter side by side; tests run one contract against both.
"""

import threading
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import Any

from psycopg import sql
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from jeugdketen_shared.lock_classes import LockClass
from jeugdketen_shared.privacy import Pseudonymizer
from jeugdketen_shared.settings import ServiceSettings
from jeugdketen_shared.youth_keys import KeyRecord, YouthKey

TABLE = "toegang_youth_keys"
"""Named after its owner, as the services' other tables are: in the tests one schema holds every
service's tables, the ketenmonitor's own `youth_keys` included."""
TOMBSTONES_TABLE = "toegang_youth_key_tombstones"
NOTIFY_CHANNEL = "jeugdketen_youth_keys"
"""Woken on every key made or destroyed; the payload is the schema, so the relay of one schema
ignores another's."""
PENDING_BATCH_SIZE = 500


class KeyVaultSettings(BaseSettings):
    """Where a service that does not own the vault finds it (plaatsing: toegang's database)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    key_vault_url: str | None = Field(
        default=None,
        validation_alias="JEUGDKETEN_KEY_VAULT_URL",
        description="The database of the key vault (toegang's); unset: the service's own",
    )


def _record_from_row(row: Sequence[Any]) -> KeyRecord:
    """A pending row of the vault: a key not yet published, or (no key) a tombstone."""
    pseudonym, secret = row
    return KeyRecord(pseudonym, None if secret is None else YouthKey(bytes(secret)))


class KeyVault(ABC):
    def __init__(self, pseudonymizer: Pseudonymizer) -> None:
        self._pseudonymizer = pseudonymizer

    def _lookup(self, bsn: str) -> str:
        return self._pseudonymizer.pseudonym(bsn)

    @abstractmethod
    def key_for_bsn(self, bsn: str) -> YouthKey:
        """The youth's key, made on first sight of the BSN (two ingresses at once get one)."""

    @abstractmethod
    def key_for_pseudonym(self, pseudonym: str) -> YouthKey | None:
        """The key behind a pseudonym; None when it was destroyed or never made here."""

    @abstractmethod
    def known(self, pseudonyms: Collection[str]) -> set[str]:
        """Those of the pseudonyms whose key still exists."""

    @abstractmethod
    def erase(self, bsn: str) -> str | None:
        """Destroy the youth's key; returns its pseudonym, or None when the BSN has no key."""

    @abstractmethod
    def pending(self) -> list[KeyRecord]:
        """What the keys topic still lacks, at most `PENDING_BATCH_SIZE`: keys first, then
        tombstones, so that a key read here before it was destroyed goes out before its
        tombstone."""

    @abstractmethod
    def published(self, records: Sequence[KeyRecord]) -> None:
        """Kafka acknowledged these records: a key needs no publishing any more, a tombstone's
        pseudonym is forgotten."""

    @abstractmethod
    def close(self) -> None:
        """Release what the vault holds."""


class InMemoryKeyVault(KeyVault):
    def __init__(self, pseudonymizer: Pseudonymizer) -> None:
        super().__init__(pseudonymizer)
        self._keys: dict[str, YouthKey] = {}  # by lookup
        self._unpublished: set[str] = set()
        self._tombstones: set[str] = set()
        self._lock = threading.Lock()

    def key_for_bsn(self, bsn: str) -> YouthKey:
        lookup = self._lookup(bsn)
        with self._lock:
            if lookup not in self._keys:
                key = self._keys[lookup] = YouthKey.generate()
                self._unpublished.add(key.pseudonym)
            return self._keys[lookup]

    def key_for_pseudonym(self, pseudonym: str) -> YouthKey | None:
        with self._lock:
            return next((k for k in self._keys.values() if k.pseudonym == pseudonym), None)

    def known(self, pseudonyms: Collection[str]) -> set[str]:
        with self._lock:
            return {k.pseudonym for k in self._keys.values()} & set(pseudonyms)

    def erase(self, bsn: str) -> str | None:
        lookup = self._lookup(bsn)
        with self._lock:
            key = self._keys.pop(lookup, None)
            if key is None:
                return None
            self._unpublished.discard(key.pseudonym)
            self._tombstones.add(key.pseudonym)
            return key.pseudonym

    def pending(self) -> list[KeyRecord]:
        with self._lock:
            keys = [KeyRecord(k.pseudonym, k) for k in self._keys.values()]
            records = [r for r in keys if r.pseudonym in self._unpublished]
            records += [KeyRecord(p, None) for p in sorted(self._tombstones)]
        return records[:PENDING_BATCH_SIZE]

    def published(self, records: Sequence[KeyRecord]) -> None:
        with self._lock:
            for record in records:
                (self._tombstones if record.key is None else self._unpublished).discard(
                    record.pseudonym
                )

    def close(self) -> None:
        pass


_CREATE = (
    sql.SQL(
        "CREATE TABLE IF NOT EXISTS {table} ("
        " lookup text PRIMARY KEY,"
        " data_key bytea NOT NULL,"
        " pseudonym text NOT NULL UNIQUE,"
        " published boolean NOT NULL DEFAULT false)"
    ),
    sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (pseudonym) WHERE NOT published"),
    sql.SQL("CREATE TABLE IF NOT EXISTS {tombstones} (pseudonym text PRIMARY KEY)"),
)
_INSERT = sql.SQL(
    "INSERT INTO {table} (lookup, data_key, pseudonym) VALUES (%s, %s, %s)"
    " ON CONFLICT (lookup) DO NOTHING"
)
_BY_LOOKUP = sql.SQL("SELECT data_key FROM {table} WHERE lookup = %s")
_BY_PSEUDONYM = sql.SQL("SELECT data_key FROM {table} WHERE pseudonym = %s")
_KNOWN = sql.SQL("SELECT pseudonym FROM {table} WHERE pseudonym = ANY(%s)")
_DELETE = sql.SQL("DELETE FROM {table} WHERE lookup = %s RETURNING pseudonym")
_TOMBSTONE = sql.SQL("INSERT INTO {tombstones} (pseudonym) VALUES (%s) ON CONFLICT DO NOTHING")
_NOTIFY = sql.SQL("SELECT pg_notify(%s, %s)")
_UNPUBLISHED = sql.SQL(
    "SELECT pseudonym, data_key FROM {table} WHERE NOT published ORDER BY pseudonym LIMIT %s"
)
_TOMBSTONES = sql.SQL("SELECT pseudonym, NULL FROM {tombstones} ORDER BY pseudonym LIMIT %s")
_MARK_PUBLISHED = sql.SQL("UPDATE {table} SET published = true WHERE pseudonym = ANY(%s)")
_FORGET_TOMBSTONES = sql.SQL("DELETE FROM {tombstones} WHERE pseudonym = ANY(%s)")


class PostgresKeyVault(KeyVault):
    """The tables `toegang_youth_keys` and `toegang_youth_key_tombstones`, created if
    missing; every method is one transaction."""

    def __init__(self, database_url: str, schema: str, pseudonymizer: Pseudonymizer) -> None:
        super().__init__(pseudonymizer)
        self._schema = schema
        self._names = {
            "table": sql.Identifier(schema, TABLE),
            "tombstones": sql.Identifier(schema, TOMBSTONES_TABLE),
            "index": sql.Identifier(f"{TABLE}_unpublished"),
        }
        self._pool: ConnectionPool[Any] = ConnectionPool(
            database_url,
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True, "row_factory": tuple_row},
            open=True,
        )
        with self._pool.connection() as connection, connection.transaction():
            # toegang and plaatsing may start at the same moment, and two concurrent CREATE TABLE
            # IF NOT EXISTS can both try to create the table
            connection.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                (LockClass.KEY_VAULT_TABLES.value,),
            )
            for statement in _CREATE:
                connection.execute(self._sql(statement))

    @classmethod
    def of(
        cls, settings: ServiceSettings, elsewhere: "KeyVaultSettings | None" = None
    ) -> "PostgresKeyVault":
        """The vault of a service: in its own database, or in the one `elsewhere` names, in the
        schema of its own name; looked up by its BSN pseudonyms."""
        database_url = (elsewhere and elsewhere.key_vault_url) or settings.database_url
        return cls(
            database_url,
            settings.database_schema,
            Pseudonymizer(settings.pseudonym_key.get_secret_value().encode()),
        )

    def key_for_bsn(self, bsn: str) -> YouthKey:
        lookup = self._lookup(bsn)
        with self._pool.connection() as connection:
            while True:
                made = YouthKey.generate()
                with connection.transaction():
                    inserted = connection.execute(
                        self._sql(_INSERT), (lookup, made.secret, made.pseudonym)
                    ).rowcount
                    if inserted:
                        connection.execute(_NOTIFY, (NOTIFY_CHANNEL, self._schema))
                        return made
                    row = connection.execute(self._sql(_BY_LOOKUP), (lookup,)).fetchone()
                if row is not None:
                    return YouthKey(bytes(row[0]))
                # erased between the two statements: make a new one

    def key_for_pseudonym(self, pseudonym: str) -> YouthKey | None:
        with self._pool.connection() as connection:
            row = connection.execute(self._sql(_BY_PSEUDONYM), (pseudonym,)).fetchone()
        return None if row is None else YouthKey(bytes(row[0]))

    def known(self, pseudonyms: Collection[str]) -> set[str]:
        with self._pool.connection() as connection:
            rows = connection.execute(self._sql(_KNOWN), (list(pseudonyms),)).fetchall()
        return {pseudonym for (pseudonym,) in rows}

    def erase(self, bsn: str) -> str | None:
        lookup = self._lookup(bsn)
        with self._pool.connection() as connection, connection.transaction():
            row = connection.execute(self._sql(_DELETE), (lookup,)).fetchone()
            if row is None:
                return None
            pseudonym: str = row[0]
            connection.execute(self._sql(_TOMBSTONE), (pseudonym,))
            connection.execute(_NOTIFY, (NOTIFY_CHANNEL, self._schema))
        return pseudonym

    def pending(self) -> list[KeyRecord]:
        with self._pool.connection() as connection:
            rows = connection.execute(self._sql(_UNPUBLISHED), (PENDING_BATCH_SIZE,)).fetchall()
            if len(rows) < PENDING_BATCH_SIZE:
                rows += connection.execute(
                    self._sql(_TOMBSTONES), (PENDING_BATCH_SIZE - len(rows),)
                ).fetchall()
        return [_record_from_row(row) for row in rows]

    def published(self, records: Sequence[KeyRecord]) -> None:
        keys = [r.pseudonym for r in records if r.key is not None]
        tombstones = [r.pseudonym for r in records if r.key is None]
        with self._pool.connection() as connection, connection.transaction():
            connection.execute(self._sql(_MARK_PUBLISHED), (keys,))
            connection.execute(self._sql(_FORGET_TOMBSTONES), (tombstones,))

    def close(self) -> None:
        self._pool.close()

    def _sql(self, statement: sql.SQL) -> sql.Composed:
        return statement.format(**self._names)
