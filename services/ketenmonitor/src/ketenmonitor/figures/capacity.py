"""Waiting lists against capacity: per care form and provider, the cases waiting and the
provider's latest reported places; a brandhaard where demand exceeds the free places."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import BaseModel, Field

from ketenmonitor.facts import (
    CAPACITY_RECORDED,
    PLACEMENT_ENDED,
    PLACEMENT_REQUESTED,
    PLACEMENT_STARTED,
    PREFIX,
)
from ketenmonitor.figures.common import (
    Database,
    Filters,
    end_of,
    period_and_case,
    sql_in_period,
    sql_of_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, suppressed


@dataclass(frozen=True)
class ListAgainstCapacity:
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
    """What the store counts (`SELECT_WAITING_LISTS`) for a care form and provider."""

    care_form: str
    provider: str
    waiting: int
    places: int | None
    occupied: int | None


def waiting_against_capacity(lists: Iterable[WaitingList]) -> list[ListAgainstCapacity]:
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
            ListAgainstCapacity(
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


# $1 from date, $2 to date, $3 gemeente, $4 kader, $5 placement-requested type, $6 the types
# that close a request (placement started, ended), $7 capacity-recorded type, $8 the cutoff (the
# end of `to`; null: none), $9 care form, $10 provider: per care form and provider, the cases
# still waiting and the latest capacity (ties in event time: the most places, then occupied)
SELECT_WAITING_LISTS = f"""
WITH requests AS (
    SELECT f.data->>'care_form' AS care_form, f.data->>'provider' AS provider, f.case_id,
           f.occurred_at
    FROM facts f
    LEFT JOIN cases c ON c.case_id = f.case_id
    WHERE f.type = $5
      AND ($8::timestamptz IS NULL OR f.occurred_at < $8)
      AND {sql_in_period("f.occurred_at", "$1", "$2")}
      AND {sql_of_case("$3", "$4")}
      AND ($9::text IS NULL OR f.data->>'care_form' = $9)
      AND ($10::text IS NULL OR f.data->>'provider' = $10)),
waiting AS (
    SELECT care_form, provider,
           count(DISTINCT case_id) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM facts closing
               WHERE closing.case_id = r.case_id
                 AND closing.type = ANY($6::text[])
                 AND closing.occurred_at >= r.occurred_at
                 AND ($8::timestamptz IS NULL OR closing.occurred_at < $8))) AS waiting
    FROM requests r
    GROUP BY care_form, provider),
latest AS (
    SELECT DISTINCT ON (care_form, provider) care_form, provider, places, occupied
    FROM (
        SELECT f.data->>'care_form' AS care_form, f.data->>'provider' AS provider,
               f.occurred_at, (f.data->>'places')::integer AS places,
               (f.data->>'occupied')::integer AS occupied
        FROM facts f
        WHERE f.type = $7
          AND ($8::timestamptz IS NULL OR f.occurred_at < $8)
          AND ($9::text IS NULL OR f.data->>'care_form' = $9)
          AND ($10::text IS NULL OR f.data->>'provider' = $10)) AS recorded
    ORDER BY care_form, provider, occurred_at DESC, places DESC, occupied DESC)
SELECT coalesce(w.care_form, l.care_form) AS care_form,
       coalesce(w.provider, l.provider) AS provider,
       coalesce(w.waiting, 0) AS waiting, l.places, l.occupied
FROM waiting w
FULL JOIN latest l ON l.care_form = w.care_form AND l.provider = w.provider
"""


async def select_waiting_lists(connection: Database, filters: Filters) -> list[WaitingList]:
    rows = await connection.fetch(
        SELECT_WAITING_LISTS,
        *period_and_case(filters),
        PREFIX + PLACEMENT_REQUESTED,
        [PREFIX + PLACEMENT_STARTED, PREFIX + PLACEMENT_ENDED],
        PREFIX + CAPACITY_RECORDED,
        end_of(filters.to_date),
        filters.care_form,
        filters.provider,
    )
    return [
        WaitingList(r["care_form"], r["provider"], r["waiting"], r["places"], r["occupied"])
        for r in rows
    ]


class Rows(Protocol):
    async def waiting_lists(self, filters: Filters) -> list[WaitingList]: ...


class WaitingAgainstCapacity(BaseModel):
    care_form: str = Field(examples=["gezinshuis"])
    provider: str = Field(description="KvK number of the provider", examples=["12345678"])
    waiting: CountAnswer = Field(description="Cases waiting: requested, not yet placed or ended")
    places: int | None = Field(description="Latest capacity-recorded; null: never recorded")
    occupied: int | None
    free_places: int | None = Field(description="places - occupied (at least 0)")
    brandhaard: bool | None = Field(
        description="Waiting demand exceeds free places; null when either is unknown or the "
        "waiting count is suppressed"
    )


class Capacity(BaseModel):
    filters: AppliedFilters
    waiting_lists: list[WaitingAgainstCapacity]


async def read(source: Rows, filters: Filters, today: date) -> Capacity:
    lists = waiting_against_capacity(await source.waiting_lists(filters))
    return answer(Capacity, filters, waiting_lists=lists)


FIGURE = Figure(
    name="capacity",
    path="/v1/capacity",
    label="Capaciteit",
    summary="Waiting lists against capacity per care form and provider; brandhaarden",
    description=waiting_against_capacity.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=Capacity,
    read=read,
)
