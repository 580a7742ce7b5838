"""18-/18+: youths in care turning 18 within six months, with and without a continuity plan,
and those who turned 18 in care, with and without one; the plans by kind; from the facts
themselves (the sealed birth months are unsealed by the projection)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from pydantic import Field

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.contracts.plaatsing import ContinuityPlan
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import (
    CONTINUITY_PLAN_RECORDED,
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    TURNED_EIGHTEEN,
)
from ketenmonitor.figures.common import (
    FactRow,
    FactRows,
    Filters,
    in_period,
    of_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

HORIZON_MONTHS = 6
"""DOMAIN.md (a choice): six months before the 18th birthday a continuity plan must exist."""

PLANS = tuple(plan.value for plan in ContinuityPlan)


@dataclass(frozen=True)
class PlanCount:
    plan: str
    turning_eighteen_soon: Count
    """Of those turning 18 soon, whose latest plan before the snapshot is of this kind."""
    turned_eighteen: Count
    """Of those who turned 18 in the period, whose latest plan by the birthday is of this kind."""


@dataclass(frozen=True)
class Snapshot:
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
    """Of them, those without a plan recorded in the case by the birthday."""
    plans: tuple[PlanCount, ...]
    """The plans by kind, one per `ContinuityPlan`."""


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def latest_plan(plans: Iterable[tuple[datetime, str]]) -> str | None:
    """The kind of the latest of a case's plans (of two at one moment, the last by name),
    None without one: a revised plan replaces the earlier."""
    found = max(plans, default=None)
    return found[1] if found else None


def turning_eighteen(rows: Iterable[FactRow], filters: Filters, today: date) -> Snapshot:
    """Counts only: which cases they are is for the werkgroep, later. A case has a plan when
    a `continuity-plan-recorded` of it came before the snapshot (for those soon 18) or at or
    before the 18th birthday (for those who turned 18: plaatsing's `continuity_plan_exists`);
    its kind is the latest one's. The kader filter: a youth in care by the case's kader at the
    end of `on`, a youth who turned 18 by its kader at that moment."""
    on = filters.to_date or today
    cutoff = datetime.combine(on + timedelta(days=1), time(), tzinfo=AMSTERDAM)
    started: dict[UUID, list[FactRow]] = {}
    ended: dict[UUID, list[datetime]] = {}
    planned: dict[UUID, list[tuple[datetime, str]]] = {}
    turned: dict[UUID, datetime] = {}
    turned_in_period: list[tuple[UUID, datetime]] = []
    for row in rows:
        if row.case_id is None:
            continue
        # the kader of a youth who turned 18 at that moment; of the youths in care, at the end
        # of `on`, when the snapshot is taken
        if (
            row.type == TURNED_EIGHTEEN
            and in_period(row.occurred_at, filters)
            and of_case(row, filters, row.occurred_at)
        ):
            turned_in_period.append((row.case_id, row.occurred_at))
        elif row.type == CONTINUITY_PLAN_RECORDED:  # whenever: a birthday may follow the cutoff
            planned.setdefault(row.case_id, []).append((row.occurred_at, str(row.data["plan"])))
        if row.occurred_at >= cutoff or not of_case(row, filters, cutoff):
            continue
        if row.type == PLACEMENT_STARTED:
            started.setdefault(row.case_id, []).append(row)
        elif row.type == PLACEMENT_ENDED:
            ended.setdefault(row.case_id, []).append(row.occurred_at)
        elif row.type == TURNED_EIGHTEEN:
            turned[row.case_id] = row.occurred_at
    in_care, unknown, soon = 0, 0, 0
    soon_plans: dict[str, int] = dict.fromkeys(PLANS, 0)
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
            plan = latest_plan(p for p in planned.get(case, ()) if p[0] < cutoff)
            if plan is not None:
                soon_plans[plan] += 1
    turned_plans: dict[str, int] = dict.fromkeys(PLANS, 0)
    for case, birthday in turned_in_period:
        plan = latest_plan(p for p in planned.get(case, ()) if p[0] <= birthday)
        if plan is not None:
            turned_plans[plan] += 1
    soon_planned, turned_planned = sum(soon_plans.values()), sum(turned_plans.values())
    # suppressed together: the youths in care are those of unknown month, soon 18 and later;
    # soon 18 those with a plan and without, those with one the sum of its kinds; turned 18
    # the same
    shown = protect(
        {
            "in_care": in_care,
            "unknown": unknown,
            "soon": soon,
            "later": in_care - unknown - soon,
            "soon_with": soon_planned,
            "soon_without": soon - soon_planned,
            "turned": len(turned_in_period),
            "turned_with": turned_planned,
            "turned_without": len(turned_in_period) - turned_planned,
            **{("soon", plan): n for plan, n in soon_plans.items()},
            **{("turned", plan): n for plan, n in turned_plans.items()},
        },
        [
            Sum("in_care", ("unknown", "soon", "later")),
            Sum("soon", ("soon_with", "soon_without")),
            Sum("turned", ("turned_with", "turned_without")),
            Sum("soon_with", tuple(("soon", plan) for plan in PLANS)),
            Sum("turned_with", tuple(("turned", plan) for plan in PLANS)),
        ],
        "turning-eighteen",
    )
    return Snapshot(
        on=on,
        in_care=shown.count("in_care"),
        birth_month_unknown=shown.count("unknown"),
        turning_eighteen_soon=shown.count("soon"),
        soon_with_plan=shown.count("soon_with"),
        soon_without_plan=shown.count("soon_without"),
        turned_eighteen=shown.count("turned"),
        turned_eighteen_without_plan=shown.count("turned_without"),
        plans=tuple(
            PlanCount(plan, shown.count(("soon", plan)), shown.count(("turned", plan)))
            for plan in PLANS
        ),
    )


class PlanKind(ApiModel):
    plan: str = Field(description="The kind of continuity plan", examples=["participatie"])
    turning_eighteen_soon: CountAnswer = Field(
        description="Of those turning 18 soon, whose latest plan is of this kind"
    )
    turned_eighteen: CountAnswer = Field(
        description="Of those who turned 18 in the period, whose latest plan then is of this kind"
    )


class TurningEighteen(ApiModel):
    filters: AppliedFilters
    on: date = Field(description="The snapshot's day: `to`, or today")
    in_care: CountAnswer
    birth_month_unknown: CountAnswer
    turning_eighteen_soon: CountAnswer = Field(description="Turning 18 within six months of `on`")
    soon_with_plan: CountAnswer
    soon_without_plan: CountAnswer = Field(description="Turning 18 soon without a continuity plan")
    turned_eighteen: CountAnswer = Field(description="Turned 18 in care in the period")
    turned_eighteen_without_plan: CountAnswer = Field(
        description="Turned 18 in care in the period without a continuity plan by the birthday"
    )
    plans: list[PlanKind] = Field(description="The continuity plans by kind")


async def read(source: FactRows, filters: Filters, today: date) -> TurningEighteen:
    types = (PLACEMENT_STARTED, PLACEMENT_ENDED, CONTINUITY_PLAN_RECORDED, TURNED_EIGHTEEN)
    figure = turning_eighteen(await source.facts_of(types), filters, today)
    return answer(TurningEighteen, filters, figure)


FIGURE = Figure(
    name="turning_eighteen",
    label="18-/18+",
    summary="18-/18+: youths in care turning 18 within six months without a continuity plan",
    description=turning_eighteen.__doc__,
    accepts=Accepts.CASES,
    answer=TurningEighteen,
    read=read,
)
