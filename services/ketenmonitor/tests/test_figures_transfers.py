"""Transfers within the rolling 12 months and their reasons, from the store's counts: pure."""

from datetime import date

from ketenmonitor.figures.stepping_stones import TransferCounts, transfers, twelve_months_before


def test_twelve_calendar_months_ending_with_the_day() -> None:
    assert twelve_months_before(date(2025, 12, 31)) == date(2025, 1, 1)
    assert twelve_months_before(date(2025, 6, 15)) == date(2024, 6, 16)
    assert twelve_months_before(date(2028, 2, 29)) == date(2027, 3, 1)


def test_the_distribution_within_the_window_and_small_reasons_suppressed() -> None:
    found = TransferCounts(within={0: 3, 1: 12, 12: 10}, reasons={"escalatie": 14, "capaciteit": 9})
    figure = transfers(found, date(2026, 6, 30))
    assert (figure.on, figure.window_from) == (date(2026, 6, 30), date(2025, 7, 1))
    by = {b.transfers: b.youths.value for b in figure.rolling_12_months.distribution}
    # the 10+ beside the 12 would give away that 3 of the 25 moved 0 or 2-9 times
    assert (by["0"], by["1"], by["2"], by["10+"]) == (None, 12, None, None)
    assert figure.rolling_12_months.placed_youths.value == 25
    assert [(r.reason, r.transfers.value) for r in figure.reasons] == [
        ("capaciteit", None),
        ("escalatie", 14),
    ]


def test_no_placed_youth_no_reason() -> None:
    figure = transfers(TransferCounts(within={}, reasons={}), date(2025, 12, 31))
    assert figure.rolling_12_months.placed_youths.value is None
    assert figure.reasons == ()
