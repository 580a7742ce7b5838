"""The waiting lists' and the capacity's figures over time, from their entries and reports."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketenmonitor.figures.capacity_history import CapacityReport, capacity_history
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.suppression import Count
from ketenmonitor.figures.waiting_lists import (
    DaySpread,
    Entry,
    Leaving,
    OpenEntries,
    waiting_lists,
)

T0 = datetime(2026, 1, 10, 9, tzinfo=UTC)
PROVIDER = "12345678"
TODAY = date(2026, 3, 15)


def entry(requested: float, left: float | None = None, way: Leaving | None = None) -> Entry:
    return Entry(
        "gezinshuis",
        PROVIDER,
        T0 + timedelta(days=requested),
        None if left is None else T0 + timedelta(days=left),
        way,
    )


def test_entries_leave_their_list_four_ways_and_those_that_started_there_waited() -> None:
    started = [entry(0, 10 + n, Leaving.STARTED_THERE) for n in range(12)]
    others = [entry(0, 5, Leaving.WITHDRAWN)] * 6 + [entry(0, 6, Leaving.STARTED_ELSEWHERE)] * 5
    still = [entry(n, None) for n in range(10)]
    figure = waiting_lists([*started, *others, *still], Filters(), TODAY)
    [found] = figure.waiting_lists
    assert (found.left, found.started_there) == (Count(23, False), Count(12, False))
    # the small ways are hidden; together they are 11, so the sum gives none away
    assert (found.withdrawn, found.started_elsewhere, found.care_ended) == (Count(None, True),) * 3
    assert found.waiting_time == DaySpread(15.0, 20.0, 21.0)
    assert found.still_waiting == Count(10, False)
    end = datetime(2026, 3, 15, 23, tzinfo=UTC)  # midnight after TODAY in Amsterdam

    def age(requested: int) -> float:
        return (end - (T0 + timedelta(days=requested))).total_seconds() / 86_400

    assert found.age_of_open == DaySpread(age(5), age(1), age(0))


def test_the_list_at_the_end_of_every_month_of_the_period() -> None:
    # requested 10 January; half leave on 20 February, the rest wait
    entries = [entry(0, 41, Leaving.STARTED_THERE)] * 10 + [entry(0)] * 12
    figure = waiting_lists(entries, Filters(), TODAY)
    assert [(m.month, m.waiting) for m in figure.per_month] == [
        ("2026-01", Count(22, False)),
        ("2026-02", Count(12, False)),
        ("2026-03", Count(12, False)),
    ]
    before = waiting_lists(entries, Filters(from_date=date(2025, 12, 1)), date(2026, 1, 9))
    assert [(m.month, m.waiting) for m in before.per_month] == [
        ("2025-12", Count(None, True)),
        ("2026-01", Count(None, True)),
    ]
    assert [w.still_waiting for w in before.waiting_lists] == [Count(None, True)]


def test_a_waiting_time_is_counted_in_the_period_the_youth_started() -> None:
    entries = [entry(0, 40, Leaving.STARTED_THERE)] * 10
    january = waiting_lists(entries, Filters(to_date=date(2026, 1, 31)), TODAY)
    february = waiting_lists(entries, Filters(from_date=date(2026, 2, 1)), TODAY)
    assert january.waiting_lists[0].waiting_time == DaySpread()
    assert january.waiting_lists[0].still_waiting == Count(10, False)
    assert february.waiting_lists[0].waiting_time == DaySpread(40.0, 40.0, 40.0)


@given(
    st.lists(st.tuples(st.integers(0, 60), st.none() | st.integers(0, 30)), max_size=30),
    st.integers(-1, 95),
)
def test_the_entries_open_at_a_moment_are_counted_as_each_entry_says(
    spans: list[tuple[int, int | None]], moment: int
) -> None:
    entries = [entry(start, None if length is None else start + length) for start, length in spans]
    at = T0 + timedelta(days=moment)
    assert OpenEntries(entries).at(at) == sum(e.open_at(at) for e in entries)


def test_the_capacity_of_every_month_is_its_latest_report() -> None:
    def report(day: int, places: int, occupied: int) -> CapacityReport:
        return CapacityReport("gezinshuis", PROVIDER, T0 + timedelta(days=day), places, occupied)

    reports = [report(0, 10, 9), report(20, 12, 12), report(40, 12, 8), report(70, 12, 3)]
    figure = capacity_history(reports, Filters(to_date=date(2026, 3, 20)), TODAY)
    assert [
        (m.month, m.places, m.occupied, m.free_places, m.reported_on) for m in figure.per_month
    ] == [
        ("2026-01", 12, 12, 0, date(2026, 1, 30)),
        ("2026-02", 12, 8, 4, date(2026, 2, 19)),
        ("2026-03", 12, 8, 4, date(2026, 2, 19)),  # the report of 21 March is after `to`
    ]
    later = capacity_history(reports, Filters(from_date=date(2026, 3, 1)), TODAY)
    assert [(m.month, m.free_places) for m in later.per_month] == [("2026-03", 4)]
    assert capacity_history([], Filters(), TODAY).per_month == ()
