"""The figures as OpenMetrics gauges (`GET /v1/gauges`), for Grafana: every figure of this
year so far, for the region and for every gemeente, as the read API answers it.

One gauge family per figure, `ketenmonitor_figure_<its name in the JSON API>`: a sample per
number of its table (`tabular`: the same rows as its CSV), labelled with the table's columns
(`field` the number's path, `filters_municipality` empty for the region, the care form, the
transition, ...). A number the answer has not (a suppressed count, a share it would reveal) is
no sample at all, never a number. Read again only when the projection or the day moved on.
"""

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from pydantic import BaseModel

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from ketenmonitor.api_names import english
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Figure
from ketenmonitor.figures.linked import ExtentRows, LinkedFigures, year
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.tabular import SUPPRESSED, VALUE, columns_of, table_of

MEDIA_TYPE = CONTENT_TYPE_LATEST
PREFIX = "ketenmonitor_figure_"


def metric_name(figure: Figure) -> str:
    return PREFIX + english(figure.name)


def label_names(figure: Figure) -> list[str]:
    """The columns of the figure's table but the number and its suppression."""
    return [c.name for c in columns_of(figure.answer) if c not in (VALUE, SUPPRESSED)]


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def families(answers: Sequence[tuple[Figure, BaseModel]]) -> list[GaugeMetricFamily]:
    """A family per figure (also one without samples), a sample per number an answer shows."""
    found: dict[str, GaugeMetricFamily] = {}
    for figure in FIGURES:
        found[figure.name] = GaugeMetricFamily(
            metric_name(figure), f"{figure.label}: {figure.summary}", labels=label_names(figure)
        )
    for figure, answer in answers:
        names = label_names(figure)
        for row in table_of(answer).rows:
            if row[VALUE.name] is not None:
                labels = [_label(row.get(name)) for name in names]
                found[figure.name].add_metric(labels, row[VALUE.name])
    return list(found.values())


def exposition(answers: Sequence[tuple[Figure, BaseModel]]) -> bytes:
    class Answers(Collector):
        def collect(self) -> Iterable[Metric]:
            return families(answers)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Answers())
    # the OpenMetrics writer has no type annotations; it returns the text's bytes
    return bytes(generate_latest(registry))  # type: ignore[no-untyped-call]


class FigureGauges:
    """The gauges' text, read anew when the projection moved on or the day changed."""

    def __init__(
        self, figures: LinkedFigures, position: ExtentRows, today: Callable[[], date]
    ) -> None:
        self._figures = figures
        self._position = position
        self._today = today
        self._kept: tuple[tuple[int, date], bytes] | None = None
        self._lock = asyncio.Lock()

    async def text(self) -> bytes:
        async with self._lock:  # scrapes at once read once
            at = (await self._position.position(), self._today())
            if self._kept is None or self._kept[0] != at:
                self._kept = at, exposition(await self._answers(at[1]))
            return self._kept[1]

    async def _answers(self, today: date) -> list[tuple[Figure, BaseModel]]:
        this_year = year(today.year)
        return [
            (
                figure,
                await self._figures.read(figure, Filters(this_year.first, this_year.last, area)),
            )
            for figure in FIGURES
            for area in (None, *sorted(TWENTE_GEMEENTEN))
        ]
