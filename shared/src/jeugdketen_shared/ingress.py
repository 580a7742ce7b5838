"""The partner-facing door of a service: validate, record, and refuse what can't be accepted.

Also the one way a service consumes a Kafka topic (`subscribe_batches`), partners' or upstream.

Every inbound message has exactly one visible outcome: domain events that carry its id as
causation id, a rejection that carries its id, or, for a repeat of an accepted id, nothing new.
"""

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry.trace import SpanKind

from jeugdketen_shared import kafka_records, metrics, telemetry
from jeugdketen_shared.asyncapi import DocumentedAs, cloudevents_of
from jeugdketen_shared.batch import Accepted, Outcome, Refused, Repeated
from jeugdketen_shared.clock import Clock
from jeugdketen_shared.inbound import Contracts, ReceivedMessage, read
from jeugdketen_shared.kafka import as_kafka_record
from jeugdketen_shared.permissions import PartnerRegistry
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.rejections import Arrival, Rejection, RejectionPublisher

log = structlog.get_logger(__name__)

MAX_RECORDS_PER_POLL = 500

RecordBatch = Callable[[Sequence[ReceivedMessage]], list[Outcome]]
"""The application's batch command; synchronous, so it runs in a worker thread."""


class InboundGateway:
    def __init__(
        self,
        contracts: Contracts,
        partners: PartnerRegistry,
        record: RecordBatch,
        rejections: RejectionPublisher,
        clock: Clock,
        service: str,
    ) -> None:
        self._service = service
        self._contracts = contracts
        self._partners = partners
        self._record = record
        self._rejections = rejections
        self._clock = clock

    async def receive(self, arrivals: Sequence[Arrival]) -> list[Accepted | Repeated | Rejection]:
        """Record what is valid in one transaction, then publish a rejection for the rest.

        Returns each arrival's outcome, in order. Infrastructure errors propagate, so the
        caller does not acknowledge the batch and it is delivered again; the receipts make that
        redelivery record nothing twice.
        """
        now = self._clock.now()
        with telemetry.MessageSpans(SpanKind.CONSUMER).ending() as spans:
            outcomes = await self._decide(arrivals, now, spans)
        rejections = [outcome for outcome in outcomes if isinstance(outcome, Rejection)]
        metrics.count_partner_messages(self._service, outcomes)
        if rejections:
            await self._rejections.publish(rejections, now)
        for rejection in rejections:
            log.info(
                "partner message rejected",
                reason=rejection.refusal.reason,
                id=rejection.envelope.id if rejection.envelope else None,
                type=rejection.envelope.type if rejection.envelope else None,
            )
        log.info(
            "partner messages received",
            accepted=sum(isinstance(outcome, Accepted) for outcome in outcomes),
            repeated=sum(isinstance(outcome, Repeated) for outcome in outcomes),
            rejected=len(rejections),
        )
        return outcomes

    async def _decide(
        self, arrivals: Sequence[Arrival], now: datetime, spans: telemetry.MessageSpans
    ) -> list[Accepted | Repeated | Rejection]:
        outcomes: list[Accepted | Repeated | Rejection | None] = []
        readable: list[tuple[int, Arrival, ReceivedMessage]] = []
        for arrival in arrivals:
            name = f"receive {arrival.topic or 'http'}"
            where = telemetry.arrival_attributes(arrival.topic, arrival.partition, arrival.offset)
            sender = self._partners.get(arrival.partner)
            # a refusal goes back to the partner that sent the message, whatever it claims
            partner = sender.id if sender else None
            try:
                envelope = read(arrival.record)  # size and id checked, then parsed
            except Refusal as refusal:
                outcomes.append(Rejection(arrival, refusal, partner=partner))
                spans.start(name, telemetry.extract(arrival.record.headers), where)
                continue
            span = spans.start(name, telemetry.extract(arrival.record.headers, envelope), where)
            # from here on the message, its record span and its rejection continue this span
            envelope = telemetry.with_span_context(envelope, span)
            try:
                message = self._contracts.validate(envelope, now)
                _check_key(arrival, message)
                publisher = self._partners.authorise(arrival.partner, envelope, message.data)
                # the application checks what only the case knows (a gemeente's own resident)
                message = dataclasses.replace(message, publisher=publisher)
            except Refusal as refusal:
                outcomes.append(Rejection(arrival, refusal, envelope, partner))
                continue
            readable.append((len(outcomes), arrival, message))
            outcomes.append(None)  # decided by the application, below
        recorded = await asyncio.to_thread(self._record, [message for *_, message in readable])
        for (position, arrival, message), outcome in zip(readable, recorded, strict=True):
            outcomes[position] = (
                Rejection(arrival, outcome.refusal, message.envelope, arrival.partner)
                if isinstance(outcome, Refused)
                else outcome
            )
        return [outcome for outcome in outcomes if outcome is not None]


