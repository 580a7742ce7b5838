"""The snapshot of a month: every figure for its quarter and year, for the region and each
gemeente, as the read API exports them, with a manifest; written again, the same files."""

import asyncio
import hashlib
import json
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


async def test_a_month_is_its_quarter_and_year_for_the_region_and_every_gemeente(
    tmp_path: Path,
) -> None:
    written: list[Written] = []
    manifest_path = await write_snapshot(
        linked_figures(), NOVEMBER, tmp_path, TODAY, written.append
    )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest_path == tmp_path / "2026-11" / "manifest.json"
    assert manifest["periods"] == [
        {"from": "2026-10-01", "to": "2026-12-31"},
        {"from": "2026-01-01", "to": "2026-12-31"},
    ]
    files = manifest["files"]
    assert files == [entry.__dict__ for entry in written]
    areas = {None, *TWENTE_GEMEENTEN}
    assert {(f["figure"], f["filters"]["municipality"], f["format"]) for f in files} == {
        (figure.name, area, chosen.value)
        for figure in FIGURES
        for area in areas
        for chosen in Format
    }
    assert len(files) == len(FIGURES) * len(areas) * 2 * len(Format)
    for entry in files:
        content = (manifest_path.parent / entry["file"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    csv_lines = [f for f in files if f["format"] == "csv"]
    for entry in csv_lines[:5]:
        lines = (manifest_path.parent / entry["file"]).read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) == entry["rows"] + 1  # a header, then a row per number


async def test_each_file_is_the_read_apis_export_under_the_same_filters(tmp_path: Path) -> None:
    manifest_path = await write_snapshot(linked_figures(), NOVEMBER, tmp_path, TODAY)
    files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    by_name = {figure.name: figure for figure in FIGURES}
    api = create_api(FakeFigures(), lambda: TODAY)  # the snapshot's day
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://ketenmonitor") as http:
        for entry in files[:: len(files) // 40]:
            figure = by_name[entry["figure"]]
            query = {k: v for k, v in entry["filters"].items() if v is not None}
            exported = await http.get(export_path(figure, Format(entry["format"])), params=query)
            assert exported.content == (manifest_path.parent / entry["file"]).read_bytes()


async def test_a_snapshot_written_again_is_the_same_to_the_byte(tmp_path: Path) -> None:
    await write_snapshot(linked_figures(), NOVEMBER, tmp_path / "first", TODAY)
    first = contents(tmp_path / "first")
    await write_snapshot(linked_figures(), NOVEMBER, tmp_path / "first", TODAY)
    await write_snapshot(linked_figures(), NOVEMBER, tmp_path / "second", TODAY)
    assert contents(tmp_path / "first") == first
    assert contents(tmp_path / "second") == first


async def test_a_month_not_yet_closed_is_not_written(tmp_path: Path) -> None:
    with pytest.raises(MonthNotClosed):
        await write_snapshot(linked_figures(), date(2026, 12, 1), tmp_path, TODAY)
    assert contents(tmp_path) == {}


async def test_the_month_that_closed_last_is_written_once(tmp_path: Path) -> None:
    written = await write_closed_month(linked_figures(), tmp_path, TODAY)
    assert written == tmp_path / "2026-11" / "manifest.json"
    first = contents(tmp_path)
    assert await write_closed_month(linked_figures(), tmp_path, date(2026, 12, 31)) is None
    assert contents(tmp_path) == first


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
