"""One simulated Twente per module behind the real ketenmonitor, and one Chromium per session.

The chain (toegang, triage, plaatsing) and the ketenmonitor (projection, sweeper, API) run in
this process over the real Kafka broker and PostgreSQL, on topics and a schema of their own;
the simulator publishes a few months of Twente through them. Chromium: tests/support/browser.py.
"""

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page

import ketenmonitor.main
import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.settings import kafka_client_security
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web.auth import User
from services.ketenmonitor.tests.accounts import PASSWORD, WERKGROEP, basic, users_file
from simulator.model import Scenario
from simulator.plan import SERVICES
from simulator.runner import simulate
from tests.conftest import IsolatedPlatform, isolated_platform
from tests.integration.test_ketenmonitor import wait_projected
from tests.integration.test_ketenmonitor_live import free_port
from tests.support.browser import chromium
from tests.support.infrastructure import Infrastructure
from tests.support.kafka import read_all
from tests.support.services import ARTIFACTS, running_in_process
from tests.support.waiting import wait_until

SCREENSHOTS = ARTIFACTS / "browser"
AXE = (
    Path(__file__).resolve().parents[2]
    / "services/ketenmonitor/frontend/node_modules/axe-core/axe.min.js"
)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@dataclass(frozen=True)
class Twente:
    platform: IsolatedPlatform
    base_url: str
    end: datetime

    def api(self, user: User = WERKGROEP) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, headers=basic(user), timeout=30)

    async def simulate(self, seed: int, cases: int, days: int, journal: Path) -> int:
        """Publish a simulated Twente; returns how many domain events the chain recorded."""
        kafka = self.platform.infrastructure.kafka_bootstrap_servers
        scenario = Scenario(
            seed=seed, cases=cases, period=timedelta(days=days), end=datetime.now(UTC)
        )
        await simulate(
            scenario,
            bootstrap_servers=kafka,
            prefix=self.platform.prefix,
            journal_path=journal,
            speed=None,
            security=kafka_client_security(),
        )
        topics = [self.platform.topic(service, "events") for service in SERVICES]
        return sum([len(await read_all(kafka, topic)) for topic in topics])


def open_alerts(twente: Twente) -> int:
    """From another thread than the server's (wait_until's)."""
    with httpx.Client(base_url=twente.base_url, headers=basic(WERKGROEP), timeout=30) as http:
        return int(http.get("/v1/alerts", params={"status": "open"}).json()["total"])


@pytest.fixture(scope="module")
async def twente(infrastructure: Infrastructure) -> AsyncIterator[Twente]:
    async with isolated_platform(infrastructure) as platform, AsyncExitStack() as stack:
        settings = platform.settings()
        for service in (toegang.main, triage.main, plaatsing.main):
            await stack.enter_async_context(
                running_in_process(service.WIRING, service.build_application, settings)
            )
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        monitor = MonitorSettings(JEUGDKETEN_USERS_FILE=users_file(folder))
        port = free_port()
        http = settings.model_copy(update={"http_host": "127.0.0.1", "http_port": port})
        stopping = asyncio.Event()
        serving = asyncio.create_task(ketenmonitor.main.serve(http, "all", stopping, monitor))
        the_twente = Twente(platform, f"http://127.0.0.1:{port}", datetime.now(UTC))
        try:
            events = await the_twente.simulate(7, 120, 120, folder / "sent.jsonl")
            await wait_projected(platform, events)
            await wait_until(lambda: open_alerts(the_twente) > 0, "an open alert", 30)
            yield the_twente
            assert not serving.done() or serving.result() is None
        finally:
            stopping.set()
            async with asyncio.timeout(30):
                await serving


async def log_in(browser: Browser, twente: Twente, user: User, locale: str = "nl-NL") -> Page:
    """A fresh browser context in the locale given, logged in on the login page."""
    context = await browser.new_context(base_url=twente.base_url, locale=locale)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await page.goto("/inloggen")
    await page.get_by_label("Gebruikersnaam").fill(user.name)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(f"{twente.base_url}/")
    return page


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
