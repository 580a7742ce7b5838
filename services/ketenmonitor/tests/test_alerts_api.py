"""The werkgroep's alerts API over the alert application on the in-memory event store and a fake
index: every endpoint, filter and refusal, answered as problem+json."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.problems import install_problem_handlers
from ketenmonitor.alerts.api import (
    AlertFilters,
    TimelineRow,
    create_alerts_router,
)
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.alerts.domain import MAX_COMMENT_LENGTH
from ketenmonitor.alerts.rules import Rule, alert_id, load_rules
from ketenmonitor.figures.api import create_api
from ketenmonitor.web.audit import CaseReads, MemoryAuditLog
from ketenmonitor.web.auth import werkgroep_member
from services.ketenmonitor.tests.accounts import BERT, DASHBOARD, WERKGROEP, basic, secured

RULES = {rule.name: rule for rule in load_rules()}
MELDING = RULES["melding-to-safety-assessment"]
REFERRAL = next(r for r in RULES.values() if r.severity != MELDING.severity)
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
PARTNERS = ("gemeente-enschede", "veilig-thuis-twente")
ANNA = basic(WERKGROEP)


class FakeIndex:
    """The `alerts` and `facts` tables as lists, filtered as the SQL does."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.facts: dict[UUID, list[TimelineRow]] = {}

    async def alert_ids(self, filters: AlertFilters) -> list[UUID]:
        found = [
            row
            for row in self.rows
            if filters.rule in (None, row["rule"])
            and filters.gemeente_code in (None, row["gemeente_code"])
            and filters.severity in (None, row["severity"])
            and (filters.raised_after is None or row["raised_at"] >= filters.raised_after)
            and (filters.raised_before is None or row["raised_at"] < filters.raised_before)
        ]
        found.sort(key=lambda row: (-row["raised_at"].timestamp(), str(row["alert_id"])))
        return [row["alert_id"] for row in found]

    async def timeline(self, case_id: UUID) -> list[TimelineRow]:
        return self.facts.get(case_id, [])


class Werkgroep:
    def __init__(self) -> None:
        self.alerts = Alerts(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.index = FakeIndex()
        self.clock = ControllableClock(T0)
        self.audit_log = MemoryAuditLog()
        self.reads = CaseReads(self.audit_log, self.clock)
        app = FastAPI()
        install_problem_handlers(app)
        app.include_router(
            create_alerts_router(
                self.alerts, self.index, PARTNERS, self.clock, self.reads, werkgroep_member
            )
        )
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=secured(app)),
            base_url="http://ketenmonitor",
            headers=ANNA,
        )

    def raise_alert(
        self, rule: Rule = MELDING, gemeente: str | None = "GM0153", days_ago: int = 0
    ) -> UUID:
        case = uuid4()
        at = self.clock.now() - timedelta(days=days_ago)
        started = at - timedelta(days=10)
        assert self.alerts.raise_alert(
            case_id=case,
            rule=rule,
            gemeente_code=gemeente,
            started_at=started,
            deadline_at=rule.deadline(started),
            at=at,
        )
        the_id = alert_id(case, rule.name)
        self.index.rows.append(
            {
                "alert_id": the_id,
                "rule": rule.name,
                "gemeente_code": gemeente,
                "severity": rule.severity.value,
                "raised_at": at,
            }
        )
        return the_id

    async def post(
        self, the_id: UUID, what: str, body: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/alerts/{the_id}/{what}", json=body, headers=headers or ANNA
        )


