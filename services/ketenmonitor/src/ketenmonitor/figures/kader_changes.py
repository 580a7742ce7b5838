"""Van vrijwillig naar gedwongen en terug: the cases that moved between the kaders in the period,
from their stretches in the gedwongen kader (the projection's `gedwongen_stretches`) and the
kader their first event declared."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from pydantic import Field

from jeugdketen_shared.vocabulary import Kader
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import Stretch
from ketenmonitor.figures.common import (
    Database,
    Filters,
    end_of_day,
    in_period,
    kader_at,
)
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

GEDWONGEN, VRIJWILLIG = Kader.GEDWONGEN.value, Kader.VRIJWILLIG.value


@dataclass(frozen=True)
class KaderCase:
    """A case with a measure: the kader its first event declared, and its stretches in the
    gedwongen kader in order."""

    declared: str | None
    stretches: tuple[Stretch, ...]


@dataclass(frozen=True)
class KaderChanges:
    into_gedwongen: Count
    still_gedwongen: Count
    back_to_vrijwillig: Count
    to_vrijwillig: Count


def kader_changes(cases: Iterable[KaderCase], filters: Filters, on: date) -> KaderChanges:
    """Cases, not moves: a case that moved twice in the period counts once. Into gedwongen: a
    stretch began in the period while the case was vrijwillig (its kader just before: an
    earlier stretch had ended, or its first event declared vrijwillig); of those, still
    gedwongen or back in vrijwillig at the end of the period (`to`, or `on`: today). To
    vrijwillig: a stretch ended in the period (every measure ended), whatever the case was
    before it. The kader filter takes the kader at the move, as every figure takes it at the
    step it counts: gedwongen keeps the moves into it, vrijwillig those out of it."""
    end = end_of_day(filters.to_date or on)
    into = still = out = 0
    for case in cases:
        moved_in = any(
            in_period(s.since, filters)
            and kader_at(case.declared, case.stretches[:i], s.since) == VRIJWILLIG
            and _kader_is(filters, case, s.since)
            for i, s in enumerate(case.stretches)
        )
        into += moved_in
        still += moved_in and kader_at(case.declared, case.stretches, end) == GEDWONGEN
        out += any(
            s.until is not None
            and in_period(s.until, filters)
            and _kader_is(filters, case, s.until)
            for s in case.stretches
        )
    shown = protect(
        {"into": into, "still": still, "back": into - still, "out": out},
        [Sum("into", ("still", "back"))],
        "kader-changes",
    )
    return KaderChanges(
        into_gedwongen=shown.count("into"),
        still_gedwongen=shown.count("still"),
        back_to_vrijwillig=shown.count("back"),
        to_vrijwillig=shown.count("out"),
    )


def _kader_is(filters: Filters, case: KaderCase, moment: datetime) -> bool:
    return filters.kader is None or kader_at(case.declared, case.stretches, moment) == filters.kader


# $1 gemeente: every stretch of the cases with a measure, with the case's declared kader
SELECT_KADER_CASES = """
SELECT s.case_id, c.kader, s.since, s.until
FROM gedwongen_stretches s
LEFT JOIN cases c ON c.case_id = s.case_id
WHERE $1::text IS NULL OR c.gemeente_code = $1
ORDER BY s.case_id, s.since
"""


async def select_kader_cases(connection: Database, gemeente: str | None) -> list[KaderCase]:
    rows = await connection.fetch(SELECT_KADER_CASES, gemeente)
    declared: dict[UUID, str | None] = {}
    stretches: dict[UUID, list[Stretch]] = {}
    for row in rows:
        declared[row["case_id"]] = row["kader"]
        stretches.setdefault(row["case_id"], []).append(Stretch(row["since"], row["until"]))
    return [KaderCase(declared[case], tuple(found)) for case, found in stretches.items()]


class Rows(Protocol):
    async def kader_cases(self, gemeente: str | None) -> list[KaderCase]:
        """The cases of the gemeente (None: all) with a measure, whatever the period."""


class KaderChangesAnswer(ApiModel):
    filters: AppliedFilters
    into_gedwongen: CountAnswer = Field(
        description="Cases that moved from the vrijwillig into the gedwongen kader in the period"
    )
    still_gedwongen: CountAnswer = Field(
        description="Of them, those still in the gedwongen kader at the end of the period"
    )
    back_to_vrijwillig: CountAnswer = Field(
        description="Of them, those back in the vrijwillig kader at the end of the period"
    )
    to_vrijwillig: CountAnswer = Field(
        description="Cases whose measures all ended in the period: vrijwillig from then on"
    )


async def read(source: Rows, filters: Filters, today: date) -> KaderChangesAnswer:
    cases = await source.kader_cases(filters.gemeente_code)
    return answer(KaderChangesAnswer, filters, kader_changes(cases, filters, today))


FIGURE = Figure(
    name="kader_changes",
    label="Van vrijwillig naar gedwongen en terug",
    summary="Cases that moved from the vrijwillig into the gedwongen kader, and back",
    description=kader_changes.__doc__,
    accepts=Accepts.CASES,
    answer=KaderChangesAnswer,
    read=read,
)
