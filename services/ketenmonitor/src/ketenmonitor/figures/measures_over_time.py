"""Maatregelen: the measures imposed, ended, in force and running per measure and calendar
month (in-, uitstroom and stand), and the extensions; from each case's measures as they ran
(`measures`)."""

from bisect import bisect_right
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.common import Filters, MonthEnd, day_of, end_of_day, month_ends
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.measures import (
    MEASURES,
    CaseMeasures,
    Rows,
    counted,
    ended_in_the_period,
    in_force_at_the_end_of,
)
from ketenmonitor.figures.responses import AppliedFilters, MeasureCode, Month, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Protected, Sum, protect

KINDS = ("imposed", "ended", "in_force", "running", "extended")


@dataclass(frozen=True)
class MeasureMonth:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    measure: str
    imposed: Count
    ended: Count
    in_force: Count
    """In force at some moment of the month: running at its start or imposed in it."""
    running: Count
    """In force at the month's end (the period's end, in its last month)."""
    extended: Count


@dataclass(frozen=True)
class MeasureTotals:
    measure: str
    running_at_start: Count
    """In force at the start of the period's first month."""
    imposed: Count
    ended: Count
    extended: Count
    running_at_end: Count


@dataclass(frozen=True)
class MeasuresOverTime:
    on: date
    per_month: tuple[MeasureMonth, ...]
    measures: tuple[MeasureTotals, ...]


def measures_over_time(
    cases: Iterable[CaseMeasures], filters: Filters, on: date
) -> MeasuresOverTime:
    """Per calendar month of the period (all time: from the month of the first measure of all
    cases to `on`) and measure: imposed in the month, ended in it (by any stop: a reported
    end, an expiry, a follow-up), in force at some moment of it, running at its end, and
    extended in it; per measure the period's totals. Stock and flows are tied: a month's in
    force are those running at its start and those imposed in it, and as well those running
    at its end and those ended in it; so a hidden inflow cannot be worked out from two stocks
    and an outflow. Every stock is keyed by its month, the stock at the period's start by the
    month before it: the same stock in two answers of a family (a year's start and its first
    quarter's) is then one count to protect, never shown in one and hidden in the other."""
    cases = list(cases)
    first = filters.from_date or min(
        (day_of(run.since) for case in cases for run in case.runs), default=on
    ).replace(day=1)
    months = month_ends(first, on)
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    chosen = [case for case in cases if counted(filters, case.gemeente_code)]
    counts = _counts(chosen, first, previous, months)
    shown: dict[tuple[str, bool], Protected] = {}
    for measure in MEASURES:
        sums = []
        before = ("running", measure, previous)
        for month in months:
            in_force = ("in_force", measure, month.month)
            sums.append(Sum(in_force, (before, ("imposed", measure, month.month))))
            sums.append(
                Sum(in_force, (("running", measure, month.month), ("ended", measure, month.month)))
            )
            before = ("running", measure, month.month)
        for kind in ("imposed", "ended", "extended"):
            sums.append(Sum((kind, measure), tuple((kind, measure, m.month) for m in months)))
        # a table per measure, and its extensions apart: no sum joins them, and the family's
        # protection weighs each sub-table whole (one table of all took minutes)
        for extensions in (False, True):
            shown[measure, extensions] = protect(
                {
                    k: n
                    for k, n in counts.items()
                    if k[1] == measure and _extension(k) == extensions
                },
                [s for s in sums if _extension(s.total) == extensions],
                f"{'extensions' if extensions else 'measures'}-{measure}",
                {} if extensions else _shared(measure, first, previous, months),
            )

    def count(key: tuple[str, ...]) -> Count:
        return shown[key[1], _extension(key)].count(key)

    return MeasuresOverTime(
        on=on,
        per_month=tuple(
            MeasureMonth(m.month, measure, *(count((kind, measure, m.month)) for kind in KINDS))
            for m in months
            for measure in MEASURES
        ),
        measures=tuple(
            MeasureTotals(
                measure,
                running_at_start=count(("running", measure, previous)),
                imposed=count(("imposed", measure)),
                ended=count(("ended", measure)),
                extended=count(("extended", measure)),
                running_at_end=count(
                    ("running", measure, months[-1].month if months else previous)
                ),
            )
            for measure in MEASURES
        ),
    )


