"""Stepping stones: how often placed youths were moved from one place to the next (transfers
per placed youth, in all and within the rolling 12 months), why, and the share placed right
the first time; from what PostgreSQL counts, the same in every order of arrival.

The youths are those whose first placement start (by event time; ties by case) lies in the
period, with the gemeente of that placement's case and its kader at that start."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PREFIX, TRANSFERRED
from ketenmonitor.figures.common import (
    Database,
    Filters,
    numbered_buckets,
    per_bucket,
    period_and_case,
    sql_in_period,
    sql_period_and_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

TRANSFER_BUCKETS = numbered_buckets(5, 9)
"""Transfers per youth, grouped ("0" to "4", "5-9", "10+"): DOMAIN.md reports youths moved
more than 10 times."""


@dataclass(frozen=True)
class TransferBucket:
    transfers: str
    youths: Count


@dataclass(frozen=True)
class Distribution:
    placed_youths: Count
    distribution: tuple[TransferBucket, ...]
    first_time_right: Count
    """Placed youths never transferred: "in één keer op de juiste plek"."""
    first_time_right_share: float | None
    """Their share of the placed youths; only where both are shown."""


def stepping_stones(transfers_per_youth: Iterable[int], table: str) -> Distribution:
    """From the number of transfers of each placed youth. The placed youths are the sum of the
    buckets, and those placed right the first time are the first bucket: suppressed together,
    so that 68 placed youths of whom 62 never moved cannot tell that 6 did."""
    counts = list(transfers_per_youth)
    buckets = per_bucket(TRANSFER_BUCKETS, ((n, 1) for n in counts))
    cells: dict[Hashable, int] = {"placed": len(counts), "right": buckets["0"]}
    cells.update(buckets)
    shown = protect(
        cells,
        [Sum("placed", tuple(buckets)), Sum("right", ("0",))],
        table,
    )
    return Distribution(
        placed_youths=shown.count("placed"),
        distribution=tuple(TransferBucket(name, shown.count(name)) for name in buckets),
        first_time_right=shown.count("right"),
        first_time_right_share=shown.share("right", "placed"),
    )


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
    rolling_12_months: Distribution
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
    """What the store counts (`SELECT_TRANSFER_COUNTS`) of the youths whose first
    placement started in the period and whose case matches the gemeente and kader."""

    within: dict[int, int]
    """Placed youths per number of their transfers within the rolling 12 months."""
    reasons: dict[str, int]
    """All their known transfers per reason."""


def transfers(found: TransferCounts, on: date) -> Transfers:
    """Of the youths whose first placement started in the period and whose case matches the
    gemeente, and the kader at that start: the distribution of their transfers that occurred
    in the 12 months ending with `on` (Europe/Amsterdam days, both ends included), and all
    their transfers per reason."""
    within = [transfers for transfers, youths in found.within.items() for _ in range(youths)]
    reasons = protect(found.reasons, (), "transfer-reasons")
    return Transfers(
        on=on,
        window_from=twelve_months_before(on),
        rolling_12_months=stepping_stones(within, "rolling-12-months"),
        reasons=tuple(ReasonCount(r, reasons.count(r)) for r in sorted(found.reasons)),
    )


# $1 from date, $2 to date (of the youth's first placement start), $3 gemeente, $4 kader (of
# its case), $5 transferred type, $6 and $7 the rolling window's first and last day: of the
# placed youths, how many had each number of transfers within the window (kind 'within'), and
# all their transfers per reason (kind 'reason'; a transfer without one: 'None', as in Python)
SELECT_TRANSFER_COUNTS = f"""
WITH placed AS MATERIALIZED (
    SELECT y.youth_pseudonym AS youth
    FROM youth_placements y
    LEFT JOIN cases c ON c.case_id = y.case_id
    WHERE {sql_period_and_case("y.first_started_at", 1)}),
moves AS MATERIALIZED (
    SELECT f.data->>'youth_pseudonym' AS youth, f.occurred_at,
           coalesce(f.data->>'reason', 'None') AS reason
    FROM facts f
    WHERE f.type = $5 AND f.data->>'youth_pseudonym' IN (SELECT youth FROM placed)),
