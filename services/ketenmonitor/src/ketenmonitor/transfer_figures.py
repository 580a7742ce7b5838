"""Stepping stones from facts: transfers per placed youth within the rolling 12 months, and
the reasons of the transfers. Pure (see chain_figures); the same in every order of arrival.

The youths are those of `figures.stepping_stones`: whose first placement start (by event time;
ties by case) lies in the period, with the gemeente and kader of that placement's case."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from ketenmonitor.chain_figures import (
    PLACEMENT_STARTED,
    TRANSFERRED,
    FactRow,
    day_of,
    in_period,
    of_case,
)
from ketenmonitor.figures import Count, Filters, SteppingStones, stepping_stones, suppressed


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    transfers: Count


@dataclass(frozen=True)
class Transfers:
    on: date
    """The last day of the rolling 12 months (`to`, or today)."""
    window_from: date
    """Its first day: the day after `on` twelve calendar months earlier."""
    rolling_12_months: SteppingStones
    """The placed youths, by their transfers within the window."""
    reasons: tuple[ReasonCount, ...]
    """All known transfers of the placed youths, per reason (sorted by reason)."""


def twelve_months_before(on: date) -> date:
    """The first day of the 12 calendar months ending with `on` (29 February: 1 March)."""
    try:
        earlier = on.replace(year=on.year - 1)
    except ValueError:  # 29 February
        earlier = on.replace(year=on.year - 1, day=28)
    return earlier + timedelta(days=1)


def transfers(rows: Iterable[FactRow], filters: Filters, on: date) -> Transfers:
    """Of the youths whose first placement started in the period and whose case matches the
    gemeente and kader: the distribution of their transfers that occurred in the 12 months
    ending with `on` (Europe/Amsterdam days, both ends included), and all their transfers per
    reason."""
    first: dict[str, tuple[datetime, UUID, FactRow]] = {}
    moves: dict[str, list[FactRow]] = {}
    for row in rows:
        youth = row.data.get("youth_pseudonym")
        if not isinstance(youth, str):
            continue
        if row.type == PLACEMENT_STARTED and row.case_id is not None:
            key = (row.occurred_at, row.case_id)
            if youth not in first or key < first[youth][:2]:
                first[youth] = (row.occurred_at, row.case_id, row)
        elif row.type == TRANSFERRED:
            moves.setdefault(youth, []).append(row)
    placed = [
        youth
        for youth, (at, _, start) in first.items()
        if in_period(at, filters) and of_case(start, filters)
    ]
    since = twelve_months_before(on)
    within = [
        sum(1 for move in moves.get(youth, ()) if since <= day_of(move.occurred_at) <= on)
        for youth in placed
    ]
    reasons: dict[str, int] = {}
    for youth in placed:
        for move in moves.get(youth, ()):
            reason = str(move.data.get("reason"))
            reasons[reason] = reasons.get(reason, 0) + 1
    return Transfers(
        on=on,
        window_from=since,
        rolling_12_months=stepping_stones(within),
        reasons=tuple(ReasonCount(r, suppressed(n)) for r, n in sorted(reasons.items())),
    )
