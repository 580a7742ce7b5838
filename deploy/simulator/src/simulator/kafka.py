"""The Kafka adapters: publishing onto each partner's own inbound topics, and reading what the
platform recorded from its events topics and its services' consumer groups."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from jeugdketen_shared.cloudevents import KafkaRecord
from jeugdketen_shared.kafka import ClientSecurity
from jeugdketen_shared.settings import ServiceTopics
from simulator.plan import Dependency, PlannedMessage

OFFSET_POLL_SECONDS = 0.1

log = logging.getLogger(__name__)
UNACKED_LIMIT = 1000


class KafkaTransport:
    """Onto `<prefix>.<service>.inbound.<partner-id>`, the topic of the partner that sends the
    message (the service knows the sender from it); idempotent, so retries keep the order."""

    def __init__(self, producer: AIOKafkaProducer, prefix: str) -> None:
        self._producer = producer
        self._prefix = prefix
        self._unacked: list[asyncio.Future[object]] = []

    async def send(self, message: PlannedMessage, record: KafkaRecord) -> None:
        acked = await self._producer.send(
            ServiceTopics(self._prefix, message.service).inbound_of(message.partner.id),
            value=record.value,
            key=record.key,
            headers=list(record.headers),
        )
        self._unacked.append(acked)
        if len(self._unacked) >= UNACKED_LIMIT:
            await self.flush()

    async def flush(self) -> None:
        unacked, self._unacked = self._unacked, []
        await asyncio.gather(*unacked)


class RecordStopped(Exception):
    """Reading what the platform records stopped: the error it stopped on is the cause."""


class KafkaPlatformRecord:
    """A dependency is met when its event is on `<prefix>.<upstream>.events` and the consumer
    service's group for that topic (`<prefix>.<consumer>.<upstream>-events`, see
    jeugdketen_shared.service) has committed past it: services commit only what they recorded.
    Seeing the event alone is not enough: the consumer may not have read it yet."""

    def __init__(self, consumer: AIOKafkaConsumer, admin: AIOKafkaAdminClient, prefix: str) -> None:
        self._consumer = consumer
        self._admin = admin
        self._prefix = prefix
        self._seen: dict[tuple[str, str, str], tuple[int, int]] = {}
        self._decided: set[str] = set()
        """The ids of the messages an event or a rejection was caused by."""
        self._committed: dict[str, dict[int, int]] = {}
        self._news = asyncio.Event()
        self._readers: list[asyncio.Task[None]] = []

    def start(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Read the events and follow the groups (`follow_groups`) in the background, until
        `stop`."""
        self._readers = [
            asyncio.create_task(self.read_events(), name="reading the platform's events"),
            asyncio.create_task(self.follow_groups(pairs), name="following the consumer groups"),
        ]

    def stop(self) -> None:
        for reader in self._readers:
            reader.cancel()

    def has_applied(self, dependency: Dependency) -> bool:
        position = self._seen.get(
            (dependency.upstream, dependency.event_type, str(dependency.case_id))
        )
        if position is None:
            return False
        partition, offset = position
        committed = self._committed.get(self._group(dependency.consumer, dependency.upstream), {})
        return committed.get(partition, -1) > offset

    def has_decided(self, message: PlannedMessage) -> bool:
        return str(message.id) in self._decided

    async def news(self, within_seconds: float) -> bool:
        """Whether anything was recorded within the time. A reader that stopped raises here:
        without it no news would ever come, and the publisher would wait out its patience."""
        news = asyncio.ensure_future(self._news.wait())
        try:
            await asyncio.wait(
                [news, *self._readers], timeout=within_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            news.cancel()
        for reader in self._readers:
            if reader.done() and not reader.cancelled():
                raise RecordStopped(f"{reader.get_name()} stopped") from reader.exception()
        if not self._news.is_set():
            return False
        self._news.clear()
        return True

    async def read_events(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for partition, records in batches.items():
                upstream = partition.topic.removeprefix(f"{self._prefix}.").split(".")[0]
                for record in records:
                    event = orjson.loads(record.value)
                    if causation := event.get("causationid"):
                        self._decided.add(causation)
                    # the first time counts; a relay's re-publication comes later
                    self._seen.setdefault(
                        (upstream, event.get("type", ""), str(event.get("caseid"))),
                        (record.partition, record.offset),
                    )
            if batches:
                self._news.set()

    async def follow_groups(self, pairs: Iterable[tuple[str, str]]) -> None:
        groups = {self._group(consumer, upstream): upstream for upstream, consumer in pairs}
        while True:
            for group, upstream in groups.items():
                try:
                    offsets = await self._admin.list_consumer_group_offsets(group)
                except KafkaError as error:
                    # a broker that restarts: asked again at the next poll, for without this
                    # task no held-back message would ever go out
                    log.warning("offsets of %s unavailable: %s", group, error)
                    continue
                topic = f"{self._prefix}.{upstream}.events"
                committed = {
                    tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic
                }
                if committed != self._committed.get(group):
                    self._committed[group] = committed
                    self._news.set()
            await asyncio.sleep(OFFSET_POLL_SECONDS)

    def _group(self, consumer: str, upstream: str) -> str:
        return f"{self._prefix}.{consumer}.{upstream}-events"


@contextlib.asynccontextmanager
async def connected(
    bootstrap_servers: str,
    prefix: str,
    dependencies: Iterable[Dependency],
    security: ClientSecurity,
) -> AsyncIterator[tuple[KafkaTransport, KafkaPlatformRecord]]:
    """Producer, events reader and group follower, for as long as the simulation runs."""
    pairs = {(d.upstream, d.consumer) for d in dependencies}
    access = {"bootstrap_servers": bootstrap_servers, **security.options()}
    producer = AIOKafkaProducer(**access, acks="all", enable_idempotence=True)
    consumer = AIOKafkaConsumer(**access, group_id=None, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**access)
    async with contextlib.AsyncExitStack() as stack:
        for client in (producer, consumer, admin):
            await client.start()
        stack.push_async_callback(producer.stop)
        stack.push_async_callback(consumer.stop)
        stack.push_async_callback(admin.close)
        # every service's events and rejections: what a message caused, and the upstream events
        # the dependencies name
        topics = sorted(
            name
            for name in await admin.list_topics()
            if name.startswith(f"{prefix}.") and name.split(".")[2:3] in (["events"], ["rejected"])
        )
        partitions = [
            TopicPartition(description["topic"], p["partition"])
            for description in (await admin.describe_topics(topics) if topics else [])
            for p in description["partitions"]
        ]
        consumer.assign(partitions)
        if partitions:
            # from the start: what an earlier run already got recorded counts as recorded
            await consumer.seek_to_beginning(*partitions)
        record = KafkaPlatformRecord(consumer, admin, prefix)
        record.start(pairs)
        stack.callback(record.stop)
        yield KafkaTransport(producer, prefix), record
