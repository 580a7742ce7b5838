"""Small partners post the same messages over HTTP, with the same validation and outcomes, as
the partner they authenticate as (HTTP Basic: partner id and secret), never another."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID, uuid4

import httpx
import pytest

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.clock import SystemClock
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.http_ingress import MAX_REQUEST_BYTES
from jeugdketen_shared.service import (
    ServiceWiring,
    build_http_app,
    build_inbound_gateway,
    running_producer,
)
from jeugdketen_shared.settings import ServiceSettings
from tests.conftest import IsolatedPlatform
from tests.integration.test_plaatsing import capacity_report
from tests.integration.test_triage import publish_toegang_events, toegang_decided, triage_decision
from tests.support.kafka import read_all, read_until, rejected_topics
from tests.support.partner_credentials import partner_credentials
from tests.support.partners import ENSCHEDE, referral
from tests.support.services import running_in_process
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

CREDENTIALS = partner_credentials()
# the lokaal team of Enschede, as registered in deploy/partners.toml (referral()'s source)
STRUCTURED = {"content-type": "application/cloudevents+json", **CREDENTIALS.basic(ENSCHEDE)}
BATCH = {"content-type": "application/cloudevents-batch+json", **CREDENTIALS.basic(ENSCHEDE)}


@asynccontextmanager
async def http_ingress(
    platform: IsolatedPlatform,
    wiring: ServiceWiring,
    build_application: Callable[[ServiceSettings], ChainApplication],
) -> AsyncIterator[tuple[httpx.AsyncClient, ChainApplication]]:
    """The service running (all roles), its HTTP app as the composition root builds it (the
    credentials from the settings) on a client of its own, and its event store to read."""
    settings = platform.settings()
    application = build_application(settings)
    try:
        async with (
            running_in_process(wiring, build_application, settings),
            running_producer(settings) as producer,
        ):
            gateway = build_inbound_gateway(wiring, settings, application, producer, SystemClock())
            transport = httpx.ASGITransport(app=build_http_app(wiring, settings, gateway))
            base_url = f"http://{wiring.name}"
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
                yield client, application
    finally:
        application.close()


@pytest.fixture
async def toegang_http(platform: IsolatedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with http_ingress(platform, toegang.main.WIRING, toegang.main.build_application) as (
        client,
        _,
    ):
        yield client


def body(event: object) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()  # type: ignore[attr-defined]


async def test_a_posted_referral_is_accepted_once_and_published(
    platform: IsolatedPlatform, toegang_http: httpx.AsyncClient
) -> None:
    submitted = referral()
    first = await toegang_http.post("/v1/messages", content=body(submitted), headers=STRUCTURED)
    again = await toegang_http.post("/v1/messages", content=body(submitted), headers=STRUCTURED)

    assert (first.status_code, first.json()["outcome"]) == (202, "accepted")
    assert (again.status_code, again.json()["outcome"]) == (200, "repeated")
    [event] = await read_until(
        platform.infrastructure.kafka_bootstrap_servers,
        platform.topic("toegang", "events"),
        lambda seen: len(seen) >= 1,
    )
    assert json.loads(event.value)["causationid"] == submitted.id


async def test_a_rejected_post_is_a_problem_with_the_reason_and_lands_on_the_rejected_topic(
    platform: IsolatedPlatform, toegang_http: httpx.AsyncClient
) -> None:
    refused = referral(gemeente_code="GM0363")
    answer = await toegang_http.post("/v1/messages", content=body(refused), headers=STRUCTURED)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["reason"] == "unknown-gemeente"
    assert answer.json()["errors"][0]["location"] == "data.gemeente_code"
    [rejection] = await read_until(
        platform.infrastructure.kafka_bootstrap_servers,
        rejected_topics(platform.prefix, "toegang"),
        lambda seen: len(seen) >= 1,
    )
    rejected = json.loads(rejection.value)["data"]
    assert rejected["reason"] == "unknown-gemeente"
    assert rejected["original"]["topic"] is None
    assert rejected["original"]["id"] == refused.id


async def test_a_batch_gets_one_outcome_per_message_in_order(
    toegang_http: httpx.AsyncClient,
) -> None:
    good = json.loads(body(referral()))
    batch = [good, {"specversion": "1.0", "id": "x"}, good]
    answer = await toegang_http.post("/v1/messages", content=json.dumps(batch), headers=BATCH)

    assert answer.status_code == 200
    assert [(r["outcome"], r["reason"]) for r in answer.json()["results"]] == [
        ("accepted", None),
        ("rejected", "invalid-cloudevent"),
        ("repeated", None),
    ]


async def test_what_is_no_cloudevent_content_is_refused_before_reading(
    toegang_http: httpx.AsyncClient,
) -> None:
    xml = {"content-type": "application/xml", **CREDENTIALS.basic(ENSCHEDE)}
    answer = await toegang_http.post("/v1/messages", content=b"<aanmelding/>", headers=xml)
    assert (answer.status_code, answer.json()["reason"]) == (415, "unsupported-media-type")
    broken = await toegang_http.post("/v1/messages", content=b"[{", headers=BATCH)
    assert (broken.status_code, broken.json()["reason"]) == (400, "malformed-json")
    nested = await toegang_http.post("/v1/messages", content=b"[" * 100_000, headers=BATCH)
    assert (nested.status_code, nested.json()["reason"]) == (400, "malformed-json")


async def test_a_request_larger_than_a_full_batch_is_refused_unread(
    toegang_http: httpx.AsyncClient,
) -> None:
    oversized = b"[" + b" " * MAX_REQUEST_BYTES + b"]"
    declared = await toegang_http.post("/v1/messages", content=oversized, headers=BATCH)

    async def streamed() -> AsyncIterator[bytes]:  # no content-length: counted while read
        for _ in range(MAX_REQUEST_BYTES // 65_536 + 2):
            yield b" " * 65_536

    chunked = await toegang_http.post("/v1/messages", content=streamed(), headers=BATCH)
    assert (declared.status_code, declared.json()["reason"]) == (413, "request-too-large")
    assert (chunked.status_code, chunked.json()["reason"]) == (413, "request-too-large")


async def test_the_openapi_document_describes_the_endpoint(toegang_http: httpx.AsyncClient) -> None:
    document = (await toegang_http.get("/v1/openapi.json")).json()
    operation = document["paths"]["/v1/messages"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/cloudevents+json",
        "application/cloudevents-batch+json",
    }
    assert "422" in operation["responses"]
    assert operation["security"] == [{"partner": []}]
    assert document["components"]["securitySchemes"]["partner"]["scheme"] == "basic"
    assert {"401", "403"} <= set(operation["responses"])


@dataclass(frozen=True)
class Door:
    """A service's HTTP door and who stands before it."""

    wiring: ServiceWiring
    build_application: Callable[[ServiceSettings], ChainApplication]
    publisher: str
    """A partner whose kind publishes `message` to the service."""
    message: Callable[[UUID], CloudEvent]
    """`publisher`'s message about a case, as its system sends it."""
    other_kind: str
    """A partner whose kind publishes nothing to the service."""
    impostor: str
    """A partner that publishes to the service, but not `publisher`'s messages."""
    impostor_refused_as: str
    prepare: Callable[[IsolatedPlatform, UUID], Awaitable[None]] | None = None
    """What the service must know of the case first (it is known once something is stored)."""


