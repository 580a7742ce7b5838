"""The dashboard and the werkgroep's pages in Chromium, over a simulated Twente: the figures
load, a trend is a line chart drawn by uPlot beside a table of the read API's values, a filter
changes them, the period fields show Dutch dates in a browser of another locale,
a new event appears live, hidden counts read "afgeschermd", the werkgroep acknowledges and
resolves an alert and the audit shows it, a dashboard user cannot open a case timeline, and
axe-core finds no serious or critical violation on any page. A screenshot of every page lands in
test-artifacts/browser/."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from ketenmonitor.web.dashboard import period_chosen
from services.ketenmonitor.tests.accounts import DASHBOARD, WERKGROEP
from tests.browser.conftest import AXE, Twente, log_in, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PAGES = {
    "overzicht": ("/", "Overzicht"),
    "doorlooptijden": ("/doorlooptijden", "Doorlooptijden"),
    "overdrachten": ("/overdrachten", "Overdrachten"),
    "tijd-in-de-keten": ("/tijd-in-de-keten", "Tijd in de keten"),
    "stepping-stones": ("/stepping-stones", "Stepping stones"),
    "plaatsingen": ("/plaatsingen", "Waar geplaatst"),
    "capaciteit": ("/capaciteit", "Capaciteit"),
    "achttien": ("/achttien", "18-/18+"),
    "gedwongen-kader": ("/gedwongen-kader", "Gedwongen kader"),
}


async def an_alert(twente: Twente) -> str:
    """An open alert, by the API (the server runs in this event loop: not a blocking client)."""
    async with twente.api() as http:
        response = await http.get("/v1/alerts", params={"status": "open", "limit": 1})
    return str(response.json()["items"][0]["id"])


def number(text: str) -> int:
    return int(text.replace(".", ""))


async def undrawn_line_charts(page: Page) -> list[str]:
    """The line charts whose table has a value to plot but which uPlot did not draw."""
    undrawn: list[str] = await page.evaluate(
        """() => [...document.querySelectorAll("[data-lijngrafiek]")]
              .filter((chart) => document.getElementById(chart.dataset.lijngrafiek)
                                         .querySelector("tbody [data-waarde]"))
              .filter((chart) => !chart.querySelector(".uplot canvas"))
              .map((chart) => chart.dataset.lijngrafiek)"""
    )
    return undrawn


async def test_the_dashboard_loads_with_the_figures_of_the_simulated_twente(
    browser: Browser, twente: Twente
) -> None:
    page = await log_in(browser, twente, DASHBOARD)
    placed = page.locator('[data-cijfer="eerste-plaatsingen"]')
    await expect(placed).to_have_text(re.compile(r"^\d[\d.]*$"))
    assert number(await placed.inner_text()) >= 10
    for name, (path, title) in PAGES.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert await page.locator("table").count() >= 1  # every chart has its table
        assert await undrawn_line_charts(page) == []
        await screenshot(page, name)
    # a small simulated Twente: a count shows, or is hidden as a small number
    shown_or_hidden = re.compile(r"^(\d[\d.]*|afgeschermd)$")
    await page.goto("/stepping-stones")
    await expect(page.locator('[data-cijfer="uithuis"]')).to_have_text(shown_or_hidden)
    await page.goto("/plaatsingen")
    for placed in ("eigen-gemeente", "elders-in-twente", "buiten-twente"):
        await expect(page.locator(f'[data-cijfer="{placed}"]')).to_have_text(shown_or_hidden)
    for stays in ("afgelopen-pleegzorg", "lopend-pleegzorg"):  # verblijfsduur per zorgvorm
        await expect(page.locator(f'[data-cijfer="{stays}"]')).to_have_text(shown_or_hidden)
    await page.goto("/")
    await expect(page.locator('[data-cijfer="aanmeldingen"]')).to_have_text(shown_or_hidden)
    for youths in ("jeugdhulp", "zonder-verblijf", "met-verblijf"):  # thuis, tenzij
        await expect(page.locator(f'[data-cijfer="{youths}"]')).to_have_text(shown_or_hidden)
    per_month = page.get_by_role("table", name="Jongeren met jeugdhulp per maand")
    assert await per_month.locator("tbody tr").count() >= 1
    verwijzers = page.get_by_role("table", name="Aanmeldingen per verwijzer en wat erop volgde")
    await expect(verwijzers.locator("tbody tr")).to_have_count(9)  # every kind of verwijzer
    await page.goto("/achttien")
    plans = page.get_by_role("table", name="Continuïteitsplannen naar soort")
    await expect(plans.locator("tbody tr")).to_have_count(7)  # every kind, and none
    await expect(page.locator('[data-cijfer="achttien-zonder-plan"]')).to_have_text(shown_or_hidden)
    await page.goto("/gedwongen-kader")
    measures = page.get_by_role("table", name="Maatregelen in de periode")
    await expect(measures.locator("tbody tr")).to_have_count(4)  # every measure
    await expect(page.locator('[data-cijfer="instroom"]')).to_have_text(shown_or_hidden)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    await expect(menu.get_by_role("link", name="Signalen")).to_have_count(0)
    await page.context.close()


async def test_a_trend_is_a_line_chart_beside_its_table_of_the_read_apis_figures(
    browser: Browser, twente: Twente
) -> None:
    page = await log_in(browser, twente, DASHBOARD)
    await page.goto("/tijd-in-de-keten")
    chart = page.locator('[data-lijngrafiek="tijd-in-de-keten-trend"]')
    await expect(chart.locator(".uplot canvas")).to_have_count(1)  # drawn by the library
    lines = chart.locator(".u-legend .u-series")
    await expect(lines).to_have_text(["Uit de keten", "Terug binnen 12 maanden"])
    table = page.get_by_role("table", name="Casussen die de keten verlieten en daarvan")
    rows = table.locator("tbody tr")
    assert await rows.count() >= 1
    async with twente.api(DASHBOARD) as http:
        for row in await rows.all():
            year, quarter = (await row.locator("th").inner_text()).split()[::-1]
            first, last = period_chosen(f"{year}-{quarter}")
            params = {"from": str(first), "to": str(last)}
            figure = (await http.get("/v1/time-in-chain", params=params)).json()
            cells = row.locator("td")
            for column, count in enumerate((figure["left"], figure["re_entered"])):
                cell = cells.nth(column)
                if count["suppressed"]:  # in the table as such, and no point in the chart
                    await expect(cell).to_have_text("afgeschermd")
                    assert await cell.get_attribute("data-waarde") is None
                else:
                    await expect(cell).to_have_text(f"{count['value']:,}".replace(",", "."))
                    assert await cell.get_attribute("data-waarde") == str(count["value"])
    await screenshot(page, "tijd-in-de-keten-grafiek")
    await page.context.close()


async def test_a_filter_changes_the_figures(browser: Browser, twente: Twente) -> None:
    page = await log_in(browser, twente, DASHBOARD)
    await page.goto("/doorlooptijden")
    cases = page.locator('tr[data-overgang="referral-to-toegang-decision"] [data-cijfer="aantal"]')
    everywhere = await cases.inner_text()
    await page.get_by_label("Gemeente").select_option(label="Enschede")
    await page.get_by_role("button", name="Filter toepassen").click()
    await page.wait_for_url(re.compile(r"gemeente=GM0153"))
    await expect(cases).not_to_have_text(everywhere)
    await expect(page.get_by_label("Gemeente")).to_have_value("GM0153")
    await screenshot(page, "doorlooptijden-enschede")
    await page.context.close()


async def test_the_period_is_a_year_or_a_quarter_and_one_breakdown_at_a_time(
    browser: Browser, twente: Twente
) -> None:
    """As the read API allows: periods a day apart, or two breakdowns at once, would give small
    numbers away by subtraction (docs/privacy.md)."""
    page = await log_in(browser, twente, DASHBOARD)
    await page.goto("/doorlooptijden")
    cases = page.locator('tr[data-overgang="referral-to-toegang-decision"] [data-cijfer="aantal"]')
    everything = await cases.inner_text()
    year, quarter = twente.end.year, (twente.end.month - 1) // 3 + 1
    await page.get_by_label("Periode").select_option(label=f"K{quarter} {year}")
    await page.get_by_role("button", name="Filter toepassen").click()
    await page.wait_for_url(re.compile(f"periode={year}-K{quarter}"))
    await expect(page.get_by_label("Periode")).to_have_value(f"{year}-K{quarter}")
    await expect(cases).not_to_have_text(everything)
    await screenshot(page, "doorlooptijden-kwartaal")
    await page.get_by_label("Gemeente").select_option(label="Enschede")
    await page.get_by_label("Kader").select_option("gedwongen")
    await page.get_by_role("button", name="Filter toepassen").click()
    await expect(page.get_by_text("Kies per keer één van gemeente, kader")).to_be_visible()
    await page.context.close()


async def test_a_hidden_count_shows_as_afgeschermd(browser: Browser, twente: Twente) -> None:
    page = await log_in(browser, twente, DASHBOARD)
    await page.goto("/?gemeente=GM0183")  # Tubbergen: a small gemeente, a few cases
    suppressed = page.locator(".km-suppressed").first
    await expect(suppressed).to_have_text("afgeschermd")
    tiles = await page.locator(".km-tile dd").all_inner_texts()
    assert all(t == "afgeschermd" or number(t) >= 10 for t in tiles), tiles
    await screenshot(page, "overzicht-tubbergen")
    await page.context.close()


async def test_a_werkgroep_member_acknowledges_and_resolves_an_alert_and_the_audit_shows_it(
    browser: Browser, twente: Twente
) -> None:
    the_id = await an_alert(twente)
    page = await log_in(browser, twente, WERKGROEP)
    await (
        page.get_by_role("navigation", name="Hoofdmenu")
        .get_by_role("link", name="Signalen")
        .click()
    )
    await expect(page.locator(f'tr[data-signaal="{the_id}"]')).to_have_count(1)
    await page.locator(f'tr[data-signaal="{the_id}"] a').click()
    await expect(page.locator("#status")).to_have_text("Open")
    await expect(page.locator("#tijdlijn tbody tr").first).to_be_visible()

    await page.get_by_role("button", name="In behandeling nemen").click()
    await expect(page.locator("#status")).to_have_text("In behandeling")
    await page.get_by_label("Reden").select_option("opgepakt")
    await page.get_by_label("Toelichting (niet verplicht)").fill("Navraag gedaan, zorg gestart")
    await page.get_by_role("button", name="Afhandelen").click()
    await expect(page.locator("#status")).to_have_text("Afgehandeld")

    audit = page.locator("#historie")
    for action, label in (("acknowledged", "In behandeling genomen"), ("resolved", "Afgehandeld")):
        row = audit.locator(f'tr[data-actie="{action}"]')
        await expect(row).to_contain_text(label)
        await expect(row).to_contain_text(WERKGROEP.name)
    await expect(audit.locator('tr[data-actie="resolved"]')).to_contain_text("Navraag gedaan")
    await screenshot(page, "signaal-afgehandeld")
    await page.context.close()


async def test_a_dashboard_user_cannot_open_a_case_timeline(
    browser: Browser, twente: Twente
) -> None:
    the_id = await an_alert(twente)
    page = await log_in(browser, twente, DASHBOARD)
    response = await page.goto(f"/werkgroep/signalen/{the_id}")
    assert response is not None
    assert response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    await expect(page.locator("#tijdlijn")).to_have_count(0)
    await screenshot(page, "geen-toegang")
    api = await page.request.get(f"/v1/alerts/{the_id}")  # with the session cookie
    assert api.status == 403
    await page.context.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations of WCAG 2.1 A and AA on the page, by axe-core."""
    # evaluated through the DevTools protocol: a script tag of the test's own would be an inline
    # script, which the pages' Content-Security-Policy refuses
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: "tag",
              values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def test_axe_finds_no_serious_or_critical_violation_on_any_page(
    browser: Browser, twente: Twente
) -> None:
    assert AXE.exists(), f"{AXE} is missing: run npm ci in services/ketenmonitor/frontend"
    found: dict[str, list[dict[str, Any]]] = {}
    context = await browser.new_context(base_url=twente.base_url, locale="nl-NL")
    login = await context.new_page()
    await login.goto("/inloggen")
    found["inloggen"] = await axe_violations(login)
    await screenshot(login, "inloggen")
    await context.close()

    page = await log_in(browser, twente, WERKGROEP)  # the werkgroep sees every element
    pages = {name: path for name, (path, _) in PAGES.items()}
    pages |= {
        "signalen": "/werkgroep/signalen",
        "signaal": f"/werkgroep/signalen/{await an_alert(twente)}",
        "logboek": "/werkgroep/logboek",  # after the two above: the trail shows their reads
    }
    for name, path in pages.items():
        await page.goto(path)
        found[name] = await axe_violations(page)
        await screenshot(page, f"{name}-werkgroep")
    await page.context.close()

    page = await log_in(browser, twente, DASHBOARD)
    await page.goto(f"/werkgroep/signalen/{await an_alert(twente)}")
    found["geen-toegang"] = await axe_violations(page)
    await page.context.close()
    assert {name: v for name, v in found.items() if v} == {}


async def test_a_new_event_appears_live_without_reloading(
    browser: Browser, twente: Twente, tmp_path: Path
) -> None:
    page = await log_in(browser, twente, DASHBOARD)
    placed = page.locator('[data-cijfer="eerste-plaatsingen"]')
    before = await placed.inner_text()
    await page.evaluate("() => { window.notReloaded = true; }")
    await page.wait_for_function("() => document.documentElement.hasAttribute('data-live-open')")

    await twente.simulate(8, 40, 30, tmp_path / "more.jsonl")  # more cases, more placements

    await expect(placed).not_to_have_text(before, timeout=60_000)
    await expect(page.locator("#live-status")).to_contain_text("Bijgewerkt om")
    assert await page.evaluate("() => window.notReloaded === true")
    assert await undrawn_line_charts(page) == []  # drawn again in the new figures
    await screenshot(page, "overzicht-live")
    await page.context.close()


async def test_a_page_runs_no_inline_script(browser: Browser, twente: Twente) -> None:
    """Its Content-Security-Policy refuses a script put in the page; its own script runs."""
    page = await log_in(browser, twente, DASHBOARD)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    await page.goto("/")
    await page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.body.append(s); }"""
    )
    assert await page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in text for text in refused), refused
    await page.context.close()
