"""The snapshot of a month: every figure, for the region and for every gemeente, as CSV and
Parquet files and a manifest, in a folder of its own (`python -m ketenmonitor export`, and by
itself when the month closes: `MonthlySnapshots`).

The read API answers whole calendar quarters and years only (`linked.allowed`: a month would
give small numbers away against its quarter), so the snapshot of a month holds the quarter
and the year that contain it, each as the projection knows them when the snapshot is written:
written when the month has closed, they hold their months up to it. Every file is the read
API's answer under its filters (`LinkedFigures.read`, `tabular`, `files`); the same answers
give the same bytes, so a snapshot written again at the same projection is the same.
"""

import asyncio
import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import structlog

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Figure
from ketenmonitor.figures.files import ENCODINGS, Format, file_name
from ketenmonitor.figures.linked import LinkedFigures, Period, quarters, year
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.tabular import table_of

MANIFEST = "manifest.json"

log = structlog.get_logger(__name__)


class MonthNotClosed(Exception):
    """A month is written once it has closed: its last day before today."""


@dataclass(frozen=True)
class Written:
    """One file of a snapshot, as its manifest lists it."""

    figure: str
    filters: dict[str, Any]
    """The filters as the read API's answer states them (`filters` of its JSON)."""
    file: str
    """Its path inside the month's folder."""
    format: str
    rows: int
    sha256: str


def month_of(text: str) -> date:
    """`2026-11` as the month's first day."""
    return date.fromisoformat(f"{text}-01")


def periods_of(month: date) -> tuple[Period, Period]:
    """The quarter and the year that contain the month: the read API's periods for it."""
    return quarters(month.year)[(month.month - 1) // 3], year(month.year)


def requests_of(month: date) -> Iterator[tuple[Figure, Filters]]:
    """Every figure, in both periods, for the region and then each gemeente."""
    for figure in FIGURES:
        for period in periods_of(month):
            for gemeente in (None, *sorted(TWENTE_GEMEENTEN)):
                yield figure, Filters(period.first, period.last, gemeente)


def folder_of(root: Path, month: date) -> Path:
    return root / month.strftime("%Y-%m")


async def write_snapshot(
    figures: LinkedFigures,
    month: date,
    root: Path,
    today: date,
    on_written: Callable[[Written], None] = lambda written: None,
) -> Path:
    """Write the month's files under `root/<YYYY-MM>/<figure's route>/` and then its manifest
    (so a folder with a manifest is whole); returns the manifest's path."""
    if month >= today.replace(day=1):
        raise MonthNotClosed(month.strftime("%Y-%m"))
    folder = folder_of(root, month)
    written: list[Written] = []
    for figure, filters in requests_of(month):
        answer = await figures.read(figure, filters)
        table = table_of(answer)
        for chosen in Format:
            content = ENCODINGS[chosen](table)
            path = Path(figure.path.removeprefix("/v1/")) / file_name(figure, filters, chosen)
            _replace(folder / path, content)
            entry = Written(
                figure=figure.name,
                filters=answer.filters.model_dump(mode="json", by_alias=True),
                file=path.as_posix(),
                format=chosen.value,
                rows=len(table.rows),
                sha256=hashlib.sha256(content).hexdigest(),
            )
            written.append(entry)
            on_written(entry)
    manifest = {
        "month": month.strftime("%Y-%m"),
        "periods": [
            {"from": p.first.isoformat(), "to": p.last.isoformat()} for p in periods_of(month)
        ],
        "files": [asdict(entry) for entry in written],
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    _replace(folder / MANIFEST, text.encode("utf-8"))
    return folder / MANIFEST


def expected_files(month: date) -> int:
    """How many files the month's snapshot writes: for a progress bar."""
    return sum(1 for _ in requests_of(month)) * len(Format)


def month_before(today: date) -> date:
    """The first day of the month before today's: the last month closed."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


async def write_closed_month(figures: LinkedFigures, root: Path, today: date) -> Path | None:
    """The snapshot of the month that closed last, unless its manifest is there already (so
    a month is written once, at its close, by whichever run comes first); its manifest."""
    month = month_before(today)
    if (folder_of(root, month) / MANIFEST).exists():
        return None
    return await write_snapshot(figures, month, root, today)


class MonthlySnapshots:
    """Writes each month's snapshot when it closes: checks every interval (the roles `all`
    and `sweeper`, with `JEUGDKETEN_EXPORT_FOLDER` set)."""

    def __init__(
        self,
        figures: LinkedFigures,
        root: Path,
        today: Callable[[], date],
        failures: tuple[type[BaseException], ...],
        interval_seconds: float = 3600,
    ) -> None:
        self._figures = figures
        self._root = root
        self._today = today
        self._failures = failures
        self.interval_seconds = interval_seconds

    async def run(self, stopping: asyncio.Event) -> None:
        """Check now and then every interval until `stopping`. A run that fails on the
        database is logged and tried again at the next interval: the month waits."""
        while not stopping.is_set():
            try:
                written = await write_closed_month(self._figures, self._root, self._today())
                if written is not None:
                    log.info("monthly snapshot written", manifest=str(written))
            except self._failures as error:
                log.warning("monthly snapshot failed; trying again later", error=str(error))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_seconds):
                    await stopping.wait()


def _replace(path: Path, content: bytes) -> None:
    """Write a file whole or not at all: a reader never sees half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
