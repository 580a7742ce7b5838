"""plaatsing end to end over the real Kafka broker and PostgreSQL server: it learns of cases from
triage's events on Kafka and records providers' waiting lists, placements, transfers, ends of
care and capacity."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.contracts.triage import TriageDecided
from plaatsing.application import Plaatsing
from plaatsing.main import WIRING, build_application
from tests.conftest import IsolatedPlatform
from tests.support.kafka import Records, publish, read_all, read_until, rejected_topics
from tests.support.services import running_in_process
from tests.support.waiting import wait_until
from tests.support.youth_keys import youth_pseudonym

pytestmark = pytest.mark.integration

PROVIDER = "34567890"  # aanbieder-de-boerderij in deploy/partners.toml
OTHER_PROVIDER = "45678901"  # aanbieder-jeugdhulp-twente
PROVIDER_SYSTEM = f"urn:nld:kvk:{PROVIDER}:systeem:ecd"
BSN = "999990019"


def cloudevents(records: Records) -> list[dict[str, Any]]:
    return [json.loads(record.value) for record in records]


def at_least(count: int) -> Callable[[Records], bool]:
    return lambda seen: len(seen) >= count


def short_types(records: Records) -> list[str]:
    return [event["type"].rsplit(".", 1)[1] for event in cloudevents(records)]


def triage_decided(
    platform: IsolatedPlatform, case_id: UUID, youth_pseudonym: str, occurred_at: datetime
) -> CloudEvent:
    """triage's domain event as its outbox relay publishes it."""
    data = TriageDecided(
        case_id=case_id,
        youth_pseudonym=youth_pseudonym,
        gemeente_code="GM0153",
        kader="vrijwillig",
        recommended_care_form="gezinshuis",
        urgency="regulier",
        responsible_providers=(PROVIDER, OTHER_PROVIDER),
        occurred_at=occurred_at,
    )
    return CloudEvent(
        id=str(uuid4()),
        source=platform.settings().source("triage"),
        type=data.cloudevent_type,
        time=datetime.now(UTC),
        caseid=case_id,
        causationid=str(uuid4()),
        data=data.model_dump(mode="json"),
    )


def provider_report(type_suffix: str, occurred_at: datetime, **data: Any) -> CloudEvent:
    return CloudEvent(
        id=str(uuid4()),
        source=PROVIDER_SYSTEM,
        type=f"nl.jeugdketen.plaatsing.{type_suffix}",
        time=datetime.now(UTC),
        caseid=data.get("case_id"),
        data={"occurred_at": occurred_at.isoformat(), **data},
    )


def capacity_report(places: int, occupied: int) -> CloudEvent:
    return provider_report(
        "capacity-reported",
        datetime.now(UTC) - timedelta(minutes=1),
        provider=PROVIDER,
        care_form="gezinshuis",
        places=places,
        occupied=occupied,
    )


async def publish_keyed(
    platform: IsolatedPlatform, topic: str, events: list[CloudEvent], key: str
) -> None:
    """As a partner (or relay) must: keyed by what the messages are about."""
    records = [encode(event, key=key) for event in events]
    await publish(
        platform.infrastructure.kafka_bootstrap_servers,
        topic,
        [(record.key, record.value) for record in records],
    )


def stored_count(platform: IsolatedPlatform) -> int:
    application = build_application(platform.settings())
    try:
        return len(application.recorder.select_notifications(None, 100))
    finally:
        application.close()


def knows_case(application: Plaatsing, case_id: UUID) -> bool:
    return case_id in application.repository


