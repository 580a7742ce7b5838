"""What the figures of the gedwongen kader share: each case's measures as they ran
(`facts.measure_runs`), its extensions, and what the filters mean for a measure.

The kader filter: a measure puts its case in the gedwongen kader from its imposition until it
ends, so at every step of a measure these figures count (imposed, running, extended, ended,
followed up) the case's kader is gedwongen, as `kader_at` takes it at the step. Filtered for
gedwongen they count every measure; for vrijwillig none (the cases that left the gedwongen
kader are `kader_changes`'s)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from jeugdketen_shared.vocabulary import Kader, ProtectionMeasure
from ketenmonitor.facts import (
    PROTECTION_MEASURE_ENDED,
    PROTECTION_MEASURE_EXTENDED,
    PROTECTION_MEASURE_IMPOSED,
    VOORLOPIGE_OTS_EXPIRED,
    MeasureRun,
    measure_runs,
)
from ketenmonitor.figures.common import FactRow, Filters, in_period

MEASURES = tuple(measure.value for measure in ProtectionMeasure)
MEASURE_FACTS = (
    PROTECTION_MEASURE_IMPOSED,
    PROTECTION_MEASURE_ENDED,
    VOORLOPIGE_OTS_EXPIRED,
    PROTECTION_MEASURE_EXTENDED,
)
"""The facts a case's measures are read from (`FigureSource.facts_of`)."""


@dataclass(frozen=True)
class CaseMeasures:
    case_id: UUID
    gemeente_code: str | None
    runs: tuple[MeasureRun, ...]
    extensions: tuple[tuple[datetime, str], ...]
    """(when, which measure) of each extension."""


def measures_of_cases(rows: Iterable[FactRow]) -> list[CaseMeasures]:
    """Each case's measures from its facts of `MEASURE_FACTS` (others are ignored)."""
    by_case: dict[UUID, list[FactRow]] = {}
    for row in rows:
        if row.case_id is not None:
            by_case.setdefault(row.case_id, []).append(row)
    return [
        CaseMeasures(
            case_id=case,
            gemeente_code=own[0].gemeente_code,
            runs=tuple(measure_runs((r.type, r.occurred_at, r.data) for r in own)),
            extensions=tuple(
                (r.occurred_at, str(r.data.get("measure")))
                for r in own
                if r.type == PROTECTION_MEASURE_EXTENDED
            ),
        )
        for case, own in by_case.items()
    ]


def counted(filters: Filters, gemeente_code: str | None) -> bool:
    """A step of a measure of a case of `gemeente_code` is counted under `filters`: the case is
    of the gemeente filtered for, and the kader filtered for is the one of a measure's every
    step, gedwongen (this module's docstring)."""
    return filters.kader in (None, Kader.GEDWONGEN.value) and filters.gemeente_code in (
        None,
        gemeente_code,
    )


def in_force_at_the_end_of(measure: str, day: date) -> tuple[str, str, str]:
    """The name of the count of a measure in force at the end of `day`, which the measures
    over time and the measures' durations both show (`suppression.protect`'s `shared`)."""
    return ("in force at the end of", measure, day.isoformat())


def stop_in_period(run: MeasureRun, filters: Filters, at: datetime) -> datetime | None:
    """The moment `run` stopped, where it fell in the period and before `at` (the end of
    `on`): the runs `ended_in_the_period` counts, in every figure that shows them."""
    if run.until is not None and run.until < at and in_period(run.until, filters):
        return run.until
    return None


def ended_in_the_period(measure: str) -> tuple[str, str]:
    """The name of the count of a measure's runs that stopped in the period, which the
    measures over time and the measures' durations both show."""
    return ("ended in the period", measure)


class Rows(Protocol):
    async def case_measures(self) -> list[CaseMeasures]:
        """Every case's measures (`measures_of_cases` of its `MEASURE_FACTS`), whatever the
        filters: each figure applies them step by step, and a family of answers reads them
        once."""


LABELS = {
    ProtectionMeasure.VOORLOPIGE_OTS.value: "Voorlopige OTS",
    ProtectionMeasure.OTS.value: "OTS",
    ProtectionMeasure.VOOGDIJ.value: "Voogdij",
    ProtectionMeasure.JEUGDRECLASSERING.value: "Jeugdreclassering",
}
"""Each measure's name for a person in Twente."""
