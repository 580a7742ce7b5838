"""Veilig Thuis's onderzoek from what the store counts: started, concluded by outcome, over
the norm, and the duration, with the small counts hidden together with what would reveal
them."""

from datetime import timedelta

from ketenmonitor.figures.common import Spread, spread
from ketenmonitor.figures.suppression import Count
from ketenmonitor.figures.veilig_thuis_onderzoek import OnderzoekRows, veilig_thuis_onderzoek

HIDDEN = Count(None, True)
WEEKS = spread(timedelta(weeks=w) for w in range(1, 31))


def test_the_concluded_are_counted_by_outcome_and_against_the_norm() -> None:
    figure = veilig_thuis_onderzoek(
        OnderzoekRows(
            started=40,
            concluded={"overdracht-lokaal-team": 12, "verzoek-rvdk": 10, "afgesloten": 18},
            over_norm=20,
            duration=WEEKS,
        )
    )
    assert (figure.started, figure.concluded) == (Count(40, False), Count(40, False))
    assert figure.outcomes == {
        "overdracht-lokaal-team": Count(12, False),
        "verzoek-rvdk": Count(10, False),
        "afgesloten": Count(18, False),
    }
    assert (figure.over_norm, figure.over_norm_share) == (Count(20, False), 0.5)
    assert (figure.duration.p50_days, figure.duration.p90_days) == (15 * 7, 27 * 7)


def test_a_small_outcome_is_hidden_with_another_and_a_few_over_the_norm_with_the_rest() -> None:
    figure = veilig_thuis_onderzoek(
        OnderzoekRows(
            started=35,
            concluded={"overdracht-lokaal-team": 20, "verzoek-rvdk": 3, "afgesloten": 15},
            over_norm=4,
            duration=spread(timedelta(weeks=w) for w in range(1, 39)),
        )
    )
    assert figure.outcomes["verzoek-rvdk"] == HIDDEN
    # else 3 = concluded minus the other two
    shown = [figure.concluded, figure.outcomes["overdracht-lokaal-team"]]
    assert any(c.suppressed for c in [*shown, figure.outcomes["afgesloten"]])
    assert (figure.over_norm, figure.over_norm_share) == (HIDDEN, None)
    assert figure.started == Count(35, False)


def test_few_concluded_hide_their_duration() -> None:
    figure = veilig_thuis_onderzoek(
        OnderzoekRows(
            started=12, concluded={"afgesloten": 6}, over_norm=0, duration=spread([timedelta(1)])
        )
    )
    assert figure.concluded == HIDDEN
    assert (figure.duration.p50_days, figure.duration.p90_days) == (None, None)
    empty = veilig_thuis_onderzoek(OnderzoekRows(0, {}, 0, Spread(0)))
    assert empty.duration.count == HIDDEN
