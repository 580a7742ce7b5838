"""The web side of the ketenmonitor: templates, static assets, the login page and the guard that
puts authentication in front of every route but the public ones.

The pages are rendered on the server (Jinja2) from the same read functions as the JSON API;
`static/ketenmonitor.js` only draws the line charts from their tables, refreshes the pages on
the live stream and posts the werkgroep's actions to the alerts API. The NL Design System's CSS
and uPlot are served from services/ketenmonitor/frontend/node_modules (`npm ci`), never from a
CDN.
"""

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.middleware.sessions import SessionMiddleware

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from jeugdketen_shared.load_progress import LoadProgress, LoadState
from jeugdketen_shared.problems import problem
from ketenmonitor.web.auth import (
    LOGIN_PATH,
    SESSION_KEY,
    Authentication,
    Forbidden,
    NotAuthenticated,
    User,
    Users,
    wants_html,
)

PACKAGE = Path(__file__).resolve().parent.parent
"""Where the templates and static assets are: beside the rooms, as the dashboard's pages
share them with the werkgroep's."""
STATIC_PREFIX = "/static/"
SESSION_COOKIE = "ketenmonitor_sessie"
SESSION_SECONDS = 8 * 3600
"""A working day; then log in again."""


NONE = "\N{EN DASH}"
"""Shown for a figure that does not exist (no cases), as Dutch tables do."""

VENDOR_ASSETS = {
    "/static/nlds/tokens": "@utrecht/design-tokens/dist",
    "/static/nlds/components": "@utrecht/component-library-css/dist",
    "/static/uplot": "uplot/dist",
}
"""Where the NL Design System's files and uPlot, the line charts' library, are served from,
inside node_modules."""

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/", "Overzicht"),
    ("/doorlooptijden", "Doorlooptijden"),
    ("/overdrachten", "Overdrachten"),
    ("/tijd-in-de-keten", "Tijd in de keten"),
    ("/stepping-stones", "Stepping stones"),
    ("/plaatsingen", "Waar geplaatst"),
    ("/capaciteit", "Capaciteit"),
    ("/achttien", "18-/18+"),
    ("/gedwongen-kader", "Gedwongen kader"),
)
WERKGROEP_NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/werkgroep/signalen", "Signalen"),
    ("/werkgroep/logboek", "Logboek"),
)


OPERATIONS_PATHS = ("/health/", "/metrics")
"""Liveness, readiness and metrics (jeugdketen_shared.health): for orchestrators and
Prometheus, without authentication, and nothing in them about cases."""


def is_public(path: str) -> bool:
    return path == LOGIN_PATH or path.startswith((STATIC_PREFIX, *OPERATIONS_PATHS))


HIDDEN_EXPLAINED = (
    "Niet getoond ter bescherming van de privacy: minder dan 10, of een aantal waaruit met de "
    "andere cijfers een klein aantal te berekenen zou zijn"
)


def amount(count: Any) -> Markup:
    """A count as shown to people: a hidden one as "afgeschermd", never its number. Hidden
    below 10 and hidden beside one (figures.suppression) read the same: told apart, they would
    say that the second is 10 or more, and so give the first away."""
    if count.suppressed or count.value is None:
        return Markup(f'<span class="km-suppressed" title="{HIDDEN_EXPLAINED}">afgeschermd</span>')
    return Markup(number(count.value))


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Dutch thousands separator


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}".replace(".", ",")


def share(value: float | None) -> str:
    return NONE if value is None else f"{round(value * 100)}%"


def moment(value: datetime | None) -> str:
    return NONE if value is None else value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


DUTCH_DATE = "%d-%m-%Y"
"""How the filter forms show and take a date (dd-mm-jjjj): a text field, because a date field
shows the browser's locale's format."""


def form_date(text: str) -> date:
    """A date typed in a filter form as dd-mm-jjjj, or as yyyy-mm-dd, the JSON API's form, which
    links to the pages may carry. ValueError for anything else."""
    try:
        return datetime.strptime(text, DUTCH_DATE).date()
    except ValueError:
        return date.fromisoformat(text)


def dutch_date(value: date | str | None) -> str:
    """A filter's date as its form field shows it, from the date or from the text of the query
    string (a page has refused a text that is no date before it renders)."""
    if not value:
        return ""
    return (value if isinstance(value, date) else form_date(value)).strftime(DUTCH_DATE)


def plotted(value: Any) -> Markup:
    """A table cell's value for its line chart (`data-waarde`, read by ketenmonitor.js): a count
    or a number of days; nothing for a hidden count or a figure that does not exist, which the
    chart leaves out as a gap, so that it never shows more than the table."""
    if value is None or getattr(value, "suppressed", False):
        return Markup("")
    number = getattr(value, "value", value)
    return Markup("") if number is None else Markup(f' data-waarde="{number}"')


