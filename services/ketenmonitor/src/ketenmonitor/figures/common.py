"""The figures the region steers on, computed from rows: pure, no I/O.

Every count a dashboard sees passes `suppressed()`: a cell smaller than `SMALL_CELL` (Twente's
practice, DOMAIN.md) is returned as `None` with `suppressed: true`, and so is every figure that
would reveal it (the percentiles of that cell, a share whose part or rest is small).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

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

SMALL_CELL = 10
"""Cells with fewer than this many youths or cases are suppressed: the one threshold."""

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Transition:
    """A stage transition: from the first `start` milestone of a case to its first `end`."""

    name: str
    start: str
    end: str
    description: str


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


@dataclass(frozen=True)
class Filters:
    """A period (calendar dates, Europe/Amsterdam, both ends included) on a transition's end,
    or on a youth's first placement start; a gemeente (CBS code) and a kader; and, for the
    figures where they mean something, a care form and a provider (KvK number)."""

    from_date: date | None = None
    to_date: date | None = None
    gemeente_code: str | None = None
    kader: str | None = None
    care_form: str | None = None
    provider: str | None = None


@dataclass(frozen=True)
class Count:
    value: int | None
    suppressed: bool


def suppressed(count: int) -> Count:
    return Count(None, True) if count < SMALL_CELL else Count(count, False)


@dataclass(frozen=True)
class LeadTime:
    transition: str
    description: str
    count: Count
    p50_days: float | None
    p90_days: float | None
    max_days: float | None


def percentile(ordered: Sequence[timedelta], p: int) -> timedelta:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not ordered:
        raise ValueError("no values")
    rank = -(-p * len(ordered) // 100)  # ceil(p * n / 100), in integers
    return ordered[max(rank, 1) - 1]


def days(duration: timedelta) -> float:
    return duration.total_seconds() / SECONDS_PER_DAY


@dataclass(frozen=True)
class Spread:
    """What a lead time shows of a set of durations: how many, their nearest-rank p50 and p90
    and their maximum (None when there are none). The store computes it in SQL
    (`queries.spread_of`) with the same ranks as `percentile`."""

    count: int
    p50: timedelta | None = None
    p90: timedelta | None = None
    max: timedelta | None = None


def spread(durations: Iterable[timedelta]) -> Spread:
    ordered = sorted(durations)
    if not ordered:
        return Spread(0)
    return Spread(len(ordered), percentile(ordered, 50), percentile(ordered, 90), ordered[-1])


def lead_time_of(transition: Transition, found: Spread) -> LeadTime:
    count = suppressed(found.count)
    if count.suppressed or found.p50 is None or found.p90 is None or found.max is None:
        return LeadTime(transition.name, transition.description, count, None, None, None)
    return LeadTime(
        transition.name,
        transition.description,
        count,
        p50_days=days(found.p50),
        p90_days=days(found.p90),
        max_days=days(found.max),
    )


def lead_time(transition: Transition, durations: Iterable[timedelta]) -> LeadTime:
    return lead_time_of(transition, spread(durations))


TRANSFER_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5-9", 5, 9),
    ("10+", 10, None),
)
"""Transfers per youth, grouped: DOMAIN.md reports youths moved more than 10 times."""


@dataclass(frozen=True)
class Bucket:
    transfers: str
    youths: Count


@dataclass(frozen=True)
class SteppingStones:
    placed_youths: Count
    distribution: tuple[Bucket, ...]
    first_time_right: Count
    """Placed youths never transferred: "in één keer op de juiste plek"."""
    first_time_right_share: float | None
    """Their share of the placed youths; suppressed when either part is a small cell."""


def _within(transfers: int, low: int, high: int | None) -> bool:
    return low <= transfers and (high is None or transfers <= high)


def stepping_stones(transfers_per_youth: Iterable[int]) -> SteppingStones:
    """From the number of transfers of each placed youth."""
    counts = list(transfers_per_youth)
    placed, right = len(counts), sum(1 for n in counts if n == 0)
    share_shown = min(right, placed - right) >= SMALL_CELL
    return SteppingStones(
        placed_youths=suppressed(placed),
        distribution=tuple(
            Bucket(name, suppressed(sum(1 for n in counts if _within(n, low, high))))
            for name, low, high in TRANSFER_BUCKETS
        ),
        first_time_right=suppressed(right),
        first_time_right_share=right / placed if share_shown else None,
    )
