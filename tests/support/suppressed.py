"""A reference's expected figure, suppressed as the read API must: the counts it computes and
the sums between them that the figure's definition states, through the one suppression module
(whose own properties services/ketenmonitor/tests/test_suppression.py tests)."""

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from ketenmonitor.figures.suppression import Sum, protect


class Shown:
    def __init__(self, counts: Mapping[Hashable, int], sums: Iterable[Sum] = ()) -> None:
        self._protected = protect(counts, sums)

    def cell(self, key: Hashable) -> dict[str, Any]:
        count = self._protected.count(key)
        return {"value": count.value, "suppressed": count.suppressed}

    def hidden(self, key: Hashable) -> bool:
        return key in self._protected.hidden

    def share(self, part: Hashable, whole: Hashable) -> float | None:
        return self._protected.share(part, whole)


# Each figure's counts, as its definition sums them, shown as its answer shows them: the
# reference tests compute the counts themselves, each its own way, and meet here.


def stepping_stones(buckets: Mapping[str, int]) -> dict[str, Any]:
    """The placed youths are the sum of the buckets; right the first time, the first one."""
    shown = Shown(
        {"placed": sum(buckets.values()), "right": buckets["0"], **buckets},
        [Sum("placed", tuple(buckets)), Sum("right", ("0",))],
    )
    return {
        "placed_youths": shown.cell("placed"),
        "distribution": [{"transfers": name, "youths": shown.cell(name)} for name in buckets],
        "first_time_right": shown.cell("right"),
        "first_time_right_share": shown.share("right", "placed"),
    }


def rolling_distribution(buckets: Mapping[str, int]) -> list[dict[str, Any]]:
    """The same youths by their transfers within the window: the buckets sum to them again."""
    shown = Shown({"placed": sum(buckets.values()), **buckets}, [Sum("placed", tuple(buckets))])
    return [{"transfers": name, "youths": shown.cell(name)} for name in buckets]


def inflow(
    entries: Mapping[tuple[str, str], int], forms: Iterable[str], youths: int, away: int
) -> dict[str, Any]:
    """Entries per (month, care form); each care form's total is the sum of its months; the
    youths are those at home and those away from home."""
    forms = tuple(forms)
    months = sorted({month for month, _ in entries})
    counts: dict[Hashable, int] = dict(entries)
    counts |= {form: sum(n for (_, f), n in entries.items() if f == form) for form in forms}
    shown = Shown(
        {**counts, "youths": youths, "home": youths - away, "away": away},
        [
            *(Sum(form, tuple((m, form) for m in months)) for form in forms),
            Sum("youths", ("home", "away")),
        ],
    )
    return {
        "per_month": [
            {"month": m, "care_form": form, "entries": shown.cell((m, form))}
            for m in months
            for form in forms
        ],
        "totals": {form: shown.cell(form) for form in forms},
        "thuis_tenzij": {
            "youths": shown.cell("youths"),
            "at_home": shown.cell("home"),
            "away_from_home": shown.cell("away"),
            "at_home_share": shown.share("home", "youths"),
        },
    }


def care_form_matrix(pairs: Mapping[tuple[str | None, str], int], forms: Iterable[str]) -> dict:
    """Every cell sums into the placements and into one kind: as advised, deviating or
    without advice; the advised ones are the first two."""
    forms = list(forms)
    cells = [(r, d) for r in [*forms, None] for d in forms]
    kinds = {
        "right": tuple(c for c in cells if c[0] == c[1]),
        "none": tuple(c for c in cells if c[0] is None),
        "deviating": tuple(c for c in cells if c[0] is not None and c[0] != c[1]),
    }
    counts: dict[Hashable, int] = {c: pairs.get(c, 0) for c in cells}
    counts |= {kind: sum(counts[c] for c in group) for kind, group in kinds.items()}
    counts |= {"advised": counts["right"] + counts["deviating"], "total": sum(pairs.values())}
    shown = Shown(
        counts,
        [
            Sum("total", tuple(cells)),
            Sum("total", ("advised", "none")),
            Sum("advised", ("right", "deviating")),
            *(Sum(kind, group) for kind, group in kinds.items()),
        ],
    )
    return {
        "placements": shown.cell("total"),
        "as_advised": shown.cell("right"),
        "deviating": shown.cell("deviating"),
        "without_advice": shown.cell("none"),
        "as_advised_share": shown.share("right", "advised"),
        "cells": [
            {"recommended": r, "deployed": d, "placements": shown.cell((r, d))} for r, d in cells
        ],
    }


