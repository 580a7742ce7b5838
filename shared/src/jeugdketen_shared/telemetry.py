"""Traces across the chain: one partner message, one trace, from ingress to the ketenmonitor.

The W3C trace context travels in the Kafka headers `traceparent`/`tracestate` (and in the
CloudEvent's distributed-tracing extension, which a partner may set instead). Between the
recording transaction and the outbox relay, which may run in another process, it travels
*with the stored event*: the record span stamps the events its message triggered
(`stamp`), the event store keeps that attribute in the event's state, and the relay reads it
back (`stored_context`) as the parent of its publish span.

FastStream's KafkaTelemetryMiddleware is not used: for a batch subscriber it starts one new
trace per poll with the messages only as links, while a partner message's trace must continue
as parent and child through every hop; it reads headers only, not the CloudEvent extension;
and the relays publish with aiokafka, not FastStream's publishers.

Spans end in a BatchSpanProcessor: exporting happens on its own thread, never per message on
the ingress or relay path.
"""

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from jeugdketen_shared.cloudevents import CloudEvent

TRACE_FIELDS = ("traceparent", "tracestate")
STORED_ATTRIBUTE = "trace_context"
"""The attribute of a stored domain event that holds the trace context of its record span."""

Headers = Sequence[tuple[str, bytes]]

tracer = trace.get_tracer("jeugdketen")


class _HeadersGetter(Getter[Headers]):
    """Kafka headers as a carrier: (name, bytes) pairs, a name possibly more than once."""

    def get(self, carrier: Headers, key: str) -> list[str] | None:
        values = [v.decode("utf-8", "replace") for k, v in carrier if k.lower() == key]
        return values or None

    def keys(self, carrier: Headers) -> list[str]:
        return [key for key, _ in carrier]


_HEADERS = _HeadersGetter()


def configure_tracing(
    service: str, environ: Mapping[str, str] = os.environ
) -> TracerProvider | None:
    """Install the process's TracerProvider (`tracer_provider`); None when disabled."""
    provider = tracer_provider(service, environ)
    if provider is not None:
        trace.set_tracer_provider(provider)
    return provider


def tracer_provider(service: str, environ: Mapping[str, str]) -> TracerProvider | None:
    """A TracerProvider from the standard OTEL_* variables; None when `OTEL_SDK_DISABLED`.

    `OTEL_SERVICE_NAME` names the service (default: the service's own name);
    `OTEL_TRACES_EXPORTER` chooses the exporters (`span_exporters`).
    """
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    resource = Resource.create({SERVICE_NAME: environ.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource)
    for exporter in span_exporters(environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def span_exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    """`OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`, comma-separated); unset, OTLP/HTTP
    when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces variant) is set, else none: the trace
    context still propagates and log lines still carry trace ids."""
    named = environ.get("OTEL_TRACES_EXPORTER")
    if named is None:
        endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        )
        named = "otlp" if endpoint else "none"
    exporters: list[SpanExporter] = []
    for name in (n.strip().lower() for n in named.split(",")):
        if name == "otlp":
            # imported only when used: it pulls in requests and protobuf
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # it reads its endpoint, headers and timeout from OTEL_EXPORTER_OTLP_* itself
            exporters.append(OTLPSpanExporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name != "none":
            raise ValueError(f"OTEL_TRACES_EXPORTER: {name} is not otlp, console or none")
    return exporters


def extract(headers: Headers, envelope: CloudEvent | None = None) -> Context:
    """The producer's context: the Kafka (or HTTP) headers' trace context, else the CloudEvent's
    distributed-tracing extension; an empty context (a new trace) when neither has one."""
    if _HEADERS.get(headers, "traceparent"):
        return propagate.extract(headers, getter=_HEADERS)
    if envelope is not None and envelope.traceparent:
        return propagate.extract(envelope_carrier(envelope))
    return Context()


def arrival_attributes(
    topic: str | None, partition: int | None, offset: int | None
) -> dict[str, str | int]:
    """Where a message was read (OpenTelemetry's messaging conventions); HTTP has no topic."""
    if topic is None or partition is None or offset is None:
        return {"messaging.system": "http"}
    return {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": str(partition),
        "messaging.kafka.offset": offset,
    }


def envelope_carrier(envelope: CloudEvent) -> dict[str, str]:
    return {
        name: value
        for name in TRACE_FIELDS
        if isinstance(value := getattr(envelope, name), str) and value
    }


def current_carrier(span: trace.Span | None = None) -> dict[str, str]:
    """The W3C fields of `span` (else the current span); empty when tracing is off."""
    carrier: dict[str, str] = {}
    context = trace.set_span_in_context(span) if span is not None else None
    propagate.inject(carrier, context=context)
    return {name: value for name, value in carrier.items() if name in TRACE_FIELDS}


def as_headers(carrier: Mapping[str, str]) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, value.encode()) for name, value in carrier.items())


def with_span_context(envelope: CloudEvent, span: trace.Span) -> CloudEvent:
    """The envelope as this hop received it, its trace context that of this hop's span, so
    that the recording (in a worker thread, a batch at a time) continues each message's trace.
    The content digest of a message covers type and data only: the receipt is unaffected."""
    carrier = current_carrier(span)
    if not carrier:
        return envelope
    return envelope.model_copy(update={name: carrier.get(name) for name in TRACE_FIELDS})


def stamp(events: Iterable[object], carrier: Mapping[str, str]) -> None:
    """Store the trace context with each event (its state is what the event store keeps)."""
    if not carrier:
        return
    for event in events:
        # domain events are frozen dataclasses; this attribute is no field of theirs, only
        # state the mapper stores and restores, and aggregates' methods never receive it
        object.__setattr__(event, STORED_ATTRIBUTE, dict(carrier))


def stored_context(event: object) -> Context:
    """The context of the span that recorded `event`; empty for an event recorded untraced."""
    carrier = vars(event).get(STORED_ATTRIBUTE)
    return propagate.extract(carrier) if isinstance(carrier, dict) else Context()


class MessageSpans:
    """One span per message of a batch, each continuing its message's trace, ended together
    once the batch is done (with an error status on all when the batch failed)."""

    def __init__(self, kind: trace.SpanKind) -> None:
        self._kind = kind
        self._spans: list[trace.Span] = []

    def start(
        self, name: str, parent: Context, attributes: Mapping[str, str | int] | None = None
    ) -> trace.Span:
        span = tracer.start_span(name, context=parent, kind=self._kind, attributes=attributes)
        self._spans.append(span)
        return span

    @contextmanager
    def ending(self) -> Iterator["MessageSpans"]:
        try:
            yield self
        except BaseException as error:
            for span in self._spans:
                span.record_exception(error)
                span.set_status(trace.StatusCode.ERROR, type(error).__name__)
            raise
        finally:
            for span in self._spans:
                span.end()
