"""Verblijfsduur per zorgvorm from the stays' spreads the store computes."""

from datetime import date, timedelta

from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.figures.common import spread
from ketenmonitor.figures.placement_durations import ENDED, OPEN, durations
from ketenmonitor.figures.suppression import Count

ON = date(2026, 3, 31)


def test_every_care_form_with_its_ended_and_open_stays_in_days() -> None:
    found = durations(
        {
            (ENDED.name, "gezinshuis"): spread(timedelta(days=10 * n) for n in range(1, 11)),
            (OPEN.name, "gezinshuis"): spread(timedelta(days=n, hours=12) for n in range(20)),
        },
        ON,
    )
    assert found.on == ON
    assert [f.care_form for f in found.care_forms] == [form.value for form in CareForm]
    [gezinshuis] = [f for f in found.care_forms if f.care_form == "gezinshuis"]
    ended, still = gezinshuis.ended, gezinshuis.open
    assert (ended.transition, ended.count) == (ENDED.name, Count(10, False))
    # nearest rank: the 5th and 9th of ten
    assert (ended.p50_days, ended.p90_days, ended.max_days) == (50.0, 90.0, 100.0)
    assert (still.transition, still.count) == (OPEN.name, Count(20, False))
    assert (still.p50_days, still.p90_days, still.max_days) == (9.5, 17.5, 19.5)


def test_a_small_count_hides_its_percentiles_and_an_absent_care_form_counts_none() -> None:
    found = durations(
        {
            (ENDED.name, "pleegzorg"): spread(timedelta(days=n) for n in range(1, 10)),
            (OPEN.name, "pleegzorg"): spread(timedelta(days=n) for n in range(1, 31)),
        },
        ON,
    )
    [pleegzorg] = [f for f in found.care_forms if f.care_form == "pleegzorg"]
    assert pleegzorg.ended.count == Count(None, True)
    assert (pleegzorg.ended.p50_days, pleegzorg.ended.max_days) == (None, None)
    assert pleegzorg.open.count == Count(30, False)  # no sum ties it to the hidden nine
    [crisis] = [f for f in found.care_forms if f.care_form == "crisisopvang"]
    assert (crisis.ended.count, crisis.open.count) == (Count(None, True), Count(None, True))
