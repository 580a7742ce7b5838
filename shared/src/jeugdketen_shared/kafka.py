"""The one way this platform produces to Kafka: idempotent, acks from all in-sync replicas."""

from aiokafka import AIOKafkaProducer, ConsumerRecord

from jeugdketen_shared.cloudevents import KafkaRecord


def create_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    # idempotence keeps retries from writing a record twice or out of order on a partition;
    # acks=all waits until every in-sync replica has it (min.insync.replicas=2 in production)
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=30_000,
    )


async def send_all(producer: AIOKafkaProducer, topic: str, records: list[KafkaRecord]) -> None:
    """Send records and wait until the broker acknowledged every one of them."""
    deliveries = [
        await producer.send(topic, value=record.value, key=record.key, headers=list(record.headers))
        for record in records
    ]
    for delivery in deliveries:
        await delivery


def as_kafka_record(record: ConsumerRecord[bytes, bytes]) -> KafkaRecord:
    return KafkaRecord(
        key=record.key, value=record.value or b"", headers=tuple(record.headers or ())
    )
