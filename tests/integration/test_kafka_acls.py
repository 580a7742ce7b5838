"""Kafka's SASL/SCRAM logins and ACLs: each principal may do its own job and nothing else.

Over the SASL listener of the local broker (deploy/local/up), as the principals up created, on
topics of this module's own prefix with the ACLs of deploy/local/kafka_security.py for that
prefix, given to the broker (and taken away at the end) by the same code that up runs.
"""

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from aiokafka.protocol.admin import CreateTopicsRequest

from jeugdketen_shared.cloudevents import encode
from jeugdketen_shared.kafka import ClientSecurity
from jeugdketen_shared.permissions import load_partners
from jeugdketen_shared.settings import ServiceSettings, ServiceTopics, kafka_client_options
from ketenmonitor.main import build_projection
from ketenmonitor.projection.rebuild import rebuild
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import chain, wait_projected
from tests.integration.test_ketenmonitor_reference import publish
from tests.support.infrastructure import REPOSITORY, Infrastructure, SaslListener
from tests.support.kafka import delete_topics, read_all
from tests.support.partners import ENSCHEDE, PARTNERS_FILE, referral
from tests.support.services import running_in_process
from toegang.main import WIRING, build_application

sys.path.insert(0, str(REPOSITORY / "deploy/local"))
import kafka_security

HENGELO = "gemeente-hengelo"
TRIAGETAFEL = "triagetafel-twente"
ACL_WAIT_SECONDS = 20
REFUSED_READ_SECONDS = 5
"""aiokafka raises when the broker refuses to hand out records, but when it refuses even to
describe the topic, aiokafka asks again and again (and logs "not authorized"): a refused read is
then one that gets nothing of a topic that holds records."""


@dataclass(frozen=True)
class Secured:
    """This module's topics on the SASL listener, and the passwords of the principals."""

    sasl: SaslListener
    prefix: str
    passwords: dict[str, str]

    def topics(self, service: str) -> ServiceTopics:
        return ServiceTopics(self.prefix, service)

    def login(self, principal: str, password: str | None = None) -> dict[str, Any]:
        security = ClientSecurity(
            protocol="SASL_PLAINTEXT",
            username=principal,
            password=password or self.passwords[principal],
        )
        return {"bootstrap_servers": self.sasl.bootstrap_servers, **security.options()}


def _topic_names(prefix: str) -> list[str]:
    toegang, triage = ServiceTopics(prefix, "toegang"), ServiceTopics(prefix, "triage")
    return [
        *(toegang.inbound_of(partner) for partner in (ENSCHEDE, HENGELO)),
        *(toegang.rejected_of(partner) for partner in (ENSCHEDE, HENGELO)),
        toegang.events,
        triage.inbound_of(TRIAGETAFEL),
        triage.events,
        f"{prefix}.ketenmonitor.alerts",
    ]


async def _create_topics(admin_path: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=admin_path, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1) for name in names])
    finally:
        await admin.close()


def _broker_jars() -> Path:
    return Path(os.environ.get("JEUGDKETEN_KAFKA_LIBS", REPOSITORY / ".local/kafka/libs"))


@contextmanager
def granted(infrastructure: Infrastructure, prefix: str) -> Iterator[None]:
    """The platform's ACLs for `prefix`, given as the admin by the code up runs, taken away at
    the end."""
    assert infrastructure.kafka_sasl is not None
    passwords = kafka_security.load_credentials(infrastructure.kafka_sasl.credentials)
    admin = kafka_security.Login("SCRAM-SHA-512", kafka_security.ADMIN, passwords["admin"])
    bootstrap = infrastructure.kafka_sasl.bootstrap_servers
    rules = kafka_security.acls(prefix, load_partners(PARTNERS_FILE))
    kafka_security.apply(bootstrap, _broker_jars(), admin, {}, rules)
    try:
        yield
    finally:
        kafka_security.remove(bootstrap, _broker_jars(), admin, rules)


@pytest.fixture(scope="module")
def secured(infrastructure: Infrastructure) -> Iterator[Secured]:
    if infrastructure.kafka_sasl is None:
        pytest.skip(
            "the broker has no SASL listener (started before deploy/local had one): "
            "deploy/local/down && deploy/local/up restarts it with SASL and ACLs"
        )
    sasl = infrastructure.kafka_sasl
    admin_path = infrastructure.kafka_bootstrap_servers
    prefix = f"test-acl-{uuid.uuid4().hex[:10]}"
    names = _topic_names(prefix)
    asyncio.run(_create_topics(admin_path, names))
    try:
        with granted(infrastructure, prefix):
            yield Secured(sasl, prefix, kafka_security.load_credentials(sasl.credentials))
    finally:
        asyncio.run(delete_topics(admin_path, names))


async def _write(options: dict[str, Any], topic: str) -> None:
    producer = AIOKafkaProducer(**options, acks="all", enable_idempotence=True)
    try:
        await producer.start()  # a refused login fails here
        await producer.send_and_wait(topic, value=b"{}", key=b"case")
    finally:
        await producer.stop()


