"""Hundreds of generated hostile partner messages, interleaved with valid ones, through toegang,
triage and plaatsing over the real Kafka broker and PostgreSQL server: every hostile one lands
on its service's rejected topic with a reason, every valid one is recorded once, nothing of a
hostile one is stored, and no partition is blocked by what it could not accept."""

import dataclasses
import json
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from hypothesis import HealthCheck, Phase, given, settings

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.cloudevents import CloudEvent, KafkaRecord, decode, encode
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.receipts import MessageReceipt
from jeugdketen_shared.settings import kafka_client_options
from tests.conftest import IsolatedPlatform
from tests.fuzz.hostile import AANBIEDER, PROVIDER, SERVICES, TRIAGETAFEL, Sent, hostile, valid
from tests.support.kafka import Records, cloudevents, read_all, read_until, rejected_topics
from tests.support.partners import ENSCHEDE, follow_up, partner_event, partner_of, referral
from tests.support.services import running_in_process

pytestmark = pytest.mark.integration

HOSTILE_DRAWS = 1400  # about 300 left once groups that share an id or a case are dropped
VALID_DRAWS = 200
TRIAGE_CASES = 20
MODULES = {"toegang": toegang.main, "triage": triage.main, "plaatsing": plaatsing.main}


def generated(now: datetime) -> tuple[list[list[Sent]], list[Sent]]:
    """Hostile groups (a message, or a valid one and its twin) and valid messages, the same on
    every run: drawn by hypothesis from the fuzz tests' strategies with a fixed seed."""
    hostile_groups: list[list[Sent]] = []
    valid_messages: list[Sent] = []
    drawing = settings(
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )

    @settings(drawing, max_examples=HOSTILE_DRAWS)
    @given(hostile(now))
    def draw_hostile(group: list[Sent]) -> None:
        hostile_groups.append(group)

    @settings(drawing, max_examples=VALID_DRAWS)
    @given(valid(now))
    def draw_valid(sent: Sent) -> None:
        valid_messages.append(sent)

    draw_hostile()
    draw_valid()
    groups = distinct([*hostile_groups, *([m] for m in valid_messages)])
    return [g for g in groups if g[-1].hostile], [g[0] for g in groups if not g[-1].hostile]


def distinct(groups: list[list[Sent]]) -> list[list[Sent]]:
    """Groups that share no id and no case with an earlier group: a seeded run draws the same
    simplest values (the zero UUID) more than once, and two messages of one case or with one
    id would be about each other, not hostile or valid on their own."""
    seen: set[object] = set()
    kept = []
    for group in groups:
        # a provider's capacity reports must come in order; hostile ones are refused in any
        names = {s.id for s in group} | {
            s.key for s in group if not s.hostile or s.key != PROVIDER.encode()
        }
        if not names & seen:
            kept.append(group)
            seen |= names
    return kept


@asynccontextmanager
async def the_chain(platform: IsolatedPlatform) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for module in MODULES.values():
            await stack.enter_async_context(
                running_in_process(module.WIRING, module.build_application, platform.settings())
            )
        yield


def as_sent(service: str, event: CloudEvent, key: str | None = None) -> Sent:
    record = encode(event, key)  # keyed by `key`, else by the case
    return Sent(service, record.key, record.value, (), "valid", event.id, partner_of(record.value))


SENDERS = {
    "toegang": ENSCHEDE,
    "triage": "triagetafel-twente",
    "plaatsing": "aanbieder-de-boerderij",
}


class Publisher:
    """Publishes partner messages and remembers where each one landed."""

    def __init__(self, platform: IsolatedPlatform, producer: AIOKafkaProducer) -> None:
        self._platform = platform
        self._producer = producer
        self.landed: dict[tuple[str, int, int], Sent] = {}

    async def publish(self, messages: list[Sent]) -> None:
        for sent in messages:
            # a message no partner's source names is written by a partner of the service
            sender = sent.partner or SENDERS[sent.service]
            topic = self._platform.topic(sent.service, f"inbound.{sender}")
            metadata = await self._producer.send_and_wait(
                topic, value=sent.value, key=sent.key, headers=list(sent.headers)
            )
            self.landed[topic, metadata.partition, metadata.offset] = sent


def caused(records: Records) -> Counter[str]:
    return Counter(event.get("causationid") for event in cloudevents(records))


def stored(module: Any, platform: IsolatedPlatform) -> list[Any]:
    application: ChainApplication = module.build_application(platform.settings())
    try:
        return [
            application.mapper.to_domain_event(notification)
            for notification in application.recorder.select_notifications(None, 100_000)
        ]
    finally:
        application.close()


