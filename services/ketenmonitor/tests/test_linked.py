"""Each request reads its answer and its families at one moment of the projection, and what is
kept for one position is never protected on another's counts."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from pydantic import BaseModel

from jeugdketen_shared.vocabulary import Kader
from ketenmonitor.figures import stepping_stones
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.linked import Extent, LinkedFigures
from ketenmonitor.figures.registry import PROTECTED_TOGETHER
from ketenmonitor.figures.suppression import Sum, protect

from .test_api import FakeFigures

TODAY = date(2026, 6, 1)
MOVED = {1: 15, 2: 5}
"""Placed youths who moved, by position: all shown at the first, hidden at the second."""


class Projection:
    """A projection that moves on between requests; a moment's reads stay at its position."""

    def __init__(self) -> None:
        self.position = 1
        self.held: asyncio.Event | None = None
        self.reached = asyncio.Event()
        self.asked: list[Filters] = []
        """Every read of the placed youths' transfers, at any moment."""

    @asynccontextmanager
    async def at_one_moment(self) -> AsyncIterator["Moment"]:
        yield Moment(self.position, self.held, self.reached, self.asked)


class Moment(FakeFigures):
    def __init__(
        self,
        position: int,
        held: asyncio.Event | None,
        reached: asyncio.Event,
        asked: list[Filters],
    ) -> None:
        super().__init__()
        self._position = position
        self._held = held
        self._reached = reached
        self.asked = asked

    async def position(self) -> int:
        return self._position

    async def extent(self) -> Extent:
        if self._held is not None:  # the request stalls here, between position and families
            self._reached.set()
            await self._held.wait()
        return await super().extent()

    async def transfers_per_placed_youth(self, filters: Filters) -> list[int]:
        self.asked.append(filters)
        return [0] * 20 + [3] * MOVED[self._position]


def linked_figures(source: object) -> LinkedFigures:
    return LinkedFigures(source, lambda: TODAY, PROTECTED_TOGETHER)  # type: ignore[arg-type]


async def answer_at(position: int) -> stepping_stones.SteppingStones:
    alone = Projection()
    alone.position = position
    answer: stepping_stones.SteppingStones = await linked_figures(alone).read(
        stepping_stones.FIGURE, Filters()
    )
    return answer


async def test_a_request_at_an_older_position_is_protected_on_its_own_counts() -> None:
    projection = Projection()
    figures = linked_figures(projection)
    projection.held = asyncio.Event()
    older = asyncio.create_task(figures.read(stepping_stones.FIGURE, Filters()))
    await projection.reached.wait()
    projection.position, held, projection.held = 2, projection.held, None
    newer = await figures.read(stepping_stones.FIGURE, Filters())
    held.set()

    assert await older == await answer_at(1)
    assert newer == await answer_at(2)
    assert await figures.read(stepping_stones.FIGURE, Filters()) == newer
    assert (await answer_at(1)) != (await answer_at(2))  # the positions' answers differ


async def test_an_answer_asked_again_at_the_same_position_reads_no_rows() -> None:
    projection = Projection()
    figures = linked_figures(projection)
    first = await figures.read(stepping_stones.FIGURE, Filters())
    reads = len(projection.asked)

    assert await figures.read(stepping_stones.FIGURE, Filters()) == first
    assert len(projection.asked) == reads
    projection.position = 2
    assert await figures.read(stepping_stones.FIGURE, Filters()) == await answer_at(2)
    assert len(projection.asked) > reads


class Shown(BaseModel):
    total: int | None
    stayed: int | None
    moved: int | None


ANSWERS = {
    # per kader: total, stayed, moved; the region's figure declares no sum between them, its
    # parts do (a figure's sums may follow its data), so the region shows 20 and 15 while
    # the gedwongen kader, empty but for 5 who moved, is 20 - 15 given the empty cells
    None: (20, 15, 5),
    Kader.VRIJWILLIG.value: (15, 15, 0),
    Kader.GEDWONGEN.value: (5, 0, 5),
}
FIRST_QUARTER = Filters(from_date=date(2026, 1, 1), to_date=date(2026, 3, 31))


async def read_counts(source: object, filters: Filters, today: date) -> Shown:
    in_data = filters.from_date in (None, FIRST_QUARTER.from_date) and (
        filters.to_date in (None, FIRST_QUARTER.to_date, date(2026, 12, 31))
    )
    total, stayed, moved = ANSWERS[filters.kader] if in_data else (0, 0, 0)
    counts = {"total": total, "stayed": stayed, "moved": moved}
    sums = [Sum("total", ("stayed", "moved"))] if filters.kader else []
    shown = protect(counts, sums, "moves")
    return Shown(**{key: shown.count(key).value for key in counts})


COUNTS = Figure("counts", "Aantallen", "Counts", None, Accepts.CASES, Shown, read_counts)


class Quiet(FakeFigures):
    @asynccontextmanager
    async def at_one_moment(self) -> AsyncIterator["Quiet"]:
        yield self

    async def extent(self) -> Extent:
        return Extent(2026, ())


async def test_a_breakdown_given_away_by_the_regions_counts_makes_the_region_hide_more() -> None:
    figures = LinkedFigures(Quiet(), lambda: TODAY, ())  # type: ignore[arg-type]
    before = await figures.read(COUNTS, Filters())
    assert (before.total, before.stayed) == (20, 15)

    gedwongen = await figures.read(COUNTS, Filters(kader=Kader.GEDWONGEN.value))
    region = await figures.read(COUNTS, Filters())

    assert gedwongen == Shown(total=None, stayed=None, moved=None)
    assert region.moved is None
    assert None in (region.total, region.stayed)  # 20 - 15 no longer gives the 5 away
