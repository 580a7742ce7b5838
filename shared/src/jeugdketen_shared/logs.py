"""Structured logs: one JSON object per line on stderr, with the service name, and the trace
and span ids of the span in progress, so that a line leads to its trace."""

import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, WrappedLogger


def add_trace_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """`trace_id` and `span_id` (lowercase hex, as in traceparent) when a span is current."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = trace.format_trace_id(context.trace_id)
        event["span_id"] = trace.format_span_id(context.span_id)
    return event


def configure_logging(service: str, level: int = logging.INFO, file: TextIO | None = None) -> None:
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        add_trace_ids,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=file or sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # libraries log through the standard library; keep their warnings, in the same stream, and
    # a line they repeat (a consumer failing on every fetch) once a minute with its count
    libraries = logging.StreamHandler(sys.stderr)
    libraries.addFilter(RepeatedLines())
    logging.basicConfig(
        level=logging.WARNING, handlers=[libraries], format="%(levelname)s %(name)s %(message)s"
    )
    # the brokers' own lines (consumers assigned, a consume task restarted: service.py)
    logging.getLogger(LIBRARY_BROKER_LOGGER).setLevel(logging.INFO)


LIBRARY_BROKER_LOGGER = "faststream"


@dataclass
class _Held:
    since: float
    count: int = 0


class RepeatedLines(logging.Filter):
    """Lets a kind of line through once per `interval`; the first one after that says how many
    were held back. Lines of one kind differ at most in their numbers (a task's, an offset), so
    a consumer that fails on every fetch, or a task restarted in a loop, cannot fill a disk."""

    def __init__(self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._interval = interval
        self._clock = clock
        self._held: dict[tuple[str, int, str], _Held] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = self._clock()
        kind = (record.name, record.levelno, _DIGITS.sub("#", record.getMessage()))
        held = self._held.get(kind)
        if held is not None and now - held.since < self._interval:
            held.count += 1
            return False
        # kinds not seen for an interval are forgotten: no line can make this grow for ever
        self._held = {k: h for k, h in self._held.items() if now - h.since < self._interval}
        self._held[kind] = _Held(since=now)
        if held is not None and held.count:
            record.msg = f"{record.getMessage()} (repeated {held.count} times since last logged)"
            record.args = None
        return True


_DIGITS = re.compile(r"\d+")
