"""The pieces of the read API's answers that several figures share (a count, a lead time, the
filters applied and the fields their rows are named by), and the making of an answer from a
figure's pure result."""

from dataclasses import fields, is_dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import Field

from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.suppression import SMALL_CELL

Answer = TypeVar("Answer", bound=ApiModel)


# the fields several answers name their rows by
Month = Annotated[str, Field(description="YYYY-MM, Europe/Amsterdam", examples=["2026-03"])]
CareFormCode = Annotated[str, Field(examples=["gezinshuis"])]
ProviderKvk = Annotated[str, Field(description="KvK number of the provider", examples=["12345678"])]
MeasureCode = Annotated[str, Field(examples=["ots"])]


class Count(ApiModel):
    value: int | None = Field(description="The count; null when suppressed")
    suppressed: bool = Field(
        description=f"True for a count below {SMALL_CELL}, and for one that would reveal such a "
        "count beside the others of the answer (complementary suppression)"
    )


class LeadTime(ApiModel):
    transition: str = Field(
        description="Which time: its code", examples=["triage-decision-to-placement-start"]
    )
    description: str = Field(description="The same in Dutch: from what to what")
    count: Count = Field(description="The durations measured")
    p50_days: float | None = Field(description="Median, nearest rank; null when suppressed")
    p90_days: float | None = Field(description="90th percentile, nearest rank")
    max_days: float | None = Field(description="The longest")


class AppliedFilters(ApiModel):
    from_: date | None = Field(
        serialization_alias="from", description="The period's first day; null: all time"
    )
    to: date | None = Field(description="The period's last day, included; null: all time")
    gemeente: str | None = Field(description="CBS code of the gemeente; null: the region")
    kader: str | None = Field(description="vrijwillig or gedwongen; null: both")
    care_form: str | None = Field(default=None, description="A care form; null: all")
    provider: str | None = Field(default=None, description="KvK number; null: all providers")


def answer(model: type[Answer], filters: Filters, figure: object = None, **more: Any) -> Answer:
    """The answer to a request under `filters`: the pure result's fields (a dataclass of the
    answer's field names, down to its counts) and `more`, read by their attributes."""
    found = (
        {f.name: getattr(figure, f.name) for f in fields(figure)} if is_dataclass(figure) else {}
    )
    return model.model_validate(
        {"filters": applied(filters), **found, **more}, from_attributes=True
    )


def applied(filters: Filters) -> AppliedFilters:
    return AppliedFilters(
        from_=filters.from_date,
        to=filters.to_date,
        gemeente=filters.gemeente_code,
        kader=filters.kader,
        care_form=filters.care_form,
        provider=filters.provider,
    )
