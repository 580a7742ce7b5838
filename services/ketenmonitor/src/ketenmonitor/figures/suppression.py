"""Statistical disclosure control of the figures: no count below SMALL_CELL can be read or
worked out from what is shown.

The method is cell suppression as statistical offices apply it to tables with totals (CBS's and
Eurostat's handbooks; tau-Argus implements it): *primary suppression* hides every count below
SMALL_CELL, and *complementary (secondary) suppression* hides further counts until no hidden
count is the solution of the sums a reader can see, alone or combined. A figure states its
counts and the sums that hold between them (`Sum`: a total and its parts; a relation between
requests, such as the region and its gemeenten or a year and its quarters, is a sum too when
the figure is computed for both at once) and shows only what `protect` returns.

Protected against: exact recovery of a hidden count from what one answer shows, by any linear
combination of its shown counts and the sums it declares (a total against its parts, and
those sums combined), and the hidden parts of a shown total counting fewer than SMALL_CELL
together; across the answers of a family of requests, with `linked`. Not protected against:
bounds (a hidden count lies between 0 and a shown total), and what lies outside the counts (a
maximum duration is one case's). docs/privacy.md, "Small numbers".
"""

import heapq
import random
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

SMALL_CELL = 10
"""Counts of fewer youths or cases than this are never shown: Twente's practice (DOMAIN.md)."""


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: its value, or None when it is hidden."""

    value: int | None
    suppressed: bool


PRIME = 2**61 - 1
"""The elimination's modulus (`derivable`): a Mersenne prime, far above any count's sums."""


def suppressed(count: int, table: str) -> Count:
    """A count that no sum ties to another within its answer: shown from SMALL_CELL up."""
    return protect({"count": count}, (), table).count("count")


@dataclass(frozen=True)
class Sum:
    """`total` equals the sum of `parts`: a reader who sees all but one of them sees that one."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def members(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Protected:
    """The counts as they may be shown: `hidden` are never shown, nor anything made of them."""

    counts: Mapping[Hashable, int]
    hidden: frozenset[Hashable]

    def count(self, key: Hashable) -> Count:
        return Count(None, True) if key in self.hidden else Count(self.counts[key], False)

    def share(self, part: Hashable, whole: Hashable) -> float | None:
        """part / whole, shown only when both are: a share and one of them give the other."""
        if part in self.hidden or whole in self.hidden or not self.counts[whole]:
            return None
        return self.counts[part] / self.counts[whole]


@dataclass(frozen=True)
class Table:
    """The counts one `protect` of an answer was given, their sums (flattened), and the names
    of those that another figure shows too (`protect`'s `shared`)."""

    counts: Mapping[Hashable, int]
    sums: tuple[Sum, ...]
    shared: Mapping[Hashable, Hashable] = field(default_factory=dict)


class Linkage:
    """An answer read as one of a family of requests (`linked`): the tables its `protect`s
    were given, by name, and the counts the family hides in each beyond their own."""

    def __init__(self, hidden: Mapping[str, Set[Hashable]] | None = None) -> None:
        self.tables: dict[str, Table] = {}
        self._hidden = hidden or {}

    def met(
        self,
        table: str,
        counts: Mapping[Hashable, int],
        sums: tuple[Sum, ...],
        shared: Mapping[Hashable, Hashable],
    ) -> Set[Hashable]:
        if table in self.tables:
            raise ValueError(f"two tables of one answer are both named {table!r}")
        self.tables[table] = Table(dict(counts), sums, dict(shared))
        return self._hidden.get(table, frozenset())


_LINKAGE: ContextVar[Linkage | None] = ContextVar("linkage", default=None)


@contextmanager
def linked(linkage: Linkage) -> Iterator[Linkage]:
    """Within it, every `protect` records its table in `linkage` and hides what it says."""
    token = _LINKAGE.set(linkage)
    try:
        yield linkage
    finally:
        _LINKAGE.reset(token)


