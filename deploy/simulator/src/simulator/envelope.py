"""A planned message as the partner publishes it: a CloudEvent, keyed, with its partner."""

from datetime import datetime

from jeugdketen_shared.cloudevents import CloudEvent, KafkaRecord, encode, recorded_now
from jeugdketen_shared.permissions import PARTNER_HEADER
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
    record = encode(as_cloudevent(message, published_at), key=message.key)
    # who publishes: until authentication arrives, the partner names itself in this header
    headers = (*record.headers, (PARTNER_HEADER, message.partner.id.encode()))
    return KafkaRecord(key=record.key, value=record.value, headers=headers)
