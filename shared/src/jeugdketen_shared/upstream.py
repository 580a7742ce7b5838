"""Other services' domain events as input: services learn from each other through Kafka only.

A domain event is a fact another service recorded, so it is never refused back: when this
service's rules do not apply it (a case this service does not handle), that is logged and the
event acknowledged. An event that breaks its contract means two services disagree on it; it is
not skipped, but raised, so the batch is redelivered until a fixed service reads it.
"""

import asyncio
import dataclasses
from collections.abc import Sequence

import structlog
from opentelemetry.trace import SpanKind

from jeugdketen_shared.batch import Refused
from jeugdketen_shared.cloudevents import decode
from jeugdketen_shared.inbound import Contracts, ReceivedMessage
from jeugdketen_shared.ingress import RecordBatch
from jeugdketen_shared.metrics import count_upstream_events
from jeugdketen_shared.rejections import Arrival
from jeugdketen_shared.telemetry import (
    MessageSpans,
    arrival_attributes,
    extract,
    with_span_context,
)

log = structlog.get_logger(__name__)


class UpstreamGateway:
    def __init__(
        self, contracts: Contracts, record: RecordBatch, *, service: str, upstream: str
    ) -> None:
        self._contracts = contracts
        self._record = record
        self._service = service
        self._upstream = upstream

    async def receive(self, arrivals: Sequence[Arrival]) -> None:
        with MessageSpans(SpanKind.CONSUMER).ending() as spans:
            messages: list[ReceivedMessage] = []
            for arrival in arrivals:
                envelope = decode(arrival.record)
                if self._contracts.accepts(envelope.type):
                    parent = extract(arrival.record.headers, envelope)
                    span = spans.start(
                        f"receive {arrival.topic}",
                        parent,
                        arrival_attributes(arrival.topic, arrival.partition, arrival.offset),
                    )
                    # no check against this service's clock: upstream recorded it on its own
                    message = self._contracts.validate(envelope, now=None)
                    envelope = with_span_context(message.envelope, span)
                    messages.append(dataclasses.replace(message, envelope=envelope))
            outcomes = await asyncio.to_thread(self._record, messages)
        count_upstream_events(self._service, self._upstream, outcomes)
        for outcome in outcomes:
            if isinstance(outcome, Refused):
                log.warning(
                    "upstream event not applied",
                    type=outcome.message.envelope.type,
                    id=outcome.message.envelope.id,
                    reason=outcome.refusal.reason,
                )
