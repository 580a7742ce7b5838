"""Duur van maatregelen: how long the measures that ended in the period ran, per measure (p50,
p90), and how old those still running at the period's end are; from each case's measures as
they ran (`measures`)."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PROTECTION_MEASURE_IMPOSED
from ketenmonitor.figures.common import (
    Filters,
    LeadTime,
    Transition,
    end_of_day,
    lead_time_of,
    spread,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.measures import (
    LABELS,
    MEASURES,
    CaseMeasures,
    Rows,
    counted,
    ended_in_the_period,
    in_force_at_the_end_of,
    stop_in_period,
)
from ketenmonitor.figures.responses import AppliedFilters, MeasureCode, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.responses import LeadTime as LeadTimeAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

AGES = (
    ("under-3-months", timedelta(days=0)),
    ("3-to-12-months", timedelta(days=91)),
    ("1-to-2-years", timedelta(days=365)),
    ("2-years-or-more", timedelta(days=730)),
)
"""The age bands of the running measures, from their lower bound: 91 days is a voorlopige
OTS's term, a year an OTS's."""


@dataclass(frozen=True)
class RunningMeasures:
    measure: str
    running: Count
    by_age: dict[str, Count]


@dataclass(frozen=True)
class MeasureDurations:
    on: date
    ended: tuple[LeadTime, ...]
    """Per measure, from imposition to its stop, over those that stopped in the period."""
    running: tuple[RunningMeasures, ...]


def measure_durations(
    cases: Iterable[CaseMeasures], filters: Filters, on: date
) -> MeasureDurations:
    """Ended: the measures whose stop (a reported end, an expiry, a follow-up) fell in the
    period and by `on`, each from its imposition. Running: those in force at the end of `on`
    (the period's last day, or today), by their age then; each measure's running ones are the
    sum of its age bands, keyed by `on` (the same stock in two answers of a family is one
    count to protect). A duration's percentiles are shown only beside its shown count."""
    at = end_of_day(on)
    day = on.isoformat()  # the stock's key: a year's and its last quarter's are one count
    runs = [run for case in cases if counted(filters, case.gemeente_code) for run in case.runs]
    durations = {
        m: [
            stop - r.since
            for r in runs
            if r.measure == m and (stop := stop_in_period(r, filters, at)) is not None
        ]
        for m in MEASURES
    }
    ages = {
        m: [at - r.since for r in runs if r.measure == m and r.running_at(at)] for m in MEASURES
    }
    counts: dict[tuple[str, ...], int] = {}
    sums = []
    for m in MEASURES:
        counts["ended", m] = len(durations[m])
        counts["running", m, day] = len(ages[m])
        for band, _ in AGES:
            counts["running", m, day, band] = sum(_band(age) == band for age in ages[m])
        sums.append(Sum(("running", m, day), tuple(("running", m, day, band) for band, _ in AGES)))
    shared: dict[Hashable, Hashable] = {
        ("running", m, day): in_force_at_the_end_of(m, on) for m in MEASURES
    }
    shared |= {("ended", m): ended_in_the_period(m) for m in MEASURES}
    shown = protect(counts, sums, "measure-durations", shared)
    return MeasureDurations(
        on=on,
        ended=tuple(
            lead_time_of(
                Transition(m, PROTECTION_MEASURE_IMPOSED, "end", LABELS[m]),
                spread(durations[m]),
                shown.count(("ended", m)),
            )
            for m in MEASURES
        ),
        running=tuple(
            RunningMeasures(
                m,
                shown.count(("running", m, day)),
                {band: shown.count(("running", m, day, band)) for band, _ in AGES},
            )
            for m in MEASURES
        ),
    )


def _band(age: timedelta) -> str:
    return next(band for band, lower in reversed(AGES) if age >= lower)


class RunningMeasuresAnswer(ApiModel):
    measure: MeasureCode
    running: CountAnswer = Field(description="In force at the end of `on`")
    by_age: dict[str, CountAnswer] = Field(
        description="By their age then: under-3-months, 3-to-12-months, 1-to-2-years, "
        "2-years-or-more"
    )


class MeasureDurationsAnswer(ApiModel):
    filters: AppliedFilters
    on: date = Field(description="The day the running ones are taken: `to`, or today")
    ended: list[LeadTimeAnswer] = Field(
        description="Per measure (`transition`), from imposition to its stop, over those that "
        "stopped in the period"
    )
    running: list[RunningMeasuresAnswer]


async def read(source: Rows, filters: Filters, today: date) -> MeasureDurationsAnswer:
    cases = await source.case_measures()
    figure = measure_durations(cases, filters, filters.to_date or today)
    return answer(MeasureDurationsAnswer, filters, figure)


FIGURE = Figure(
    name="measure_durations",
    label="Duur van maatregelen",
    summary="How long the measures that ended ran, per measure, and the age of those running",
    description=measure_durations.__doc__,
    accepts=Accepts.CASES,
    answer=MeasureDurationsAnswer,
    read=read,
)
