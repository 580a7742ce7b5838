"""Aanmeldingen per verwijzer: the referrals toegang received in the period, per kind of
verwijzer, and what followed each: toegang's decision (lokale basishulp, gezamenlijke triage,
geen hulp), a withdrawal, or nothing yet; counted in PostgreSQL."""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import ToegangDecision, Verwijzer
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import REFERRAL_RECEIVED, REFERRAL_WITHDRAWN, TOEGANG_DECIDED
from ketenmonitor.figures.common import Database, Filters, fetch_counts, sql_period_and_case
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, groups_and_all, protect

VERWIJZERS = tuple(verwijzer.value for verwijzer in Verwijzer)
DECISIONS = tuple(decision.value for decision in ToegangDecision)
WITHDRAWN = "withdrawn"
UNDECIDED = "undecided"
OUTCOMES = (*DECISIONS, WITHDRAWN, UNDECIDED)
"""What can follow a referral: one of toegang's decisions, its withdrawal, or nothing yet."""

Followed = dict[tuple[str, str], int]
"""Referrals per (verwijzer, outcome of `OUTCOMES`); none: absent."""


@dataclass(frozen=True)
class VerwijzerReferrals:
    verwijzer: str
    referrals: Count
    decisions: dict[str, Count]
    """Per decision of toegang, in the vocabulary's order."""
    withdrawn: Count
    undecided: Count


@dataclass(frozen=True)
class ReferralsPerVerwijzer:
    referrals: Count
    verwijzers: tuple[VerwijzerReferrals, ...]


def referrals_by_verwijzer(found: Followed) -> ReferralsPerVerwijzer:
    """Each verwijzer's referrals are the sum of what followed them; all referrals are the
    sum of the verwijzers' (`suppression.groups_and_all`)."""
    cells, sums = groups_and_all(found, VERWIJZERS, OUTCOMES, "referrals")
    shown = protect(cells, sums, "referrals-by-verwijzer")
    return ReferralsPerVerwijzer(
        referrals=shown.count("referrals"),
        verwijzers=tuple(
            VerwijzerReferrals(
                verwijzer=v,
                referrals=shown.count(v),
                decisions={decision: shown.count((v, decision)) for decision in DECISIONS},
                withdrawn=shown.count((v, WITHDRAWN)),
                undecided=shown.count((v, UNDECIDED)),
            )
            for v in VERWIJZERS
        ),
    )


# $1 referral-received type, $2 toegang-decided type, $3 referral-withdrawn type, $4 from
# date, $5 to date (the referral's), $6 gemeente, $7 kader: the referrals per verwijzer and
# what first followed them in their case, whenever it did (by event time; ties: by type, then
# decision): a decision, 'withdrawn' or, with neither, 'undecided'
SELECT_REFERRAL_OUTCOMES = f"""
SELECT r.data->>'verwijzer' AS verwijzer,
       CASE WHEN followed.type IS NULL THEN '{UNDECIDED}'
            WHEN followed.type = $3 THEN '{WITHDRAWN}'
            ELSE followed.decision END AS outcome,
       count(*) AS n
FROM facts r
LEFT JOIN cases c ON c.case_id = r.case_id
LEFT JOIN LATERAL (
    SELECT f.type, f.data->>'decision' AS decision
    FROM facts f
    WHERE f.case_id = r.case_id AND f.type IN ($2, $3)
    ORDER BY f.occurred_at, f.type, f.data->>'decision'
    LIMIT 1) AS followed ON true
WHERE r.type = $1
  AND {sql_period_and_case("r.occurred_at", 4)}
GROUP BY verwijzer, outcome
"""


async def select_referral_outcomes(connection: Database, filters: Filters) -> Followed:
    types = (REFERRAL_RECEIVED, TOEGANG_DECIDED, REFERRAL_WITHDRAWN)
    return await fetch_counts(
        connection, SELECT_REFERRAL_OUTCOMES, types, filters, per=("verwijzer", "outcome")
    )


class Rows(Protocol):
    async def referral_outcomes(self, filters: Filters) -> Followed: ...


class VerwijzerAnswer(ApiModel):
    verwijzer: str = Field(examples=["huisarts"])
    referrals: CountAnswer = Field(description="Referrals received in the period")
    decisions: dict[str, CountAnswer] = Field(
        description="Of them, per decision of toegang: lokale-basishulp, gezamenlijke-triage, "
        "geen-hulp"
    )
    withdrawn: CountAnswer = Field(description="Withdrawn before toegang decided")
    undecided: CountAnswer = Field(description="Neither decided on nor withdrawn yet")


class ReferralsByVerwijzer(ApiModel):
    filters: AppliedFilters
    referrals: CountAnswer = Field(description="Referrals received in the period")
    verwijzers: list[VerwijzerAnswer]


async def read(source: Rows, filters: Filters, today: date) -> ReferralsByVerwijzer:
    found = await source.referral_outcomes(filters)
    return answer(ReferralsByVerwijzer, filters, referrals_by_verwijzer(found))


FIGURE = Figure(
    name="referrals_by_verwijzer",
    label="Aanmeldingen per verwijzer",
    summary="Referrals per kind of verwijzer and what followed: toegang's decision, a "
    "withdrawal, or none yet",
    description="The referrals received in the period (by the referral's event time), of the "
    "cases of the gemeente filtered for and of the kader at the referral, per verwijzer; each "
    "by what first followed it in its case, whenever that was: toegang's decision, its "
    "withdrawal, or nothing yet. "
    "Each verwijzer's referrals are the sum of what followed them; all referrals are the sum "
    "of the verwijzers'.",
    accepts=Accepts.CASES,
    answer=ReferralsByVerwijzer,
    read=read,
)
