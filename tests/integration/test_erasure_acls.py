"""Who may touch the youths' keys on Kafka: toegang writes them, the ketenmonitor reads them,
and no one else does either: not the other services, not the simulator, never a partner.

Over the SASL listener with the ACLs of deploy/local/kafka_security.py, on the prefix and with
the principals of test_kafka_acls."""

from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAuthorizationFailedError

from jeugdketen_shared.settings import kafka_client_options
from jeugdketen_shared.youth_keys import keys_topic
from tests.integration.test_kafka_acls import (
    ENSCHEDE,
    Secured,
    _read_one,
    _refused_read,
    _write,
    _write_once_allowed,
    secured,
)
from tests.support.infrastructure import Infrastructure
from tests.support.kafka import delete_topics

pytestmark = pytest.mark.integration

__all__ = ["secured"]  # the fixture, shared with test_kafka_acls


@pytest.fixture
async def keys(secured: Secured, infrastructure: Infrastructure) -> AsyncIterator[str]:
    """The keys topic under the secured prefix (whose ACLs name it already)."""
    name, admin_path = keys_topic(secured.prefix), infrastructure.kafka_bootstrap_servers
    admin = AIOKafkaAdminClient(bootstrap_servers=admin_path, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, 1, 1, topic_configs={"cleanup.policy": "compact"})]
        )
    finally:
        await admin.close()
    try:
        yield name
    finally:
        await delete_topics(admin_path, [name])


async def test_toegang_writes_the_keys_and_the_ketenmonitor_alone_reads_them(
    secured: Secured, infrastructure: Infrastructure, keys: str
) -> None:
    await _write_once_allowed(secured.login("toegang"), keys)
    assert await _read_one(secured.login("ketenmonitor"), keys)
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(secured.login("ketenmonitor"), keys)
    for principal in ("triage", "plaatsing", "simulator", ENSCHEDE):
        with pytest.raises(TopicAuthorizationFailedError):
            await _write(secured.login(principal), keys)
        await _refused_read(secured.login(principal), keys, infrastructure.kafka_bootstrap_servers)
