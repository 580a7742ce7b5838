"""Waiting lists against capacity: per care form and provider, the cases waiting and the
provider's latest reported places; a brandhaard where demand exceeds the free places."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures import capacity_history, waiting_lists
from ketenmonitor.figures.capacity_history import CapacityReport, latest_before
from ketenmonitor.figures.common import Filters, end_of_day
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, CareFormCode, ProviderKvk, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, protect
from ketenmonitor.figures.waiting_lists import Entry, lists_of, waiting_at_the_end_of


@dataclass(frozen=True)
class ListAgainstCapacity:
    care_form: str
    provider: str
    waiting: Count
    """Entries on the provider's waiting list for the care form (`waiting_lists`)."""
    places: int | None
    """From the latest capacity-recorded (None: never recorded)."""
    occupied: int | None
    free_places: int | None
    brandhaard: bool | None
    """Waiting demand exceeds free places; None when either is unknown or `waiting` is a small
    cell (the flag would reveal it)."""


def waiting_against_capacity(
    entries: Sequence[Entry], reports: Sequence[CapacityReport], filters: Filters, on: date
) -> list[ListAgainstCapacity]:
    """The waiting lists at the end of `on` (`to`, or today), as `waiting_lists` shows them:
    the entries on them at that moment, whenever they were requested (`waiting_lists` says
    when an entry leaves its list); against each provider's latest capacity-recorded for the
    care form before that moment. Gemeente and kader filter the entries' cases; care form and
    provider both. A list with no entry on it is shown when it had entries or capacity
    before."""
    end = end_of_day(on)
    latest = latest_before(reports, end)
    by_list = {
        key: found
        for key, found in lists_of(entries).items()
        if any(e.requested_at < end for e in found)
    }
    figures = []
    keys = sorted(set(by_list) | set(latest))
    waiting = {key: sum(e.open_at(end) for e in by_list.get(key, ())) for key in keys}
    names = {key: waiting_at_the_end_of(*key, on) for key in keys}
    shown = protect(waiting, (), "waiting", names)
    for care_form, provider in keys:
        count = shown.count((care_form, provider))
        report = latest.get((care_form, provider))
        free = report.free_places if report is not None else None
        figures.append(
            ListAgainstCapacity(
                care_form=care_form,
                provider=provider,
                waiting=count,
                places=report.places if report is not None else None,
                occupied=report.occupied if report is not None else None,
                free_places=free,
                brandhaard=count.value > free
                if count.value is not None and free is not None
                else None,
            )
        )
    return figures


class Rows(waiting_lists.Rows, capacity_history.Rows, Protocol):
    """The waiting lists' entries and the capacity reports."""


class WaitingAgainstCapacity(ApiModel):
    care_form: CareFormCode
    provider: ProviderKvk
    waiting: CountAnswer = Field(
        description="Entries on the list: requested, not yet started, withdrawn or ended"
    )
    places: int | None = Field(description="Latest capacity-recorded; null: never recorded")
    occupied: int | None
    free_places: int | None = Field(description="places - occupied (at least 0)")
    brandhaard: bool | None = Field(
        description="Waiting demand exceeds free places; null when either is unknown or the "
        "waiting count is suppressed"
    )


class Capacity(ApiModel):
    filters: AppliedFilters
    waiting_lists: list[WaitingAgainstCapacity]


async def read(source: Rows, filters: Filters, today: date) -> Capacity:
    lists = waiting_against_capacity(
        await source.waiting_entries(filters.without_period()),
        await source.capacity_reports(filters.without_period()),
        filters,
        filters.to_date or today,
    )
    return answer(Capacity, filters, waiting_lists=lists)


FIGURE = Figure(
    name="capacity",
    label="Capaciteit",
    summary="Waiting lists against capacity per care form and provider; brandhaarden",
    description=waiting_against_capacity.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=Capacity,
    read=read,
)
