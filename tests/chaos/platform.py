"""The whole platform as processes on the chaos test's own infrastructure, the chaos that kills
its parts in turn, and the wait until it has settled afterwards."""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.kafka import partitions_of
from jeugdketen_shared.permissions import PartnerRegistry
from jeugdketen_shared.settings import ServiceSettings, kafka_client_options, kafka_client_security
from ketenmonitor.alerts.publication import PUBLISHED_EVENT_CLASSES
from ketenmonitor.main import alerts_topic, build_alerts
from tests.chaos.infrastructure import OwnInfrastructure
from tests.support.partners import PARTNERS_FILE
from tests.support.services import ServiceProcess

DOMAIN_SERVICES: dict[str, ModuleType] = {
    "toegang": toegang.main,
    "triage": triage.main,
    "plaatsing": plaatsing.main,
}
KINDS = ("broker", "toegang", "ketenmonitor", "triage", "postgresql", "plaatsing", "relay")
"""What the chaos kills, in this order, round after round: PostgreSQL not right after the
ketenmonitor, whose fresh processes would connect only once it is back."""
SUPERVISOR_PERIOD_SECONDS = 2.0


def environment(own: OwnInfrastructure, service: str, pseudonym_key: str) -> dict[str, str]:
    """A service's settings: its own database, as in production."""
    return {
        **own.kafka_login(),
        "KAFKA_BOOTSTRAP_SERVERS": own.kafka_bootstrap_servers,
        "DATABASE_URL": own.database_url(service),
        "DATABASE_SCHEMA": "public",
        "JEUGDKETEN_TOPIC_PREFIX": "jeugdketen",
        "JEUGDKETEN_PSEUDONYM_KEY": pseudonym_key,
        "JEUGDKETEN_HTTP_PORT": "0",
        "JEUGDKETEN_PARTNERS_FILE": str(PARTNERS_FILE),
        # plaatsing uses toegang's key vault, in toegang's database
        "JEUGDKETEN_KEY_VAULT_URL": own.database_url("toegang"),
    }


def settings_of(own: OwnInfrastructure, service: str, pseudonym_key: str) -> ServiceSettings:
    return ServiceSettings.model_validate(environment(own, service, pseudonym_key))


@dataclass
class Processes:
    """Every process of the platform, by `<service>/<role>`; the relay of each domain service
    runs apart from its ingress, so it can be killed on its own."""

    own: OwnInfrastructure
    pseudonym_key: str
    run: str
    """Names the log files in test-artifacts/."""
    running: dict[str, ServiceProcess] = field(default_factory=dict)
    exited: Counter[str] = field(default_factory=Counter)
    """Processes that ended on their own and were restarted, as a supervisor would."""

    def start(self) -> None:
        roles = [
            (service, role)
            for service, main in DOMAIN_SERVICES.items()
            for role in ("ingress", "relay", *(["scheduler"] if main.WIRING.background else []))
        ]
        for service, role in [*roles, ("ketenmonitor", "projection"), ("ketenmonitor", "sweeper")]:
            name = f"{service}/{role}"
            self.running[name] = ServiceProcess(
                service,
                role,
                environment(self.own, service, self.pseudonym_key),
                f"{self.run}-{service}-{role}",
            )
            self.running[name].start()

    def kill_and_restart(self, names: Sequence[str]) -> None:
        for name in names:
            if self.running[name].is_running():
                self.running[name].kill()
            self.running[name].start()

    async def supervise(self) -> None:
        """Restart what ended on its own (a process that gives up on a lost connection), until
        cancelled; a process that hangs instead shows in the settle phase, which then fails."""
        while True:
            for name, process in self.running.items():
                if not process.is_running():
                    self.exited[name] += 1
                    process.start()
            await asyncio.sleep(SUPERVISOR_PERIOD_SECONDS)

    def stop(self) -> None:
        for process in self.running.values():
            process.stop()


@dataclass
class Chaos:
    """Kills one kind of thing at a time, the kinds in turn, at seeded random moments, and
    restarts it at once; runs until `done` holds and every kind was killed at least once."""

    own: OwnInfrastructure
    processes: Processes
    rng: random.Random
    pause_seconds: tuple[float, float]
    kills: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)

    async def run(self, done: Callable[[], bool]) -> None:
        began = time.monotonic()
        round_ = 0
        while not (done() and self._each_killed()):
            kind = KINDS[round_ % len(KINDS)]
            round_ += 1
            await asyncio.sleep(self.rng.uniform(*self.pause_seconds))
            at = time.monotonic()
            what = await self._kill(kind)
            self.kills[kind] += 1
            self.log.append(
                f"{at - began:7.1f}s killed {what} ({time.monotonic() - at:.1f}s to start it again)"
            )

    def _each_killed(self) -> bool:
        """Every kind at least once, and of several brokers each one."""
        return all(self.kills[kind] for kind in KINDS) and self.kills["broker"] >= self.own.brokers

    async def _kill(self, kind: str) -> str:
        if kind == "broker":
            if self.own.brokers == 1:
                self.own.kill_broker()
                await asyncio.to_thread(self.own.up)
                return "the Kafka broker (SIGKILL), started again"
            # one at a time, in turn; the next kill comes only once its partitions are in sync
            node = self.kills["broker"] % self.own.brokers + 1
            self.own.kill_broker(node)
            await asyncio.to_thread(self.own.up)
            return f"Kafka broker {node} of {self.own.brokers} (SIGKILL), started again, in sync"
        if kind == "postgresql":
            self.own.crash_postgres()
            await asyncio.to_thread(self.own.up)
            return "PostgreSQL (immediate shutdown), started again"
        if kind == "relay":
            names = [f"{self.rng.choice(list(DOMAIN_SERVICES))}/relay"]
        elif kind == "ketenmonitor":
            names = ["ketenmonitor/projection", "ketenmonitor/sweeper"]
        else:
            names = [name for name in self.processes.running if name.startswith(f"{kind}/")]
            names.remove(f"{kind}/relay")
        self.processes.kill_and_restart(names)
        return ", ".join(names) + " (SIGKILL), restarted"


