"""Records aiokafka cannot read, written as any producer can (kcat), on a partner's topic of the
real broker: each is refused onto the partner's rejected topic, and the partition goes on.

A header name that is not UTF-8 once halted toegang's ingress for the topic's whole retention:
aiokafka raised on every fetch of the partition and FastStream restarted its consume task in a
tight loop, logging each time (jeugdketen_shared.kafka_records).
"""

import asyncio
import json
import logging
import subprocess

import pytest

import toegang.main
from jeugdketen_shared import kafka_records
from tests.conftest import IsolatedPlatform
from tests.integration.test_kafka_acls import kafka_security
from tests.integration.test_ketenmonitor import chain, wait_projected
from tests.integration.test_ketenmonitor_reference import publish
from tests.support.kafka import cloudevents, read_until, rejected_topics
from tests.support.partners import ENSCHEDE, as_kafka, referral
from tests.support.services import ServiceProcess, running_in_process

pytestmark = pytest.mark.integration

NOT_UTF8 = b"\xff\xfe"


def kcat(platform: IsolatedPlatform, topic: str, value: bytes, *options: bytes | str) -> None:
    """One record, with the header names' bytes exactly as given (aiokafka's producer encodes
    every name as UTF-8, so it cannot write these). kcat logs in as the broker on the broker's
    own listener, with SASL/PLAIN: this machine's librdkafka (2.0) has no SCRAM login that
    Kafka 4 takes (docs/onboarding.md), and the broker may write any topic."""
    sasl = platform.infrastructure.kafka_sasl
    if sasl is None or "BROKER://" not in sasl.listeners:
        pytest.skip("the broker has no listener of its own to log in to as the broker")
    listener = next(
        address.removeprefix("BROKER://")
        for address in sasl.listeners.split(",")
        if address.startswith("BROKER://")
    )
    password = kafka_security.load_credentials(sasl.credentials)["broker"]
    subprocess.run(
        [
            "kcat",
            "-P",
            "-b",
            listener,
            "-X",
            "security.protocol=SASL_PLAINTEXT",
            "-X",
            "sasl.mechanisms=PLAIN",
            "-X",
            "sasl.username=broker",
            "-X",
            f"sasl.password={password}",
            "-t",
            topic,
            "-p",
            "0",
            *options,
        ],
        input=value + b"\n",
        check=True,
        timeout=30,
    )


@pytest.mark.timeout(90)
async def test_records_with_malformed_headers_are_refused_and_the_partition_goes_on(
    platform: IsolatedPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    topic = platform.topic("toegang", f"inbound.{ENSCHEDE}")
    poisoned = [referral() for _ in range(3)]
    after = referral()
    for event, options in zip(
        poisoned,
        [
            (b"-H", NOT_UTF8 + b"=x"),
            # a compressed batch is read again after decompressing it
            (b"-z", b"gzip", b"-H", b"trace" + NOT_UTF8 + b"=x"),
            # binary mode with its id twice: which one would the receipt hold?
            (b"-H", b"ce_id=one", b"-H", b"CE_ID=two"),
        ],
        strict=True,
    ):
        key, value = as_kafka(event)
        kcat(platform, topic, value, b"-k", key or b"", *options)
    key, value = as_kafka(after)
    kcat(platform, topic, value, b"-k", key or b"")

    with caplog.at_level(logging.INFO):
        async with running_in_process(
            toegang.main.WIRING, toegang.main.build_application, platform.settings()
        ):
            received = await read_until(
                kafka, platform.topic("toegang", "events"), lambda seen: len(seen) >= 1
            )
            rejected = await read_until(
                kafka, rejected_topics(platform.prefix, "toegang"), lambda seen: len(seen) >= 3
            )

    assert [event["causationid"] for event in cloudevents(received)] == [str(after.id)]
    reasons = sorted(
        (json.loads(record.value)["data"] for record in rejected),
        key=lambda rejection: rejection["original"]["offset"],
    )
    assert [r["reason"] for r in reasons] == ["invalid-header"] * 3
    assert [r["original"]["offset"] for r in reasons] == [0, 1, 2]
    # the partner can tell which of its messages was refused
    assert [r["original"]["id"] for r in reasons] == [
        str(poisoned[0].id),
        str(poisoned[1].id),
        "two",
    ]
    assert [r["original"]["topic"] for r in reasons] == [topic] * 3
    assert not [r for r in caplog.records if "raised an exception" in r.getMessage()]


async def test_a_consumer_reads_past_an_unreadable_header_name_without_the_ingress(
    platform: IsolatedPlatform,
) -> None:
    """The records before and after it on the partition, in one fetch, all come."""
    kafka_records.install()
    topic = platform.topic("toegang", f"inbound.{ENSCHEDE}")
    for value, options in [(b"before", ()), (b"poison", (b"-H", NOT_UTF8 + b"=x")), (b"after", ())]:
        kcat(platform, topic, value, b"-k", b"k", *options)

    records = await asyncio.wait_for(
        read_until(
            platform.infrastructure.kafka_bootstrap_servers, topic, lambda seen: len(seen) >= 3
        ),
        timeout=30,
    )

    assert [r.value for r in records] == [b"before", b"poison", b"after"]
    assert records[1].headers == (("\udcff\udcfe", b"x"),)


async def test_the_projection_reads_past_a_header_name_that_is_not_utf8(
    platform: IsolatedPlatform,
) -> None:
    """In a process of its own, so that nothing else in it installed the reader."""
    events = chain(platform, cases=20, seed=3)
    service, poisoned = events[0]
    key, value = as_kafka(poisoned)
    topic = platform.topic(service, "events")
    kcat(platform, topic, value, b"-k", key or b"", b"-H", NOT_UTF8 + b"=x")
    await publish(platform, events)
    published = 1 + len(events)
    projection = ServiceProcess(
        "ketenmonitor", "projection", platform.environment(), f"{platform.prefix}-ketenmonitor"
    )
    projection.start()
    try:
        await wait_projected(platform, published)
    finally:
        projection.stop()
