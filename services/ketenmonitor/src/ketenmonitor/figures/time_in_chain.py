"""The whole route: doorlooptijd (first referral to first placement start), time in the chain
(first referral to leaving it) and re-entry (a new entry of the youth into the chain within 12
months of leaving: a referral, a Veilig Thuis melding or a crisis placement). The definitions
here; PostgreSQL aggregates them over the facts and milestones, the same in every order of
arrival."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import (
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    PREFIX,
    REFERRAL_RECEIVED,
    REFERRAL_WITHDRAWN,
    TOEGANG_DECIDED,
    VEILIG_THUIS_MELDING_RECEIVED,
)
from ketenmonitor.figures.common import (
    Database,
    Filters,
    LeadTime,
    Spread,
    Transition,
    lead_time_of,
    period_and_case,
    spread_from,
    spread_of,
    sql_period_and_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.lead_times import select_lead_times
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.responses import LeadTime as LeadTimeAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect, suppressed

LEAVING_TYPES = frozenset({PLACEMENT_ENDED, REFERRAL_WITHDRAWN})
"""Facts that take a case out of the chain, whatever they say."""


LEAVING_DECISIONS = frozenset({"lokale-basishulp", "geen-hulp"})
"""A toegang decision that takes the case out of the specialised chain."""


RE_ENTRY_WITHIN = timedelta(days=365)


ENTRY_TYPES = (REFERRAL_RECEIVED, VEILIG_THUIS_MELDING_RECEIVED)
"""Facts by which a youth enters the chain, whatever they say; and a crisis placement (a
placement start in crisisopvang, or one before triage), the chain's emergency door."""


ROUTE = Transition(
    "referral-to-placement-start",
    REFERRAL_RECEIVED,
    PLACEMENT_STARTED,
    "Aanmelding → start plaatsing (doorlooptijd van de hele route)",
)


IN_CHAIN = Transition(
    "referral-to-leaving",
    REFERRAL_RECEIVED,
    "leaving",
    "Aanmelding → uit de keten (einde zorg, lokale basishulp, geen hulp of intrekking)",
)


@dataclass(frozen=True)
class Route:
    route: LeadTime
    """Per case, period on the placement start."""
    time_in_chain: LeadTime
    """Per case that left the chain in the period."""
    left: Count
    re_entered: Count
    """Of the cases that left, those whose youth entered the chain again within 12 months."""
    re_entry_share: float | None


@dataclass(frozen=True)
class RouteSpreads:
    """What the store aggregates (`select_time_in_chain`)."""

    route: Spread
    time_in_chain: Spread
    """Of the cases that left the chain in the period."""
    re_entered: int
    """Of those, the cases whose youth entered the chain again within 12 months."""


def route(found: RouteSpreads) -> Route:
    """A case leaves the chain at its earliest placement end, withdrawal, or toegang decision
    for local help or none. Periods, and the case's kader, on the placement start (route) and
    on leaving."""
    left, back = found.time_in_chain.count, found.re_entered
    # the cases that left are those whose youth came back and those not, and the count of the
    # time in the chain: suppressed together
    shown = protect(
        {"left": left, "re_entered": back, "stayed": left - back},
        [Sum("left", ("re_entered", "stayed"))],
        "left-the-chain",
    )
    return Route(
        route=lead_time_of(ROUTE, found.route, suppressed(found.route.count, "route")),
        time_in_chain=lead_time_of(IN_CHAIN, found.time_in_chain, shown.count("left")),
        left=shown.count("left"),
        re_entered=shown.count("re_entered"),
        re_entry_share=shown.share("re_entered", "left"),
    )


