"""Voorlopige OTS: how the voorlopige OTS that stopped in the period stopped, and the share that
became an OTS; from each case's measures as they ran (`measures`)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pydantic import Field

from jeugdketen_shared.vocabulary import ProtectionMeasure
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PROTECTION_MEASURE_ENDED, VOORLOPIGE_OTS_EXPIRED
from ketenmonitor.figures.common import Filters, end_of_day
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.measures import (
    CaseMeasures,
    Rows,
    counted,
    ended_in_the_period,
    stop_in_period,
)
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

VOORLOPIGE_OTS, OTS = ProtectionMeasure.VOORLOPIGE_OTS.value, ProtectionMeasure.OTS.value


@dataclass(frozen=True)
class VoorlopigeOts:
    stopped: Count
    became_ots: Count
    became_voogdij: Count
    """Followed up by another measure: voogdij, after a gezagsbeëindigende maatregel (the only
    other follow-up toegang accepts)."""
    expired: Count
    """Ran out after its 3 months with nothing to follow it up (the clock's event)."""
    ended: Count
    """Ended by a partner's report (lifted by the rechter, say)."""
    became_ots_share: float | None


def voorlopige_ots(cases: Iterable[CaseMeasures], filters: Filters, on: date) -> VoorlopigeOts:
    """The voorlopige OTS whose stop fell in the period, and by the end of `on` (`to`, or
    today), by how it stopped: followed up by an OTS, by voogdij, expired, or ended; those four
    sum to the stopped ones, and the share that became an OTS is shown only beside both its
    counts. The stopped ones are the measures' ended voorlopige OTS (`measure_durations`)."""
    at = end_of_day(on)
    stops = [
        (run.stopped_by, run.followed_by)
        for case in cases
        if counted(filters, case.gemeente_code)
        for run in case.runs
        if run.measure == VOORLOPIGE_OTS and stop_in_period(run, filters, at) is not None
    ]
    counts = {
        "stopped": len(stops),
        "ots": sum(followed == OTS for _, followed in stops),
        "voogdij": sum(followed not in (None, OTS) for _, followed in stops),
        "expired": sum(by == VOORLOPIGE_OTS_EXPIRED for by, _ in stops),
        "ended": sum(by == PROTECTION_MEASURE_ENDED for by, _ in stops),
    }
    shown = protect(
        counts,
        [Sum("stopped", ("ots", "voogdij", "expired", "ended"))],
        "voorlopige-ots",
        {"stopped": ended_in_the_period(VOORLOPIGE_OTS)},  # the measures show it too
    )
    return VoorlopigeOts(
        stopped=shown.count("stopped"),
        became_ots=shown.count("ots"),
        became_voogdij=shown.count("voogdij"),
        expired=shown.count("expired"),
        ended=shown.count("ended"),
        became_ots_share=shown.share("ots", "stopped"),
    )


class VoorlopigeOtsAnswer(ApiModel):
    filters: AppliedFilters
    stopped: CountAnswer = Field(description="Voorlopige OTS that stopped in the period")
    became_ots: CountAnswer = Field(description="Of them, followed up by an OTS")
    became_voogdij: CountAnswer = Field(description="Of them, followed up by voogdij")
    expired: CountAnswer = Field(description="Of them, run out after 3 months without follow-up")
    ended: CountAnswer = Field(description="Of them, ended by a partner's report")
    became_ots_share: float | None = Field(description="became_ots / stopped")


async def read(source: Rows, filters: Filters, today: date) -> VoorlopigeOtsAnswer:
    return answer(
        VoorlopigeOtsAnswer,
        filters,
        voorlopige_ots(await source.case_measures(), filters, filters.to_date or today),
    )


FIGURE = Figure(
    name="voorlopige_ots",
    label="Van voorlopige OTS naar OTS",
    summary="How the voorlopige OTS stopped: followed up by an OTS or voogdij, expired, ended",
    description=voorlopige_ots.__doc__,
    accepts=Accepts.CASES,
    answer=VoorlopigeOtsAnswer,
    read=read,
)
