"""The figures computed from facts: waiting lists against capacity, inflow, advice versus
deployed care, 18-/18+; each the same in every order of the facts."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from jeugdketen_shared.contracts.plaatsing import ContinuityPlan
from ketenmonitor.facts import (
    CONTINUITY_PLAN_RECORDED,
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    TRIAGE_DECIDED,
    TURNED_EIGHTEEN,
)
from ketenmonitor.figures.capacity import waiting_against_capacity
from ketenmonitor.figures.capacity_history import CapacityReport
from ketenmonitor.figures.care_form_matrix import care_form_matrix
from ketenmonitor.figures.common import FactRow, Filters
from ketenmonitor.figures.inflow import Entries, inflow
from ketenmonitor.figures.suppression import Count
from ketenmonitor.figures.turning_eighteen import turning_eighteen
from ketenmonitor.figures.waiting_lists import Entry, Leaving

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
PROVIDER, OTHER = "12345678", "87654321"


def row(
    short_type: str,
    days: float,
    case: UUID | None = None,
    gemeente: str | None = "GM0153",
    kader: str | None = "vrijwillig",
    **data: Any,
) -> FactRow:
    return FactRow(
        type=short_type,
        case_id=case,
        occurred_at=T0 + timedelta(days=days),
        data=data,
        gemeente_code=gemeente if case else None,
        kader=kader if case else None,
    )


def the_same_in_every_order(rows: list[FactRow], compute: Any, tries: int = 60) -> Any:
    first = compute(rows)
    rng = random.Random(5)
    for _ in range(tries):
        shuffled = rows[:]
        rng.shuffle(shuffled)
        assert compute(shuffled) == first
    return first


def test_waiting_lists_against_the_latest_capacity_flag_brandhaarden() -> None:
    started = Entry("gezinshuis", PROVIDER, T0, T0 + timedelta(days=3), Leaving.STARTED_THERE)
    [gezinshuis, pleegzorg, unknown] = waiting_against_capacity(
        [
            *[Entry("gezinshuis", PROVIDER, T0)] * 14,
            started,
            *[Entry("pleegzorg", OTHER, T0)] * 12,
        ],
        [
            CapacityReport("pleegzorg", PROVIDER, T0, 8, 8),
            CapacityReport("gezinshuis", PROVIDER, T0, 30, 30),
            CapacityReport("gezinshuis", PROVIDER, T0 + timedelta(days=1), 20, 12),
        ],
        Filters(),
        (T0 + timedelta(days=3)).date(),
    )
    assert (gezinshuis.care_form, gezinshuis.provider) == ("gezinshuis", PROVIDER)
    assert gezinshuis.waiting == Count(14, False)
    assert (gezinshuis.places, gezinshuis.occupied, gezinshuis.free_places) == (20, 12, 8)
    assert gezinshuis.brandhaard is True
    # capacity without waiting: the count is a small cell, so the flag is not shown
    assert pleegzorg.waiting == Count(None, True)
    assert (pleegzorg.free_places, pleegzorg.brandhaard) == (0, None)
    # waiting without capacity: no flag either
    assert (unknown.waiting, unknown.free_places, unknown.brandhaard) == (
        Count(12, False),
        None,
        None,
    )


def test_inflow_per_month() -> None:
    figure = inflow(
        Entries(
            per_month={
                ("2026-03", "jeugdzorg-plus"): 10,
                ("2026-04", "3-milieuvoorziening"): 13,
                ("2026-04", "jeugdzorg-plus"): 1,
            },
        )
    )
    assert [(m.month, m.care_form, m.entries) for m in figure.per_month] == [
        # beside its total of 11, March's 10 would give away April's 1
        ("2026-03", "jeugdzorg-plus", Count(None, True)),
        ("2026-03", "3-milieuvoorziening", Count(None, True)),  # no entry: a zero, suppressed
        ("2026-04", "jeugdzorg-plus", Count(None, True)),
        # beside its total of 13 it says that March had none: that identifies no one
        ("2026-04", "3-milieuvoorziening", Count(13, False)),
    ]
    assert figure.totals == {
        "jeugdzorg-plus": Count(11, False),
        "3-milieuvoorziening": Count(13, False),
    }


def triaged(case: UUID, days: float, care_form: str) -> Any:
    return row(TRIAGE_DECIDED, days, case, recommended_care_form=care_form)


def placed(case: UUID, days: float, care_form: str, turns: str | None = None) -> Any:
    data = {"provider": PROVIDER, "care_form": care_form, "turns_eighteen_in": turns}
    return row(PLACEMENT_STARTED, days, case, **data)


def test_the_care_form_matrix_from_the_pairs() -> None:
    matrix = care_form_matrix(
        {
            ("gezinshuis", "gezinshuis"): 12,
            ("pleegzorg", "pleegzorg"): 10,
            ("3-milieuvoorziening", "jeugdzorg-plus"): 11,
            (None, "crisisopvang"): 1,
        }
    )
    cells = {(c.recommended, c.deployed): c.placements for c in matrix.cells}
    assert cells[("gezinshuis", "gezinshuis")] == Count(12, False)
    assert cells[(None, "crisisopvang")] == Count(None, True)
    assert len(cells) == 9 * 8
    # the deviating 11 beside 34 placements and 22 as advised would give away the 1 without
    # advice, and so would the one deviating cell (11); the 10 in pleegzorg beside the 12 in
    # gezinshuis would give away the one in crisisopvang
    assert (matrix.placements, matrix.as_advised, matrix.deviating) == (
        Count(34, False),
        Count(22, False),
        Count(None, True),
    )
    assert cells[("pleegzorg", "pleegzorg")] == Count(None, True)
    assert cells[("3-milieuvoorziening", "jeugdzorg-plus")] == Count(None, True)
    assert matrix.without_advice == Count(None, True)
    assert matrix.as_advised_share is None
    closed = care_form_matrix({("3-milieuvoorziening", "jeugdzorg-plus"): 11})
    assert (closed.placements, closed.as_advised_share) == (Count(11, False), None)


def planned(case: UUID, days: float, plan: str) -> Any:
    return row(CONTINUITY_PLAN_RECORDED, days, case, plan=plan)


def test_turning_eighteen_within_six_months_without_a_plan() -> None:
    rows = []
    on = date(2026, 3, 31)  # 2026-03-02 is day 0; the snapshot at day 29
    for _ in range(12):  # turning 18 in September 2026: within six months, no plan
        rows.append(placed(uuid4(), 0, "gezinshuis", "2026-09"))
    for _ in range(10):  # within six months, with a plan
        case = uuid4()
        rows += [placed(case, 0, "pleegzorg", "2026-04"), planned(case, 5, "wlz")]
    for _ in range(3):  # October: too far
        rows.append(placed(uuid4(), 0, "gezinshuis", "2026-10"))
    ended, turned, unknown = uuid4(), uuid4(), uuid4()
    rows += [placed(ended, 0, "gezinshuis", "2026-05"), row(PLACEMENT_ENDED, 10, ended)]
    rows += [placed(turned, 0, "gezinshuis", "2026-03")]
    rows += [row(TURNED_EIGHTEEN, 12, turned, continuity_plan_exists=False)]
    rows += [placed(unknown, 0, "gezinshuis")]
    figure = the_same_in_every_order(
        rows, lambda r: turning_eighteen(r, Filters(to_date=on), today=date(2030, 1, 1))
    )
    assert figure.on == on
    assert figure.in_care == Count(26, False)
    assert figure.birth_month_unknown == Count(None, True)
    # 22 soon 18 of the 26 in care would give away the 4 of unknown month or later; hidden,
    # the 10 with a plan beside the 12 without would give it away
    assert figure.turning_eighteen_soon == Count(None, True)
    assert figure.soon_with_plan == Count(None, True)
    assert figure.soon_without_plan == Count(12, False)
    assert figure.turned_eighteen == Count(None, True)
    # before the plans were recorded, the end of care and the 18th birthday: the 24 without
    # a plan of the 28 in care would give away the 4 of unknown month or later
    early = turning_eighteen(rows, Filters(), today=date(2026, 3, 4))
    assert early.soon_without_plan == Count(None, True)
    assert early.in_care == Count(28, False)


def test_the_plans_by_kind_of_those_soon_18_and_of_those_who_turned_18() -> None:
    rows = []
    for _ in range(12):  # soon 18, a plan for wmo revised to participatie
        case = uuid4()
        rows += [placed(case, 0, "gezinshuis", "2026-06"), planned(case, 1, "wmo-beschermd-wonen")]
        rows += [planned(case, 2, "participatie")]
    for _ in range(11):  # soon 18, their plan only after the snapshot
        case = uuid4()
        rows += [placed(case, 0, "gezinshuis", "2026-06"), planned(case, 40, "zvw")]
    for _ in range(13):  # turned 18 with a plan for participatie, made the day before
        case = uuid4()
        rows += [placed(case, 0, "pleegzorg", "2026-03"), planned(case, 9, "participatie")]
        rows += [row(TURNED_EIGHTEEN, 10, case, continuity_plan_exists=True)]
    for _ in range(10):  # turned 18; a plan followed the birthday
        case = uuid4()
        rows += [placed(case, 0, "pleegzorg", "2026-03"), planned(case, 11, "wlz")]
        rows += [row(TURNED_EIGHTEEN, 10, case, continuity_plan_exists=False)]
    figure = the_same_in_every_order(
        rows, lambda r: turning_eighteen(r, Filters(to_date=date(2026, 3, 31)), date(2030, 1, 1))
    )
    plans = {p.plan: (p.turning_eighteen_soon, p.turned_eighteen) for p in figure.plans}
    assert set(plans) == {plan.value for plan in ContinuityPlan}
    assert plans["participatie"] == (Count(12, False), Count(13, False))
    assert plans["wmo-beschermd-wonen"] == (Count(None, True), Count(None, True))  # revised: 0
    assert (figure.soon_with_plan, figure.soon_without_plan) == (Count(12, False), Count(11, False))
    assert (figure.turned_eighteen, figure.turned_eighteen_without_plan) == (
        Count(23, False),
        Count(10, False),
    )
