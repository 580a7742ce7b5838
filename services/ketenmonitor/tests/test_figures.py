"""The figures from rows: percentiles by nearest rank, small cells suppressed."""

from datetime import timedelta

import pytest

from ketenmonitor.figures.common import lead_time, percentile
from ketenmonitor.figures.lead_times import TRANSITIONS
from ketenmonitor.figures.moves_away_from_home import moves_away
from ketenmonitor.figures.placements import YouthsAway
from ketenmonitor.figures.stepping_stones import stepping_stones
from ketenmonitor.figures.suppression import SMALL_CELL, Count, suppressed

WACHTTIJD = next(t for t in TRANSITIONS if t.name == "triage-decision-to-placement-start")


def test_percentiles_by_nearest_rank() -> None:
    values = [timedelta(days=d) for d in range(1, 11)]
    assert percentile(values, 50) == timedelta(days=5)
    assert percentile(values, 90) == timedelta(days=9)
    assert percentile(values, 100) == timedelta(days=10)
    assert percentile([timedelta(days=3)], 50) == timedelta(days=3)
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_lead_time_of_ten_cases_in_days_whatever_the_order() -> None:
    durations = [timedelta(days=d, hours=12) for d in (9, 0, 3, 1, 8, 2, 7, 4, 6, 5)]
    figure = lead_time(WACHTTIJD, durations)
    assert figure.count == Count(10, False)
    assert (figure.p50_days, figure.p90_days, figure.max_days) == (4.5, 8.5, 9.5)


def test_fewer_than_ten_cases_are_suppressed_with_their_percentiles() -> None:
    figure = lead_time(WACHTTIJD, [timedelta(days=1)] * (SMALL_CELL - 1))
    assert figure.count == Count(None, True)
    assert (figure.p50_days, figure.p90_days, figure.max_days) == (None, None, None)
    assert suppressed(0, "table") == Count(None, True)
    assert suppressed(SMALL_CELL, "table") == Count(SMALL_CELL, False)


def test_stepping_stones_distribution_and_first_time_right() -> None:
    transfers = [0] * 30 + [1] * 12 + [2] * 3 + [4] * 10 + [7] * 5 + [12] * 11
    stones = stepping_stones(transfers, "placed-youths")
    assert stones.placed_youths == Count(71, False)
    assert {b.transfers: b.youths for b in stones.distribution} == {
        "0": Count(30, False),
        "1": Count(12, False),
        "2": Count(None, True),
        "3": Count(None, True),
        # shown, the 4 would give away that 8 youths moved 2, 3 or 5-9 times (71 - 30 - 12 - 11)
        "4": Count(None, True),
        "5-9": Count(None, True),
        "10+": Count(11, False),
    }
    assert stones.first_time_right == Count(30, False)
    assert stones.first_time_right_share == 30 / 71


def test_a_share_that_would_reveal_a_small_cell_is_suppressed() -> None:
    almost_all_right = stepping_stones([0] * 40 + [1] * 3, "placed-youths")
    # 43 placed and 40 right the first time would give away that 3 moved (issue 16)
    assert almost_all_right.placed_youths == Count(43, False)
    assert almost_all_right.first_time_right == Count(None, True)
    assert almost_all_right.first_time_right_share is None
    assert stepping_stones([], "placed-youths").placed_youths == Count(None, True)
    assert stepping_stones([], "placed-youths").first_time_right_share is None


def test_the_moves_are_hidden_where_they_would_reveal_a_hidden_group_of_youths() -> None:
    """50 youths never moved, 3 moved once and 5 twice: 58 youths and 13 moves would tell that
    1 x a + 2 x b = 13 with a + b = 8, so a = 3 and b = 5."""
    few = moves_away(
        YouthsAway({(0, False): 50, (1, True): 3, (2, True): 5}, {("pleegzorg", "gezinshuis"): 13})
    )
    assert few.youths.value == 58
    assert (few.moves.value, few.average_moves) == (None, None)
    assert all(direction.moves.suppressed for direction in few.directions)

    many = moves_away(
        YouthsAway(
            {(0, False): 50, (1, True): 10, (2, True): 10, (3, True): 10, (4, True): 10},
            {("pleegzorg", "jeugdzorg-plus"): 60, ("crisisopvang", "pleegzorg"): 40},
        )
    )
    assert (many.moves.value, many.average_moves) == (100, 100 / 90)
    assert {d.direction: d.moves.value for d in many.directions} == {
        "escalatie": 60,
        "afschaling": None,
        "zijwaarts": None,
        "crisis": 40,
    }
