"""One youth through the whole chain: toegang, triage and plaatsing, learning through Kafka."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.settings import ServiceSettings
from plaatsing.application import Plaatsing
from tests.conftest import IsolatedPlatform
from tests.support.kafka import (
    at_least,
    publish,
    publish_in_turn,
    read_all,
    read_until,
    rejected_topics,
    short_types,
)
from tests.support.partners import LOKAAL_TEAM_ENSCHEDE, as_kafka, partner_event
from tests.support.services import running_in_process
from tests.support.waiting import wait_until
from tests.support.youth_keys import youth_pseudonym

pytestmark = pytest.mark.integration

TRIAGETAFEL = "urn:nld:oin:00000003900000030000:systeem:triagetafel"
DE_BOERDERIJ, JEUGDHULP_TWENTE, GEZINSHUIS_DE_ES = "34567890", "45678901", "56789012"


def provider_system(kvk: str) -> str:
    return f"urn:nld:kvk:{kvk}:systeem:ecd"


class Route:
    """The partners' messages about one case, each a day after the previous one."""

    def __init__(self, case_id: UUID, start: datetime) -> None:
        self.case_id = case_id
        self._moment = start

    def message(
        self, service: str, what: str, source: str, days_later: int = 1, **data: Any
    ) -> CloudEvent:
        self._moment += timedelta(days=days_later)
        return partner_event(
            f"nl.jeugdketen.{service}.{what}",
            {"case_id": str(self.case_id), "occurred_at": self._moment.isoformat(), **data},
            source=source,
        )


def plaatsing_knows(application: Plaatsing, case_id: UUID) -> bool:
    return case_id in application.repository


async def test_one_youth_from_referral_through_triage_placement_two_transfers_and_turning_18(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    settings = platform.settings()
    start = datetime.now(UTC) - timedelta(days=60)
    route = Route(uuid4(), start)
    # 18 on the 11th day of the route: after the continuity plan, before the end of care; a
    # day in the chain's calendar (late in a UTC evening it is the next day in Amsterdam)
    eighteenth_birthday = (start + timedelta(days=11)).astimezone(AMSTERDAM).date()
    birth_date = eighteenth_birthday.replace(year=eighteenth_birthday.year - 18)
    at_toegang = [
        route.message(
            "toegang",
            "referral-submitted",
            LOKAAL_TEAM_ENSCHEDE,
            bsn="999990019",
            gemeente_code="GM0153",
            verwijzer="huisarts",
            kader="vrijwillig",
        ),
        route.message("toegang", "verklarende-analyse-reported", LOKAAL_TEAM_ENSCHEDE),
        route.message(
            "toegang", "decision-reported", LOKAAL_TEAM_ENSCHEDE, decision="gezamenlijke-triage"
        ),
    ]
    at_triage = route.message(
        "triage",
        "decision-reported",
        TRIAGETAFEL,
        recommended_care_form="kleinschalig-wonen",
        urgency="regulier",
        responsible_providers=[DE_BOERDERIJ, JEUGDHULP_TWENTE],
    )
    first, second = provider_system(DE_BOERDERIJ), provider_system(JEUGDHULP_TWENTE)
    at_plaatsing = [
        route.message(
            "plaatsing",
            "placement-request-submitted",
            first,
            provider=DE_BOERDERIJ,
            care_form="kleinschalig-wonen",
        ),
        route.message(
            "plaatsing",
            "placement-start-reported",
            first,
            provider=DE_BOERDERIJ,
            care_form="kleinschalig-wonen",
            location_gemeente_code="GM0164",
            birth_date=birth_date.isoformat(),
        ),
        route.message(
            "plaatsing",
            "transfer-reported",
            first,
            to_provider=JEUGDHULP_TWENTE,
            to_care_form="residentiele-behandelgroep",
            to_location_gemeente_code="GM0141",
            reason="escalatie",
        ),
        route.message(
            "plaatsing",
            "transfer-reported",
            second,
            to_provider=GEZINSHUIS_DE_ES,
            to_care_form="gezinshuis",
            to_location_gemeente_code="GM0153",
            reason="geplande-afschaling",
        ),
        route.message(
            "plaatsing",
            "continuity-plan-reported",
            provider_system(GEZINSHUIS_DE_ES),
            plan="verlengde-jeugdhulp",
        ),
        route.message(
            "plaatsing",
            "end-of-care-reported",
            provider_system(GEZINSHUIS_DE_ES),
            days_later=3,
            reason="achttien-jaar",
        ),
    ]
    *placing, ending = at_plaatsing
    # plaatsing's clock, which notices 18th birthdays, stands before the birthday until moved
    clock = ControllableClock(start + timedelta(days=10))

    def plaatsing_on_that_clock(settings: ServiceSettings) -> Plaatsing:
        return plaatsing.main.build_application(settings, clock)

    knowing = plaatsing.main.build_application(settings)
    try:
        async with (
            running_in_process(toegang.main.WIRING, toegang.main.build_application, settings),
            running_in_process(triage.main.WIRING, triage.main.build_application, settings),
            running_in_process(plaatsing.main.WIRING, plaatsing_on_that_clock, settings),
        ):
            # each partner acts once the service before it recorded the case, as in the chain
            await publish(
                kafka, platform.topic("toegang", "inbound"), [as_kafka(m) for m in at_toegang]
            )
            await read_until(kafka, platform.topic("triage", "events"), at_least(1))
            await publish(kafka, platform.topic("triage", "inbound"), [as_kafka(at_triage)])
            await wait_until(lambda: plaatsing_knows(knowing, route.case_id), "plaatsing knows")
            plaatsing_events = platform.topic("plaatsing", "events")
            outcomes = [plaatsing_events, *rejected_topics(platform.prefix, "plaatsing")]
            # two providers take part: each reports once the report before it was recorded
            await publish_in_turn(kafka, platform.topic("plaatsing", "inbound"), placing, outcomes)
            await read_until(kafka, plaatsing_events, at_least(5))
            clock.advance(timedelta(days=2))
            await read_until(kafka, plaatsing_events, at_least(6))
            await publish(kafka, platform.topic("plaatsing", "inbound"), [as_kafka(ending)])
            placed = await read_until(kafka, plaatsing_events, at_least(7))
    finally:
        knowing.close()

    assert short_types(await read_all(kafka, platform.topic("toegang", "events"))) == [
        "referral-received",
        "verklarende-analyse-completed",
        "toegang-decided",
    ]
    assert short_types(await read_all(kafka, platform.topic("triage", "events"))) == [
        "case-opened-for-triage",
        "triage-decided",
    ]
    assert short_types(placed) == [
        "placement-requested",
        "placement-started",
        "transferred",
        "transferred",
        "continuity-plan-recorded",
        "turned-eighteen",
        "placement-ended",
    ]
    pseudonym = youth_pseudonym(platform.settings(), "999990019")
    turned = json.loads(placed[5].value)["data"]
    assert turned["continuity_plan_exists"] is True
    assert turned["youth_pseudonym"] == pseudonym
    assert birth_date.isoformat().encode() not in b"".join(r.value for r in placed)
    started = json.loads(placed[1].value)["data"]
    assert started["youth_pseudonym"] == pseudonym
    assert started["recommended_care_form"] == "kleinschalig-wonen"
    assert started["deviates_from_advice"] is False
    reported = placed[:5] + placed[6:]
    assert [json.loads(r.value)["causationid"] for r in reported] == [m.id for m in at_plaatsing]
    for service in ("toegang", "triage", "plaatsing"):
        assert await read_all(kafka, rejected_topics(platform.prefix, service)) == []
