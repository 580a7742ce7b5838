"""Verblijfsduur per zorgvorm: how long youths stay at one place, per care form. A stay is
`placements`' (a placement start or a transfer into the place, to the case's next transfer
or end of care); its duration is counted where it ended in the period, and the stays still
open at the period's end are counted by their age so far. PostgreSQL computes the durations'
spread (`SELECT_STAY_DURATIONS`)."""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.common import (
    Database,
    Filters,
    LeadTime,
    Spread,
    Transition,
    end_of_day,
    keyed_lead_times,
    period_and_case,
    spread_from,
    spread_of,
    sql_of_case,
    sql_period_and_case,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.placements import MOVE_TYPES, sql_stays
from ketenmonitor.figures.responses import AppliedFilters, CareFormCode, answer
from ketenmonitor.figures.responses import LeadTime as LeadTimeAnswer

# shown as lead times (`lead_time_of`), from a stay's beginning to its end or to the period's
ENDED = Transition(
    "stays-ended",
    "stay-began",
    "stay-ended",
    "Verblijf afgelopen in de periode: begin → overplaatsing of einde zorg",
)
OPEN = Transition(
    "stays-open",
    "stay-began",
    "end-of-period",
    "Verblijf loopt nog aan het eind van de periode: begin → einde periode (duur tot nu)",
)

StayDurations = dict[tuple[str, str], Spread]
"""The spread of the stays' durations per (`ENDED` or `OPEN`'s name, care form); none:
absent."""


@dataclass(frozen=True)
class CareFormDurations:
    care_form: str
    ended: LeadTime
    open: LeadTime


@dataclass(frozen=True)
class Durations:
    on: date
    care_forms: tuple[CareFormDurations, ...]


def durations(found: StayDurations, on: date) -> Durations:
    """Per care form: the stays that ended in the period (`from`, `to`) and how long they
    lasted, and the stays open at the end of the period (`to`, or today) and how long they
    have lasted so far; nearest-rank p50, p90 and the longest, in days. No sum ties one count
    to another; percentiles are shown only beside a shown count. Gemeente and kader filter the
    stays' cases (the kader at an ended stay's end, at the period's end for an open one), care
    form and provider the stays."""
    forms = [form.value for form in CareForm]
    kinds = {(kind.name, form): kind for kind in (ENDED, OPEN) for form in forms}
    shown = keyed_lead_times(kinds, found, "placement-durations")
    return Durations(
        on=on,
        care_forms=tuple(
            CareFormDurations(form, shown[ENDED.name, form], shown[OPEN.name, form])
            for form in forms
        ),
    )


# --- SQL -------------------------------------------------------------------------------------

# $1 from, $2 to (of the end of an ended stay), $3 gemeente, $4 kader (of the stay's case: at
# the end of an ended stay, at the end of the period of an open one),
# $5 care form and $6 provider of the stay, $7-$9 the event types, $10 the end of the period
# (the first moment after it): each ended stay's duration and each open stay's age, named by
# [ENDED or OPEN, care form]
SELECT_STAY_DURATIONS = spread_of(f"""
WITH {sql_stays("$7", "$8", "$9")},
chosen AS (
    SELECT s.care_form, s.occurred_at, s.ended_at, s.case_id, c.gemeente_code, c.kader
    FROM stays s
    LEFT JOIN cases c ON c.case_id = s.case_id
    WHERE ($5::text IS NULL OR s.care_form = $5)
      AND ($6::text IS NULL OR s.provider = $6))
SELECT ARRAY['{ENDED.name}', care_form] AS name, ended_at - occurred_at AS duration
FROM chosen c
WHERE ended_at IS NOT NULL AND {sql_period_and_case("c.ended_at", 1)}
UNION ALL
SELECT ARRAY['{OPEN.name}', care_form], $10::timestamptz - occurred_at
FROM chosen c
WHERE occurred_at < $10::timestamptz AND (ended_at IS NULL OR ended_at >= $10::timestamptz)
  AND {sql_of_case("$3", "$4", "$10::timestamptz")}
""")


async def select_stay_durations(connection: Database, filters: Filters, on: date) -> StayDurations:
    rows = await connection.fetch(
        SELECT_STAY_DURATIONS,
        *period_and_case(filters),
        filters.care_form,
        filters.provider,
        *MOVE_TYPES,
        end_of_day(on),
    )
    return {(row["name"][0], row["name"][1]): spread_from(row) for row in rows}


class Rows(Protocol):
    async def stay_durations(self, filters: Filters, on: date) -> StayDurations:
        """`on`: the period's last day, at whose end the open stays are taken."""


# --- the answer --------------------------------------------------------------------------------


class CareFormAnswer(ApiModel):
    care_form: CareFormCode
    ended: LeadTimeAnswer = Field(description="Stays that ended in the period: their duration")
    open: LeadTimeAnswer = Field(description="Stays open at the end of the period: their age")


class PlacementDurations(ApiModel):
    filters: AppliedFilters
    on: date = Field(description="The end of the period: `to`, or today")
    care_forms: list[CareFormAnswer]


async def read(source: Rows, filters: Filters, today: date) -> PlacementDurations:
    on = filters.to_date or today
    return answer(
        PlacementDurations, filters, durations(await source.stay_durations(filters, on), on)
    )


FIGURE = Figure(
    name="placement_durations",
    label="Verblijfsduur per zorgvorm",
    summary="How long stays last per care form: those that ended in the period, and the age of "
    "those still open at its end",
    description=durations.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=PlacementDurations,
    read=read,
)
