"""The transactional outbox: the event store's notification log, relayed to Kafka.

A domain event is stored first and published after, by this relay, in notification order
with an idempotent producer (acks=all). The relay records the last notification it saw
acknowledged by Kafka in the service's own database (the library's tracking table), so an event
committed but not yet published when the process dies is published after the restart.
A crash after Kafka acknowledged and before the position is recorded publishes that batch
again, with the same CloudEvent ids: consumers deduplicate on (source, id).

PostgreSQL NOTIFY (sent by the library on every insert) wakes the relay at once; a slow poll
covers a missed notification.

One relay per topic publishes at a time: each holds a PostgreSQL advisory lock for as long as its
session lives, and a second one (two replicas, or a restart racing the old process) stands by
until the first one's session ends, a killed process's session included. Two publishing at once
would each send the same batches.
"""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID, uuid5

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic
from opentelemetry.trace import SpanKind
from psycopg.sql import SQL, Identifier

from jeugdketen_shared import metrics
from jeugdketen_shared.cloudevents import CloudEvent, KafkaRecord, encode, recorded_now
from jeugdketen_shared.contracts.base import DomainEventData, case_of
from jeugdketen_shared.eventstore import ServiceApplication
from jeugdketen_shared.kafka import send_all
from jeugdketen_shared.lock_classes import LockClass
from jeugdketen_shared.single_runner import wait_to_run_alone
from jeugdketen_shared.telemetry import MessageSpans, as_headers, current_carrier, stored_context
from jeugdketen_shared.wakeup import Wakeup

log = structlog.get_logger(__name__)

_EVENT_ID_NAMESPACE = UUID("8f3a9a52-7c8e-4b8f-b1f5-6c0f3f3e9d10")
RELAY_BATCH_SIZE = 500
_COUNT_AFTER = SQL(
    "SELECT count(*) FROM {schema}.{table} WHERE notification_id > %s AND topic = ANY(%s)"
)


Publication = Mapping[type[DomainEvent], type[DomainEventData]]
"""Which stored event classes a service publishes, each as which public contract."""


def _no_other_names(event: DomainEvent) -> Mapping[str, object]:
    return {}


@dataclass(frozen=True)
class ContractMapper:
    """A stored event as its public contract: the contract takes the event's fields of the same
    name (it ignores the rest, such as the aggregate's version); `case_id` is the originator's
    id unless the event names its case itself. `named_otherwise` gives the contract's fields
    that the stored events name otherwise or leave out (the alerts' `occurred_at` is their
    event's `at`): they win over the event's own."""

    publication: Publication
    named_otherwise: Callable[[DomainEvent], Mapping[str, object]] = _no_other_names

    @property
    def contracts(self) -> tuple[type[DomainEventData], ...]:
        """Every contract the service publishes, each once (its AsyncAPI document lists them)."""
        return tuple(dict.fromkeys(self.publication.values()))

    def __call__(self, event: DomainEvent) -> DomainEventData:
        contract = self.publication.get(type(event))
        if contract is None:
            raise TypeError(f"{type(event).__qualname__} is not published")
        fields = {"case_id": event.originator_id, **vars(event), **self.named_otherwise(event)}
        return contract.model_validate(fields)


def contract_mapper(publication: Publication) -> ContractMapper:
    return ContractMapper(publication)


def cloudevent_id(event: DomainEvent) -> str:
    """Deterministic, so a republished event keeps its id."""
    return str(uuid5(_EVENT_ID_NAMESPACE, f"{event.originator_id}/{event.originator_version}"))


