"""Small numbers across requests: a figure's answers for the region and for each of its
gemeenten (or each kader, care form or provider), and for a year, its quarters and all time,
are protected together, so that no hidden count follows from subtracting one answer from
others (docs/privacy.md, "Small numbers").

A request belongs to a *family*: every allowed period (all time, each year from the first
year with facts to this year, each of their quarters) crossed with "all" and each value of the
one breakdown the request filters on (none, or the gemeente, kader, care form or provider).
Between the family's answers hold sums, count for count within each of the answer's tables:
a year is its quarters, all time is its years, "all" is its values. The family's counts are
protected as one linked table the way tau-Argus's HiTaS protects hierarchical tables: every
sub-table (a total answer and the answers it is the sum of, with each answer's own sums) is
protected with the hidden counts of all the others, until none hides another count. The
answers without a breakdown are protected first, as a family of their own, and stay as they
are in every breakdown's family: what one answer shows, no other family may rely on hiding.

Where a count of the total differs from the sum of its parts (a count of youths, who can be in
two quarters; a count on the day a period ends), no sum is declared for it: a reader cannot
subtract what does not add up."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, cast

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from jeugdketen_shared.vocabulary import CareForm, Kader
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.suppression import (
    SMALL_CELL,
    GivenAway,
    Linkage,
    Sum,
    Table,
    complemented,
    linked,
)

if TYPE_CHECKING:  # the source and the figures name this module
    from ketenmonitor.figures.figure import Figure
    from ketenmonitor.figures.source import FigureSource

BREAKDOWNS = ("gemeente_code", "kader", "care_form", "provider")
"""The filters that split the region's answer into parts: at most one per request."""


@dataclass(frozen=True, order=True)
class Period:
    """A whole calendar year or quarter, both ends included."""

    first: date
    last: date


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31))


def quarters(number: int) -> tuple[Period, ...]:
    ends = (date(number, 3, 31), date(number, 6, 30), date(number, 9, 30), date(number, 12, 31))
    return tuple(Period(date(number, 3 * q + 1, 1), ends[q]) for q in range(4))


def period_of(filters: Filters) -> Period | None:
    """The filters' period, None for all time (the read API allows no other: `allowed`)."""
    if filters.from_date is None or filters.to_date is None:
        return None
    return Period(filters.from_date, filters.to_date)


def allowed(filters: Filters) -> bool:
    """No period, or a whole calendar year or quarter: no two allowed periods differ by less
    than a quarter, so no answer isolates a day or a month."""
    if filters.from_date is None and filters.to_date is None:
        return True
    found = period_of(filters)
    if found is None:
        return False
    return found == year(found.first.year) or found in quarters(found.first.year)


def breakdown_of(filters: Filters) -> str | None:
    """The one breakdown filter set, or None; more than one is not allowed (`combinable`)."""
    chosen = [name for name in BREAKDOWNS if getattr(filters, name) is not None]
    return chosen[0] if chosen else None


def combinable(filters: Filters) -> bool:
    return sum(getattr(filters, name) is not None for name in BREAKDOWNS) <= 1


@dataclass(frozen=True)
class Slice:
    """One answer of a family: a period (None: all time) and the breakdown's value (None:
    all)."""

    period: Period | None
    value: str | None


@dataclass(frozen=True)
class Family:
    breakdown: str | None
    values: tuple[str, ...]
    years: tuple[int, ...]

    @property
    def periods(self) -> tuple[Period | None, ...]:
        found: list[Period | None] = [None]
        for number in self.years:
            found += [year(number), *quarters(number)]
        return tuple(found)

    def slices(self) -> tuple[Slice, ...]:
        return tuple(Slice(p, v) for p in self.periods for v in (None, *self.values))

    def relations(self) -> tuple[tuple[Slice, tuple[Slice, ...]], ...]:
        """Each total answer and the answers it is the sum of."""
        period_sums: list[tuple[Period | None, tuple[Period, ...]]] = [
            (None, tuple(year(n) for n in self.years))
        ]
        period_sums += [(year(n), quarters(n)) for n in self.years]
        values = (None, *self.values)
        found = [
            (Slice(total, v), tuple(Slice(part, v) for part in parts))
            for total, parts in period_sums
            for v in values
        ]
        if self.values:
            found += [
                (Slice(p, None), tuple(Slice(p, v) for v in self.values)) for p in self.periods
            ]
        return tuple(found)

    def filters_of(self, base: Filters, place: Slice) -> Filters:
        period = place.period
        chosen: dict[str, Any] = {
            "from_date": period.first if period else None,
            "to_date": period.last if period else None,
        }
        if self.breakdown:
            chosen[self.breakdown] = place.value
        return replace(base, **chosen)


