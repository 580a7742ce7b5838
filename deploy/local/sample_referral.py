"""Publish one sample referral as a huisarts practice would, and print what toegang made of it.

Run by `./run demo`; needs a running toegang, and the Kafka settings of deploy/local/up's
(.local/env): it logs in as the admin, which reads toegang's events too.
"""

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.settings import kafka_client_options

HUISARTSENPRAKTIJK = "urn:nld:kvk:12345678:systeem:his"
TOPIC = "jeugdketen.toegang.inbound.huisartsenpraktijk-de-linde"
WAIT_SECONDS = 60


async def main() -> None:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    case_id = uuid4()
    referral = CloudEvent(
        id=str(uuid4()),
        source=HUISARTSENPRAKTIJK,
        type="nl.jeugdketen.toegang.referral-submitted",
        time=datetime.now(UTC),
        caseid=case_id,
        data={
            "case_id": str(case_id),
            "bsn": "999990019",  # a test BSN: passes the elfproef, belongs to nobody
            "gemeente_code": "GM0153",
            "verwijzer": "huisarts",
            "kader": "vrijwillig",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        },
    )
    consumer = AIOKafkaConsumer(
        "jeugdketen.toegang.events",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        **kafka_client_options(),
    )
    await consumer.start()
    try:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", **kafka_client_options()
        )
        await producer.start()
        record = encode(referral)
        # who publishes: the practice as registered in deploy/partners.toml, on its own topic
        await producer.send_and_wait(
            TOPIC, record.value, key=record.key, headers=list(record.headers)
        )
        await producer.stop()
        print(f"published on {TOPIC}:")
        print(json.dumps(json.loads(record.value), indent=2))
        async with asyncio.timeout(WAIT_SECONDS):
            async for message in consumer:
                event = json.loads(message.value)
                if event.get("causationid") == referral.id:
                    print("toegang published on jeugdketen.toegang.events:")
                    print(json.dumps(event, indent=2))
                    return
    finally:
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(main())
