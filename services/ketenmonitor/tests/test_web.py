"""The ketenmonitor's app as the composition root assembles it, on fakes: authentication in
front of every route, the login page and session, the role boundaries of the pages, and the
dashboard's pages in Dutch with hidden counts as "afgeschermd"."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from markupsafe import escape

from jeugdketen_shared.contracts import ALL_CONTRACTS
from jeugdketen_shared.contracts.base import DomainEventData
from jeugdketen_shared.load_progress import STALE_AFTER, LoadState, write_progress
from jeugdketen_shared.permissions import load_partners
from jeugdketen_shared.settings import ServiceSettings
from ketenmonitor.alerts.api import TimelineRow
from ketenmonitor.alerts.rules import load_rules
from ketenmonitor.figures.care_form_matrix import MatrixCell
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.responses import Count
from ketenmonitor.main import assemble_api, stream_view
from ketenmonitor.projection import live
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web.auth import LOGIN_PATH
from ketenmonitor.web.dashboard import PLAN_LABELS, cross_table, quarters_until
from ketenmonitor.web.werkgroep import BASIS_LABELS, EVENT_LABELS
from services.ketenmonitor.tests.accounts import (
    DASHBOARD,
    EVERYONE,
    PASSWORD,
    WERKGROEP,
    basic,
)
from services.ketenmonitor.tests.test_alerts_api import REFERRAL, Werkgroep
from services.ketenmonitor.tests.test_api import FakeFigures
from services.ketenmonitor.tests.test_figures_measures import chain

PAGES = (
    "/",
    "/doorlooptijden",
    "/overdrachten",
    "/tijd-in-de-keten",
    "/stepping-stones",
    "/plaatsingen",
    "/capaciteit",
    "/achttien",
    "/gedwongen-kader",
)
WERKGROEP_PAGES = ("/werkgroep/signalen", "/werkgroep/signalen/{alert_id}", "/werkgroep/logboek")
HTML = {"Accept": "text/html"}


class Monitor:
    """The whole app over fake figures and the in-memory alerts, with one raised alert."""

    def __init__(self, monitor: MonitorSettings | None = None) -> None:
        self.werkgroep = Werkgroep()
        self.alert_id: UUID = self.werkgroep.raise_alert(REFERRAL)
        self.figures = FakeFigures()
        partners = load_partners(ServiceSettings.model_fields["partners_file"].default)
        self.app: FastAPI = assemble_api(
            self.figures,
            self.werkgroep.alerts,
            self.werkgroep.index,
            partners,
            live.Broadcaster(),
            EVERYONE,
            monitor or MonitorSettings(),
            self.werkgroep.clock,
            audit_log=self.werkgroep.audit_log,
        )

    def client(self, **headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://ketenmonitor",
            headers=headers,
        )


def concrete(path: str, alert_id: UUID) -> str:
    return path.replace("{alert_id}", str(alert_id))


async def test_every_route_needs_authentication_but_the_login_page_and_static_assets() -> None:
    monitor = Monitor()
    api = [
        (method.upper(), concrete(path, monitor.alert_id))
        for path, operations in monitor.app.openapi()["paths"].items()
        for method in operations
    ]
    pages = [("GET", path) for path in (*PAGES, *WERKGROEP_PAGES)] + [("POST", "/uitloggen")]
    # the figures, each as CSV and Parquet, their gauges, the alerts', the audit's, the stream
    assert len(api) == len(FIGURES) * 3 + 9
    async with monitor.client() as http:
        for method, path in api + pages:
            response = await http.request(method, concrete(path, monitor.alert_id))
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Basic")
        for path in ("/v1/openapi.json", "/v1/docs", "/v1/stream"):
            assert (await http.get(path)).status_code == 401
        assert (await http.get(LOGIN_PATH)).status_code == 200
        css = await http.get("/static/ketenmonitor/ketenmonitor.css")
        assert css.status_code == 200
        assert "km-suppressed" in css.text


async def test_a_browser_logs_in_on_the_dutch_login_page_and_returns_where_it_was() -> None:
    monitor = Monitor()
    async with monitor.client() as http:
        sent = await http.get("/capaciteit?gemeente=GM0153", headers=HTML)
        assert sent.status_code == 303
        assert sent.headers["location"] == "/inloggen?volgende=/capaciteit%3Fgemeente%3DGM0153"
        page = await http.get(sent.headers["location"])
        assert '<html lang="nl">' in page.text
        assert 'for="wachtwoord"' in page.text

        wrong = await http.post(
            LOGIN_PATH, data={"gebruikersnaam": DASHBOARD.name, "wachtwoord": "raden"}
        )
        assert wrong.status_code == 401
        assert "kennen we niet" in wrong.text
        assert "ketenmonitor_sessie" not in wrong.cookies

        logged_in = await http.post(
            LOGIN_PATH,
            data={
                "gebruikersnaam": DASHBOARD.name,
                "wachtwoord": PASSWORD,
                "volgende": "/capaciteit?gemeente=GM0153",
            },
        )
        assert logged_in.status_code == 303
        assert logged_in.headers["location"] == "/capaciteit?gemeente=GM0153"
        page = await http.get("/capaciteit?gemeente=GM0153", headers=HTML)
        assert page.status_code == 200
        assert "Ingelogd als <strong>dirk@gemeente</strong>" in page.text

        assert (await http.post("/uitloggen")).status_code == 303
        assert (await http.get("/capaciteit", headers=HTML)).status_code == 303


@pytest.mark.parametrize("target", ["//elders.example/", "https://elders.example/", "capaciteit"])
async def test_the_login_sends_nowhere_but_this_site(target: str) -> None:
    monitor = Monitor()
    async with monitor.client() as http:
        form = {"gebruikersnaam": WERKGROEP.name, "wachtwoord": PASSWORD, "volgende": target}
        response = await http.post(LOGIN_PATH, data=form)
        assert response.headers["location"] == "/"


async def test_a_dashboard_user_sees_every_figure_page_but_no_alert_and_no_case() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        for path in PAGES:
            page = await http.get(path)
            assert page.status_code == 200, path
            assert "Signalen</a>" not in page.text  # not in the menu
        for path in (concrete(p, monitor.alert_id) for p in WERKGROEP_PAGES):
            refused = await http.get(path)
            assert refused.status_code == 403, path
            assert "Geen toegang" in refused.text
        assert str(monitor.alert_id) not in (await http.get("/achttien")).text
        refused = await http.get(f"/v1/alerts/{monitor.alert_id}", headers={"Accept": "*/*"})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"


async def test_the_werkgroep_sees_the_alerts_and_opens_one_with_its_actions() -> None:
    monitor = Monitor()
    case = monitor.werkgroep.alerts.get(monitor.alert_id).case_id
    monitor.werkgroep.index.facts[case] = [
        TimelineRow("nl.jeugdketen.toegang.referral-received", datetime(2026, 3, 1, tzinfo=UTC), {})
    ]
    async with monitor.client(**basic(WERKGROEP), **HTML) as http:
        listed = await http.get("/werkgroep/signalen")
        assert listed.status_code == 200
        assert f'href="/werkgroep/signalen/{monitor.alert_id}"' in listed.text
        none_older = await http.get("/werkgroep/signalen", params={"ouder_dan": "30"})
        assert str(monitor.alert_id) not in none_older.text
        opened = await http.get(f"/werkgroep/signalen/{monitor.alert_id}")
        assert opened.status_code == 200
        for action in ("acknowledgements", "comments", "assignments", "resolutions"):
            assert f'action="/v1/alerts/{monitor.alert_id}/{action}"' in opened.text
        assert "Gesignaleerd" in opened.text  # the audit's first entry
        assert '<td class="utrecht-table__cell">Aanmelding ontvangen</td>' in opened.text
        unknown = await http.get("/werkgroep/signalen/00000000-0000-4000-8000-000000000000")
        assert unknown.status_code == 404


async def test_the_werkgroep_sees_every_rule_with_its_basis_and_source() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(WERKGROEP), **HTML) as http:
        listed = (await http.get("/werkgroep/signalen")).text
        opened = (await http.get(f"/werkgroep/signalen/{monitor.alert_id}")).text
    for rule in load_rules():
        row = re.search(rf'data-regel="{rule.name}">(.*?)</tr>', listed, re.DOTALL)
        assert row is not None, rule.name
        for shown in (rule.title, rule.norm_text, BASIS_LABELS[rule.basis], rule.source):
            assert escape(shown) in row.group(1), (rule.name, shown)
    basis = f"{BASIS_LABELS[REFERRAL.basis]}: {REFERRAL.source}"
    assert f'<dd id="grondslag">{escape(basis)}</dd>' in opened


def test_every_event_of_the_chain_services_has_a_dutch_name_on_the_timeline() -> None:
    chain_events = {
        contract.cloudevent_type.removeprefix("nl.jeugdketen.")
        for contract in ALL_CONTRACTS
        if issubclass(contract, DomainEventData)
        and not contract.cloudevent_type.startswith("nl.jeugdketen.ketenmonitor.")
    }
    assert set(EVENT_LABELS) == chain_events


async def test_small_cells_show_as_less_than_ten_never_the_number() -> None:
    monitor = Monitor()  # 30 placed youths: 20 never transferred, 10 three times
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/stepping-stones")).text
    assert 'data-cijfer="geplaatst">30<' in page
    assert ">afgeschermd<" in page  # the buckets of 1, 2, 4 transfers: 0 youths each
    shown = re.findall(r'cell--numeric"[^>]*>([^<]*)<', page)
    assert shown
    assert all(int(cell) >= 10 for cell in shown if cell.isdigit()), shown


async def test_the_overview_shows_the_referrals_per_verwijzer_and_what_followed() -> None:
    monitor = Monitor()  # 42 referrals by huisartsen: 30 to triage, 12 not decided yet
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/")).text
    assert 'data-cijfer="aanmeldingen">42<' in page
    assert "Aanmeldingen per verwijzer en wat erop volgde</caption>" in page
    row = page.split('data-verwijzer="huisarts">')[1].split("</tr>")[0]
    cells = re.findall(r'cell--numeric">([^<]*)<', row)
    # aanmeldingen, lokale basishulp, gezamenlijke triage, geen hulp, ingetrokken, geen besluit
    assert cells == ["42", "", "30", "", "", "12"]
    assert row.count(">afgeschermd<") == 3  # the noughts
    assert ">Raad voor de Kinderbescherming</th>" in page  # every verwijzer, in Dutch


async def test_the_overview_shows_the_cases_that_moved_into_the_gedwongen_kader_and_back() -> None:
    monitor = Monitor()  # 12 cases vrijwillig, then 12 days under a measure, then vrijwillig
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/", params={"kader": "gedwongen"})).text
    # every move, whatever kader the page is filtered by: the figure is about the kader
    assert 'data-cijfer="naar-gedwongen">12<' in page
    assert 'data-cijfer="weer-vrijwillig">12<' in page
    assert 'data-cijfer="naar-vrijwillig">12<' in page
    assert 'data-cijfer="nog-gedwongen"><span class="km-suppressed"' in page  # none


async def test_the_overview_shows_thuis_tenzij_as_cbs_counts_it_and_per_month() -> None:
    monitor = Monitor()  # 30 youths helped at home from March 2026, 12 away from home
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/")).text
    assert 'data-cijfer="jeugdhulp">42<' in page
    assert 'data-cijfer="zonder-verblijf">30<' in page
    assert 'data-cijfer="met-verblijf">12<' in page
    assert 'data-cijfer="aandeel-verblijf">29%<' in page
    per_month = page.split('id="thuis-per-maand"')[1].split("</table>")[0]
    assert ">2026-03</th>" in per_month
    assert 'data-lijngrafiek="thuis-per-maand"' in page
    march = per_month.split(">2026-03</th>")[1].split("</tr>")[0]
    # youths, without and with verblijf are lines; "met en zonder" is hidden, so no point
    assert re.findall(r'data-waarde="([^"]*)"', march) == ["42", "30", "12"]
    assert march.count(">afgeschermd<") == 1


async def test_the_lead_times_page_shows_the_regionaal_expertteam() -> None:
    # March 2026: 12 escalations by the triage table, 11 by gemeenten; 12 advices, 2 of them
    # with non-contracted care, 10 with a maatwerkbudget
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/doorlooptijden", params={"care_form": "gezinshuis"})).text
    section = page.split('id="ret"')[1].split("</section>")[0]
    assert 'data-cijfer="escalaties">23<' in section  # not filtered by the care form
    march = section.split('data-maand="2026-03">')[1].split("</tr>")[0]
    assert re.findall(r'cell--numeric"[^>]*>([^<]*)<', march) == ["12", "11", ""]
    assert ">Aanbieder</th>" in section
    assert 'data-cijfer="adviezen">12<' in section
    # 2 of 12 is small, and the 10 beside it would give the 2 away: neither share is shown
    assert 'data-cijfer="niet-gecontracteerd">\N{EN DASH}<' in section
    assert 'data-cijfer="maatwerkbudget">\N{EN DASH}<' in section
    assert 'data-cijfer="advies-p50">' in section


def quarter_rows(page: str, table_id: str) -> list[str]:
    """The rows of a trend's table, a quarter each, from its row header on."""
    table = page.split(f'<table class="utrecht-table km-table" id="{table_id}">')[1]
    return [row.split("</tr>")[0] for row in table.split("</table>")[0].split('scope="row">')[1:]]


