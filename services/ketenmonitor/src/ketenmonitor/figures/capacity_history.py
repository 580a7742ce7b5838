"""Capacity over time: every capacity report kept, and per month, care form and provider the
places, their occupation and the free places as the latest report before the month's end
gave them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import CAPACITY_RECORDED, PREFIX
from ketenmonitor.figures.common import Database, Filters, day_of, month_ends
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, CareFormCode, ProviderKvk, answer


@dataclass(frozen=True)
class CapacityReport:
    """A provider's places and their occupation for a care form, as reported at a moment."""

    care_form: str
    provider: str
    reported_at: datetime
    places: int
    occupied: int

    @property
    def free_places(self) -> int:
        return max(self.places - self.occupied, 0)


def latest_before(
    reports: Iterable[CapacityReport], moment: datetime | None
) -> dict[tuple[str, str], CapacityReport]:
    """Per (care form, provider), the latest report before `moment` (None: of all); of two at
    one moment the one with the most places, then the most occupied."""
    latest: dict[tuple[str, str], CapacityReport] = {}
    for report in reports:
        if moment is not None and report.reported_at >= moment:
            continue
        key = (report.care_form, report.provider)
        order = (report.reported_at, report.places, report.occupied)
        held = latest.get(key)
        if held is None or order > (held.reported_at, held.places, held.occupied):
            latest[key] = report
    return latest


@dataclass(frozen=True)
class MonthlyCapacity:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    care_form: str
    provider: str
    places: int
    occupied: int
    free_places: int
    reported_on: date
    """The day of the report these come from: how fresh they are."""


@dataclass(frozen=True)
class CapacityHistoryFigure:
    per_month: tuple[MonthlyCapacity, ...]


def capacity_history(
    reports: Sequence[CapacityReport], filters: Filters, today: date
) -> CapacityHistoryFigure:
    """Per month of the period (without `from`: from the first report's month; to `to`, or
    today), care form and provider that had reported by then: the places, the occupied and
    the free places (places - occupied, at least 0) of the latest report before the month's
    end (in the last month: the end of the period). Care form and provider filter the
    reports; a provider's places are not of a gemeente or a kader, so those filters do not
    apply. Places are no count of youths: they are shown whatever their size."""
    on = filters.to_date or today
    first = filters.from_date or min((day_of(r.reported_at) for r in reports), default=on)
    per_month = []
    for month in month_ends(first, on):
        latest = latest_before(reports, month.at)
        for (care_form, provider), report in sorted(latest.items()):
            per_month.append(
                MonthlyCapacity(
                    month.month,
                    care_form,
                    provider,
                    report.places,
                    report.occupied,
                    report.free_places,
                    day_of(report.reported_at),
                )
            )
    return CapacityHistoryFigure(tuple(per_month))


# $1 capacity-recorded type, $2 care form, $3 provider: every report
SELECT_CAPACITY_REPORTS = """
SELECT f.data->>'care_form' AS care_form, f.data->>'provider' AS provider,
       f.occurred_at, (f.data->>'places')::integer AS places,
       (f.data->>'occupied')::integer AS occupied
FROM facts f
WHERE f.type = $1
  AND ($2::text IS NULL OR f.data->>'care_form' = $2)
  AND ($3::text IS NULL OR f.data->>'provider' = $3)
"""


async def select_capacity_reports(connection: Database, filters: Filters) -> list[CapacityReport]:
    rows = await connection.fetch(
        SELECT_CAPACITY_REPORTS, PREFIX + CAPACITY_RECORDED, filters.care_form, filters.provider
    )
    return [
        CapacityReport(r["care_form"], r["provider"], r["occurred_at"], r["places"], r["occupied"])
        for r in rows
    ]


class Rows(Protocol):
    async def capacity_reports(self, filters: Filters) -> list[CapacityReport]:
        """Every report of the care form and provider filtered for, whenever it was; the period
        is the figure's to apply."""


class MonthlyCapacityAnswer(ApiModel):
    month: str = Field(examples=["2026-03"])
    care_form: CareFormCode
    provider: ProviderKvk
    places: int = Field(description="Places offered, at the end of the month")
    occupied: int
    free_places: int = Field(description="places - occupied (at least 0)")
    reported_on: date = Field(description="The day of the report these come from")


class CapacityHistory(ApiModel):
    filters: AppliedFilters
    per_month: list[MonthlyCapacityAnswer]


async def read(source: Rows, filters: Filters, today: date) -> CapacityHistory:
    figure = capacity_history(
        await source.capacity_reports(filters.without_period()), filters, today
    )
    return answer(CapacityHistory, filters, figure)


FIGURE = Figure(
    name="capacity_history",
    label="Capaciteit per maand",
    summary="Places, occupied and free places per month, care form and provider",
    description=capacity_history.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=CapacityHistory,
    read=read,
)