def is_problem(response: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["reason"] == reason
    assert body["status"] == status
    return body


async def ids(werkgroep: Werkgroep, **params: Any) -> list[str]:
    response = await werkgroep.http.get("/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_listing_filters_by_rule_municipality_severity_and_age() -> None:
    werkgroep = Werkgroep()
    old = werkgroep.raise_alert(days_ago=10)
    borne = werkgroep.raise_alert(gemeente="GM0147", days_ago=5)
    referral = werkgroep.raise_alert(rule=REFERRAL, days_ago=1)
    assert await ids(werkgroep) == [str(referral), str(borne), str(old)]  # newest first
    assert await ids(werkgroep, rule=MELDING.name) == [str(borne), str(old)]
    assert await ids(werkgroep, municipality="GM0147") == [str(borne)]
    before = (T0 - timedelta(days=3)).isoformat()
    assert await ids(werkgroep, raised_before=before) == [str(borne), str(old)]
    assert await ids(werkgroep, raised_after=before) == [str(referral)]
    assert await ids(werkgroep, raised_after=before, rule=MELDING.name) == []


async def test_listing_filters_by_severity() -> None:
    werkgroep = Werkgroep()
    melding = werkgroep.raise_alert(days_ago=1)
    referral = werkgroep.raise_alert(rule=REFERRAL)
    assert await ids(werkgroep, severity=MELDING.severity.value) == [str(melding)]
    assert await ids(werkgroep, severity=REFERRAL.severity.value) == [str(referral)]
    assert await ids(werkgroep, severity="laag") == []


async def test_listing_filters_by_status_and_paginates() -> None:
    werkgroep = Werkgroep()
    alerts = [werkgroep.raise_alert(days_ago=n) for n in range(5)]  # newest first
    assert (await werkgroep.post(alerts[1], "acknowledgements")).status_code == 201
    resolved = await werkgroep.post(alerts[2], "resolutions", {"reason": "onterecht"})
    assert resolved.status_code == 201
    assert await ids(werkgroep, status="open") == [str(a) for a in (alerts[0], *alerts[3:])]
    assert await ids(werkgroep, status="in-behandeling") == [str(alerts[1])]
    assert await ids(werkgroep, status=["in-behandeling", "afgehandeld"]) == [
        str(alerts[1]),
        str(alerts[2]),
    ]

    page = (await werkgroep.http.get("/v1/alerts", params={"limit": 2, "offset": 1})).json()
    assert [i["id"] for i in page["items"]] == [str(alerts[1]), str(alerts[2])]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    page = (
        await werkgroep.http.get("/v1/alerts", params={"status": "open", "limit": 2, "offset": 2})
    ).json()
    assert [i["id"] for i in page["items"]] == [str(alerts[4])]
    assert page["total"] == 3
    default = (await werkgroep.http.get("/v1/alerts")).json()
    assert (default["limit"], default["offset"]) == (50, 0)
    item = default["items"][0]
    assert item["status"] == "open"
    assert item["municipality_code"] == "GM0153"
    assert "Veilig Thuis" in item["text"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"status": "dicht"},
        {"severity": "dringend"},
        {"raised_after": "gisteren"},
        {"raised_before": "2026-03-01T09:00:00"},  # without its offset
    ],
)
async def test_an_invalid_query_is_a_problem(params: dict[str, Any]) -> None:
    response = await Werkgroep().http.get("/v1/alerts", params=params)
    is_problem(response, 400, "invalid-query")


