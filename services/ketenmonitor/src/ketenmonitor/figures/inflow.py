"""Inflow into jeugdzorg plus and 3-milieu per month: placement starts and transfers into
either. (Thuis, tenzij, once counted here over the youths who entered a care form, is a
figure of its own: `thuis_tenzij`.)"""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PLACEMENT_STARTED, TRANSFERRED
from ketenmonitor.figures.common import Database, Filters, fetch_counts, sql_period_and_case
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, Month, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

INFLOW_CARE_FORMS = ("jeugdzorg-plus", "3-milieuvoorziening")
"""Jeugdzorg plus is to be wound down by 2030; 3-milieu provision is where its inflow should go."""


@dataclass(frozen=True)
class MonthlyEntries:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    care_form: str
    entries: Count


@dataclass(frozen=True)
class InflowFigure:
    per_month: tuple[MonthlyEntries, ...]
    """Entries into each of `INFLOW_CARE_FORMS`, per month of the period with any entry."""
    totals: dict[str, Count]


@dataclass(frozen=True)
class Entries:
    """What the store counts of the entries (`SELECT_INFLOW`): placement starts and
    transfers into another care form in the period, of the cases (the kader at the entry) and
    (the placement's or the new) provider filtered for."""

    per_month: dict[tuple[str, str], int]
    """Entries into each of `INFLOW_CARE_FORMS` per (YYYY-MM, care form); no entry: absent."""


def inflow(found: Entries) -> InflowFigure:
    """Suppressed together: each care form's total is the sum of its months."""
    months = sorted({month for month, _ in found.per_month})
    cells = [(month, form) for month in months for form in INFLOW_CARE_FORMS]
    counts: dict[Hashable, int] = {cell: found.per_month.get(cell, 0) for cell in cells}
    counts |= {form: sum(counts[(m, form)] for m in months) for form in INFLOW_CARE_FORMS}
    shown = protect(
        counts,
        [Sum(form, tuple((m, form) for m in months)) for form in INFLOW_CARE_FORMS],
        "inflow",
    )
    return InflowFigure(
        per_month=tuple(MonthlyEntries(m, form, shown.count((m, form))) for m, form in cells),
        totals={form: shown.count(form) for form in INFLOW_CARE_FORMS},
    )


# $1 placement-started type, $2 transferred type, $3 from date, $4 to date, $5 gemeente,
# $6 kader, $7 provider, $8 the care forms counted per month: the entries of
# `Entries` per month and care form
SELECT_INFLOW = f"""
WITH entries AS (
    SELECT occurred_at, care_form
    FROM (
        SELECT f.occurred_at,
               CASE WHEN f.type = $1 THEN f.data->>'care_form'
                    ELSE f.data->>'to_care_form' END AS care_form,
               CASE WHEN f.type = $1 THEN f.data->>'provider'
                    ELSE f.data->>'to_provider' END AS provider
        FROM facts f
        LEFT JOIN cases c ON c.case_id = f.case_id
        WHERE (f.type = $1
               OR (f.type = $2
                   AND f.data->'to_care_form' IS DISTINCT FROM f.data->'from_care_form'))
          AND {sql_period_and_case("f.occurred_at", 3)}) AS entry
    WHERE care_form = ANY($8::text[]) AND ($7::text IS NULL OR provider = $7))
SELECT to_char(occurred_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month, care_form,
       count(*) AS n
FROM entries
GROUP BY month, care_form
"""


async def select_entries(connection: Database, filters: Filters) -> Entries:
    per_month = await fetch_counts(
        connection,
        SELECT_INFLOW,
        (PLACEMENT_STARTED, TRANSFERRED),
        filters,
        filters.provider,
        list(INFLOW_CARE_FORMS),
        per=("month", "care_form"),
    )
    return Entries(per_month=per_month)


class Rows(Protocol):
    async def entries(self, filters: Filters) -> Entries: ...


class MonthlyInflow(ApiModel):
    month: Month
    care_form: str = Field(examples=["jeugdzorg-plus"])
    entries: CountAnswer = Field(description="Placement starts and transfers into the care form")


class Inflow(ApiModel):
    filters: AppliedFilters
    per_month: list[MonthlyInflow]
    totals: dict[str, CountAnswer] = Field(description="Entries per care form in the whole period")


async def read(source: Rows, filters: Filters, today: date) -> Inflow:
    return answer(Inflow, filters, inflow(await source.entries(filters)))


FIGURE = Figure(
    name="inflow",
    label="Instroom",
    summary="Inflow into jeugdzorg plus and 3-milieu per month",
    description=Entries.__doc__,
    accepts=Accepts.PROVIDERS,
    answer=Inflow,
    read=read,
)