def turning_eighteen(
    in_care: int, unknown: int, soon: int, soon_planned: int, turned: int, unplanned: int
) -> dict[str, Any]:
    """In care: of unknown month, soon 18 and later; soon: with a plan and without; turned 18:
    the same."""
    shown = Shown(
        {
            "in care": in_care,
            "unknown": unknown,
            "soon": soon,
            "later": in_care - unknown - soon,
            "with": soon_planned,
            "without": soon - soon_planned,
            "turned": turned,
            "turned with": turned - unplanned,
            "turned without": unplanned,
        },
        [
            Sum("in care", ("unknown", "soon", "later")),
            Sum("soon", ("with", "without")),
            Sum("turned", ("turned with", "turned without")),
        ],
    )
    return {
        "in_care": shown.cell("in care"),
        "birth_month_unknown": shown.cell("unknown"),
        "turning_eighteen_soon": shown.cell("soon"),
        "soon_with_plan": shown.cell("with"),
        "soon_without_plan": shown.cell("without"),
        "turned_eighteen": shown.cell("turned"),
        "turned_eighteen_without_plan": shown.cell("turned without"),
    }


def left_the_chain(left: int, back: int) -> tuple[bool, dict[str, Any]]:
    """The cases that left (the time in the chain's count) are those referred again and those
    not: whether that count is hidden, and the answer's counts and share."""
    shown = Shown(
        {"left": left, "back": back, "stayed": left - back}, [Sum("left", ("back", "stayed"))]
    )
    return shown.hidden("left"), {
        "left": shown.cell("left"),
        "re_entered": shown.cell("back"),
        "re_entry_share": shown.share("back", "left"),
    }


def moves_away_from_home(
    buckets: Mapping[str, int], before: int, directions: Mapping[str, int]
) -> dict[str, Any]:
    """The youths are the sum of the groups, and those placed before and the others; the moves
    the sum of their directions, all hidden when a group of one number of moves but none is
    (the moves' total would be one more equation over those groups)."""
    youths = sum(buckets.values())
    shown = Shown(
        {"youths": youths, "before": before, "first": youths - before, **buckets},
        [Sum("youths", tuple(buckets)), Sum("youths", ("before", "first"))],
    )
    moves = Shown(
        {"moves": sum(directions.values()), **directions}, [Sum("moves", tuple(directions))]
    )
    revealing = any(shown.hidden(name) for name in ("1", "2", "3", "4"))

    def moved(key: str) -> dict[str, Any]:
        return {"value": None, "suppressed": True} if revealing else moves.cell(key)

    total, of_youths = moved("moves")["value"], shown.cell("youths")["value"]
    return {
        "youths": shown.cell("youths"),
        "placed_before": shown.cell("before"),
        "placed_before_share": shown.share("before", "youths"),
        "distribution": [{"moves": name, "youths": shown.cell(name)} for name in buckets],
        "moves": moved("moves"),
        "average_moves": total / of_youths if total is not None and of_youths else None,
        "directions": [{"direction": d, "moves": moved(d)} for d in directions],
    }


def placement_locations(stays: Mapping[str, int]) -> dict[str, Any]:
    """All stays are the sum of the places."""
    shown = Shown({"all": sum(stays.values()), **stays}, [Sum("all", tuple(stays))])
    return {
        "stays": shown.cell("all"),
        "where": [
            {"placed": p, "stays": shown.cell(p), "share": shown.share(p, "all")} for p in stays
        ],
    }


def home_like_settings(
    per_form: Mapping[str, int], home_like: Iterable[str], other: Iterable[str]
) -> dict[str, Any]:
    """All stays are the home-like and the others, each the sum of its care forms."""
    home_like, other = tuple(home_like), tuple(other)
    homely, rest = sum(per_form[f] for f in home_like), sum(per_form[f] for f in other)
    shown = Shown(
        {**per_form, "home": homely, "other": rest, "all": homely + rest},
        [Sum("all", ("home", "other")), Sum("home", home_like), Sum("other", other)],
    )
    return {
        "stays": shown.cell("all"),
        "home_like": shown.cell("home"),
        "other": shown.cell("other"),
        "home_like_share": shown.share("home", "all"),
        "care_forms": [
            {"care_form": f, "home_like": f in home_like, "stays": shown.cell(f)}
            for f in (*home_like, *other)
        ],
    }


def waiting_list(left: Mapping[str, int], still: int) -> dict[str, Any]:
    """The entries that left a list in the period are the sum of the ways they left; those
    still on it stand alone."""
    shown = Shown({"left": sum(left.values()), "still": still, **left}, [Sum("left", tuple(left))])
    return {
        "left": shown.cell("left"),
        **{way.replace("-", "_"): shown.cell(way) for way in left},
        "still_waiting": shown.cell("still"),
    }
