"""Every refused partner message gets one rejection: on the rejected topic of the partner that
sent it (`jeugdketen.<service>.rejected.<partner-id>`, which only it may read), or on
`jeugdketen.<service>.rejected` when no registered partner sent it."""

import base64
import contextlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4, uuid5

from aiokafka import AIOKafkaProducer

from jeugdketen_shared.cloudevents import (
    CloudEvent,
    KafkaRecord,
    Names,
    encode,
    names_of,
    recorded_now,
)
from jeugdketen_shared.contracts.rejection import FieldError, MessageRejected, RejectedOriginal
from jeugdketen_shared.inbound import MAX_MESSAGE_BYTES
from jeugdketen_shared.kafka import send_all
from jeugdketen_shared.privacy import masked, masked_text
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.settings import ServiceTopics

_REJECTION_NAMESPACE = UUID("0d7c4f6e-41a7-4bb4-9a1b-6a4c8f0e5d23")


@dataclass(frozen=True)
class Arrival:
    """A partner message as it arrived: its bytes and, from Kafka, where it was read."""

    record: KafkaRecord
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    partner: str | None = None
    """Who sent it, as the door it came through knows: on Kafka the partner whose inbound topic
    it was read from (the ACLs let only that partner's principal write there), over HTTP the
    partner that authenticated the request. Never the message's say-so."""

    @property
    def rejection_id(self) -> str:
        # the same record refused again after a redelivery gets the same rejection id
        if self.topic is None:
            return str(uuid4())
        return str(uuid5(_REJECTION_NAMESPACE, f"{self.topic}/{self.partition}/{self.offset}"))


@dataclass(frozen=True)
class Rejection:
    arrival: Arrival
    refusal: Refusal
    envelope: CloudEvent | None = None
    """The CloudEvent, when the message could be read as one."""
    partner: str | None = None
    """The registered partner that sent it, whose rejected topic it goes to."""

    def as_cloudevent(self, source: str, now: datetime) -> CloudEvent:
        envelope = self.envelope
        record = self.arrival.record
        # the rejected topic goes back to partners and is kept for weeks: no BSN on it, in the
        # original nor in any text taken from it; and an oversized original is cut, so that
        # its rejection still fits on the topic
        truncated = len(record.value) > MAX_MESSAGE_BYTES or len(record.key or b"") > (
            MAX_MESSAGE_BYTES
        )
        # a message that is no readable CloudEvent still says which one it was, if it can
        names = Names(envelope.id, envelope.source, envelope.type) if envelope else names_of(record)
        original = RejectedOriginal(
            topic=self.arrival.topic,
            partition=self.arrival.partition,
            offset=self.arrival.offset,
            key_base64=None if record.key is None else _publishable(record.key),
            value_base64=_publishable(record.value),
            truncated=truncated,
            id=_masked(names.id),
            source=names.source if envelope else _masked(names.source),
            type=names.type if envelope else _masked(names.type),
        )
        rejected = MessageRejected(
            reason=self.refusal.reason,
            detail=masked_text(self.refusal.detail),
            errors=tuple(
                FieldError(
                    location=masked_text(p.location),
                    reason=p.reason,
                    message=masked_text(p.message),
                )
                for p in self.refusal.problems
            ),
            original=original,
        )
        return CloudEvent(
            id=self.arrival.rejection_id,
            source=source,
            type=MessageRejected.cloudevent_type,
            time=recorded_now(now),
            caseid=_case_id(envelope),
            causationid=_masked(envelope.id if envelope else None),
            traceparent=envelope.traceparent if envelope else None,
            data=rejected.model_dump(mode="json"),
        )


def _case_id(envelope: CloudEvent | None) -> UUID | None:
    if envelope is None:
        return None
    if envelope.caseid is not None:
        return envelope.caseid
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        return UUID(str(envelope.data.get("case_id")))
    return None


def _masked(text: str | None) -> str | None:
    return None if text is None else masked_text(text)


def _publishable(raw: bytes) -> str:
    return base64.b64encode(masked(raw[:MAX_MESSAGE_BYTES])).decode("ascii")


class RejectionPublisher:
    def __init__(self, producer: AIOKafkaProducer, topics: ServiceTopics, source: str) -> None:
        self._producer = producer
        self._topics = topics
        self._source = source

    def topic(self, rejection: Rejection) -> str:
        if rejection.partner is None:
            return self._topics.rejected
        return self._topics.rejected_of(rejection.partner)

    async def publish(self, rejections: list[Rejection], now: datetime) -> None:
        by_topic: dict[str, list[KafkaRecord]] = {}
        for rejection in rejections:
            record = encode(rejection.as_cloudevent(self._source, now))
            by_topic.setdefault(self.topic(rejection), []).append(record)
        for topic, records in by_topic.items():
            await send_all(self._producer, topic, records)
