"""The Regionaal Expertteam's figure from what the store counts: escalations per month and by
who escalated, and the advices' time, non-contracted care and maatwerkbudget."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from ketenmonitor.figures.common import Spread, spread
from ketenmonitor.figures.ret_escalations import RetRows, ret_escalations
from ketenmonitor.figures.suppression import Count

HIDDEN = Count(None, True)


def rows(**changed: Any) -> RetRows:
    return replace(RetRows({}, 0, 0, 0, Spread(0)), **changed)


def test_escalations_per_month_and_who_escalated_each_sum_to_their_totals() -> None:
    figure = ret_escalations(
        rows(
            escalations={
                ("triagetafel", "2026-03"): 20,
                ("gemeente", "2026-03"): 11,
                ("triagetafel", "2026-04"): 15,
                ("gemeente", "2026-04"): 12,
            }
        )
    )
    assert [(m.month, m.escalated_by, m.escalations) for m in figure.per_month] == [
        ("2026-03", "triagetafel", Count(20, False)),
        ("2026-03", "gemeente", Count(11, False)),
        ("2026-03", "aanbieder", HIDDEN),  # none: that identifies no one, yet it is small
        ("2026-04", "triagetafel", Count(15, False)),
        ("2026-04", "gemeente", Count(12, False)),
        ("2026-04", "aanbieder", HIDDEN),
    ]
    assert figure.per_escalator == {
        "triagetafel": Count(35, False),
        "gemeente": Count(23, False),
        "aanbieder": HIDDEN,
    }
    assert figure.escalations == Count(58, False)


def test_a_few_escalations_by_providers_stay_hidden_beside_all_escalations() -> None:
    figure = ret_escalations(
        rows(
            escalations={
                ("triagetafel", "2026-03"): 20,
                ("gemeente", "2026-03"): 11,
                ("aanbieder", "2026-04"): 3,
            }
        )
    )
    assert figure.per_escalator["aanbieder"] == HIDDEN
    others = (figure.escalations, figure.per_escalator["triagetafel"])
    others += (figure.per_escalator["gemeente"],)
    assert any(count.suppressed for count in others)  # else 3 = all minus the others


def test_the_advices_shares_and_time_to_advice() -> None:
    figure = ret_escalations(
        rows(
            advices=40,
            non_contracted_care=12,
            maatwerkbudget_granted=20,
            to_advice=spread(timedelta(days=d) for d in range(1, 41)),
        )
    )
    assert figure.advices == Count(40, False)
    assert figure.non_contracted_share == 12 / 40
    assert figure.maatwerkbudget_share == 20 / 40
    assert figure.time_to_advice.count == Count(40, False)
    assert figure.time_to_advice.p50_days == 20
    assert figure.time_to_advice.p90_days == 36


def test_a_part_that_would_give_away_a_small_rest_is_hidden_with_its_share() -> None:
    # 12 advices of which 10 with a maatwerkbudget: the 2 without would follow from the two
    figure = ret_escalations(rows(advices=12, non_contracted_care=0, maatwerkbudget_granted=10))
    assert figure.advices == Count(12, False)
    assert figure.maatwerkbudget_granted == HIDDEN
    assert figure.maatwerkbudget_share is None
    assert figure.non_contracted_care == HIDDEN  # none: a zero is hidden as any small count


def test_the_time_to_advice_is_hidden_with_few_advices() -> None:
    figure = ret_escalations(
        rows(advices=4, to_advice=spread(timedelta(days=d) for d in range(1, 5)))
    )
    assert figure.time_to_advice.count == HIDDEN
    assert figure.time_to_advice.p50_days is None
    assert figure.time_to_advice.max_days is None
