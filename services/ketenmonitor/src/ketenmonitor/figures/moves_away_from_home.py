"""Stepping stones as the national figure counts them: of the youths placed away from home in
the period (a stay in any care form but ambulant), the share who had been placed away from home
before, and their moves from place to place, in all and by direction (escalation, step-down,
sideways, crisis), from what PostgreSQL counts (`placements.SELECT_YOUTHS_AWAY`)."""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm, MoveDirection, direction_of_move
from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.common import Filters, numbered_buckets, per_bucket
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.placements import Rows, YouthsAway
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

MOVE_BUCKETS = numbered_buckets(5, 10)
"""Moves per youth ("0" to "4", "5-10", "11+"), grouped so that the national figure's "one
in eight moved more than 10 times" (DOMAIN.md) is the last group."""

EXACT_BUCKETS = tuple(b.name for b in MOVE_BUCKETS if b.low == b.high and b.low > 0)
"""The groups of one number of moves other than none: with the moves' total shown, a reader has
one more equation over these (moves = 1 x "1" + 2 x "2" + ...), which `protect`'s sums do not
state, so the total is shown only where all of them are (the wider groups leave bounds only)."""

HIDDEN = Count(None, True)


@dataclass(frozen=True)
class MoveBucket:
    moves: str
    youths: Count


@dataclass(frozen=True)
class DirectionCount:
    direction: str
    moves: Count


@dataclass(frozen=True)
class MovesAway:
    youths: Count
    """Youths with a stay away from home in the period."""
    placed_before: Count
    """Of them, those with another stay away from home before (up to the period's end)."""
    placed_before_share: float | None
    distribution: tuple[MoveBucket, ...]
    """The youths by their moves up to the period's end."""
    moves: Count
    """Their moves up to the period's end."""
    average_moves: float | None
    """Moves per youth; shown where both are."""
    directions: tuple[DirectionCount, ...]


def moves_away(found: YouthsAway) -> MovesAway:
    """The youths are the sum of the groups, and those placed before and the others; the moves
    are the sum of their directions, shown only where every group of `EXACT_BUCKETS` is. The
    kader of a youth's stay is its case's at the stay's last moment in the period (its end, or
    the period's)."""
    buckets = per_bucket(MOVE_BUCKETS, ((moves, n) for (moves, _), n in found.youths.items()))
    before = sum(n for (_, earlier), n in found.youths.items() if earlier)
    youths = sum(buckets.values())
    cells: dict[Hashable, int] = {"youths": youths, "before": before, "first": youths - before}
    cells.update(buckets)
    shown = protect(
        cells, [Sum("youths", tuple(buckets)), Sum("youths", ("before", "first"))], "youths-away"
    )

    per_direction: dict[Hashable, int] = dict.fromkeys(MoveDirection, 0)
    for (from_form, to_form), n in found.moves.items():
        per_direction[direction_of_move(CareForm(from_form), CareForm(to_form))] += n
    moves = {"moves": sum(per_direction.values()), **per_direction}
    moves_shown = protect(moves, [Sum("moves", tuple(MoveDirection))], "moves")
    revealing = any(name in shown.hidden for name in EXACT_BUCKETS)

    def moves_count(key: Hashable) -> Count:
        return HIDDEN if revealing else moves_shown.count(key)

    total, of_youths = moves_count("moves"), shown.count("youths")
    return MovesAway(
        youths=of_youths,
        placed_before=shown.count("before"),
        placed_before_share=shown.share("before", "youths"),
        distribution=tuple(MoveBucket(name, shown.count(name)) for name in buckets),
        moves=total,
        average_moves=(
            total.value / of_youths.value
            if total.value is not None and of_youths.value  # a shown count is never zero
            else None
        ),
        directions=tuple(
            DirectionCount(direction.value, moves_count(direction)) for direction in MoveDirection
        ),
    )


class Bucket(ApiModel):
    moves: str = Field(description="Moves per youth: 0, 1, 2, 3, 4, 5-10 or 11+")
    youths: CountAnswer


class Direction(ApiModel):
    direction: str = Field(
        description="escalatie (to a heavier care form), afschaling (to a lighter one), "
        "zijwaarts (the same care form), crisis (into or out of crisisopvang)"
    )
    moves: CountAnswer


class MovesAwayFromHome(ApiModel):
    filters: AppliedFilters
    youths: CountAnswer = Field(description="Youths with a stay away from home in the period")
    placed_before: CountAnswer = Field(
        description="Of them, those with another stay away from home before the period's end"
    )
    placed_before_share: float | None
    distribution: list[Bucket] = Field(description="The youths by their moves")
    moves: CountAnswer = Field(description="Their moves up to the period's end")
    average_moves: float | None = Field(description="Moves per youth")
    directions: list[Direction]


async def read(source: Rows, filters: Filters, today: date) -> MovesAwayFromHome:
    return answer(MovesAwayFromHome, filters, moves_away(await source.youths_away(filters)))


FIGURE = Figure(
    name="moves_away_from_home",
    label="Stepping stones van uithuisgeplaatste jongeren",
    summary="Youths placed away from home: the share placed away before, and their moves "
    "between places (as the national stepping-stone figure), by direction",
    description=moves_away.__doc__,
    accepts=Accepts.CASES,
    answer=MovesAwayFromHome,
    read=read,
)
