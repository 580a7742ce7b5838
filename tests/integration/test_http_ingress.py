"""Small partners post the same messages over HTTP, with the same validation and outcomes."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from jeugdketen_shared.clock import SystemClock
from jeugdketen_shared.http_ingress import MAX_REQUEST_BYTES, create_http_app
from jeugdketen_shared.service import build_inbound_gateway, running_producer
from tests.conftest import IsolatedPlatform
from tests.support.kafka import read_until, rejected_topics
from tests.support.partners import referral
from tests.support.services import running_in_process
from toegang.main import WIRING, build_application

pytestmark = pytest.mark.integration

# the lokaal team of Enschede, as registered in deploy/partners.toml (referral()'s source)
PARTNER = {"jeugdketen-partner": "gemeente-enschede"}
STRUCTURED = {"content-type": "application/cloudevents+json", **PARTNER}
BATCH = {"content-type": "application/cloudevents-batch+json", **PARTNER}


@pytest.fixture
async def toegang_http(platform: IsolatedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    """toegang running (ingress and relay), and its HTTP app on a client of its own."""
    settings = platform.settings()
    application = build_application(settings)
    async with (
        running_in_process(WIRING, build_application, settings),
        running_producer(settings) as producer,
    ):
        gateway = build_inbound_gateway(WIRING, settings, application, producer, SystemClock())
        transport = httpx.ASGITransport(app=create_http_app("toegang", gateway))
        async with httpx.AsyncClient(transport=transport, base_url="http://toegang") as client:
            yield client
    application.close()


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
    answer = await toegang_http.post(
        "/v1/messages", content=b"<aanmelding/>", headers={"content-type": "application/xml"}
    )
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


async def test_a_partner_posting_as_someone_else_is_refused(
    toegang_http: httpx.AsyncClient,
) -> None:
    headers = {"content-type": "application/cloudevents+json"}
    anonymous = await toegang_http.post("/v1/messages", content=body(referral()), headers=headers)
    impostor = await toegang_http.post(
        "/v1/messages",
        content=body(referral()),
        headers=headers | {"jeugdketen-partner": "gemeente-hengelo"},
    )
    assert (anonymous.status_code, anonymous.json()["reason"]) == (422, "unknown-partner")
    assert (impostor.status_code, impostor.json()["reason"]) == (422, "source-not-of-partner")


async def test_the_openapi_document_describes_the_endpoint(toegang_http: httpx.AsyncClient) -> None:
    document = (await toegang_http.get("/v1/openapi.json")).json()
    operation = document["paths"]["/v1/messages"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/cloudevents+json",
        "application/cloudevents-batch+json",
    }
    assert "422" in operation["responses"]
