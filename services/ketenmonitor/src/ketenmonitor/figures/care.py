"""Recommended versus deployed care form, and 18-/18+: pure. The matrix from the pairs that
PostgreSQL counts over the facts, 18-/18+ from the facts themselves (see chain_figures).

Both depend only on the set of facts and their event time, never on arrival order."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.facts import (
    CONTINUITY_PLAN_RECORDED,
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    TURNED_EIGHTEEN,
)
from ketenmonitor.figures.chain import (
    FactRow,
    in_period,
    of_case,
)
from ketenmonitor.figures.common import SMALL_CELL, Count, Filters, suppressed

CARE_FORMS = tuple(form.value for form in CareForm)

# --- recommended versus deployed ----------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    recommended: str | None
    """The advice in force at the placement's start; None: no advice (crisis without triage)."""
    deployed: str
    placements: Count


@dataclass(frozen=True)
class CareFormMatrix:
    placements: Count
    as_advised: Count
    deviating: Count
    """Placed in another care form than the advice in force."""
    without_advice: Count
    as_advised_share: float | None
    """Of the placements with advice; suppressed when either part is a small cell."""
    cells: tuple[MatrixCell, ...]
    """Every recommended (each care form, then none) by every deployed care form."""


Pairs = dict[tuple[str | None, str], int]
"""Placement starts per (advice in force at the start, deployed care form), as the store
counts them (`queries.SELECT_CARE_FORM_PAIRS`): the advice in force is the RET's latest at or
before the start (binding), else triage's latest recommendation; None: no advice."""


def care_form_matrix(pairs: Pairs) -> CareFormMatrix:
    """Every placement start in the period (of the cases, deployed care form and provider
    filtered for) against the advice in force when it started, from triage-decided and
    ret-advice-given by event time."""
    total = sum(pairs.values())
    right = sum(n for (recommended, deployed), n in pairs.items() if recommended == deployed)
    unadvised = sum(n for (recommended, _), n in pairs.items() if recommended is None)
    deviating = total - right - unadvised
    return CareFormMatrix(
        placements=suppressed(total),
        as_advised=suppressed(right),
        deviating=suppressed(deviating),
        without_advice=suppressed(unadvised),
        as_advised_share=right / (right + deviating)
        if min(right, deviating) >= SMALL_CELL
        else None,
        cells=tuple(
            MatrixCell(recommended, deployed, suppressed(pairs.get((recommended, deployed), 0)))
            for recommended in (*CARE_FORMS, None)
            for deployed in CARE_FORMS
        ),
    )


# --- 18-/18+ ------------------------------------------------------------------------------------

HORIZON_MONTHS = 6
"""DOMAIN.md (a choice): six months before the 18th birthday a continuity plan must exist."""


@dataclass(frozen=True)
class TurningEighteen:
    on: date
    """The day the snapshot is taken: the end of `to`, or today."""
    in_care: Count
    """Cases in care at the end of `on`: placed, not ended, not yet turned 18."""
    birth_month_unknown: Count
    """Of them, those whose placement named no `turns_eighteen_in`."""
    turning_eighteen_soon: Count
    """Of them, turning 18 in the month of `on` or the six after it."""
    soon_with_plan: Count
    soon_without_plan: Count
    turned_eighteen: Count
    """turned-eighteen events in the period (`from`, `to`)."""
    turned_eighteen_without_plan: Count


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def turning_eighteen(rows: Iterable[FactRow], filters: Filters, today: date) -> TurningEighteen:
    """Counts only: which cases they are is for the werkgroep, later."""
    on = filters.to_date or today
    cutoff = datetime.combine(on + timedelta(days=1), time(), tzinfo=AMSTERDAM)
    started: dict[UUID, list[FactRow]] = {}
    ended: dict[UUID, list[datetime]] = {}
    planned: set[UUID] = set()
    turned: dict[UUID, datetime] = {}
    turned_in_period: list[FactRow] = []
    for row in rows:
        if row.case_id is None or not of_case(row, filters):
            continue
        if row.type == TURNED_EIGHTEEN and in_period(row.occurred_at, filters):
            turned_in_period.append(row)
        if row.occurred_at >= cutoff:
            continue
        if row.type == PLACEMENT_STARTED:
            started.setdefault(row.case_id, []).append(row)
        elif row.type == PLACEMENT_ENDED:
            ended.setdefault(row.case_id, []).append(row.occurred_at)
        elif row.type == CONTINUITY_PLAN_RECORDED:
            planned.add(row.case_id)
        elif row.type == TURNED_EIGHTEEN:
            turned[row.case_id] = row.occurred_at
    in_care, unknown, soon, soon_planned = 0, 0, 0, 0
    now = _month_index(on.year, on.month)
    for case, starts in started.items():
        last_start = max(s.occurred_at for s in starts)
        if case in turned or any(at >= last_start for at in ended.get(case, ())):
            continue
        in_care += 1
        months = {
            str(s.data["turns_eighteen_in"]) for s in starts if s.data.get("turns_eighteen_in")
        }
        if not months:
            unknown += 1
            continue
        year, month = (int(part) for part in max(months).split("-"))
        if now <= _month_index(year, month) <= now + HORIZON_MONTHS:
            soon += 1
            soon_planned += case in planned
    return TurningEighteen(
        on=on,
        in_care=suppressed(in_care),
        birth_month_unknown=suppressed(unknown),
        turning_eighteen_soon=suppressed(soon),
        soon_with_plan=suppressed(soon_planned),
        soon_without_plan=suppressed(soon - soon_planned),
        turned_eighteen=suppressed(len(turned_in_period)),
        turned_eighteen_without_plan=suppressed(
            sum(1 for r in turned_in_period if not r.data.get("continuity_plan_exists"))
        ),
    )
