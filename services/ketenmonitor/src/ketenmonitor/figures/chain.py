"""The figures computed from facts themselves (waiting lists against capacity, inflow, advice
versus deployed care, 18-/18+): pure, no I/O.

Each takes the facts of a few event types, each with the attributes of its case (`FactRow`),
and depends only on which facts there are and their event time (`occurred_at`), never on the
order in which they arrived: the fact table is a set, and every function here is a function of
a set (tested with every permutation). Counts pass `figures.suppressed()`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from jeugdketen_shared.contracts.fields import AMSTERDAM
from ketenmonitor.figures.common import SMALL_CELL, Count, Filters, suppressed


@dataclass(frozen=True)
class FactRow:
    """A fact as the figures read it: its short type, event time, data, and its case's
    gemeente and kader (`cases`; None for a fact about a provider)."""

    type: str
    case_id: UUID | None
    occurred_at: datetime
    data: Mapping[str, Any]
    gemeente_code: str | None = None
    kader: str | None = None


def day_of(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def end_of(day: date | None) -> datetime | None:
    """The first moment after `day` (Europe/Amsterdam); None: no end."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=AMSTERDAM)


def in_period(moment: datetime, filters: Filters) -> bool:
    day = day_of(moment)
    return (filters.from_date is None or day >= filters.from_date) and (
        filters.to_date is None or day <= filters.to_date
    )


def of_case(row: FactRow, filters: Filters) -> bool:
    """The row's case matches the gemeente and kader filters."""
    return (filters.gemeente_code is None or row.gemeente_code == filters.gemeente_code) and (
        filters.kader is None or row.kader == filters.kader
    )


# --- waiting lists against capacity -------------------------------------------------------------


@dataclass(frozen=True)
class WaitingAgainstCapacity:
    care_form: str
    provider: str
    waiting: Count
    """Cases on the provider's waiting list for the care form, not yet placed or ended."""
    places: int | None
    """From the latest capacity-recorded (None: never recorded)."""
    occupied: int | None
    free_places: int | None
    brandhaard: bool | None
    """Waiting demand exceeds free places; None when either is unknown or `waiting` is a small
    cell (the flag would reveal it)."""


@dataclass(frozen=True)
class WaitingList:
    """What the store counts (`queries.SELECT_WAITING_LISTS`) for a care form and provider."""

    care_form: str
    provider: str
    waiting: int
    places: int | None
    occupied: int | None


def waiting_against_capacity(lists: Iterable[WaitingList]) -> list[WaitingAgainstCapacity]:
    """The waiting list at the end of `filters.to_date` (no `to`: everything known): the
    placement requests made in the period (`from`, `to`) with no placement start or end of
    their case at or after the request and before that moment; against each provider's latest
    capacity-recorded for the care form before that moment. Gemeente and kader filter the
    requests; care form and provider both."""
    figures = []
    for found in sorted(lists, key=lambda w: (w.care_form, w.provider)):
        count = suppressed(found.waiting)
        places, occupied = found.places, found.occupied
        free = max(places - occupied, 0) if places is not None and occupied is not None else None
        figures.append(
            WaitingAgainstCapacity(
                care_form=found.care_form,
                provider=found.provider,
                waiting=count,
                places=places,
                occupied=occupied,
                free_places=free,
                brandhaard=count.value > free
                if count.value is not None and free is not None
                else None,
            )
        )
    return figures


# --- inflow into jeugdzorg plus and 3-milieu; thuis, tenzij -----------------------------------

AMBULANT = "ambulant"
INFLOW_CARE_FORMS = ("jeugdzorg-plus", "3-milieuvoorziening")
"""Jeugdzorg plus is to be wound down by 2030; 3-milieu provision is where its inflow should go."""


@dataclass(frozen=True)
class MonthlyInflow:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    care_form: str
    entries: Count


@dataclass(frozen=True)
class ThuisTenzij:
    youths: Count
    """Youths who started care or moved to another care form in the period."""
    at_home: Count
    """Of them, those whose every care form entered in the period is ambulant."""
    away_from_home: Count
    at_home_share: float | None
    """Suppressed when either part is a small cell."""


@dataclass(frozen=True)
class Inflow:
    per_month: tuple[MonthlyInflow, ...]
    """Entries into each of `INFLOW_CARE_FORMS`, per month of the period with any entry."""
    totals: dict[str, Count]
    thuis_tenzij: ThuisTenzij


@dataclass(frozen=True)
class Entries:
    """What the store counts of the entries (`queries.SELECT_INFLOW`): placement starts and
    transfers into another care form in the period, of the cases and (the placement's or the
    new) provider filtered for."""

    per_month: dict[tuple[str, str], int]
    """Entries into each of `INFLOW_CARE_FORMS` per (YYYY-MM, care form); no entry: absent."""
    youths: int
    """Youths with any entry."""
    away_from_home: int
    """Of them, those who entered any care form that is not ambulant."""


def inflow(found: Entries) -> Inflow:
    per_month = found.per_month
    months = sorted({month for month, _ in per_month})
    youths, placed_away = found.youths, found.away_from_home
    at_home = youths - placed_away
    return Inflow(
        per_month=tuple(
            MonthlyInflow(month, care_form, suppressed(per_month.get((month, care_form), 0)))
            for month in months
            for care_form in INFLOW_CARE_FORMS
        ),
        totals={
            care_form: suppressed(sum(n for (_, form), n in per_month.items() if form == care_form))
            for care_form in INFLOW_CARE_FORMS
        },
        thuis_tenzij=ThuisTenzij(
            youths=suppressed(youths),
            at_home=suppressed(at_home),
            away_from_home=suppressed(placed_away),
            at_home_share=at_home / youths if min(at_home, placed_away) >= SMALL_CELL else None,
        ),
    )
