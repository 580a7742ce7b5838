"""The read API for dashboards, following the API Design Rules: `/v1/...`, plural nouns in
kebab-case, errors as `application/problem+json` (RFC 9457), OpenAPI at `/v1/openapi.json`.

Every count is small-cell suppressed (`figures.common.SMALL_CELL`). Every route needs an
authenticated user: HTTP Basic, or the session cookie of the login page (`/inloggen`); without
one 401. The figures and the live stream (`/v1/stream`) are for every role; the alerts
(`/v1/alerts`) and the audit trail (`/v1/audit`) for the `werkgroep` role only, 403 for others.
Every read of case-level data is recorded (who, when, which cases) before it is answered.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.vocabulary import CareForm, Kader
from ketenmonitor.facts import (
    CONTINUITY_PLAN_RECORDED,
    PLACEMENT_ENDED,
    PLACEMENT_STARTED,
    TURNED_EIGHTEEN,
)
from ketenmonitor.figures import care, chain, common, hand_overs, route, transfers
from ketenmonitor.figures.chain import FactRow
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.hand_overs import HAND_OVERS

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FigureSource(Protocol):
    """Where the figures' rows come from: the projection's tables, or a fake."""

    async def lead_times(self, filters: Filters) -> dict[str, common.Spread]:
        """Per transition's name; a transition without durations may be missing."""

    async def hand_overs(self, filters: Filters) -> dict[str, common.Spread]:
        """Per hand-over's name (`hand_overs.HAND_OVERS`); one without waits may be
        missing."""

    async def time_in_chain(self, filters: Filters) -> route.RouteSpreads: ...

    async def entries(self, filters: Filters) -> chain.Entries: ...

    async def waiting_lists(self, filters: Filters) -> list[chain.WaitingList]: ...

    async def care_form_pairs(self, filters: Filters) -> care.Pairs: ...

    async def transfer_counts(self, filters: Filters, on: date) -> transfers.TransferCounts: ...

    async def transfers_per_placed_youth(self, filters: Filters) -> list[int]: ...

    async def facts_of(self, types: Sequence[str]) -> list[FactRow]: ...


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


class LeadTimes(BaseModel):
    filters: AppliedFilters
    lead_times: list[LeadTime]


class Bucket(BaseModel):
    transfers: str = Field(description="Transfers per youth: 0, 1, 2, 3, 4, 5-9 or 10+")
    youths: Count


class RollingTwelveMonths(BaseModel):
    on: date = Field(description="The window's last day: `to`, or today")
    window_from: date = Field(description="The window's first day, 12 months before")
    distribution: list[Bucket] = Field(
        description="The placed youths by their transfers within the window"
    )


class TransferReason(BaseModel):
    reason: str = Field(examples=["escalatie"])
    transfers: Count


class SteppingStones(BaseModel):
    filters: AppliedFilters
    placed_youths: Count = Field(description="Youths whose first placement started in the period")
    distribution: list[Bucket]
    first_time_right: Count = Field(description='"In één keer op de juiste plek": no transfer')
    first_time_right_share: float | None
    rolling_12_months: RollingTwelveMonths
    transfer_reasons: list[TransferReason] = Field(
        description="All known transfers of the placed youths, per reason"
    )


class WaitingAgainstCapacity(BaseModel):
    care_form: str = Field(examples=["gezinshuis"])
    provider: str = Field(description="KvK number of the provider", examples=["12345678"])
    waiting: Count = Field(description="Cases waiting: requested, not yet placed or ended")
    places: int | None = Field(description="Latest capacity-recorded; null: never recorded")
    occupied: int | None
    free_places: int | None = Field(description="places - occupied (at least 0)")
    brandhaard: bool | None = Field(
        description="Waiting demand exceeds free places; null when either is unknown or the "
        "waiting count is suppressed"
    )


class Capacity(BaseModel):
    filters: AppliedFilters
    waiting_lists: list[WaitingAgainstCapacity]


class MonthlyInflow(BaseModel):
    month: str = Field(description="YYYY-MM, Europe/Amsterdam", examples=["2026-03"])
    care_form: str = Field(examples=["jeugdzorg-plus"])
    entries: Count = Field(description="Placement starts and transfers into the care form")


class ThuisTenzij(BaseModel):
    youths: Count = Field(description="Youths who started care or changed care form")
    at_home: Count = Field(description="Of them, only ambulant (at home) in the period")
    away_from_home: Count
    at_home_share: float | None = Field(description="Suppressed when either part is small")


class Inflow(BaseModel):
    filters: AppliedFilters
    per_month: list[MonthlyInflow]
    totals: dict[str, Count] = Field(description="Entries per care form in the whole period")
    thuis_tenzij: ThuisTenzij


