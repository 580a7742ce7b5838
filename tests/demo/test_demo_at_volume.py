"""`./run demo` as a newcomer gets it, at its default size: a year of Twente's volume (issue 21).

While the year loads, the dashboard already answers and every page says how far the load has
come; once it is complete the Overzicht shows figures in its tiles, not "afgeschermd". The
demo runs on a Kafka and a PostgreSQL of its own (tests/demo/test_run_demo.py's), and takes
minutes: `./run tests` runs it after the suite (marker `demo`), as it runs the chaos test."""

import asyncio
import base64
import os
import re
import shutil
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser

from jeugdketen_shared.load_progress import LoadState, read_progress
from tests.chaos.infrastructure import OwnInfrastructure
from tests.demo.test_run_demo import FIRST_HTTP_PORT, PORTS, RUN, Demo
from tests.support.browser import chromium
from tests.support.services import ARTIFACTS
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.demo, pytest.mark.timeout(1800)]

DASHBOARD = f"http://127.0.0.1:{FIRST_HTTP_PORT + 3}/"
DEMO_SECONDS = 1500
"""The whole `./run demo`, the year included (some 5 minutes on a busy 2-core machine)."""


def dashboard_password(output: Path) -> str | None:
    """The demo user `dashboard`'s password, once `./run demo` has printed it."""
    found = re.search(r"^\s*dashboard\s+role dashboard\s+password (\S+)$", output.read_text(), re.M)
    return found[1] if found else None


async def tiles_and_banner(browser: Browser, password: str) -> tuple[dict[str, str], str | None]:
    """The Overzicht's tiles (name: text) and the load banner's text, if any."""
    token = base64.b64encode(f"dashboard:{password}".encode()).decode()
    context = await browser.new_context(
        locale="nl-NL", extra_http_headers={"Authorization": f"Basic {token}"}
    )
    try:
        page = await context.new_page()
        await page.goto(DASHBOARD)
        tiles = {
            await tile.get_attribute("data-cijfer") or "": (await tile.inner_text()).strip()
            for tile in await page.locator(".km-tile dd[data-cijfer]").all()
        }
        banner = page.locator("#laden")
        text = (await banner.inner_text()).strip() if await banner.count() else None
        return tiles, text
    finally:
        await context.close()


async def test_the_demo_shows_a_year_of_twente_while_and_after_it_loads(tmp_path: Path) -> None:
    demo = Demo(OwnInfrastructure.create(PORTS), cases=None)
    output = tmp_path / "run-demo.log"
    progress_file = demo.own.local_dir / "history-progress.json"
    with output.open("w") as log:
        running = await asyncio.create_subprocess_exec(
            RUN,
            "demo",
            env=demo.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole if the test fails
        )
    try:
        async with chromium() as browser:

            def loading() -> bool:
                progress = read_progress(progress_file, datetime.now(UTC))
                return progress is not None and progress.state is LoadState.RUNNING

            await wait_until(loading, "the simulated year loading", DEMO_SECONDS)
            password = dashboard_password(output)
            assert password is not None
            _, banner = await tiles_and_banner(browser, password)
            assert banner is not None
            assert banner.startswith("De gegevens worden nog geladen: ")

            async with asyncio.timeout(DEMO_SECONDS):
                ran = await running.wait()
            assert ran == 0, output.read_text()[-5000:]
            progress = read_progress(progress_file, datetime.now(UTC))
            assert progress is not None
            assert (progress.state, progress.published) == (LoadState.FINISHED, progress.total)
            assert progress.total > 20_000  # partner messages of some 5,000 cases

            tiles, banner = await tiles_and_banner(browser, password)
            assert banner is None
            assert len(tiles) >= 10
            shown = {name: text for name, text in tiles.items() if re.fullmatch(r"[\d.]+", text)}
            assert shown == tiles, f"tiles without a figure: {set(tiles) - set(shown)}"
    finally:
        if running.returncode is None:
            os.killpg(running.pid, signal.SIGTERM)
            await running.wait()
        demo.run("stop", check=False)
        kept = ARTIFACTS / "demo-at-volume"
        shutil.copytree(demo.own.local_dir / "logs", kept, dirs_exist_ok=True)
        shutil.copy(output, kept / "run-demo.log")
        demo.own.down()
        shutil.rmtree(demo.own.local_dir, ignore_errors=True)
