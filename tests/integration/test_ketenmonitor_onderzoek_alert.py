"""The rule "Veilig Thuis onderzoek over 10 weeks" over real Kafka and PostgreSQL, with a
controllable clock: an onderzoek still open 10 weeks after its start is alerted once, at that
moment, and the alert closes itself when Veilig Thuis concludes it."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.contracts.fields import AMSTERDAM
from ketenmonitor.alerts.rules import alert_id
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import Published, as_published, publish_events
from tests.integration.test_ketenmonitor_alerts import alert_events, monitoring, rows, sweeps_after
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

RULE = "veilig-thuis-onderzoek-over-norm"


def started(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform, "toegang", toegang.VeiligThuisOnderzoekStarted(case_id=case, occurred_at=at)
    )


def concluded(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "toegang",
        toegang.VeiligThuisOnderzoekConcluded(
            case_id=case, occurred_at=at, outcome="overdracht-lokaal-team"
        ),
    )


def stage(platform: IsolatedPlatform, case: UUID) -> tuple[Any, ...]:
    """(deadline_at, alerted_at, alert_closed_at) of the case's stage; Nones before it exists."""
    found = rows(
        platform,
        "SELECT deadline_at, alerted_at, alert_closed_at FROM stages "
        f"WHERE case_id = '{case}' AND rule = '{RULE}'",
    )
    return found[0] if found else (None, None, None)


async def test_an_onderzoek_open_for_ten_weeks_is_alerted_once_and_closes_when_concluded(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    case = uuid4()
    began = now - timedelta(days=3)
    async with monitoring(platform, clock) as sweeper:
        await publish_events(platform, [started(platform, case, began)])
        await wait_until(lambda: stage(platform, case)[0] is not None, "the onderzoek's stage")
        deadline = stage(platform, case)[0]
        # 10 weeks on the calendar of Amsterdam: the start's wall-clock time, 70 days later
        local = began.astimezone(AMSTERDAM)
        assert deadline == datetime.combine(
            local.date() + timedelta(weeks=10), local.time(), AMSTERDAM
        )

        clock.advance(deadline - now - timedelta(seconds=1))
        await sweeps_after(sweeper)
        assert stage(platform, case)[1] is None

        clock.advance(timedelta(seconds=1))
        await wait_until(
            lambda: stage(platform, case)[1] is not None, "the alert raised", within_seconds=1.5
        )
        await sweeps_after(sweeper, 3)
        assert rows(platform, f"SELECT count(*) FROM alerts WHERE rule = '{RULE}'") == [(1,)]

        # Veilig Thuis concludes it, late: the alert closes itself
        await publish_events(platform, [concluded(platform, case, began + timedelta(weeks=11))])
        await wait_until(lambda: stage(platform, case)[2] is not None, "the alert auto-resolved")

    published = await alert_events(platform, 2)
    assert sorted((e["type"].rsplit(".", 1)[1], e["data"]["alert_id"]) for e in published) == [
        ("alert-auto-resolved", str(alert_id(case, RULE))),
        ("alert-raised", str(alert_id(case, RULE))),
    ]
    raised = next(e for e in published if e["type"].endswith("alert-raised"))
    assert "Veilig Thuis" in raised["data"]["text"]
