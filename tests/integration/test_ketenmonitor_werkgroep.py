"""The werkgroep works a stagnation alert through the HTTP API, over real Kafka and PostgreSQL:
lists the alerts, opens one with its case's timeline, acknowledges, comments, assigns it to a
partner and resolves it; the audit history and `<prefix>.ketenmonitor.alerts` show every step
with who and when."""

import asyncio
import contextlib
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.permissions import load_partners
from ketenmonitor.alerts.api import TableAlertIndex
from ketenmonitor.alerts.rules import alert_id
from ketenmonitor.figures.source import TableFigures
from ketenmonitor.main import assemble_api, build_alerts, serve
from ketenmonitor.projection import live, store
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web import audit
from services.ketenmonitor.tests.accounts import (
    BERT,
    DASHBOARD,
    EVERYONE,
    WERKGROEP,
    basic,
    users_file,
)
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import as_published, publish_events
from tests.integration.test_ketenmonitor_alerts import (
    RULE,
    alert_events,
    monitoring,
    rows,
    stage,
)
from tests.integration.test_ketenmonitor_live import free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


@asynccontextmanager
async def werkgroep_api(
    platform: IsolatedPlatform, clock: ControllableClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The ketenmonitor's app as `serving_api` composes it, on the test's clock."""
    settings = platform.settings()
    pool = await store.create_pool(settings.database_url, settings.database_schema)
    alerts = build_alerts(settings)
    try:
        async with pool.acquire() as connection:
            await audit.create_table(connection)
        app = assemble_api(
            TableFigures(pool),
            alerts,
            TableAlertIndex(pool),
            load_partners(settings.partners_file),
            live.Broadcaster(),
            EVERYONE,
            MonitorSettings(),
            clock,
            audit_log=audit.TableAuditLog(pool),
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://ketenmonitor",
            headers=basic(WERKGROEP),
        ) as http:
            yield http
    finally:
        alerts.close()
        await pool.close()


async def test_the_werkgroep_works_an_alert_and_the_audit_and_the_topic_show_it(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    case, other = uuid4(), uuid4()
    youth = secrets.token_hex(32)
    reported = now - timedelta(days=1)
    meldingen = [
        as_published(
            platform,
            "toegang",
            toegang.VeiligThuisMeldingReceived(
                case_id=c, occurred_at=reported, youth_pseudonym=y, gemeente_code=g
            ),
        )
        for c, y, g in ((case, youth, "GM0153"), (other, secrets.token_hex(32), "GM0141"))
    ]
    the_id = alert_id(case, RULE)
    anna, bert = basic(WERKGROEP), basic(BERT)
    async with monitoring(platform, clock), werkgroep_api(platform, clock) as http:
        await publish_events(platform, meldingen)
        await wait_until(lambda: stage(platform, case) is not None, "the case's stage")
        await wait_until(lambda: stage(platform, other) is not None, "the other case's stage")
        clock.advance(stage(platform, case)[0] - now)  # type: ignore[index]
        await wait_until(
            lambda: rows(platform, "SELECT count(*) FROM alerts") == [(2,)],
            "both alerts raised",
            within_seconds=1.5,
        )

        # the werkgroep lists the open alerts of Enschede, and opens the one
        listed = await http.get("/v1/alerts", params={"status": "open", "municipality": "GM0153"})
        assert listed.status_code == 200, listed.text
        assert [item["id"] for item in listed.json()["items"]] == [str(the_id)]
        assert listed.json()["total"] == 1
        assert (await http.get("/v1/alerts", params={"rule": RULE})).json()["total"] == 2
        opened = (await http.get(f"/v1/alerts/{the_id}")).json()
        assert opened["status"] == "open"
        assert opened["timeline"] == [
            {
                "type": "toegang.veilig-thuis-melding-received",
                "occurred_at": reported.isoformat().replace("+00:00", "Z"),
                "youth_pseudonym": youth,
                "municipality_code": "GM0153",
                "care_form": None,
            }
        ]

        # and works it, each step by someone, at the clock's time
        clock.advance(timedelta(minutes=10))
        assert (await http.post(f"/v1/alerts/{the_id}/acknowledgements", headers=anna)).is_success
        refused = await http.post(f"/v1/alerts/{the_id}/acknowledgements", headers=bert)
        assert (refused.status_code, refused.json()["reason"]) == (
            409,
            "alert-already-acknowledged",
        )
        comment = {"text": "Veilig Thuis gebeld: het onderzoek start morgen."}
        assert (
            await http.post(f"/v1/alerts/{the_id}/comments", json=comment, headers=bert)
        ).is_success
        unknown = await http.post(
            f"/v1/alerts/{the_id}/assignments", json={"partner": "bureau-x"}, headers=anna
        )
        assert (unknown.status_code, unknown.json()["reason"]) == (422, "unknown-partner")
        assert (
            await http.post(
                f"/v1/alerts/{the_id}/assignments",
                json={"partner": "veilig-thuis-twente"},
                headers=anna,
            )
        ).is_success
        clock.advance(timedelta(days=1))
        resolved = await http.post(
            f"/v1/alerts/{the_id}/resolutions", json={"reason": "opgepakt"}, headers=bert
        )
        assert resolved.status_code == 201, resolved.text
        assert (resolved.json()["status"], resolved.json()["assigned_to"]) == (
            "afgehandeld",
            "veilig-thuis-twente",
        )

        history = (await http.get(f"/v1/alerts/{the_id}")).json()["history"]
        at = now + (stage(platform, case)[0] - now)  # type: ignore[index]
        assert [(h["action"], h["by"], datetime.fromisoformat(h["at"])) for h in history] == [
            ("raised", "ketenmonitor", at),
            ("acknowledged", "anna@werkgroep", at + timedelta(minutes=10)),
            ("commented", "bert@werkgroep", at + timedelta(minutes=10)),
            ("assigned", "anna@werkgroep", at + timedelta(minutes=10)),
            ("resolved", "bert@werkgroep", at + timedelta(days=1, minutes=10)),
        ]
        assert (await http.get("/v1/alerts", params={"status": "open"})).json()["total"] == 1
        assert [
            item["id"]
            for item in (await http.get("/v1/alerts", params={"status": "afgehandeld"})).json()[
                "items"
            ]
        ] == [str(the_id)]

        # the topic carries every step (a comment's text is not published)
        published = await alert_events(platform, 6)
    of_the_alert = [
        (e["type"].rsplit(".", 1)[1], e["data"]["by"])
        for e in published
        if e["data"]["alert_id"] == str(the_id)
    ]
    assert of_the_alert == [
        ("alert-raised", "ketenmonitor"),
        ("alert-acknowledged", "anna@werkgroep"),
        ("alert-commented", "bert@werkgroep"),
        ("alert-assigned", "anna@werkgroep"),
        ("alert-resolved", "bert@werkgroep"),
    ]
    commented = next(e for e in published if e["type"].endswith("alert-commented"))
    assert "comment" not in commented["data"]
    assigned = next(e for e in published if e["type"].endswith("alert-assigned"))
    assert assigned["data"]["partner"] == "veilig-thuis-twente"


async def test_the_running_service_keeps_alerts_and_timelines_to_the_werkgroep(
    platform: IsolatedPlatform, tmp_path: Path
) -> None:
    """`python -m ketenmonitor api` as it runs (uvicorn), with a users file: every role
    boundary."""
    settings = platform.settings().model_copy(
        update={"http_host": "127.0.0.1", "http_port": free_port()}
    )
    monitor = MonitorSettings(JEUGDKETEN_USERS_FILE=users_file(tmp_path))
    the_id = uuid4()
    stopping = asyncio.Event()
    serving = asyncio.create_task(serve(settings, "api", stopping, monitor))
    address = ("127.0.0.1", settings.http_port)
    try:
        await wait_until(lambda: answers(address), "the API answers", 30)
        async with httpx.AsyncClient(base_url=f"http://{address[0]}:{address[1]}") as http:
            await boundaries(http, the_id)
    finally:
        stopping.set()
        await serving


def answers(address: tuple[str, int]) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(address, timeout=1):
        return True
    return False


async def boundaries(http: httpx.AsyncClient, the_id: UUID) -> None:
    """No user: 401; a dashboard user: the figures, never an alert; the werkgroep: both."""
    unknown = f"/v1/alerts/{the_id}"
    anonymous = {"Authorization": ""}
    for path in ("/v1/lead-times", "/v1/alerts", unknown, "/", "/werkgroep/signalen"):
        assert (await http.get(path, headers=anonymous)).status_code == 401, path
    assert (await http.get("/inloggen")).status_code == 200

    dashboard = basic(DASHBOARD)
    assert (await http.get("/v1/lead-times", headers=dashboard)).status_code == 200
    assert (await http.get("/", headers=dashboard)).status_code == 200
    for path in (
        "/v1/alerts",
        unknown,
        "/werkgroep/signalen",
        f"/werkgroep/signalen/{the_id}",
    ):
        assert (await http.get(path, headers=dashboard)).status_code == 403, path
    acting = await http.post(f"{unknown}/acknowledgements", headers=dashboard)
    assert acting.status_code == 403
    assert acting.json()["reason"] == "forbidden"

    werkgroep = basic(WERKGROEP)
    assert (await http.get("/v1/alerts", headers=werkgroep)).status_code == 200
    assert (await http.get("/werkgroep/signalen", headers=werkgroep)).status_code == 200
    assert (await http.get(unknown, headers=werkgroep)).status_code == 404  # not 403
    wrong = basic(WERKGROEP, password="geraden")
    assert (await http.get("/v1/alerts", headers=wrong)).status_code == 401
