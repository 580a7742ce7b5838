"""The one suppression module: primary suppression below 10, complementary suppression until no
hidden count can be worked out from what an answer shows and the sums it declares."""

import random
from collections.abc import Hashable

import flint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketenmonitor.figures.suppression import (
    PRIME,
    SMALL_CELL,
    Count,
    Sum,
    derivable,
    groups_and_all,
    protect,
    suppressed,
)


def worked_out(counts: dict[Hashable, int], sums: list[Sum], hidden: frozenset[Hashable]) -> dict:
    """What a reader works out: each hidden count that the sums determine, and each group of
    hidden parts under a shown total (its sum), where it is a small number of persons."""
    found: dict = {key: counts[key] for key in derivable(sums, hidden) if counts[key]}
    for relation in sums:
        if relation.total in hidden:
            continue
        group = sum(counts[part] for part in relation.parts if part in hidden)
        if 0 < group < SMALL_CELL:
            found[relation.total, "minus the shown parts"] = group
    return found


STEPPING_STONES = {"placed": 68, "0": 62, "1": 4, "2": 2, "3-9": 0, "10+": 0}
BUCKETS = Sum("placed", ("0", "1", "2", "3-9", "10+"))


def test_a_small_number_found_by_subtraction_is_hidden_too() -> None:
    """The demo's leak: 68 placed youths, 62 never moved, so 6 moved."""
    primary_only = frozenset(k for k, n in STEPPING_STONES.items() if n < SMALL_CELL)
    assert worked_out(STEPPING_STONES, [BUCKETS], primary_only) == {
        ("placed", "minus the shown parts"): 6
    }

    shown = protect(STEPPING_STONES, [BUCKETS], "table")

    assert shown.count("placed") == Count(68, False)
    assert shown.count("0") == Count(None, True)
    assert worked_out(STEPPING_STONES, [BUCKETS], shown.hidden) == {}


def test_a_sum_that_does_not_hold_is_refused() -> None:
    # a reader would see the total differ from its parts, and the elimination assumes it holds
    with pytest.raises(ValueError, match="does not hold"):
        protect({"placed": 30, "0": 12, "1": 12}, [Sum("placed", ("0", "1"))], "stones")


def test_a_count_alone_is_shown_from_ten() -> None:
    assert [suppressed(n, "table") for n in (0, 9, 10)] == [
        Count(None, True),
        Count(None, True),
        Count(10, False),
    ]


def test_in_a_table_with_totals_no_hidden_cell_follows_from_the_others() -> None:
    table = {
        (r, c): n for r, row in enumerate([[20, 3, 15], [12, 30, 14]]) for c, n in enumerate(row)
    }
    rows = {("row", r): sum(table[r, c] for c in range(3)) for r in range(2)}
    columns = {("column", c): sum(table[r, c] for r in range(2)) for c in range(3)}
    counts: dict[Hashable, int] = {**table, **rows, **columns, "all": sum(table.values())}
    sums = [Sum(("row", r), tuple((r, c) for c in range(3))) for r in range(2)]
    sums += [Sum(("column", c), tuple((r, c) for r in range(2))) for c in range(3)]
    sums += [Sum("all", tuple(rows)), Sum("all", tuple(columns))]

    shown = protect(counts, sums, "table")

    assert (0, 1) in shown.hidden
    assert len(shown.hidden) >= 4  # a hidden cell needs a partner in its row and its column
    assert worked_out(counts, sums, shown.hidden) == {}


def test_a_hidden_zero_may_follow_from_the_others() -> None:
    """That nobody moved ten times or more identifies no one; hiding a shown bucket to protect
    it would empty the figure."""
    counts = {"placed": 30, "0": 20, "1": 10, "3-9": 0, "10+": 0}
    shown = protect(counts, [Sum("placed", ("0", "1", "3-9", "10+"))], "table")
    assert shown.hidden == {"3-9", "10+"}


def test_sums_of_sums_are_counted_across_their_levels() -> None:
    """In care = unknown + soon 18 + later, soon 18 = with + without a plan: 24 without a plan
    of the 28 in care give away the 4 of unknown month, later or with a plan."""
    counts = {"in care": 28, "unknown": 1, "soon": 24, "later": 3, "with": 0, "without": 24}
    sums = [Sum("in care", ("unknown", "soon", "later")), Sum("soon", ("with", "without"))]
    shown = protect(counts, sums, "table")
    assert shown.count("in care") == Count(28, False)
    assert shown.count("without") == Count(None, True)


