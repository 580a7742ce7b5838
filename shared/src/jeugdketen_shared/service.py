"""How every event-sourced service of the platform runs: one wiring, three roles.

A service declares a `ServiceWiring` (what it takes from partners, which other services'
events it applies, which of its stored events it publishes) and an application factory; this
module builds the Kafka subscribers, the outbox relay and the process around them.

`python -m <service>` runs ingress, relay and the service's background tasks (its clock-driven
work, if any) in one process; `ingress`, `relay` and `scheduler` run one each, so the relay
(one publishes per service, in log order; a second stands by) can live apart from scaled-out
ingress instances.
"""

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
import uvicorn
from aiokafka import AIOKafkaProducer
from eventsourcing.domain import DomainEvent
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from jeugdketen_shared.asyncapi import declare_publisher
from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.clock import Clock, SystemClock
from jeugdketen_shared.contracts import MessageRejected
from jeugdketen_shared.eventstore import postgres_environment
from jeugdketen_shared.health import (
    consumers_assigned,
    create_health_router,
    kafka_reachable,
    postgres_reachable,
)
from jeugdketen_shared.http_ingress import EmbeddedServer, create_http_app
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.ingress import InboundGateway, subscribe_batches
from jeugdketen_shared.kafka import create_producer
from jeugdketen_shared.logs import LIBRARY_BROKER_LOGGER, configure_logging
from jeugdketen_shared.outbox import ContractMapper, OutboxRelay
from jeugdketen_shared.partner_credentials import PartnerCredentials, load_partner_credentials
from jeugdketen_shared.permissions import PartnerRegistry
from jeugdketen_shared.problems import install_problem_handlers
from jeugdketen_shared.rejections import RejectionPublisher
from jeugdketen_shared.response_headers import install_response_headers
from jeugdketen_shared.settings import ServiceSettings
from jeugdketen_shared.telemetry import configure_tracing
from jeugdketen_shared.upstream import UpstreamGateway

ROLES = ("all", "ingress", "relay", "scheduler")

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Upstream:
    """Another service whose domain events this service applies."""

    service: str
    contracts: Contracts


@dataclass(frozen=True)
class ServiceWiring:
    name: str
    inbound: Contracts
    inbound_description: str
    published: Sequence[type[DomainEvent]]
    as_contract: ContractMapper
    upstream: Sequence[Upstream] = ()
    background: Sequence[
        Callable[[ChainApplication, ServiceSettings], Coroutine[Any, Any, None]]
    ] = ()
    """Tasks that run until cancelled, in the roles `all` and `scheduler` (a clock, say)."""


def event_store_environment(settings: ServiceSettings) -> dict[str, str]:
    return postgres_environment(settings.database_url, settings.database_schema)


def build_inbound_gateway(
    wiring: ServiceWiring,
    settings: ServiceSettings,
    application: ChainApplication,
    producer: AIOKafkaProducer,
    clock: Clock,
) -> InboundGateway:
    """The one door for partner messages, from Kafka and from HTTP alike."""
    return InboundGateway(
        wiring.inbound,
        PartnerRegistry.load(settings.partners_file),
        application.record,
        RejectionPublisher(producer, settings.topics(wiring.name), settings.source(wiring.name)),
        clock,
        service=wiring.name,
    )