def bar_width(count: Any, largest: int) -> int:
    """Percent of the largest value; a suppressed cell gets no bar."""
    if count.suppressed or count.value is None or largest <= 0:
        return 0
    return round(100 * int(count.value) / largest)


def create_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=PACKAGE / "templates")
    templates.env.filters.update(
        amount=amount,
        number=number,
        days=days,
        share=share,
        moment=moment,
        dutch_date=dutch_date,
    )
    templates.env.globals.update(bar_width=bar_width, plotted=plotted, gemeenten=TWENTE_GEMEENTEN)
    return templates


def no_load() -> LoadProgress | None:
    return None


@dataclass(frozen=True)
class Pages:
    """Renders a page for the request's user, with the menu of its role, and a banner while a
    bulk load that `loading` reads has not finished."""

    templates: Jinja2Templates
    loading: Callable[[], LoadProgress | None] = no_load

    def render(
        self, request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        user = getattr(request.state, "user", None)
        navigation = NAVIGATION
        if isinstance(user, User) and user.is_werkgroep:
            navigation += WERKGROEP_NAVIGATION
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "navigation": navigation,
                "path": request.url.path,
                "load": self._unfinished_load(),
                **context,
            },
            status_code=status_code,
        )

    def _unfinished_load(self) -> LoadProgress | None:
        load = self.loading()
        return None if load is None or load.state is LoadState.FINISHED else load

    def refusal(
        self, request: Request, status: int, reason: str, detail: str, page: Mapping[str, str]
    ) -> Response:
        """A Dutch page (`title`, `message`) for a browser, problem+json for an API client."""
        if wants_html(request):
            return self.render(request, "fout.html", page, status_code=status)
        return problem(status, reason, detail)


def safe_target(target: str | None) -> str:
    """Only a path of this site: no open redirect to another one."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def create_login_router(users: Users, pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(LOGIN_PATH, response_class=HTMLResponse)
    async def login_page(request: Request, volgende: str | None = None) -> HTMLResponse:
        return pages.render(request, "inloggen.html", {"volgende": safe_target(volgende)})

    @router.post(LOGIN_PATH, response_class=HTMLResponse)
    async def log_in(
        request: Request,
        gebruikersnaam: Annotated[str, Form()],
        wachtwoord: Annotated[str, Form()],
        volgende: Annotated[str, Form()] = "/",
    ) -> Response:
        user = await asyncio.to_thread(users.authenticate, gebruikersnaam.strip(), wachtwoord)
        if user is None:
            context = {
                "volgende": safe_target(volgende),
                "gebruikersnaam": gebruikersnaam,
                "fout": "Deze combinatie van gebruikersnaam en wachtwoord kennen we niet.",
            }
            return pages.render(request, "inloggen.html", context, status_code=401)
        request.session.clear()
        request.session[SESSION_KEY] = user.name
        return RedirectResponse(safe_target(volgende), status_code=303)

    @router.post("/uitloggen")
    async def log_out(request: Request) -> RedirectResponse:
        request.session.clear()
        return RedirectResponse(LOGIN_PATH, status_code=303)

    return router


def secure(app: FastAPI, users: Users, pages: Pages, secret: str | None) -> None:
    """Authentication in front of every route of the app but the login page and the static
    assets, answers for a missing role (403, a Dutch page for a browser), and the login."""
    app.include_router(create_login_router(users, pages))
    app.add_middleware(Authentication, users=users, public=is_public)
    # outside the authentication, which reads the session; SameSite=Lax: a form of another
    # site cannot post with the cookie (the werkgroep's actions are POSTs)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_hex(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
    )

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        page = {
            "title": "Geen toegang",
            "message": "Deze pagina is alleen voor leden van de werkgroep. Uw rol ziet "
            "alleen de cijfers van het dashboard.",
        }
        return pages.refusal(request, 403, "forbidden", "Alleen voor leden van de werkgroep.", page)

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, error: NotAuthenticated) -> Response:
        return problem(401, "unauthenticated", "Log in: met een sessie of met HTTP Basic.")


def mount_static(app: FastAPI, node_modules: Path) -> None:
    """The project's own CSS and script, and the NL Design System's CSS and uPlot from
    node_modules (missing until `npm ci` ran: then the pages work without their look, and the
    tables without their charts)."""
    for prefix, folder in VENDOR_ASSETS.items():
        app.mount(prefix, StaticFiles(directory=node_modules / folder, check_dir=False))
    app.mount("/static/ketenmonitor", StaticFiles(directory=PACKAGE / "static"))
