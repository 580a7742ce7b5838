"""Log lines lead to their trace: trace and span id of the span in progress, in the JSON."""

import io
import json
from collections.abc import Iterator

import pytest
import structlog
from opentelemetry import trace

from jeugdketen_shared.logs import configure_logging
from tests.support.tracing import in_memory_spans


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The service's logging, written where the test reads it."""
    written = io.StringIO()
    configure_logging("toegang", file=written)
    yield written
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def test_a_line_logged_in_a_span_carries_its_trace_and_span_id(
    json_logs: io.StringIO,
) -> None:
    in_memory_spans()
    with trace.get_tracer("test").start_as_current_span("record") as span:
        structlog.get_logger("test").info("recorded", count=1)
    structlog.get_logger("test").info("between batches")

    inside, outside = (json.loads(line) for line in json_logs.getvalue().splitlines())
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert inside["service"] == "toegang"
    assert "trace_id" not in outside
    assert "span_id" not in outside
