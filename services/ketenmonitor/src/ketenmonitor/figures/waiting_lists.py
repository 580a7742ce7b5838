"""Waiting lists that tell the truth: how youths leave a provider's waiting list for a care
form, how long those who started there waited, how old the open entries are, and the list at
the end of every month.

An entry is a youth's time on one list: from the case's first request there until the first
of: a start or a move there (`started-there`); a start or a move of the youth elsewhere, in
any of the youth's cases, but for crisisopvang, an emergency after which the youth still waits
(`started-elsewhere`); the provider's withdrawal (`withdrawn`); the end of care in the case
(`care-ended`). A request while on the list changes nothing; one after the entry left opens a
new entry. plaatsing keeps its lists by the same rule (`PlacementCase`)."""

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import (
    PLACEMENT_ENDED,
    PLACEMENT_REQUEST_WITHDRAWN,
    PLACEMENT_REQUESTED,
    PLACEMENT_STARTED,
    PREFIX,
    TRANSFERRED,
)
from ketenmonitor.figures.common import (
    Database,
    Filters,
    day_of,
    days,
    end_of_day,
    in_period,
    month_ends,
    spread,
    sql_of_case,
    stock_day,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, CareFormCode, ProviderKvk, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

CRISISOPVANG = CareForm.CRISISOPVANG.value


class Leaving(StrEnum):
    """How an entry left its waiting list; on one moment, the first of these wins."""

    STARTED_THERE = "started-there"
    STARTED_ELSEWHERE = "started-elsewhere"
    WITHDRAWN = "withdrawn"
    CARE_ENDED = "care-ended"


@dataclass(frozen=True)
class Entry:
    """A youth's time on a provider's waiting list for a care form."""

    care_form: str
    provider: str
    requested_at: datetime
    left_at: datetime | None = None
    """None: still on the list (as far as the projection knows)."""
    left_as: Leaving | None = None

    def open_at(self, moment: datetime) -> bool:
        return self.requested_at < moment and (self.left_at is None or self.left_at >= moment)


ListKey = tuple[str, str]
"""A waiting list: (care form, provider)."""


def waiting_at_the_end_of(care_form: str, provider: str, day: date) -> tuple[str, ...]:
    """The name of the count of a list's entries open at the end of `day`, which the waiting
    lists (per list, and per month) and the capacity figure show (`suppression.protect`'s
    `shared`)."""
    return ("waiting at the end of", care_form, provider, day.isoformat())


def lists_of(entries: Iterable[Entry]) -> dict[ListKey, list[Entry]]:
    """The entries per list, the lists in order."""
    found: dict[ListKey, list[Entry]] = {}
    for entry in entries:
        found.setdefault((entry.care_form, entry.provider), []).append(entry)
    return dict(sorted(found.items()))


class OpenEntries:
    """How many of some entries are open at a moment (`Entry.open_at`), by bisection: an entry
    leaves its list at or after it was requested, so those open are those requested before the
    moment less those that left before it."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        found = list(entries)
        self._requested = sorted(e.requested_at for e in found)
        self._left = sorted(e.left_at for e in found if e.left_at is not None)

    def at(self, moment: datetime) -> int:
        return bisect_left(self._requested, moment) - bisect_left(self._left, moment)


@dataclass(frozen=True)
class DaySpread:
    """Days of a set of durations, nearest rank; None where its count is hidden."""

    p50_days: float | None = None
    p90_days: float | None = None
    max_days: float | None = None


@dataclass(frozen=True)
class WaitingList:
    care_form: str
    provider: str
    left: Count
    """Entries that left the list in the period: the sum of the four ways they left."""
    started_there: Count
    started_elsewhere: Count
    withdrawn: Count
    care_ended: Count
    waiting_time: DaySpread
    """Request to start, of those that started there in the period."""
    still_waiting: Count
    """Entries on the list at the end of the period (`to`, or today)."""
    age_of_open: DaySpread
    """Their time on the list so far, at the end of the period."""


@dataclass(frozen=True)
class MonthlyStock:
    month: str
    """YYYY-MM, Europe/Amsterdam"""
    care_form: str
    provider: str
    waiting: Count
    """Entries on the list at the end of the month (in the last month: of the period)."""


@dataclass(frozen=True)
class WaitingListsFigure:
    on: date
    waiting_lists: tuple[WaitingList, ...]
    per_month: tuple[MonthlyStock, ...]


def spread_of(durations: Iterable[timedelta], count: Count) -> DaySpread:
    found = spread(durations)
    if count.suppressed or found.p50 is None or found.p90 is None or found.max is None:
        return DaySpread()
    return DaySpread(days(found.p50), days(found.p90), days(found.max))


def waiting_list(
    care_form: str, provider: str, entries: Sequence[Entry], filters: Filters, end: datetime
) -> WaitingList:
    """One list's figure, its counts suppressed together: the entries that left in the period
    are the sum of the ways they left."""
    left = [e for e in entries if e.left_at is not None and in_period(e.left_at, filters)]
    by_way = {way: [e for e in left if e.left_as is way] for way in Leaving}
    still = [e for e in entries if e.open_at(end)]
    shown = protect(
        {"left": len(left), "still": len(still), **{w: len(found) for w, found in by_way.items()}},
        [Sum("left", tuple(Leaving))],
        f"waiting-list {care_form} {provider}",
        {"still": waiting_at_the_end_of(care_form, provider, stock_day(end))},
    )
    there = shown.count(Leaving.STARTED_THERE)
    return WaitingList(
        care_form=care_form,
        provider=provider,
        left=shown.count("left"),
        started_there=there,
        started_elsewhere=shown.count(Leaving.STARTED_ELSEWHERE),
        withdrawn=shown.count(Leaving.WITHDRAWN),
        care_ended=shown.count(Leaving.CARE_ENDED),
        waiting_time=spread_of(
            (e.left_at - e.requested_at for e in by_way[Leaving.STARTED_THERE] if e.left_at),
            there,
        ),
        still_waiting=shown.count("still"),
        age_of_open=spread_of((end - e.requested_at for e in still), shown.count("still")),
    )


def waiting_lists(entries: Sequence[Entry], filters: Filters, today: date) -> WaitingListsFigure:
    """Per care form and provider: the entries that left the list in the period (`from`,
    `to`) and how, the waiting time (request to start there; nearest-rank p50, p90 and the
    longest) of those that started there, and the entries still on the list at the end of the
    period (`to`, or today) with their age so far; and the list at the end of every month of
    the period (without `from`: from the first request's month). Gemeente and kader filter
    the entries' cases, care form and provider the lists."""
    on = filters.to_date or today
    end = end_of_day(on)
    by_list = lists_of(entries)
    requested = [e.requested_at for e in entries]
    first = filters.from_date or (day_of(min(requested)) if requested else on)
    open_entries = {key: OpenEntries(found) for key, found in by_list.items()}
    stock: dict[tuple[str, str, str], int] = {}
    names: dict[Hashable, Hashable] = {}  # `capacity` and each list's `still` show them too
    for month in month_ends(first, on):
        for care_form, provider in by_list:
            key = (month.month, care_form, provider)
            stock[key] = open_entries[care_form, provider].at(month.at)
            names[key] = waiting_at_the_end_of(care_form, provider, month.day)
    shown = protect(stock, (), "waiting-per-month", names)
    per_month = tuple(MonthlyStock(*key, shown.count(key)) for key in stock)
    return WaitingListsFigure(
        on=on,
        waiting_lists=tuple(
            waiting_list(care_form, provider, found, filters, end)
            for (care_form, provider), found in by_list.items()
        ),
        per_month=per_month,
    )


# --- SQL -------------------------------------------------------------------------------------


def _type(short: str) -> str:
    """An event type as an SQL literal: the contracts' constants, never a request's text."""
    return f"'{PREFIX}{short}'"


# $1 gemeente, $2 kader, $3 care form, $4 provider: every entry of the lists of the cases
# filtered for. Each request finds the first event at or after it that takes the youth off its
# list (ties: in `Leaving`'s order); the requests that share it (or that share having none) are
# one entry, from the first of them.
SELECT_WAITING_ENTRIES = f"""
WITH requests AS (
    SELECT f.case_id, c.youth_pseudonym, f.data->>'care_form' AS care_form,
           f.data->>'provider' AS provider, f.occurred_at AS requested_at
    FROM facts f
    JOIN cases c ON c.case_id = f.case_id
    WHERE f.type = {_type(PLACEMENT_REQUESTED)}
      AND {sql_of_case("$1", "$2", "f.occurred_at")}
      AND ($3::text IS NULL OR f.data->>'care_form' = $3)
      AND ($4::text IS NULL OR f.data->>'provider' = $4)),
left_list AS (
    SELECT r.*, leaving.left_at, leaving.left_as
    FROM requests r
    LEFT JOIN LATERAL (
        SELECT way.occurred_at AS left_at, way.left_as
        FROM (
            SELECT moved.occurred_at,
                   CASE WHEN moved.there THEN 1 ELSE 2 END AS rank,
                   CASE WHEN moved.there THEN '{Leaving.STARTED_THERE}'
                        ELSE '{Leaving.STARTED_ELSEWHERE}' END AS left_as
            FROM (
                SELECT f.occurred_at,
                       coalesce(f.data->>'to_care_form', f.data->>'care_form') AS care_form,
                       (coalesce(f.data->>'to_provider', f.data->>'provider'),
                        coalesce(f.data->>'to_care_form', f.data->>'care_form'))
                           = (r.provider, r.care_form) AS there
                FROM cases youth_case
                JOIN facts f ON f.case_id = youth_case.case_id
                WHERE youth_case.youth_pseudonym = r.youth_pseudonym
                  AND f.type IN ({_type(PLACEMENT_STARTED)}, {_type(TRANSFERRED)})
                  AND f.occurred_at >= r.requested_at) AS moved
            WHERE moved.there OR moved.care_form <> '{CRISISOPVANG}'
            UNION ALL
            SELECT f.occurred_at, 3, '{Leaving.WITHDRAWN}'
            FROM facts f
            WHERE f.case_id = r.case_id AND f.type = {_type(PLACEMENT_REQUEST_WITHDRAWN)}
              AND f.data->>'provider' = r.provider AND f.data->>'care_form' = r.care_form
              AND f.occurred_at >= r.requested_at
            UNION ALL
            SELECT f.occurred_at, 4, '{Leaving.CARE_ENDED}'
            FROM facts f
            WHERE f.case_id = r.case_id AND f.type = {_type(PLACEMENT_ENDED)}
              AND f.occurred_at >= r.requested_at) AS way
        ORDER BY way.occurred_at, way.rank
        LIMIT 1) AS leaving ON true)
SELECT care_form, provider, min(requested_at) AS requested_at, left_at, left_as
FROM left_list
GROUP BY case_id, care_form, provider, left_at, left_as
"""


async def select_waiting_entries(connection: Database, filters: Filters) -> list[Entry]:
    rows = await connection.fetch(
        SELECT_WAITING_ENTRIES,
        filters.gemeente_code,
        filters.kader,
        filters.care_form,
        filters.provider,
    )
    return [
        Entry(
            r["care_form"],
            r["provider"],
            r["requested_at"],
            r["left_at"],
            Leaving(r["left_as"]) if r["left_as"] else None,
        )
        for r in rows
    ]


class Rows(Protocol):
    async def waiting_entries(self, filters: Filters) -> list[Entry]:
        """Every entry of the lists and cases filtered for, whenever it was; the period is the
        figure's to apply."""


# --- the answer --------------------------------------------------------------------------------


class Days(ApiModel):
    p50_days: float | None = Field(description="Median, nearest rank; null when suppressed")
    p90_days: float | None = Field(description="90th percentile, nearest rank")
    max_days: float | None


class WaitingListAnswer(ApiModel):
    care_form: CareFormCode
    provider: ProviderKvk
    left: CountAnswer = Field(description="Entries that left the list in the period")
    started_there: CountAnswer = Field(description="Of them: the youth started at this list")
    started_elsewhere: CountAnswer = Field(
        description="The youth started or moved elsewhere (crisisopvang does not count)"
    )
    withdrawn: CountAnswer = Field(description="The provider withdrew the request")
    care_ended: CountAnswer = Field(description="The care in the case ended")
    waiting_time: Days = Field(description="Request to start, of those that started there")
    still_waiting: CountAnswer = Field(description="On the list at the end of the period")
    age_of_open: Days = Field(description="Their time on the list so far, at the end")


class MonthlyStockAnswer(ApiModel):
    month: str = Field(examples=["2026-03"])
    care_form: str
    provider: str
    waiting: CountAnswer = Field(description="On the list at the end of the month")


class WaitingLists(ApiModel):
    filters: AppliedFilters
    on: date = Field(description="The end of the period: `to`, or today")
    waiting_lists: list[WaitingListAnswer]
    per_month: list[MonthlyStockAnswer]


async def read(source: Rows, filters: Filters, today: date) -> WaitingLists:
    figure = waiting_lists(await source.waiting_entries(filters.without_period()), filters, today)
    return answer(WaitingLists, filters, figure)


FIGURE = Figure(
    name="waiting_lists",
    label="Wachtlijsten",
    summary="Waiting lists: how entries leave, waiting times, open entries, the list per month",
    description=waiting_lists.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=WaitingLists,
    read=read,
)