Hidden = dict[Slice, dict[str, frozenset[Hashable]]]
"""Per answer of a family, per table of the answer, the counts it hides."""

Cell = tuple[Slice, str, Hashable]


class RegionMustHide(Exception):
    """A breakdown's family cannot be protected while the answers without a breakdown (the
    region's, `frozen`) stay as they are: their shown counts, with the breakdown's empty
    cells, give one of its hidden counts away. `also` must be hidden in them too."""

    def __init__(self, also: Hidden) -> None:
        super().__init__(f"the region's answers must hide {also} too")
        self.also = also


def protect_family(
    tables: Mapping[Slice, Mapping[str, Table]],
    family: Family,
    frozen: Hidden | None = None,
    also: Hidden | None = None,
) -> Hidden:
    """The family's hidden counts: each answer's own primary and complementary suppression,
    and each sub-table's (`Family.relations`) until none hides another count. `frozen`: the
    answers another family protected already, whose counts stay as they are (RegionMustHide
    where that cannot be). `also`: counts to hide beside the small ones."""
    frozen = frozen or {}
    counts: dict[Hashable, int] = {}
    own_sums: dict[tuple[Slice, str], list[Sum]] = {}
    for place, answer in tables.items():
        for name, table in answer.items():
            counts.update({(place, name, key): n for key, n in table.counts.items()})
            own_sums[place, name] = [_cells(place, name, s) for s in table.sums]
    fixed: set[Hashable] = set()
    hidden: set[Hashable] = set()
    for place, kept in frozen.items():
        for name, table in tables.get(place, {}).items():
            fixed |= {(place, name, key) for key in table.counts}
            hidden |= {(place, name, key) for key in kept.get(name, frozenset())}
    hidden |= {cell for cell, n in counts.items() if n < SMALL_CELL and cell not in fixed}
    hidden |= {
        (place, name, key)
        for place, kept in (also or {}).items()
        for name, keys in kept.items()
        for key in keys
    }
    sub_tables = [
        _sub_table(total, parts, name, tables, own_sums, counts)
        for total, parts in family.relations()
        for name in _names(tables, (total, *parts))
    ]
    # by number from here: the elimination hashes each cell many times
    cells_by_id = sorted(counts, key=repr)
    number = {cell: index for index, cell in enumerate(cells_by_id)}
    numbered: list[tuple[set[Hashable], list[Sum]]] = [
        (
            {number[cell] for cell in cells},
            [Sum(number[s.total], tuple(number[p] for p in s.parts)) for s in sums],
        )
        for cells, sums in sub_tables
    ]
    amounts: dict[Hashable, int] = {number[cell]: n for cell, n in counts.items()}
    # a count two tables of one answer show, each count of it a sub-table of its own
    numbered += [
        ({relation.total, *relation.parts}, [relation])
        for relation in _same_counts(tables, number, amounts)
    ]
    hidden_ids: set[Hashable] = {number[cell] for cell in hidden}
    fixed_ids: set[Hashable] = {number[cell] for cell in fixed}
    containing: dict[Hashable, list[int]] = {}
    for index, (cells, _) in enumerate(numbered):
        for cell in cells:
            containing.setdefault(cell, []).append(index)
    waiting = list(range(len(numbered)))
    while waiting:  # a sub-table again wherever another hid one of its counts
        index = waiting.pop(0)
        cells, sums = numbered[index]
        try:
            found = complemented(
                {cell: amounts[cell] for cell in cells}, sums, hidden_ids & cells, fixed_ids & cells
            )
        except GivenAway as given:
            shown = (fixed_ids & cells) - hidden_ids
            culprit = _smallest_beside(given.count, shown, sums, amounts)
            place, name, key = cast(Cell, cells_by_id[cast(int, culprit)])
            raise RegionMustHide({place: {name: frozenset({key})}}) from None
        added = found - hidden_ids
        hidden_ids |= added
        for other in sorted({o for cell in added for o in containing[cell]} - {index}):
            if other not in waiting:
                waiting.append(other)
    result: dict[Slice, dict[str, set[Hashable]]] = {place: {} for place in tables}
    for cell_id in hidden_ids:
        place, name, key = cast(Cell, cells_by_id[cast(int, cell_id)])
        result[place].setdefault(name, set()).add(key)
    return {
        place: {name: frozenset(keys) for name, keys in answer.items()}
        for place, answer in result.items()
    }


