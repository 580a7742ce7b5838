"""Instroom in het gedwongen kader per gemeente: the cases that entered the gedwongen kader in
the period, per gemeente of Twente; from their stretches in it (`gedwongen_stretches`)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pydantic import Field

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PROTECTION_MEASURE_IMPOSED
from ketenmonitor.figures.common import FactRow, FactRows, Filters, in_period
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.measures import counted
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

ALL = "all"


@dataclass(frozen=True)
class GedwongenInflow:
    entered: Count
    per_gemeente: dict[str, Count]


def gedwongen_inflow(rows: Iterable[FactRow], filters: Filters) -> GedwongenInflow:
    """Cases, not entries: a case with a stretch in the gedwongen kader that began in the
    period counts once, in its gemeente, whether it was vrijwillig before or new to the chain.
    Every gemeente of Twente is shown (the others' few cases are left out); they sum to all.
    The kader at an entry is gedwongen: filtered for vrijwillig, none entered."""
    entered: dict[UUID, str | None] = {}
    for row in rows:
        if row.case_id is not None and any(in_period(s.since, filters) for s in row.gedwongen):
            entered[row.case_id] = row.gemeente_code
    counts = {
        code: sum(gemeente == code and counted(filters, gemeente) for gemeente in entered.values())
        for code in TWENTE_GEMEENTEN
    }
    counts[ALL] = sum(counts.values())
    shown = protect(counts, [Sum(ALL, tuple(TWENTE_GEMEENTEN))], "gedwongen-inflow")
    return GedwongenInflow(
        entered=shown.count(ALL),
        per_gemeente={code: shown.count(code) for code in TWENTE_GEMEENTEN},
    )


class GedwongenInflowAnswer(ApiModel):
    filters: AppliedFilters
    entered: CountAnswer = Field(description="Cases that entered the gedwongen kader in the period")
    per_gemeente: dict[str, CountAnswer] = Field(
        description="The same per gemeente of Twente (CBS code)"
    )


async def read(source: FactRows, filters: Filters, today: date) -> GedwongenInflowAnswer:
    rows = await source.facts_of((PROTECTION_MEASURE_IMPOSED,))
    return answer(GedwongenInflowAnswer, filters, gedwongen_inflow(rows, filters))


FIGURE = Figure(
    name="gedwongen_inflow",
    label="Instroom in het gedwongen kader per gemeente",
    summary="Cases that entered the gedwongen kader, per gemeente",
    description=gedwongen_inflow.__doc__,
    accepts=Accepts.CASES,
    answer=GedwongenInflowAnswer,
    read=read,
)
