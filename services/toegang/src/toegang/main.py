"""Composition root of toegang: settings, event store, Kafka, ingress and outbox relay.

`python -m toegang` runs both roles in one process; `ingress` and `relay` run one each, so
the relay (of which one runs per service) can live apart from scaled-out ingress instances.
"""

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import structlog
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from jeugdketen_shared.clock import Clock, SystemClock
from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.eventstore import postgres_environment
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.ingress import InboundGateway, subscribe_batches
from jeugdketen_shared.kafka import create_producer
from jeugdketen_shared.logs import configure_logging
from jeugdketen_shared.outbox import OutboxRelay
from jeugdketen_shared.privacy import Pseudonymizer
from jeugdketen_shared.rejections import RejectionPublisher
from jeugdketen_shared.settings import ServiceSettings
from toegang.application import Toegang
from toegang.publication import PUBLISHED_EVENT_CLASSES, as_contract

SERVICE = "toegang"
ROLES = ("all", "ingress", "relay")

log = structlog.get_logger(__name__)


def build_application(settings: ServiceSettings) -> Toegang:
    return Toegang(
        Pseudonymizer(settings.pseudonym_key.get_secret_value().encode()),
        env=postgres_environment(settings.database_url, settings.database_schema),
    )


def build_broker(
    settings: ServiceSettings, application: Toegang, producer: AIOKafkaProducer, clock: Clock
) -> KafkaBroker:
    topics = settings.topics(SERVICE)
    broker = KafkaBroker(settings.kafka_bootstrap_servers, client_id=f"{SERVICE}-ingress")
    gateway = InboundGateway(
        Contracts(contracts.INBOUND),
        application.record,
        RejectionPublisher(producer, topics.rejected, settings.source(SERVICE)),
        clock,
    )
    subscribe_batches(
        broker,
        topic=topics.inbound,
        group_id=topics.consumer_group,
        receive=gateway.receive,
        description="Partners' referrals, verklarende analyses, toegang decisions and withdrawals",
    )
    return broker


def build_relay(
    settings: ServiceSettings, application: Toegang, producer: AIOKafkaProducer
) -> OutboxRelay:
    return OutboxRelay(
        application=application,
        published=PUBLISHED_EVENT_CLASSES,
        as_contract=as_contract,
        producer=producer,
        topic=settings.topics(SERVICE).events,
        source=settings.source(SERVICE),
        database_url=settings.database_url,
    )


@contextlib.asynccontextmanager
async def running_producer(settings: ServiceSettings) -> AsyncIterator[AIOKafkaProducer]:
    producer = create_producer(settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def serve(settings: ServiceSettings, role: str, stopping: asyncio.Event) -> None:
    """Run the role until `stopping` is set."""
    application = build_application(settings)
    async with running_producer(settings) as producer, contextlib.AsyncExitStack() as stack:
        if role in {"all", "ingress"}:
            broker = build_broker(settings, application, producer, SystemClock())
            await broker.start()
            stack.push_async_callback(broker.stop)
        if role in {"all", "relay"}:
            relay = asyncio.create_task(build_relay(settings, application, producer).run())
            stack.callback(relay.cancel)
        log.info("toegang running", role=role)
        await stopping.wait()
        log.info("toegang stopping", role=role)
    application.close()


def cli() -> None:
    parser = argparse.ArgumentParser(prog=SERVICE, description=__doc__)
    parser.add_argument("role", nargs="?", default="all", choices=ROLES)
    arguments = parser.parse_args()
    configure_logging(SERVICE)
    asyncio.run(_serve_until_signalled(ServiceSettings(), arguments.role))


async def _serve_until_signalled(settings: ServiceSettings, role: str) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await serve(settings, role, stopping)
