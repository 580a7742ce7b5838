"""triage end to end over the real Kafka broker and PostgreSQL server: it learns of cases from
toegang's events on Kafka and records the triage table's and the RET's reports."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

import toegang.main
from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.contracts.toegang import ToegangDecided
from tests.conftest import IsolatedPlatform
from tests.support.kafka import (
    at_least,
    cloudevents,
    publish,
    publish_in_turn,
    read_all,
    read_until,
    rejected_topics,
    short_types,
)
from tests.support.partners import (
    LOKAAL_TEAM_ENSCHEDE,
    as_kafka,
    follow_up,
    partner_event,
    referral,
)
from tests.support.services import running_in_process
from tests.support.waiting import wait_until
from tests.support.youth_keys import youth_pseudonym
from triage.application import Triage
from triage.main import WIRING, build_application

pytestmark = pytest.mark.integration

# as in deploy/partners.toml
TRIAGE_TABLE = "urn:nld:oin:00000003900000030000:systeem:triagetafel"
RET_SECRETARY = "urn:nld:oin:00000003900000040000:systeem:ret"
HENGELO = "urn:nld:oin:00000001000000070000:systeem:lokaal-team"
PROVIDER = "urn:nld:kvk:34567890:systeem:ecd"
PSEUDONYM = "d" * 64


def toegang_decided(
    platform: IsolatedPlatform, case_id: UUID, decision: str = "gezamenlijke-triage"
) -> CloudEvent:
    """toegang's domain event as its outbox relay publishes it."""
    data = ToegangDecided(
        case_id=case_id,
        decision=decision,
        youth_pseudonym=PSEUDONYM,
        gemeente_code="GM0153",
        kader="vrijwillig",
        occurred_at=datetime.now(UTC) - timedelta(days=1),
    )
    return CloudEvent(
        id=str(uuid4()),
        source=platform.settings().source("toegang"),
        type=data.cloudevent_type,
        time=datetime.now(UTC),
        caseid=case_id,
        causationid=str(uuid4()),
        data=data.model_dump(mode="json"),
    )


async def publish_toegang_events(platform: IsolatedPlatform, *events: CloudEvent) -> None:
    records = [encode(event) for event in events]
    await publish(
        platform.infrastructure.kafka_bootstrap_servers,
        platform.topic("toegang", "events"),
        [(record.key, record.value) for record in records],
    )


def triage_report(
    type_suffix: str, case_id: UUID, *, source: str = TRIAGE_TABLE, **data: Any
) -> CloudEvent:
    return partner_event(
        f"nl.jeugdketen.triage.{type_suffix}",
        {"case_id": str(case_id), "occurred_at": datetime.now(UTC).isoformat(), **data},
        source=source,
    )


def triage_decision(case_id: UUID) -> CloudEvent:
    return triage_report(
        "decision-reported",
        case_id,
        recommended_care_form="kleinschalig-wonen",
        urgency="spoed",
        responsible_providers=["12345678", "87654321"],
    )


async def publish_reports(platform: IsolatedPlatform, *reports: CloudEvent) -> None:
    await publish(
        platform.infrastructure.kafka_bootstrap_servers,
        platform.topic("triage", "inbound"),
        [as_kafka(report) for report in reports],
    )


@pytest.fixture
def triage_store(platform: IsolatedPlatform) -> Iterator[Triage]:
    """triage's event store, read by the test while the service writes it."""
    application = build_application(platform.settings())
    yield application
    application.close()


def stored_types(application: Triage) -> list[str]:
    notifications = application.recorder.select_notifications(None, 100)
    return [notification.topic.rsplit(".", 1)[1] for notification in notifications]


