"""The whole route: doorlooptijd (first referral to first placement start), time in the chain
(first referral to leaving it) and re-entry (a new referral of the youth within 12 months of
leaving). The definitions here; PostgreSQL aggregates them over the facts and milestones
(`store.time_in_chain`), the same in every order of arrival."""

from dataclasses import dataclass
from datetime import timedelta

from ketenmonitor.facts import (
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    REFERRAL_RECEIVED,
    REFERRAL_WITHDRAWN,
)
from ketenmonitor.figures.common import (
    SMALL_CELL,
    Count,
    LeadTime,
    Spread,
    Transition,
    lead_time_of,
    suppressed,
)

LEAVING_TYPES = frozenset({PLACEMENT_ENDED, REFERRAL_WITHDRAWN})
"""Facts that take a case out of the chain, whatever they say."""
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


@dataclass(frozen=True)
class RouteSpreads:
    """What the store aggregates (`store.time_in_chain`)."""

    route: Spread
    time_in_chain: Spread
    """Of the cases that left the chain in the period."""
    re_entered: int
    """Of those, the cases whose youth was referred again within 12 months."""


def route(found: RouteSpreads) -> Route:
    """A case leaves the chain at its earliest placement end, withdrawal, or toegang decision
    for local help or none. Periods on the placement start (route) and on leaving."""
    left, back = found.time_in_chain.count, found.re_entered
    return Route(
        route=lead_time_of(ROUTE, found.route),
        time_in_chain=lead_time_of(IN_CHAIN, found.time_in_chain),
        left=suppressed(left),
        re_entered=suppressed(back),
        re_entry_share=back / left if min(back, left - back) >= SMALL_CELL else None,
    )
