"""The live stream (`GET /v1/stream`, server-sent events): changed figures and alerts.

Across processes through PostgreSQL: the projection NOTIFYs `figures-changed` in each batch's
transaction (delivered only when it commits), the sweeper `alert-raised` / `alert-resolved`
once the alert is saved. The API LISTENs on one connection of its own and fans every message
out to the connected clients, each through a bounded queue: a client that falls that far
behind is dropped (its stream ends; an EventSource reconnects) instead of holding up others.

What is sent is counts and alert headlines only: no case, no youth pseudonym.
"""

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from ketenmonitor.facts import PREFIX, Fact

FIGURES_CHANGED = "figures-changed"
ALERT_RAISED = "alert-raised"
ALERT_RESOLVED = "alert-resolved"

QUEUE_BOUND = 100
"""Messages a client may have outstanding before it is dropped."""

HEARTBEAT_SECONDS = 15.0
"""A comment line this often, so proxies keep an idle connection."""

MAX_PAYLOAD = 7_900
"""PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more."""

log = structlog.get_logger(__name__)


def channel(schema: str) -> str:
    """One channel per projection schema (isolated schemas share a database)."""
    name = f"ketenmonitor_live_{schema}"
    if len(name) <= 63:
        return name
    return f"ketenmonitor_live_{hashlib.sha256(schema.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class Message:
    event: str
    data: Mapping[str, Any]


async def notify(connection: asyncpg.Connection, schema: str, message: Message) -> None:
    """NOTIFY the message; inside a transaction it is delivered only if that commits."""
    payload = json.dumps({"event": message.event, "data": message.data}, sort_keys=True)
    await connection.execute("SELECT pg_notify($1, $2)", channel(schema), payload)


_CHANGED_FACTS = """
SELECT f.type, c.gemeente_code
FROM facts f LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.projected_at = now()
  AND (f.source, f.id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""
"""The batch's facts inserted by this transaction (`projected_at` defaults to its `now()`; a
repeated fact keeps the moment it was first projected), with their case's gemeente."""


async def notify_figures_changed(
    connection: asyncpg.Connection, schema: str, facts: Iterable[Fact]
) -> int:
    """In the batch's transaction: `figures-changed` naming the event types of the new facts and
    the gemeenten of their cases. Nothing when the batch held only repeats. Returns how many
    facts were new."""
    facts = list(facts)
    rows = await connection.fetch(
        _CHANGED_FACTS, [fact.source for fact in facts], [fact.id for fact in facts]
    )
    if not rows:
        return 0
    await notify(connection, schema, figures_changed(rows))
    return len(rows)


def figures_changed(rows: Iterable[Mapping[str, Any]]) -> Message:
    """Which event types and gemeenten changed, and no counts: a batch's count of one new
    placement in a gemeente is a small cell the figures themselves would suppress."""
    types: set[str] = set()
    gemeenten: set[str] = set()
    for row in rows:
        types.add(str(row["type"]).removeprefix(PREFIX))
        if row["gemeente_code"] is not None:
            gemeenten.add(row["gemeente_code"])
    data: dict[str, Any] = {"types": sorted(types), "municipalities": sorted(gemeenten)}
    if len(json.dumps(data)) > MAX_PAYLOAD - 200:
        data["municipalities"] = None  # too many to name in one notification: "any"
    return Message(FIGURES_CHANGED, data)


def alert_message(
    event: str, *, alert_id: UUID, rule: str, severity: str, gemeente_code: str | None, title: str
) -> Message:
    return Message(
        event,
        {
            "id": str(alert_id),
            "rule": rule,
            "severity": severity,
            "municipality_code": gemeente_code,
            "title": title,
        },
    )


@dataclass(eq=False)
class Subscription:
    queue: "asyncio.Queue[Message | None]"
    dropped: bool = False


