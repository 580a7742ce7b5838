"""Stepping stones: transfers per placed youth within the rolling 12 months, and the reasons
of the transfers, from what PostgreSQL counts (`store.transfer_counts`); the same in every
order of arrival.

The youths are those of `figures.stepping_stones`: whose first placement start (by event time;
ties by case) lies in the period, with the gemeente and kader of that placement's case."""

from dataclasses import dataclass
from datetime import date, timedelta

from ketenmonitor.figures.common import Count, SteppingStones, stepping_stones, suppressed


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


@dataclass(frozen=True)
class TransferCounts:
    """What the store counts (`queries.SELECT_TRANSFER_COUNTS`) of the youths whose first
    placement started in the period and whose case matches the gemeente and kader."""

    within: dict[int, int]
    """Placed youths per number of their transfers within the rolling 12 months."""
    reasons: dict[str, int]
    """All their known transfers per reason."""


def transfers(found: TransferCounts, on: date) -> Transfers:
    """Of the youths whose first placement started in the period and whose case matches the
    gemeente and kader: the distribution of their transfers that occurred in the 12 months
    ending with `on` (Europe/Amsterdam days, both ends included), and all their transfers per
    reason."""
    within = [transfers for transfers, youths in found.within.items() for _ in range(youths)]
    return Transfers(
        on=on,
        window_from=twelve_months_before(on),
        rolling_12_months=stepping_stones(within),
        reasons=tuple(ReasonCount(r, suppressed(n)) for r, n in sorted(found.reasons.items())),
    )
