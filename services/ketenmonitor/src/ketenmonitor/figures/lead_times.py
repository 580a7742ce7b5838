"""Doorlooptijden: per stage transition, how long cases took from its start milestone to its
end milestone, by event time; aggregated in PostgreSQL over the milestones."""

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import (
    PLACEMENT_STARTED,
    PROTECTION_MEASURE_IMPOSED,
    REFERRAL_RECEIVED,
    RVDK_INVESTIGATION_REQUESTED,
    RVDK_INVESTIGATION_STARTED,
    SAFETY_ASSESSED,
    TOEGANG_DECIDED,
    TRIAGE_DECIDED,
    VEILIG_THUIS_MELDING_RECEIVED,
)
from ketenmonitor.figures.common import (
    Database,
    Filters,
    Spread,
    Transition,
    lead_times_of,
    period_and_case,
    spread_of,
    spreads_from,
    sql_period_and_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, LeadTime, answer

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "referral-to-toegang-decision",
        REFERRAL_RECEIVED,
        TOEGANG_DECIDED,
        "Aanmelding → besluit toegang",
    ),
    Transition(
        "toegang-decision-to-triage-decision",
        TOEGANG_DECIDED,
        TRIAGE_DECIDED,
        "Besluit toegang → besluit gezamenlijke triage",
    ),
    Transition(
        "triage-decision-to-placement-start",
        TRIAGE_DECIDED,
        PLACEMENT_STARTED,
        "Besluit triage → start plaatsing (wachttijd)",
    ),
    Transition(
        "melding-to-safety-assessment",
        VEILIG_THUIS_MELDING_RECEIVED,
        SAFETY_ASSESSED,
        "Melding Veilig Thuis → veiligheidsbeoordeling",
    ),
    Transition(
        "rvdk-request-to-rvdk-start",
        RVDK_INVESTIGATION_REQUESTED,
        RVDK_INVESTIGATION_STARTED,
        "Verzoek tot onderzoek → start onderzoek Raad voor de Kinderbescherming",
    ),
    Transition(
        "rvdk-request-to-measure",
        RVDK_INVESTIGATION_REQUESTED,
        PROTECTION_MEASURE_IMPOSED,
        "Verzoek tot onderzoek → kinderbeschermingsmaatregel",
    ),
)


# $1 names, $2 start milestones, $3 end milestones (of the transitions), $4 from date, $5 to
# date (the end's), $6 gemeente, $7 kader, $8 care form, $9 provider (of the case's first
# placement start; a case without one matches only when neither is given)
SELECT_LEAD_TIMES = spread_of(
    f"""
SELECT t.name, e.occurred_at - s.occurred_at AS duration
FROM unnest($1::text[], $2::text[], $3::text[]) AS t(name, start, finish)
JOIN milestones s ON s.milestone = t.start
JOIN milestones e ON e.case_id = s.case_id AND e.milestone = t.finish
LEFT JOIN cases c ON c.case_id = s.case_id
LEFT JOIN first_placements p ON p.case_id = s.case_id
WHERE e.occurred_at >= s.occurred_at
  AND {sql_period_and_case("e.occurred_at", 4)}
  AND ($8::text IS NULL OR p.care_form = $8)
  AND ($9::text IS NULL OR p.provider = $9)"""
)


async def select_lead_times(
    connection: Database,
    filters: Filters,
    transitions: Sequence[Transition] = TRANSITIONS,
) -> dict[str, Spread]:
    """Per transition between milestones, the spread of the durations of the cases'
    transitions that match the filters, aggregated in PostgreSQL (one query for all)."""
    rows = await connection.fetch(
        SELECT_LEAD_TIMES,
        [t.name for t in transitions],
        [t.start for t in transitions],
        [t.end for t in transitions],
        *period_and_case(filters),
        filters.care_form,
        filters.provider,
    )
    return spreads_from(rows)


class Rows(Protocol):
    async def lead_times(self, filters: Filters) -> dict[str, Spread]:
        """Per transition's name; a transition without durations may be missing."""


class LeadTimes(ApiModel):
    filters: AppliedFilters
    lead_times: list[LeadTime]


async def read(source: Rows, filters: Filters, today: date) -> LeadTimes:
    found = await source.lead_times(filters)
    return answer(LeadTimes, filters, lead_times=lead_times_of(TRANSITIONS, found, "lead-times"))


FIGURE = Figure(
    name="lead_times",
    label="Doorlooptijden",
    summary="Lead times per stage transition, by event time",
    description="Per case, from its first start milestone to its first end milestone; "
    "the period on the end, and the kader the case's at the end. `care_form` and `provider` "
    "are those of the case's first placement start (by event time); a case not placed (yet) "
    "matches only when neither is given.",
    accepts=Accepts.PLACEMENTS,
    answer=LeadTimes,
    read=read,
)