@dataclass
class Broadcaster:
    """Fans messages out to subscribers, each with a queue of at most `bound` messages."""

    bound: int = QUEUE_BOUND
    subscribers: set[Subscription] = field(default_factory=set)
    dropped: int = 0
    """Subscribers dropped for falling behind, since the start."""

    def subscribe(self) -> Subscription:
        # one place more than the bound: room for the end-of-stream mark
        subscription = Subscription(asyncio.Queue(self.bound + 1))
        self.subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscribers.discard(subscription)

    def publish(self, message: Message) -> None:
        for subscription in list(self.subscribers):
            if subscription.queue.qsize() >= self.bound:
                self._end(subscription, dropped=True)
            else:
                subscription.queue.put_nowait(message)

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        for subscription in list(self.subscribers):
            self._end(subscription, dropped=False)

    def _end(self, subscription: Subscription, *, dropped: bool) -> None:
        self.subscribers.discard(subscription)
        if dropped:
            subscription.dropped = True
            self.dropped += 1
            log.warning("stream client too slow; dropped", bound=self.bound)
        subscription.queue.put_nowait(None)

    async def messages(self, subscription: Subscription) -> AsyncIterator[Message]:
        """The subscription's messages until it is dropped or the broadcaster closes."""
        try:
            while (message := await subscription.queue.get()) is not None:
                yield message
        finally:
            self.unsubscribe(subscription)


def _received(broadcaster: Broadcaster, payload: str) -> None:
    try:
        raw = json.loads(payload)
        message = Message(str(raw["event"]), dict(raw["data"]))
    except (ValueError, KeyError, TypeError):
        log.error("unreadable live notification; passed", payload=payload[:200])
        return
    broadcaster.publish(message)


RECONNECT_SECONDS = 1.0
"""Wait between attempts to LISTEN again after the connection was lost."""


@contextlib.asynccontextmanager
async def listening(
    database_url: str,
    schema: str,
    broadcaster: Broadcaster,
    reconnect_seconds: float = RECONNECT_SECONDS,
) -> AsyncIterator[None]:
    """LISTEN on the schema's channel on a connection of its own while in context; every
    notification goes to the broadcaster, and the broadcaster is closed on the way out.

    A lost connection (a database restart, a terminated backend) is made again, every
    `reconnect_seconds` until it succeeds; what was notified in between is not heard."""
    lost = asyncio.Event()

    def on_notification(_conn: object, _pid: int, _channel: str, payload: object) -> None:
        _received(broadcaster, str(payload))

    def on_termination(_conn: object) -> None:
        lost.set()

    async def connect() -> asyncpg.Connection:
        connection = await asyncpg.connect(database_url)
        connection.add_termination_listener(on_termination)
        await connection.add_listener(channel(schema), on_notification)
        return connection

    connection = await connect()  # not reachable at the start: the API does not start

    async def keep_listening() -> None:
        nonlocal connection
        while True:
            await lost.wait()
            lost.clear()
            log.error("live stream's LISTEN connection lost; connecting again")
            while True:
                await asyncio.sleep(reconnect_seconds)
                try:
                    connection = await connect()
                except (
                    OSError,
                    TimeoutError,
                    asyncpg.PostgresError,
                    asyncpg.InterfaceError,
                ) as error:
                    log.warning("live stream cannot LISTEN yet", error=str(error))
                    continue
                log.info("live stream listening again")
                break

    keeping = asyncio.create_task(keep_listening())
    try:
        yield
    finally:
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping
        broadcaster.close()
        connection.remove_termination_listener(on_termination)
        if not connection.is_closed():
            await connection.close()


def severity_only(message: Message) -> Message:
    """An alert message as a user who sees aggregates only may see it: that an alert of this
    severity was raised or resolved, not its case, gemeente, rule or id."""
    if message.event in {ALERT_RAISED, ALERT_RESOLVED}:
        return Message(message.event, {"severity": message.data.get("severity")})
    return message


def _as_is(_request: Request, message: Message) -> Message:
    return message


def create_stream_router(
    broadcaster: Broadcaster,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    view: Callable[[Request, Message], Message] = _as_is,
) -> APIRouter:
    """`view`: what of a message the requesting client may see."""
    router = APIRouter()

    @router.get(
        "/v1/stream",
        response_class=EventSourceResponse,
        summary="Server-sent events: figures-changed, alert-raised, alert-resolved",
    )
    async def stream(request: Request) -> EventSourceResponse:
        subscription = broadcaster.subscribe()  # before the first byte: nothing after is missed

        async def events() -> AsyncIterator[ServerSentEvent]:
            async for message in broadcaster.messages(subscription):
                shown = view(request, message)
                yield ServerSentEvent(data=json.dumps(shown.data), event=shown.event)

        return EventSourceResponse(
            events(), ping=heartbeat_seconds, headers={"Cache-Control": "no-store"}
        )

    return router
