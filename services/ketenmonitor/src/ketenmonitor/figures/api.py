"""The read API for dashboards, following the API Design Rules: `/v1/...`, plural nouns in
kebab-case, errors as `application/problem+json` (RFC 9457), OpenAPI at `/v1/openapi.json`.

Every count is suppressed as `figures.suppression` says: below 10, and what would reveal one,
in this answer or subtracted from another (`figures.linked`). So a period is a whole calendar
quarter or year, or all time; and a request filters on at most one of the municipality
(gemeente), the legal framework (kader: vrijwillig or gedwongen), the care form and the
provider. Other requests are refused (400). Names are English, values the chain's codes
(docs/figures.md, "Names in the JSON API").
Every route needs an authenticated user: HTTP Basic, or the session cookie of the login page
(`/inloggen`); without one 401. The figures and the live stream (`/v1/stream`) are for every
role; the alerts (`/v1/alerts`) and the audit trail (`/v1/audit`) for the `werkgroep` role
only, 403 for others.
Every read of case-level data is recorded (who, when, which cases) before it is answered.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.problems import install_problem_handlers, problem, problem_responses
from jeugdketen_shared.response_headers import install_response_headers
from jeugdketen_shared.vocabulary import CareForm, Kader
from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Accepts, Figure
from ketenmonitor.figures.files import ENCODINGS, MEDIA_TYPES, Format, export_path, file_name
from ketenmonitor.figures.gauges import MEDIA_TYPE as GAUGES_MEDIA_TYPE
from ketenmonitor.figures.gauges import FigureGauges
from ketenmonitor.figures.linked import LinkedFigures, OutsideFamily, allowed, combinable
from ketenmonitor.figures.registry import FIGURES, PROTECTED_TOGETHER
from ketenmonitor.figures.source import FigureSource
from ketenmonitor.figures.tabular import table_of

FromDate = Annotated[
    date | None,
    Query(alias="from", description="First day of a calendar quarter or year (YYYY-MM-DD)"),
]
ToDate = Annotated[date | None, Query(description="Last day of the same quarter or year, included")]
Gemeente = Annotated[
    str | None,
    Query(
        alias="municipality",
        pattern=r"^GM\d{4}$",
        description="CBS code of the municipality (gemeente), e.g. GM0153",
    ),
]
KaderFilter = Annotated[
    Kader | None,
    Query(
        alias="legal_framework",
        description="The kader: vrijwillig (voluntary care) or gedwongen (under a measure of "
        "child protection or youth justice)",
    ),
]
CareFormFilter = Annotated[CareForm | None, Query(description="A care form (zorgvorm)")]
Provider = Annotated[
    str | None, Query(pattern=r"^\d{8}$", description="KvK number of the provider")
]

PROBLEMS = problem_responses(400)
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
FILE_CONTENT: dict[str, Any] = {media: {} for media in MEDIA_TYPES.values()}
"""Besides JSON, each figure's route answers with a file when `Accept` asks for one."""
GAUGES_DESCRIPTION = (
    "A gauge family per figure (`ketenmonitor_figure_<name>`), a sample per number of its "
    "table, labelled with the table's columns; a suppressed count is no sample "
    "(docs/exports.md). For Prometheus, with HTTP Basic; read again when the projection moved on."
)
EXPORT_DESCRIPTION = (
    "The figure's answer under the same filters, as a file: one row per number, a suppressed "
    "count an empty value (docs/exports.md). The same as the figure's route with `Accept` "
    "set to the file's media type."
)


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

    install_problem_handlers(app)
    install_response_headers(app)

    @app.exception_handler(InvalidPeriod)
    async def invalid_period(request: Request, error: InvalidPeriod) -> JSONResponse:
        return problem(400, "invalid-period", INVALID_PERIOD)

    @app.exception_handler(NotCombinable)
    async def not_combinable(request: Request, error: NotCombinable) -> JSONResponse:
        return problem(400, "filters-not-combinable", NOT_COMBINABLE)

    @app.exception_handler(OutsideFamily)
    async def outside_family(request: Request, error: OutsideFamily) -> JSONResponse:
        return problem(400, "no-figures-for-filter", OUTSIDE_FAMILY)

    figures = LinkedFigures(source, today, PROTECTED_TOGETHER)
    app.state.figures = figures  # the dashboard's pages show the same answers
    for figure in FIGURES:
        _add_route(app, figure, figures)
    gauges = FigureGauges(figures, source, today)

    @app.get(
        "/v1/gauges",
        response_class=Response,
        summary="Every figure of this year, for the region and each gemeente, as OpenMetrics "
        "gauges",
        description=GAUGES_DESCRIPTION,
        responses={200: {"content": {GAUGES_MEDIA_TYPE: {}}}},
    )
    async def figure_gauges() -> Response:
        return Response(await gauges.text(), media_type=GAUGES_MEDIA_TYPE)

    return app