def _smallest_beside(
    given: Hashable, shown: set[Hashable], sums: Sequence[Sum], amounts: Mapping[Hashable, int]
) -> Hashable:
    """The region's count to hide so that `given` no longer follows: the smallest shown one
    in a sum with it, else in a sum with any hidden count, else any; never an empty one (an
    empty cell is taken as known, hidden or not)."""
    candidates = [cell for cell in shown if amounts[cell]]
    for near in (
        {m for s in sums if given in s.members for m in s.members},
        {m for s in sums if not set(s.members) <= shown for m in s.members},
    ):
        if chosen := [cell for cell in candidates if cell in near]:
            return min(chosen, key=lambda cell: (amounts[cell], cell))
    return min(candidates, key=lambda cell: (amounts[cell], cell))


def _same_counts(
    tables: Mapping[Slice, Mapping[str, Table]],
    number: Mapping[Hashable, int],
    amounts: Mapping[Hashable, int],
) -> list[Sum]:
    """A sum of one part between the counts of an answer that two tables show (`protect`'s
    `shared`): a reader who sees one sees the other. Where two such counts differ (a fact
    dated after today, which one figure counts and the other does not), no sum: a reader
    cannot equate what differs."""
    named: dict[tuple[Slice, Hashable], list[int]] = {}
    for place, answer in tables.items():
        for name, table in answer.items():
            for key, same in table.shared.items():
                named.setdefault((place, same), []).append(number[place, name, key])
    return [
        Sum(first, (other,))
        for first, *others in named.values()
        for other in others
        if amounts[first] == amounts[other]
    ]


def _cells(place: Slice, name: str, relation: Sum) -> Sum:
    return Sum((place, name, relation.total), tuple((place, name, p) for p in relation.parts))


def _names(tables: Mapping[Slice, Mapping[str, Table]], places: Iterable[Slice]) -> list[str]:
    return sorted({name for place in places for name in tables.get(place, {})})


def _sub_table(
    total: Slice,
    parts: tuple[Slice, ...],
    name: str,
    tables: Mapping[Slice, Mapping[str, Table]],
    own_sums: Mapping[tuple[Slice, str], list[Sum]],
    counts: dict[Hashable, int],
) -> tuple[set[Hashable], list[Sum]]:
    """The cells of table `name` in the total answer and its parts, their own sums, and the
    sums between them, count for count, where the total is the sum of its parts."""
    places = (total, *parts)
    keys = sorted(
        {key for place in places for key in tables.get(place, {}).get(name, Table({}, ())).counts},
        key=repr,
    )
    for place in places:  # a count an answer does not show is none: a reader reads it so
        for key in keys:
            counts.setdefault((place, name, key), 0)
    sums = [s for place in places for s in own_sums.get((place, name), [])]
    for key in keys:
        whole = counts[total, name, key]
        if whole == sum(counts[part, name, key] for part in parts):
            sums.append(Sum((total, name, key), tuple((part, name, key) for part in parts)))
    return {(place, name, key) for place in places for key in keys}, sums


Reading = Callable[[Filters], Awaitable[Any]]
"""How one answer of a family is read: a figure's `read` with its source and day."""


