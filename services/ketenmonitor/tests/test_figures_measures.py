"""The figures of the gedwongen kader from the measure facts: in-, uitstroom and stand per
month, the measures' durations, how voorlopige OTS stopped, the time from the Raad's request
to the measure, and the inflow per gemeente; and what the kader filter means for them."""

from collections.abc import Hashable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from ketenmonitor.facts import (
    PROTECTION_MEASURE_ENDED,
    PROTECTION_MEASURE_EXTENDED,
    PROTECTION_MEASURE_IMPOSED,
    RVDK_INVESTIGATION_REQUESTED,
    VOORLOPIGE_OTS_EXPIRED,
    Stretch,
)
from ketenmonitor.figures.common import FactRow, Filters
from ketenmonitor.figures.gedwongen_inflow import gedwongen_inflow
from ketenmonitor.figures.measure_durations import measure_durations
from ketenmonitor.figures.measures import measures_of_cases
from ketenmonitor.figures.measures_over_time import measures_over_time
from ketenmonitor.figures.rvdk_to_measure import rvdk_to_measure
from ketenmonitor.figures.suppression import Count, Linkage, linked
from ketenmonitor.figures.voorlopige_ots import voorlopige_ots

Q1 = Filters(date(2026, 1, 1), date(2026, 3, 31))
Q2 = Filters(date(2026, 4, 1), date(2026, 6, 30))
HIDDEN = Count(None, True)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, tzinfo=UTC)


def row(kind: str, moment: datetime, case: UUID, gemeente: str = "GM0153", **data: Any) -> FactRow:
    return FactRow(kind, case, moment, data, gemeente_code=gemeente, kader="vrijwillig")


def imposed(moment: datetime, case: UUID, measure: str, previous: str | None = None) -> FactRow:
    return row(PROTECTION_MEASURE_IMPOSED, moment, case, measure=measure, previous_measure=previous)


def chain() -> list[FactRow]:
    """15 OTS from December, 12 of them extended in February; 20 voorlopige OTS from January,
    12 followed up by an OTS in February, 8 expiring in April."""
    rows = []
    for n in range(15):
        case = uuid4()
        rows.append(imposed(at(12, 10, 2025), case, "ots"))
        if n < 12:
            rows.append(row(PROTECTION_MEASURE_EXTENDED, at(2, 3), case, measure="ots"))
    for n in range(20):
        case = uuid4()
        rows.append(imposed(at(1, 10), case, "voorlopige-ots"))
        if n < 12:
            rows.append(imposed(at(2, 20), case, "ots", previous="voorlopige-ots"))
        else:
            rows.append(row(VOORLOPIGE_OTS_EXPIRED, at(4, 10), case))
    return rows


def months_of(figure: Any, measure: str) -> dict[str, tuple[Count, ...]]:
    return {
        m.month: (m.imposed, m.ended, m.in_force, m.running, m.extended)
        for m in figure.per_month
        if m.measure == measure
    }


def shown(n: int) -> Count:
    return Count(n, False)


def test_in_and_outflow_and_the_stock_per_month_tie_together() -> None:
    figure = measures_over_time(measures_of_cases(chain()), Q1, on=date(2026, 3, 31))
    assert months_of(figure, "ots") == {
        "2026-01": (HIDDEN, HIDDEN, shown(15), shown(15), HIDDEN),
        "2026-02": (shown(12), HIDDEN, shown(27), shown(27), shown(12)),
        "2026-03": (HIDDEN, HIDDEN, shown(27), shown(27), HIDDEN),
    }
    [ots] = [m for m in figure.measures if m.measure == "ots"]
    assert (ots.running_at_start, ots.imposed, ots.running_at_end) == (
        shown(15),
        shown(12),
        shown(27),
    )
    voorlopig = months_of(figure, "voorlopige-ots")
    assert voorlopig["2026-01"][:4] == (shown(20), HIDDEN, shown(20), shown(20))
    # 8 still running in February: hidden, and so the 12 that stopped, which 20 - 12 would give
    assert (voorlopig["2026-02"][1], voorlopig["2026-02"][3]) == (HIDDEN, HIDDEN)


def test_a_measure_is_gedwongen_at_every_step_so_vrijwillig_counts_none() -> None:
    cases = measures_of_cases(chain())
    everything = measures_over_time(cases, Q1, on=date(2026, 3, 31))
    gedwongen = measures_over_time(
        cases, Filters(Q1.from_date, Q1.to_date, kader="gedwongen"), date(2026, 3, 31)
    )
    vrijwillig = measures_over_time(
        cases, Filters(Q1.from_date, Q1.to_date, kader="vrijwillig"), date(2026, 3, 31)
    )
    assert gedwongen == everything
    assert all(m.in_force == HIDDEN for m in vrijwillig.per_month)
    elsewhere = measures_over_time(
        cases, Filters(Q1.from_date, Q1.to_date, "GM0164"), date(2026, 3, 31)
    )
    assert all(m.in_force == HIDDEN for m in elsewhere.per_month)


