"""Prometheus metrics of a process, served at GET /metrics.

One registry per process (`REGISTRY`, not prometheus-client's global one): a process serves
what it measured itself, plus the process collector's memory and CPU. Several services in one
process (as in the tests) tell their series apart by their labels (service, topic, group).

Counters and gauges are updated once per batch on the hot path, never with I/O; the outbox
backlog, which needs a query, is measured only when scraped.
"""

import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from aiokafka import ConsumerRecord, TopicPartition
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from jeugdketen_shared.batch import Accepted, Outcome, Refused, Repeated
from jeugdketen_shared.rejections import Rejection

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

PARTNER_MESSAGES = Counter(
    "jeugdketen_partner_messages",
    "Partner messages received, by outcome (accepted, repeated, rejected)",
    ["service", "outcome"],
    registry=REGISTRY,
)
REJECTED_MESSAGES = Counter(
    "jeugdketen_messages_rejected",
    "Partner messages refused to the rejected topic, by machine-readable reason",
    ["service", "reason"],
    registry=REGISTRY,
)
UPSTREAM_EVENTS = Counter(
    "jeugdketen_upstream_events",
    "Other services' domain events, by outcome (applied, repeated, not-applied)",
    ["service", "upstream", "outcome"],
    registry=REGISTRY,
)
EVENTS_PUBLISHED = Counter(
    "jeugdketen_events_published",
    "Stored events the outbox relay published and Kafka acknowledged",
    ["topic"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "jeugdketen_consumer_lag_records",
    "Records on the partition after the last one read (high watermark minus position), "
    "measured at each poll that returned records",
    ["group", "topic", "partition"],
    registry=REGISTRY,
)
PROJECTION_APPLIED = Counter(
    "jeugdketen_projection_events_applied",
    "Domain events the ketenmonitor projected (committed)",
    ["topic"],
    registry=REGISTRY,
)
PROJECTION_LAG = Gauge(
    "jeugdketen_projection_lag_seconds",
    "Time between the newest projected event's CloudEvent time and its commit",
    registry=REGISTRY,
)


_PARTNER_OUTCOMES = {Accepted: "accepted", Repeated: "repeated", Rejection: "rejected"}
_UPSTREAM_OUTCOMES = {Accepted: "applied", Repeated: "repeated", Refused: "not-applied"}


def count_partner_messages(
    service: str, outcomes: Sequence[Accepted | Repeated | Rejection]
) -> None:
    for outcome, count in Tally(_PARTNER_OUTCOMES[type(o)] for o in outcomes).items():
        PARTNER_MESSAGES.labels(service, outcome).inc(count)
    reasons = Tally(o.refusal.reason for o in outcomes if isinstance(o, Rejection))
    for reason, count in reasons.items():
        REJECTED_MESSAGES.labels(service, reason).inc(count)


def count_upstream_events(service: str, upstream: str, outcomes: Sequence[Outcome]) -> None:
    for outcome, count in Tally(_UPSTREAM_OUTCOMES[type(o)] for o in outcomes).items():
        UPSTREAM_EVENTS.labels(service, upstream, outcome).inc(count)


class Watermarks(Protocol):
    """What of a Kafka consumer the lag needs (aiokafka's AIOKafkaConsumer)."""

    def highwater(self, partition: TopicPartition) -> int | None: ...


def observe_lag(
    group: str, consumer: Watermarks, records: Sequence[ConsumerRecord[bytes, bytes]]
) -> None:
    """The lag after this poll, per partition it returned records of: no I/O, the high
    watermark is what the last fetch response said."""
    last: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        last[partition] = max(last.get(partition, -1), record.offset)
    for partition, offset in last.items():
        end = consumer.highwater(partition)
        if end is not None:
            CONSUMER_LAG.labels(group, partition.topic, str(partition.partition)).set(
                max(end - offset - 1, 0)
            )


PROJECTION_GROUP = "ketenmonitor-projection"
"""The consumer lag's `group` label of the ketenmonitor's projection (which has no group)."""


def observe_projected(
    consumer: Watermarks,
    records: Sequence[ConsumerRecord[bytes, bytes]],
    recorded_at: Sequence[datetime],
) -> None:
    """After a projected batch committed: the events applied per topic, the consumer lag, and
    the time from the newest event's recording upstream to now (a live projection's)."""
    for topic, count in Tally(record.topic for record in records).items():
        PROJECTION_APPLIED.labels(topic).inc(count)
    observe_lag(PROJECTION_GROUP, consumer, records)
    if recorded_at:
        PROJECTION_LAG.set(max(time.time() - max(recorded_at).timestamp(), 0.0))


class OutboxBacklog(Collector):
    """`jeugdketen_outbox_backlog_events`: per relayed topic, the stored events not yet
    published (after the relay's position), counted by a query when scraped."""

    def __init__(self) -> None:
        self._relays: dict[str, Callable[[], int]] = {}

    def watch(self, topic: str, backlog: Callable[[], int]) -> None:
        self._relays[topic] = backlog

    def forget(self, topic: str) -> None:
        self._relays.pop(topic, None)

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "jeugdketen_outbox_backlog_events",
            "Stored events to publish after the outbox relay's position",
            labels=["topic"],
        )
        for topic, backlog in list(self._relays.items()):
            family.add_metric([topic], backlog())
        yield family

    def describe(self) -> Iterable[Metric]:
        # no query when registering
        yield GaugeMetricFamily("jeugdketen_outbox_backlog_events", "", labels=["topic"])


OUTBOX_BACKLOG = OutboxBacklog()
REGISTRY.register(OUTBOX_BACKLOG)


@contextmanager
def registered(collector: Collector) -> Iterator[None]:
    """A collector of something that lives only so long (an app's database pool, say)."""
    REGISTRY.register(collector)
    try:
        yield
    finally:
        REGISTRY.unregister(collector)


def exposition() -> bytes:
    """The registry in Prometheus's text format; may query (the outbox backlog): call it off
    the event loop."""
    return generate_latest(REGISTRY)
