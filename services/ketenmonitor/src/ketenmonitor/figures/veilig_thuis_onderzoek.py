"""Veilig Thuis's onderzoek (norm: 10 weeks): the onderzoeken started in the period, and of
those concluded in it how long they took from their start, how many took longer than the
norm, and how they ended (overdracht to the lokaal team, a request to the Raad voor de
Kinderbescherming, closure); counted in PostgreSQL."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import OnderzoekOutcome
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import (
    PREFIX,
    VEILIG_THUIS_ONDERZOEK_CONCLUDED,
    VEILIG_THUIS_ONDERZOEK_STARTED,
)
from ketenmonitor.figures.common import (
    Database,
    Filters,
    LeadTime,
    Spread,
    Transition,
    fetch_timed,
    lead_time_of,
    period_and_case,
    sql_period_and_case,
    timed_from_first_start,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.responses import LeadTime as LeadTimeAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

NORM = timedelta(weeks=10)
"""Veilig Thuis's onderzoek takes at most 10 weeks (../shared/DOMAIN.md, norms)."""
OUTCOMES = tuple(outcome.value for outcome in OnderzoekOutcome)
DURATION = Transition(
    "onderzoek-start-to-conclusion",
    VEILIG_THUIS_ONDERZOEK_STARTED,
    VEILIG_THUIS_ONDERZOEK_CONCLUDED,
    "Start onderzoek Veilig Thuis → conclusie",
)
# the concluded ones within the norm, beside those over it: the pair sums to the concluded,
# so that hiding one of them hides the other too
WITHIN_NORM = "within_norm"


@dataclass(frozen=True)
class OnderzoekRows:
    """What the store counts (`SELECT_STARTED`, `SELECT_CONCLUDED`)."""

    started: int
    concluded: dict[str, int]
    """Per outcome, the conclusions in the period after their case's start (one dated before
    it cannot be timed, and is left out); none: absent."""
    over_norm: int
    """Of those, the ones that took longer than `NORM`."""
    duration: Spread


@dataclass(frozen=True)
class OnderzoekFigure:
    started: Count
    concluded: Count
    outcomes: dict[str, Count]
    over_norm: Count
    over_norm_share: float | None
    duration: LeadTime


def veilig_thuis_onderzoek(found: OnderzoekRows) -> OnderzoekFigure:
    """The concluded onderzoeken are the sum of their outcomes, and the sum of those over the
    norm and those within it; the started ones stand alone (an onderzoek concluded in the
    period may have started before it). The duration is shown where the concluded are."""
    concluded = sum(found.concluded.values())
    counts = protect(
        {
            "started": found.started,
            "concluded": concluded,
            **{outcome: found.concluded.get(outcome, 0) for outcome in OUTCOMES},
            "over_norm": found.over_norm,
            WITHIN_NORM: concluded - found.over_norm,
        },
        [Sum("concluded", OUTCOMES), Sum("concluded", ("over_norm", WITHIN_NORM))],
        "veilig-thuis-onderzoek",
    )
    return OnderzoekFigure(
        started=counts.count("started"),
        concluded=counts.count("concluded"),
        outcomes={outcome: counts.count(outcome) for outcome in OUTCOMES},
        over_norm=counts.count("over_norm"),
        over_norm_share=counts.share("over_norm", "concluded"),
        duration=lead_time_of(DURATION, found.duration, counts.count("concluded")),
    )


# $1 started type, $2 from date, $3 to date (the start's), $4 gemeente, $5 kader (at the start)
SELECT_STARTED = f"""
SELECT count(*)
FROM facts f
LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.type = $1
  AND {sql_period_and_case("f.occurred_at", 2)}
"""

# $1 started type, $2 concluded type, $3 from date, $4 to date (the conclusion's), $5 gemeente,
# $6 kader (at the conclusion), $7 the norm: each conclusion at or after its case's (first)
# start, timed from it
SELECT_CONCLUDED = timed_from_first_start(
    DURATION,
    "e.data->>'outcome' AS outcome",
    ",\n       count(*) FILTER (WHERE duration > $7::interval) AS over_norm"
    + "".join(
        f",\n       count(*) FILTER (WHERE outcome = '{outcome}') AS \"{outcome}\""
        for outcome in OUTCOMES
    ),
)


async def select_onderzoek_rows(connection: Database, filters: Filters) -> OnderzoekRows:
    started = await connection.fetchval(
        SELECT_STARTED, PREFIX + VEILIG_THUIS_ONDERZOEK_STARTED, *period_and_case(filters)
    )
    concluded = await fetch_timed(connection, SELECT_CONCLUDED, DURATION, filters, NORM)
    return OnderzoekRows(
        started=started,
        concluded={o: concluded.count(o) for o in OUTCOMES if concluded.count(o)},
        over_norm=concluded.count("over_norm"),
        duration=concluded.spread,
    )


class Rows(Protocol):
    async def onderzoek_rows(self, filters: Filters) -> OnderzoekRows: ...


class VeiligThuisOnderzoek(ApiModel):
    filters: AppliedFilters
    started: CountAnswer = Field(description="Onderzoeken started in the period")
    concluded: CountAnswer = Field(
        description="Onderzoeken concluded in the period, at or after their start"
    )
    outcomes: dict[str, CountAnswer] = Field(
        description="The concluded per outcome: overdracht-lokaal-team, verzoek-rvdk, afgesloten"
    )
    over_norm: CountAnswer = Field(
        description="The concluded that took longer than the norm of 10 weeks"
    )
    over_norm_share: float | None
    duration: LeadTimeAnswer = Field(
        description="From the start to the conclusion, over the concluded in the period"
    )


async def read(source: Rows, filters: Filters, today: date) -> VeiligThuisOnderzoek:
    found = await source.onderzoek_rows(filters)
    return answer(VeiligThuisOnderzoek, filters, veilig_thuis_onderzoek(found))


FIGURE = Figure(
    name="veilig_thuis_onderzoek",
    label="Onderzoek Veilig Thuis",
    summary="Veilig Thuis's onderzoeken started and concluded, their duration against the "
    "norm of 10 weeks, and their outcomes",
    description="Started: the onderzoeken that started in the period (by the start's event "
    "time), of the cases of the gemeente filtered for and of the kader at the start. "
    "Concluded: those concluded in the period (by the conclusion's event time, the kader at "
    "the conclusion) at or after their case's start, each timed from it; over the norm: "
    "longer than 10 weeks (70 days of 24 hours). " + (veilig_thuis_onderzoek.__doc__ or ""),
    accepts=Accepts.CASES,
    answer=VeiligThuisOnderzoek,
    read=read,
)
