"""`python -m ketenmonitor export` over the real projection in PostgreSQL: a month's snapshot
is the read API's exports under the same filters, and written again the same to the byte."""

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.files import Format, export_path
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.source import TableFigures
from ketenmonitor.projection import store
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor_reference import (
    cloud_events,
    publish,
    publish_keys,
    wait_caught_up,
)
from tests.support.projection import projecting

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]  # three readings, ~45 s each

MONTH = "2025-11"
"""Closed whatever the day the test runs: the generated chain's cases run through 2025."""


def run_export(platform: IsolatedPlatform, folder: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "ketenmonitor", "export", "--month", MONTH, "--folder", str(folder)],
        env={**os.environ, **platform.environment()},
        capture_output=True,
        check=True,
        timeout=600,
    )
    return Path(result.stdout.decode().splitlines()[-1])


def contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


async def test_the_export_command_writes_the_read_apis_answers_and_again_the_same(
    platform: IsolatedPlatform, tmp_path: Path
) -> None:
    chain = cloud_events(platform, seed=19, cases=300)
    await publish_keys(platform, chain.keys.items())
    await publish(platform, chain.events)
    async with projecting(platform):
        await wait_caught_up(platform)
    # the projection stopped: both snapshots and the read API see the same facts

    manifest_path = await asyncio.to_thread(run_export, platform, tmp_path / "first")
    again = await asyncio.to_thread(run_export, platform, tmp_path / "second")

    assert manifest_path == tmp_path / "first" / MONTH / "manifest.json"
    first = await asyncio.to_thread(contents, tmp_path / "first")
    assert await asyncio.to_thread(contents, again.parent.parent) == first
    manifest = json.loads(first[f"{MONTH}/manifest.json"])
    assert manifest["periods"] == [
        {"from": "2025-10-01", "to": "2025-12-31"},
        {"from": "2025-01-01", "to": "2025-12-31"},
    ]
    assert len(manifest["files"]) == len(FIGURES) * 2 * 15 * len(Format)
    by_name = {figure.name: figure for figure in FIGURES}
    settings = platform.settings()
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    try:
        transport = httpx.ASGITransport(app=create_api(TableFigures(pool)))
        async with httpx.AsyncClient(transport=transport, base_url="http://monitor") as http:
            for entry in manifest["files"]:
                content = first[f"{MONTH}/{entry['file']}"]
                assert hashlib.sha256(content).hexdigest() == entry["sha256"]
                if entry["filters"]["municipality"] not in (None, "GM0153"):
                    continue  # the region and one gemeente against the read API
                query = {k: v for k, v in entry["filters"].items() if v is not None}
                figure = by_name[entry["figure"]]
                exported = await http.get(
                    export_path(figure, Format(entry["format"])), params=query
                )
                assert exported.content == content, entry["file"]
    finally:
        await pool.close()
    region = first[f"{MONTH}/lead-times/lead-times_2025.csv"].decode("utf-8-sig")
    assert ";false\r\n" in region  # counts shown, not only suppressed ones