@pytest.mark.timeout(120)
async def test_hostile_messages_are_refused_and_valid_ones_recorded_once(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    hostile_groups, valid_messages = generated(datetime.now(UTC))
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka, acks="all", enable_idempotence=True, **kafka_client_options()
    )
    await producer.start()
    publisher = Publisher(platform, producer)
    try:
        async with the_chain(platform):
            # cases forwarded to triage, so that the triage table has valid decisions to send
            forwarded = [referral() for _ in range(TRIAGE_CASES + 1)]
            await publisher.publish(
                [
                    as_sent("toegang", event)
                    for case in forwarded
                    for event in (
                        case,
                        follow_up("verklarende-analyse-reported", case.data["case_id"]),
                        follow_up(
                            "decision-reported",
                            case.data["case_id"],
                            decision="gezamenlijke-triage",
                        ),
                    )
                ]
            )
            await read_until(
                kafka,
                platform.topic("triage", "events"),
                lambda seen: len(seen) >= len(forwarded),
            )
            decisions = [triage_decision(case.data["case_id"]) for case in forwarded]
            *decided, sentinel_decision = decisions

            groups = [
                *hostile_groups,
                *([m] for m in valid_messages + decided),
                *([near_the_brokers_limit(service)] for service in SERVICES),
            ]
            random.Random(7).shuffle(groups)
            await publisher.publish([sent for group in groups for sent in group])
            # a valid message behind all of them, per service: nothing blocks a partition
            sentinels = [
                with_null_header(as_sent("toegang", referral())),
                with_null_header(sentinel_decision),
                with_null_header(as_sent("plaatsing", capacity_report(), key=PROVIDER)),
            ]
            await publisher.publish(sentinels)

            sent = list(publisher.landed.values())
            for service in SERVICES:
                valid_ids = {s.id for s in sent if s.service == service and not s.hostile}
                hostile_count = sum(s.hostile for s in sent if s.service == service)
                rejected = await read_until(
                    kafka,
                    rejected_topics(platform.prefix, service),
                    lambda seen, n=hostile_count: len(seen) >= n,
                )
                assert_every_hostile_one_rejected(publisher, service, rejected)
                events = await read_until(
                    kafka,
                    platform.topic(service, "events"),
                    lambda seen, ids=valid_ids: ids <= caused(seen).keys(),
                )
                # one message may cause several events (a request that also opens the route),
                # but never one event twice
                kinds = Counter((e["causationid"], e["type"]) for e in cloudevents(events))
                twice = [kind for kind, count in kinds.items() if count > 1]
                assert not twice, f"{service}: events recorded twice: {twice}"
    finally:
        await producer.stop()

    for service in SERVICES:
        # read after the services stopped: what they stored, and all they rejected
        rejected = await read_all(kafka, rejected_topics(platform.prefix, service))
        assert_every_hostile_one_rejected(publisher, service, rejected)
        ours = [s for s in publisher.landed.values() if s.service == service]
        module = MODULES[service]
        assert_nothing_stored_of_hostile_ones(stored(module, platform), ours, module.WIRING.inbound)
    kinds = Counter(s.kind for s in publisher.landed.values())
    print(f"sent per kind: {dict(sorted(kinds.items()))}")


def with_null_header(sent: Sent) -> Sent:
    """Kafka allows a header without a value (a Java client's null): it once made the ingress's
    parsing of the whole poll raise, and the poll was delivered again for ever."""
    return dataclasses.replace(sent, headers=(*sent.headers, ("x-leeg", None)))


def near_the_brokers_limit(service: str) -> Sent:
    """A message the broker takes (it allows 1 MiB) but whose whole copy in base64 would not
    fit in a rejection: a rejection that cannot be published would block its partition."""
    value = b'{"data": "' + b"x" * 900_000 + b'"}'
    return Sent(service, b"k", value, (), "oversized")


def triage_decision(case_id: str) -> Sent:
    data = {
        "case_id": case_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "recommended_care_form": "gezinshuis",
        "urgency": "spoed",
        "responsible_providers": ["34567890", "45678901"],
    }
    event = partner_event("nl.jeugdketen.triage.decision-reported", data, source=TRIAGETAFEL.source)
    return as_sent("triage", event)


def capacity_report() -> CloudEvent:
    data = {
        "provider": PROVIDER,
        "care_form": "gezinshuis",
        "places": 4,
        "occupied": 4,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return CloudEvent(
        id=str(uuid4()),
        source=AANBIEDER.source,
        type="nl.jeugdketen.plaatsing.capacity-reported",
        time=datetime.now(UTC),
        data=data,
    )


def assert_every_hostile_one_rejected(
    publisher: Publisher, service: str, rejected: Records
) -> None:
    by_place: dict[tuple[str, int, int], dict[str, Any]] = {}
    for record in rejected:
        data = json.loads(record.value)["data"]
        original = data["original"]
        by_place[original["topic"], original["partition"], original["offset"]] = data
    hostile_places = {
        place for place, s in publisher.landed.items() if s.service == service and s.hostile
    }
    wrongly_rejected = {
        publisher.landed[place].kind: by_place[place]["reason"]
        for place in by_place.keys() - hostile_places
    }
    assert not wrongly_rejected, f"{service}: valid messages rejected: {wrongly_rejected}"
    not_rejected = [publisher.landed[place].kind for place in hostile_places - by_place.keys()]
    assert not not_rejected, f"{service}: hostile messages not rejected: {not_rejected}"
    assert all(data["reason"] for data in by_place.values())


def assert_nothing_stored_of_hostile_ones(
    events: list[Any], sent: list[Sent], contracts: Contracts
) -> None:
    valid_ids = {s.id for s in sent if not s.hostile}
    receipts = [
        e
        for e in events
        # upstream services' events leave receipts too; those of partner messages are checked
        if isinstance(e, MessageReceipt.Recorded) and ":systeem:jeugdketen-" not in e.source
    ]
    # every accepted message leaves its receipt in the transaction of its events
    assert {r.message_id for r in receipts} == valid_ids
    assert len(receipts) == len(valid_ids)
    twins = {s.id: s for s in sent if s.kind == "duplicate-id-with-other-content"}
    originals = {s.id: s for s in sent if not s.hostile and s.id in twins}
    for receipt in receipts:
        if receipt.message_id in originals:
            assert receipt.content_digest == digest_of(originals[receipt.message_id], contracts)
    # no event of a refused message: each was caused by a valid message or an upstream event
    hostile_only = {s.id for s in sent if s.hostile and s.id is not None} - valid_ids
    assert not {getattr(e, "causation_id", None) for e in events} & hostile_only


def digest_of(sent: Sent, contracts: Contracts) -> str:
    envelope = decode(KafkaRecord(sent.key, sent.value, sent.headers))
    return contracts.validate(envelope, now=None).content_digest
