"""Zo dicht mogelijk bij huis: every stay away from home in the period by where the place lies
against the youth's gemeente (its case's): in it, elsewhere in Twente, or outside the region
(bovenregionaal), from what PostgreSQL counts (`placements.SELECT_STAYS_AWAY`)."""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.placements import ALL_STAYS_AWAY, WHERE_PLACED, Rows, StaysAway
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect


@dataclass(frozen=True)
class Where:
    placed: str
    stays: Count
    share: float | None
    """Of all stays; shown where both are."""


@dataclass(frozen=True)
class Locations:
    stays: Count
    where: tuple[Where, ...]


def locations(found: StaysAway) -> Locations:
    """All stays are the sum of the three places. Per care form: the `care_form` filter (a
    table of every care form by place, with its margins, is more than the suppression's exact
    elimination does within a request's time). A stay's kader: its case's at the stay's last
    moment in the period (its end, or the period's)."""
    cells: dict[Hashable, int] = {
        placed: sum(n for (_, p), n in found.items() if p == placed) for placed in WHERE_PLACED
    }
    cells["stays"] = sum(cells.values())
    shown = protect(
        cells, [Sum("stays", WHERE_PLACED)], "placement-locations", {"stays": ALL_STAYS_AWAY}
    )
    return Locations(
        stays=shown.count("stays"),
        where=tuple(Where(p, shown.count(p), shown.share(p, "stays")) for p in WHERE_PLACED),
    )


class Placed(ApiModel):
    placed: str = Field(
        description="eigen-gemeente (the youth's own), elders-in-twente, buiten-twente "
        "(bovenregionaal)"
    )
    stays: CountAnswer
    share: float | None


class PlacementLocations(ApiModel):
    filters: AppliedFilters
    stays: CountAnswer = Field(description="Stays away from home in the period")
    where: list[Placed]


async def read(source: Rows, filters: Filters, today: date) -> PlacementLocations:
    return answer(PlacementLocations, filters, locations(await source.stays_away(filters)))


FIGURE = Figure(
    name="placement_locations",
    label="Zo dicht mogelijk bij huis",
    summary="Stays away from home by where the place lies: the youth's own gemeente, elsewhere "
    "in Twente, outside the region",
    description=locations.__doc__,
    accepts=Accepts.PLACEMENTS,
    answer=PlacementLocations,
    read=read,
)
