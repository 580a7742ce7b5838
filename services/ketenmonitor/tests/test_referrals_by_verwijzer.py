"""Aanmeldingen per verwijzer, from the referrals the store counts per verwijzer and outcome."""

from ketenmonitor.figures.referrals_by_verwijzer import (
    UNDECIDED,
    VERWIJZERS,
    WITHDRAWN,
    referrals_by_verwijzer,
)
from ketenmonitor.figures.suppression import Count


def test_each_verwijzer_shows_what_followed_its_referrals_and_the_total_is_theirs() -> None:
    figure = referrals_by_verwijzer(
        {
            ("huisarts", "gezamenlijke-triage"): 40,
            ("huisarts", "lokale-basishulp"): 25,
            ("huisarts", "geen-hulp"): 12,
            ("huisarts", UNDECIDED): 10,
            ("gemeente", "lokale-basishulp"): 30,
            ("gemeente", "gezamenlijke-triage"): 20,
        }
    )
    by = {found.verwijzer: found for found in figure.verwijzers}
    assert [found.verwijzer for found in figure.verwijzers] == list(VERWIJZERS)
    huisarts = by["huisarts"]
    assert huisarts.referrals == Count(87, False)
    assert huisarts.decisions == {
        "lokale-basishulp": Count(25, False),
        "gezamenlijke-triage": Count(40, False),
        "geen-hulp": Count(12, False),
    }
    assert huisarts.undecided == Count(10, False)
    gemeente = by["gemeente"]
    assert gemeente.referrals == Count(50, False)
    # below 10, zero too; yet hidden zeros beside shown totals give nobody away
    assert (huisarts.withdrawn, gemeente.decisions["geen-hulp"]) == (Count(None, True),) * 2
    assert by["rechter"].referrals == Count(None, True)
    assert figure.referrals == Count(137, False)


def test_a_small_outcome_and_a_small_verwijzer_are_hidden_with_a_count_beside_each() -> None:
    figure = referrals_by_verwijzer(
        {
            ("huisarts", "gezamenlijke-triage"): 40,
            ("huisarts", "lokale-basishulp"): 25,
            ("huisarts", WITHDRAWN): 3,
            ("jeugdarts", "gezamenlijke-triage"): 6,
            ("gemeente", "lokale-basishulp"): 30,
        }
    )
    by = {found.verwijzer: found for found in figure.verwijzers}
    huisarts = by["huisarts"]
    assert huisarts.referrals == Count(68, False)
    assert huisarts.withdrawn == Count(None, True)
    # 68 - 40 would give the 3 away beside 25 shown: the smallest shown outcome beside it goes
    assert huisarts.decisions["lokale-basishulp"] == Count(None, True)
    assert huisarts.decisions["gezamenlijke-triage"] == Count(40, False)
    # the jeugdarts' 6 is hidden; 104 - 68 - 30 would give it away, so the gemeente's 30 goes
    # too, in its total and its outcome
    assert by["jeugdarts"].referrals == Count(None, True)
    assert by["jeugdarts"].decisions["gezamenlijke-triage"] == Count(None, True)
    assert figure.referrals == Count(104, False)
    assert by["gemeente"].referrals == Count(None, True)
    assert by["gemeente"].decisions["lokale-basishulp"] == Count(None, True)
