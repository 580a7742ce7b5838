"""The audit log of case-level reads over real Kafka and PostgreSQL (`case_reads` in the
ketenmonitor's schema): each route that shows cases or alerts leaves exactly one row with the
right user, the figures none; the rows hold no BSN and no free text; the table refuses updates
and deletes; a read that cannot be recorded shows nothing; the werkgroep reads the trail of
reads and actions, a dashboard user cannot."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.contracts import toegang
from ketenmonitor.alerts.rules import alert_id
from ketenmonitor.figures.api import create_api
from ketenmonitor.web.auth import User
from services.ketenmonitor.tests.accounts import BERT, DASHBOARD, WERKGROEP, basic
from services.ketenmonitor.tests.test_alerts_api import NoFigures
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import as_published, publish_events
from tests.integration.test_ketenmonitor_alerts import RULE, monitoring, rows, stage
from tests.integration.test_ketenmonitor_werkgroep import werkgroep_api
from tests.integration.test_no_bsn_anywhere import bsns_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

FIGURES = tuple(create_api(NoFigures()).openapi()["paths"])  # type: ignore[arg-type]
PAGES = ("/", "/doorlooptijden", "/stepping-stones", "/capaciteit", "/achttien")
HTML = {"Accept": "text/html"}
COMMENT = "Moeder gesproken (BSN 111222333); het gezin verhuist naar Hengelo."


def audit_rows(platform: IsolatedPlatform) -> list[tuple[Any, ...]]:
    return rows(
        platform,
        "SELECT user_name, role, route, case_ids, alert_ids, read_at FROM case_reads ORDER BY id",
    )


def execute(platform: IsolatedPlatform, statement: str) -> None:
    with psycopg.connect(
        platform.infrastructure.database_url, options=f"-c search_path={platform.schema}"
    ) as connection:
        connection.execute(statement)


async def test_every_case_level_read_is_recorded_once_with_its_user_and_nothing_more(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    case, other = uuid4(), uuid4()
    meldingen = [
        as_published(
            platform,
            "toegang",
            toegang.VeiligThuisMeldingReceived(
                case_id=c,
                occurred_at=now - timedelta(days=1),
                youth_pseudonym=f"{n:064x}",
                gemeente_code="GM0153",
            ),
        )
        for n, c in enumerate((case, other))
    ]
    the_id, other_id = alert_id(case, RULE), alert_id(other, RULE)
    anna, bert, dirk = basic(WERKGROEP), basic(BERT), basic(DASHBOARD)
    async with monitoring(platform, clock), werkgroep_api(platform, clock) as http:
        await publish_events(platform, meldingen)
        await wait_until(lambda: stage(platform, case) is not None, "the case's stage")
        await wait_until(lambda: stage(platform, other) is not None, "the other case's stage")
        clock.advance(stage(platform, case)[0] - now + timedelta(seconds=1))  # type: ignore[index]
        await wait_until(
            lambda: rows(platform, "SELECT count(*) FROM alerts") == [(2,)], "both alerts raised"
        )
        both = {(the_id, case), (other_id, other)}

        # path, the route's template, who reads, and the (alert, case) pairs it shows
        case_level: list[tuple[str, str, User, set[tuple[UUID, UUID]]]] = [
            ("/v1/alerts", "/v1/alerts", WERKGROEP, both),
            (f"/v1/alerts/{the_id}", "/v1/alerts/{alert_id}", BERT, {(the_id, case)}),
            ("/werkgroep/signalen", "/werkgroep/signalen", WERKGROEP, both),
            (
                f"/werkgroep/signalen/{other_id}",
                "/werkgroep/signalen/{alert_id}",
                BERT,
                {(other_id, other)},
            ),
            ("/achttien", "/achttien", WERKGROEP, set()),  # no open alert of its rule
            ("/werkgroep/logboek", "/werkgroep/logboek", WERKGROEP, set()),
        ]
        for path, route, reader, shown in case_level:
            before = len(audit_rows(platform))
            clock.advance(timedelta(seconds=1))
            response = await http.get(path, headers={**basic(reader), **HTML})
            assert response.status_code == 200, path
            [(user, role, template, case_ids, alert_ids, at)] = audit_rows(platform)[before:]
            assert (user, role, template, at) == (reader.name, "werkgroep", route, clock.now())
            assert (set(case_ids), set(alert_ids)) == (
                {c for _, c in shown},
                {a for a, _ in shown},
            ), path
        # the trail's own read records the case it was filtered on
        assert (await http.get("/v1/audit", params={"case": str(case)}, headers=bert)).is_success
        assert audit_rows(platform)[-1][:5] == (BERT.name, "werkgroep", "/v1/audit", [case], [])

        # the figures, for either role, and the werkgroep's actions leave no read
        recorded = len(audit_rows(platform))
        for path in FIGURES:
            for headers in (anna, dirk):
                assert (await http.get(path, headers=headers)).status_code == 200, path
        for path in PAGES:
            assert (await http.get(path, headers={**dirk, **HTML})).status_code == 200, path
        for path in PAGES[:-1]:
            assert (await http.get(path, headers={**anna, **HTML})).status_code == 200, path
        clock.advance(timedelta(seconds=1))
        commented = await http.post(
            f"/v1/alerts/{the_id}/comments", json={"text": COMMENT}, headers=bert
        )
        assert commented.status_code == 201
        assert len(audit_rows(platform)) == recorded

        # only the werkgroep reads the trail, and sees the action with the reads
        assert (await http.get("/v1/audit", headers=dirk)).status_code == 403
        assert (await http.get("/werkgroep/logboek", headers={**dirk, **HTML})).status_code == 403
        trail = await http.get("/v1/audit", params={"user": BERT.name}, headers=anna)
        assert [(e["kind"], e["what"]) for e in trail.json()["items"]] == [
            ("action", "commented"),
            ("read", "/v1/audit"),
            ("read", "/werkgroep/signalen/{alert_id}"),
            ("read", "/v1/alerts/{alert_id}"),
        ]

        # no BSN, no free text: neither in the rows nor in the trail
        for row in audit_rows(platform):
            raw = "\n".join(map(str, row))
            assert not bsns_in(raw.encode()), row
            assert "Hengelo" not in raw
        assert "111222333" not in trail.text
        assert "Hengelo" not in trail.text

        # append-only in the database itself
        for statement in ("UPDATE case_reads SET user_name = 'x'", "DELETE FROM case_reads"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                execute(platform, statement)
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            execute(platform, "TRUNCATE case_reads")

        # a read that cannot be recorded shows nothing
        execute(platform, "ALTER TABLE case_reads RENAME TO case_reads_away")
        refused = await http.get(f"/v1/alerts/{the_id}", headers=anna)
        assert (refused.status_code, refused.json()["reason"]) == (503, "audit-unavailable")
        page = await http.get(f"/werkgroep/signalen/{the_id}", headers={**anna, **HTML})
        assert page.status_code == 503
        assert str(case) not in page.text
