"""Regionaal Expertteam (seed 001): the escalations to the RET per month, by who escalated
(the triage table, the youth's gemeente, a provider), and of the RET's binding advices in the
period how long they took from the escalation and how many chose non-contracted care or
granted a maatwerkbudget; counted in PostgreSQL."""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import RetEscalator
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import ESCALATED_TO_RET, RET_ADVICE_GIVEN
from ketenmonitor.figures.common import (
    Database,
    Filters,
    LeadTime,
    Spread,
    Transition,
    fetch_counts,
    fetch_timed,
    lead_time_of,
    sql_period_and_case,
    timed_from_first_start,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, Month, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.responses import LeadTime as LeadTimeAnswer
from ketenmonitor.figures.suppression import Count, Sum, groups_and_all, protect

ESCALATORS = tuple(escalator.value for escalator in RetEscalator)
TO_ADVICE = Transition(
    "escalation-to-ret-advice", ESCALATED_TO_RET, RET_ADVICE_GIVEN, "Escalatie → advies RET"
)
# the advices' counts beside those they name: each pair sums to the advices, so that hiding
# one of a pair hides the other too
CONTRACTED, WITHOUT_MAATWERKBUDGET = "contracted_care", "without_maatwerkbudget"


@dataclass(frozen=True)
class RetRows:
    """What the store counts (`SELECT_ESCALATIONS`, `SELECT_ADVICES`)."""

    escalations: dict[tuple[str, str], int]
    """Escalations per (who escalated, YYYY-MM) in the period; none: absent."""
    advices: int
    """The RET's advices in the period given after their case's first escalation (one dated
    before it cannot be timed from it, and is left out)."""
    non_contracted_care: int
    maatwerkbudget_granted: int
    to_advice: Spread
    """From each advice's escalation to the advice."""


@dataclass(frozen=True)
class MonthlyEscalations:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    escalated_by: str
    escalations: Count


@dataclass(frozen=True)
class RetFigure:
    escalations: Count
    per_escalator: dict[str, Count]
    per_month: tuple[MonthlyEscalations, ...]
    advices: Count
    non_contracted_care: Count
    non_contracted_share: float | None
    maatwerkbudget_granted: Count
    maatwerkbudget_share: float | None
    time_to_advice: LeadTime


def ret_escalations(found: RetRows) -> RetFigure:
    """Escalations: each escalator's total is the sum of its months, all escalations the sum
    of every month's escalators. Advices: those with non-contracted care and the others, and
    those with a maatwerkbudget and the others, each sum to the advices; the time to advice
    is shown where the advices are."""
    months = sorted({month for _, month in found.escalations})
    cells, sums = groups_and_all(found.escalations, ESCALATORS, months, "escalations")
    escalated = protect(cells, sums, "ret-escalations")
    advices = protect(
        {
            "advices": found.advices,
            "non_contracted_care": found.non_contracted_care,
            CONTRACTED: found.advices - found.non_contracted_care,
            "maatwerkbudget_granted": found.maatwerkbudget_granted,
            WITHOUT_MAATWERKBUDGET: found.advices - found.maatwerkbudget_granted,
        },
        [
            Sum("advices", ("non_contracted_care", CONTRACTED)),
            Sum("advices", ("maatwerkbudget_granted", WITHOUT_MAATWERKBUDGET)),
        ],
        "ret-advices",
    )
    return RetFigure(
        escalations=escalated.count("escalations"),
        per_escalator={e: escalated.count(e) for e in ESCALATORS},
        per_month=tuple(
            MonthlyEscalations(m, e, escalated.count((e, m))) for m in months for e in ESCALATORS
        ),
        advices=advices.count("advices"),
        non_contracted_care=advices.count("non_contracted_care"),
        non_contracted_share=advices.share("non_contracted_care", "advices"),
        maatwerkbudget_granted=advices.count("maatwerkbudget_granted"),
        maatwerkbudget_share=advices.share("maatwerkbudget_granted", "advices"),
        time_to_advice=lead_time_of(TO_ADVICE, found.to_advice, advices.count("advices")),
    )


# $1 escalated-to-ret type, $2 from date, $3 to date (the escalation's), $4 gemeente, $5
# kader (at the escalation): the escalations per month and who escalated (an escalation
# recorded before gemeenten and providers could escalate names none: the triage table's)
SELECT_ESCALATIONS = f"""
SELECT to_char(f.occurred_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month,
       coalesce(f.data->>'escalated_by', '{RetEscalator.TRIAGETAFEL.value}') AS escalated_by,
       count(*) AS n
FROM facts f
LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.type = $1
  AND {sql_period_and_case("f.occurred_at", 2)}
GROUP BY month, escalated_by
"""

# $1 escalated-to-ret type, $2 ret-advice-given type, $3 from date, $4 to date (the
# advice's), $5 gemeente, $6 kader (at the advice): each advice given after its case's
# (first) escalation, timed from it
SELECT_ADVICES = timed_from_first_start(
    TO_ADVICE,
    "(e.data->>'non_contracted_care')::boolean AS non_contracted_care, "
    "(e.data->>'maatwerkbudget_granted')::boolean AS maatwerkbudget_granted",
    ",\n       count(*) FILTER (WHERE non_contracted_care) AS non_contracted_care"
    ",\n       count(*) FILTER (WHERE maatwerkbudget_granted) AS maatwerkbudget_granted",
)


async def select_ret_rows(connection: Database, filters: Filters) -> RetRows:
    escalations = await fetch_counts(
        connection, SELECT_ESCALATIONS, (ESCALATED_TO_RET,), filters, per=("escalated_by", "month")
    )
    advices = await fetch_timed(connection, SELECT_ADVICES, TO_ADVICE, filters)
    return RetRows(
        escalations=escalations,
        advices=advices.spread.count,
        non_contracted_care=advices.count("non_contracted_care"),
        maatwerkbudget_granted=advices.count("maatwerkbudget_granted"),
        to_advice=advices.spread,
    )


class Rows(Protocol):
    async def ret_rows(self, filters: Filters) -> RetRows: ...


class MonthlyEscalationsAnswer(ApiModel):
    month: Month
    escalated_by: str = Field(examples=["gemeente"])
    escalations: CountAnswer


class RetEscalations(ApiModel):
    filters: AppliedFilters
    escalations: CountAnswer = Field(description="Escalations to the RET in the period")
    per_escalator: dict[str, CountAnswer] = Field(
        description="Escalations per who escalated: triagetafel, gemeente, aanbieder"
    )
    per_month: list[MonthlyEscalationsAnswer] = Field(
        description="Per month of the period with any escalation, per who escalated"
    )
    advices: CountAnswer = Field(description="The RET's advices in the period")
    non_contracted_care: CountAnswer = Field(
        description="Advices of care bought from a provider the region has no contract with"
    )
    non_contracted_share: float | None
    maatwerkbudget_granted: CountAnswer = Field(description="Advices granting a maatwerkbudget")
    maatwerkbudget_share: float | None
    time_to_advice: LeadTimeAnswer = Field(
        description="From the escalation to the advice, over the advices in the period"
    )


async def read(source: Rows, filters: Filters, today: date) -> RetEscalations:
    return answer(RetEscalations, filters, ret_escalations(await source.ret_rows(filters)))


FIGURE = Figure(
    name="ret_escalations",
    label="Regionaal Expertteam",
    summary="Escalations to the RET per month and by who escalated; time to the RET's advice, "
    "and the share of advices with non-contracted care and with a maatwerkbudget",
    description="Escalations: those in the period (by the escalation's event time), of the "
    "cases of the gemeente filtered for and of the kader at the escalation, per month and per "
    "who escalated. Advices: the RET's advices in the period (by the advice's event time, the "
    "kader at the advice) given after their case's first escalation, each timed from it. "
    + (ret_escalations.__doc__ or ""),
    accepts=Accepts.CASES,
    answer=RetEscalations,
    read=read,
)
