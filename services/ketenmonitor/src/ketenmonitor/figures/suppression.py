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
together. Not protected against, yet: the same figure asked for the region and for each of its
gemeenten, or for two periods that differ by a little (each answer is protected on its own);
bounds (a hidden count lies between 0 and a shown total); and what lies outside the counts (a
maximum duration is one case's). docs/privacy.md, "Small numbers".
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

SMALL_CELL = 10
"""Counts of fewer youths or cases than this are never shown: Twente's practice (DOMAIN.md)."""


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: its value, or None when it is hidden."""

    value: int | None
    suppressed: bool


def suppressed(count: int) -> Count:
    """A count that no sum ties to another: shown from SMALL_CELL up."""
    return protect({"count": count}, ()).count("count")


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


def protect(counts: Mapping[Hashable, int], sums: Iterable[Sum]) -> Protected:
    """Primary suppression below SMALL_CELL (zero included), then complementary suppression:
    until no sum gives a hidden member away (`_each_sum_covered`), and no hidden count follows
    from the sums combined (exact elimination), each time hiding the smallest shown count of a
    sum it is in. A hidden zero may follow from the others: that nobody is in a cell identifies
    no one, and protecting it would hide the many cells beside the many empty ones."""
    sums = _flattened(tuple(sums))
    for relation in sums:
        missing = [key for key in relation.members if key not in counts]
        if missing:
            raise ValueError(f"a sum names counts that are not there: {missing}")
    hidden = {key for key, count in counts.items() if count < SMALL_CELL}
    while True:
        _each_sum_covered(counts, sums, hidden)
        # that nobody is in a cell may follow from the others: it identifies no one
        revealed = next((key for key in derivable(sums, hidden) if counts[key]), None)
        if revealed is None:
            return Protected(counts, frozenset(hidden))
        hidden.add(_smallest_shown_beside(revealed, counts, sums, hidden))


def _flattened(sums: tuple[Sum, ...]) -> tuple[Sum, ...]:
    """The sums and every sum a reader makes of them by putting a sum's parts in its total's
    place (in care = unknown + soon + later, soon = with + without: in care = unknown + with +
    without + later), so that the parts hidden under a shown total are counted together across
    the levels too."""
    found = list(dict.fromkeys(sums))
    for relation in found:  # grows while it is walked: each new sum is flattened in turn
        for inner in sums:
            if inner.total in relation.parts:
                parts = tuple(p for p in relation.parts if p != inner.total) + inner.parts
                flat = Sum(relation.total, parts)
                if len(set(parts)) == len(parts) and flat not in found:
                    found.append(flat)
    return tuple(found)


def _each_sum_covered(
    counts: Mapping[Hashable, int], sums: Sequence[Sum], hidden: set[Hashable]
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
                hidden.add(_smallest_shown(relation, counts, hidden))
                changed = True


def _smallest_shown(
    relation: Sum, counts: Mapping[Hashable, int], hidden: set[Hashable]
) -> Hashable:
    # a part rather than the total: the total is what a reader came for
    shown_parts = [key for key in relation.parts if key not in hidden]
    if shown_parts:
        return min(shown_parts, key=lambda key: (counts[key], repr(key)))
    return relation.total


def _smallest_shown_beside(
    revealed: Hashable, counts: Mapping[Hashable, int], sums: Sequence[Sum], hidden: set[Hashable]
) -> Hashable:
    candidates = {
        key
        for relation in sums
        if revealed in relation.members
        for key in relation.members
        if key not in hidden
    }
    return min(candidates, key=lambda key: (counts[key], repr(key)))


def derivable(sums: Sequence[Sum], hidden: Iterable[Hashable]) -> list[Hashable]:
    """The hidden counts that the sums, with every shown count known, determine exactly: those
    whose unit vector lies in the row space of the sums restricted to the hidden counts."""
    unknowns = sorted(set(hidden), key=repr)
    column = {key: index for index, key in enumerate(unknowns)}
    rows = []
    for relation in sums:
        row = [Fraction(0)] * len(unknowns)
        for sign, key in [(1, relation.total), *((-1, part) for part in relation.parts)]:
            if key in column:
                row[column[key]] += sign
        if any(row):
            rows.append(row)
    basis = _reduced_row_echelon(rows, len(unknowns))
    # in reduced echelon form a unit vector is in the row space exactly when some row is it
    determined = {
        pivot
        for pivot, row in basis
        if all(value == 0 for i, value in enumerate(row) if i != pivot)
    }
    return [unknowns[index] for index in sorted(determined)]


def _reduced_row_echelon(
    rows: list[list[Fraction]], width: int
) -> list[tuple[int, list[Fraction]]]:
    """Gauss-Jordan elimination in exact fractions: (pivot column, row) of each nonzero row."""
    pivots: list[tuple[int, list[Fraction]]] = []
    remaining = [row[:] for row in rows]
    for column in range(width):
        pivot_row = next((row for row in remaining if row[column] != 0), None)
        if pivot_row is None:
            continue
        remaining.remove(pivot_row)
        scale = pivot_row[column]
        pivot_row = [value / scale for value in pivot_row]
        for row in remaining:
            if row[column]:
                factor = row[column]
                for i in range(width):
                    row[i] -= factor * pivot_row[i]
        for _, row in pivots:
            if row[column]:
                factor = row[column]
                for i in range(width):
                    row[i] -= factor * pivot_row[i]
        pivots.append((column, pivot_row))
    return pivots