async def test_the_hand_overs_page_plots_the_medians_shown_and_leaves_hidden_ones_out() -> None:
    monitor = Monitor()  # 10 waits of 1 to 10 days from triage to a provider; no other waits
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/overdrachten", params={"gemeente": "GM0153"})).text
    assert monitor.figures.asked[-1].gemeente_code == "GM0153"
    assert 'href="/overdrachten" aria-current="page">Overdrachten</a>' in page  # in the menu
    row = page.split('data-overgang="triage-to-provider">')[1].split("</tr>")[0]
    assert 'data-cijfer="aantal">10<' in row
    assert 'data-cijfer="p50">5,0<' in row
    assert 'data-lijngrafiek="overdrachten-trend"' in page
    quarters = quarter_rows(page, "overdrachten-trend")
    assert quarters
    for quarter in quarters:
        assert 'data-overgang="triage-to-provider" data-waarde="5.0">5,0<' in quarter
        # no wait of the other hand-overs: hidden in the table, no point in the chart
        hidden = 'data-overgang="toegang-to-triage"><span class="km-suppressed"'
        assert hidden in quarter
        assert quarter.count("data-waarde") == 1


async def test_the_time_in_the_chain_page_shows_leaving_and_re_entry_per_quarter() -> None:
    monitor = Monitor()  # 34 cases left the chain, 10 after 5 days, 24 after 100; 11 came back
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/tijd-in-de-keten")).text
    assert 'data-cijfer="uitstroom">34<' in page
    assert 'data-cijfer="terug">11<' in page
    assert 'data-cijfer="aandeel-terug">32%<' in page
    row = page.split('data-overgang="referral-to-leaving">')[1].split("</tr>")[0]
    assert 'data-cijfer="p50">100,0<' in row
    assert 'data-lijngrafiek="tijd-in-de-keten-trend"' in page
    quarters = quarter_rows(page, "tijd-in-de-keten-trend")
    assert quarters
    for quarter in quarters:
        # the counts are lines; the share and the days are another unit: the table's alone
        assert re.findall(r'data-waarde="([^"]*)"', quarter) == ["34", "11"]