class MatrixCell(BaseModel):
    recommended: str | None = Field(
        description="The advice in force at the start (RET, else triage); null: none"
    )
    deployed: str
    placements: Count


class CareFormMatrix(BaseModel):
    filters: AppliedFilters
    placements: Count
    as_advised: Count
    deviating: Count = Field(description="Placed in another care form than advised")
    without_advice: Count
    as_advised_share: float | None = Field(description="Of the placements with advice")
    cells: list[MatrixCell]


class TurningEighteen(BaseModel):
    filters: AppliedFilters
    on: date = Field(description="The snapshot's day: `to`, or today")
    in_care: Count
    birth_month_unknown: Count
    turning_eighteen_soon: Count = Field(description="Turning 18 within six months of `on`")
    soon_with_plan: Count
    soon_without_plan: Count = Field(description="Turning 18 soon without a continuity plan")
    turned_eighteen: Count = Field(description="Turned 18 in care in the period")
    turned_eighteen_without_plan: Count


class TimeInChain(BaseModel):
    filters: AppliedFilters
    route: LeadTime = Field(description="First referral to first placement start, per case")
    time_in_chain: LeadTime = Field(description="First referral to leaving, per case")
    left: Count = Field(description="Cases that left the chain in the period")
    re_entered: Count = Field(description="Of them, youths referred again within 12 months")
    re_entry_share: float | None


class HandOvers(BaseModel):
    filters: AppliedFilters
    hand_overs: list[LeadTime] = Field(
        description="Per hand-over: from one partner's hand-over to the next partner's first "
        "action, per case"
    )


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    reason: str


FromDate = Annotated[
    date | None, Query(alias="from", description="First day of the period (YYYY-MM-DD)")
]
ToDate = Annotated[date | None, Query(description="Last day of the period, included")]
Gemeente = Annotated[
    str | None, Query(pattern=r"^GM\d{4}$", description="CBS code of the gemeente")
]
KaderFilter = Annotated[Kader | None, Query(description="vrijwillig or gedwongen")]
CareFormFilter = Annotated[CareForm | None, Query(description="A care form (zorgvorm)")]
Provider = Annotated[
    str | None, Query(pattern=r"^\d{8}$", description="KvK number of the provider")
]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "content": {PROBLEM_CONTENT_TYPE: {}}}
}


HAND_OVERS_DESCRIPTION = hand_overs.__doc__
"""Beside the route of the same name, which hides the module in `create_api`."""


def amsterdam_today() -> date:
    return datetime.now(AMSTERDAM).date()