def test_durations_of_the_ended_and_the_age_of_the_running() -> None:
    figure = measure_durations(measures_of_cases(chain()), Q1, on=date(2026, 3, 31))
    ended = {lead.transition: lead for lead in figure.ended}
    # the 12 voorlopige OTS followed up on 20 February ran 41 days; the others still run
    assert ended["voorlopige-ots"].count == shown(12)
    assert ended["voorlopige-ots"].p50_days == ended["voorlopige-ots"].p90_days == 41
    assert ended["ots"].count == HIDDEN
    assert ended["ots"].p50_days is None
    running = {r.measure: r for r in figure.running}
    assert running["ots"].running == shown(27)
    assert running["ots"].by_age["3-to-12-months"] == shown(15)  # since 10 December
    assert running["ots"].by_age["under-3-months"] == shown(12)  # since 20 February


def test_how_voorlopige_ots_stopped_and_the_share_that_became_an_ots() -> None:
    rows = chain()
    for _n in range(10):
        case = uuid4()
        rows.append(imposed(at(1, 5), case, "voorlopige-ots"))
        rows.append(row(PROTECTION_MEASURE_ENDED, at(3, 1), case, measure="voorlopige-ots"))
    for _ in range(10):
        case = uuid4()
        rows.append(imposed(at(1, 5), case, "voorlopige-ots"))
        rows.append(imposed(at(3, 2), case, "voogdij", previous="voorlopige-ots"))
    figure = voorlopige_ots(measures_of_cases(rows), Q1, date(2026, 3, 31))
    assert (figure.stopped, figure.became_ots, figure.became_voogdij, figure.ended) == (
        shown(32),
        shown(12),
        shown(10),
        shown(10),
    )
    assert figure.expired == HIDDEN  # the 8 expire in April, after the quarter: none in it
    assert figure.became_ots_share == 12 / 32
    # in the second quarter only the 8 expired ones stopped: hidden, and their share with them
    later = voorlopige_ots(measures_of_cases(rows), Q2, date(2026, 6, 30))
    assert later.stopped == HIDDEN
    assert later.became_ots_share is None


def test_from_the_request_to_the_first_measure_after_it_by_that_measure() -> None:
    rows = []
    for _n in range(12):
        case = uuid4()
        rows.append(row(RVDK_INVESTIGATION_REQUESTED, at(1, 1), case))
        rows.append(imposed(at(1, 31), case, "ots"))
    for _n in range(11):
        case = uuid4()
        # a voorlopige OTS first, the request after it: the OTS that followed is the outcome
        rows.append(imposed(at(1, 1), case, "voorlopige-ots"))
        rows.append(row(RVDK_INVESTIGATION_REQUESTED, at(1, 3), case))
        rows.append(
            row(RVDK_INVESTIGATION_REQUESTED, at(1, 20), case)
        )  # a second: the first counts
        rows.append(imposed(at(2, 2), case, "ots", previous="voorlopige-ots"))
    figure = rvdk_to_measure(rows, Q1)
    assert figure.all.count == shown(23)
    measures = {lead.transition: lead for lead in figure.measures}
    assert measures["ots"].count == shown(23)
    assert (measures["ots"].p50_days, measures["ots"].p90_days) == (30, 30)
    assert measures["voorlopige-ots"].count == HIDDEN


def test_inflow_per_gemeente_counts_each_case_once() -> None:
    rows = []
    for gemeente, cases in (("GM0153", 12), ("GM0164", 11), ("GM0141", 3)):
        for _ in range(cases):
            case = uuid4()
            stretches = (Stretch(at(1, 5), at(2, 1)), Stretch(at(3, 1), None))  # twice in Q1
            for moment in (at(1, 5), at(3, 1)):
                rows.append(
                    FactRow(
                        PROTECTION_MEASURE_IMPOSED,
                        case,
                        moment,
                        {"measure": "ots"},
                        gemeente,
                        "vrijwillig",
                        stretches,
                    )
                )
    figure = gedwongen_inflow(rows, Q1)
    assert figure.per_gemeente["GM0153"] == shown(12)
    assert figure.per_gemeente["GM0141"] == HIDDEN
    # the region's 26 less 12 and 11 would give the 3 away: one of those two is hidden too
    assert HIDDEN in (figure.entered, figure.per_gemeente["GM0164"])
    assert gedwongen_inflow(rows, Filters(kader="vrijwillig")).per_gemeente["GM0153"] == HIDDEN


def tables_of(compute: Any, *periods: Filters) -> list[Mapping[Hashable, int]]:
    """The counts each answer gives the suppression, as a family of answers links them."""
    found = []
    for period in periods:
        with linked(Linkage()) as linkage:
            compute(period)
        found.append({k: n for table in linkage.tables.values() for k, n in table.counts.items()})
    return found


def test_a_stock_is_one_count_in_every_answer_of_a_family_that_shows_it() -> None:
    # the second quarter's start is the year's end of March; the year's end its last quarter's
    cases = measures_of_cases(chain())
    year = Filters(date(2026, 1, 1), date(2026, 12, 31))
    in_year, in_q2 = tables_of(lambda f: measures_over_time(cases, f, f.to_date), year, Q2)
    start = {key: n for key, n in in_q2.items() if key[0] == "running" and key[2] == "2026-03"}
    assert start["running", "ots", "2026-03"] == 27
    assert all(in_year[key] == n for key, n in start.items())
    q4 = Filters(date(2026, 10, 1), date(2026, 12, 31))
    in_year, in_q4 = tables_of(lambda f: measure_durations(cases, f, f.to_date), year, q4)
    running = {key: n for key, n in in_q4.items() if key[0] == "running"}
    assert running["running", "ots", "2026-12-31"] == 27
    assert all(in_year[key] == n for key, n in running.items())
