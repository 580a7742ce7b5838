"""Huiselijke setting (seed 004, "zoveel mogelijk in een huiselijke setting"): of the stays away
from home in the period, the share in pleegzorg, gezinshuis and kleinschalig wonen; per care
form, from what PostgreSQL counts (`placements.SELECT_STAYS_AWAY`)."""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from pydantic import Field

from jeugdketen_shared.vocabulary import CareForm
from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.placements import ALL_STAYS_AWAY, Rows, StaysAway
from ketenmonitor.figures.responses import AppliedFilters, answer
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, Sum, protect

HOME_LIKE = tuple(form.value for form in CareForm if form.is_home_like)
OTHER_AWAY = tuple(
    form.value for form in CareForm if form.is_away_from_home and not form.is_home_like
)


@dataclass(frozen=True)
class FormCount:
    care_form: str
    home_like: bool
    stays: Count


@dataclass(frozen=True)
class HomeLike:
    stays: Count
    home_like: Count
    other: Count
    home_like_share: float | None
    """Shown where both its part and its whole are."""
    care_forms: tuple[FormCount, ...]


def home_like(found: StaysAway) -> HomeLike:
    """All stays are the home-like ones and the others; each of those the sum of its care
    forms. A stay's kader: its case's at the stay's last moment in the period (its end, or the
    period's)."""
    per_form: dict[Hashable, int] = {
        form: sum(n for (f, _), n in found.items() if f == form)
        for form in (*HOME_LIKE, *OTHER_AWAY)
    }
    cells = {
        **per_form,
        "home_like": sum(per_form[form] for form in HOME_LIKE),
        "other": sum(per_form[form] for form in OTHER_AWAY),
    }
    cells["stays"] = cells["home_like"] + cells["other"]
    shown = protect(
        cells,
        [
            Sum("stays", ("home_like", "other")),
            Sum("home_like", HOME_LIKE),
            Sum("other", OTHER_AWAY),
        ],
        "home-like-settings",
        {"stays": ALL_STAYS_AWAY},
    )
    return HomeLike(
        stays=shown.count("stays"),
        home_like=shown.count("home_like"),
        other=shown.count("other"),
        home_like_share=shown.share("home_like", "stays"),
        care_forms=tuple(
            FormCount(form, form in HOME_LIKE, shown.count(form))
            for form in (*HOME_LIKE, *OTHER_AWAY)
        ),
    )


class FormStays(ApiModel):
    care_form: str
    home_like: bool = Field(description="Pleegzorg, gezinshuis or kleinschalig wonen")
    stays: CountAnswer


class HomeLikeSettings(ApiModel):
    filters: AppliedFilters
    stays: CountAnswer = Field(description="Stays away from home in the period")
    home_like: CountAnswer = Field(description="In pleegzorg, gezinshuis or kleinschalig wonen")
    other: CountAnswer
    home_like_share: float | None
    care_forms: list[FormStays]


async def read(source: Rows, filters: Filters, today: date) -> HomeLikeSettings:
    return answer(HomeLikeSettings, filters, home_like(await source.stays_away(filters)))


FIGURE = Figure(
    name="home_like_settings",
    label="Huiselijke setting",
    summary="Stays away from home in pleegzorg, gezinshuis or kleinschalig wonen, and their share",
    description=home_like.__doc__,
    accepts=Accepts.PROVIDERS,
    answer=HomeLikeSettings,
    read=read,
)