# $1 referral type, $2 leaving types, $3 toegang-decided type, $4 leaving decisions, $5 from
# date, $6 to date (of leaving), $7 gemeente, $8 kader, $9 the re-entry window in seconds (an
# interval in days would follow the clock across DST), $10 the entry types, $11 the placement
# start type: per case that left the chain in the period (at its earliest leaving fact, at or
# after its first referral), its time in the chain, and whether its youth (the smallest
# pseudonym of its referrals) entered the chain again within the window, in any case
SELECT_LEAVING = f"""
WITH referrals AS (
    SELECT f.case_id, f.occurred_at, f.data->>'youth_pseudonym' COLLATE "C" AS youth
    FROM facts f
    WHERE f.type = $1 AND f.case_id IS NOT NULL),
referred AS (
    SELECT case_id, min(occurred_at) AS at, min(youth) AS youth
    FROM referrals
    GROUP BY case_id),
leaving AS (
    SELECT f.case_id, min(f.occurred_at) AS at
    FROM facts f
    WHERE f.case_id IS NOT NULL
      AND (f.type = ANY($2::text[]) OR (f.type = $3 AND f.data->>'decision' = ANY($4::text[])))
    GROUP BY f.case_id),
gone AS (
    SELECT r.case_id, r.youth, l.at AS left_at, l.at - r.at AS in_chain
    FROM referred r
    JOIN leaving l ON l.case_id = r.case_id
    LEFT JOIN cases c ON c.case_id = r.case_id
    WHERE l.at >= r.at
      AND {sql_period_and_case("l.at", 5)}),
entries AS (
    SELECT f.occurred_at, f.data->>'youth_pseudonym' COLLATE "C" AS youth
    FROM facts f
    WHERE f.type = ANY($10::text[])
       OR (f.type = $11 AND (f.data->>'care_form' = '{CareForm.CRISISOPVANG.value}'
                             OR (f.data->>'crisis_without_triage')::boolean))),
back AS (
    SELECT DISTINCT gone.case_id
    FROM gone
    JOIN entries again ON again.youth = gone.youth
    WHERE again.occurred_at > gone.left_at
      AND again.occurred_at <= gone.left_at + make_interval(secs => $9))
SELECT in_chain, case_id IN (SELECT case_id FROM back) AS re_entered
FROM gone
"""


SELECT_TIME_IN_CHAIN = spread_of(
    f"SELECT 'in-chain' AS name, in_chain AS duration, re_entered FROM ({SELECT_LEAVING}) AS gone",
    ", count(*) FILTER (WHERE re_entered) AS re_entered",
)


async def select_time_in_chain(connection: Database, filters: Filters) -> RouteSpreads:
    """The route (a transition between milestones), and the cases that left the chain in the
    period: their time in it and how many of their youths entered it again."""
    route = await select_lead_times(connection, filters, (ROUTE,))
    left = await connection.fetchrow(  # no row: no case left
        SELECT_TIME_IN_CHAIN,
        PREFIX + REFERRAL_RECEIVED,
        [PREFIX + t for t in sorted(LEAVING_TYPES)],
        PREFIX + TOEGANG_DECIDED,
        sorted(LEAVING_DECISIONS),
        *period_and_case(filters),
        RE_ENTRY_WITHIN.total_seconds(),
        [PREFIX + t for t in ENTRY_TYPES],
        PREFIX + PLACEMENT_STARTED,
    )
    return RouteSpreads(
        route=route.get(ROUTE.name, Spread(0)),
        time_in_chain=spread_from(left),
        re_entered=left["re_entered"] if left else 0,
    )


class Rows(Protocol):
    async def time_in_chain(self, filters: Filters) -> RouteSpreads: ...


class TimeInChain(ApiModel):
    filters: AppliedFilters
    route: LeadTimeAnswer = Field(description="First referral to first placement start, per case")
    time_in_chain: LeadTimeAnswer = Field(description="First referral to leaving, per case")
    left: CountAnswer = Field(description="Cases that left the chain in the period")
    re_entered: CountAnswer = Field(
        description="Of them, youths who entered the chain again within 12 months: a referral, "
        "a Veilig Thuis melding or a crisis placement"
    )
    re_entry_share: float | None


async def read(source: Rows, filters: Filters, today: date) -> TimeInChain:
    return answer(TimeInChain, filters, route(await source.time_in_chain(filters)))


FIGURE = Figure(
    name="time_in_chain",
    label="Tijd in de keten",
    summary="Doorlooptijd of the whole route, time in the chain, re-entry within 12 months",
    description=route.__doc__,
    accepts=Accepts.CASES,
    answer=TimeInChain,
    read=read,
)
