"""Placements as places: what the figures about youths away from home (the national stepping
stones, zo dicht mogelijk bij huis, huiselijke setting) and the stepping-stone alert read: one
definition of a move for both.

A *stay* is a youth's time at one place: from a placement start or a transfer (into the place)
to the case's next transfer or end of care, by event time; it is in the period when it began
on or before the period's last day and did not end before its first. A *move* is a transfer,
or a new placement away from home (any care form but ambulant) of a youth whose care ended
(in any of its cases) at most `move_gap_days` before: its last end of care before the start.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.facts import PLACEMENT_ENDED, PLACEMENT_STARTED, PREFIX, TRANSFERRED
from ketenmonitor.figures.common import Database, Filters, counts_per, period_and_case, sql_of_case

AMBULANT = CareForm.AMBULANT.value

MOVE_TYPES = (PREFIX + PLACEMENT_STARTED, PREFIX + TRANSFERRED, PREFIX + PLACEMENT_ENDED)
"""The event types stays and moves are made of, in the order of `sql_moves`' parameters."""


def sql_stays(started: str, transferred: str, ended: str, youths: str | None = None) -> str:
    """CTEs `events` (placement starts, transfers and ends) and `stays` over the facts: each
    stay's case, youth, care form, provider, location (CBS code), when it began (`occurred_at`)
    and ended (`ended_at`, NULL while it lasts), and for a transfer the care form it left.
    `started`, `transferred`, `ended`: the parameters holding the three event types; `youths`:
    a parameter with the only youths to read, else all. Events of one moment follow in the
    order plaatsing recorded them: a case's events share a partition (keyed by case), so their
    offsets say it (a transfer and the end of care at one moment: the stay the transfer began
    ends at once)."""
    only = f"AND f.data->>'youth_pseudonym' = ANY({youths}::text[])" if youths else ""
    return f"""
events AS (
    SELECT f.id, f.case_id, f.type, f.occurred_at, f.data->>'youth_pseudonym' AS youth,
           f.data->>'from_care_form' AS from_form,
           CASE WHEN f.type = {transferred} THEN f.data->>'to_care_form'
                ELSE f.data->>'care_form' END AS care_form,
           CASE WHEN f.type = {transferred} THEN f.data->>'to_provider'
                ELSE f.data->>'provider' END AS provider,
           CASE WHEN f.type = {transferred} THEN f.data->>'to_location_gemeente_code'
                ELSE f.data->>'location_gemeente_code' END AS location,
           lead(f.occurred_at) OVER (PARTITION BY f.case_id ORDER BY f.occurred_at, f."offset")
               AS ended_at
    FROM facts f
    WHERE f.type IN ({started}, {transferred}, {ended}) AND f.case_id IS NOT NULL {only}),
stays AS MATERIALIZED (SELECT * FROM events WHERE type <> {ended})"""


def sql_moves(
    started: str, transferred: str, ended: str, gap_days: str, youths: str | None = None
) -> str:
    """`sql_stays`' CTEs and `moves`: each move's youth, case (where it lands), moment, and the
    care forms it goes from and to. `gap_days`: the parameter holding `move_gap_days`."""
    return f"""{sql_stays(started, transferred, ended, youths)},
ends AS (SELECT youth, occurred_at, care_form FROM events WHERE type = {ended}),
replaced AS (
    SELECT DISTINCT ON (s.id) s.youth, s.case_id, s.occurred_at,
           e.care_form AS from_form, s.care_form AS to_form
    FROM stays s
    JOIN ends e ON e.youth = s.youth AND e.occurred_at <= s.occurred_at
               AND e.occurred_at >= s.occurred_at - make_interval(secs => {gap_days} * 86400)
    WHERE s.type = {started} AND s.care_form <> '{AMBULANT}'
    ORDER BY s.id, e.occurred_at DESC),
moves AS MATERIALIZED (
    SELECT youth, case_id, occurred_at, from_form, to_form FROM replaced
    UNION ALL
    SELECT youth, case_id, occurred_at, from_form, care_form FROM events
    WHERE type = {transferred})"""


def sql_stay_in_period(from_date: str, to_date: str) -> str:
    """The stay `s` began on or before the period's last day and did not end before its
    first (Europe/Amsterdam days)."""
    return (
        f"({to_date}::date IS NULL"
        f" OR s.occurred_at < ({to_date}::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam') "
        f"AND ({from_date}::date IS NULL OR s.ended_at IS NULL"
        f" OR s.ended_at >= {from_date}::date::timestamp AT TIME ZONE 'Europe/Amsterdam')"
    )


def sql_stay_counted_at(to_date: str) -> str:
    """The moment whose kader a stay `s` in the period counts under: its last in the period,
    its end or the period's (the first moment after `to_date`), whichever comes first; an open
    stay without an end of the period: 'infinity', its kader now."""
    return (
        f"coalesce(least(s.ended_at,"
        f" ({to_date}::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'), 'infinity')"
    )


# --- the stays away from home in the period, per care form and where they are ----------------

OWN, REGION, OUTSIDE = "eigen-gemeente", "elders-in-twente", "buiten-twente"
WHERE_PLACED = (OWN, REGION, OUTSIDE)
"""Where a place lies against the youth's gemeente (its case's): in it, elsewhere in the
region, or outside the region (bovenregionaal)."""

StaysAway = dict[tuple[str, str], int]
"""Stays away from home in the period per (care form, `WHERE_PLACED`); none: absent."""

ALL_STAYS_AWAY = ("stays away from home in the period",)
"""The name of the count of all `StaysAway`, which the placement locations and the home-like
settings both show (`suppression.protect`'s `shared`)."""