class SharedReads:
    """A source whose reads are shared by the answers of one request's families: a read asked
    for again, with the same arguments, is read once (a figure whose rows do not depend on the
    period asks for them without it: `Filters.without_period`). Its reads are kept only as long
    as the request: a family's answers are read at one position of the projection."""

    def __init__(self, source: "FigureSource") -> None:
        self._source = source
        self._reads: dict[tuple[str, tuple[Hashable, ...]], asyncio.Future[Any]] = {}

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._source, name)

        async def shared(*arguments: Hashable) -> Any:
            key = (name, arguments)
            if key not in self._reads:  # answers read side by side wait for the same read
                self._reads[key] = asyncio.ensure_future(method(*arguments))
            return await self._reads[key]

        return shared


async def tables_of(
    read: Reading, family: Family, base: Filters, concurrency: int = 4
) -> dict[Slice, dict[str, Table]]:
    """Every answer of the family, read as `read` reads one, and the tables it protected."""
    gate = asyncio.Semaphore(concurrency)

    async def one(place: Slice) -> tuple[Slice, dict[str, Table]]:
        async with gate:
            with linked(Linkage()) as linkage:
                await read(family.filters_of(base, place))
            return place, linkage.tables

    return dict(await asyncio.gather(*(one(place) for place in family.slices())))


async def hidden_in_family(
    read: Reading, family: Family, top: Hidden | None = None, also: Hidden | None = None
) -> Hidden:
    """What each answer of `family` hides, per table. `top`: what the family without a
    breakdown hides (`hidden_in_family` of it), which a breakdown's family keeps as it is.
    `also`: counts to hide beside the small ones."""
    return protect_family(await tables_of(read, family, Filters()), family, top, also)


class OutsideFamily(Exception):
    """The request's period or breakdown value is none of its family's."""


def place_of(filters: Filters, family: Family) -> Slice:
    place = Slice(
        period_of(filters), getattr(filters, family.breakdown) if family.breakdown else None
    )
    if place not in family.slices():
        raise OutsideFamily
    return place


@dataclass(frozen=True)
class Extent:
    """What a family spans in the projection."""

    first_year: int | None
    """The first year with facts; None: no facts yet."""
    providers: tuple[str, ...]
    """The providers (KvK numbers) the facts name."""


class ExtentRows(Protocol):
    async def position(self) -> int:
        """Changes with every batch the projection stores: the families are protected anew."""

    async def extent(self) -> Extent: ...


FamilyKey = tuple[str, str | None, tuple[int, ...], tuple[str, ...]]


@dataclass
class Kept:
    """What is kept for one position of the projection on one day: the extent of the facts,
    each family's hidden counts, protected once however many requests ask at a time, and the
    answers read, with the counts they were read hiding."""

    at: tuple[int, date]
    extent: Extent
    families: dict[FamilyKey, Hidden] = field(default_factory=dict)
    locks: dict[FamilyKey, asyncio.Lock] = field(default_factory=dict)
    answers: dict[tuple[str, Filters], tuple[Mapping[str, frozenset[Hashable]], Any]] = field(
        default_factory=dict
    )