def build_broker(
    wiring: ServiceWiring,
    settings: ServiceSettings,
    application: ChainApplication,
    inbound: InboundGateway,
) -> KafkaBroker:
    topics = settings.topics(wiring.name)
    broker = KafkaBroker(
        # FastStream takes a str as one server: compose's three would be one host with commas
        settings.kafka_bootstrap_servers.split(","),
        security=settings.kafka_security().faststream(),
        client_id=f"{wiring.name}-ingress",
        # FastStream's per-batch "Received"/"Processed" lines at debug: outcomes are logged by
        # the gateways, and at INFO they would drown everything else
        log_level=logging.DEBUG,
        # through the handler that holds back repeated lines (logs.RepeatedLines): FastStream
        # restarts a consume task that raised at once, with a line each time
        logger=logging.getLogger(LIBRARY_BROKER_LOGGER),
    )
    # each partner writes its own inbound topic (the ACLs let no one else): the topic says who
    # sent a message, and a partner registered later is read after a restart
    senders = {
        topics.inbound_of(partner.id): partner.id
        for partner in PartnerRegistry.load(settings.partners_file).publishers_to(wiring.name)
    }
    subscribe_batches(
        broker,
        topics=sorted(senders),
        group_id=topics.consumer_group,
        receive=inbound.receive,
        description=wiring.inbound_description,
        contracts=wiring.inbound,
        title=topics.inbound,  # one channel per partner's topic: `<title>:receive:<topic>`
        senders=senders,
    )
    for upstream in wiring.upstream:
        gateway = UpstreamGateway(
            upstream.contracts, application.record, service=wiring.name, upstream=upstream.service
        )
        upstream_events = settings.topics(upstream.service).events
        subscribe_batches(
            broker,
            topics=[upstream_events],
            title=upstream_events,
            group_id=f"{topics.consumer_group}.{upstream.service}-events",
            receive=gateway.receive,
            description=f"{upstream.service}'s domain events that {wiring.name} applies",
            contracts=upstream.contracts,
        )
    # published by the outbox relay and the rejections with their own producer; declared so that
    # the service's AsyncAPI document lists them
    declare_publisher(
        broker, topics.events, wiring.as_contract.contracts, f"{wiring.name}'s domain events"
    )
    for partner in senders.values():
        declare_publisher(
            broker,
            topics.rejected_of(partner),
            [MessageRejected],
            f"Every message of {partner} that {wiring.name} refused, with the reason; only "
            f"{partner} may read it",
        )
    declare_publisher(
        broker,
        topics.rejected,
        [MessageRejected],
        f"Every message {wiring.name} refused from a sender that is no registered partner: "
        "a safeguard, both doors let in only partners",
    )
    return broker


def build_relay(
    wiring: ServiceWiring,
    settings: ServiceSettings,
    application: ChainApplication,
    producer: AIOKafkaProducer,
) -> OutboxRelay:
    return OutboxRelay(
        application=application,
        published=wiring.published,
        as_contract=wiring.as_contract,
        producer=producer,
        topic=settings.topics(wiring.name).events,
        source=settings.source(wiring.name),
        database_url=settings.database_url,
    )


def build_http_app(
    wiring: ServiceWiring, settings: ServiceSettings, inbound: InboundGateway
) -> FastAPI:
    """The HTTP door for partner messages: the partners of the credentials file authenticate,
    those whose kind may publish to this service may post."""
    path = settings.partner_credentials_file
    if path is None:
        log.warning("JEUGDKETEN_PARTNER_CREDENTIALS_FILE is not set: no partner can post over HTTP")
    credentials = PartnerCredentials({}) if path is None else load_partner_credentials(path)
    registry = PartnerRegistry.load(settings.partners_file)
    publishers = {partner.id for partner in registry.publishers_to(wiring.name)}
    return create_http_app(wiring.name, inbound, credentials, publishers, wiring.inbound)


