"""Session-wide real infrastructure, and per-test isolation by topic prefix and schema."""

import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest

from jeugdketen_shared.settings import ServiceSettings
from tests.support.infrastructure import Infrastructure, kafka_login, provide_infrastructure
from tests.support.kafka import create_platform_topics, delete_topics, platform_topic_names
from tests.support.partner_credentials import partner_credentials
from tests.support.partners import PARTNERS_FILE


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    with provide_infrastructure() as provided:
        yield provided


@dataclass(frozen=True)
class IsolatedPlatform:
    """One test's own topics (under `prefix`) and database schema on the shared servers."""

    infrastructure: Infrastructure
    prefix: str
    schema: str
    pseudonym_key: str

    def settings(self) -> ServiceSettings:
        return ServiceSettings.model_validate(self.environment())

    def environment(self) -> dict[str, str]:
        return {
            **kafka_login(),
            "KAFKA_BOOTSTRAP_SERVERS": self.infrastructure.kafka_bootstrap_servers,
            "DATABASE_URL": self.infrastructure.database_url,
            "DATABASE_SCHEMA": self.schema,
            "JEUGDKETEN_TOPIC_PREFIX": self.prefix,
            "JEUGDKETEN_PSEUDONYM_KEY": self.pseudonym_key,
            # any free port: several services may run in one test
            "JEUGDKETEN_HTTP_PORT": "0",
            "JEUGDKETEN_PARTNERS_FILE": str(PARTNERS_FILE),
            "JEUGDKETEN_PARTNER_CREDENTIALS_FILE": str(partner_credentials().file),
        }

    def topic(self, service: str, kind: str) -> str:
        return f"{self.prefix}.{service}.{kind}"


@asynccontextmanager
async def isolated_platform(infrastructure: Infrastructure) -> AsyncIterator[IsolatedPlatform]:
    """Topics and a schema of their own, removed afterwards (for a fixture of a wider scope)."""
    token = uuid.uuid4().hex[:10]
    isolated = IsolatedPlatform(
        infrastructure=infrastructure,
        prefix=f"test-{token}",
        schema=f"test_{token}",
        pseudonym_key=secrets.token_hex(32),
    )
    connection = await asyncpg.connect(infrastructure.database_url)
    try:
        await connection.execute(f'CREATE SCHEMA "{isolated.schema}"')
        await create_platform_topics(infrastructure.kafka_bootstrap_servers, isolated.prefix)
        yield isolated
    finally:
        await delete_topics(
            infrastructure.kafka_bootstrap_servers, platform_topic_names(isolated.prefix)
        )
        await connection.execute(f'DROP SCHEMA IF EXISTS "{isolated.schema}" CASCADE')
        await connection.close()


@pytest.fixture
async def platform(infrastructure: Infrastructure) -> AsyncIterator[IsolatedPlatform]:
    async with isolated_platform(infrastructure) as isolated:
        yield isolated
