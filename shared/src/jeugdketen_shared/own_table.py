"""A service's table beside its event store, in its own schema (a schedule the clock reads):
a small pool of connections on which every statement commits on its own."""

from collections.abc import Sequence
from typing import Any

from psycopg import sql
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool


class OwnTable:
    """The table `name` in `schema`; statements name it `{table}`."""

    def __init__(self, database_url: str, schema: str, name: str) -> None:
        self.name = name
        self._table = sql.Identifier(schema, name)
        self._pool: ConnectionPool[Any] = ConnectionPool(
            database_url,
            min_size=1,
            max_size=2,
            kwargs={"autocommit": True, "row_factory": tuple_row},
            open=True,
        )

    def execute(
        self, query: sql.SQL, parameters: Sequence[object] = (), **names: sql.Identifier
    ) -> None:
        with self._pool.connection() as connection:
            connection.execute(query.format(table=self._table, **names), parameters)

    def fetch(self, query: sql.SQL, parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as connection:
            rows: list[tuple[Any, ...]] = connection.execute(
                query.format(table=self._table), parameters
            ).fetchall()
        return rows

    def close(self) -> None:
        self._pool.close()
