"""Thuis, tenzij as CBS Beleidsinformatie Jeugd counts it: the youths in jeugdhulp in the
period, with and without verblijf (a youth with both counts in both, and once in all), for the
period and per calendar month. Jeugdhulp is what the chain sees of it: lokale basishulp after a
toegang decision, ambulant care and care away from home (`placements`' stays)."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm, ToegangDecision
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PREFIX, TOEGANG_DECIDED
from ketenmonitor.figures.common import Database, Filters, day_of, sql_of_case
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.placements import MOVE_TYPES, sql_stays
from ketenmonitor.figures.responses import AppliedFilters, Month, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect


@dataclass(frozen=True)
class Jeugdhulp:
    """A youth's jeugdhulp as the chain sees it: a stay (ambulant, or away from home: met
    verblijf) from its beginning to its end, or lokale basishulp on the day toegang decided it
    (the chain sees no more of it)."""

    youth: str
    with_verblijf: bool
    began: datetime
    ended: datetime | None
    """None: it lasts."""


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_name(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class InJeugdhulp:
    youths: Count
    """Youths in jeugdhulp: with verblijf, without, or both (once)."""
    without_verblijf: Count
    """Jeugdhulp zonder verblijf: lokale basishulp or ambulant care."""
    with_verblijf: Count
    """Jeugdhulp met verblijf: a care form away from home."""
    with_and_without_verblijf: Count
    """Youths in both, counted in each."""
    with_verblijf_share: float | None
    """with_verblijf / youths: shown where both are."""


@dataclass(frozen=True)
class MonthInJeugdhulp(InJeugdhulp):
    month: str
    """YYYY-MM, Europe/Amsterdam"""


@dataclass(frozen=True)
class ThuisTenzijFigure(InJeugdhulp):
    per_month: tuple[MonthInJeugdhulp, ...]


PARTS = ("only_without", "only_with", "both")
"""The youths of a period, each in one: what the shown counts are sums of."""


def thuis_tenzij(
    jeugdhulp: Iterable[Jeugdhulp], filters: Filters, today: date
) -> ThuisTenzijFigure:
    """The youths with help in the period (`from`, `to`; a stay in it when it began on or
    before its last day and did not end before its first) and in each calendar month of it
    (from `from`'s month, without `from` from the first jeugdhulp's; to `to`'s, or without
    `to` to today's, where the period ends too).
    Suppressed together: per period and per month, all youths are those only without
    verblijf, only with it, and with both; those without are the first and the last, those
    with the second and the last."""
    found = list(jeugdhulp)
    first = filters.from_date or min((day_of(h.began) for h in found), default=today)
    last = filters.to_date or today
    months = range(month_index(first), month_index(last) + 1)
    kinds: dict[Hashable, dict[str, set[str]]] = {
        group: {"without": set(), "with": set()} for group in ("period", *months)
    }
    for one in found:
        began = day_of(one.began)
        ended = day_of(one.ended) if one.ended is not None else None
        if began > last or (ended is not None and ended < first):
            continue
        kind = "with" if one.with_verblijf else "without"
        kinds["period"][kind].add(one.youth)
        until = months.stop - 1 if ended is None else min(month_index(ended), months.stop - 1)
        for month in range(max(month_index(began), months.start), until + 1):
            kinds[month][kind].add(one.youth)
    counts: dict[Hashable, int] = {}
    sums = []
    for group, youths in kinds.items():
        without, with_ = youths["without"], youths["with"]
        counts |= {
            (group, "only_without"): len(without - with_),
            (group, "only_with"): len(with_ - without),
            (group, "both"): len(without & with_),
            (group, "youths"): len(without | with_),
            (group, "without"): len(without),
            (group, "with"): len(with_),
        }
        sums += [
            Sum((group, "youths"), tuple((group, part) for part in PARTS)),
            Sum((group, "without"), ((group, "only_without"), (group, "both"))),
            Sum((group, "with"), ((group, "only_with"), (group, "both"))),
        ]
    shown = protect(counts, sums, "thuis-tenzij")

    def of(group: Hashable) -> tuple[Count, Count, Count, Count, float | None]:
        """`InJeugdhulp`'s fields, in order."""
        return (
            shown.count((group, "youths")),
            shown.count((group, "without")),
            shown.count((group, "with")),
            shown.count((group, "both")),
            shown.share((group, "with"), (group, "youths")),
        )

    return ThuisTenzijFigure(
        *of("period"),
        per_month=tuple(MonthInJeugdhulp(*of(month), month=month_name(month)) for month in months),
    )


# $1 gemeente, $2 kader (of the case at the jeugdhulp's beginning: the rows are read once for
# every period, as the waiting lists' are), $3-$5 the stays' event types, $6 toegang-decided's type,
# $7 the decision for lokale basishulp: every stay's youth, kind, beginning and end, and every
# decision for lokale basishulp as jeugdhulp of one moment
SELECT_JEUGDHULP = f"""
WITH {sql_stays("$3", "$4", "$5")}
SELECT s.youth, s.care_form <> '{CareForm.AMBULANT.value}' AS with_verblijf,
       s.occurred_at AS began, s.ended_at AS ended
FROM stays s
LEFT JOIN cases c ON c.case_id = s.case_id
WHERE {sql_of_case("$1", "$2", "s.occurred_at")}
UNION ALL
SELECT f.data->>'youth_pseudonym', false, f.occurred_at, f.occurred_at
FROM facts f
LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.type = $6 AND f.data->>'decision' = $7 AND {sql_of_case("$1", "$2", "f.occurred_at")}
"""


async def select_jeugdhulp(connection: Database, filters: Filters) -> list[Jeugdhulp]:
    """Every jeugdhulp of the cases of the gemeente and kader filtered for, whatever the
    period."""
    rows = await connection.fetch(
        SELECT_JEUGDHULP,
        filters.gemeente_code,
        filters.kader,
        *MOVE_TYPES,
        PREFIX + TOEGANG_DECIDED,
        ToegangDecision.LOKALE_BASISHULP.value,
    )
    return [Jeugdhulp(r["youth"], r["with_verblijf"], r["began"], r["ended"]) for r in rows]


class Rows(Protocol):
    async def jeugdhulp(self, filters: Filters) -> list[Jeugdhulp]:
        """Of every period: asked `Filters.without_period`."""


class YouthsInJeugdhulp(ApiModel):
    youths: CountAnswer = Field(
        description="Youths in jeugdhulp: lokale basishulp, ambulant or away from home; once each"
    )
    without_verblijf: CountAnswer = Field(
        description="Jeugdhulp zonder verblijf: lokale basishulp or ambulant care"
    )
    with_verblijf: CountAnswer = Field(description="Jeugdhulp met verblijf: care away from home")
    with_and_without_verblijf: CountAnswer = Field(description="Youths in both, counted in each")
    with_verblijf_share: float | None = Field(
        description="with_verblijf / youths; hidden with either"
    )


class MonthlyYouths(YouthsInJeugdhulp):
    month: Month


class ThuisTenzij(YouthsInJeugdhulp):
    filters: AppliedFilters
    per_month: list[MonthlyYouths] = Field(description="The same, per calendar month")


async def read(source: Rows, filters: Filters, today: date) -> ThuisTenzij:
    found = await source.jeugdhulp(filters.without_period())
    return answer(ThuisTenzij, filters, thuis_tenzij(found, filters, today))


FIGURE = Figure(
    name="thuis_tenzij",
    label="Thuis, tenzij: jeugdhulp met en zonder verblijf",
    summary="Youths in jeugdhulp with and without verblijf, as CBS counts them, per month",
    description=thuis_tenzij.__doc__,
    accepts=Accepts.CASES,
    answer=ThuisTenzij,
    read=read,
)
