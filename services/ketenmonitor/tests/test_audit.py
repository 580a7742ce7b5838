"""The audit log of case-level reads, on the assembled app over fakes: every route that shows
cases or alerts leaves exactly one row for its user, the figures none, an action none (its own
event is its audit), a read that cannot be recorded shows nothing, and only the werkgroep reads
the trail, which shows reads and actions together without any free text."""

from datetime import timedelta
from uuid import UUID

import httpx

from ketenmonitor.alerts.domain import Alert
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.web.audit import CaseRead
from ketenmonitor.web.audit_trail import READ_LABELS
from ketenmonitor.web.dashboard import TURNING_EIGHTEEN_RULE
from services.ketenmonitor.tests.accounts import BERT, DASHBOARD, WERKGROEP, basic
from services.ketenmonitor.tests.test_alerts_api import RULES
from services.ketenmonitor.tests.test_web import HTML, PAGES, Monitor

JSON = {"Accept": "application/json"}


def case_of(monitor: Monitor, the_id: UUID) -> UUID:
    alert: Alert = monitor.werkgroep.alerts.get(the_id)
    return alert.case_id


def case_level_reads(monitor: Monitor, eighteen: UUID) -> list[tuple[str, str, list[UUID]]]:
    """Each route that shows case-level data: its template, a path, the alerts it shows."""
    alert = monitor.alert_id
    return [
        ("/v1/alerts", "/v1/alerts", [alert, eighteen]),  # newest first
        ("/v1/alerts/{alert_id}", f"/v1/alerts/{alert}", [alert]),
        ("/werkgroep/signalen", "/werkgroep/signalen?status=", [alert, eighteen]),
        ("/werkgroep/signalen/{alert_id}", f"/werkgroep/signalen/{alert}", [alert]),
        ("/achttien", "/achttien", [eighteen]),
        ("/v1/audit", "/v1/audit", []),
        ("/werkgroep/logboek", "/werkgroep/logboek", []),
    ]


def recorded(monitor: Monitor) -> list[CaseRead]:
    return monitor.werkgroep.audit_log.recorded


async def test_every_case_level_route_leaves_exactly_one_row_with_its_user() -> None:
    monitor = Monitor()
    eighteen = monitor.werkgroep.raise_alert(RULES[TURNING_EIGHTEEN_RULE], days_ago=1)
    reads = case_level_reads(monitor, eighteen)
    assert {template for template, _, _ in reads} == set(READ_LABELS)
    for user in (WERKGROEP, BERT):
        async with monitor.client(**basic(user), **HTML) as http:
            for template, path, shown in reads:
                before = len(recorded(monitor))
                monitor.werkgroep.clock.advance(timedelta(seconds=1))
                assert (await http.get(path)).status_code == 200, path
                [row] = recorded(monitor)[before:]
                assert (row.user, row.role, row.route) == (user.name, "werkgroep", template)
                assert row.at == monitor.werkgroep.clock.now()
                assert row.alert_ids == tuple(shown), template
                assert row.case_ids == tuple(case_of(monitor, a) for a in shown), template


async def test_a_filtered_read_of_the_trail_records_the_case_it_asked_for() -> None:
    monitor = Monitor()
    case = case_of(monitor, monitor.alert_id)
    async with monitor.client(**basic(WERKGROEP)) as http:
        assert (await http.get("/v1/audit", params={"case": str(case)})).status_code == 200
        page = await http.get("/werkgroep/logboek", params={"casus": str(case)}, headers=HTML)
        assert page.status_code == 200
    assert [row.case_ids for row in recorded(monitor)] == [(case,), (case,)]


async def test_the_figures_and_the_actions_leave_no_row() -> None:
    monitor = Monitor()
    figures = [
        path
        for path in monitor.app.openapi()["paths"]
        # the stream never ends: it carries alert ids and titles, no case (test_web)
        if not path.startswith(("/v1/alerts", "/v1/audit", "/v1/stream"))
    ]
    assert len(figures) == len(FIGURES) * 3 + 1  # each figure, as CSV and Parquet; the gauges
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        for path in (*figures, *PAGES):
            assert (await http.get(path, headers=JSON if path in figures else HTML)).is_success
    async with monitor.client(**basic(WERKGROEP), **HTML) as http:
        for path in (*figures, *(p for p in PAGES if p != "/achttien")):
            assert (await http.get(path, headers=JSON if path in figures else HTML)).is_success
        the_id = monitor.alert_id
        for action, body in (
            ("acknowledgements", None),
            ("comments", {"text": "Gebeld."}),
            ("resolutions", {"reason": "opgepakt"}),
        ):
            assert (await http.post(f"/v1/alerts/{the_id}/{action}", json=body)).is_success
    assert recorded(monitor) == []