def create_api(source: FigureSource, today: Callable[[], date] = amsterdam_today) -> FastAPI:
    app = FastAPI(
        title="jeugdketen ketenmonitor: the chain's figures",
        version="1.0.0",
        description=__doc__,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )

    @app.exception_handler(InvalidPeriod)
    async def invalid_period(request: Request, error: InvalidPeriod) -> JSONResponse:
        return problem(400, "invalid-period", "`from` lies after `to`")

    @app.exception_handler(RequestValidationError)
    async def invalid_query(request: Request, error: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return problem(400, "invalid-query", detail)

    @app.get(
        "/v1/lead-times",
        summary="Lead times per stage transition, by event time",
        description="Per case, from its first start milestone to its first end milestone; "
        "the period on the end. `care_form` and `provider` are those of the case's first "
        "placement start (by event time); a case not placed (yet) matches only when neither "
        "is given.",
        response_model=LeadTimes,
        responses=PROBLEMS,
    )
    async def lead_times(filters: PlacementFilters) -> LeadTimes:
        return await read_lead_times(source, filters)

    @app.get(
        "/v1/stepping-stones",
        summary="Transfers per placed youth (all, and within 12 months), their reasons, and "
        "the share placed right the first time",
        description=transfers.transfers.__doc__,
        response_model=SteppingStones,
        responses=PROBLEMS,
    )
    async def stepping_stones(filters: CaseFilters) -> SteppingStones:
        return await read_stepping_stones(source, filters, today())

    @app.get(
        "/v1/capacity",
        summary="Waiting lists against capacity per care form and provider; brandhaarden",
        description=chain.waiting_against_capacity.__doc__,
        response_model=Capacity,
        responses=PROBLEMS,
    )
    async def capacity(filters: PlacementFilters) -> Capacity:
        return await read_capacity(source, filters)

    @app.get(
        "/v1/inflow",
        summary="Inflow into jeugdzorg plus and 3-milieu per month; thuis-tenzij share",
        description=chain.Entries.__doc__,
        response_model=Inflow,
        responses=PROBLEMS,
    )
    async def inflow(filters: ProviderFilters) -> Inflow:
        return await read_inflow(source, filters)

    @app.get(
        "/v1/care-form-matrix",
        summary="Recommended (triage, RET) versus deployed care form, per placement start",
        description=care.care_form_matrix.__doc__,
        response_model=CareFormMatrix,
        responses=PROBLEMS,
    )
    async def care_form_matrix(filters: PlacementFilters) -> CareFormMatrix:
        return await read_care_form_matrix(source, filters)

    @app.get(
        "/v1/turning-eighteen",
        summary="18-/18+: youths in care turning 18 within six months without a continuity plan",
        description=care.turning_eighteen.__doc__,
        response_model=TurningEighteen,
        responses=PROBLEMS,
    )
    async def turning_eighteen(filters: CaseFilters) -> TurningEighteen:
        return await read_turning_eighteen(source, filters, today())

    @app.get(
        "/v1/time-in-chain",
        summary="Doorlooptijd of the whole route, time in the chain, re-entry within 12 months",
        description=route.route.__doc__,
        response_model=TimeInChain,
        responses=PROBLEMS,
    )
    async def time_in_chain(filters: CaseFilters) -> TimeInChain:
        return await read_time_in_chain(source, filters)

    @app.get(
        "/v1/hand-overs",
        summary="Where partners wait on each other: hand-over to the next partner's first action",
        description=HAND_OVERS_DESCRIPTION,
        response_model=HandOvers,
        responses=PROBLEMS,
    )
    async def hand_overs(filters: CaseFilters) -> HandOvers:
        return await read_hand_overs(source, filters)

    return app


async def read_lead_times(source: FigureSource, filters: Filters) -> LeadTimes:
    found = await source.lead_times(filters)
    return LeadTimes(
        filters=_applied(filters),
        lead_times=[
            _lead_time(common.lead_time_of(t, found.get(t.name, common.Spread(0))))
            for t in common.TRANSITIONS
        ],
    )


async def read_stepping_stones(
    source: FigureSource, filters: Filters, today: date
) -> SteppingStones:
    stones = common.stepping_stones(await source.transfers_per_placed_youth(filters))
    on = filters.to_date or today
    moved = transfers.transfers(await source.transfer_counts(filters, on), on)
    return SteppingStones(
        filters=_applied(filters),
        placed_youths=_count(stones.placed_youths),
        distribution=[
            Bucket(transfers=b.transfers, youths=_count(b.youths)) for b in stones.distribution
        ],
        first_time_right=_count(stones.first_time_right),
        first_time_right_share=stones.first_time_right_share,
        rolling_12_months=RollingTwelveMonths(
            on=moved.on,
            window_from=moved.window_from,
            distribution=[
                Bucket(transfers=b.transfers, youths=_count(b.youths))
                for b in moved.rolling_12_months.distribution
            ],
        ),
        transfer_reasons=[
            TransferReason(reason=r.reason, transfers=_count(r.transfers)) for r in moved.reasons
        ],
    )


async def read_capacity(source: FigureSource, filters: Filters) -> Capacity:
    lists = await source.waiting_lists(filters)
    return Capacity(
        filters=_applied(filters),
        waiting_lists=[
            WaitingAgainstCapacity(
                care_form=w.care_form,
                provider=w.provider,
                waiting=_count(w.waiting),
                places=w.places,
                occupied=w.occupied,
                free_places=w.free_places,
                brandhaard=w.brandhaard,
            )
            for w in chain.waiting_against_capacity(lists)
        ],
    )


async def read_inflow(source: FigureSource, filters: Filters) -> Inflow:
    figure = chain.inflow(await source.entries(filters))
    home = figure.thuis_tenzij
    return Inflow(
        filters=_applied(filters),
        per_month=[
            MonthlyInflow(month=m.month, care_form=m.care_form, entries=_count(m.entries))
            for m in figure.per_month
        ],
        totals={form: _count(count) for form, count in figure.totals.items()},
        thuis_tenzij=ThuisTenzij(
            youths=_count(home.youths),
            at_home=_count(home.at_home),
            away_from_home=_count(home.away_from_home),
            at_home_share=home.at_home_share,
        ),
    )


async def read_care_form_matrix(source: FigureSource, filters: Filters) -> CareFormMatrix:
    matrix = care.care_form_matrix(await source.care_form_pairs(filters))
    return CareFormMatrix(
        filters=_applied(filters),
        placements=_count(matrix.placements),
        as_advised=_count(matrix.as_advised),
        deviating=_count(matrix.deviating),
        without_advice=_count(matrix.without_advice),
        as_advised_share=matrix.as_advised_share,
        cells=[
            MatrixCell(
                recommended=c.recommended, deployed=c.deployed, placements=_count(c.placements)
            )
            for c in matrix.cells
        ],
    )


async def read_turning_eighteen(
    source: FigureSource, filters: Filters, today: date
) -> TurningEighteen:
    rows = await source.facts_of(
        (
            PLACEMENT_STARTED,
            PLACEMENT_ENDED,
            CONTINUITY_PLAN_RECORDED,
            TURNED_EIGHTEEN,
        )
    )
    figure = care.turning_eighteen(rows, filters, today)
    return TurningEighteen(
        filters=_applied(filters),
        on=figure.on,
        in_care=_count(figure.in_care),
        birth_month_unknown=_count(figure.birth_month_unknown),
        turning_eighteen_soon=_count(figure.turning_eighteen_soon),
        soon_with_plan=_count(figure.soon_with_plan),
        soon_without_plan=_count(figure.soon_without_plan),
        turned_eighteen=_count(figure.turned_eighteen),
        turned_eighteen_without_plan=_count(figure.turned_eighteen_without_plan),
    )


async def read_time_in_chain(source: FigureSource, filters: Filters) -> TimeInChain:
    figure = route.route(await source.time_in_chain(filters))
    return TimeInChain(
        filters=_applied(filters),
        route=_lead_time(figure.route),
        time_in_chain=_lead_time(figure.time_in_chain),
        left=_count(figure.left),
        re_entered=_count(figure.re_entered),
        re_entry_share=figure.re_entry_share,
    )


async def read_hand_overs(source: FigureSource, filters: Filters) -> HandOvers:
    found = await source.hand_overs(filters)
    return HandOvers(
        filters=_applied(filters),
        hand_overs=[
            _lead_time(common.lead_time_of(h.transition, found.get(h.name, common.Spread(0))))
            for h in HAND_OVERS
        ],
    )


def _filters(
    from_: date | None,
    to: date | None,
    gemeente: str | None,
    kader: Kader | None,
    care_form: CareForm | None = None,
    provider: str | None = None,
) -> Filters:
    return Filters(
        from_,
        to,
        gemeente,
        kader.value if kader else None,
        care_form.value if care_form else None,
        provider,
    )


class InvalidPeriod(Exception):
    """`from` lies after `to`."""


def _checked(filters: Filters) -> Filters:
    if filters.from_date and filters.to_date and filters.from_date > filters.to_date:
        raise InvalidPeriod
    return filters


def case_filters(
    from_: FromDate = None, to: ToDate = None, gemeente: Gemeente = None, kader: KaderFilter = None
) -> Filters:
    """The period, gemeente and kader every figure takes."""
    return _checked(_filters(from_, to, gemeente, kader))


def placement_filters(
    from_: FromDate = None,
    to: ToDate = None,
    gemeente: Gemeente = None,
    kader: KaderFilter = None,
    care_form: CareFormFilter = None,
    provider: Provider = None,
) -> Filters:
    """Also the care form and provider, for figures about placements."""
    return _checked(_filters(from_, to, gemeente, kader, care_form, provider))


def provider_filters(
    from_: FromDate = None,
    to: ToDate = None,
    gemeente: Gemeente = None,
    kader: KaderFilter = None,
    provider: Provider = None,
) -> Filters:
    """Also the provider, for figures about entries into care forms."""
    return _checked(_filters(from_, to, gemeente, kader, provider=provider))


CaseFilters = Annotated[Filters, Depends(case_filters)]
PlacementFilters = Annotated[Filters, Depends(placement_filters)]
ProviderFilters = Annotated[Filters, Depends(provider_filters)]


def _applied(filters: Filters) -> AppliedFilters:
    return AppliedFilters(
        from_=filters.from_date,
        to=filters.to_date,
        gemeente=filters.gemeente_code,
        kader=filters.kader,
        care_form=filters.care_form,
        provider=filters.provider,
    )


def _count(count: common.Count) -> Count:
    return Count(value=count.value, suppressed=count.suppressed)


def _lead_time(figure: common.LeadTime) -> LeadTime:
    return LeadTime(
        transition=figure.transition,
        description=figure.description,
        count=_count(figure.count),
        p50_days=figure.p50_days,
        p90_days=figure.p90_days,
        max_days=figure.max_days,
    )


def problem(status: int, reason: str, detail: str) -> JSONResponse:
    body = Problem(title=reason.replace("-", " "), status=status, detail=detail, reason=reason)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_CONTENT_TYPE)