# $1 from, $2 to, $3 gemeente, $4 kader (of the stay's case), $5 care form and $6 provider of
# the stay, $7-$9 the event types, $10 Twente's gemeenten
SELECT_STAYS_AWAY = f"""
WITH {sql_stays("$7", "$8", "$9")}
SELECT s.care_form,
       CASE WHEN s.location = c.gemeente_code THEN '{OWN}'
            WHEN s.location = ANY($10::text[]) THEN '{REGION}'
            ELSE '{OUTSIDE}' END AS placed,
       count(*) AS n
FROM stays s
LEFT JOIN cases c ON c.case_id = s.case_id
WHERE s.care_form <> '{AMBULANT}'
  AND {sql_stay_in_period("$1", "$2")}
  AND {sql_of_case("$3", "$4", sql_stay_counted_at("$2"))}
  AND ($5::text IS NULL OR s.care_form = $5)
  AND ($6::text IS NULL OR s.provider = $6)
GROUP BY 1, 2
"""


async def select_stays_away(connection: Database, filters: Filters) -> StaysAway:
    rows = await connection.fetch(
        SELECT_STAYS_AWAY,
        *period_and_case(filters),
        filters.care_form,
        filters.provider,
        *MOVE_TYPES,
        list(TWENTE_GEMEENTEN),
    )
    return counts_per(rows, "care_form", "placed")


# --- the youths away from home in the period, their earlier stays and their moves -----------


@dataclass(frozen=True)
class YouthsAway:
    """What the store counts (`SELECT_YOUTHS_AWAY`) of the youths with a stay away from home in
    the period (of a case matching the gemeente and kader)."""

    youths: dict[tuple[int, bool], int]
    """Youths per (their moves up to the period's end, whether they had another stay away from
    home before the period's end)."""
    moves: dict[tuple[str, str], int]
    """Their moves up to the period's end, per (from care form, to care form)."""


# $1 from, $2 to, $3 gemeente, $4 kader, $5-$7 the event types, $8 the move gap in days
SELECT_YOUTHS_AWAY = f"""
WITH {sql_moves("$5", "$6", "$7", "$8")},
placed AS MATERIALIZED (
    SELECT DISTINCT s.youth
    FROM stays s
    LEFT JOIN cases c ON c.case_id = s.case_id
    WHERE s.care_form <> '{AMBULANT}'
      AND {sql_stay_in_period("$1", "$2")}
      AND {sql_of_case("$3", "$4", sql_stay_counted_at("$2"))}),
away AS (
    SELECT youth, count(*) AS stays FROM stays s
    WHERE s.care_form <> '{AMBULANT}'
      AND ($2::date IS NULL
           OR s.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam')
    GROUP BY youth),
until AS (
    SELECT m.* FROM moves m JOIN placed USING (youth)
    WHERE $2::date IS NULL
       OR m.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'),
moved AS (SELECT youth, count(*) AS moves FROM until GROUP BY youth)
SELECT 'youths' AS kind, coalesce(moved.moves, 0) AS moves, away.stays > 1 AS earlier,
       NULL AS from_form, NULL AS to_form, count(*) AS n
FROM placed JOIN away USING (youth) LEFT JOIN moved USING (youth)
GROUP BY 2, 3
UNION ALL
SELECT 'moves', NULL, NULL, from_form, to_form, count(*) FROM until GROUP BY from_form, to_form
"""


async def select_youths_away(
    connection: Database, filters: Filters, move_gap_days: int
) -> YouthsAway:
    rows = await connection.fetch(
        SELECT_YOUTHS_AWAY, *period_and_case(filters), *MOVE_TYPES, move_gap_days
    )
    return YouthsAway(
        youths={(r["moves"], r["earlier"]): r["n"] for r in rows if r["kind"] == "youths"},
        moves={(r["from_form"], r["to_form"]): r["n"] for r in rows if r["kind"] == "moves"},
    )


class Rows(Protocol):
    async def stays_away(self, filters: Filters) -> StaysAway: ...

    async def youths_away(self, filters: Filters) -> YouthsAway: ...


# --- the moves and placements of some youths, for the stepping-stone alert --------------------


@dataclass(frozen=True)
class Move:
    case_id: UUID
    """The case the youth moved into."""
    occurred_at: datetime


@dataclass(frozen=True)
class PlacementEvent:
    case_id: UUID
    type: str
    """A placement start, transfer or end of care (without `nl.jeugdketen.`)."""
    occurred_at: datetime


@dataclass
class YouthPlacements:
    """A youth's moves and the placement events of the youth's cases."""

    moves: list[Move] = field(default_factory=list)
    events: list[PlacementEvent] = field(default_factory=list)


# $1-$3 the event types, $4 the move gap in days, $5 the youths
SELECT_PLACEMENTS_OF_YOUTHS = f"""
WITH {sql_moves("$1", "$2", "$3", "$4", youths="$5")}
SELECT youth, case_id, occurred_at, NULL AS type FROM moves
UNION ALL
SELECT youth, case_id, occurred_at, type FROM events
"""


async def select_placements_of_youths(
    connection: Database, youths: list[str], move_gap_days: int
) -> dict[str, YouthPlacements]:
    """Every move of each of `youths` across their cases, and their cases' placement events."""
    found: dict[str, YouthPlacements] = defaultdict(YouthPlacements)
    rows = await connection.fetch(SELECT_PLACEMENTS_OF_YOUTHS, *MOVE_TYPES, move_gap_days, youths)
    for row in rows:
        case_id, of_youth = UUID(str(row["case_id"])), found[row["youth"]]
        if row["type"] is None:
            of_youth.moves.append(Move(case_id, row["occurred_at"]))
        else:
            event = PlacementEvent(case_id, row["type"].removeprefix(PREFIX), row["occurred_at"])
            of_youth.events.append(event)
    return dict(found)
