"""Inflow into jeugdzorg plus and 3-milieu per month, and thuis, tenzij: of the youths who
started care or moved to another care form, the share only ambulant (at home)."""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import BaseModel, Field

from ketenmonitor.facts import PLACEMENT_STARTED, PREFIX, TRANSFERRED
from ketenmonitor.figures.common import (
    Database,
    Filters,
    period_and_case,
    sql_in_period,
    sql_of_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

AMBULANT = "ambulant"


INFLOW_CARE_FORMS = ("jeugdzorg-plus", "3-milieuvoorziening")
"""Jeugdzorg plus is to be wound down by 2030; 3-milieu provision is where its inflow should go."""


@dataclass(frozen=True)
class MonthlyEntries:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    care_form: str
    entries: Count


@dataclass(frozen=True)
class HomeOrAway:
    youths: Count
    """Youths who started care or moved to another care form in the period."""
    at_home: Count
    """Of them, those whose every care form entered in the period is ambulant."""
    away_from_home: Count
    at_home_share: float | None
    """Shown where both its part and its whole are."""


@dataclass(frozen=True)
class InflowFigure:
    per_month: tuple[MonthlyEntries, ...]
    """Entries into each of `INFLOW_CARE_FORMS`, per month of the period with any entry."""
    totals: dict[str, Count]
    thuis_tenzij: HomeOrAway


@dataclass(frozen=True)
class Entries:
    """What the store counts of the entries (`SELECT_INFLOW`): placement starts and
    transfers into another care form in the period, of the cases (the kader at the entry) and
    (the placement's or the new) provider filtered for."""

    per_month: dict[tuple[str, str], int]
    """Entries into each of `INFLOW_CARE_FORMS` per (YYYY-MM, care form); no entry: absent."""
    youths: int
    """Youths with any entry."""
    away_from_home: int
    """Of them, those who entered any care form that is not ambulant."""


def inflow(found: Entries) -> InflowFigure:
    """Suppressed together: each care form's total is the sum of its months, and the youths
    are those at home and those away from home."""
    months = sorted({month for month, _ in found.per_month})
    cells = [(month, form) for month in months for form in INFLOW_CARE_FORMS]
    counts: dict[Hashable, int] = {cell: found.per_month.get(cell, 0) for cell in cells}
    counts |= {form: sum(counts[(m, form)] for m in months) for form in INFLOW_CARE_FORMS}
    counts |= {
        "youths": found.youths,
        "at_home": found.youths - found.away_from_home,
        "away": found.away_from_home,
    }
    shown = protect(
        counts,
        [
            *(Sum(form, tuple((m, form) for m in months)) for form in INFLOW_CARE_FORMS),
            Sum("youths", ("at_home", "away")),
        ],
        "inflow",
    )
    return InflowFigure(
        per_month=tuple(MonthlyEntries(m, form, shown.count((m, form))) for m, form in cells),
        totals={form: shown.count(form) for form in INFLOW_CARE_FORMS},
        thuis_tenzij=HomeOrAway(
            youths=shown.count("youths"),
            at_home=shown.count("at_home"),
            away_from_home=shown.count("away"),
            at_home_share=shown.share("at_home", "youths"),
        ),
    )


# $1 placement-started type, $2 transferred type, $3 from date, $4 to date, $5 gemeente,
# $6 kader, $7 provider, $8 the care forms counted per month: the entries of
# `Entries` per month and care form (kind 'month'), and in one row (kind
# 'youths') how many youths entered any care form and how many of them one not ambulant
SELECT_INFLOW = f"""
WITH entries AS MATERIALIZED (
    SELECT occurred_at, youth, care_form
    FROM (
        SELECT f.occurred_at, f.data->>'youth_pseudonym' AS youth,
               CASE WHEN f.type = $1 THEN f.data->>'care_form'
                    ELSE f.data->>'to_care_form' END AS care_form,
               CASE WHEN f.type = $1 THEN f.data->>'provider'
                    ELSE f.data->>'to_provider' END AS provider
        FROM facts f
        LEFT JOIN cases c ON c.case_id = f.case_id
        WHERE (f.type = $1
               OR (f.type = $2
                   AND f.data->'to_care_form' IS DISTINCT FROM f.data->'from_care_form'))
          AND {sql_in_period("f.occurred_at", "$3", "$4")}
          AND {sql_of_case("$5", "$6", "f.occurred_at")}) AS entry
    WHERE youth IS NOT NULL AND care_form IS NOT NULL AND ($7::text IS NULL OR provider = $7))
SELECT 'month' AS kind,
       to_char(occurred_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month, care_form,
       count(*) AS n, 0 AS away
FROM entries
WHERE care_form = ANY($8::text[])
GROUP BY month, care_form
UNION ALL
SELECT 'youths', NULL, NULL, count(*), count(*) FILTER (WHERE away)
FROM (SELECT bool_or(care_form <> 'ambulant') AS away FROM entries GROUP BY youth) AS youths
"""


async def select_entries(connection: Database, filters: Filters) -> Entries:
    rows = await connection.fetch(
        SELECT_INFLOW,
        PREFIX + PLACEMENT_STARTED,
        PREFIX + TRANSFERRED,
        *period_and_case(filters),
        filters.provider,
        list(INFLOW_CARE_FORMS),
    )
    [youths] = [row for row in rows if row["kind"] == "youths"]
    return Entries(
        per_month={(r["month"], r["care_form"]): r["n"] for r in rows if r["kind"] == "month"},
        youths=youths["n"],
        away_from_home=youths["away"],
    )


class Rows(Protocol):
    async def entries(self, filters: Filters) -> Entries: ...


class MonthlyInflow(BaseModel):
    month: str = Field(description="YYYY-MM, Europe/Amsterdam", examples=["2026-03"])
    care_form: str = Field(examples=["jeugdzorg-plus"])
    entries: CountAnswer = Field(description="Placement starts and transfers into the care form")


class ThuisTenzij(BaseModel):
    youths: CountAnswer = Field(description="Youths who started care or changed care form")
    at_home: CountAnswer = Field(description="Of them, only ambulant (at home) in the period")
    away_from_home: CountAnswer
    at_home_share: float | None = Field(description="Suppressed when either part is small")


class Inflow(BaseModel):
    filters: AppliedFilters
    per_month: list[MonthlyInflow]
    totals: dict[str, CountAnswer] = Field(description="Entries per care form in the whole period")
    thuis_tenzij: ThuisTenzij


async def read(source: Rows, filters: Filters, today: date) -> Inflow:
    return answer(Inflow, filters, inflow(await source.entries(filters)))


FIGURE = Figure(
    name="inflow",
    path="/v1/inflow",
    label="Instroom",
    summary="Inflow into jeugdzorg plus and 3-milieu per month; thuis-tenzij share",
    description=Entries.__doc__,
    accepts=Accepts.PROVIDERS,
    answer=Inflow,
    read=read,
)
