"""Thuis, tenzij as CBS counts it: youths in jeugdhulp with and without verblijf, a youth in
both counted in each and once in all, for the period and per month, and no count that the
others give away."""

from datetime import UTC, date, datetime, timedelta

from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.suppression import Count
from ketenmonitor.figures.thuis_tenzij import Jeugdhulp, thuis_tenzij

MARCH = datetime(2026, 3, 2, 9, tzinfo=UTC)
QUARTER = Filters(date(2026, 1, 1), date(2026, 3, 31))


def youths(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{i}" for i in range(n)]


def test_a_youth_with_and_without_verblijf_counts_in_both_and_once_in_all() -> None:
    found = [
        # 25 helped at home from February on, 12 of them placed away from home in March
        *(Jeugdhulp(y, False, MARCH - timedelta(days=20), None) for y in youths("a", 25)),
        *(Jeugdhulp(y, True, MARCH, None) for y in youths("a", 12)),
        # 15 with lokale basishulp in January: on the day of the decision only
        *(
            Jeugdhulp(y, False, MARCH - timedelta(days=50), MARCH - timedelta(days=50))
            for y in youths("b", 15)
        ),
        # 11 placed from December to January
        *(
            Jeugdhulp(y, True, MARCH - timedelta(days=90), MARCH - timedelta(days=30))
            for y in youths("c", 11)
        ),
        # ended before the quarter, began after it: not in it
        Jeugdhulp("d", True, MARCH - timedelta(days=200), MARCH - timedelta(days=100)),
        Jeugdhulp("e", False, MARCH + timedelta(days=40), None),
    ]
    figure = thuis_tenzij(found, QUARTER, today=date(2030, 1, 1))
    assert (figure.youths, figure.without_verblijf, figure.with_verblijf) == (
        Count(51, False),
        Count(40, False),
        Count(23, False),
    )
    assert figure.with_and_without_verblijf == Count(12, False)
    assert figure.with_verblijf_share == 23 / 51
    months = {m.month: (m.youths, m.without_verblijf, m.with_verblijf) for m in figure.per_month}
    assert months == {
        "2026-01": (Count(26, False), Count(15, False), Count(11, False)),
        # nobody away from home in February: a nought, hidden (and given away: it is no one)
        "2026-02": (Count(25, False), Count(25, False), Count(None, True)),
        "2026-03": (Count(25, False), Count(25, False), Count(12, False)),
    }


def test_the_youths_in_both_are_not_given_away_by_the_totals() -> None:
    # 30 without verblijf and 12 with, 5 of them in both: 37 youths would say 30 + 12 - 37 = 5
    found = [
        *(Jeugdhulp(y, False, MARCH, None) for y in youths("a", 30)),
        *(Jeugdhulp(y, True, MARCH, None) for y in youths("a", 5)),
        *(Jeugdhulp(y, True, MARCH, None) for y in youths("b", 7)),
    ]
    figure = thuis_tenzij(found, QUARTER, today=date(2030, 1, 1))
    assert figure.with_and_without_verblijf == Count(None, True)
    # and 37 beside the 30 without would give away the 7 only with verblijf: the 12 with
    # it, and the 37, hide beside them
    assert (figure.youths, figure.without_verblijf, figure.with_verblijf) == (
        Count(None, True),
        Count(30, False),
        Count(None, True),
    )
    assert figure.with_verblijf_share is None


def test_without_a_period_the_months_run_from_the_first_jeugdhulp_to_today() -> None:
    found = [Jeugdhulp(y, False, MARCH, MARCH + timedelta(days=3)) for y in youths("a", 10)]
    figure = thuis_tenzij(found, Filters(), today=date(2026, 5, 20))
    assert [m.month for m in figure.per_month] == ["2026-03", "2026-04", "2026-05"]
    assert [m.youths for m in figure.per_month] == [
        Count(10, False),
        Count(None, True),
        Count(None, True),
    ]
    assert figure.youths == Count(10, False)