def protect(
    counts: Mapping[Any, int],  # keys of any type (Mapping's are invariant): Hashable ones
    sums: Iterable[Sum],
    table: str,
    shared: Mapping[Any, Hashable] | None = None,
) -> Protected:
    """Primary suppression below SMALL_CELL (zero included), then complementary suppression:
    until no sum gives a hidden member away (`_each_sum_covered`), and no hidden count follows
    from the sums combined (exact elimination), each time hiding the smallest shown count of a
    sum it is in. A hidden zero may follow from the others: that nobody is in a cell identifies
    no one, and protecting it would hide the many cells beside the many empty ones.

    `table` names these counts within the figure's answer: where the answer is read for a
    family of requests (`linked`), the counts its relatives hide are hidden here too.
    `shared`: the counts another figure shows too, by a name both figures give them; where
    the figures are protected together (`LinkedFigures`), counts of one answer with the same
    name are one count, hidden in both or in neither."""
    sums = _flattened(tuple(sums))
    for relation in sums:
        missing = [key for key in relation.members if key not in counts]
        if missing:
            raise ValueError(f"a sum names counts that are not there: {missing}")
        if counts[relation.total] != sum(counts[part] for part in relation.parts):
            # a reader would see it too; and the protection's elimination assumes it holds
            raise ValueError(f"a sum that does not hold in {table}: {relation}")
    linkage = _LINKAGE.get()
    also = linkage.met(table, counts, sums, shared or {}) if linkage else frozenset()
    hidden = {key for key, count in counts.items() if count < SMALL_CELL}
    hidden |= also & counts.keys()
    return Protected(counts, frozenset(complemented(counts, sums, hidden)))


def complemented(
    counts: Mapping[Hashable, int],
    sums: Sequence[Sum],
    hidden: set[Hashable],
    frozen: Set[Hashable] = frozenset(),
) -> set[Hashable]:
    """`hidden` and the counts that must be hidden beside them, never one of `frozen` (counts
    another answer already shows)."""
    hidden = set(hidden)
    while True:
        _each_sum_covered(counts, sums, hidden, frozen)
        # a reader is taken to know which cells are empty: that nobody is in a cell identifies
        # no one, and a hidden count safe from such a reader is safe from any. A count of 10
        # or more hidden beside a small one may follow from the others: it is not small, and
        # the elimination finds what it would give away
        unknown = {key for key in hidden if counts[key]}
        revealed = [key for key in derivable(sums, unknown) if counts[key] < SMALL_CELL]
        if not revealed:
            return hidden
        # one more hidden count beside each, in one round: elimination is the costly step
        added: set[Hashable] = set()
        for key in revealed:
            beside = {
                member
                for relation in sums
                if key in relation.members
                for member in relation.members
            }
            if not beside & added:
                added.add(_smallest_shown_beside(key, counts, sums, hidden, frozen))
        hidden |= added


def _flattened(sums: tuple[Sum, ...]) -> tuple[Sum, ...]:
    """The sums and every sum a reader makes of them by putting a sum's parts in its total's
    place (in care = unknown + soon + later, soon = with + without: in care = unknown + with +
    without + later), so that the parts hidden under a shown total are counted together across
    the levels too."""
    found: list[Sum] = []
    # the same total over the same parts in another order is the same sum: one of each, or
    # tables with a few levels of subtotals grow to thousands of copies
    seen: set[tuple[Hashable, frozenset[Hashable]]] = set()

    def add(relation: Sum) -> None:
        key = (relation.total, frozenset(relation.parts))
        if key not in seen:
            seen.add(key)
            found.append(relation)

    for relation in sums:
        add(relation)
    for relation in found:  # grows while it is walked: each new sum is flattened in turn
        for inner in sums:
            if inner.total in relation.parts:
                parts = tuple(p for p in relation.parts if p != inner.total) + inner.parts
                if len(set(parts)) == len(parts):
                    add(Sum(relation.total, parts))
    return tuple(found)


