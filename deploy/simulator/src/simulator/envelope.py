"""A planned message as the partner publishes it: a CloudEvent, keyed by its case."""

from datetime import datetime

from jeugdketen_shared.cloudevents import CloudEvent, KafkaRecord, encode, recorded_now
from simulator.plan import PlannedMessage


def as_cloudevent(message: PlannedMessage, published_at: datetime) -> CloudEvent:
    return CloudEvent(
        id=str(message.id),
        source=message.source,
        type=message.type,
        time=recorded_now(published_at),
        caseid=message.case_id,
        data=dict(message.data),
    )


def as_record(message: PlannedMessage, published_at: datetime) -> KafkaRecord:
    # who publishes is not in the record: it is the partner whose own inbound topic it goes to
    return encode(as_cloudevent(message, published_at), key=message.key)
