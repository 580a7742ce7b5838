"""A reference's expected figure as the read API would show it if no count were small, and
how it is compared with what the read API shows (`assert_agrees`): the counts the reference
computes and the sums between them that the figure's definition states pass the one
suppression module with its threshold at 0 (`counted_raw`). Which counts the read API hides
beyond those below 10, within an answer and across a family of answers, is the suppression
module's to decide: services/ketenmonitor/tests/test_suppression.py and
tests/integration/test_small_numbers_attack.py test that."""

from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from ketenmonitor.figures import suppression
from ketenmonitor.figures.suppression import SMALL_CELL, Sum, protect


class Shown:
    def __init__(self, counts: Mapping[Hashable, int], sums: Iterable[Sum] = ()) -> None:
        self._protected = protect(counts, sums, "reference")

    def cell(self, key: Hashable) -> dict[str, Any]:
        count = self._protected.count(key)
        return {"value": count.value, "suppressed": count.suppressed}

    def hidden(self, key: Hashable) -> bool:
        return key in self._protected.hidden

    def share(self, part: Hashable, whole: Hashable) -> float | None:
        return self._protected.share(part, whole)


@contextmanager
def counted_raw() -> Iterator[None]:
    """Within it the suppression module hides no count: a reference's figure as it would be
    shown if none were small."""
    with patch.object(suppression, "SMALL_CELL", 0):
        yield


def disagreement(shown: Any, raw: Any, path: str = "answer") -> str | None:
    """Where the read API's answer `shown` differs from a reference's `raw` one (computed
    under `counted_raw`, or hiding its counts below 10 itself): a count it shows that differs
    or is below 10, a value beside a shown count that differs, another shape. A hidden count
    may be anything, and so may what is hidden beside it (None: a share, a percentile)."""
    if _is_count(shown) and _is_count(raw):
        if shown["suppressed"]:
            return None if shown["value"] is None else f"{path}: hidden, yet {shown['value']}"
        value = shown["value"]
        if raw["suppressed"] or value < SMALL_CELL:
            return f"{path}: shows {value}, a count below {SMALL_CELL}"
        return None if value == raw["value"] else f"{path}: {value} != {raw['value']}"
    if isinstance(shown, dict) and isinstance(raw, dict):
        if shown.keys() != raw.keys():
            return f"{path}: fields {sorted(shown)} != {sorted(raw)}"
        found = (disagreement(shown[k], raw[k], f"{path}.{k}") for k in shown)
        return next((d for d in found if d), None)
    if isinstance(shown, list) and isinstance(raw, list):
        if len(shown) != len(raw):
            return f"{path}: {len(shown)} items != {len(raw)}"
        pairs = enumerate(zip(shown, raw, strict=True))
        found = (disagreement(s, r, f"{path}[{i}]") for i, (s, r) in pairs)
        return next((d for d in found if d), None)
    if shown is None:
        return None
    return None if shown == raw else f"{path}: {shown!r} != {raw!r}"


def large_counts(shown: Any, raw: Any) -> tuple[int, int]:
    """How many counts of SMALL_CELL or more `raw` has, and how many of them `shown` shows:
    the hiding beside small counts must leave most of them to read."""
    if _is_count(shown) and _is_count(raw):
        large = not raw["suppressed"] and raw["value"] >= SMALL_CELL
        return int(large), int(large and not shown["suppressed"])
    pairs: Iterable[tuple[Any, Any]] = ()
    if isinstance(shown, dict) and isinstance(raw, dict):
        pairs = ((shown[k], raw[k]) for k in shown.keys() & raw.keys())
    elif isinstance(shown, list) and isinstance(raw, list):
        pairs = zip(shown, raw, strict=False)
    found = [large_counts(s, r) for s, r in pairs]
    return sum(n for n, _ in found), sum(k for _, k in found)


def assert_agrees(shown: Any, raw: Any) -> None:
    found = disagreement(shown, raw)
    assert found is None, found


