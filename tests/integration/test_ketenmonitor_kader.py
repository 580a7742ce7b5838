"""The kader is a timeline, over real Kafka and PostgreSQL: a voluntary case that gets a measure
counts as gedwongen for a step after the imposition and as vrijwillig before it and after the
measure ended, whatever the order its events arrive in, delivered twice, and after a rebuild;
and the cases that moved between the kaders are a figure of their own."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from jeugdketen_shared.contracts import plaatsing, toegang, triage
from ketenmonitor.main import build_projection
from ketenmonitor.projection.rebuild import rebuild
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import (
    Published,
    as_published,
    publish_events,
    wait_projected,
)
from tests.integration.test_ketenmonitor_figures import cell, get
from tests.support.projection import projecting

pytestmark = pytest.mark.integration

START = datetime(2025, 4, 7, 9, tzinfo=UTC)
CASES = 12
YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def voluntary_cases_under_a_measure(platform: IsolatedPlatform) -> list[Published]:
    """12 cases referred vrijwillig; toegang decides 10 days later (vrijwillig); a voorlopige
    OTS after 30 days, followed up by an OTS after 60; triage decides after 40 days
    (gedwongen); the OTS ends after 200 days, and the youth is placed after 250 (vrijwillig
    again)."""
    events: list[Published] = []

    def publish(service: str, data: Any) -> None:
        events.append(as_published(platform, service, data))

    for n in range(CASES):
        referred = START + timedelta(hours=n)

        def on(days: int, moment: datetime = referred) -> datetime:
            return moment + timedelta(days=days)

        named = {"case_id": uuid4(), "youth_pseudonym": f"{n:064x}", "gemeente_code": "GM0153"}
        case = {"case_id": named["case_id"]}
        publish(
            "toegang",
            toegang.ReferralReceived(
                **named, occurred_at=referred, verwijzer="huisarts", kader="vrijwillig"
            ),
        )
        publish(
            "toegang",
            toegang.ToegangDecided(
                **named, occurred_at=on(10), decision="gezamenlijke-triage", kader="vrijwillig"
            ),
        )
        publish(
            "toegang",
            toegang.ProtectionMeasureImposed(
                **case, occurred_at=on(30), measure="voorlopige-ots", previous_measure=None
            ),
        )
        publish(
            "toegang",
            toegang.ProtectionMeasureImposed(
                **case, occurred_at=on(60), measure="ots", previous_measure="voorlopige-ots"
            ),
        )
        publish(
            "triage",
            triage.TriageDecided(
                **named,
                occurred_at=on(40),
                kader="vrijwillig",
                recommended_care_form="pleegzorg",
                urgency="regulier",
                responsible_providers=("12345678",),
            ),
        )
        publish(
            "toegang",
            toegang.ProtectionMeasureEnded(
                **case, occurred_at=on(200), measure="ots", reason="doel-bereikt"
            ),
        )
        publish(
            "plaatsing",
            plaatsing.PlacementStarted(
                **named,
                occurred_at=on(250),
                provider="12345678",
                care_form="pleegzorg",
                location_gemeente_code="GM0153",
                recommended_care_form="pleegzorg",
                advice_binding=False,
                deviates_from_advice=False,
                deviation_reason=None,
                crisis_without_triage=False,
            ),
        )
    return events


async def counted_by_kader(platform: IsolatedPlatform) -> dict[str, dict[str, Any]]:
    """Per kader, the lead times' counts of the three steps, and the moves between kaders."""
    found = {}
    for kader in ("vrijwillig", "gedwongen"):
        lead_times = await get(platform, "/v1/lead-times", **YEAR, legal_framework=kader)
        moves = await get(platform, "/v1/legal-framework-changes", **YEAR, legal_framework=kader)
        found[kader] = {
            **{f["transition"]: f["count"] for f in lead_times["lead_times"]},
            **{k: v for k, v in moves.items() if k != "filters"},
        }
    moves = await get(platform, "/v1/legal-framework-changes", **YEAR)
    found["all"] = {k: v for k, v in moves.items() if k != "filters"}
    return found


async def test_a_voluntary_case_under_a_measure_is_gedwongen_for_the_steps_it_takes_meanwhile(
    platform: IsolatedPlatform,
) -> None:
    events = voluntary_cases_under_a_measure(platform)
    # the measure's end and follow-up before its imposition, some events twice
    rng = random.Random(15)
    rng.shuffle(events)
    twice = rng.sample(events, len(events) // 4)
    async with projecting(platform):
        await wait_projected(platform, await publish_events(platform, [*events, *twice]))

    found = await counted_by_kader(platform)
    hidden = cell(0)
    # toegang decided before the imposition, the youth placed after the measure ended
    assert found["vrijwillig"]["referral-to-toegang-decision"] == cell(CASES)
    assert found["gedwongen"]["referral-to-toegang-decision"] == hidden
    assert found["vrijwillig"]["triage-decision-to-placement-start"] == cell(CASES)
    assert found["gedwongen"]["triage-decision-to-placement-start"] == hidden
    # triage decided while the voorlopige OTS ran
    assert found["gedwongen"]["toegang-decision-to-triage-decision"] == cell(CASES)
    assert found["vrijwillig"]["toegang-decision-to-triage-decision"] == hidden
    # into the gedwongen kader and back, once each: the follow-up is no move
    assert found["all"] == {
        "into_compulsory": cell(CASES),
        "still_compulsory": hidden,
        "back_to_voluntary": cell(CASES),
        "to_voluntary": cell(CASES),
    }
    assert found["gedwongen"]["into_compulsory"] == cell(CASES)
    assert found["vrijwillig"]["to_voluntary"] == cell(CASES)

    await rebuild(build_projection(platform.settings()), show_progress=False)
    assert await counted_by_kader(platform) == found