async def _forwarded_to_triage(platform: IsolatedPlatform, case_id: UUID) -> None:
    await publish_toegang_events(platform, toegang_decided(platform, case_id))


DOORS = [
    Door(
        toegang.main.WIRING,
        toegang.main.build_application,
        publisher=ENSCHEDE,
        message=lambda case_id: referral(case_id),
        other_kind="aanbieder-de-boerderij",
        impostor="gemeente-hengelo",
        impostor_refused_as="source-not-of-partner",
    ),
    Door(
        triage.main.WIRING,
        triage.main.build_application,
        publisher="triagetafel-twente",
        message=triage_decision,
        # gemeenten and providers escalate to the RET through triage: a huisarts publishes
        # nothing there
        other_kind="huisartsenpraktijk-de-linde",
        impostor="regionaal-expertteam-twente",
        impostor_refused_as="not-permitted",  # the RET gives advice, it does not decide
        prepare=_forwarded_to_triage,
    ),
    Door(
        plaatsing.main.WIRING,
        plaatsing.main.build_application,
        publisher="aanbieder-de-boerderij",
        message=lambda _: capacity_report(places=6, occupied=2),
        other_kind="huisartsenpraktijk-de-linde",
        impostor="aanbieder-jeugdhulp-twente",
        impostor_refused_as="source-not-of-partner",
    ),
]