class WrongKey(Refusal):
    """A partner message on Kafka is keyed by what it is about (its case id, or its provider for
    capacity), so that one case stays in one partition, in order."""

    reason = "wrong-key"


def _check_key(arrival: Arrival, message: ReceivedMessage) -> None:
    if arrival.topic is not None and arrival.record.key != message.data.partition_key().encode():
        raise WrongKey


ReceiveBatch = Callable[[Sequence[Arrival]], Awaitable[object]]


def subscribe_batches(
    broker: KafkaBroker,
    *,
    topics: Sequence[str],
    group_id: str,
    receive: ReceiveBatch,
    description: str,
    contracts: Contracts,
    title: str,
    senders: Mapping[str, str] | None = None,
) -> None:
    """Consume topics a poll at a time; acknowledge only after `receive` returned.

    When `receive` raises, the batch is not acknowledged and is delivered again. `senders` maps
    a partner's inbound topic to that partner: its arrivals are attributed to it.
    """
    senders = senders or {}
    kafka_records.install()  # a header name that is not UTF-8 is refused, not a halted partition

    @broker.subscriber(
        # provisioned from deploy/topics.toml with their partitions and retention; FastStream
        # would otherwise create a missing one with a single partition (and, over SASL, log a
        # refusal per topic on every start)
        *(Topic(topic, declare=False) for topic in topics),
        group_id=group_id,
        batch=True,
        max_records=MAX_RECORDS_PER_POLL,
        auto_offset_reset="earliest",
        # the relays publish without transactions; read_committed costs nothing and stays
        # right if a producer ever uses them
        isolation_level="read_committed",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=_parse_tolerantly,
        decoder=_raw_values,
        title=f"{title}:receive",
        description=description,
    )
    async def receive_batch(
        # the AsyncAPI document's message: each record is one of these CloudEvents; the gateway
        # reads the records themselves, so that one that is not becomes a rejection
        values: Annotated[list[bytes], DocumentedAs(cloudevents_of(contracts.models))],
        message: KafkaMessage,
    ) -> None:
        records: tuple[ConsumerRecord[bytes, bytes], ...] = message.raw_message
        await receive(
            [
                Arrival(
                    as_kafka_record(r),
                    topic=r.topic,
                    partition=r.partition,
                    offset=r.offset,
                    partner=senders.get(r.topic),
                )
                for r in records
            ]
        )
        if isinstance(message.consumer, AIOKafkaConsumer):
            metrics.observe_lag(group_id, message.consumer, records)


async def _parse_tolerantly(
    records: tuple[ConsumerRecord[bytes, bytes], ...],
    parse: Callable[[tuple[ConsumerRecord[bytes, bytes], ...]], Any],
) -> StreamMessage[Any]:
    # FastStream decodes header values as strict UTF-8, and Kafka allows a null header value
    # (any Java client can send one); a partner's broken header must become a rejection, not an
    # exception that redelivers the batch for ever
    readable = tuple(
        dataclasses.replace(
            record,
            headers=[
                (name, (value or b"").decode("utf-8", "replace").encode())
                for name, value in record.headers
            ],
        )
        for record in records
    )
    parsed: StreamMessage[Any] = await parse(readable)
    return parsed


async def _raw_values(message: StreamMessage[Any], decode: Callable[..., Any]) -> list[bytes]:
    # the gateway reads each record itself, so invalid JSON is refused rather than raised
    return [record.value or b"" for record in message.raw_message]