def test_a_share_is_shown_only_where_its_part_and_its_whole_are() -> None:
    counts = {"youths": 30, "at home": 12, "away": 18}
    shown = protect(counts, [Sum("youths", ("at home", "away"))], "table")
    assert shown.share("at home", "youths") == 12 / 30
    few = protect(
        {"youths": 25, "at home": 7, "away": 18}, [Sum("youths", ("at home", "away"))], "table"
    )
    assert few.share("at home", "youths") is None
    assert few.count("away") == Count(None, True)  # 25 - 18 would be the 7 at home


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[Hashable, int], list[Sum]]:
    """A total over groups over cells, as the figures nest them, with many small cells."""
    counts: dict[Hashable, int] = {}
    sums = []
    for group in range(draw(st.integers(1, 4))):
        cells = [(group, cell) for cell in range(draw(st.integers(1, 5)))]
        for cell in cells:
            counts[cell] = draw(st.sampled_from([0, 0, 1, 3, 9, 10, 12, 25, 60]))
        counts[group] = sum(counts[cell] for cell in cells)
        sums.append(Sum(group, tuple(cells)))
    groups = [relation.total for relation in sums]
    counts["all"] = sum(counts[group] for group in groups)
    sums.append(Sum("all", tuple(groups)))
    return counts, sums


@settings(max_examples=300, deadline=None)
@given(tables())
def test_nothing_small_can_be_worked_out_of_any_table(table: tuple[dict, list[Sum]]) -> None:
    counts, sums = table
    shown = protect(counts, sums, "table")
    assert all(counts[key] >= SMALL_CELL for key in counts if key not in shown.hidden)
    flat = protect(counts, sums, "table")  # the flattened sums are what a reader adds up too
    everything = [*sums, Sum("all", tuple(c for s in sums[:-1] for c in s.parts))]
    assert worked_out(counts, everything, flat.hidden) == {}


def test_a_table_of_groups_sums_each_group_and_all_of_its_cells() -> None:
    counts, sums = groups_and_all({("a", 1): 12, ("b", 2): 20}, ("a", "b"), (1, 2), "all")
    assert counts == {
        ("a", 1): 12,
        ("a", 2): 0,
        ("b", 1): 0,
        ("b", 2): 20,
        "a": 12,
        "b": 20,
        "all": 32,
    }
    assert sums == [
        Sum("a", (("a", 1), ("a", 2))),
        Sum("b", (("b", 1), ("b", 2))),
        Sum("all", (("a", 1), ("a", 2), ("b", 1), ("b", 2))),
    ]


def determined_by_dense_elimination(sums: list[Sum], hidden: list[int]) -> list[int]:
    """`derivable` as FLINT finds it: the null space of the dense matrix of the sums over the
    hidden counts; a count is determined where every vector of it is zero."""
    column = {key: index for index, key in enumerate(hidden)}
    rows = []
    for relation in sums:
        row = [0] * len(hidden)
        for sign, key in [(1, relation.total), *((-1, part) for part in relation.parts)]:
            if key in column:
                row[column[key]] += sign
        if any(row):
            rows.append(row)
    if not rows:
        return []
    matrix = flint.nmod_mat([[value % PRIME for value in row] for row in rows], PRIME)
    basis, nullity = matrix.nullspace()
    weights = random.Random(0)
    combination = flint.nmod_mat(
        len(hidden),
        1,
        [weights.randrange(1, PRIME) if j < nullity else 0 for j in range(len(hidden))],
        PRIME,
    )
    vector = [int(value) for value in (basis * combination).entries()]
    return [key for key, value in zip(hidden, vector, strict=True) if not value]


@st.composite
def systems(draw: st.DrawFn) -> tuple[list[Sum], list[int]]:
    """Sums between up to 30 counts, as many as 40 of them, and which counts are hidden."""
    keys = list(range(draw(st.integers(2, 30))))
    sums = []
    for _ in range(draw(st.integers(0, 40))):
        total = draw(st.sampled_from(keys))
        others = [key for key in keys if key != total]
        parts = draw(st.lists(st.sampled_from(others), min_size=1, max_size=5, unique=True))
        sums.append(Sum(total, tuple(parts)))
    hidden = draw(st.lists(st.sampled_from(keys), unique=True))
    return sums, sorted(hidden)


@settings(max_examples=100, deadline=None)
@given(systems())
def test_the_sparse_elimination_finds_what_a_dense_one_finds(
    system: tuple[list[Sum], list[int]],
) -> None:
    """The protection eliminates sparse rows (families of answers make thousands); FLINT's
    dense elimination, an implementation of its own, must determine the same counts."""
    sums, hidden = system
    assert sorted(derivable(sums, hidden)) == determined_by_dense_elimination(sums, hidden)