async def test_a_forwarded_case_opens_and_takes_the_triage_decision(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    events = platform.topic("triage", "events")
    case_id = uuid4()
    forwarding = toegang_decided(platform, case_id)
    decision = triage_decision(case_id)
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_toegang_events(platform, forwarding)
        [opened] = cloudevents(await read_until(kafka, events, at_least(1)))
        await publish_reports(platform, decision)
        records = await read_until(kafka, events, at_least(2))

    assert opened["type"] == "nl.jeugdketen.triage.case-opened-for-triage"
    assert opened["source"] == platform.settings().source("triage")
    assert opened["causationid"] == forwarding.id
    assert opened["data"] == {
        "case_id": str(case_id),
        "youth_pseudonym": PSEUDONYM,
        "gemeente_code": "GM0153",
        "kader": "vrijwillig",
        "occurred_at": forwarding.data["occurred_at"],
    }
    decided_record = records[1]
    decided = json.loads(decided_record.value)
    assert decided["type"] == "nl.jeugdketen.triage.triage-decided"
    assert decided["causationid"] == decision.id
    assert decided["caseid"] == str(case_id)
    assert decided_record.key == str(case_id).encode()
    assert decided["data"] == {
        "case_id": str(case_id),
        "youth_pseudonym": PSEUDONYM,
        "gemeente_code": "GM0153",
        "kader": "vrijwillig",
        "recommended_care_form": "kleinschalig-wonen",
        "urgency": "spoed",
        "responsible_providers": ["12345678", "87654321"],
        "occurred_at": decision.data["occurred_at"].replace("+00:00", "Z"),
    }


async def test_a_decision_on_a_case_never_forwarded_is_rejected_and_changes_nothing(
    platform: IsolatedPlatform, triage_store: Triage
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    never_forwarded = triage_decision(uuid4())
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_reports(platform, never_forwarded)
        [rejection] = await read_until(
            kafka, rejected_topics(platform.prefix, "triage"), at_least(1)
        )

    rejected = json.loads(rejection.value)
    assert rejected["type"] == "nl.jeugdketen.message-rejected"
    assert rejected["causationid"] == never_forwarded.id
    assert rejected["data"]["reason"] == "case-not-forwarded-to-triage"
    assert await read_all(kafka, platform.topic("triage", "events")) == []
    assert stored_types(triage_store) == []


async def test_the_same_upstream_event_delivered_twice_opens_the_case_once(
    platform: IsolatedPlatform, triage_store: Triage
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    events = platform.topic("triage", "events")
    forwarding = toegang_decided(platform, uuid4())
    sentinel = toegang_decided(platform, uuid4())
    not_for_triage = toegang_decided(platform, uuid4(), decision="lokale-basishulp")
    async with running_in_process(WIRING, build_application, platform.settings()):
        # twice in one poll, and once more after it was recorded, as a relay that crashed
        # between Kafka's acknowledgement and recording its position would send it
        await publish_toegang_events(platform, forwarding, forwarding, not_for_triage)
        await read_until(kafka, events, at_least(1))
        await publish_toegang_events(platform, forwarding, sentinel)
        # a receipt for each distinct upstream event: all three were applied
        await wait_until(
            lambda: stored_types(triage_store).count("Recorded") == 3, "three events applied"
        )
        records = await read_until(kafka, events, at_least(2))

    assert sorted(event["causationid"] for event in cloudevents(records)) == sorted(
        [forwarding.id, sentinel.id]
    )
    # the two cases and the three upstream events' receipts; nothing of the repeats
    assert sorted(stored_types(triage_store)) == ["CaseOpenedForTriage"] * 2 + ["Recorded"] * 3


async def test_an_escalation_to_the_ret_and_its_binding_advice(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    events = platform.topic("triage", "events")
    case_id = uuid4()
    escalation = triage_report("ret-escalation-reported", case_id)
    advice = triage_report(
        "ret-advice-reported",
        case_id,
        source=RET_SECRETARY,
        care_form="3-milieuvoorziening",
        non_contracted_care=True,
        maatwerkbudget_granted=False,
    )
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_toegang_events(platform, toegang_decided(platform, case_id))
        # toegang's topic and triage's inbound are not ordered with each other; the triage
        # table only hears of a case once triage opened it
        await read_until(kafka, events, at_least(1))
        # the triage table escalates and the RET advises, each on its own topic: in turn
        outcomes = [events, *rejected_topics(platform.prefix, "triage")]
        inbound = platform.topic("triage", "inbound")
        await publish_in_turn(kafka, inbound, [escalation, advice], outcomes)
        records = await read_until(kafka, events, at_least(3))

    assert short_types(records) == [
        "case-opened-for-triage",
        "escalated-to-ret",
        "ret-advice-given",
    ]
    _, escalated, advised = cloudevents(records)
    assert escalated["causationid"] == escalation.id
    assert advised["causationid"] == advice.id
    assert advised["data"] == {
        "case_id": str(case_id),
        "youth_pseudonym": PSEUDONYM,
        "gemeente_code": "GM0153",
        "kader": "vrijwillig",
        "care_form": "3-milieuvoorziening",
        "non_contracted_care": True,
        "maatwerkbudget_granted": False,
        "binding": True,
        "occurred_at": advice.data["occurred_at"].replace("+00:00", "Z"),
    }
    assert await read_all(kafka, rejected_topics(platform.prefix, "triage")) == []


async def test_a_case_toegang_forwards_reaches_triage_through_kafka(
    platform: IsolatedPlatform, triage_store: Triage
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    settings = platform.settings()
    forwarded, helped_locally = uuid4(), uuid4()
    at_toegang = [
        referral(forwarded, bsn="999990019", occurred_at=datetime.now(UTC) - timedelta(days=3)),
        follow_up("decision-reported", forwarded, decision="gezamenlijke-triage"),
        referral(helped_locally, occurred_at=datetime.now(UTC) - timedelta(days=3)),
        follow_up("decision-reported", helped_locally, decision="lokale-basishulp"),
    ]
    decision = triage_decision(forwarded)
    async with (
        running_in_process(toegang.main.WIRING, toegang.main.build_application, settings),
        running_in_process(WIRING, build_application, settings),
    ):
        await publish(
            kafka, platform.topic("toegang", "inbound"), [as_kafka(m) for m in at_toegang]
        )
        toegang_events = await read_until(kafka, platform.topic("toegang", "events"), at_least(4))
        # triage applied both of toegang's decisions (a receipt each), one of them opened a case
        await wait_until(
            lambda: stored_types(triage_store).count("Recorded") == 2, "both decisions applied"
        )
        await publish_reports(platform, decision)
        records = await read_until(kafka, platform.topic("triage", "events"), at_least(2))

    toegang_decided_ids = {
        event["caseid"]: event["id"]
        for event in cloudevents(toegang_events)
        if event["type"] == "nl.jeugdketen.toegang.toegang-decided"
    }
    opened, decided = cloudevents(records)
    assert opened["type"] == "nl.jeugdketen.triage.case-opened-for-triage"
    assert opened["causationid"] == toegang_decided_ids[str(forwarded)]
    expected_pseudonym = youth_pseudonym(platform.settings(), "999990019")
    assert opened["data"]["youth_pseudonym"] == expected_pseudonym
    assert decided["type"] == "nl.jeugdketen.triage.triage-decided"
    assert decided["causationid"] == decision.id
    assert decided["data"]["youth_pseudonym"] == expected_pseudonym
    assert stored_types(triage_store).count("CaseOpenedForTriage") == 1


async def test_the_youths_gemeente_or_a_provider_escalates_to_the_ret_another_gemeente_not(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    events = platform.topic("triage", "events")
    by_gemeente, by_provider = uuid4(), uuid4()  # both of Enschede
    from_hengelo = triage_report("ret-escalation-reported", by_provider, source=HENGELO)
    escalations = [
        triage_report("ret-escalation-reported", by_gemeente, source=LOKAAL_TEAM_ENSCHEDE),
        from_hengelo,
        triage_report("ret-escalation-reported", by_provider, source=PROVIDER),
    ]
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_toegang_events(
            platform, toegang_decided(platform, by_gemeente), toegang_decided(platform, by_provider)
        )
        await read_until(kafka, events, at_least(2))
        outcomes = [events, *rejected_topics(platform.prefix, "triage")]
        inbound = platform.topic("triage", "inbound")
        await publish_in_turn(kafka, inbound, escalations, outcomes)
        records = await read_until(kafka, events, at_least(4))

    escalated = {
        event["data"]["case_id"]: event["data"]["escalated_by"]
        for event in cloudevents(records)
        if event["type"].endswith("escalated-to-ret")
    }
    assert escalated == {str(by_gemeente): "gemeente", str(by_provider): "aanbieder"}
    [rejection] = cloudevents(await read_all(kafka, rejected_topics(platform.prefix, "triage")))
    assert rejection["data"]["reason"] == "not-own-resident"
    assert rejection["causationid"] == from_hengelo.id
