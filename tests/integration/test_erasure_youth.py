"""Erasure by crypto-shredding over the real Kafka broker and PostgreSQL server: a youth's key
reaches the keys topic; plaatsing publishes and stores the month of the 18th birthday sealed,
never in clear; `python -m toegang erase-youth` destroys the key, after which the keys topic's
latest record for the youth is a tombstone, the vault holds nothing of the youth, the birthday
schedule neither, and the sealed month cannot be read with any key the platform holds, the keys
topic compacted included. The same BSN arriving again is a new youth."""

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

import plaatsing.main
import toegang.main
from jeugdketen_shared.kafka import partitions_of
from jeugdketen_shared.key_vault import TABLE, TOMBSTONES_TABLE
from jeugdketen_shared.settings import kafka_client_options, kafka_client_security
from jeugdketen_shared.youth_keys import (
    SEALED_PATTERN,
    UnreadableSealedValue,
    YouthKey,
    keys_topic,
)
from plaatsing.birthdays import TABLE as BIRTHDAYS_TABLE
from plaatsing.domain.youth import EighteenthBirthday
from tests.conftest import IsolatedPlatform
from tests.integration.test_erasure_vault import rows_naming
from tests.integration.test_turning_eighteen import place, scheduled_rows, stored_states
from tests.support.kafka import Records, cloudevents, publish, read_until, short_types
from tests.support.partners import as_kafka, referral
from tests.support.services import running_in_process
from tests.support.waiting import wait_until
from tests.support.youth_keys import key_vault

pytestmark = pytest.mark.integration

BSN = "999990019"
EVERY_TABLE_OF_A_YOUTH = (TABLE, TOMBSTONES_TABLE, BIRTHDAYS_TABLE)


def latest_by_key(records: Records) -> dict[bytes, bytes | None]:
    """The keys topic as a reader that keeps the latest record per youth sees it."""
    latest: dict[bytes, bytes | None] = {}
    for record in records:
        assert record.key is not None
        latest[record.key] = record.value
    return latest


def has_youth(pseudonym: str, *, erased: bool) -> Callable[[Records], bool]:
    def done(records: Records) -> bool:
        latest = latest_by_key(records)
        if pseudonym.encode() not in latest:
            return False
        return (latest[pseudonym.encode()] is None) == erased

    return done


def erased_key_lies_on(records: Records, pseudonym: str) -> bool:
    return any(r.key == pseudonym.encode() and r.value is not None for r in records)


@pytest.fixture
async def toegang_and_plaatsing(platform: IsolatedPlatform) -> AsyncIterator[None]:
    settings = platform.settings()
    async with (
        running_in_process(toegang.main.WIRING, toegang.main.build_application, settings),
        running_in_process(plaatsing.main.WIRING, plaatsing.main.build_application, settings),
    ):
        yield


async def erase_youth(platform: IsolatedPlatform, bsns: list[str]) -> str:
    """Run the command as an operator would, the BSNs on standard input; returns its output."""
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "toegang",
        toegang.main.ERASE_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ | platform.environment(),
    )
    out, err = await command.communicate("".join(f"{bsn}\n" for bsn in bsns).encode())
    assert command.returncode == 0, err.decode()
    for bsn in bsns:
        assert bsn.encode() not in out + err
    return out.decode()


