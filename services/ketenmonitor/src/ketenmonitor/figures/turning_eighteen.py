"""18-/18+: youths in care turning 18 within six months, with and without a continuity plan,
and those who turned 18 in care; from the facts themselves (the sealed birth months are
unsealed by the projection)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from uuid import UUID

import orjson
from pydantic import BaseModel, Field

from jeugdketen_shared.contracts.fields import AMSTERDAM
from ketenmonitor.facts import (
    CONTINUITY_PLAN_RECORDED,
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    PREFIX,
    TURNED_EIGHTEEN,
    Stretch,
)
from ketenmonitor.figures.common import (
    Database,
    FactRow,
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


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def turning_eighteen(rows: Iterable[FactRow], filters: Filters, today: date) -> Snapshot:
    """Counts only: which cases they are is for the werkgroep, later. The kader filter: a
    youth in care by the case's kader at the end of `on`, a youth who turned 18 by its kader
    at that moment."""
    on = filters.to_date or today
    cutoff = datetime.combine(on + timedelta(days=1), time(), tzinfo=AMSTERDAM)
    started: dict[UUID, list[FactRow]] = {}
    ended: dict[UUID, list[datetime]] = {}
    planned: set[UUID] = set()
    turned: dict[UUID, datetime] = {}
    turned_in_period: list[FactRow] = []
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
            turned_in_period.append(row)
        if row.occurred_at >= cutoff or not of_case(row, filters, cutoff):
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
    turned_unplanned = sum(1 for r in turned_in_period if not r.data.get("continuity_plan_exists"))
    # suppressed together: the youths in care are those of unknown month, soon 18 and later;
    # soon 18 those with a plan and without; turned 18 those with a plan and without
    shown = protect(
        {
            "in_care": in_care,
            "unknown": unknown,
            "soon": soon,
            "later": in_care - unknown - soon,
            "soon_with": soon_planned,
            "soon_without": soon - soon_planned,
            "turned": len(turned_in_period),
            "turned_with": len(turned_in_period) - turned_unplanned,
            "turned_without": turned_unplanned,
        },
        [
            Sum("in_care", ("unknown", "soon", "later")),
            Sum("soon", ("soon_with", "soon_without")),
            Sum("turned", ("turned_with", "turned_without")),
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
    )


# $1 event types (full CloudEvent types): the facts of those types, with the gemeente and kader
# of their case: 18-/18+ is computed from the facts themselves
SELECT_FACTS_OF_TYPES = """
SELECT f.type, f.case_id, f.occurred_at, f.data, c.gemeente_code, c.kader
FROM facts f
LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.type = ANY($1::text[])
"""

# every case's stretches in the gedwongen kader: a small table (the cases with a measure), read
# whole rather than beside each fact
SELECT_GEDWONGEN_STRETCHES = "SELECT case_id, since, until FROM gedwongen_stretches"


async def select_facts_of(connection: Database, types: Sequence[str]) -> list[FactRow]:
    """Every fact of the given short types (`plaatsing.placement-started`), with its case's
    gemeente, declared kader and stretches in the gedwongen kader."""
    rows = await connection.fetch(SELECT_FACTS_OF_TYPES, [PREFIX + t for t in types])
    stretches: dict[UUID, list[Stretch]] = {}
    for stretch in await connection.fetch(SELECT_GEDWONGEN_STRETCHES):
        stretches.setdefault(stretch["case_id"], []).append(
            Stretch(stretch["since"], stretch["until"])
        )
    return [
        FactRow(
            type=row["type"].removeprefix(PREFIX),
            case_id=row["case_id"],
            occurred_at=row["occurred_at"],
            data=orjson.loads(row["data"]),
            gemeente_code=row["gemeente_code"],
            kader=row["kader"],
            gedwongen=tuple(stretches.get(row["case_id"], ())),
        )
        for row in rows
    ]


class Rows(Protocol):
    async def facts_of(self, types: Sequence[str]) -> list[FactRow]: ...


class TurningEighteen(BaseModel):
    filters: AppliedFilters
    on: date = Field(description="The snapshot's day: `to`, or today")
    in_care: CountAnswer
    birth_month_unknown: CountAnswer
    turning_eighteen_soon: CountAnswer = Field(description="Turning 18 within six months of `on`")
    soon_with_plan: CountAnswer
    soon_without_plan: CountAnswer = Field(description="Turning 18 soon without a continuity plan")
    turned_eighteen: CountAnswer = Field(description="Turned 18 in care in the period")
    turned_eighteen_without_plan: CountAnswer


async def read(source: Rows, filters: Filters, today: date) -> TurningEighteen:
    types = (PLACEMENT_STARTED, PLACEMENT_ENDED, CONTINUITY_PLAN_RECORDED, TURNED_EIGHTEEN)
    figure = turning_eighteen(await source.facts_of(types), filters, today)
    return answer(TurningEighteen, filters, figure)


FIGURE = Figure(
    name="turning_eighteen",
    path="/v1/turning-eighteen",
    label="18-/18+",
    summary="18-/18+: youths in care turning 18 within six months without a continuity plan",
    description=turning_eighteen.__doc__,
    accepts=Accepts.CASES,
    answer=TurningEighteen,
    read=read,
)
