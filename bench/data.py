"""The chain's domain events, pre-encoded, in bulk: a million in seconds.

A base of varied cases (tests/support/chain_cases.py, as the reference test publishes them) is
encoded once; each further copy rewrites
the case ids, youth pseudonyms and event ids in the encoded bytes (their last 12 hex digits
become the copy's number), so every copy is a set of new cases with the same timings.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from jeugdketen_shared.cloudevents import encode
from jeugdketen_shared.settings import kafka_client_options
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor_reference import cloud_events

DEFAULT_EVENTS = 1_000_000
BASE_CASES = 500
SERVICES = ("toegang", "triage", "plaatsing")


def event_count() -> int:
    """`BENCH_EVENTS`, else the issue's million."""
    return int(os.environ.get("BENCH_EVENTS", DEFAULT_EVENTS))


@dataclass(frozen=True)
class Template:
    service: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    replace: tuple[str, ...]
    """Identifiers in key and value whose last 12 hex digits each copy rewrites."""


def templates(platform: IsolatedPlatform, seed: int = 8) -> list[Template]:
    """The base cases' events as the relays would publish them, encoded."""
    found = []
    for service, event in cloud_events(platform, seed, BASE_CASES).events:
        record = encode(event, key=None if event.caseid else event.data.get("provider"))
        youth = event.data.get("youth_pseudonym")
        found.append(
            Template(
                service=service,
                key=record.key or b"",
                value=record.value,
                headers=record.headers,
                replace=tuple(
                    identifier
                    for identifier in (event.id, str(event.caseid) if event.caseid else None, youth)
                    if identifier
                ),
            )
        )
    return found


def copies(base: list[Template], count: int) -> Iterator[tuple[str, bytes, bytes, Template]]:
    """`count` encoded events: (service, key, value, template), copy after copy of the base."""
    made = 0
    copy = 0
    while made < count:
        suffix = f"{copy:012x}".encode()
        for template in base:
            key, value = template.key, template.value
            for identifier in template.replace:
                old = identifier.encode()
                new = old[:-12] + suffix
                key = key.replace(old, new)
                value = value.replace(old, new)
            yield template.service, key, value, template
            made += 1
            if made == count:
                return
        copy += 1


async def produce(
    bootstrap_servers: str, topic_of: dict[str, str], base: list[Template], count: int
) -> None:
    """Publish `count` events in bulk (large batches, no per-record wait)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        linger_ms=20,
        max_batch_size=1_048_576,
        **kafka_client_options(),
    )
    await producer.start()
    try:
        pending = []
        for service, key, value, template in copies(base, count):
            pending.append(
                await producer.send(
                    topic_of[service], value=value, key=key, headers=list(template.headers)
                )
            )
            if len(pending) >= 50_000:
                for delivery in pending:
                    await delivery
                pending.clear()
        for delivery in pending:
            await delivery
    finally:
        await producer.stop()
