"""Log lines lead to their trace: trace and span id of the span in progress, in the JSON."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from opentelemetry import trace

from jeugdketen_shared.logs import RepeatedLines, configure_logging
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


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def line(message: str, *args: object, name: str = "faststream") -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)


def test_a_repeated_line_is_let_through_once_an_interval_with_its_count() -> None:
    clock = FakeClock()
    repeated = RepeatedLines(interval=60, clock=clock)
    passed = []
    for task in range(1000):  # a consume task restarted in a loop, a new task number each time
        record = line("callback for Task-%d is being executed...", task)
        if repeated.filter(record):
            passed.append(record.getMessage())
        clock.now += 0.1  # the whole loop takes 100 seconds

    assert passed == [
        "callback for Task-0 is being executed...",
        "callback for Task-600 is being executed... (repeated 599 times since last logged)",
    ]


def test_lines_of_other_kinds_and_other_loggers_are_each_let_through() -> None:
    repeated = RepeatedLines(interval=60, clock=FakeClock())
    records = [
        line("Kafka error occurred"),
        line("consumer assigned to partitions"),
        line("Kafka error occurred", name="aiokafka"),
    ]
    assert all(repeated.filter(record) for record in records)
    assert not repeated.filter(line("Kafka error occurred"))
