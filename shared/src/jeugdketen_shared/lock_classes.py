"""Every PostgreSQL advisory lock class of the platform in one place, so that no two uses share
one: the first key of `pg_advisory_lock(class, key)`, the second being a hash of what is locked.
Services that share a database (the tests' one schema) would otherwise block each other."""

from enum import IntEnum


class LockClass(IntEnum):
    KETENMONITOR_CASES = 1802071
    """A case's stagnation stages, while a projection batch recomputes them."""
    KETENMONITOR_SCHEMA_CHANGES = 1802072
    """Creating the ketenmonitor's tables, one process at a time."""
    OUTBOX_RELAY = 1802073
    """One outbox relay per topic, held for its lifetime."""
    KEY_RELAY = 1802074
    """One key relay per schema, held for its lifetime."""
    KEY_VAULT_TABLES = 1802075
    """Creating the key vault's tables (toegang and plaatsing may start at once)."""
    KETENMONITOR_YOUTHS = 1802076
    """A youth's key and the months sealed under it, while a projection batch stores them."""
    KETENMONITOR_SWEEPER = 1802077
    """One sweeper per schema, held for its lifetime."""
    EVENT_STORE_TABLES = 1802078
    """Creating an event store's tables and functions, one process at a time."""
