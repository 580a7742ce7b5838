"""The pieces of the read API's answers that several figures share: a count, a lead time and
the filters applied; and their making from the figures' pure results."""

from datetime import date

from pydantic import BaseModel, Field

from ketenmonitor.figures import common
from ketenmonitor.figures.common import Filters


class Count(BaseModel):
    value: int | None = Field(description="The count; null when suppressed")
    suppressed: bool = Field(description=f"True for a cell below {common.SMALL_CELL}")


class LeadTime(BaseModel):
    transition: str = Field(examples=["triage-decision-to-placement-start"])
    description: str
    count: Count
    p50_days: float | None = Field(description="Median, nearest rank; null when suppressed")
    p90_days: float | None = Field(description="90th percentile, nearest rank")
    max_days: float | None


class AppliedFilters(BaseModel):
    from_: date | None = Field(serialization_alias="from")
    to: date | None
    gemeente: str | None
    kader: str | None
    care_form: str | None = None
    provider: str | None = None


def applied(filters: Filters) -> AppliedFilters:
    return AppliedFilters(
        from_=filters.from_date,
        to=filters.to_date,
        gemeente=filters.gemeente_code,
        kader=filters.kader,
        care_form=filters.care_form,
        provider=filters.provider,
    )


def shown(count: common.Count) -> Count:
    return Count(value=count.value, suppressed=count.suppressed)


def lead_time(figure: common.LeadTime) -> LeadTime:
    return LeadTime(
        transition=figure.transition,
        description=figure.description,
        count=shown(figure.count),
        p50_days=figure.p50_days,
        p90_days=figure.p90_days,
        max_days=figure.max_days,
    )
