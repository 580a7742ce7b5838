"""The live stream over real Kafka and PostgreSQL: a client connected to `GET /v1/stream` of the
API as `serving_api` serves it (uvicorn, in this process) receives `figures-changed` once the
projection committed the published events, then `alert-raised` when the sweeper raises the
case's alert and `alert-resolved` when it closes itself; never a case or a youth pseudonym.
The notifications cross from the projection's and sweeper's connections to the API's LISTEN
through PostgreSQL, as they would between processes."""

import asyncio
import contextlib
import json
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from jeugdketen_shared.clock import ControllableClock
from ketenmonitor.alerts.rules import alert_id
from ketenmonitor.main import serving_api
from ketenmonitor.projection import live
from ketenmonitor.settings import MonitorSettings
from services.ketenmonitor.tests.accounts import WERKGROEP, basic, users_file
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import publish_events
from tests.integration.test_ketenmonitor_alerts import (
    RULE,
    assessed,
    melding,
    monitoring,
    rows,
    stage,
)
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

Event = dict[str, Any]


class Stream:
    """The server-sent events read so far from one connection."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.text: list[str] = []
        self._arrived = asyncio.Event()

    async def read(self, response: httpx.Response) -> None:
        name, data = None, []
        async for line in response.aiter_lines():
            self.text.append(line)
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").strip())
            elif line == "" and name is not None:
                self.events.append({"event": name, "data": json.loads("\n".join(data))})
                name, data = None, []
                self._arrived.set()

    async def until(self, found: Callable[[list[Event]], bool], what: str) -> None:
        try:
            async with asyncio.timeout(30):
                while not found(self.events):
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError as error:
            raise AssertionError(f"not on the stream within 30s: {what}") from error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def streaming(platform: IsolatedPlatform) -> AsyncIterator[Stream]:
    """`serving_api` on a free port, and one client connected to its /v1/stream."""
    settings = platform.settings().model_copy(
        update={"http_host": "127.0.0.1", "http_port": free_port()}
    )
    stream = Stream()
    with tempfile.TemporaryDirectory() as folder:
        monitor = MonitorSettings(JEUGDKETEN_USERS_FILE=users_file(Path(folder)))
        async with (
            serving_api(settings, monitor),
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{settings.http_port}",
                timeout=30,
                headers=basic(WERKGROEP),
            ) as http,
            http.stream("GET", "/v1/stream") as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            reading = asyncio.create_task(stream.read(response))
            try:
                yield stream
            finally:
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading


def figures_changed(events: list[Event]) -> list[Event]:
    return [e["data"] for e in events if e["event"] == "figures-changed"]


async def test_a_stream_client_hears_of_changed_figures_and_of_alerts_raised_and_resolved(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    case = uuid4()
    reported = melding(platform, case, now - timedelta(days=1))
    youth = reported.event.data["youth_pseudonym"]
    the_id = str(alert_id(case, RULE))
    async with monitoring(platform, clock), streaming(platform) as stream:
        await publish_events(platform, [reported])
        await stream.until(
            lambda events: len(figures_changed(events)) >= 1,
            "figures-changed for the melding",
        )
        [changed] = figures_changed(stream.events)
        assert changed == {
            "types": ["toegang.veilig-thuis-melding-received"],
            "municipalities": ["GM0153"],
        }

        await wait_until(lambda: stage(platform, case) is not None, "the case's stage")
        clock.advance(stage(platform, case)[0] - now)  # type: ignore[index]
        await stream.until(
            lambda events: any(e["event"] == "alert-raised" for e in events), "alert-raised"
        )
        raised = next(e["data"] for e in stream.events if e["event"] == "alert-raised")
        assert raised["id"] == the_id
        assert (raised["rule"], raised["municipality_code"]) == (RULE, "GM0153")
        assert raised["severity"]
        assert raised["title"]

        await publish_events(platform, [assessed(platform, case, clock.now())])
        await stream.until(
            lambda events: any(e["event"] == "alert-resolved" for e in events), "alert-resolved"
        )
        resolved = next(e["data"] for e in stream.events if e["event"] == "alert-resolved")
        assert resolved == raised
        assert len(figures_changed(stream.events)) == 2  # the melding's batch, the assessment's

    everything = "\n".join(stream.text)
    assert str(case) not in everything
    assert youth not in everything


def listening_backends(platform: IsolatedPlatform) -> set[int]:
    found = rows(
        platform,
        "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' "
        f"AND query LIKE '%{live.channel(platform.schema)}%'",
    )
    return {pid for (pid,) in found}


async def test_the_stream_listens_again_after_its_connection_is_lost(
    platform: IsolatedPlatform,
) -> None:
    clock = ControllableClock(datetime.now(UTC).replace(microsecond=0))
    async with monitoring(platform, clock), streaming(platform) as stream:
        await wait_until(lambda: len(listening_backends(platform)) == 1, "the API listening")
        [before] = listening_backends(platform)
        rows(platform, f"SELECT pg_terminate_backend({before})")
        await wait_until(
            lambda: listening_backends(platform) - {before} != set(), "the API listening again"
        )
        await publish_events(platform, [melding(platform, uuid4(), clock.now())])
        await stream.until(lambda events: bool(figures_changed(events)), "figures-changed")