class LinkedFigures:
    """The figures as the read API and the dashboard show them: each answer protected with its
    family, and with the families of the figures `together` with it (figures that show some
    of the same counts: `protect`'s `shared`). Each request reads its answer and its
    families at one moment of the projection (`FigureSource.at_one_moment`); the families'
    hidden counts are kept until the projection moves on or the day changes."""

    def __init__(
        self,
        source: "FigureSource",
        today: Callable[[], date],
        together: Sequence[Sequence["Figure"]],
    ) -> None:
        self._source = source
        self._today = today
        self._together = together
        self._kept: Kept | None = None

    async def read(self, figure: "Figure", filters: Filters) -> Any:
        """The answer under `filters`, hiding what its family hides."""
        async with self._source.at_one_moment() as moment:
            kept = await self._kept_for(moment)
            family = self.family_of(filters, kept.extent, kept.at[1])
            place = place_of(filters, family)  # refused before the family is read
            source = cast("FigureSource", SharedReads(moment))
            hiding = (await self._hidden_of(figure, family, kept, source))[place]
            # read again only where its family came to hide more since (`RegionMustHide`)
            read_before = kept.answers.get((figure.name, filters))
            if read_before is not None and read_before[0] == hiding:
                return read_before[1]
            with linked(Linkage(hiding)):
                answer = await figure.read(source, filters, kept.at[1])
            kept.answers[figure.name, filters] = (hiding, answer)
            return answer

    async def hidden_in(self, figure: "Figure", family: Family) -> Hidden:
        """What each answer of the figure's `family` hides: kept, or protected now."""
        async with self._source.at_one_moment() as moment:
            kept = await self._kept_for(moment)
            return await self._hidden_of(
                figure, family, kept, cast("FigureSource", SharedReads(moment))
            )

    async def _hidden_of(
        self, figure: "Figure", family: Family, kept: Kept, source: "FigureSource"
    ) -> Hidden:
        group = next((tuple(g) for g in self._together if figure in g), (figure,))
        today = kept.at[1]

        async def read(chosen: Filters) -> None:
            for member in group:  # their tables side by side in one answer's linkage
                await member.read(source, chosen, today)

        name = " and ".join(member.name for member in group)
        region = Family(None, (), family.years)
        top = await self._hidden(kept, name, region, read)
        while family.values:
            try:
                return await self._hidden(kept, name, family, read, top)
            except RegionMustHide as given:
                # rare: the region's answers hide more, and every family built on them less
                # is still safe (a reader sees less); one read before this may have shown it
                top = await self._hidden_also(kept, name, region, read, given.also)
        return top

    async def check(self, filters: Filters) -> None:
        """OutsideFamily, where the read API has no answer under `filters`."""
        async with self._source.at_one_moment() as moment:
            kept = await self._kept_for(moment)
        place_of(filters, self.family_of(filters, kept.extent, kept.at[1]))

    async def years(self) -> tuple[int, ...]:
        """The years a family spans: the periods a request may name."""
        async with self._source.at_one_moment() as moment:
            kept = await self._kept_for(moment)
        return self.family_of(Filters(), kept.extent, kept.at[1]).years

    async def _kept_for(self, moment: "FigureSource") -> Kept:
        """What is kept for the moment's position and today. A request that reads an older
        position than the newest asked for (it began before the projection moved on) gets a
        dictionary of its own: a family protected on other counts is never another's."""
        at = (await moment.position(), self._today())
        if self._kept is not None and self._kept.at == at:
            return self._kept
        fresh = Kept(at, await moment.extent())
        if self._kept is None or at > self._kept.at:
            self._kept = fresh
        return fresh

    @staticmethod
    async def _hidden(
        kept: Kept, name: str, family: Family, read: Reading, top: Hidden | None = None
    ) -> Hidden:
        key = (name, family.breakdown, family.years, family.values)
        async with kept.locks.setdefault(key, asyncio.Lock()):
            if key not in kept.families:
                kept.families[key] = await hidden_in_family(read, family, top)
            return kept.families[key]

    @staticmethod
    async def _hidden_also(
        kept: Kept, name: str, family: Family, read: Reading, also: Hidden
    ) -> Hidden:
        """`family` protected again, hiding `also` beside what it hides now."""
        key = (name, family.breakdown, family.years, family.values)
        async with kept.locks[key]:
            now = kept.families[key]
            more = {
                place: {
                    table: now.get(place, {}).get(table, frozenset())
                    | also.get(place, {}).get(table, frozenset())
                    for table in {*now.get(place, {}), *also.get(place, {})}
                }
                for place in {*now, *also}
            }
            kept.families[key] = await hidden_in_family(read, family, also=more)
            return kept.families[key]

    @staticmethod
    def family_of(filters: Filters, extent: Extent, today: date) -> Family:
        """From the first year with facts to this one, and the providers the facts name; a
        year before them, or a provider no fact names, joins the family as answers of none:
        a count of none hides and gives nothing away, so the others' stay as they are."""
        first = min(extent.first_year or today.year, today.year)
        if filters.from_date is not None:
            first = min(first, filters.from_date.year)
        providers = {*extent.providers, *([filters.provider] if filters.provider else [])}
        values = {
            "gemeente_code": tuple(TWENTE_GEMEENTEN),
            "kader": tuple(kader.value for kader in Kader),
            "care_form": tuple(form.value for form in CareForm),
            "provider": tuple(providers),
        }
        breakdown = breakdown_of(filters)
        return Family(
            breakdown,
            tuple(sorted(values[breakdown])) if breakdown else (),
            tuple(range(first, today.year + 1)),
        )
