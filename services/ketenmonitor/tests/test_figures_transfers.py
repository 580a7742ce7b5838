"""Transfers within the rolling 12 months and their reasons, from facts: pure."""

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from ketenmonitor.chain_figures import FactRow
from ketenmonitor.figures import Filters
from ketenmonitor.transfer_figures import transfers, twelve_months_before

T0 = datetime(2025, 1, 10, 9, tzinfo=UTC)


def started(youth: str, at: datetime, gemeente: str = "GM0153") -> FactRow:
    data = {"youth_pseudonym": youth, "care_form": "gezinshuis", "provider": "12345678"}
    return FactRow("plaatsing.placement-started", uuid4(), at, data, gemeente, "vrijwillig")


def moved(youth: str, at: datetime, reason: str = "escalatie") -> FactRow:
    data = {"youth_pseudonym": youth, "reason": reason}
    return FactRow("plaatsing.transferred", uuid4(), at, data, "GM0153", "vrijwillig")


def test_twelve_calendar_months_ending_with_the_day() -> None:
    assert twelve_months_before(date(2025, 12, 31)) == date(2025, 1, 1)
    assert twelve_months_before(date(2025, 6, 15)) == date(2024, 6, 16)
    assert twelve_months_before(date(2028, 2, 29)) == date(2027, 3, 1)


def test_only_transfers_within_the_window_count_and_every_reason_is_counted() -> None:
    rows = []
    for n in range(12):
        youth = f"y{n}"
        rows.append(started(youth, T0))
        rows.append(moved(youth, T0 + timedelta(days=30), "escalatie"))  # before the window
        rows.append(moved(youth, datetime(2026, 3, 1, 12, tzinfo=UTC), "capaciteit"))
    rows += [started("z", T0, "GM0164"), moved("z", T0 + timedelta(days=2), "capaciteit")]
    on = date(2026, 6, 30)
    for order in (rows, rows[::-1]):
        figure = transfers(order, Filters(gemeente_code="GM0153"), on)
        assert figure.window_from == date(2025, 7, 1)
        by = {b.transfers: b.youths.value for b in figure.rolling_12_months.distribution}
        assert (by["0"], by["1"], by["2"]) == (None, 12, None)
        assert [(r.reason, r.transfers.value) for r in figure.reasons] == [
            ("capaciteit", 12),
            ("escalatie", 12),
        ]


def test_the_window_includes_its_last_day_and_small_reasons_are_suppressed() -> None:
    end = datetime(2026, 6, 30, 21, 59, tzinfo=UTC)  # 23:59 in Amsterdam
    rows = [started(f"y{n}", T0) for n in range(10)]
    rows += [moved(f"y{n}", end) for n in range(10)]
    rows += [moved("y0", end + timedelta(minutes=2), "capaciteit")]  # the next day there
    for order in itertools.islice(itertools.permutations(rows[-3:]), 6):
        figure = transfers([*rows[:-3], *order], Filters(), date(2026, 6, 30))
        by = {b.transfers: b.youths.value for b in figure.rolling_12_months.distribution}
        assert by["1"] == 10
        assert [(r.reason, r.transfers.suppressed) for r in figure.reasons] == [
            ("capaciteit", True),
            ("escalatie", False),
        ]


def test_youths_first_placed_outside_the_period_are_not_counted() -> None:
    rows = [started(f"y{n}", T0) for n in range(10)]
    rows += [started(f"y{n}", T0 - timedelta(days=400)) for n in range(5)]  # placed before
    figure = transfers(rows, Filters(from_date=date(2025, 1, 1)), date(2025, 12, 31))
    by = {b.transfers: b.youths.value for b in figure.rolling_12_months.distribution}
    assert by["0"] is None  # y5 to y9 only: five youths, a small cell
    assert figure.reasons == ()
