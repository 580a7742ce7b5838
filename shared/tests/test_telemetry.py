"""The trace context's carriers: Kafka headers, the CloudEvent extension, the stored event."""

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from pydantic import ConfigDict

from jeugdketen_shared.batch import BatchRecorder, UnitOfWork
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts.base import CaseMessage, InboundMessage
from jeugdketen_shared.inbound import ReceivedMessage
from jeugdketen_shared.telemetry import (
    as_headers,
    current_carrier,
    extract,
    span_exporters,
    stored_context,
    tracer_provider,
)
from tests.support.tracing import in_memory_spans

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PARTNER_TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
OTHER_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def span_context_of(context: object) -> trace.SpanContext:
    return trace.get_current_span(context).get_span_context()  # type: ignore[arg-type]


def envelope(traceparent: str | None = None) -> CloudEvent:
    return CloudEvent(
        id=str(uuid4()),
        source="urn:nld:oin:00000001001234567000:systeem:test",
        type="nl.jeugdketen.test.note-taken",
        time=NOW,
        traceparent=traceparent,
        data={"case_id": str(uuid4()), "occurred_at": NOW.isoformat()},
    )


def test_the_kafka_headers_trace_context_is_read_whatever_the_case_of_its_name() -> None:
    context = extract((("TraceParent", PARTNER_TRACE.encode()), ("tracestate", b"twente=1")))
    span_context = span_context_of(context)
    assert f"{span_context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert f"{span_context.span_id:016x}" == "b7ad6b7169203331"
    assert span_context.is_remote
    assert span_context.trace_state.get("twente") == "1"


def test_without_a_header_the_cloudevent_extension_is_read_and_the_header_wins_over_it() -> None:
    from_extension = span_context_of(extract((), envelope(PARTNER_TRACE)))
    assert f"{from_extension.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    from_header = span_context_of(
        extract((("traceparent", OTHER_TRACE.encode()),), envelope(PARTNER_TRACE))
    )
    assert f"{from_header.trace_id:032x}" == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_message_without_any_trace_context_starts_a_new_trace() -> None:
    assert not span_context_of(extract((("jeugdketen-partner", b"x"),), envelope())).is_valid


def test_the_current_span_goes_out_as_headers_that_read_back_as_the_same_context() -> None:
    in_memory_spans()
    with trace.get_tracer("test").start_as_current_span("out") as span:
        headers = as_headers(current_carrier())
    sent = span.get_span_context()
    received = span_context_of(extract(headers))
    assert (received.trace_id, received.span_id) == (sent.trace_id, sent.span_id)


class Note(Aggregate):
    @event("Taken")
    def __init__(self, note_id: UUID) -> None:
        self.pages = 1

    @staticmethod
    def create_id(note_id: UUID) -> UUID:
        return note_id

    @event("Added")
    def add_page(self) -> None:
        self.pages += 1


class TakeNote(InboundMessage, CaseMessage):
    model_config = ConfigDict(frozen=True, extra="forbid")
    cloudevent_type = "nl.jeugdketen.test.note-taken"


def take_note(unit: UnitOfWork, message: ReceivedMessage) -> None:
    assert isinstance(message.data, TakeNote)
    note = unit.get(message.data.case_id, Note) or Note(message.data.case_id)
    note.add_page()
    unit.add(note)


@pytest.fixture
def application() -> Iterator[Application[UUID]]:
    app: Application[UUID] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_each_recorded_event_keeps_the_context_of_its_own_message_s_record_span(
    application: Application[UUID],
) -> None:
    spans = in_memory_spans()
    spans.clear()
    first, second = envelope(PARTNER_TRACE), envelope(OTHER_TRACE)
    messages = [ReceivedMessage(e, TakeNote.model_validate(e.data)) for e in (first, second)]

    BatchRecorder(application, take_note).record(messages)

    stored = [
        application.mapper.to_domain_event(notification)
        for notification in application.recorder.select_notifications(None, 100)
    ]
    by_trace: dict[int, set[int]] = {}
    for stored_event in stored:
        if isinstance(stored_event, Note.Event):
            context = span_context_of(stored_context(stored_event))
            by_trace.setdefault(context.trace_id, set()).add(context.span_id)
    record_spans = {
        span.context.trace_id: span
        for span in spans.get_finished_spans()
        if span.context and span.name == "record nl.jeugdketen.test.note-taken"
    }
    # two messages, two traces; each message's two events (taken, added) carry its record span,
    # the child of the span that sent the message
    sent = {
        int(t.split("-")[1], 16): int(t.split("-")[2], 16) for t in (PARTNER_TRACE, OTHER_TRACE)
    }
    assert set(by_trace) == set(sent)
    for trace_id, span_ids in by_trace.items():
        span = record_spans[trace_id]
        assert span.context
        assert span_ids == {span.context.span_id}
        assert span.parent
        assert span.parent.span_id == sent[trace_id]
    # the attribute is stored state only: the aggregate still replays from its events
    note = application.repository.get(UUID(first.data["case_id"]))
    assert isinstance(note, Note)
    assert note.pages == 2


def test_tracing_follows_the_standard_variables() -> None:
    assert tracer_provider("toegang", {"OTEL_SDK_DISABLED": "true"}) is None
    provider = tracer_provider("toegang", {})
    assert provider is not None
    assert provider.resource.attributes[SERVICE_NAME] == "toegang"
    renamed = tracer_provider("toegang", {"OTEL_SERVICE_NAME": "toegang-acceptatie"})
    assert renamed is not None
    assert renamed.resource.attributes[SERVICE_NAME] == "toegang-acceptatie"
    assert span_exporters({}) == []
    [otlp] = span_exporters({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert type(otlp).__name__ == "OTLPSpanExporter"
    [console] = span_exporters({"OTEL_TRACES_EXPORTER": "console"})
    assert isinstance(console, ConsoleSpanExporter)
    assert span_exporters({"OTEL_TRACES_EXPORTER": "none"}) == []
    with pytest.raises(ValueError, match="zipkin"):
        span_exporters({"OTEL_TRACES_EXPORTER": "zipkin"})
