"""The dashboard's pages, in Dutch: Overzicht (with thuis, tenzij, the referrals per verwijzer
and the moves between the kaders), Doorlooptijden (with the Regionaal Expertteam), Overdrachten
(where partners wait on each other), Tijd in de keten (with re-entry), Stepping stones, Waar
geplaatst, Capaciteit (with the waiting lists and the capacity per month), 18-/18+ and
Gedwongen kader (Veilig Thuis's onderzoek, the measures over time, their durations, the
voorlopige OTS, the Raad's requests, the inflow per gemeente). Aggregates only, every count
small-cell suppressed, for every logged-in user; the werkgroep also sees, on 18-/18+, the open
alerts behind the figure (links to their cases).

Filters come from the query string under the JSON API's names (`gemeente`, `kader`,
`care_form`, `provider`), with the period as `periode`: a year (2026) or a quarter (2026-K2),
as the read API allows (`figures.linked`); an empty field of the filter form means "all".
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from jeugdketen_shared.contracts.plaatsing import ContinuityPlan
from jeugdketen_shared.vocabulary import (
    CareForm,
    Kader,
    OnderzoekOutcome,
    RetEscalator,
    ToegangDecision,
    Verwijzer,
)
from ketenmonitor.alerts.api import AlertFilters, AlertIndex, find_alerts
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.alerts.domain import Status
from ketenmonitor.alerts.rules import Severity
from ketenmonitor.figures import (
    capacity,
    capacity_history,
    care_form_matrix,
    gedwongen_inflow,
    hand_overs,
    home_like_settings,
    inflow,
    kader_changes,
    lead_times,
    linked,
    measure_durations,
    measures,
    measures_over_time,
    moves_away_from_home,
    placement_durations,
    placement_locations,
    referrals_by_verwijzer,
    ret_escalations,
    rvdk_to_measure,
    stepping_stones,
    thuis_tenzij,
    time_in_chain,
    turning_eighteen,
    veilig_thuis_onderzoek,
    voorlopige_ots,
    waiting_lists,
)
from ketenmonitor.figures.api import amsterdam_today
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Figure
from ketenmonitor.figures.files import Format, export_path
from ketenmonitor.figures.linked import LinkedFigures
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.responses import Count as CountAnswer
from ketenmonitor.figures.suppression import Count, protect
from ketenmonitor.web.audit import CaseReads
from ketenmonitor.web.pages import Pages

OPEN = (Status.OPEN, Status.IN_BEHANDELING)
TURNING_EIGHTEEN_RULE = "turning-eighteen-without-continuity-plan"
ROUTE = (
    "referral-to-toegang-decision",
    "toegang-decision-to-triage-decision",
    "triage-decision-to-placement-start",
)
"""The stages of the chain diagram, in the order a case passes them."""
ROUTE_STAGES = ("Aanmelding", "Besluit toegang", "Besluit triage", "Start plaatsing")
HAND_OVER_LABELS = {
    "toegang-to-triage": "Toegang → triage",
    "triage-to-provider": "Triage → aanbieder",
    "toegang-to-rvdk": "Verzoek → onderzoek Raad",
    "measure-to-gi": "Maatregel → GI",
}
"""Short names of the hand-overs (figures.hand_overs) for the trend's columns and lines; the
table above them gives each in full."""
VERWIJZER_LABELS = {
    Verwijzer.GEMEENTE: "Gemeente (lokaal team)",
    Verwijzer.HUISARTS: "Huisarts",
    Verwijzer.POH_JEUGD: "POH-jeugd",
    Verwijzer.JEUGDARTS: "Jeugdarts",
    Verwijzer.GECERTIFICEERDE_INSTELLING: "Gecertificeerde instelling",
    Verwijzer.VEILIG_THUIS: "Veilig Thuis",
    Verwijzer.RAAD_VOOR_DE_KINDERBESCHERMING: "Raad voor de Kinderbescherming",
    Verwijzer.RECHTER: "Rechter",
    Verwijzer.ZELFVERWIJZER: "Zelfverwijzer",
}
DECISION_LABELS = {
    ToegangDecision.LOKALE_BASISHULP: "Lokale basishulp",
    ToegangDecision.GEZAMENLIJKE_TRIAGE: "Gezamenlijke triage",
    ToegangDecision.GEEN_HULP: "Geen hulp",
}
ESCALATOR_LABELS = {
    RetEscalator.TRIAGETAFEL: "Triagetafel",
    RetEscalator.GEMEENTE: "Gemeente",
    RetEscalator.AANBIEDER: "Aanbieder",
}
ONDERZOEK_OUTCOME_LABELS = {
    OnderzoekOutcome.OVERDRACHT_LOKAAL_TEAM: "Overdracht aan het lokale team",
    OnderzoekOutcome.VERZOEK_RVDK: "Verzoek aan de Raad voor de Kinderbescherming",
    OnderzoekOutcome.AFGESLOTEN: "Afgesloten",
}

PLAN_LABELS = {
    ContinuityPlan.VERLENGDE_JEUGDHULP: "Verlengde jeugdhulp",
    ContinuityPlan.WMO_BESCHERMD_WONEN: "Wmo of beschermd wonen",
    ContinuityPlan.WLZ: "Wlz",
    ContinuityPlan.ZVW: "Zvw",
    ContinuityPlan.PARTICIPATIE: "Participatie",
    ContinuityPlan.NIET_NODIG: "Geen zorg meer nodig",
}


class PageQuery(BaseModel):
    periode: str | None = Field(default=None, pattern=r"^\d{4}(-K[1-4])?$")
    gemeente: str | None = Field(default=None, pattern=r"^GM\d{4}$")
    kader: Kader | None = None
    care_form: CareForm | None = None
    provider: str | None = Field(default=None, pattern=r"^\d{8}$")


class InvalidFilter(Exception):
    """A filter of the page's query string is not valid: the message says why, in Dutch."""

    def __init__(self, message: str = "Een van de filters is niet geldig.") -> None:
        super().__init__(message)
        self.message = message