within AS (
    SELECT count(moves.youth) AS transfers
    FROM placed
    LEFT JOIN moves ON moves.youth = placed.youth
                   AND {sql_in_period("moves.occurred_at", "$6", "$7")}
    GROUP BY placed.youth)
SELECT 'within' AS kind, transfers::text AS key, count(*) AS n FROM within GROUP BY transfers
UNION ALL
SELECT 'reason', reason, count(*) FROM moves GROUP BY reason
"""


# $1 from date, $2 to date (of the youth's first placement start), $3 gemeente, $4 kader
SELECT_TRANSFERS_PER_PLACED_YOUTH = f"""
SELECT y.youth_pseudonym, coalesce(t.transfers, 0) AS transfers
FROM youth_placements y
LEFT JOIN youth_transfers t ON t.youth_pseudonym = y.youth_pseudonym
LEFT JOIN cases c ON c.case_id = y.case_id
WHERE {sql_period_and_case("y.first_started_at", 1)}
"""


async def select_transfer_counts(
    connection: Database, filters: Filters, on: date
) -> TransferCounts:
    """Of the youths first placed in the period, their transfers within the 12 months ending
    with `on`, and per reason."""
    rows = await connection.fetch(
        SELECT_TRANSFER_COUNTS,
        *period_and_case(filters),
        PREFIX + TRANSFERRED,
        twelve_months_before(on),
        on,
    )
    return TransferCounts(
        within={int(r["key"]): r["n"] for r in rows if r["kind"] == "within"},
        reasons={r["key"]: r["n"] for r in rows if r["kind"] == "reason"},
    )


async def select_transfers_per_placed_youth(connection: Database, filters: Filters) -> list[int]:
    rows = await connection.fetch(
        SELECT_TRANSFERS_PER_PLACED_YOUTH,
        *period_and_case(filters),
    )
    return [row["transfers"] for row in rows]


class Rows(Protocol):
    async def transfer_counts(self, filters: Filters, on: date) -> TransferCounts: ...

    async def transfers_per_placed_youth(self, filters: Filters) -> list[int]: ...


class Bucket(ApiModel):
    transfers: str = Field(description="Transfers per youth: 0, 1, 2, 3, 4, 5-9 or 10+")
    youths: CountAnswer


class RollingTwelveMonths(ApiModel):
    on: date = Field(description="The window's last day: `to`, or today")
    window_from: date = Field(description="The window's first day, 12 months before")
    distribution: list[Bucket] = Field(
        description="The placed youths by their transfers within the window"
    )


class TransferReason(ApiModel):
    reason: str = Field(examples=["escalatie"])
    transfers: CountAnswer


class SteppingStones(ApiModel):
    filters: AppliedFilters
    placed_youths: CountAnswer = Field(
        description="Youths whose first placement started in the period"
    )
    distribution: list[Bucket]
    first_time_right: CountAnswer = Field(
        description='"In één keer op de juiste plek": no transfer'
    )
    first_time_right_share: float | None
    rolling_12_months: RollingTwelveMonths
    transfer_reasons: list[TransferReason] = Field(
        description="All known transfers of the placed youths, per reason"
    )


async def read(source: Rows, filters: Filters, today: date) -> SteppingStones:
    stones = stepping_stones(await source.transfers_per_placed_youth(filters), "placed-youths")
    on = filters.to_date or today
    moved = transfers(await source.transfer_counts(filters, on), on)
    rolling = RollingTwelveMonths.model_validate(
        {
            "on": moved.on,
            "window_from": moved.window_from,
            "distribution": moved.rolling_12_months.distribution,
        },
        from_attributes=True,
    )
    return answer(
        SteppingStones, filters, stones, rolling_12_months=rolling, transfer_reasons=moved.reasons
    )


FIGURE = Figure(
    name="stepping_stones",
    label="Overplaatsingen van alle geplaatste jongeren (ook ambulant)",
    summary="Transfers per placed youth, ambulant care included (all, and within 12 "
    "months), their reasons, and the share placed right the first time",
    description=transfers.__doc__,
    accepts=Accepts.CASES,
    answer=SteppingStones,
    read=read,
)