@contextlib.asynccontextmanager
async def running_producer(settings: ServiceSettings) -> AsyncIterator[AIOKafkaProducer]:
    producer = create_producer(settings.kafka_bootstrap_servers, settings.kafka_security())
    try:
        # started inside: a task cancelled while the producer connects still closes it
        await producer.start()
        yield producer
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def serving_http(name: str, app: FastAPI, settings: ServiceSettings) -> AsyncIterator[None]:
    """Serve an HTTP app in this event loop on the service's host and port while in context."""
    server = EmbeddedServer(
        uvicorn.Config(
            app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # uvicorn reports a failed bind only by ending its task
            if serving.done():
                serving.result()
                raise RuntimeError(f"{name}: the HTTP server did not start")
            await asyncio.sleep(0.01)
        log.info("http listening", port=server.servers[0].sockets[0].getsockname()[1])
        yield
    finally:
        server.should_exit = True
        await serving


async def serve(
    wiring: ServiceWiring,
    application: ChainApplication,
    settings: ServiceSettings,
    role: str,
    stopping: asyncio.Event,
) -> None:
    """Run the role until `stopping` is set; the application is closed at the end."""
    try:
        await _run_role(wiring, application, settings, role, stopping)
    finally:
        application.close()


async def _run_role(
    wiring: ServiceWiring,
    application: ChainApplication,
    settings: ServiceSettings,
    role: str,
    stopping: asyncio.Event,
) -> None:
    async with running_producer(settings) as producer, contextlib.AsyncExitStack() as stack:
        checks = {
            "kafka": kafka_reachable(settings.kafka_bootstrap_servers, settings.kafka_security()),
            "postgresql": postgres_reachable(settings.database_url),
        }
        if role in {"all", "ingress"}:
            inbound = build_inbound_gateway(wiring, settings, application, producer, SystemClock())
            broker = build_broker(wiring, settings, application, inbound)
            await broker.start()
            stack.push_async_callback(broker.stop)
            http = build_http_app(wiring, settings, inbound)
            checks["consumers"] = consumers_assigned(broker)
        else:
            # every role serves its health and metrics; the ingress also partners' messages
            http = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
            install_problem_handlers(http)
            install_response_headers(http)
        http.include_router(create_health_router(checks))
        await stack.enter_async_context(serving_http(wiring.name, http, settings))
        tasks: list[asyncio.Task[None]] = []
        if role in {"all", "relay"}:
            relay = build_relay(wiring, settings, application, producer).run()
            tasks.append(asyncio.create_task(relay, name="outbox relay"))
        if role in {"all", "scheduler"}:
            for background in wiring.background:
                coroutine = background(application, settings)
                tasks.append(asyncio.create_task(coroutine, name=background.__name__))
        for task in tasks:
            stack.push_async_callback(_cancelled, task)
        log.info("service running", role=role)
        await _until_stopping_or_failed(stopping, tasks)
        log.info("service stopping", role=role)


async def _until_stopping_or_failed(
    stopping: asyncio.Event, tasks: list[asyncio.Task[None]]
) -> None:
    """Wait for `stopping`; a relay or background task runs until cancelled, so one that ends
    before has failed: its error ends the process (whose supervisor restarts it) instead of
    leaving a process that looks alive and publishes nothing."""
    stop = asyncio.create_task(stopping.wait())
    try:
        done, _ = await asyncio.wait([stop, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    for task in done - {stop}:
        task.result()
        raise RuntimeError(f"{task.get_name()} ended on its own")


async def _cancelled(task: asyncio.Task[None]) -> None:
    """Cancel a task and wait until it has stopped, so nothing runs on a closed application."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def cli(
    wiring: ServiceWiring, build_application: Callable[[ServiceSettings], ChainApplication]
) -> None:
    parser = argparse.ArgumentParser(prog=wiring.name, description=__doc__)
    parser.add_argument("role", nargs="?", default="all", choices=ROLES)
    arguments = parser.parse_args()
    configure_logging(wiring.name)
    tracing = configure_tracing(wiring.name)
    settings = ServiceSettings()
    try:
        asyncio.run(
            _serve_until_signalled(wiring, build_application(settings), settings, arguments.role)
        )
    finally:
        if tracing is not None:
            tracing.shutdown()  # exports the spans still queued


async def _serve_until_signalled(
    wiring: ServiceWiring, application: ChainApplication, settings: ServiceSettings, role: str
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await serve(wiring, application, settings, role, stopping)
