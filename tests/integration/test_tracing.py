"""One partner message, one trace: through toegang, triage, plaatsing and the ketenmonitor over
the real Kafka and PostgreSQL, each hop the child of the one before."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.settings import kafka_client_options
from jeugdketen_shared.telemetry import as_headers, current_carrier
from tests.conftest import IsolatedPlatform
from tests.support.http import answers, base_url, on_a_free_port
from tests.support.kafka import at_least, publish, read_until, rejected_topics
from tests.support.partner_credentials import partner_credentials
from tests.support.partners import (
    ENSCHEDE,
    as_kafka,
    follow_up,
    inbound_topic,
    partner_event,
    referral,
)
from tests.support.projection import projecting
from tests.support.services import running_in_process
from tests.support.tracing import in_memory_spans, of_trace
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

TRIAGETAFEL = "urn:nld:oin:00000003900000030000:systeem:triagetafel"
partner = trace.get_tracer("a partner's system")


@pytest.fixture
def spans() -> InMemorySpanExporter:
    """The process's spans, none yet of this test."""
    exporter = in_memory_spans()
    exporter.clear()
    return exporter


async def publish_traced(kafka: str, inbound: str, event: CloudEvent) -> int:
    """Publish onto the partner's own topic of the service's `inbound`, as a partner whose own
    span is the trace's root; returns the trace id."""
    record = encode(event)
    with partner.start_as_current_span("partner publish", kind=SpanKind.PRODUCER) as span:
        headers = list(as_headers(current_carrier()))
        producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", **kafka_client_options())
        await producer.start()
        try:
            topic = inbound_topic(inbound, record.value)
            await producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
        finally:
            await producer.stop()
    return span.get_span_context().trace_id


def path(
    spans: Sequence[ReadableSpan], *names: str, under: ReadableSpan | None = None
) -> list[ReadableSpan]:
    """The one chain of spans with these names, each the child of the one before it; the first
    a child of `under`, or a root."""
    chain: list[ReadableSpan] = [under] if under else []
    for name in names:
        parent = chain[-1].context.span_id if chain and chain[-1].context else None
        found = [
            span
            for span in spans
            if span.name == name and (span.parent.span_id if span.parent else None) == parent
        ]
        assert len(found) == 1, f"{name} under {chain[-1].name if chain else 'no parent'}: {found}"
        chain.append(found[0])
    return chain[1:] if under else chain


def traceparent_of(span: ReadableSpan) -> str:
    context = span.get_span_context()
    assert context is not None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def finished(trace_id: int, name: str) -> bool:
    return any(
        span.name == name for span in of_trace(in_memory_spans().get_finished_spans(), trace_id)
    )