async def test_the_route_per_quarter_and_the_inflow_per_month_are_line_charts() -> None:
    monitor = Monitor()  # every stage: 12 cases of 1 to 12 days; 12 into jeugdzorg plus in March
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        route = (await http.get("/doorlooptijden")).text
        capacity = (await http.get("/capaciteit")).text
    assert 'data-lijngrafiek="doorlooptijden-trend"' in route
    assert 'data-reeks="Aanmelding → besluit toegang (mediaan)"' in route
    quarters = quarter_rows(route, "doorlooptijden-trend")
    assert quarters
    for quarter in quarters:  # the median of each stage of the route is its line
        assert re.findall(r'data-waarde="([^"]*)">6,0 / ', quarter) == ["6.0"] * 3
    assert 'data-lijngrafiek="instroom-per-maand"' in capacity
    march = capacity.split('data-maand="2026-03">')[1].split("</tr>")[0]
    assert 'data-zorgvorm="jeugdzorg-plus" data-waarde="12">12<' in march
    assert 'data-zorgvorm="3-milieuvoorziening"><span class="km-suppressed"' in march


async def test_the_gedwongen_kader_page_shows_veilig_thuis_onderzoek_by_outcome() -> None:
    # March 2026: 14 started; 23 concluded, 12 handed over to the lokaal team and 11 closed,
    # 11 of them over the norm
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/gedwongen-kader", params={"care_form": "gezinshuis"})).text
    section = page.split('id="onderzoek-veilig-thuis"')[1].split("</section>")[0]
    assert 'data-cijfer="onderzoeken-gestart">14<' in section  # not filtered by the care form
    assert 'data-cijfer="onderzoeken-boven-norm">11<' in section
    outcomes = section.split('id="onderzoek-vt-uitkomsten"')[1].split("</table>")[0]
    assert ">Overdracht aan het lokale team</th>" in outcomes
    # none asked the Raad: hidden, and one of the others with it
    rvdk = outcomes.split('data-uitkomst="verzoek-rvdk">')[1].split("</tr>")[0]
    assert re.findall(r'cell--numeric"[^>]*>([^<]*)<', rvdk) == [""]
    assert 'data-cijfer="onderzoek-p50">84,0<' in section