NOT_COMBINABLE = (
    "Kies per keer één van gemeente, kader, zorgvorm en aanbieder. De cijfers van elk zijn "
    "beschermd tegen aftrekken van die van de regio, niet van elkaar: samen zouden ze "
    "kleine aantallen prijsgeven."
)


def period_chosen(text: str | None) -> tuple[date | None, date | None]:
    """A year (2026) or a quarter (2026-K2) as its first and last day; None: all time."""
    if not text:
        return None, None
    year, _, quarter = text.partition("-K")
    whole = linked.quarters(int(year))[int(quarter) - 1] if quarter else linked.year(int(year))
    return whole.first, whole.last


def period_options(years: Sequence[int]) -> list[tuple[str, str]]:
    """The filter form's periods, newest first: each year, then its quarters."""
    found = []
    for number in sorted(years, reverse=True):
        found.append((str(number), str(number)))
        found += [(f"{number}-K{q}", f"K{q} {number}") for q in range(4, 0, -1)]
    return found


def page_filters(request: Request) -> Filters:
    chosen = {key: value for key, value in request.query_params.items() if value.strip()}
    if {"from", "to"} & chosen.keys():  # the pages name whole periods only
        raise InvalidFilter("Kies als periode een jaar of een kwartaal.")
    try:
        query = PageQuery.model_validate(chosen)
    except ValidationError as error:
        raise InvalidFilter() from error
    filters = Filters(
        *period_chosen(query.periode),
        query.gemeente,
        query.kader.value if query.kader else None,
        query.care_form.value if query.care_form else None,
        query.provider,
    )
    if not linked.combinable(filters):
        raise InvalidFilter(NOT_COMBINABLE)
    return filters


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


FILE_LABELS = {Format.CSV: "CSV", Format.PARQUET: "Parquet"}


@dataclass(frozen=True)
class Download:
    label: str
    """The figure's Dutch name."""
    files: tuple[tuple[str, str], ...]
    """Each file's kind (CSV, Parquet) and its address."""


def downloads(shown: Iterable[Any]) -> list[Download]:
    """The figures a page shows, each as the read API exports it under the filters it was read
    with (`answer.filters`): the same numbers as the page, suppressed alike; in the registry's
    order."""
    by_answer = {figure.answer: figure for figure in FIGURES}
    found: dict[str, Download] = {}
    for answer in shown:
        figure = by_answer.get(type(answer))
        if figure is None:
            continue
        query = urlencode(answer.filters.model_dump(mode="json", by_alias=True, exclude_none=True))
        files = tuple(
            (FILE_LABELS[chosen], f"{export_path(figure, chosen)}?{query}".rstrip("?"))
            for chosen in Format
        )
        found.setdefault(figure.name, Download(figure.label, files))
    return [found[figure.name] for figure in FIGURES if figure.name in found]