def _is_count(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == {"value", "suppressed"}


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


def inflow(entries: Mapping[tuple[str, str], int], forms: Iterable[str]) -> dict[str, Any]:
    """Entries per (month, care form); each care form's total is the sum of its months."""
    forms = tuple(forms)
    months = sorted({month for month, _ in entries})
    counts: dict[Hashable, int] = dict(entries)
    counts |= {form: sum(n for (_, f), n in entries.items() if f == form) for form in forms}
    shown = Shown(counts, [Sum(form, tuple((m, form) for m in months)) for form in forms])
    return {
        "per_month": [
            {"month": m, "care_form": form, "entries": shown.cell((m, form))}
            for m in months
            for form in forms
        ],
        "totals": {form: shown.cell(form) for form in forms},
    }


def thuis_tenzij(
    period: Mapping[bool, set[str]], months: Iterable[tuple[str, Mapping[bool, set[str]]]]
) -> dict[str, Any]:
    """The youths in jeugdhulp with verblijf (True) and without (False), in the period and per
    month: in each, all youths are those only without, only with, and in both; those without
    the first and the last, those with the second and the last."""
    months = list(months)
    counts: dict[Hashable, int] = {}
    sums = []
    for group, youths in [("period", period), *months]:
        with_, without = youths[True], youths[False]
        counts |= {
            (group, "only without"): len(without - with_),
            (group, "only with"): len(with_ - without),
            (group, "both"): len(with_ & without),
            (group, "all"): len(with_ | without),
            (group, "without"): len(without),
            (group, "with"): len(with_),
        }
        sums += [
            Sum((group, "all"), ((group, "only without"), (group, "only with"), (group, "both"))),
            Sum((group, "without"), ((group, "only without"), (group, "both"))),
            Sum((group, "with"), ((group, "only with"), (group, "both"))),
        ]
    shown = Shown(counts, sums)

    def of(group: str) -> dict[str, Any]:
        return {
            "youths": shown.cell((group, "all")),
            "without_residential_care": shown.cell((group, "without")),
            "with_residential_care": shown.cell((group, "with")),
            "with_and_without_residential_care": shown.cell((group, "both")),
            "with_residential_care_share": shown.share((group, "with"), (group, "all")),
        }

    return {**of("period"), "per_month": [{**of(m), "month": m} for m, _ in months]}


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
    in_care: int,
    unknown: int,
    soon: int,
    soon_plans: Mapping[str, int],
    turned: int,
    turned_plans: Mapping[str, int],
) -> dict[str, Any]:
    """In care: of unknown month, soon 18 and later; soon: with a plan and without, those with
    one the sum of the plans' kinds (`soon_plans`, every kind); turned 18: the same."""
    soon_planned, turned_planned = sum(soon_plans.values()), sum(turned_plans.values())
    shown = Shown(
        {
            "in care": in_care,
            "unknown": unknown,
            "soon": soon,
            "later": in_care - unknown - soon,
            "with": soon_planned,
            "without": soon - soon_planned,
            "turned": turned,
            "turned with": turned_planned,
            "turned without": turned - turned_planned,
            **{("soon", plan): n for plan, n in soon_plans.items()},
            **{("turned", plan): n for plan, n in turned_plans.items()},
        },
        [
            Sum("in care", ("unknown", "soon", "later")),
            Sum("soon", ("with", "without")),
            Sum("turned", ("turned with", "turned without")),
            Sum("with", tuple(("soon", plan) for plan in soon_plans)),
            Sum("turned with", tuple(("turned", plan) for plan in turned_plans)),
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
        "plans": [
            {
                "plan": plan,
                "turning_eighteen_soon": shown.cell(("soon", plan)),
                "turned_eighteen": shown.cell(("turned", plan)),
            }
            for plan in soon_plans
        ],
    }


def left_the_chain(left: int, back: int) -> tuple[bool, dict[str, Any]]:
    """The cases that left (the time in the chain's count) are those whose youth came back and
    those not: whether that count is hidden, and the answer's counts and share."""
    shown = Shown(
        {"left": left, "back": back, "stayed": left - back}, [Sum("left", ("back", "stayed"))]
    )
    return shown.hidden("left"), {
        "left": shown.cell("left"),
        "re_entered": shown.cell("back"),
        "re_entry_share": shown.share("back", "left"),
    }


def kader_changes(into: int, still: int, out: int) -> dict[str, Any]:
    """The cases that moved into the gedwongen kader are those still in it at the period's end
    and those back out; the cases whose measures all ended stand alone."""
    shown = Shown(
        {"into": into, "still": still, "back": into - still, "out": out},
        [Sum("into", ("still", "back"))],
    )
    return {
        "into_compulsory": shown.cell("into"),
        "still_compulsory": shown.cell("still"),
        "back_to_voluntary": shown.cell("back"),
        "to_voluntary": shown.cell("out"),
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


def referrals_by_verwijzer(
    followed: Mapping[tuple[str, str], int], verwijzers: Iterable[str], decisions: Iterable[str]
) -> dict[str, Any]:
    """Referrals per (verwijzer, what followed: a decision, withdrawn, undecided); each
    verwijzer's referrals are the sum of what followed them, all referrals the sum of every
    verwijzer's outcomes."""
    decisions = tuple(decisions)
    outcomes = (*decisions, "withdrawn", "undecided")
    of = {v: tuple((v, o) for o in outcomes) for v in verwijzers}
    cells = {cell: followed.get(cell, 0) for cells in of.values() for cell in cells}
    shown = Shown(
        {
            **cells,
            **{v: sum(cells[c] for c in own) for v, own in of.items()},
            "all": sum(cells.values()),
        },
        [*(Sum(v, own) for v, own in of.items()), Sum("all", tuple(cells))],
    )
    return {
        "referrals": shown.cell("all"),
        "referrers": [
            {
                "referrer": v,
                "referrals": shown.cell(v),
                "decisions": {d: shown.cell((v, d)) for d in decisions},
                "withdrawn": shown.cell((v, "withdrawn")),
                "undecided": shown.cell((v, "undecided")),
            }
            for v in of
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


def ret_escalations(
    escalations: Mapping[tuple[str, str], int],
    escalators: Iterable[str],
    advices: int,
    non_contracted_care: int,
    maatwerkbudget_granted: int,
) -> tuple[bool, dict[str, Any]]:
    """Escalations per (month, who escalated): each escalator's total is the sum of its months,
    all escalations the sum of every month's; the advices are those with non-contracted care
    and the others, and those with a maatwerkbudget and the others. Also: whether the advices'
    count is hidden (and the time to advice with it)."""
    escalators = tuple(escalators)
    months = sorted({month for month, _ in escalations})
    cells = [(m, e) for m in months for e in escalators]
    counts: dict[Hashable, int] = {cell: escalations.get(cell, 0) for cell in cells}
    counts |= {e: sum(counts[(m, e)] for m in months) for e in escalators}
    counts["all"] = sum(escalations.values())
    escalated = Shown(
        counts,
        [
            *(Sum(e, tuple((m, e) for m in months)) for e in escalators),
            Sum("all", tuple(cells)),
        ],
    )
    advised = Shown(
        {
            "advices": advices,
            "non_contracted": non_contracted_care,
            "contracted": advices - non_contracted_care,
            "maatwerkbudget": maatwerkbudget_granted,
            "without": advices - maatwerkbudget_granted,
        },
        [
            Sum("advices", ("non_contracted", "contracted")),
            Sum("advices", ("maatwerkbudget", "without")),
        ],
    )
    return advised.hidden("advices"), {
        "escalations": escalated.cell("all"),
        "per_escalator": {e: escalated.cell(e) for e in escalators},
        "per_month": [
            {"month": m, "escalated_by": e, "escalations": escalated.cell((m, e))} for m, e in cells
        ],
        "advices": advised.cell("advices"),
        "non_contracted_care": advised.cell("non_contracted"),
        "non_contracted_share": advised.share("non_contracted", "advices"),
        "custom_budget_granted": advised.cell("maatwerkbudget"),
        "custom_budget_share": advised.share("maatwerkbudget", "advices"),
    }


def veilig_thuis_onderzoek(
    started: int, outcomes: Mapping[str, int], over_norm: int
) -> tuple[bool, dict[str, Any]]:
    """The concluded onderzoeken are the sum of their outcomes, and of those over the norm and
    those within it; the started stand alone. Also: whether the concluded's count is hidden
    (and their duration with it)."""
    concluded = sum(outcomes.values())
    shown = Shown(
        {
            "started": started,
            "concluded": concluded,
            **outcomes,
            "over": over_norm,
            "within": concluded - over_norm,
        },
        [Sum("concluded", tuple(outcomes)), Sum("concluded", ("over", "within"))],
    )
    return shown.hidden("concluded"), {
        "started": shown.cell("started"),
        "concluded": shown.cell("concluded"),
        "outcomes": {outcome: shown.cell(outcome) for outcome in outcomes},
        "over_norm": shown.cell("over"),
        "over_norm_share": shown.share("over", "concluded"),
    }