async def test_the_gedwongen_kader_page_shows_the_measures_in_dutch_and_hides_small_ones() -> None:
    # 15 OTS since December, 12 extended in February; 20 voorlopige OTS from January, 12 followed
    # up by an OTS in February, 8 running on until they expire in April
    monitor = Monitor()
    monitor.figures.rows = chain()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/gedwongen-kader", params={"periode": "2026-K1"})).text
        by_kader = await http.get("/gedwongen-kader", params={"kader": "vrijwillig"})
    assert 'href="/gedwongen-kader" aria-current="page">Gedwongen kader</a>' in page
    ots = page.split('id="maatregelen-periode"')[1].split('data-maatregel="ots">')[1]
    ots = ots.split("</tr>")[0]
    assert 'data-cijfer="opgelegd">12<' in ots
    assert 'data-cijfer="verlengd">12<' in ots
    assert 'data-cijfer="stand">27<' in ots
    voorlopig = page.split('id="maatregelen-periode"')[1].split('data-maatregel="voorlopige-ots">')
    assert 'data-cijfer="stand"><span class="km-suppressed"' in voorlopig[1].split("</tr>")[0]
    assert ">Voorlopige OTS</th>" in page
    # the 12 that stopped all became an OTS: beside the three ways none took, hidden with it
    assert 'data-cijfer="voorlopig-geeindigd"><span class="km-suppressed"' in page
    assert 'data-cijfer="aandeel-ots">\N{EN DASH}<' in page
    assert ">Korter dan 3 maanden</th>" in page
    assert ">Enschede</span>" in page  # the inflow per gemeente, by name
    shown = re.findall(r'cell--numeric"[^>]*>([^<]*)<', page)
    assert all(int(cell) >= 10 for cell in shown if cell.isdigit()), shown
    # the kader is no filter here: every measure is of the gedwongen kader
    assert by_kader.status_code == 200
    assert 'data-cijfer="verlengd">12<' in by_kader.text


