"""The keys topic, fed from the key vault: every youth's key, and a tombstone for each one
destroyed.

A record's Kafka key is the youth's pseudonym (UTF-8), its value `YouthKey.to_record_value()`;
a tombstone has no value. The topic is compacted and kept forever, so that it holds each living
youth's key and, once compaction has run, nothing of an erased one; the services allowed to
read sealed values (the ketenmonitor) learn keys from it and drop what a tombstone names.

Reliable like the outbox relay: the vault remembers what is not yet published, the producer is
idempotent with acks=all, and the vault forgets a record only after Kafka acknowledged it (a
crash in between sends it again, which a compacted topic absorbs). One relay publishes at a
time (an advisory lock held as long as its session): a second one could send a key it read
before the youth was erased after the first had sent the tombstone, and bring the key back.
NOTIFY from the vault wakes it; a slow poll covers a missed notification.
"""

import asyncio
from typing import Annotated

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from pydantic import Field

from jeugdketen_shared.key_vault import NOTIFY_CHANNEL, KeyVault
from jeugdketen_shared.lock_classes import LockClass
from jeugdketen_shared.single_runner import wait_to_run_alone
from jeugdketen_shared.wakeup import Wakeup
from jeugdketen_shared.youth_keys import KeyRecord

log = structlog.get_logger(__name__)


KeyRecordValue = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]{43}=$",
        description=(
            "A youth's data key: base64url of its 32 bytes (not JSON, not a CloudEvent). The "
            "record's Kafka key is the youth's pseudonym (UTF-8); a record without value (a "
            "tombstone) says the key was destroyed: the youth was erased"
        ),
    ),
]


def declare_keys_topic(broker: KafkaBroker, topic: str) -> None:
    """The keys topic on toegang's broker, for its AsyncAPI document."""
    broker.publisher(
        topic,
        title=f"{topic}:send",
        description=(
            "Every youth's data key, for the services that may unseal what is sealed under it "
            "(the ketenmonitor alone); compacted and kept forever, published by toegang's key "
            "relay"
        ),
        schema=KeyRecordValue,
    )


class KeyRelay:
    def __init__(
        self,
        vault: KeyVault,
        producer: AIOKafkaProducer,
        topic: str,
        database_url: str,
        schema: str,
    ) -> None:
        self._vault = vault
        self._producer = producer
        self._topic = topic
        self._database_url = database_url
        self._schema = schema
        self._wakeup = Wakeup()

    async def run(self) -> None:
        """Publish until cancelled, once this is the schema's only key relay."""
        session = await asyncpg.connect(self._database_url)
        try:
            await wait_to_run_alone(
                session, LockClass.KEY_RELAY, self._schema, "key relay of this schema's keys"
            )
            await session.add_listener(NOTIFY_CHANNEL, self._on_notify)
            log.info("key relay started", topic=self._topic)
            while True:
                if not await self.publish_pending():
                    await self._wakeup.wait()
        finally:
            await session.close()

    async def publish_pending(self) -> int:
        """Publish one batch of what the vault has pending; returns how many records."""
        records = await asyncio.to_thread(self._vault.pending)
        if not records:
            return 0
        deliveries = [await self._send(record) for record in records]
        for delivery in deliveries:
            await delivery
        await asyncio.to_thread(self._vault.published, records)
        log.info(
            "youth keys published",
            keys=sum(r.key is not None for r in records),
            tombstones=sum(r.key is None for r in records),
        )
        return len(records)

    async def _send(self, record: KeyRecord) -> "asyncio.Future[object]":
        delivery: asyncio.Future[object] = await self._producer.send(
            self._topic, key=record.kafka_key(), value=record.kafka_value()
        )
        return delivery

    def _on_notify(self, _connection: object, _pid: int, _channel: str, schema: str) -> None:
        if schema == self._schema:
            self._wakeup.ring()