def _each_sum_covered(
    counts: Mapping[Hashable, int],
    sums: Sequence[Sum],
    hidden: set[Hashable],
    frozen: Set[Hashable],
) -> None:
    """Until no sum gives away a hidden member: none has exactly one hidden member (but a zero),
    and where a sum's total is shown, its hidden parts (whose sum a reader works out) count
    none, or SMALL_CELL or more together: 68 placed youths of whom 62 never moved give away
    that 6 moved."""
    changed = True
    while changed:
        changed = False
        for relation in sums:
            hidden_members = [key for key in relation.members if key in hidden]
            hidden_parts = [key for key in relation.parts if key in hidden]
            exposed = (len(hidden_members) == 1 and counts[hidden_members[0]] > 0) or (
                relation.total not in hidden
                and 0 < sum(counts[key] for key in hidden_parts) < SMALL_CELL
            )
            if exposed:
                hidden.add(_smallest_shown(relation, counts, hidden, frozen))
                changed = True


def _smallest_shown(
    relation: Sum, counts: Mapping[Hashable, int], hidden: set[Hashable], frozen: Set[Hashable]
) -> Hashable:
    # a part rather than the total: the total is what a reader came for
    shown_parts = [key for key in relation.parts if key not in hidden and key not in frozen]
    if shown_parts:
        return min(shown_parts, key=lambda key: (counts[key], repr(key)))
    if relation.total not in frozen:
        return relation.total
    given = next(key for key in relation.members if key in hidden and counts[key])
    return _smallest_of(counts, hidden, frozen, given)


def _smallest_shown_beside(
    revealed: Hashable,
    counts: Mapping[Hashable, int],
    sums: Sequence[Sum],
    hidden: set[Hashable],
    frozen: Set[Hashable],
) -> Hashable:
    candidates = {
        key
        for relation in sums
        if revealed in relation.members
        for key in relation.members
        if key not in hidden and key not in frozen
    }
    if not candidates:
        return _smallest_of(counts, hidden, frozen, revealed)
    return min(candidates, key=lambda key: (counts[key], repr(key)))


class GivenAway(Exception):
    """The counts that may not be hidden (`complemented`'s `frozen`: another answer shows
    them), with the empty cells, give `count` away: only hiding one of them protects it."""

    def __init__(self, count: Hashable) -> None:
        super().__init__(f"the counts shown elsewhere give {count!r} away")
        self.count = count


def _smallest_of(
    counts: Mapping[Hashable, int],
    hidden: set[Hashable],
    frozen: Set[Hashable],
    given: Hashable,
) -> Hashable:
    """Where every count beside `given`, the one to protect, is hidden or shown elsewhere: the
    smallest count still shown. Where none is left, GivenAway: with the sums holding, only the
    frozen counts can then give it away."""
    free = [key for key in counts if key not in hidden and key not in frozen]
    if not free:
        raise GivenAway(given)
    return min(free, key=lambda key: (counts[key], repr(key)))


def derivable(sums: Sequence[Sum], hidden: Iterable[Hashable]) -> list[Hashable]:
    """The hidden counts that the sums, with every shown count known, determine exactly: those
    that are zero in every solution of the sums restricted to the hidden counts (the matrix's
    null space).

    The sums are eliminated as a sparse matrix modulo the prime PRIME (`_echelon`), and the
    null space read through one of its vectors, drawn with fixed random weights
    (`_null_vector`): a count is determined where that vector is zero. The sums' coefficients
    are small integers: a rank modulo a 61-bit prime differs from the rank over the rationals
    only where the prime divides a minor, and a vector is zero by chance where a count is free
    with a probability of one in 2**61."""
    unknowns = sorted(set(hidden), key=repr)  # the same order, and weights, on every run
    column = {key: index for index, key in enumerate(unknowns)}
    rows: list[dict[int, int]] = []
    for relation in sums:
        row: dict[int, int] = {}
        for sign, key in [(1, relation.total), *((-1, part) for part in relation.parts)]:
            if key in column:
                row[column[key]] = row.get(column[key], 0) + sign
        row = {index: value % PRIME for index, value in row.items() if value % PRIME}
        if row:
            rows.append(row)
    vector = _null_vector(_echelon(rows), len(unknowns))
    return [unknowns[index] for index, value in enumerate(vector) if value == 0]


