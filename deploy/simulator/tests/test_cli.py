"""The simulator's command line writes its progress for the dashboard while it runs, and says
at its end whether it finished or stopped."""

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

import simulator.cli
from jeugdketen_shared.load_progress import LoadState, read_progress
from simulator.cli import simulate_reporting
from simulator.plan import PlannedMessage
from simulator.publisher import Progress
from tests.support.waiting import wait_until


def state_in(path: Path) -> tuple[LoadState, int, int] | None:
    progress = read_progress(path, datetime.now(UTC))
    return None if progress is None else (progress.state, progress.published, progress.total)


async def test_running_while_it_publishes_then_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator.cli, "PROGRESS_SECONDS", 0.01)
    path = tmp_path / "progress.json"
    sent = Progress(total=40, published=0)
    go_on = asyncio.Event()

    async def run() -> list[PlannedMessage]:
        sent.published = 20
        await go_on.wait()
        sent.published = 40
        return []

    reporting = asyncio.create_task(simulate_reporting(run(), lambda: sent, path))
    await wait_until(lambda: state_in(path) == (LoadState.RUNNING, 20, 40), "20 of 40", 5)
    go_on.set()
    assert await reporting == []
    assert state_in(path) == (LoadState.FINISHED, 40, 40)


async def test_a_run_that_fails_leaves_stopped_behind(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"

    async def run() -> list[PlannedMessage]:
        raise ConnectionError("no broker")

    with pytest.raises(ConnectionError):
        await simulate_reporting(run(), lambda: Progress(total=40, published=3), path)
    assert state_in(path) == (LoadState.STOPPED, 3, 40)


async def test_without_a_file_nothing_is_written(tmp_path: Path) -> None:
    async def run() -> list[PlannedMessage]:
        return []

    assert await simulate_reporting(run(), lambda: Progress(total=0), None) == []
    assert await asyncio.to_thread(os.listdir, tmp_path) == []
