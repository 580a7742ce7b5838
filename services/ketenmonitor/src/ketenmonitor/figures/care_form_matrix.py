"""Recommended versus deployed care form: every placement start against the advice in force
when it started (the RET's, else the gezamenlijke triage's), counted by PostgreSQL."""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PLACEMENT_STARTED, RET_ADVICE_GIVEN, TRIAGE_DECIDED
from ketenmonitor.figures.common import Database, Filters, fetch_counts, sql_period_and_case
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

CARE_FORMS = tuple(form.value for form in CareForm)


@dataclass(frozen=True)
class PairCell:
    recommended: str | None
    """The advice in force at the placement's start; None: no advice (crisis without triage)."""
    deployed: str
    placements: Count


@dataclass(frozen=True)
class Matrix:
    placements: Count
    as_advised: Count
    deviating: Count
    """Placed in another care form than the advice in force."""
    without_advice: Count
    as_advised_share: float | None
    """Of the placements with advice; shown where both are."""
    cells: tuple[PairCell, ...]
    """Every recommended (each care form, then none) by every deployed care form."""


Pairs = dict[tuple[str | None, str], int]
"""Placement starts per (advice in force at the start, deployed care form), as the store
counts them (`SELECT_CARE_FORM_PAIRS`): the advice in force is the RET's latest at or
before the start (binding), else triage's latest recommendation; None: no advice."""


def care_form_matrix(pairs: Pairs) -> Matrix:
    """Every placement start in the period (of the cases, their kader at the start, deployed
    care form and provider filtered for) against the advice in force when it started, from
    triage-decided and ret-advice-given by event time."""
    cells = [
        (recommended, deployed) for recommended in (*CARE_FORMS, None) for deployed in CARE_FORMS
    ]
    right = tuple(cell for cell in cells if cell[0] == cell[1])
    unadvised = tuple(cell for cell in cells if cell[0] is None)
    deviating = tuple(cell for cell in cells if cell[0] not in (None, cell[1]))
    counts: dict[Hashable, int] = {cell: pairs.get(cell, 0) for cell in cells}
    for name, group in (("as_advised", right), ("without", unadvised), ("deviating", deviating)):
        counts[name] = sum(counts[cell] for cell in group)
    counts["advised"] = counts["as_advised"] + counts["deviating"]
    counts["placements"] = counts["advised"] + counts["without"]
    # every cell sums into the placements, and into one of the three kinds
    shown = protect(
        counts,
        [
            Sum("placements", tuple(cells)),
            Sum("placements", ("advised", "without")),
            Sum("advised", ("as_advised", "deviating")),
            Sum("as_advised", right),
            Sum("without", unadvised),
            Sum("deviating", deviating),
        ],
        "care-form-matrix",
    )
    return Matrix(
        placements=shown.count("placements"),
        as_advised=shown.count("as_advised"),
        deviating=shown.count("deviating"),
        without_advice=shown.count("without"),
        as_advised_share=shown.share("as_advised", "advised"),
        cells=tuple(PairCell(*cell, shown.count(cell)) for cell in cells),
    )


# $1 placement-started type, $2 ret-advice-given type, $3 triage-decided type, $4 from date,
# $5 to date, $6 gemeente, $7 kader, $8 care form, $9 provider (of the placement): per
# (advice in force at the start, deployed care form) the placement starts. The advice in force
# is the case's latest RET advice at or before the start, else triage's latest recommendation;
# ties in event time go to the greater care form (code point order, as in Python).
SELECT_CARE_FORM_PAIRS = f"""
SELECT coalesce(
           (SELECT a.data->>'care_form' FROM facts a
            WHERE a.case_id = s.case_id AND a.type = $2 AND a.occurred_at <= s.occurred_at
            ORDER BY a.occurred_at DESC, a.data->>'care_form' COLLATE "C" DESC
            LIMIT 1),
           (SELECT a.data->>'recommended_care_form' FROM facts a
            WHERE a.case_id = s.case_id AND a.type = $3 AND a.occurred_at <= s.occurred_at
            ORDER BY a.occurred_at DESC, a.data->>'recommended_care_form' COLLATE "C" DESC
            LIMIT 1)) AS recommended,
       s.data->>'care_form' AS deployed,
       count(*) AS n
FROM facts s
LEFT JOIN cases c ON c.case_id = s.case_id
WHERE s.type = $1
  AND s.case_id IS NOT NULL
  AND {sql_period_and_case("s.occurred_at", 4)}
  AND ($8::text IS NULL OR s.data->>'care_form' = $8)
  AND ($9::text IS NULL OR s.data->>'provider' = $9)
GROUP BY recommended, deployed
"""


async def select_care_form_pairs(connection: Database, filters: Filters) -> Pairs:
    return await fetch_counts(
        connection,
        SELECT_CARE_FORM_PAIRS,
        (PLACEMENT_STARTED, RET_ADVICE_GIVEN, TRIAGE_DECIDED),
        filters,
        filters.care_form,
        filters.provider,
        per=("recommended", "deployed"),
    )


class Rows(Protocol):
    async def care_form_pairs(self, filters: Filters) -> Pairs: ...


class MatrixCell(ApiModel):
    recommended: str | None = Field(
        description="The advice in force at the start (RET, else triage); null: none"
    )
    deployed: str
    placements: CountAnswer


class CareFormMatrix(ApiModel):
    filters: AppliedFilters
    placements: CountAnswer
    as_advised: CountAnswer
    deviating: CountAnswer = Field(description="Placed in another care form than advised")
    without_advice: CountAnswer
    as_advised_share: float | None = Field(description="Of the placements with advice")
    cells: list[MatrixCell]


async def read(source: Rows, filters: Filters, today: date) -> CareFormMatrix:
    return answer(CareFormMatrix, filters, care_form_matrix(await source.care_form_pairs(filters)))


FIGURE = Figure(
    name="care_form_matrix",
    label="Geadviseerde en ingezette zorgvorm",
    summary="Recommended (triage, RET) versus deployed care form, per placement start",
    description=care_form_matrix.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=CareFormMatrix,
    read=read,
)