async def test_the_eighteen_page_shows_the_plans_by_kind_in_dutch() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/achttien")).text
    assert "Continuïteitsplannen naar soort</caption>" in page
    for plan, label in PLAN_LABELS.items():
        assert f'data-plan="{plan.value}">' in page
        assert f">{label}</th>" in page
    assert 'data-cijfer="achttien-zonder-plan">' in page


async def test_a_filter_of_the_page_reaches_the_figures_and_a_bad_one_is_a_dutch_400() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = await http.get(
            "/doorlooptijden", params={"gemeente": "GM0153", "kader": "", "care_form": ""}
        )
        assert page.status_code == 200
        assert '<option value="GM0153" selected>Enschede</option>' in page.text
        bad = await http.get("/doorlooptijden", params={"gemeente": "Enschede"})
        assert bad.status_code == 400
        assert "Ongeldig filter" in bad.text


async def test_the_period_filter_is_a_year_or_a_quarter_and_one_breakdown_at_a_time() -> None:
    """As the read API allows (`figures.linked`): periods a day apart, or two breakdowns at
    once, would give small numbers away."""
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        for path in PAGES:  # every page offers the years and quarters with facts
            offered = (await http.get(path)).text
            assert '<option value="2026">2026</option>' in offered, path
            assert '<option value="2026-K4">K4 2026</option>' in offered, path
        page = await http.get("/doorlooptijden", params={"periode": "2026-K1"})
        assert page.status_code == 200
        assert '<option value="2026-K1" selected>K1 2026</option>' in page.text
        periods = {(asked.from_date, asked.to_date) for asked in monitor.figures.asked}
        assert (date(2026, 1, 1), date(2026, 3, 31)) in periods
        for query in ({"periode": "2026-K5"}, {"from": "01-02-2026", "to": "31-03-2026"}):
            refused = await http.get("/doorlooptijden", params=query)
            assert refused.status_code == 400
            assert "Ongeldig filter" in refused.text
        two_ways = await http.get(
            "/doorlooptijden", params={"gemeente": "GM0153", "kader": "gedwongen"}
        )
        assert two_ways.status_code == 400
        assert "Kies per keer één van gemeente, kader, zorgvorm en aanbieder" in two_ways.text