def _add_route(app: FastAPI, figure: Figure, figures: LinkedFigures) -> None:
    accepted = Annotated[Filters, Depends(FILTERS_ACCEPTED[figure.accepts])]

    async def answer(filters: accepted, response: Response, accept: AcceptHeader = None) -> Any:
        found = await figures.read(figure, filters)
        chosen = negotiated(accept)
        response.headers["vary"] = "Accept"  # a cache keeps the JSON and each file apart
        return found if chosen is None else download(figure, filters, found, chosen)

    app.add_api_route(
        figure.path,
        answer,
        methods=["GET"],
        name=figure.name,
        summary=figure.summary,
        description=figure.description,
        response_model=figure.answer,
        responses={**PROBLEMS, 200: {"content": FILE_CONTENT}},
    )
    for chosen in Format:
        _add_export_route(app, figure, figures, chosen)


def _add_export_route(app: FastAPI, figure: Figure, figures: LinkedFigures, chosen: Format) -> None:
    accepted = Annotated[Filters, Depends(FILTERS_ACCEPTED[figure.accepts])]

    async def exported(filters: accepted) -> Response:
        return download(figure, filters, await figures.read(figure, filters), chosen)

    app.add_api_route(
        export_path(figure, chosen),
        exported,
        methods=["GET"],
        name=f"{figure.name}_{chosen.value}",
        summary=f"{figure.summary}: as {chosen.name}",
        description=EXPORT_DESCRIPTION,
        response_class=Response,
        responses={**PROBLEMS, 200: {"content": {MEDIA_TYPES[chosen]: {}}}},
    )


def download(figure: Figure, filters: Filters, found: BaseModel, chosen: Format) -> Response:
    """The answer as a file to save: the same answer, one row per number (`tabular`)."""
    name = file_name(figure, filters, chosen)
    return Response(
        ENCODINGS[chosen](table_of(found)),
        media_type=MEDIA_TYPES[chosen],
        headers={"content-disposition": f'attachment; filename="{name}"', "vary": "Accept"},
    )


def negotiated(accept: str | None) -> Format | None:
    """The file the `Accept` header prefers over JSON, if any (the most preferred first, the
    first named among equals)."""
    offered = {media.split(";")[0]: chosen for chosen, media in MEDIA_TYPES.items()}
    ranked: list[tuple[float, int, Format | None]] = []
    for position, part in enumerate((accept or "").split(",")):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        weights = [p.removeprefix("q=") for p in parameters if p.startswith("q=")]
        weight = float(weights[0]) if weights else 1.0
        if media in offered and weight > 0:
            ranked.append((-weight, position, offered[media]))
        elif media in ("application/json", "*/*", "application/*"):
            ranked.append((-weight, position, None))
    return min(ranked, key=lambda rank: rank[:2])[2] if ranked else None


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
    """The period is not a whole calendar quarter or year."""


class NotCombinable(Exception):
    """More than one of the filters that split the region's answer."""


INVALID_PERIOD = (
    "A period is a whole calendar quarter or year: `from` its first day and `to` its last "
    "(2026-04-01 and 2026-06-30; 2026-01-01 and 2026-12-31), or neither for all time. "
    "Periods that differ by a day or a month would give away small numbers."
)
NOT_COMBINABLE = (
    "At most one of `municipality`, `legal_framework`, `care_form` and `provider` per "
    "request: the figures of each are protected against subtraction with those of the region, "
    "not of each other."
)
OUTSIDE_FAMILY = (
    "No figures for this period or value: years up to this one; the municipalities of Twente."
)


def checked(filters: Filters) -> Filters:
    """The filters, if the read API answers them (`linked`: which it does, and why)."""
    if not allowed(filters):
        raise InvalidPeriod
    if not combinable(filters):
        raise NotCombinable
    return filters


def case_filters(
    from_: FromDate = None, to: ToDate = None, gemeente: Gemeente = None, kader: KaderFilter = None
) -> Filters:
    """The period, gemeente and kader every figure takes."""
    return checked(_filters(from_, to, gemeente, kader))


def placement_filters(
    from_: FromDate = None,
    to: ToDate = None,
    gemeente: Gemeente = None,
    kader: KaderFilter = None,
    care_form: CareFormFilter = None,
    provider: Provider = None,
) -> Filters:
    """Also the care form and provider, for figures about placements."""
    return checked(_filters(from_, to, gemeente, kader, care_form, provider))


def provider_filters(
    from_: FromDate = None,
    to: ToDate = None,
    gemeente: Gemeente = None,
    kader: KaderFilter = None,
    provider: Provider = None,
) -> Filters:
    """Also the provider, for figures about entries into care forms."""
    return checked(_filters(from_, to, gemeente, kader, provider=provider))


FILTERS_ACCEPTED: dict[Accepts, Callable[..., Filters]] = {
    Accepts.CASES: case_filters,
    Accepts.PLACEMENTS: placement_filters,
    Accepts.PROVIDERS: provider_filters,
}