class OutboxRelay:
    def __init__(
        self,
        *,
        application: ServiceApplication,
        published: Sequence[type[DomainEvent]],
        as_contract: Callable[[DomainEvent], DomainEventData],
        producer: AIOKafkaProducer,
        topic: str,
        source: str,
        database_url: str,
    ) -> None:
        recorder = application.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError("the outbox relay needs the PostgreSQL event store")
        self._application = application
        self._recorder = recorder
        self._tracking = application.tracking_recorder()
        self._topics = [get_topic(cls) for cls in published]
        self._as_contract = as_contract
        self._producer = producer
        self._topic = topic
        self._source = source
        self._database_url = database_url
        self._position_name = f"outbox:{topic}"
        self._wakeup = Wakeup()
        self._position = 0
        """The last notification id published, as far as this process knows."""

    async def position(self) -> int:
        """The last notification id whose event Kafka acknowledged."""
        return await asyncio.to_thread(self._tracking.max_tracking_id, self._position_name) or 0

    async def run(self) -> None:
        """Relay until cancelled, in log order, once this is the topic's only relay."""
        listener = await asyncpg.connect(self._database_url)
        try:
            # inside the try: a relay cancelled while it starts closes its connection too
            await wait_to_run_alone(
                listener,
                LockClass.OUTBOX_RELAY,
                self._position_name,
                f"outbox relay of {self._topic}",
            )
            await listener.add_listener(self._recorder.channel_name, self._on_notify)
            self._position = position = await self.position()
            log.info("outbox relay started", topic=self._topic, position=position)
            metrics.OUTBOX_BACKLOG.watch(self._topic, self.backlog)
            while True:
                position, published = await self.publish_after(position)
                if not published:
                    await self._wakeup.wait()
        finally:
            metrics.OUTBOX_BACKLOG.forget(self._topic)
            await listener.close()

    async def publish_after(self, position: int) -> tuple[int, int]:
        """Publish one batch stored after `position`; return the new position and the count."""
        notifications: Sequence[Notification] = await asyncio.to_thread(
            self._recorder.select_notifications,
            position,
            RELAY_BATCH_SIZE,
            topics=self._topics,
            inclusive_of_start=False,
        )
        if not notifications:
            return position, 0
        with MessageSpans(SpanKind.PRODUCER).ending() as spans:
            records = [self._record(n, spans) for n in notifications]
            await send_all(self._producer, self._topic, records)
        metrics.EVENTS_PUBLISHED.labels(self._topic).inc(len(records))
        position = notifications[-1].id
        await asyncio.to_thread(
            self._tracking.insert_tracking, Tracking(self._position_name, position)
        )
        self._position = position
        log.debug("outbox relayed", topic=self._topic, count=len(notifications), position=position)
        return position, len(notifications)

    def _record(self, notification: Notification, spans: MessageSpans) -> KafkaRecord:
        event = self._application.mapper.to_domain_event(notification)
        if not isinstance(event, DomainEvent):
            raise TypeError(f"{notification.topic} is not a domain event")
        contract = self._as_contract(event)
        the_id = cloudevent_id(event)
        # the trace of the message that caused the event continues from its record span
        span = spans.start(
            f"publish {self._topic}",
            stored_context(event),
            {"cloudevents.event_id": the_id, "cloudevents.event_type": contract.cloudevent_type},
        )
        trace_context = current_carrier(span)
        return encode(
            CloudEvent(
                id=the_id,
                source=self._source,
                type=contract.cloudevent_type,
                time=recorded_now(event.timestamp),
                caseid=case_of(contract),
                causationid=getattr(event, "causation_id", None),
                traceparent=trace_context.get("traceparent"),
                tracestate=trace_context.get("tracestate"),
                data=contract.model_dump(mode="json"),
            ),
            key=contract.partition_key(),
            headers=as_headers(trace_context),
        )

    def backlog(self) -> int:
        """Stored events to publish after the relay's position: a query, run when scraped."""
        with self._recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(
                _COUNT_AFTER.format(
                    schema=Identifier(self._recorder.datastore.schema),
                    table=Identifier(self._recorder.events_table_name),
                ),
                [self._position, self._topics],
            )
            row = cursor.fetchone()
        return int(row["count"]) if row else 0

    def _on_notify(self, *_: object) -> None:
        self._wakeup.ring()