async def _write_once_allowed(options: dict[str, Any], topic: str) -> None:
    """Write, retrying while the broker has not yet applied fresh ACLs (it does so shortly after
    the controller stored them)."""
    async with asyncio.timeout(ACL_WAIT_SECONDS):
        while True:
            try:
                await _write(options, topic)
                return
            except TopicAuthorizationFailedError:
                await asyncio.sleep(0.2)


async def _read_one(
    options: dict[str, Any],
    topic: str,
    group_id: str | None = None,
    within_seconds: float = ACL_WAIT_SECONDS,
) -> bytes:
    """A record of the topic, any partition, read from the start (committed when in a group).
    Without a group the consumer is assigned every partition of the topic: a refused client,
    which never gets the topic's metadata, gets none."""
    consumer = AIOKafkaConsumer(
        **options, group_id=group_id, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    try:
        await consumer.start()
        async with asyncio.timeout(within_seconds):
            consumer.subscribe([topic])
            record = await consumer.getone()
        if group_id is not None:
            await consumer.commit()
        return record.value or b""
    finally:
        await consumer.stop()


async def test_a_partner_writes_its_own_inbound_topic(secured: Secured) -> None:
    own = secured.topics("toegang").inbound_of(ENSCHEDE)
    await _write_once_allowed(secured.login(ENSCHEDE), own)


@pytest.mark.parametrize(
    "topic",
    [
        "another partner's inbound topic",
        "another service's inbound topic",
        "the domain events",
        "its own rejected topic",
        "the alerts",
    ],
)
async def test_a_partner_cannot_write_what_is_not_its_own_inbound_topic(
    secured: Secured, topic: str
) -> None:
    toegang = secured.topics("toegang")
    name = {
        "another partner's inbound topic": toegang.inbound_of(HENGELO),
        "another service's inbound topic": secured.topics("triage").inbound_of(TRIAGETAFEL),
        "the domain events": toegang.events,
        "its own rejected topic": toegang.rejected_of(ENSCHEDE),
        "the alerts": f"{secured.prefix}.ketenmonitor.alerts",
    }[topic]
    # its own topic works, so the refusal below is the ACLs' doing, not their absence
    await _write_once_allowed(secured.login(ENSCHEDE), toegang.inbound_of(ENSCHEDE))
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(secured.login(ENSCHEDE), name)


async def _refused_read(options: dict[str, Any], topic: str, admin_path: str) -> None:
    admin = {"bootstrap_servers": admin_path, **kafka_client_options()}
    assert await _read_one(admin, topic), "the topic holds a record"
    with pytest.raises((TopicAuthorizationFailedError, TimeoutError)):
        await _read_one(options, topic, within_seconds=REFUSED_READ_SECONDS)


async def test_a_partner_reads_its_own_rejections_and_no_one_elses(
    secured: Secured, infrastructure: Infrastructure
) -> None:
    toegang = secured.topics("toegang")
    # the service (toegang's principal) writes a rejection for each of the two gemeenten, and
    # an event; Enschede writes its inbound topic
    for topic in (toegang.rejected_of(ENSCHEDE), toegang.rejected_of(HENGELO), toegang.events):
        await _write_once_allowed(secured.login("toegang"), topic)
    await _write_once_allowed(secured.login(ENSCHEDE), toegang.inbound_of(ENSCHEDE))

    assert await _read_one(secured.login(ENSCHEDE), toegang.rejected_of(ENSCHEDE))
    for forbidden in (toegang.rejected_of(HENGELO), toegang.events, toegang.inbound_of(ENSCHEDE)):
        await _refused_read(
            secured.login(ENSCHEDE), forbidden, infrastructure.kafka_bootstrap_servers
        )


async def _may_create_a_topic(host: str, port: int, **login: str) -> bool:
    """Whether the listener takes the request to create a topic (validate only: nothing is
    created) and answers that it could; raises when it closes the connection instead."""
    connection = await create_conn(host, port, request_timeout_ms=10_000, **login)
    try:
        request = CreateTopicsRequest([(f"probe-{uuid.uuid4().hex}", 1, 1, [], [])], 10_000, True)
        answer = await connection.send(request)
    finally:
        connection.close()
    return all(error_code == 0 for _, error_code, *_ in answer.topic_errors)


async def test_an_anonymous_client_is_refused_on_every_listener(secured: Secured) -> None:
    """No listener (the clients', the broker's own, the controller's) takes a client without a
    login, where the same request with one is answered: no User:ANONYMOUS super user."""
    listeners = dict(
        listener.split("://") for listener in secured.sasl.listeners.split(",") if listener
    )
    assert set(listeners) == {"BROKER", "CLIENT", "CONTROLLER"}, "deploy/local/up names them"
    for name, address in listeners.items():
        host, port = address.rsplit(":", 1)
        with pytest.raises(KafkaConnectionError, match="closed"):
            await _may_create_a_topic(host, int(port))
        principal, mechanism = (
            ("admin", "SCRAM-SHA-512") if name == "CLIENT" else ("broker", "PLAIN")
        )
        login = {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": mechanism,
            "sasl_plain_username": principal,
            "sasl_plain_password": secured.passwords[principal],
        }
        assert await _may_create_a_topic(host, int(port), **login), f"{name} as {principal}"


async def test_a_wrong_password_does_not_log_in(secured: Secured) -> None:
    wrong = secured.login(ENSCHEDE, password="not-" + secured.passwords[ENSCHEDE])
    with pytest.raises(KafkaConnectionError):
        await _write(wrong, secured.topics("toegang").inbound_of(ENSCHEDE))


async def test_the_services_do_their_jobs_and_only_theirs(
    secured: Secured, infrastructure: Infrastructure
) -> None:
    toegang, triage = secured.topics("toegang"), secured.topics("triage")
    await _write_once_allowed(secured.login(ENSCHEDE), toegang.inbound_of(ENSCHEDE))
    # toegang reads a partner's inbound topic in its group, and writes its events
    login = secured.login("toegang")
    assert await _read_one(login, toegang.inbound_of(ENSCHEDE), toegang.consumer_group)
    await _write(login, toegang.events)
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(login, triage.events)
    # triage applies toegang's events in its own group, and writes its own
    login = secured.login("triage")
    group = f"{triage.consumer_group}.toegang-events"
    assert await _read_one(login, toegang.events, group)
    await _write(login, triage.events)
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(login, toegang.events)
    # the ketenmonitor reads every service's events and writes the alerts
    login = secured.login("ketenmonitor")
    monitor_group = f"{secured.prefix}.ketenmonitor"
    assert await _read_one(login, triage.events, monitor_group)
    await _write(login, f"{secured.prefix}.ketenmonitor.alerts")
    await _refused_read(login, toegang.inbound_of(ENSCHEDE), infrastructure.kafka_bootstrap_servers)


async def test_a_message_is_its_writers_whatever_it_claims(
    secured: Secured, platform: IsolatedPlatform
) -> None:
    """Hengelo writes, on its own topic, a referral whose CloudEvent and headers claim
    Enschede: toegang (logged in as itself) attributes it to Hengelo and refuses it, and the
    refusal comes back on Hengelo's rejected topic, which Hengelo reads."""
    admin_path = platform.infrastructure.kafka_bootstrap_servers
    with granted(platform.infrastructure, platform.prefix):
        toegang = platform.settings().topics("toegang")
        claim = referral()  # Enschede's lokaal team is its source
        record = encode(claim)
        hengelo = secured.login(HENGELO)
        settings = ServiceSettings.model_validate(
            {
                **platform.environment(),
                "KAFKA_BOOTSTRAP_SERVERS": secured.sasl.bootstrap_servers,
                "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "KAFKA_SASL_USERNAME": "toegang",
                "KAFKA_SASL_PASSWORD": secured.passwords["toegang"],
            }
        )
        async with running_in_process(WIRING, build_application, settings):
            producer = AIOKafkaProducer(**hengelo, acks="all", enable_idempotence=True)
            await producer.start()
            try:
                await producer.send_and_wait(
                    toegang.inbound_of(HENGELO),
                    record.value,
                    key=record.key,
                    headers=[*record.headers, ("jeugdketen-partner", ENSCHEDE.encode())],
                )
            finally:
                await producer.stop()
            # the service joins its group and reads first: more time than the ACLs take
            refused = await _read_one(hengelo, toegang.rejected_of(HENGELO), within_seconds=60)
            rejection = json.loads(refused)

    assert rejection["causationid"] == claim.id
    assert rejection["data"]["reason"] == "source-not-of-partner"
    assert rejection["data"]["original"]["topic"] == toegang.inbound_of(HENGELO)
    assert await read_all(admin_path, toegang.events) == []
    assert await read_all(admin_path, toegang.rejected_of(ENSCHEDE)) == []


async def test_the_ketenmonitor_projects_and_rebuilds_as_its_own_principal(
    secured: Secured, platform: IsolatedPlatform
) -> None:
    """Logged in over SASL as `ketenmonitor`, with the ACLs it has and no more, the projection
    reads every events topic and a rebuild replays them."""
    with granted(platform.infrastructure, platform.prefix):
        events = chain(platform, cases=20, seed=5)
        await publish(platform, events)
        published = len(events)
        settings = ServiceSettings.model_validate(
            {
                **platform.environment(),
                "KAFKA_BOOTSTRAP_SERVERS": secured.sasl.bootstrap_servers,
                "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "KAFKA_SASL_USERNAME": "ketenmonitor",
                "KAFKA_SASL_PASSWORD": secured.passwords["ketenmonitor"],
            }
        )
        projection = build_projection(settings)
        stopping = asyncio.Event()
        projecting = asyncio.create_task(projection.run(stopping))
        try:
            await wait_projected(platform, published)
        finally:
            stopping.set()
            await projecting
        replayed = await rebuild(projection, show_progress=False)

    assert replayed == published