async def test_one_youth_from_triage_through_two_transfers_to_the_end_of_care(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    youth = youth_pseudonym(platform.settings(), BSN)
    day = datetime.now(UTC) - timedelta(days=90)
    case = str(case_id)
    reports = [
        provider_report(
            "placement-request-submitted",
            day + timedelta(days=1),
            case_id=case,
            provider=PROVIDER,
            care_form="gezinshuis",
        ),
        provider_report(
            "placement-start-reported",
            day + timedelta(days=20),
            case_id=case,
            provider=PROVIDER,
            care_form="gezinshuis",
            location_gemeente_code="GM0164",
        ),
        provider_report(
            "transfer-reported",
            day + timedelta(days=40),
            case_id=case,
            to_provider=OTHER_PROVIDER,
            to_care_form="residentiele-behandelgroep",
            to_location_gemeente_code="GM0141",
            reason="escalatie",
        ),
        provider_report(
            "transfer-reported",
            day + timedelta(days=60),
            case_id=case,
            to_provider=PROVIDER,
            to_care_form="pleegzorg",
            to_location_gemeente_code="GM0153",
            reason="geplande-afschaling",
        ),
        provider_report(
            "end-of-care-reported", day + timedelta(days=80), case_id=case, reason="volgens-plan"
        ),
    ]
    knowing = build_application(platform.settings())
    try:
        async with running_in_process(WIRING, build_application, platform.settings()):
            await publish_keyed(
                platform,
                platform.topic("triage", "events"),
                [triage_decided(platform, case_id, youth, day)],
                key=case,
            )
            # triage's events and the providers' reports arrive on different topics: a start
            # reported before plaatsing applied the triage decision would be refused
            await wait_until(lambda: knows_case(knowing, case_id), "plaatsing knows the case")
            await publish_keyed(platform, platform.topic("plaatsing", "inbound"), reports, case)
            records = await read_until(kafka, platform.topic("plaatsing", "events"), at_least(5))
    finally:
        knowing.close()

    assert short_types(records) == [
        "placement-requested",
        "placement-started",
        "transferred",
        "transferred",
        "placement-ended",
    ]
    events = cloudevents(records)
    assert [event["causationid"] for event in events] == [report.id for report in reports]
    assert {record.key for record in records} == {case.encode()}
    assert {event["caseid"] for event in events} == {case}
    assert {event["source"] for event in events} == {platform.settings().source("plaatsing")}
    data = [event["data"] for event in events]
    assert all(d["youth_pseudonym"] == youth for d in data)
    assert (data[0]["provider"], data[0]["care_form"], data[0]["gemeente_code"]) == (
        PROVIDER,
        "gezinshuis",
        "GM0153",
    )
    assert {
        key: data[1][key]
        for key in (
            "provider",
            "care_form",
            "location_gemeente_code",
            "recommended_care_form",
            "advice_binding",
            "deviates_from_advice",
            "deviation_reason",
            "crisis_without_triage",
        )
    } == {
        "provider": PROVIDER,
        "care_form": "gezinshuis",
        "location_gemeente_code": "GM0164",
        "recommended_care_form": "gezinshuis",
        "advice_binding": False,
        "deviates_from_advice": False,
        "deviation_reason": None,
        "crisis_without_triage": False,
    }
    assert [
        (d["from_provider"], d["from_care_form"], d["to_provider"], d["to_care_form"])
        for d in data[2:4]
    ] == [
        (PROVIDER, "gezinshuis", OTHER_PROVIDER, "residentiele-behandelgroep"),
        (OTHER_PROVIDER, "residentiele-behandelgroep", PROVIDER, "pleegzorg"),
    ]
    assert [d["reason"] for d in data[2:]] == ["escalatie", "geplande-afschaling", "volgens-plan"]
    assert (data[4]["provider"], data[4]["care_form"]) == (PROVIDER, "pleegzorg")
    assert await read_all(kafka, rejected_topics(platform.prefix, "plaatsing")) == []


async def test_a_transfer_without_placement_is_rejected_and_changes_nothing(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case = str(uuid4())
    transfer = provider_report(
        "transfer-reported",
        datetime.now(UTC) - timedelta(hours=1),
        case_id=case,
        to_provider=OTHER_PROVIDER,
        to_care_form="pleegzorg",
        to_location_gemeente_code="GM0153",
        reason="capaciteit",
    )
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_keyed(platform, platform.topic("plaatsing", "inbound"), [transfer], case)
        [rejection] = await read_until(
            kafka, rejected_topics(platform.prefix, "plaatsing"), at_least(1)
        )

    rejected = json.loads(rejection.value)["data"]
    assert rejected["reason"] == "no-active-placement"
    assert rejected["original"]["id"] == transfer.id
    assert stored_count(platform) == 0
    assert await read_all(kafka, platform.topic("plaatsing", "events")) == []


async def test_more_places_occupied_than_offered_is_rejected(platform: IsolatedPlatform) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    accepted, exceeded = capacity_report(6, 6), capacity_report(6, 7)
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_keyed(
            platform, platform.topic("plaatsing", "inbound"), [accepted, exceeded], PROVIDER
        )
        [rejection] = await read_until(
            kafka, rejected_topics(platform.prefix, "plaatsing"), at_least(1)
        )
        [recorded] = await read_until(kafka, platform.topic("plaatsing", "events"), at_least(1))

    rejected = json.loads(rejection.value)["data"]
    assert (rejected["reason"], rejected["original"]["id"]) == ("capacity-exceeded", exceeded.id)
    event = json.loads(recorded.value)
    assert event["type"] == "nl.jeugdketen.plaatsing.capacity-recorded"
    assert event["causationid"] == accepted.id
    assert "caseid" not in event
    assert recorded.key == PROVIDER.encode()
    assert {k: event["data"][k] for k in ("provider", "care_form", "places", "occupied")} == {
        "provider": PROVIDER,
        "care_form": "gezinshuis",
        "places": 6,
        "occupied": 6,
    }


async def test_a_crisis_placement_without_triage_is_accepted_and_marked(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case = str(uuid4())
    start = provider_report(
        "placement-start-reported",
        datetime.now(UTC) - timedelta(hours=2),
        case_id=case,
        provider=PROVIDER,
        care_form="crisisopvang",
        location_gemeente_code="GM0153",
        crisis=True,
        bsn=BSN,
        gemeente_code="GM0168",
    )
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_keyed(platform, platform.topic("plaatsing", "inbound"), [start], case)
        [record] = await read_until(kafka, platform.topic("plaatsing", "events"), at_least(1))

    event = json.loads(record.value)
    assert event["type"] == "nl.jeugdketen.plaatsing.placement-started"
    assert event["causationid"] == start.id
    assert event["data"]["crisis_without_triage"] is True
    assert event["data"]["recommended_care_form"] is None
    assert event["data"]["gemeente_code"] == "GM0168"
    pseudonym = youth_pseudonym(platform.settings(), BSN)
    assert event["data"]["youth_pseudonym"] == pseudonym
    assert BSN.encode() not in record.value


async def test_a_place_outside_twente_is_accepted_but_a_youth_from_outside_is_not(
    platform: IsolatedPlatform,
) -> None:
    """Zo dicht mogelijk bij huis counts bovenregionale placements, so a place's gemeente may be
    any (Amsterdam, GM0363; Zwolle, GM0193); the youth's own gemeente must still be Twente's,
    and a code that is no CBS code at all is refused."""
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    youth = youth_pseudonym(platform.settings(), BSN)
    day = datetime.now(UTC) - timedelta(days=30)
    case, stranger = str(case_id), str(uuid4())
    accepted = [
        provider_report(
            "placement-start-reported",
            day + timedelta(days=1),
            case_id=case,
            provider=PROVIDER,
            care_form="gezinshuis",
            location_gemeente_code="GM0363",
        ),
        provider_report(
            "transfer-reported",
            day + timedelta(days=10),
            case_id=case,
            to_provider=OTHER_PROVIDER,
            to_care_form="kleinschalig-wonen",
            to_location_gemeente_code="GM0193",
            reason="capaciteit",
        ),
    ]
    malformed = provider_report(
        "transfer-reported",
        day + timedelta(days=11),
        case_id=case,
        to_provider=PROVIDER,
        to_care_form="pleegzorg",
        to_location_gemeente_code="GM193",
        reason="overig",
    )
    from_outside = provider_report(
        "placement-start-reported",
        day + timedelta(days=2),
        case_id=stranger,
        provider=PROVIDER,
        care_form="crisisopvang",
        location_gemeente_code="GM0153",
        crisis=True,
        bsn="999990020",
        gemeente_code="GM0363",
    )
    knowing = build_application(platform.settings())
    try:
        async with running_in_process(WIRING, build_application, platform.settings()):
            await publish_keyed(
                platform,
                platform.topic("triage", "events"),
                [triage_decided(platform, case_id, youth, day)],
                key=case,
            )
            await wait_until(lambda: knows_case(knowing, case_id), "plaatsing knows the case")
            inbound = platform.topic("plaatsing", "inbound")
            await publish_keyed(platform, inbound, [*accepted, malformed], case)
            await publish_keyed(platform, inbound, [from_outside], stranger)
            records = await read_until(kafka, platform.topic("plaatsing", "events"), at_least(2))
            rejections = await read_until(
                kafka, rejected_topics(platform.prefix, "plaatsing"), at_least(2)
            )
    finally:
        knowing.close()

    assert short_types(records) == ["placement-started", "transferred"]
    started, transferred = (event["data"] for event in cloudevents(records))
    assert (started["location_gemeente_code"], started["gemeente_code"]) == ("GM0363", "GM0153")
    assert transferred["to_location_gemeente_code"] == "GM0193"
    refused = {
        json.loads(r.value)["data"]["original"]["id"]: json.loads(r.value)["data"]["reason"]
        for r in rejections
    }
    assert refused == {malformed.id: "invalid-data", from_outside.id: "unknown-gemeente"}
    # the refused ones changed nothing: after their rejections, still only the two events
    events_now = await read_all(kafka, platform.topic("plaatsing", "events"))
    assert short_types(events_now) == ["placement-started", "transferred"]
