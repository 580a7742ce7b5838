"""Where partners wait on each other: per hand-over, the time from one partner's hand-over to
the next partner's first action on the case: the definitions here, the computation in
PostgreSQL over the facts (`SELECT_HAND_OVERS`), the same in every order of arrival.

Per case: from its first hand-over event (by event time) to the next partner's first action at
or after it; the period on that action, gemeente of the case and its kader at that action. A
case whose next partner has not acted yet is not counted (it is still waiting: the stagnation
alerts see it)."""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import (
    ESCALATED_TO_RET,
    GI_ASSIGNED,
    PLACEMENT_REQUESTED,
    PREFIX,
    PROTECTION_MEASURE_IMPOSED,
    RVDK_INVESTIGATION_REQUESTED,
    RVDK_INVESTIGATION_STARTED,
    TOEGANG_DECIDED,
    TRIAGE_DECIDED,
)
from ketenmonitor.figures.common import (
    Database,
    Filters,
    Spread,
    lead_times_of,
    period_and_case,
    spread_of,
    spreads_from,
    sql_period_and_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, LeadTime, answer


@dataclass(frozen=True)
class HandOver:
    name: str
    description: str
    handed_over: str
    """The event type of the hand-over."""
    decision: str | None
    """Only hand-over events with this `data.decision` (None: every one)."""
    next_actions: frozenset[str]
    """The event types that are the next partner's action."""


HAND_OVERS: tuple[HandOver, ...] = (
    HandOver(
        "toegang-to-triage",
        "Toegang → gezamenlijke triage: besluit toegang tot het eerste besluit van de triage "
        "(besluit of escalatie naar het RET)",
        TOEGANG_DECIDED,
        "gezamenlijke-triage",
        frozenset({TRIAGE_DECIDED, ESCALATED_TO_RET}),
    ),
    HandOver(
        "triage-to-provider",
        "Gezamenlijke triage → aanbieder: besluit triage tot plaatsingsverzoek",
        TRIAGE_DECIDED,
        None,
        frozenset({PLACEMENT_REQUESTED}),
    ),
    HandOver(
        "toegang-to-rvdk",
        "Verzoek tot onderzoek → start onderzoek Raad voor de Kinderbescherming",
        RVDK_INVESTIGATION_REQUESTED,
        None,
        frozenset({RVDK_INVESTIGATION_STARTED}),
    ),
    HandOver(
        "measure-to-gi",
        "Maatregel opgelegd → gecertificeerde instelling toegewezen",
        PROTECTION_MEASURE_IMPOSED,
        None,
        frozenset({GI_ASSIGNED}),
    ),
)


# $1 names, $2 hand-over event types, $3 their decisions (null: any); $4 names, $5 the next
# partner's action types (a pair per type); $6 from date, $7 to date (the action's), $8
# gemeente, $9 kader. Per case, from its first hand-over to the next partner's first action at
# or after it. Both sides materialised, so that they meet in one merge join: planned as an index
# lookup per handed-over case (the unnest hides how many there are), it took twice as long.
SELECT_HAND_OVERS = spread_of(
    f"""
WITH hand_overs AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS h(name, type, decision)),
next_actions AS (SELECT * FROM unnest($4::text[], $5::text[]) AS n(name, type)),
handed AS MATERIALIZED (
    SELECT h.name, f.case_id, min(f.occurred_at) AS at
    FROM hand_overs h
    JOIN facts f ON f.type = h.type
    WHERE f.case_id IS NOT NULL AND (h.decision IS NULL OR f.data->>'decision' = h.decision)
    GROUP BY h.name, f.case_id),
actions AS MATERIALIZED (
    SELECT n.name, f.case_id, f.occurred_at
    FROM next_actions n
    JOIN facts f ON f.type = n.type
    WHERE f.case_id IS NOT NULL),
acted AS (
    SELECT handed.name, handed.case_id, handed.at, min(a.occurred_at) AS acted_at
    FROM handed
    JOIN actions a
      ON a.name = handed.name AND a.case_id = handed.case_id AND a.occurred_at >= handed.at
    GROUP BY handed.name, handed.case_id, handed.at)
SELECT acted.name, acted.acted_at - acted.at AS duration
FROM acted
LEFT JOIN cases c ON c.case_id = acted.case_id
WHERE {sql_period_and_case("acted.acted_at", 6)}"""
)


async def select_hand_overs(connection: Database, filters: Filters) -> dict[str, Spread]:
    """Per hand-over, the spread of the cases' waits for the next partner that match the
    filters, aggregated in PostgreSQL."""
    next_actions = [(h.name, t) for h in HAND_OVERS for t in sorted(h.next_actions)]
    rows = await connection.fetch(
        SELECT_HAND_OVERS,
        [h.name for h in HAND_OVERS],
        [PREFIX + h.handed_over for h in HAND_OVERS],
        [h.decision for h in HAND_OVERS],
        [name for name, _ in next_actions],
        [PREFIX + t for _, t in next_actions],
        *period_and_case(filters),
    )
    return spreads_from(rows)


class Rows(Protocol):
    async def hand_overs(self, filters: Filters) -> dict[str, Spread]:
        """Per hand-over's name (`HAND_OVERS`); one without waits may be missing."""


class HandOvers(ApiModel):
    filters: AppliedFilters
    hand_overs: list[LeadTime] = Field(
        description="Per hand-over: from one partner's hand-over to the next partner's first "
        "action, per case"
    )


async def read(source: Rows, filters: Filters, today: date) -> HandOvers:
    found = await source.hand_overs(filters)
    figures = lead_times_of(HAND_OVERS, found, "hand-overs")
    return answer(HandOvers, filters, hand_overs=figures)


FIGURE = Figure(
    name="hand_overs",
    label="Overdrachten",
    summary="Where partners wait on each other: hand-over to the next partner's first action",
    description=__doc__,
    accepts=Accepts.CASES,
    answer=HandOvers,
    read=read,
)