async def test_a_partner_message_s_trace_continues_through_every_service_to_the_projection(
    platform: IsolatedPlatform, spans: InMemorySpanExporter
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    settings = platform.settings()
    topic = platform.topic
    case_id = uuid4()
    async with (
        running_in_process(toegang.main.WIRING, toegang.main.build_application, settings),
        running_in_process(triage.main.WIRING, triage.main.build_application, settings),
        running_in_process(plaatsing.main.WIRING, plaatsing.main.build_application, settings),
        projecting(platform),
    ):
        await publish(
            kafka,
            topic("toegang", "inbound"),
            [
                as_kafka(referral(case_id)),
                as_kafka(follow_up("verklarende-analyse-reported", case_id)),
            ],
        )
        decided = await publish_traced(
            kafka,
            topic("toegang", "inbound"),
            follow_up("decision-reported", case_id, decision="gezamenlijke-triage"),
        )
        await read_until(kafka, topic("triage", "events"), at_least(1))
        triaged = await publish_traced(
            kafka,
            topic("triage", "inbound"),
            partner_event(
                "nl.jeugdketen.triage.decision-reported",
                {
                    "case_id": str(case_id),
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "recommended_care_form": "kleinschalig-wonen",
                    "urgency": "regulier",
                    "responsible_providers": ["34567890"],
                },
                source=TRIAGETAFEL,
            ),
        )
        await wait_until(
            lambda: finished(decided, f"project {topic('triage', 'events')}"),
            "the toegang decision's trace reached the projection of triage's event",
        )
        await wait_until(
            lambda: (
                finished(triaged, "record nl.jeugdketen.triage.triage-decided")
                and finished(triaged, f"project {topic('triage', 'events')}")
            ),
            "the triage decision's trace reached plaatsing and the projection",
        )

    decision_spans = of_trace(spans.get_finished_spans(), decided)
    through_triage = path(
        decision_spans,
        "partner publish",
        f"receive {topic('toegang', 'inbound')}.{ENSCHEDE}",
        "record nl.jeugdketen.toegang.decision-reported",
        f"publish {topic('toegang', 'events')}",
        f"receive {topic('toegang', 'events')}",
        "record nl.jeugdketen.toegang.toegang-decided",
        f"publish {topic('triage', 'events')}",
        f"project {topic('triage', 'events')}",
    )
    assert [span.kind for span in through_triage] == [
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
        SpanKind.INTERNAL,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
        SpanKind.INTERNAL,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
    ]
    # the ketenmonitor projects toegang's event too, in the same trace
    path(decision_spans, f"project {topic('toegang', 'events')}", under=through_triage[3])
    path(
        of_trace(spans.get_finished_spans(), triaged),
        "partner publish",
        f"receive {topic('triage', 'inbound')}.triagetafel-twente",
        "record nl.jeugdketen.triage.decision-reported",
        f"publish {topic('triage', 'events')}",
        f"receive {topic('triage', 'events')}",
        "record nl.jeugdketen.triage.triage-decided",
    )


async def test_the_trace_of_a_message_over_http_continues_from_the_request_headers(
    platform: IsolatedPlatform, spans: InMemorySpanExporter
) -> None:
    settings = on_a_free_port(platform.settings())
    kafka = platform.infrastructure.kafka_bootstrap_servers
    submitted = referral()
    async with running_in_process(toegang.main.WIRING, toegang.main.build_application, settings):
        await wait_until(lambda: answers(settings), "toegang listens")
        with partner.start_as_current_span("partner request", kind=SpanKind.CLIENT) as span:
            async with httpx.AsyncClient(base_url=base_url(settings)) as client:
                answer = await client.post(
                    "/v1/messages",
                    content=submitted.model_dump_json(exclude_none=True),
                    headers={
                        "content-type": "application/cloudevents+json",
                        **partner_credentials().basic(ENSCHEDE),
                        **current_carrier(),
                    },
                )
        assert answer.status_code == 202
        events = await read_until(kafka, platform.topic("toegang", "events"), at_least(1))
    trace_id = span.get_span_context().trace_id
    published = [
        "partner request",
        "receive http",
        "record nl.jeugdketen.toegang.referral-submitted",
        f"publish {platform.topic('toegang', 'events')}",
    ]
    await wait_until(lambda: finished(trace_id, published[-1]), "the relay's span ended")
    *_, publish_span = path(of_trace(spans.get_finished_spans(), trace_id), *published)
    # the relay put its own span's context in the Kafka headers and the CloudEvent extension
    [event] = events
    assert dict(event.headers)["traceparent"] == traceparent_of(publish_span).encode()
    assert json.loads(event.value)["traceparent"] == traceparent_of(publish_span)


async def test_a_refused_message_s_rejection_continues_its_receive_span(
    platform: IsolatedPlatform, spans: InMemorySpanExporter
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    inbound = platform.topic("toegang", "inbound")
    settings = platform.settings()
    async with running_in_process(toegang.main.WIRING, toegang.main.build_application, settings):
        trace_id = await publish_traced(kafka, inbound, referral(bsn="123456789"))
        inbound = f"{inbound}.{ENSCHEDE}"  # where it was received
        [rejection] = await read_until(
            kafka, rejected_topics(platform.prefix, "toegang"), at_least(1)
        )
        await wait_until(lambda: finished(trace_id, f"receive {inbound}"), "the receive span ended")
    traced = of_trace(spans.get_finished_spans(), trace_id)
    _, received = path(traced, "partner publish", f"receive {inbound}")
    assert received.attributes is not None
    assert received.attributes["messaging.destination.name"] == inbound
    assert received.attributes["messaging.kafka.offset"] == 0  # the test's topic's first message
    assert json.loads(rejection.value)["traceparent"] == traceparent_of(received)