# --- settled: consumer groups and the projection at the topics' ends, relays at the head ----------


@dataclass
class Relayed:
    """A service's application and the event classes its relay publishes to `topic`."""

    service: str
    application: Application  # type: ignore[type-arg]
    published: Sequence[type[DomainEvent]]
    topic: str

    def unpublished(self) -> int:
        position = (
            self.application.factory.tracking_recorder().max_tracking_id(f"outbox:{self.topic}")
            or 0
        )
        waiting = self.application.recorder.select_notifications(
            position,
            1,
            topics=[get_topic(cls) for cls in self.published],
            inclusive_of_start=False,
        )
        return len(waiting)


def relayed_applications(own: OwnInfrastructure, pseudonym_key: str) -> list[Relayed]:
    """Every outbox: the domain services' and the ketenmonitor's alerts."""
    relayed = []
    for service, main in DOMAIN_SERVICES.items():
        settings = settings_of(own, service, pseudonym_key)
        relayed.append(
            Relayed(
                service,
                main.build_application(settings),
                main.WIRING.published,
                settings.topics(service).events,
            )
        )
    monitor = settings_of(own, "ketenmonitor", pseudonym_key)
    relayed.append(
        Relayed(
            "ketenmonitor", build_alerts(monitor), PUBLISHED_EVENT_CLASSES, alerts_topic(monitor)
        )
    )
    return relayed


def consumer_groups(own: OwnInfrastructure, pseudonym_key: str) -> dict[str, list[str]]:
    """Each domain service's consumer groups and the topics each reads: every partner's inbound
    topic of the service, and the events of the services upstream."""
    registry = PartnerRegistry.load(PARTNERS_FILE)
    groups = {}
    for service, main in DOMAIN_SERVICES.items():
        topics = settings_of(own, service, pseudonym_key).topics(service)
        groups[topics.consumer_group] = [
            topics.inbound_of(partner.id) for partner in registry.publishers_to(service)
        ]
        for upstream in main.WIRING.upstream:
            groups[f"{topics.consumer_group}.{upstream.service}-events"] = [
                f"{topics.prefix}.{upstream.service}.events"
            ]
    return groups


async def end_offsets(bootstrap_servers: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, **kafka_client_options()
    )
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(
            await partitions_of(bootstrap_servers, topics, kafka_client_security())
        )
        return ends
    finally:
        await consumer.stop()


async def behind(own: OwnInfrastructure, pseudonym_key: str, relayed: Sequence[Relayed]) -> str:
    """What has not settled yet; empty once nothing waits anywhere."""
    before = [await asyncio.to_thread(r.unpublished) for r in relayed]
    if any(before):
        return f"unpublished in the outboxes: {before}"
    groups = consumer_groups(own, pseudonym_key)
    events = [f"jeugdketen.{service}.events" for service in DOMAIN_SERVICES]
    read = [topic for topics in groups.values() for topic in topics]
    ends = await end_offsets(own.kafka_bootstrap_servers, [*read, *events])
    admin = AIOKafkaAdminClient(
        bootstrap_servers=own.kafka_bootstrap_servers, **kafka_client_options()
    )
    await admin.start()
    try:
        for group, topics in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            for partition, end in ends.items():
                at = committed[partition].offset if partition in committed else 0
                if partition.topic in topics and at < end:
                    return f"group {group} at {at} of {end} on {partition}"
    finally:
        await admin.close()
    projected = await projected_positions(own)
    for partition, end in ends.items():
        at = projected.get((partition.topic, partition.partition), 0)
        if partition.topic in events and at < end:
            return f"the projection at {at} of {end} on {partition}"
    # nothing consumed meanwhile made new events: the outboxes are still empty
    if any([await asyncio.to_thread(r.unpublished) for r in relayed]):
        return "new events in the outboxes"
    return ""


async def projected_positions(own: OwnInfrastructure) -> dict[tuple[str, int], int]:
    connection = await asyncpg.connect(own.database_url("ketenmonitor"))
    try:
        rows = await connection.fetch("SELECT topic, partition, next_offset FROM positions")
    finally:
        await connection.close()
    return {(row["topic"], row["partition"]): row["next_offset"] for row in rows}


async def wait_settled(
    own: OwnInfrastructure, pseudonym_key: str, relayed: Sequence[Relayed], within_seconds: float
) -> None:
    """Polls the platform's state (other processes'): a condition, not a guessed sleep."""
    waiting = "not asked yet"
    try:
        async with asyncio.timeout(within_seconds):
            while waiting := await behind(own, pseudonym_key, relayed):  # noqa: ASYNC110
                await asyncio.sleep(0.5)
    except TimeoutError as error:
        raise AssertionError(f"not settled within {within_seconds}s: {waiting}") from error
