"""The projection: every partition of the chain's events topics and of the youths' keys topic,
read from the positions the store holds, applied one batch per transaction.

Kafka's committed offsets play no part: the consumer seeks to the positions stored with the rows
they produced. A crash before a batch's commit leaves neither its rows nor its positions, so the
batch is read again; after the commit, both. Alone (no group) it is assigned every partition;
with a `group_id`, several instances share the partitions, each seeking to the stored positions
of what a rebalance assigns it (docs/scale-out.md).
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from jeugdketen_shared import kafka_records
from jeugdketen_shared.cloudevents import decode
from jeugdketen_shared.kafka import ClientSecurity, as_kafka_record, partitions_of
from jeugdketen_shared.metrics import observe_projected
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.telemetry import MessageSpans, arrival_attributes, extract
from jeugdketen_shared.youth_keys import KeyRecord, UnusableKeyRecord
from ketenmonitor.facts import Fact, UnusableEvent, fact_from
from ketenmonitor.projection import store
from ketenmonitor.projection.live import notify_figures_changed
from ketenmonitor.projection.store import (
    Applied,
    BatchErasure,
    Partition,
    Placed,
    PositionsMoved,
)

SOURCE_SERVICES = ("toegang", "triage", "plaatsing")
"""The services whose `<prefix>.<service>.events` topics the ketenmonitor projects."""

MAX_RECORDS_PER_BATCH = 2_000

log = structlog.get_logger(__name__)

CaughtUp = Callable[[AIOKafkaConsumer, Sequence[TopicPartition]], Awaitable[bool]]
"""Asked before each poll; the projection returns when it answers true (a rebuild's end)."""


class AlsoInBatch(Protocol):
    """What a live batch's transaction records beside its facts (the alerts' stages,
    `alerts.store.StagesInBatch`), after they are stored."""

    async def create_tables(self, connection: asyncpg.Connection) -> None: ...

    async def record(self, connection: asyncpg.Connection, applied: Applied) -> None: ...


@dataclass(frozen=True)
class Projection:
    bootstrap_servers: str
    topics: Sequence[str]
    database_url: str
    schema: str
    erasure: BatchErasure
    """The youths' keys and erasures, in each batch's transaction."""
    also: Sequence[AlsoInBatch] = ()
    """Recorded with each batch of a live projection (not of a rebuild's replay)."""
    max_records: int = MAX_RECORDS_PER_BATCH
    group_id: str | None = None
    """Kafka consumer group of instances sharing the partitions; None: this one reads all."""
    security: ClientSecurity = field(default_factory=ClientSecurity)
    """How its consumer logs in to the brokers (the ketenmonitor's principal over SASL)."""
    keys_topic: str | None = None
    """The youths' keys (privacy.erasure): read beside `topics`, in the same transactions."""

    @property
    def all_topics(self) -> list[str]:
        return [*self.topics, *([self.keys_topic] if self.keys_topic else [])]

    async def run(
        self,
        stopping: asyncio.Event,
        caught_up: CaughtUp | None = None,
        applied: Callable[[int], None] | None = None,
    ) -> None:
        """Project until `stopping` is set (or `caught_up` answers true).

        A replay (`caught_up` given: a rebuild) records facts only, nothing `also`: the
        rebuild recomputes the stages once it has switched over
        (`alerts.store.record_stages_after_rebuild`).
        """
        live = caught_up is None
        connection = await store.connect(self.database_url, self.schema)
        kafka_records.install()  # a header name that is not UTF-8 halts no partition
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            **self.security.options(),
            group_id=self.group_id,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        try:
            await store.create_schema(connection, self.schema)
            await self.erasure.create_tables(connection)
            for recorded in self.also if live else ():
                await recorded.create_tables(connection)
            topics = self.all_topics
            partitions = await partitions_of(self.bootstrap_servers, topics, self.security)
            await consumer.start()
            expected: dict[Partition, int] = {}
            if self.group_id is None:
                consumer.assign(partitions)
                expected.update(await _seek_to_stored(consumer, connection, partitions))
            else:
                seeking = _SeekOnAssignment(consumer, self.database_url, self.schema, expected)
                consumer.subscribe(topics, listener=seeking)
            log.info("projecting", schema=self.schema, positions=len(expected))
            while not stopping.is_set():
                if caught_up is not None and await caught_up(consumer, partitions):
                    return
                fetched = await consumer.getmany(timeout_ms=200, max_records=self.max_records)
                records = [r for partition_records in fetched.values() for r in partition_records]
                batch = [_placed(r, self.keys_topic) for r in records]
                if not batch:
                    continue
                # each record's trace (its relay's publish span) continues in a project span
                with MessageSpans(SpanKind.CONSUMER).ending() as spans:
                    for r in records:
                        where = arrival_attributes(r.topic, r.partition, r.offset)
                        spans.start(f"project {r.topic}", extract(r.headers or ()), where)
                    try:
                        async with connection.transaction():  # store.apply's is a savepoint
                            outcome = await store.apply(connection, batch, expected, self.erasure)
                            facts = outcome.facts
                            if live:
                                for recorded in self.also:
                                    await recorded.record(connection, outcome)
                                # delivered to /v1/stream listeners only if this commits
                                await notify_figures_changed(connection, self.schema, facts)
                        expected.update(outcome.reached)
                    except PositionsMoved as moved:
                        log.warning(
                            "positions moved; seeking to the stored ones", detail=str(moved)
                        )
                        owned = (
                            partitions if self.group_id is None else sorted(consumer.assignment())
                        )
                        expected.clear()
                        expected.update(await _seek_to_stored(consumer, connection, owned))
                        continue
                observe_projected(consumer, records, [f.recorded_at for f in facts] if live else [])
                if applied is not None:
                    applied(len(batch))
        finally:
            await consumer.stop()
            await connection.close()


async def _seek_to_stored(
    consumer: AIOKafkaConsumer, connection: asyncpg.Connection, partitions: Sequence[TopicPartition]
) -> dict[Partition, int]:
    stored = await store.positions(connection)
    for partition in partitions:
        at = stored.get((partition.topic, partition.partition))
        if at is None:
            await consumer.seek_to_beginning(partition)
        else:
            consumer.seek(partition, at)
    return stored


class _SeekOnAssignment(ConsumerRebalanceListener):  # type: ignore[misc]
    """In a group: the partitions a rebalance assigns start from their stored positions (not
    from Kafka's committed offsets, which this projection never commits)."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        database_url: str,
        schema: str,
        expected: dict[Partition, int],
    ) -> None:
        self._consumer = consumer
        self._database_url = database_url
        self._schema = schema
        self._expected = expected

    async def on_partitions_revoked(self, revoked: AbstractSet[TopicPartition]) -> None:
        """Nothing to hand over: a batch still being applied for a revoked partition commits
        only if the stored positions are still where it expects them."""

    async def on_partitions_assigned(self, assigned: AbstractSet[TopicPartition]) -> None:
        # the rebalance runs beside the batch loop: a connection of its own
        connection = await store.connect(self._database_url, self._schema)
        try:
            stored = await _seek_to_stored(self._consumer, connection, sorted(assigned))
        finally:
            await connection.close()
        self._expected.clear()
        self._expected.update(stored)


def _placed(record: ConsumerRecord[bytes, bytes], keys_topic: str | None) -> Placed:
    where = (record.topic, record.partition, record.offset)
    if record.topic == keys_topic:
        return Placed(*where, None, _key_of(record))
    return Placed(*where, _fact_of(record))


def _key_of(record: ConsumerRecord[bytes, bytes]) -> KeyRecord | None:
    """The youth's key or tombstone; None for a record that is none, logged and passed (never
    its value: it would be a key)."""
    try:
        return KeyRecord.from_kafka(record.key, record.value)
    except UnusableKeyRecord as error:
        log.error(
            "record skipped: not a youth's key",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=type(error).__name__,
        )
        return None


def _fact_of(record: ConsumerRecord[bytes, bytes]) -> Fact | None:
    """The record's fact; None for a record that is no usable domain event, which is logged
    and passed (its position still advances: it would be as unusable the next time)."""
    try:
        return fact_from(decode(as_kafka_record(record)))
    except (Refusal, UnusableEvent, ValidationError) as error:
        log.error(
            "record skipped: not a usable domain event",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error),
        )
        return None


def caught_up_with_end() -> CaughtUp:
    """True once every partition's position reached its end offset, measured again when first
    reached, so what was published meanwhile is read too."""
    ends: dict[TopicPartition, int] = {}

    async def caught_up(consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition]) -> bool:
        if not ends:
            ends.update(await consumer.end_offsets(list(partitions)))
        if not await _reached(consumer, ends):
            return False
        ends.update(await consumer.end_offsets(list(partitions)))
        return await _reached(consumer, ends)

    return caught_up


async def _reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True
