"""The dashboard's pages, in Dutch: Overzicht, Doorlooptijden, Stepping stones, Waar geplaatst,
Capaciteit (with the waiting lists and the capacity per month) and 18-/18+. Aggregates only,
every count small-cell suppressed, for every logged-in user; the werkgroep also sees, on
18-/18+, the open alerts behind the figure (links to their cases).

Filters come from the query string under the JSON API's names (`from`, `to`, `gemeente`,
`kader`, `care_form`, `provider`); an empty field of the filter form means "all". The form
writes dates as dd-mm-jjjj; the API's yyyy-mm-dd is taken too.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from jeugdketen_shared.vocabulary import CareForm, Kader
from ketenmonitor.alerts.api import AlertFilters, AlertIndex, find_alerts
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.alerts.domain import Status
from ketenmonitor.alerts.rules import Severity
from ketenmonitor.figures import (
    capacity,
    capacity_history,
    care_form_matrix,
    home_like_settings,
    inflow,
    lead_times,
    moves_away_from_home,
    placement_locations,
    stepping_stones,
    time_in_chain,
    turning_eighteen,
    waiting_lists,
)
from ketenmonitor.figures.api import InvalidPeriod, amsterdam_today
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.source import FigureSource
from ketenmonitor.figures.suppression import Count, suppressed
from ketenmonitor.web.audit import CaseReads
from ketenmonitor.web.pages import Pages, form_date

OPEN = (Status.OPEN, Status.IN_BEHANDELING)
TURNING_EIGHTEEN_RULE = "turning-eighteen-without-continuity-plan"
ROUTE = (
    "referral-to-toegang-decision",
    "toegang-decision-to-triage-decision",
    "triage-decision-to-placement-start",
)
"""The stages of the chain diagram, in the order a case passes them."""
ROUTE_STAGES = ("Aanmelding", "Besluit toegang", "Besluit triage", "Start plaatsing")


FormDate = Annotated[date, BeforeValidator(form_date)]


class PageQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: FormDate | None = Field(default=None, alias="from")
    to: FormDate | None = None
    gemeente: str | None = Field(default=None, pattern=r"^GM\d{4}$")
    kader: Kader | None = None
    care_form: CareForm | None = None
    provider: str | None = Field(default=None, pattern=r"^\d{8}$")


class InvalidFilter(Exception):
    """A filter of the page's query string is not valid."""


def page_filters(request: Request) -> Filters:
    chosen = {key: value for key, value in request.query_params.items() if value.strip()}
    try:
        query = PageQuery.model_validate(chosen)
    except ValidationError as error:
        raise InvalidFilter(str(error)) from error
    filters = Filters(
        query.from_,
        query.to,
        query.gemeente,
        query.kader.value if query.kader else None,
        query.care_form.value if query.care_form else None,
        query.provider,
    )
    if filters.from_date and filters.to_date and filters.from_date > filters.to_date:
        raise InvalidPeriod
    return filters


PageFilters = Annotated[Filters, Depends(page_filters)]


def quarters_until(today: date, count: int = 4) -> list[tuple[str, date, date]]:
    """The last `count` calendar quarters up to and including today's: label, first, last."""
    found = []
    year, quarter = today.year, (today.month - 1) // 3
    for _ in range(count):
        first = date(year, quarter * 3 + 1, 1)
        following = date(year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1)
        found.append((f"K{quarter + 1} {year}", first, following - timedelta(days=1)))
        year, quarter = (year - 1, 3) if quarter == 0 else (year, quarter - 1)
    return found[::-1]


def cross_table(
    cells: Sequence[care_form_matrix.MatrixCell],
) -> tuple[list[str], list[tuple[str | None, list[CountAnswer | None]]]]:
    """The matrix's cells as a table: the deployed care forms as columns, a row per recommended
    one (None: without advice, last), each cell its count or None where the API has none."""
    order = {form.value: index for index, form in enumerate(CareForm)}
    deployed = sorted({cell.deployed for cell in cells}, key=lambda form: order.get(form, 99))
    recommended = sorted(
        {cell.recommended for cell in cells},
        key=lambda form: order.get(form, 99) if form is not None else 100,
    )
    found = {(cell.recommended, cell.deployed): cell.placements for cell in cells}
    rows = [(form, [found.get((form, column)) for column in deployed]) for form in recommended]
    return deployed, rows


def per_month_table(
    rows: Sequence[waiting_lists.MonthlyStockAnswer | capacity_history.MonthlyCapacityAnswer],
) -> tuple[list[str], list[tuple[str, str, list[Any]]]]:
    """A figure's rows per month as a table: the months as columns, a row per care form and
    provider, each cell that month's row (None where the API has none)."""
    months = sorted({row.month for row in rows})
    found = {(row.care_form, row.provider, row.month): row for row in rows}
    lists = sorted({(row.care_form, row.provider) for row in rows})
    return months, [
        (care_form, provider, [found.get((care_form, provider, month)) for month in months])
        for care_form, provider in lists
    ]