async def test_a_dashboard_user_cannot_read_the_audit_trail() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD)) as http:
        refused = await http.get("/v1/audit")
        assert (refused.status_code, refused.json()["reason"]) == (403, "forbidden")
        page = await http.get("/werkgroep/logboek", headers=HTML)
        assert page.status_code == 403
        assert "Geen toegang" in page.text
        menu = await http.get("/", headers=HTML)
        assert "Logboek</a>" not in menu.text
    assert recorded(monitor) == []


async def test_a_read_that_cannot_be_recorded_shows_nothing() -> None:
    monitor = Monitor()
    monitor.werkgroep.audit_log.failing = True
    the_id = str(monitor.alert_id)
    async with monitor.client(**basic(WERKGROEP)) as http:
        for path in ("/v1/alerts", f"/v1/alerts/{the_id}", "/v1/audit"):
            refused = await http.get(path)
            assert refused.status_code == 503, path
            assert refused.json()["reason"] == "audit-unavailable"
            assert the_id not in refused.text
        for path in ("/werkgroep/signalen", f"/werkgroep/signalen/{the_id}", "/achttien"):
            page = await http.get(path, headers=HTML)
            assert page.status_code == 503, path
            assert "niet in het logboek worden vastgelegd" in page.text
            assert the_id not in page.text
        figures = await http.get("/doorlooptijden", headers=HTML)
        assert figures.status_code == 200  # aggregates need no record


async def trail(http: httpx.AsyncClient, **params: str) -> list[tuple[str, str, str]]:
    response = await http.get("/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return [(e["kind"], e["by"], e["what"]) for e in response.json()["items"]]


async def test_the_trail_shows_reads_and_actions_together_filtered_and_without_free_text() -> None:
    monitor = Monitor()
    clock = monitor.werkgroep.clock
    the_id = monitor.alert_id
    other = monitor.werkgroep.raise_alert(RULES[TURNING_EIGHTEEN_RULE])
    secret = "Moeder gesproken, BSN 111222333, verhuist naar Hengelo."
    async with monitor.client(**basic(WERKGROEP)) as anna, monitor.client(**basic(BERT)) as bert:
        clock.advance(timedelta(minutes=1))
        assert (await anna.get(f"/v1/alerts/{the_id}")).is_success
        clock.advance(timedelta(minutes=1))
        assert (await bert.post(f"/v1/alerts/{the_id}/comments", json={"text": secret})).is_success
        clock.advance(timedelta(days=2))
        assert (await bert.get(f"/v1/alerts/{other}")).is_success
        clock.advance(timedelta(minutes=1))

        everything = await anna.get("/v1/audit")  # recorded after it answered
        assert [(e["kind"], e["by"], e["what"]) for e in everything.json()["items"]] == [
            ("read", BERT.name, "/v1/alerts/{alert_id}"),
            ("action", BERT.name, "commented"),
            ("read", WERKGROEP.name, "/v1/alerts/{alert_id}"),
        ]
        assert secret not in everything.text
        assert "111222333" not in everything.text
        assert await trail(anna, user=BERT.name) == [
            ("read", BERT.name, "/v1/alerts/{alert_id}"),
            ("action", BERT.name, "commented"),
        ]
        case = str(case_of(monitor, the_id))
        assert await trail(anna, case=case) == [
            ("action", BERT.name, "commented"),
            ("read", WERKGROEP.name, "/v1/alerts/{alert_id}"),
        ]
        today = clock.now().date().isoformat()
        same_day = await trail(anna, **{"from": today, "to": today})
        assert [e for e in same_day if e[1] == BERT.name] == [
            ("read", BERT.name, "/v1/alerts/{alert_id}")
        ]
        assert {e[2] for e in same_day if e[1] == WERKGROEP.name} == {"/v1/audit"}
        assert await trail(anna, user=BERT.name, limit="1", offset="1") == [
            ("action", BERT.name, "commented")
        ]
        bad = await anna.get("/v1/audit", params={"from": today, "to": "2020-01-01"})
        assert (bad.status_code, bad.json()["reason"]) == (400, "invalid-period")

        page = await anna.get("/werkgroep/logboek", params={"casus": case}, headers=HTML)
        assert "Actie: Opmerking" in page.text
        assert "Inzage: Signaal met tijdlijn opgevraagd (API)" in page.text
        assert secret not in page.text
        dutch_today = clock.now().date().strftime("%d-%m-%Y")
        for typed in (today, dutch_today):  # a link's ISO date, the form's Dutch one
            page = await anna.get("/werkgroep/logboek", params={"from": typed}, headers=HTML)
            assert f'name="from" value="{dutch_today}"' in page.text
        bad = await anna.get("/werkgroep/logboek", params={"casus": "Jan"}, headers=HTML)
        assert (bad.status_code, "Ongeldig filter" in bad.text) == (400, True)