def stored_events(application: ChainApplication) -> list[str]:
    return [n.topic for n in application.recorder.select_notifications(None, 1000)]


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.wiring.name)
async def test_only_a_partner_itself_with_its_own_secret_gets_a_message_through(
    platform: IsolatedPlatform, door: Door
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    async with http_ingress(platform, door.wiring, door.build_application) as (client, store):
        if door.prepare is not None:
            await door.prepare(platform, case_id)
            await wait_until(lambda: bool(stored_events(store)), "the case is known")
        prepared = len(stored_events(store))

        async def post(message: CloudEvent, headers: dict[str, str]) -> httpx.Response:
            content = message.model_dump_json(exclude_none=True)
            kind = {"content-type": "application/cloudevents+json"}
            return await client.post("/v1/messages", content=content, headers=kind | headers)

        message = door.message(case_id)
        # the header that once named the sender names the publisher: it must not help anyone
        claim = {"jeugdketen-partner": door.publisher}
        anonymous = await post(message, claim)
        wrong_secret = await post(message, claim | CREDENTIALS.basic(door.publisher, "geraden"))
        stranger = await post(message, CREDENTIALS.basic("gemeente-atlantis", "geraden"))
        # a secret that is not the partner's own: another partner's
        borrowed = CREDENTIALS.basic(door.publisher, CREDENTIALS.secrets[door.impostor])
        borrowed_secret = await post(message, borrowed)
        other_kind = await post(message, claim | CREDENTIALS.basic(door.other_kind))
        impostors = door.message(case_id)  # another message of the publisher's, its own id
        impostor = await post(impostors, claim | CREDENTIALS.basic(door.impostor))
        stored_before = stored_events(store)
        accepted = await post(message, CREDENTIALS.basic(door.publisher))
        stored_after = stored_events(store)
        rejections = await read_all(kafka, rejected_topics(platform.prefix, door.wiring.name))

    for refused in (anonymous, wrong_secret, stranger, borrowed_secret):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith(
            f'Basic realm="jeugdketen {door.wiring.name}"'
        )
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["reason"] == "unauthenticated"
    assert (other_kind.status_code, other_kind.json()["reason"]) == (403, "not-permitted")
    assert (impostor.status_code, impostor.json()["reason"]) == (422, door.impostor_refused_as)
    assert (accepted.status_code, accepted.json()["outcome"]) == (202, "accepted")
    # nothing of the refused requests recorded, the accepted message is
    assert len(stored_before) == prepared
    assert len(stored_after) > prepared
    # one rejection: the impostor's, on its own rejected topic, none on the publisher's
    [rejection] = rejections
    topics = platform.topic(door.wiring.name, "rejected")
    assert rejection.topic == f"{topics}.{door.impostor}"
    assert json.loads(rejection.value)["data"]["original"]["id"] == impostors.id


async def test_the_openapi_document_and_its_page_stay_open(toegang_http: httpx.AsyncClient) -> None:
    assert (await toegang_http.get("/v1/openapi.json")).status_code == 200
    assert (await toegang_http.get("/v1/docs")).status_code == 200