def _shared(
    measure: str, first: date, previous: str, months: list[MonthEnd]
) -> dict[Hashable, Hashable]:
    """The counts `measure_durations` shows too (`suppression.protect`'s `shared`): the
    stocks, each by the day it is taken, and the ended ones."""
    names: dict[Hashable, Hashable] = {
        ("running", measure, previous): in_force_at_the_end_of(measure, first - timedelta(days=1)),
        ("ended", measure): ended_in_the_period(measure),
    }
    for month in months:
        names["running", measure, month.month] = in_force_at_the_end_of(measure, month.day)
    return names


def _extension(key: Hashable) -> bool:
    return isinstance(key, tuple) and key[0] == "extended"


def _counts(
    cases: list[CaseMeasures], first: date, previous: str, months: list[MonthEnd]
) -> dict[tuple[str, ...], int]:
    """Each month runs from the end of the one before (the first: from the start of `first`)
    to its `at`; a measure that ends exactly at a month's end still runs at it and ends in the
    next month, as its end's day is there (`MeasureRun.running_at`). Each run is placed among
    the months' bounds once (a family of answers asks this of every gemeente and quarter);
    a month's in force are those running at its start and those imposed in it."""
    bounds = [end_of_day(first - timedelta(days=1)), *(month.at for month in months)]
    names = [month.month for month in months]

    def month_of(moment: datetime) -> int | None:
        index = bisect_right(bounds, moment) - 1
        return index if 0 <= index < len(names) else None

    counts: dict[tuple[str, ...], int] = {}
    for measure in MEASURES:
        flows = {kind: [0] * len(names) for kind in ("imposed", "ended", "extended")}
        running = [0] * len(bounds)  # at each bound: the period's start, each month's end
        for run in (run for case in cases for run in case.runs if run.measure == measure):
            for kind, moment in (("imposed", run.since), ("ended", run.until)):
                index = None if moment is None else month_of(moment)
                if index is not None:
                    flows[kind][index] += 1
            # running at a bound: begun before it, not stopped before it
            last = len(bounds) if run.until is None else bisect_right(bounds, run.until)
            for index in range(bisect_right(bounds, run.since), last):
                running[index] += 1
        for case in cases:
            for at, extended in case.extensions:
                index = month_of(at) if extended == measure else None
                if index is not None:
                    flows["extended"][index] += 1
        counts["running", measure, previous] = running[0]
        for index, name in enumerate(names):
            for kind, found in flows.items():
                counts[kind, measure, name] = found[index]
            counts["running", measure, name] = running[index + 1]
            counts["in_force", measure, name] = running[index] + flows["imposed"][index]
        for kind, found in flows.items():
            counts[kind, measure] = sum(found)
    return counts


class MeasureMonthAnswer(ApiModel):
    month: Month
    measure: MeasureCode
    imposed: CountAnswer = Field(description="Imposed in the month (instroom)")
    ended: CountAnswer = Field(
        description="Ended in the month (uitstroom): a reported end, an expiry, a follow-up"
    )
    in_force: CountAnswer = Field(description="In force at some moment of the month")
    running: CountAnswer = Field(description="In force at the month's end (stand)")
    extended: CountAnswer = Field(description="Extended (verlengd) in the month")


class MeasureTotalsAnswer(ApiModel):
    measure: MeasureCode
    running_at_start: CountAnswer = Field(description="In force at the start of the period")
    imposed: CountAnswer
    ended: CountAnswer
    extended: CountAnswer
    running_at_end: CountAnswer = Field(description="In force at the end of the period")


class MeasuresAnswer(ApiModel):
    filters: AppliedFilters
    on: date = Field(description="The last day: `to`, or today")
    per_month: list[MeasureMonthAnswer]
    measures: list[MeasureTotalsAnswer] = Field(description="The period's totals per measure")


async def read(source: Rows, filters: Filters, today: date) -> MeasuresAnswer:
    cases = await source.case_measures()
    on = filters.to_date or today
    return answer(MeasuresAnswer, filters, measures_over_time(cases, filters, on))


FIGURE = Figure(
    name="measures",
    label="Maatregelen: instroom, uitstroom en stand",
    summary="Protection measures and jeugdreclassering imposed, ended, in force and extended per "
    "month",
    description=measures_over_time.__doc__,
    accepts=Accepts.CASES,
    answer=MeasuresAnswer,
    read=read,
)
