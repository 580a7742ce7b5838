"""Van verzoek tot maatregel: from the Raad voor de Kinderbescherming's investigation request to
the measure that followed it, per measure imposed; from the facts themselves."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PROTECTION_MEASURE_IMPOSED, RVDK_INVESTIGATION_REQUESTED
from ketenmonitor.figures.common import (
    FactRow,
    FactRows,
    Filters,
    LeadTime,
    Transition,
    in_period,
    lead_time_of,
    spread,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.measures import LABELS, MEASURES, counted
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import LeadTime as LeadTimeAnswer
from ketenmonitor.figures.suppression import Sum, protect

ALL = "all"


@dataclass(frozen=True)
class RvdkToMeasure:
    all: LeadTime
    measures: tuple[LeadTime, ...]


def rvdk_to_measure(rows: Iterable[FactRow], filters: Filters) -> RvdkToMeasure:
    """Per case with a request: from its first request to the first measure imposed at or after
    it, counted in the period of that measure, under that measure's name (a measure imposed
    before the request, such as a voorlopige OTS the rechter gave at once, is not its
    outcome); the measures' counts sum to all. Percentiles are shown only beside a shown
    count."""
    requested: dict[UUID, datetime] = {}
    imposed: dict[UUID, list[tuple[datetime, str, str | None]]] = {}
    for row in rows:
        if row.case_id is None:
            continue
        if row.type == RVDK_INVESTIGATION_REQUESTED:
            requested[row.case_id] = min(
                requested.get(row.case_id, row.occurred_at), row.occurred_at
            )
        elif row.type == PROTECTION_MEASURE_IMPOSED:
            found = (row.occurred_at, str(row.data.get("measure")), row.gemeente_code)
            imposed.setdefault(row.case_id, []).append(found)
    durations: dict[str, list[timedelta]] = {m: [] for m in MEASURES}
    for case, asked in requested.items():
        after = min((i for i in imposed.get(case, ()) if i[0] >= asked), default=None)
        if after is None:
            continue
        at, measure, gemeente = after
        if measure in durations and in_period(at, filters) and counted(filters, gemeente):
            durations[measure].append(at - asked)
    every = [d for found in durations.values() for d in found]
    counts = {ALL: len(every), **{m: len(found) for m, found in durations.items()}}
    shown = protect(counts, [Sum(ALL, MEASURES)], "rvdk-to-measure")

    def timed(name: str, found: list[timedelta], label: str) -> LeadTime:
        transition = Transition(
            name, RVDK_INVESTIGATION_REQUESTED, PROTECTION_MEASURE_IMPOSED, label
        )
        return lead_time_of(transition, spread(found), shown.count(name))

    return RvdkToMeasure(
        all=timed(ALL, every, "Verzoek Raad → maatregel"),
        measures=tuple(timed(m, durations[m], f"Verzoek Raad → {LABELS[m]}") for m in MEASURES),
    )


class RvdkToMeasureAnswer(ApiModel):
    filters: AppliedFilters
    all: LeadTimeAnswer = Field(description="From the request to the first measure after it")
    measures: list[LeadTimeAnswer] = Field(
        description="The same per measure imposed (`transition`: the measure)"
    )


async def read(source: FactRows, filters: Filters, today: date) -> RvdkToMeasureAnswer:
    rows = await source.facts_of((RVDK_INVESTIGATION_REQUESTED, PROTECTION_MEASURE_IMPOSED))
    return answer(RvdkToMeasureAnswer, filters, rvdk_to_measure(rows, filters))


FIGURE = Figure(
    name="rvdk_to_measure",
    label="Van verzoek Raad tot maatregel",
    summary="From the RvdK's investigation request to the measure, per measure imposed",
    description=rvdk_to_measure.__doc__,
    accepts=Accepts.CASES,
    answer=RvdkToMeasureAnswer,
    read=read,
)
