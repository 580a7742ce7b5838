"""The figures from rows: percentiles by nearest rank, small cells suppressed."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ketenmonitor.facts import Stretch
from ketenmonitor.figures.common import Filters, lead_time, percentile
from ketenmonitor.figures.kader_changes import KaderCase, kader_changes
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


HIDDEN = Count(None, True)


def test_moves_between_the_kaders_count_cases_and_take_the_kader_at_the_move() -> None:
    def at(month: int, day: int = 15) -> datetime:
        return datetime(2025, month, day, 12, tzinfo=UTC)

    stretch = Stretch
    cases = (
        # vrijwillig, a measure in March that ends in May: in and back in the second quarter
        [KaderCase("vrijwillig", (stretch(at(4), at(5)),))] * 11
        # a measure in April still running
        + [KaderCase("vrijwillig", (stretch(at(4), None),))] * 12
        # declared gedwongen: its measure's start is no move, its end in June is
        + [KaderCase("gedwongen", (stretch(at(1), at(6)),))] * 13
        # a second measure after the first ended: twice in the quarter, counted once
        + [KaderCase("gedwongen", (stretch(at(4, 1), at(4, 2)), stretch(at(5), None)))] * 14
        # no kader declared (known to Veilig Thuis only): not from vrijwillig
        + [KaderCase(None, (stretch(at(4), None),))] * 15
    )
    quarter = Filters(date(2025, 4, 1), date(2025, 6, 30))
    found = kader_changes(cases, quarter, date(2026, 1, 1))
    assert found.into_gedwongen == Count(11 + 12 + 14, False)
    assert found.still_gedwongen == Count(12 + 14, False)
    assert found.back_to_vrijwillig == Count(11, False)
    assert found.to_vrijwillig == Count(11 + 13 + 14, False)
    # by the kader at the move: into gedwongen, out of it vrijwillig
    gedwongen = kader_changes(cases, Filters(kader="gedwongen"), date(2026, 1, 1))
    assert (gedwongen.into_gedwongen, gedwongen.to_vrijwillig) == (Count(37, False), HIDDEN)
    vrijwillig = kader_changes(cases, Filters(kader="vrijwillig"), date(2026, 1, 1))
    assert (vrijwillig.into_gedwongen, vrijwillig.to_vrijwillig) == (HIDDEN, Count(38, False))