Row = dict[int, int]
"""A sparse row modulo PRIME: a column's coefficient, by column."""


def _echelon(rows: list[Row]) -> list[tuple[int, Row]]:
    """Gaussian elimination of sparse rows modulo PRIME, each step on the shortest row left
    and, within it, the column in the fewest rows (Markowitz's rule: the figures' sums are
    thousands of short rows, which a dense matrix of them all turns into minutes of work).
    Returns the pivots in the order taken: each pivot row names, beside its column, only
    columns pivoted after it or never."""
    active: dict[int, Row] = dict(enumerate(rows))
    rows_of: dict[int, set[int]] = {}
    for number, row in active.items():
        for index in row:
            rows_of.setdefault(index, set()).add(number)
    shortest = [(len(row), number) for number, row in active.items()]
    heapq.heapify(shortest)
    pivots: list[tuple[int, Row]] = []
    while shortest:
        length, number = heapq.heappop(shortest)
        if len(active.get(number, ())) != length:  # eliminated, or changed since pushed
            continue
        row = active.pop(number)
        pivot = min(row, key=lambda index: (len(rows_of[index]), index))
        for index in row:
            rows_of[index].discard(number)
        inverse = pow(row[pivot], -1, PRIME)
        for other in list(rows_of[pivot]):
            _subtract(active[other], row, active[other][pivot] * inverse % PRIME, other, rows_of)
            if active[other]:
                heapq.heappush(shortest, (len(active[other]), other))
            else:
                del active[other]
        pivots.append((pivot, row))
    return pivots


def _subtract(
    target: Row, row: Row, factor: int, number: int, rows_of: dict[int, set[int]]
) -> None:
    """target -= factor * row, keeping `rows_of` (the rows each column is in) up to date."""
    for index, value in row.items():
        result = (target.get(index, 0) - factor * value) % PRIME
        if result:
            if index not in target:
                rows_of.setdefault(index, set()).add(number)
            target[index] = result
        elif index in target:
            del target[index]
            rows_of[index].discard(number)


def _null_vector(pivots: list[tuple[int, Row]], width: int) -> list[int]:
    """A vector of the null space: fixed random weights on the columns no pivot took, and each
    pivot's column solved from them, the last pivot first."""
    weights = random.Random(width)
    vector = [weights.randrange(1, PRIME) for _ in range(width)]
    for pivot, row in reversed(pivots):
        rest = sum(value * vector[index] for index, value in row.items() if index != pivot)
        vector[pivot] = -rest * pow(row[pivot], -1, PRIME) % PRIME
    return vector


def groups_and_all(
    found: Mapping[tuple[Any, Any], int],
    groups: Sequence[Hashable],
    members: Sequence[Hashable],
    every: Hashable,
) -> tuple[dict[Hashable, int], list[Sum]]:
    """A table of groups by members as counts and the sums between them: every cell
    `(group, member)` (absent from `found`: 0), each group's total (keyed by the group) the sum
    of its cells, and `every` the sum of every cell. `every` is declared the sum of the cells,
    not of the groups' totals: declared as a sum of totals that are each a sum, `protect` weighs
    every mix of the two levels (2**groups sums; a family of answers over the gemeenten took
    45 s instead of 2), so hidden groups' totals that count fewer than 10 together are not
    looked for apart. The exact elimination still finds every count the totals give away."""
    rows = {group: tuple((group, member) for member in members) for group in groups}
    counts: dict[Hashable, int] = {
        cell: found.get(cell, 0) for row in rows.values() for cell in row
    }
    cells = tuple(counts)
    counts |= {group: sum(counts[cell] for cell in row) for group, row in rows.items()}
    counts[every] = sum(counts[cell] for cell in cells)
    return counts, [*(Sum(group, row) for group, row in rows.items()), Sum(every, cells)]
