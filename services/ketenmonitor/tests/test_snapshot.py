"""The snapshot of a month: every figure for its quarter and year, for the region and each
gemeente, as the read API exports them, with a manifest; written again, the same files."""

import asyncio
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.files import Format, export_path
from ketenmonitor.figures.linked import LinkedFigures
from ketenmonitor.figures.registry import FIGURES, PROTECTED_TOGETHER
from ketenmonitor.figures.snapshot import (
    MonthlySnapshots,
    MonthNotClosed,
    Written,
    write_closed_month,
    write_snapshot,
)
from services.ketenmonitor.tests.test_api import FakeFigures

TODAY = date(2026, 12, 7)
NOVEMBER = date(2026, 11, 1)


def linked_figures() -> LinkedFigures:
    return LinkedFigures(FakeFigures(), lambda: TODAY, PROTECTED_TOGETHER)


def contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@dataclass(frozen=True)
class Snapshot:
    manifest: Path
    written: list[Written]
    """As the snapshot reported them, one by one."""
    files: dict[str, bytes]
    """Every file under the snapshot's root, by its path there."""

    @property
    def root(self) -> Path:
        return self.manifest.parent.parent


@pytest.fixture(scope="module")
async def november(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """November 2026's snapshot, written once for the tests of this module."""
    root = tmp_path_factory.mktemp("snapshots")
    written: list[Written] = []
    manifest = await write_snapshot(linked_figures(), NOVEMBER, root, TODAY, written.append)
    return Snapshot(manifest, written, contents(root))


def test_a_month_is_its_quarter_and_year_for_the_region_and_every_gemeente(
    november: Snapshot,
) -> None:
    assert november.manifest == november.root / "2026-11" / "manifest.json"
    manifest = json.loads(november.files["2026-11/manifest.json"])
    assert manifest["periods"] == [
        {"from": "2026-10-01", "to": "2026-12-31"},
        {"from": "2026-01-01", "to": "2026-12-31"},
    ]
    files = manifest["files"]
    assert files == [asdict(entry) for entry in november.written]
    areas = {None, *TWENTE_GEMEENTEN}
    assert {(f["figure"], f["filters"]["municipality"], f["format"]) for f in files} == {
        (figure.name, area, chosen.value)
        for figure in FIGURES
        for area in areas
        for chosen in Format
    }
    assert len(files) == len(FIGURES) * len(areas) * 2 * len(Format)
    assert len(november.files) == len(files) + 1  # and the manifest: nothing else
    for entry in files:
        content = november.files[f"2026-11/{entry['file']}"]
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        if entry["format"] == "csv":  # a header, then a row per number
            assert len(content.decode("utf-8-sig").splitlines()) == entry["rows"] + 1


async def test_each_file_is_the_read_apis_export_under_the_same_filters(
    november: Snapshot,
) -> None:
    files = json.loads(november.files["2026-11/manifest.json"])["files"]
    by_name = {figure.name: figure for figure in FIGURES}
    api = create_api(FakeFigures(), lambda: TODAY)  # the snapshot's day
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://ketenmonitor") as http:
        for entry in files[:: len(files) // 40]:
            figure = by_name[entry["figure"]]
            query = {k: v for k, v in entry["filters"].items() if v is not None}
            exported = await http.get(export_path(figure, Format(entry["format"])), params=query)
            assert exported.content == november.files[f"2026-11/{entry['file']}"]


async def test_a_snapshot_written_again_is_the_same_to_the_byte(
    november: Snapshot, tmp_path: Path
) -> None:
    await write_snapshot(linked_figures(), NOVEMBER, november.root, TODAY)
    await write_snapshot(linked_figures(), NOVEMBER, tmp_path, TODAY)
    assert contents(november.root) == november.files
    assert contents(tmp_path) == november.files


async def test_a_month_not_yet_closed_is_not_written(tmp_path: Path) -> None:
    with pytest.raises(MonthNotClosed):
        await write_snapshot(linked_figures(), date(2026, 12, 1), tmp_path, TODAY)
    assert contents(tmp_path) == {}


async def test_the_month_that_closed_last_is_written_once(november: Snapshot) -> None:
    for today in (TODAY, date(2026, 12, 31)):  # November's manifest is there: left as it is
        assert await write_closed_month(linked_figures(), november.root, today) is None
    assert contents(november.root) == november.files


class FailingOnce(FakeFigures):
    """The database gone at the first run's start."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def position(self) -> int:
        if not self.failed:
            self.failed = True
            raise OSError("connection refused")
        return 0


async def test_the_snapshots_job_writes_a_closed_month_after_a_failed_run(tmp_path: Path) -> None:
    stopping = asyncio.Event()
    runs: list[date] = []

    def today() -> date:  # each run asks once: the third finds the month written, and stops
        runs.append(TODAY)
        if len(runs) == 3:
            stopping.set()
        return TODAY

    figures = LinkedFigures(FailingOnce(), lambda: TODAY, PROTECTED_TOGETHER)
    job = MonthlySnapshots(figures, tmp_path, today, (OSError,), interval_seconds=0.01)
    async with asyncio.timeout(60):
        await job.run(stopping)
    manifest = json.loads(contents(tmp_path)["2026-11/manifest.json"])
    assert manifest["month"] == "2026-11"