async def open_alerts_by_severity(
    alerts: Alerts, index: AlertIndex, filters: AlertFilters
) -> dict[str, Count]:
    _, found = await find_alerts(alerts, index, filters, OPEN)
    return {
        severity.value: suppressed(sum(1 for a in found if a.severity == severity))
        for severity in (Severity.HOOG, Severity.MIDDEN, Severity.LAAG)
    }


def create_dashboard_router(
    source: FigureSource,
    alerts: Alerts,
    index: AlertIndex,
    providers: Mapping[str, str],
    pages: Pages,
    reads: CaseReads,
    today: Callable[[], date] = amsterdam_today,
) -> APIRouter:
    """`providers`: KvK number → name, for the provider filter. The werkgroep's read of the
    cases behind 18-/18+ is recorded (`reads`); the figures are aggregates, never recorded."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, template: str, filters: Filters, **context: Any) -> HTMLResponse:
        return pages.render(
            request,
            template,
            {
                "filters": filters,
                "providers": providers,
                "care_forms": list(CareForm),
                "kaders": list(Kader),
                **context,
            },
        )

    @router.get("/", response_class=HTMLResponse)
    async def overzicht(request: Request, filters: PageFilters) -> HTMLResponse:
        waiting = await capacity.read(source, filters, today())
        return render(
            request,
            "overzicht.html",
            filters,
            stones=await stepping_stones.read(source, filters, today()),
            chain=await time_in_chain.read(source, filters, today()),
            inflow=await inflow.read(source, filters, today()),
            brandhaarden=[w for w in waiting.waiting_lists if w.brandhaard],
            waiting_lists=waiting.waiting_lists,
            open_alerts=await open_alerts_by_severity(
                alerts, index, AlertFilters(gemeente_code=filters.gemeente_code)
            ),
        )

    @router.get("/doorlooptijden", response_class=HTMLResponse)
    async def doorlooptijden(request: Request, filters: PageFilters) -> HTMLResponse:
        stages = await lead_times.read(source, filters, today())
        by_name = {figure.transition: figure for figure in stages.lead_times}
        trend = []
        for label, first, last in quarters_until(filters.to_date or today()):
            quarter = replace(filters, from_date=first, to_date=last)
            per_stage = (await lead_times.read(source, quarter, today())).lead_times
            trend.append((label, [f for f in per_stage if f.transition in ROUTE]))
        return render(
            request,
            "doorlooptijden.html",
            filters,
            lead_times=stages.lead_times,
            route=[by_name[name] for name in ROUTE],
            route_stages=ROUTE_STAGES,
            whole_route=(await time_in_chain.read(source, filters, today())).route,
            trend=trend,
        )

    @router.get("/stepping-stones", response_class=HTMLResponse)
    async def stepping_stones_page(request: Request, filters: PageFilters) -> HTMLResponse:
        trend = []
        for label, first, last in quarters_until(filters.to_date or today()):
            quarter = replace(filters, from_date=first, to_date=last)
            trend.append((label, await stepping_stones.read(source, quarter, today())))
        return render(
            request,
            "stepping_stones.html",
            filters,
            stones=await stepping_stones.read(source, filters, today()),
            away=await moves_away_from_home.read(source, filters, today()),
            trend=trend,
        )

    @router.get("/plaatsingen", response_class=HTMLResponse)
    async def plaatsingen(request: Request, filters: PageFilters) -> HTMLResponse:
        # huiselijke setting is about the care forms, so it is not filtered by one
        every_form = replace(filters, care_form=None)
        return render(
            request,
            "plaatsingen.html",
            filters,
            locations=await placement_locations.read(source, filters, today()),
            homely=await home_like_settings.read(source, every_form, today()),
        )

    @router.get("/capaciteit", response_class=HTMLResponse)
    async def capaciteit(request: Request, filters: PageFilters) -> HTMLResponse:
        matrix = await care_form_matrix.read(source, filters, today())
        waiting = await waiting_lists.read(source, filters, today())
        history = await capacity_history.read(source, filters, today())
        return render(
            request,
            "capaciteit.html",
            filters,
            capacity=await capacity.read(source, filters, today()),
            waiting=waiting,
            waiting_per_month=per_month_table(waiting.per_month),
            capacity_per_month=per_month_table(history.per_month),
            inflow=await inflow.read(source, filters, today()),
            matrix=matrix,
            cross_table=cross_table(matrix.cells),
        )

    @router.get("/achttien", response_class=HTMLResponse)
    async def achttien(request: Request, filters: PageFilters) -> HTMLResponse:
        user = request.state.user
        detail = None
        if user.is_werkgroep:  # case-level detail only for the werkgroep
            alert_filters = AlertFilters(
                rule=TURNING_EIGHTEEN_RULE, gemeente_code=filters.gemeente_code
            )
            _, detail = await find_alerts(alerts, index, alert_filters, OPEN)
            await reads.record(request, user, [a.case_id for a in detail], [a.id for a in detail])
        return render(
            request,
            "achttien.html",
            filters,
            figure=await turning_eighteen.read(source, filters, today()),
            detail=detail,
        )

    return router