async def test_an_alert_opens_with_its_history_and_its_cases_pseudonymised_timeline() -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    case = werkgroep.alerts.get(the_id).case_id
    werkgroep.index.facts[case] = [
        TimelineRow(
            "nl.jeugdketen.toegang.veilig-thuis-melding-received",
            T0 - timedelta(days=10),
            {"youth_pseudonym": "ab" * 32, "gemeente_code": "GM0153", "care_form": None},
        ),
        TimelineRow(
            "nl.jeugdketen.triage.triage-decided",
            T0 - timedelta(days=2),
            {"youth_pseudonym": None, "gemeente_code": None, "care_form": "jeugdzorg-plus"},
        ),
    ]
    response = await werkgroep.http.get(f"/v1/alerts/{the_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(the_id)
    assert body["case_id"] == str(case)
    assert [(h["action"], h["by"]) for h in body["history"]] == [("raised", "ketenmonitor")]
    assert body["timeline"] == [
        {
            "type": "toegang.veilig-thuis-melding-received",
            "occurred_at": "2026-02-20T09:00:00Z",
            "youth_pseudonym": "ab" * 32,
            "municipality_code": "GM0153",
            "care_form": None,
        },
        {
            "type": "triage.triage-decided",
            "occurred_at": "2026-02-28T09:00:00Z",
            "youth_pseudonym": None,
            "municipality_code": None,
            "care_form": "jeugdzorg-plus",
        },
    ]


async def test_the_werkgroep_works_an_alert_and_every_action_is_audited_with_who_and_when() -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    werkgroep.clock.advance(timedelta(minutes=5))
    acknowledged = await werkgroep.post(the_id, "acknowledgements")
    assert acknowledged.status_code == 201, acknowledged.text
    assert acknowledged.json()["status"] == "in-behandeling"
    werkgroep.clock.advance(timedelta(minutes=5))
    commented = await werkgroep.post(
        the_id,
        "comments",
        {"text": "Gebeld met Veilig Thuis: onderzoek loopt."},
        **basic(BERT),
    )
    assert commented.status_code == 201, commented.text
    assigned = await werkgroep.post(the_id, "assignments", {"partner": "veilig-thuis-twente"})
    assert assigned.status_code == 201, assigned.text
    assert assigned.json()["assigned_to"] == "veilig-thuis-twente"
    werkgroep.clock.advance(timedelta(hours=1))
    resolved = await werkgroep.post(
        the_id, "resolutions", {"reason": "opgepakt", "explanation": "Zorg gestart."}
    )
    assert resolved.status_code == 201, resolved.text
    history = (await werkgroep.http.get(f"/v1/alerts/{the_id}")).json()["history"]
    assert [(h["action"], h["by"], h["at"]) for h in history] == [
        ("raised", "ketenmonitor", "2026-03-02T09:00:00Z"),
        ("acknowledged", "anna@werkgroep", "2026-03-02T09:05:00Z"),
        ("commented", "bert@werkgroep", "2026-03-02T09:10:00Z"),
        ("assigned", "anna@werkgroep", "2026-03-02T09:10:00Z"),
        ("resolved", "anna@werkgroep", "2026-03-02T10:10:00Z"),
    ]
    assert history[2]["comment"] == "Gebeld met Veilig Thuis: onderzoek loopt."
    assert history[3]["partner"] == "veilig-thuis-twente"
    assert (history[4]["reason"], history[4]["explanation"]) == ("opgepakt", "Zorg gestart.")
    assert resolved.json()["status"] == "afgehandeld"


@pytest.mark.parametrize(
    ("what", "body"),
    [
        ("acknowledgements", None),
        ("comments", {"text": "iets"}),
        ("assignments", {"partner": "gemeente-enschede"}),
        ("resolutions", {"reason": "anders"}),
    ],
)
async def test_every_action_needs_an_authenticated_werkgroep_member(
    what: str, body: dict[str, Any] | None
) -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    for headers, status, reason in (
        ({"Authorization": ""}, 401, "unauthenticated"),
        (basic(WERKGROEP, password="geraden"), 401, "unauthenticated"),
        ({"Authorization": "Basic bm90LWJhc2U2NA=="}, 401, "unauthenticated"),
        (basic(DASHBOARD), 403, "forbidden"),
    ):
        response = await werkgroep.post(the_id, what, body, **headers)
        is_problem(response, status, reason)
    assert len(werkgroep.alerts.get(the_id).history) == 1  # nothing recorded


async def test_a_dashboard_user_can_neither_list_nor_open_alerts() -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    for path in ("/v1/alerts", f"/v1/alerts/{the_id}"):
        is_problem(await werkgroep.http.get(path, headers=basic(DASHBOARD)), 403, "forbidden")
        is_problem(
            await werkgroep.http.get(path, headers={"Authorization": ""}), 401, "unauthenticated"
        )
        assert (await werkgroep.http.get(path)).status_code == 200


@pytest.mark.parametrize(
    ("what", "body"),
    [
        ("acknowledgements", None),
        ("comments", {"text": "iets"}),
        ("assignments", {"partner": "gemeente-enschede"}),
        ("resolutions", {"reason": "anders"}),
    ],
)
async def test_a_resolved_alert_refuses_every_action(
    what: str, body: dict[str, Any] | None
) -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    assert (await werkgroep.post(the_id, "resolutions", {"reason": "onterecht"})).status_code == 201
    problem = is_problem(await werkgroep.post(the_id, what, body), 409, "alert-resolved")
    assert "afgehandeld" in problem["detail"]


async def test_an_auto_resolved_alert_refuses_too() -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    assert werkgroep.alerts.auto_resolve(the_id, T0, T0 - timedelta(hours=1))
    is_problem(await werkgroep.post(the_id, "acknowledgements"), 409, "alert-resolved")
    listed = await werkgroep.http.get("/v1/alerts", params={"status": "vanzelf-afgehandeld"})
    assert [i["id"] for i in listed.json()["items"]] == [str(the_id)]


async def test_acknowledging_twice_is_refused() -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    assert (await werkgroep.post(the_id, "acknowledgements")).status_code == 201
    is_problem(await werkgroep.post(the_id, "acknowledgements"), 409, "alert-already-acknowledged")


@pytest.mark.parametrize(
    ("what", "body", "reason"),
    [
        ("comments", {"text": "   "}, "invalid-comment"),
        ("comments", {"text": ""}, "invalid-body"),
        ("comments", {"text": "x" * (MAX_COMMENT_LENGTH + 1)}, "invalid-body"),
        ("comments", {}, "invalid-body"),
        ("assignments", {"partner": "bureau-jansen"}, "unknown-partner"),
        ("assignments", {"partner": ""}, "invalid-body"),
        ("resolutions", {"reason": "klaar"}, "invalid-body"),
        ("resolutions", {"reason": "anders", "explanation": "x" * 2001}, "invalid-body"),
    ],
)
async def test_invalid_content_is_refused_with_its_reason(
    what: str, body: dict[str, Any], reason: str
) -> None:
    werkgroep = Werkgroep()
    the_id = werkgroep.raise_alert()
    is_problem(await werkgroep.post(the_id, what, body), 422, reason)
    assert len(werkgroep.alerts.get(the_id).history) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("POST", "/acknowledgements", None),
        ("POST", "/comments", {"text": "iets"}),
        ("POST", "/assignments", {"partner": "gemeente-enschede"}),
        ("POST", "/resolutions", {"reason": "anders"}),
    ],
)
async def test_an_unknown_alert_is_not_found(
    method: str, path: str, body: dict[str, Any] | None
) -> None:
    werkgroep = Werkgroep()
    response = await werkgroep.http.request(
        method, f"/v1/alerts/{uuid4()}{path}", json=body, headers=ANNA
    )
    is_problem(response, 404, "unknown-alert")