def test_the_stream_shows_a_dashboard_user_only_the_severity_of_an_alert() -> None:
    message = live.alert_message(
        live.ALERT_RAISED,
        alert_id=UUID(int=1),
        rule="stepping-stone",
        severity="midden",
        gemeente_code="GM0153",
        title="Plaatsing: jongere stapelt overplaatsingen",
    )

    class Request:
        def __init__(self, user: object) -> None:
            self.state = type("State", (), {"user": user})()

    assert stream_view(Request(WERKGROEP), message) == message  # type: ignore[arg-type]
    shown = stream_view(Request(DASHBOARD), message)  # type: ignore[arg-type]
    assert shown == live.Message(live.ALERT_RAISED, {"severity": "midden"})
    figures = live.Message(live.FIGURES_CHANGED, {"types": ["x"], "gemeenten": ["GM0153"]})
    assert stream_view(Request(DASHBOARD), figures) == figures  # type: ignore[arg-type]


def test_the_trends_cover_the_last_four_calendar_quarters() -> None:
    assert quarters_until(date(2026, 11, 23)) == [
        ("K1 2026", date(2026, 1, 1), date(2026, 3, 31)),
        ("K2 2026", date(2026, 4, 1), date(2026, 6, 30)),
        ("K3 2026", date(2026, 7, 1), date(2026, 9, 30)),
        ("K4 2026", date(2026, 10, 1), date(2026, 12, 31)),
    ]
    assert quarters_until(date(2026, 2, 1))[0] == ("K2 2025", date(2025, 4, 1), date(2025, 6, 30))


def test_the_care_form_matrix_is_a_cross_table_with_the_cases_without_advice_last() -> None:
    def cell(recommended: str | None, deployed: str, placements: int) -> MatrixCell:
        return MatrixCell(
            recommended=recommended,
            deployed=deployed,
            placements=Count(value=placements, suppressed=False),
        )

    cells = [
        cell(None, "ambulant", 11),
        cell("gezinshuis", "pleegzorg", 12),
        cell("ambulant", "ambulant", 40),
    ]
    columns, rows = cross_table(cells)
    assert columns == ["ambulant", "pleegzorg"]
    assert [(r, [c.value if c else None for c in counts]) for r, counts in rows] == [
        ("ambulant", [40, None]),
        ("gezinshuis", [None, 12]),
        (None, [11, None]),
    ]


async def test_behind_the_login_an_unknown_path_and_a_wrong_method_are_problems() -> None:
    async with Monitor().client(**basic(DASHBOARD)) as http:
        unknown = await http.get("/v1/geen-route")
        wrong_method = await http.delete("/v1/lead-times")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["reason"] == "not-found"
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"
    assert wrong_method.json()["reason"] == "method-not-allowed"
    assert wrong_method.headers["allow"] == "GET"


async def test_every_page_says_while_a_load_runs_and_when_it_stopped_early(
    tmp_path: Path,
) -> None:
    progress = tmp_path / "progress.json"
    monitor = Monitor(MonitorSettings(JEUGDKETEN_LOAD_PROGRESS_FILE=progress))
    written = monitor.werkgroep.clock.now()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:

        async def banner(path: str) -> str | None:
            page = await http.get(path)
            assert page.status_code == 200
            found = re.search(r'<p [^>]*id="laden"[^>]*>(.*?)</p>', page.text, re.DOTALL)
            return None if found is None else " ".join(found[1].split())

        assert await banner("/") is None  # no load ever wrote there
        write_progress(progress, LoadState.RUNNING, 12_345, 50_000, written)
        for path in PAGES:
            assert await banner(path) == (
                "De gegevens worden nog geladen: 12.345 van de 50.000 berichten (25%). Tot het "
                "laden klaar is, zijn de cijfers nog niet compleet."
            )
        monitor.werkgroep.clock.advance(STALE_AFTER + timedelta(seconds=1))  # the loader died
        assert await banner("/") == (
            "Het laden van de gegevens is gestopt na 12.345 van de 50.000 berichten: de cijfers "
            "zijn niet compleet."
        )
        write_progress(progress, LoadState.FINISHED, 50_000, 50_000, written)
        assert await banner("/") is None
