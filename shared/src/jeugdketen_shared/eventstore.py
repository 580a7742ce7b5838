"""Wiring of the `eventsourcing` library to a service's own PostgreSQL database."""

from urllib.parse import unquote, urlsplit


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