async def test_a_malformed_alert_id_is_a_problem() -> None:
    is_problem(await Werkgroep().http.get("/v1/alerts/geen-id"), 400, "invalid-query")


class NoFigures:
    async def lead_times(self, *_: Any) -> Any: ...

    async def hand_overs(self, *_: Any) -> Any: ...

    async def time_in_chain(self, *_: Any) -> Any: ...

    async def entries(self, *_: Any) -> Any: ...

    async def waiting_entries(self, *_: Any) -> Any: ...

    async def capacity_reports(self, *_: Any) -> Any: ...

    async def care_form_pairs(self, *_: Any) -> Any: ...

    async def transfer_counts(self, *_: Any) -> Any: ...

    async def transfers_per_placed_youth(self, *_: Any) -> Any: ...

    async def facts_of(self, types: Sequence[str]) -> Any: ...

    async def position(self) -> Any: ...

    async def extent(self) -> Any: ...

    def at_one_moment(self) -> Any: ...


async def test_the_ketenmonitors_openapi_document_includes_the_alerts() -> None:
    app = create_api(NoFigures())  # type: ignore[arg-type]
    werkgroep = Werkgroep()
    app.include_router(
        create_alerts_router(
            werkgroep.alerts,
            werkgroep.index,
            PARTNERS,
            werkgroep.clock,
            werkgroep.reads,
            werkgroep_member,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ketenmonitor"
    ) as http:
        document = (await http.get("/v1/openapi.json")).json()
    paths = document["paths"]
    for path in (
        "/v1/alerts",
        "/v1/alerts/{alert_id}",
        "/v1/alerts/{alert_id}/acknowledgements",
        "/v1/alerts/{alert_id}/comments",
        "/v1/alerts/{alert_id}/assignments",
        "/v1/alerts/{alert_id}/resolutions",
    ):
        assert path in paths
    comment = paths["/v1/alerts/{alert_id}/comments"]["post"]
    assert not any(p["in"] == "header" for p in comment["parameters"])  # who acts: the login
    assert "403" in comment["responses"]
    assert "application/problem+json" in comment["responses"]["409"]["content"]
