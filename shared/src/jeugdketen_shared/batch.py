"""Record the partner messages of one poll in one transaction.

One commit per message would cap a service at a few hundred messages a second here, so the
messages of a poll are applied to their aggregates in memory and saved together with their
receipts in one atomic `save()`. One conflicting aggregate fails the whole transaction; then
the batch is recorded again message by message, so one bad message never blocks the others.

Commands must check their guards before they trigger an event, so a refused message leaves
no pending event on an aggregate that a later message of the batch still uses.
"""

from abc import abstractmethod
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from jeugdketen_shared.eventstore import ServiceApplication
from jeugdketen_shared.inbound import ReceivedMessage
from jeugdketen_shared.receipts import MessageReceipt
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.telemetry import current_carrier, extract, stamp, tracer

CONFLICT_RETRIES = 3
_STORED_AMONG = SQL(
    "SELECT DISTINCT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s)"
)

AggregateT = TypeVar("AggregateT", bound=Aggregate)


@dataclass(frozen=True)
class Accepted:
    message: ReceivedMessage


@dataclass(frozen=True)
class Repeated:
    """Already recorded earlier: nothing new happens."""

    message: ReceivedMessage


@dataclass(frozen=True)
class Refused:
    message: ReceivedMessage
    refusal: Refusal


Outcome = Accepted | Repeated | Refused


class IdReusedWithOtherContent(Refusal):
    """A message with this source and id was recorded before with other content."""

    reason = "id-reused-with-other-content"


class UnitOfWork:
    """The aggregates one batch loads and changes; saved together at the end."""

    def __init__(
        self, application: Application[UUID], absent: AbstractSet[UUID] = frozenset()
    ) -> None:
        self._application = application
        self._absent = absent
        """Ids known to have no stored events when the batch began: no lookup needed."""
        self._aggregates: dict[UUID, Aggregate] = {}
        self._pending_before: dict[UUID, int] = {}
        """Per aggregate the current message touched: its count of pending events before."""

    def get(self, aggregate_id: UUID, kind: type[AggregateT]) -> AggregateT | None:
        if aggregate_id not in self._aggregates:
            if aggregate_id in self._absent:
                return None
            try:
                loaded: Aggregate = self._application.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
            self._aggregates[aggregate_id] = loaded
        aggregate = self._aggregates[aggregate_id]
        if not isinstance(aggregate, kind):
            raise TypeError(f"aggregate {aggregate_id} is a {type(aggregate).__name__}")
        self._pending_before.setdefault(aggregate_id, len(aggregate.pending_events))
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        known = self._aggregates.get(aggregate.id)
        self._pending_before.setdefault(aggregate.id, len(known.pending_events) if known else 0)
        self._aggregates[aggregate.id] = aggregate

    def begin_message(self) -> None:
        self._pending_before.clear()

    def events_of_message(self) -> list[object]:
        """The events triggered since `begin_message`: those of one message."""
        return [
            event
            for aggregate_id, before in self._pending_before.items()
            for event in self._aggregates[aggregate_id].pending_events[before:]
        ]

    def save(self) -> None:
        self._application.save(*self._aggregates.values())


MessageHandler = Callable[[UnitOfWork, ReceivedMessage], None]
"""Applies one message to the aggregates of the unit of work, or raises a Refusal."""


class BatchRecorder:
    def __init__(self, application: Application[UUID], handle: MessageHandler) -> None:
        self._application = application
        self._handle = handle

    def record(self, messages: Sequence[ReceivedMessage]) -> list[Outcome]:
        try:
            return self._record_together(messages)
        except IntegrityError:
            return [self._record_alone(message) for message in messages]

    def _record_alone(self, message: ReceivedMessage) -> Outcome:
        for _ in range(CONFLICT_RETRIES):
            try:
                return self._record_together([message])[0]
            except IntegrityError:
                # a concurrent writer got there first; reloading shows what it wrote
                continue
        raise IntegrityError(f"message {message.envelope.id} kept conflicting")

    def _record_together(self, messages: Sequence[ReceivedMessage]) -> list[Outcome]:
        unit = UnitOfWork(self._application, self._absent(messages))
        outcomes = [self._apply(unit, message) for message in messages]
        unit.save()
        return outcomes

    def _absent(self, messages: Sequence[ReceivedMessage]) -> AbstractSet[UUID]:
        """Which of the batch's receipts and cases have no stored events yet, in one query:
        looking each up alone was two round trips per message, most of a batch's time. An
        aggregate another writer creates meanwhile fails the save, and the batch is recorded
        again message by message, looking again."""
        recorder = self._application.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            return frozenset()  # the in-memory store of unit tests: looked up one by one
        candidates = {MessageReceipt.create_id(m.envelope.source, m.envelope.id) for m in messages}
        candidates.update(
            case for m in messages if isinstance(case := getattr(m.data, "case_id", None), UUID)
        )
        with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(
                _STORED_AMONG.format(
                    schema=Identifier(recorder.datastore.schema),
                    table=Identifier(recorder.events_table_name),
                ),
                [list(candidates)],
            )
            stored = {row["originator_id"] for row in cursor.fetchall()}
        return candidates - stored

    def _apply(self, unit: UnitOfWork, message: ReceivedMessage) -> Outcome:
        envelope = message.envelope
        unit.begin_message()
        receipt_id = MessageReceipt.create_id(envelope.source, envelope.id)
        receipt = unit.get(receipt_id, MessageReceipt)
        if receipt is not None:
            if receipt.content_digest == message.content_digest:
                return Repeated(message)
            return Refused(message, IdReusedWithOtherContent())
        with tracer.start_as_current_span(
            f"record {envelope.type}",
            context=extract((), envelope),
            attributes={
                "cloudevents.event_id": envelope.id,
                "cloudevents.event_type": envelope.type,
            },
        ) as span:
            try:
                self._handle(unit, message)
            except Refusal as refusal:
                span.set_attribute("jeugdketen.refusal", refusal.reason)
                return Refused(message, refusal)
            stamp(unit.events_of_message(), current_carrier(span))
        unit.add(MessageReceipt(envelope.source, envelope.id, message.content_digest))
        return Accepted(message)


class ChainApplication(ServiceApplication):
    """A service of the chain: records a poll's messages, from partners or upstream services,
    in one transaction, each applied by `handle`."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._batches = BatchRecorder(self, self.handle)

    def record(self, messages: Sequence[ReceivedMessage]) -> list[Outcome]:
        return self._batches.record(messages)

    @abstractmethod
    def handle(self, unit: UnitOfWork, message: ReceivedMessage) -> None:
        """Apply one message to the aggregates of the unit of work, or raise a Refusal."""