async def all_of(platform: IsolatedPlatform, topic: str) -> Records:
    """Every record the topic holds now, read to each partition's end (a compacted topic has
    gaps in its offsets, so the records are not counted)."""
    kafka = platform.infrastructure.kafka_bootstrap_servers
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka, enable_auto_commit=False, group_id=None, **kafka_client_options()
    )
    await consumer.start()
    records: Records = []
    try:
        partitions = await partitions_of(kafka, [topic], kafka_client_security())
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        for partition, end in ends.items():
            while await consumer.position(partition) < end:
                for batch in (await consumer.getmany(partition, timeout_ms=200)).values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def compaction_made_quick(platform: IsolatedPlatform) -> None:
    """Have the broker compact the test's keys topic now rather than within the day: a segment
    rolls with the next record after 100 ms, and any dirt is worth cleaning."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=platform.infrastructure.kafka_bootstrap_servers, **kafka_client_options()
    )
    await admin.start()
    try:
        quick = {
            "cleanup.policy": "compact",
            "segment.ms": "100",
            "min.cleanable.dirty.ratio": "0.001",
        }
        topic = keys_topic(platform.prefix)
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=quick)])
    finally:
        await admin.close()


async def wait_until_compacted_away(platform: IsolatedPlatform, pseudonym: str) -> Records:
    """Until the keys topic holds no key of the youth; returns what it holds then. The segment
    with the key and its tombstone must roll first (the cleaner leaves the active one alone):
    a record on its partition rolls it, a tombstone of a pseudonym no youth has, which changes
    nothing. The cleaner looks every 15 s (the broker's default)."""
    kafka, topic = platform.infrastructure.kafka_bootstrap_servers, keys_topic(platform.prefix)
    partition = next(
        r.partition for r in await all_of(platform, topic) if r.key == pseudonym.encode()
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka, enable_idempotence=True, acks="all", **kafka_client_options()
    )
    await producer.start()
    try:
        async with asyncio.timeout(90):
            while erased_key_lies_on(held := await all_of(platform, topic), pseudonym):
                # a new config reaches the log a moment after the call: roll until it has
                await producer.send_and_wait(topic, key=b"0" * 64, value=None, partition=partition)
                await asyncio.sleep(1)
    finally:
        await producer.stop()
    return held


async def test_an_erased_youths_sealed_month_can_no_longer_be_read_with_anything_the_platform_holds(
    platform: IsolatedPlatform, toegang_and_plaatsing: None
) -> None:
    kafka, settings = platform.infrastructure.kafka_bootstrap_servers, platform.settings()
    keys = keys_topic(platform.prefix)

    # toegang makes the youth's key and publishes it
    await publish(kafka, platform.topic("toegang", "inbound"), [as_kafka(referral(bsn=BSN))])
    [received] = cloudevents(await read_until(kafka, platform.topic("toegang", "events"), bool))
    pseudonym = received["data"]["youth_pseudonym"]
    on_topic = await read_until(kafka, keys, has_youth(pseudonym, erased=False))
    value = latest_by_key(on_topic)[pseudonym.encode()]
    assert value is not None
    key = YouthKey.from_record_value(value)
    assert key.pseudonym == pseudonym

    # plaatsing seals the month of the 18th birthday: in clear in no event, stored or published
    in_half_a_year = (datetime.now(UTC) + timedelta(days=180)).date()
    born = in_half_a_year.replace(year=in_half_a_year.year - 18)
    month = EighteenthBirthday.of(born).month
    case_id = uuid4()
    await place(platform, case_id, pseudonym, born)
    events_topic = platform.topic("plaatsing", "events")
    published = await read_until(
        kafka, events_topic, lambda seen: "continuity-plan-recorded" in short_types(seen)
    )
    [started] = [e for e in cloudevents(published) if e["type"].endswith("placement-started")]
    sealed = started["data"]["turns_eighteen_in"]
    assert sealed is not None
    assert re.match(SEALED_PATTERN, sealed)
    assert key.unseal(sealed) == month
    assert not any(month.encode() in record.value for record in published)
    assert not any(month.encode() in state for state in stored_states(settings))
    assert scheduled_rows(platform) == 1

    assert await erase_youth(platform, [BSN, "999990020"]) == "1: erased\n2: no such youth\n"

    await read_until(kafka, keys, has_youth(pseudonym, erased=True))
    await wait_until(
        lambda: sum(rows_naming(platform, pseudonym, EVERY_TABLE_OF_A_YOUTH).values()) == 0,
        "the vault and the schedule hold nothing of the youth, the tombstone acknowledged",
    )
    with key_vault(settings) as vault:
        assert vault.key_for_pseudonym(pseudonym) is None

    # the keys topic, once compacted, holds no key of the youth: none the platform holds opens
    # the sealed month (the erased key lay on one partition, before its tombstone)
    await compaction_made_quick(platform)
    for value in latest_by_key(await wait_until_compacted_away(platform, pseudonym)).values():
        if value is not None:
            with pytest.raises(UnreadableSealedValue):
                YouthKey.from_record_value(value).unseal(sealed)

    # the same BSN again: a new youth to the platform, under a new pseudonym
    await publish(kafka, platform.topic("toegang", "inbound"), [as_kafka(referral(bsn=BSN))])
    again = await read_until(kafka, platform.topic("toegang", "events"), lambda seen: len(seen) > 1)
    # the two referrals' cases may lie on two partitions, read in either order
    [new] = [e for e in cloudevents(again) if e["id"] != received["id"]]
    assert new["data"]["youth_pseudonym"] != pseudonym
