"""The live stream's fan-out with fakes: bounded queues, a slow client dropped, the others
served; the figures-changed message (counts only); the SSE endpoint's wire format."""

import asyncio
import json
from uuid import uuid4

import httpx
from fastapi import FastAPI

from ketenmonitor.facts import PREFIX
from ketenmonitor.projection import live


def message(n: int) -> live.Message:
    return live.Message(live.FIGURES_CHANGED, {"facts": n})


async def drain(broadcaster: live.Broadcaster, subscription: live.Subscription) -> list[int]:
    return [m.data["facts"] async for m in broadcaster.messages(subscription)]


async def test_every_subscriber_gets_every_message_in_order() -> None:
    broadcaster = live.Broadcaster(bound=10)
    first, second = broadcaster.subscribe(), broadcaster.subscribe()
    for n in range(5):
        broadcaster.publish(message(n))
    broadcaster.close()
    assert await drain(broadcaster, first) == [0, 1, 2, 3, 4]
    assert await drain(broadcaster, second) == [0, 1, 2, 3, 4]
    assert broadcaster.subscribers == set()


async def test_a_slow_client_is_dropped_and_the_others_carry_on() -> None:
    broadcaster = live.Broadcaster(bound=3)
    slow, fast = broadcaster.subscribe(), broadcaster.subscribe()
    received: list[int] = []

    async def keeping_up() -> None:
        async for m in broadcaster.messages(fast):
            received.append(m.data["facts"])

    reading = asyncio.create_task(keeping_up())
    for n in range(10):
        broadcaster.publish(message(n))
        await asyncio.sleep(0)  # the fast client reads; the slow one never does
    assert slow.dropped
    assert not fast.dropped
    assert broadcaster.dropped == 1
    assert broadcaster.subscribers == {fast}
    assert slow.queue.qsize() <= broadcaster.bound + 1  # never more than the bound (and the end)
    assert await drain(broadcaster, slow) == [0, 1, 2]  # what it had, then its stream ends
    broadcaster.close()
    await reading
    assert received == list(range(10))


async def test_publishing_never_waits_for_a_client() -> None:
    broadcaster = live.Broadcaster(bound=2)
    broadcaster.subscribe()
    for n in range(1_000):  # synchronous: nothing to await, nothing to block on
        broadcaster.publish(message(n))
    assert broadcaster.subscribers == set()


def test_figures_changed_names_types_and_gemeenten_without_counts() -> None:
    rows = [
        {"type": f"{PREFIX}referral-received", "gemeente_code": "GM0153"},
        {"type": f"{PREFIX}referral-received", "gemeente_code": "GM0141"},
        {"type": f"{PREFIX}placement-started", "gemeente_code": "GM0153"},
        {"type": f"{PREFIX}safety-assessed", "gemeente_code": None},
    ]
    changed = live.figures_changed(rows)
    assert changed.event == "figures-changed"
    assert changed.data == {
        "types": ["placement-started", "referral-received", "safety-assessed"],
        "municipalities": ["GM0141", "GM0153"],
    }


def test_too_many_gemeenten_for_one_notification_are_not_named() -> None:
    rows = [{"type": "x", "gemeente_code": f"GM{n:04d}"} for n in range(2_000)]
    changed = live.figures_changed(rows)
    assert changed.data["municipalities"] is None
    assert changed.data["types"] == ["x"]
    assert len(json.dumps({"event": changed.event, "data": changed.data})) < live.MAX_PAYLOAD


def test_channels_are_per_schema_and_valid_identifiers() -> None:
    assert live.channel("km_a") != live.channel("km_b")
    assert len(live.channel("s" * 63)) <= 63


def test_an_unreadable_notification_is_passed() -> None:
    broadcaster = live.Broadcaster()
    subscription = broadcaster.subscribe()
    live._received(broadcaster, "not json")
    live._received(broadcaster, json.dumps({"event": "alert-raised", "data": {"id": "x"}}))
    assert subscription.queue.qsize() == 1


async def test_the_endpoint_sends_named_events_with_json_data() -> None:
    broadcaster = live.Broadcaster()
    app = FastAPI()
    app.include_router(live.create_stream_router(broadcaster))
    the_id = uuid4()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ketenmonitor"
    ) as http:
        # the in-process transport returns the body once the stream ends: end it by closing
        request = asyncio.create_task(http.get("/v1/stream"))
        async with asyncio.timeout(5):
            while not broadcaster.subscribers:  # noqa: ASYNC110 (the handler's own task subscribes)
                await asyncio.sleep(0.01)
        broadcaster.publish(
            live.alert_message(
                live.ALERT_RAISED,
                alert_id=the_id,
                rule="veilig-thuis-safety-assessment",
                severity="hoog",
                gemeente_code="GM0153",
                title="Veiligheidsbeoordeling te laat",
            )
        )
        broadcaster.close()
        response = await request
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "event: alert-raised" in response.text
    data = next(line for line in response.text.splitlines() if line.startswith("data: "))
    assert json.loads(data.removeprefix("data: ")) == {
        "id": str(the_id),
        "rule": "veilig-thuis-safety-assessment",
        "severity": "hoog",
        "municipality_code": "GM0153",
        "title": "Veiligheidsbeoordeling te laat",
    }