async def open_alerts_by_severity(
    alerts: Alerts, index: AlertIndex, filters: AlertFilters
) -> dict[str, Count]:
    _, found = await find_alerts(alerts, index, filters, OPEN)
    severities = (Severity.HOOG, Severity.MIDDEN, Severity.LAAG)
    shown = protect(
        {s.value: sum(1 for a in found if a.severity == s) for s in severities}, (), "open-alerts"
    )
    return {severity.value: shown.count(severity.value) for severity in severities}


def create_dashboard_router(
    figures: LinkedFigures,
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

    async def answered(filters: Annotated[Filters, Depends(page_filters)]) -> Filters:
        try:
            await figures.check(filters)
        except linked.OutsideFamily as refused:
            raise InvalidFilter(
                "Voor deze periode, gemeente of aanbieder zijn er geen cijfers."
            ) from refused
        return filters

    PageFilters = Annotated[Filters, Depends(answered)]

    async def trend_quarters(filters: Filters) -> list[tuple[str, Filters]]:
        """The last four quarters up to the period's end, as far as the figures go back."""
        years = await figures.years()
        return [
            (label, replace(filters, from_date=first, to_date=last))
            for label, first, last in quarters_until(filters.to_date or today())
            if first.year in years
        ]

    async def per_quarter(figure: Figure, filters: Filters) -> list[tuple[str, Any]]:
        """The figure's answer in each quarter of the trend, with the quarter's label."""
        return [
            (label, await figures.read(figure, quarter))
            for label, quarter in await trend_quarters(filters)
        ]

    async def render(
        request: Request,
        template: str,
        filters: Filters,
        also_shown: Sequence[Any] = (),
        **context: Any,
    ) -> HTMLResponse:
        """`also_shown`: the answers the page shows in parts only, for its downloads."""
        context["downloads"] = downloads([*context.values(), *also_shown])
        return pages.render(
            request,
            template,
            {
                "filters": filters,
                "periods": period_options(await figures.years()),
                "period": request.query_params.get("periode", ""),
                "providers": providers,
                "care_forms": list(CareForm),
                "kaders": list(Kader),
                **context,
            },
        )

    @router.get("/", response_class=HTMLResponse)
    async def overzicht(request: Request, filters: PageFilters) -> HTMLResponse:
        waiting = await figures.read(capacity.FIGURE, filters)
        # a referral and lokale basishulp have no care form or provider
        of_cases = replace(filters, care_form=None, provider=None)
        return await render(
            request,
            "overzicht.html",
            filters,
            [waiting],
            stones=await figures.read(stepping_stones.FIGURE, filters),
            chain=await figures.read(time_in_chain.FIGURE, filters),
            # the figure is about the kader: a page filtered by one would show half of it
            kader_moves=await figures.read(kader_changes.FIGURE, replace(filters, kader=None)),
            inflow=await figures.read(inflow.FIGURE, filters),
            thuis=await figures.read(thuis_tenzij.FIGURE, of_cases),
            verwijzers=await figures.read(referrals_by_verwijzer.FIGURE, of_cases),
            verwijzer_labels=VERWIJZER_LABELS,
            decision_labels=DECISION_LABELS,
            brandhaarden=[w for w in waiting.waiting_lists if w.brandhaard],
            waiting_lists=waiting.waiting_lists,
            open_alerts=await open_alerts_by_severity(
                alerts, index, AlertFilters(gemeente_code=filters.gemeente_code)
            ),
        )

    @router.get("/doorlooptijden", response_class=HTMLResponse)
    async def doorlooptijden(request: Request, filters: PageFilters) -> HTMLResponse:
        stages = await figures.read(lead_times.FIGURE, filters)
        by_name = {figure.transition: figure for figure in stages.lead_times}
        trend = [
            (label, [f for f in answer.lead_times if f.transition in ROUTE])
            for label, answer in await per_quarter(lead_times.FIGURE, filters)
        ]
        return await render(
            request,
            "doorlooptijden.html",
            filters,
            [stages],
            lead_times=stages.lead_times,
            route=[by_name[name] for name in ROUTE],
            route_stages=ROUTE_STAGES,
            whole_route=(await figures.read(time_in_chain.FIGURE, filters)).route,
            trend=trend,
            # an escalation names no care form or provider
            ret=await figures.read(
                ret_escalations.FIGURE, replace(filters, care_form=None, provider=None)
            ),
            escalator_labels=ESCALATOR_LABELS,
        )

    @router.get("/overdrachten", response_class=HTMLResponse)
    async def overdrachten(request: Request, filters: PageFilters) -> HTMLResponse:
        shown = await figures.read(hand_overs.FIGURE, filters)
        trend = [
            (label, answer.hand_overs)
            for label, answer in await per_quarter(hand_overs.FIGURE, filters)
        ]
        return await render(
            request,
            "overdrachten.html",
            filters,
            [shown],
            hand_overs=shown.hand_overs,
            hand_over_labels=HAND_OVER_LABELS,
            trend=trend,
        )

    @router.get("/tijd-in-de-keten", response_class=HTMLResponse)
    async def tijd_in_de_keten(request: Request, filters: PageFilters) -> HTMLResponse:
        return await render(
            request,
            "tijd_in_de_keten.html",
            filters,
            chain=await figures.read(time_in_chain.FIGURE, filters),
            trend=await per_quarter(time_in_chain.FIGURE, filters),
        )

    @router.get("/stepping-stones", response_class=HTMLResponse)
    async def stepping_stones_page(request: Request, filters: PageFilters) -> HTMLResponse:
        return await render(
            request,
            "stepping_stones.html",
            filters,
            stones=await figures.read(stepping_stones.FIGURE, filters),
            away=await figures.read(moves_away_from_home.FIGURE, filters),
            trend=await per_quarter(stepping_stones.FIGURE, filters),
        )

    @router.get("/plaatsingen", response_class=HTMLResponse)
    async def plaatsingen(request: Request, filters: PageFilters) -> HTMLResponse:
        # huiselijke setting is about the care forms, so it is not filtered by one
        every_form = replace(filters, care_form=None)
        return await render(
            request,
            "plaatsingen.html",
            filters,
            locations=await figures.read(placement_locations.FIGURE, filters),
            homely=await figures.read(home_like_settings.FIGURE, every_form),
            durations=await figures.read(placement_durations.FIGURE, filters),
        )

    @router.get("/capaciteit", response_class=HTMLResponse)
    async def capaciteit(request: Request, filters: PageFilters) -> HTMLResponse:
        matrix = await figures.read(care_form_matrix.FIGURE, filters)
        waiting = await figures.read(waiting_lists.FIGURE, filters)
        history = await figures.read(capacity_history.FIGURE, filters)
        return await render(
            request,
            "capaciteit.html",
            filters,
            [history],
            capacity=await figures.read(capacity.FIGURE, filters),
            waiting=waiting,
            waiting_per_month=per_month_table(waiting.per_month),
            capacity_per_month=per_month_table(history.per_month),
            inflow=await figures.read(inflow.FIGURE, filters),
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
        return await render(
            request,
            "achttien.html",
            filters,
            figure=await figures.read(turning_eighteen.FIGURE, filters),
            plan_labels=PLAN_LABELS,
            detail=detail,
        )

    @router.get("/gedwongen-kader", response_class=HTMLResponse)
    async def gedwongen_kader(request: Request, filters: PageFilters) -> HTMLResponse:
        # every figure here is of the gedwongen kader, and none of a care form or provider
        of_measures = replace(filters, kader=None, care_form=None, provider=None)
        return await render(
            request,
            "gedwongen_kader.html",
            of_measures,
            over_time=await figures.read(measures_over_time.FIGURE, of_measures),
            durations=await figures.read(measure_durations.FIGURE, of_measures),
            voorlopig=await figures.read(voorlopige_ots.FIGURE, of_measures),
            to_measure=await figures.read(rvdk_to_measure.FIGURE, of_measures),
            inflow=await figures.read(gedwongen_inflow.FIGURE, of_measures),
            measure_labels=measures.LABELS,
            onderzoek=await figures.read(veilig_thuis_onderzoek.FIGURE, of_measures),
            onderzoek_outcome_labels=ONDERZOEK_OUTCOME_LABELS,
        )

    return router
