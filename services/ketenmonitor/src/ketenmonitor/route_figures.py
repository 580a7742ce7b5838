"""The whole route: doorlooptijd (first referral to first placement start), time in the chain
(first referral to leaving it) and re-entry (a new referral of the youth within 12 months of
leaving). Pure, from facts (see chain_figures); the same in every order of arrival."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ketenmonitor.chain_figures import (
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    FactRow,
    in_period,
    of_case,
)
from ketenmonitor.figures import (
    SMALL_CELL,
    Count,
    Filters,
    LeadTime,
    Transition,
    lead_time,
    suppressed,
)

REFERRAL_RECEIVED = "toegang.referral-received"
TOEGANG_DECIDED = "toegang.toegang-decided"
REFERRAL_WITHDRAWN = "toegang.referral-withdrawn"
LEAVING_DECISIONS = frozenset({"lokale-basishulp", "geen-hulp"})
"""A toegang decision that takes the case out of the specialised chain."""
RE_ENTRY_WITHIN = timedelta(days=365)

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
    """Of the cases that left, those whose youth was referred again within 12 months."""
    re_entry_share: float | None


def leaves(row: FactRow) -> bool:
    return row.type in (PLACEMENT_ENDED, REFERRAL_WITHDRAWN) or (
        row.type == TOEGANG_DECIDED and row.data.get("decision") in LEAVING_DECISIONS
    )


def route(rows: Iterable[FactRow], filters: Filters) -> Route:
    """A case leaves the chain at its earliest placement end, withdrawal, or toegang decision
    for local help or none. Periods on the placement start (route) and on leaving."""
    referred: dict[UUID, datetime] = {}
    youth_of: dict[UUID, str] = {}
    referrals: dict[str, list[datetime]] = {}
    placed: dict[UUID, FactRow] = {}
    left: dict[UUID, FactRow] = {}
    for row in rows:
        case = row.case_id
        if case is None:
            continue
        if row.type == REFERRAL_RECEIVED:
            referred[case] = min(referred.get(case, row.occurred_at), row.occurred_at)
            youth = str(row.data.get("youth_pseudonym"))
            youth_of[case] = min(youth_of.get(case, youth), youth)
            referrals.setdefault(youth, []).append(row.occurred_at)
        elif row.type == PLACEMENT_STARTED and (
            case not in placed or row.occurred_at < placed[case].occurred_at
        ):
            placed[case] = row
        if leaves(row) and (case not in left or row.occurred_at < left[case].occurred_at):
            left[case] = row
    route_durations = [
        start.occurred_at - referred[case]
        for case, start in placed.items()
        if case in referred
        and start.occurred_at >= referred[case]
        and in_period(start.occurred_at, filters)
        and of_case(start, filters)
    ]
    gone = [
        (case, end)
        for case, end in left.items()
        if case in referred
        and end.occurred_at >= referred[case]
        and in_period(end.occurred_at, filters)
        and of_case(end, filters)
    ]
    back = sum(
        1
        for case, end in gone
        if any(
            end.occurred_at < again <= end.occurred_at + RE_ENTRY_WITHIN
            for again in referrals.get(youth_of[case], ())
        )
    )
    stayed_out = len(gone) - back
    return Route(
        route=lead_time(ROUTE, route_durations),
        time_in_chain=lead_time(IN_CHAIN, [end.occurred_at - referred[c] for c, end in gone]),
        left=suppressed(len(gone)),
        re_entered=suppressed(back),
        re_entry_share=back / len(gone) if min(back, stayed_out) >= SMALL_CELL else None,
    )
