"""Wiring of the `eventsourcing` library to a service's own PostgreSQL database."""

import contextlib
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, TrackingRecorder
from eventsourcing.postgres import PostgresFactory

from jeugdketen_shared.lock_classes import LockClass


class ServiceApplication(Application[UUID]):
    """An application of the platform, whose event store is set up one process at a time.

    The library creates its tables, and its insert function with CREATE OR REPLACE FUNCTION,
    every time an application starts; PostgreSQL refuses two such statements on one function at
    once ("tuple concurrently updated"), as when two processes of a service start together, or
    any two services sharing a schema (the tests)."""

    def construct_recorder(self) -> ApplicationRecorder:
        with self._setting_up():
            return super().construct_recorder()

    def tracking_recorder(self) -> TrackingRecorder:
        """The library's tracking table (an outbox relay's position), set up the same way."""
        with self._setting_up():
            return self.factory.tracking_recorder()

    @contextlib.contextmanager
    def _setting_up(self) -> Iterator[None]:
        factory = self.factory
        if not isinstance(factory, PostgresFactory):
            yield
            return
        with factory.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                (LockClass.EVENT_STORE_TABLES.value, factory.datastore.schema),
            )
            yield


def postgres_environment(database_url: str, schema: str) -> dict[str, str]:
    """The library's settings (it reads POSTGRES_* keys) from a postgresql:// URL."""
    url = urlsplit(database_url)
    if url.scheme not in {"postgresql", "postgres"} or not url.path.strip("/"):
        raise ValueError("DATABASE_URL must look like postgresql://user:password@host:port/dbname")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.strip("/")),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or ""),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        # a batch waits at most this long for the table lock the library takes on insert
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "4",
    }
