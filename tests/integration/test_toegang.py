"""toegang end to end over the real Kafka broker and PostgreSQL server."""

import base64
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.cloudevents import KafkaRecord, decode
from tests.conftest import IsolatedPlatform
from tests.support.kafka import (
    at_least,
    cloudevents,
    publish,
    read_all,
    read_until,
    rejected_topics,
)
from tests.support.partners import ENSCHEDE, as_kafka, follow_up, referral
from tests.support.services import running_in_process
from tests.support.youth_keys import youth_pseudonym
from toegang.main import WIRING, build_application

pytestmark = pytest.mark.integration


async def test_a_referral_becomes_a_referral_received_event(platform: IsolatedPlatform) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    submitted = referral(bsn="999990019")
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish(kafka, platform.topic("toegang", "inbound"), [as_kafka(submitted)])
        records = await read_until(kafka, platform.topic("toegang", "events"), at_least(1))

    [record] = records
    event = decode(KafkaRecord(record.key, record.value, tuple(record.headers)))
    assert event.type == "nl.jeugdketen.toegang.referral-received"
    assert event.source == "urn:nld:oin:00000000000000000000:systeem:jeugdketen-toegang"
    assert event.causationid == submitted.id
    assert str(event.caseid) == submitted.data["case_id"]
    assert record.key == submitted.data["case_id"].encode()
    assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
    expected_pseudonym = youth_pseudonym(platform.settings(), "999990019")
    assert event.data == {
        "case_id": submitted.data["case_id"],
        "occurred_at": submitted.data["occurred_at"].replace("+00:00", "Z"),
        "youth_pseudonym": expected_pseudonym,
        "gemeente_code": "GM0153",
        "verwijzer": "huisarts",
        "kader": "vrijwillig",
    }
    assert b"999990019" not in record.value


async def test_a_case_moves_through_toegang_in_order(platform: IsolatedPlatform) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    messages = [
        referral(case_id, occurred_at=datetime.now(UTC) - timedelta(days=3)),
        follow_up("verklarende-analyse-reported", case_id),
        follow_up("decision-reported", case_id, decision="gezamenlijke-triage"),
    ]
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish(kafka, platform.topic("toegang", "inbound"), [as_kafka(m) for m in messages])
        records = await read_until(kafka, platform.topic("toegang", "events"), at_least(3))

    assert [event["type"].rsplit(".", 1)[1] for event in cloudevents(records)] == [
        "referral-received",
        "verklarende-analyse-completed",
        "toegang-decided",
    ]
    assert [event["causationid"] for event in cloudevents(records)] == [m.id for m in messages]


async def test_a_message_delivered_twice_is_recorded_once(platform: IsolatedPlatform) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    inbound = platform.topic("toegang", "inbound")
    submitted = referral()
    sentinel = referral()
    async with running_in_process(WIRING, build_application, platform.settings()):
        # twice in one poll, and once more after it was recorded
        await publish(kafka, inbound, [as_kafka(submitted), as_kafka(submitted)])
        await read_until(kafka, platform.topic("toegang", "events"), at_least(1))
        await publish(kafka, inbound, [as_kafka(submitted), as_kafka(sentinel)])
        records = await read_until(kafka, platform.topic("toegang", "events"), at_least(2))

    assert sorted(event["causationid"] for event in cloudevents(records)) == sorted(
        [submitted.id, sentinel.id]
    )
    assert await read_all(kafka, rejected_topics(platform.prefix, "toegang")) == []
    application = build_application(platform.settings())
    try:
        assert len(application.recorder.select_notifications(None, 100)) == 4  # 2 cases, 2 receipts
    finally:
        application.close()


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("bad json", b'{"specversion": "1.0", "id": ', "malformed-json"),
        ("not utf-8", b"\xff\xfe referral", "malformed-json"),
        ("missing field", None, "missing-field"),
        ("unknown gemeente", None, "unknown-gemeente"),
        ("occurred in the future", None, "occurred-in-future"),
        ("invalid bsn", None, "invalid-bsn"),
        ("not a twente source urn", None, "invalid-cloudevent"),
        ("keyed by something else", None, "wrong-key"),
        ("another gemeente's resident", None, "not-own-resident"),
    ],
)
async def test_a_bad_message_is_rejected_with_its_reason_and_changes_nothing(
    platform: IsolatedPlatform, name: str, value: bytes | None, reason: str
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    key = str(case_id).encode()
    if value is None:
        value = _broken_referral(name, case_id)
    if name == "keyed by something else":
        key = b"huisartsenpraktijk-de-linde"
    sentinel = referral(case_id)
    topics = platform.settings().topics("toegang")
    async with running_in_process(WIRING, build_application, platform.settings()):
        # one case, one partition: once the sentinel is out, the bad message was read (and a
        # wrongly keyed one is waited for on the rejected topic); the refusal goes back to
        # the partner that wrote it, on its own rejected topic
        await publish(kafka, topics.inbound, [(key, value), as_kafka(sentinel)], ENSCHEDE)
        events = await read_until(kafka, topics.events, at_least(1))
        [rejection] = await read_until(kafka, topics.rejected_of(ENSCHEDE), at_least(1))

    assert [event["causationid"] for event in cloudevents(events)] == [sentinel.id]
    rejected = json.loads(rejection.value)
    assert rejected["type"] == "nl.jeugdketen.message-rejected"
    assert rejected["data"]["reason"] == reason
    original = base64.b64decode(rejected["data"]["original"]["value_base64"])
    assert original == value.replace(b"999990019", b"*********")
    assert b"999990019" not in rejection.value
    assert rejected["data"]["original"]["topic"] == topics.inbound_of(ENSCHEDE)
    application = build_application(platform.settings())
    try:
        stored = application.recorder.select_notifications(None, 100)
        assert len(stored) == 2  # the sentinel's case and receipt, nothing of the bad message
    finally:
        application.close()


def _broken_referral(name: str, case_id) -> bytes:
    good = referral(case_id)
    data = dict(good.data)
    source = good.source
    if name == "missing field":
        del data["gemeente_code"]
    elif name == "unknown gemeente":
        data["gemeente_code"] = "GM0363"  # Amsterdam
    elif name == "occurred in the future":
        data["occurred_at"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    elif name == "invalid bsn":
        data["bsn"] = "123456789"
    elif name == "not a twente source urn":
        source = "https://example.org/lokaal-team"
    elif name == "another gemeente's resident":
        data["gemeente_code"] = "GM0164"  # Enschede's lokaal team refers a youth of Hengelo
    envelope = good.model_dump(mode="json", exclude_none=True) | {"data": data, "source": source}
    return json.dumps(envelope).encode()
