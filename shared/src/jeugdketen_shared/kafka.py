"""Kafka for the whole platform: how every client authenticates, the one way to produce
(idempotent, acks from all in-sync replicas), records as the CloudEvents binding sees them, and
the partitions of topics."""

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram512

from jeugdketen_shared.cloudevents import KafkaRecord


@dataclass(frozen=True)
class ClientSecurity:
    """How a client authenticates to the brokers: the same for its producers, consumers, admin
    clients and FastStream broker. PLAINTEXT logs in as no one, for a broker that asks no
    login (a test's testcontainers broker; deploy/ has none); SASL_SSL is the same login
    inside TLS, checked against `ca_file` or else the system's trusted CAs (docs/security.md)."""

    protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    mechanism: Literal["SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    """PLAIN is the brokers' own principal's, on their listener (deploy/local/up)."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        if self.protocol != "PLAINTEXT":
            self._login()  # fails at start-up, not at the first connection

    def _login(self) -> tuple[str, str]:
        if not self.username or not self.password:
            raise ValueError(f"{self.protocol} needs a username and a password")
        return self.username, self.password

    def _tls(self) -> ssl.SSLContext | None:
        if self.protocol != "SASL_SSL":
            return None
        context: ssl.SSLContext = create_ssl_context(cafile=self.ca_file)  # checks the name, too
        return context

    def options(self) -> dict[str, Any]:
        """The keyword arguments of aiokafka's clients."""
        if self.protocol == "PLAINTEXT":
            return {}
        username, password = self._login()
        tls = self._tls()
        return {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": username,
            "sasl_plain_password": password,
        } | ({} if tls is None else {"ssl_context": tls})

    def faststream(self) -> BaseSecurity | None:
        """The same for FastStream's KafkaBroker."""
        if self.protocol == "PLAINTEXT":
            return None
        tls = self._tls()
        kind = SASLPlaintext if self.mechanism == "PLAIN" else SASLScram512
        return kind(*self._login(), ssl_context=tls, use_ssl=tls is not None)


def create_producer(bootstrap_servers: str, security: ClientSecurity) -> AIOKafkaProducer:
    # idempotence keeps retries from writing a record twice or out of order on a partition;
    # acks=all waits until every in-sync replica has it (min.insync.replicas=2 in production)
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **security.options(),
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


async def partitions_of(
    bootstrap_servers: str, topics: Sequence[str], security: ClientSecurity
) -> list[TopicPartition]:
    """Every partition of the topics (a topic created a moment ago may not show them at once)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security.options())
    await admin.start()
    try:
        async with asyncio.timeout(30):
            while True:
                described = await admin.describe_topics(list(topics))
                if all(topic["partitions"] for topic in described):
                    return sorted(
                        TopicPartition(topic["topic"], p["partition"])
                        for topic in described
                        for p in topic["partitions"]
                    )
                await asyncio.sleep(0.1)
    finally:
        await admin.close()
