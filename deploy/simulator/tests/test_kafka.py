"""The simulator's view of the platform outlives a broker restart, and says why it stopped
when it cannot go on."""

import asyncio

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError
from aiokafka.structs import OffsetAndMetadata

from simulator.kafka import KafkaPlatformRecord, RecordStopped


class RestartingBrokerAdmin:
    """Refuses the first request, as a broker that is just starting again does."""

    def __init__(self) -> None:
        self.asked = 0

    async def list_consumer_group_offsets(
        self, group: str
    ) -> dict[TopicPartition, OffsetAndMetadata]:
        self.asked += 1
        if self.asked == 1:
            raise KafkaConnectionError("Connection at 127.0.0.1:9092 closed")
        return {TopicPartition("p.toegang.events", 0): OffsetAndMetadata(7, "")}


async def test_following_the_groups_goes_on_after_the_broker_refused_a_request() -> None:
    admin = RestartingBrokerAdmin()
    record = KafkaPlatformRecord(consumer=None, admin=admin, prefix="p")
    following = asyncio.create_task(record.follow_groups([("toegang", "triage")]))
    try:
        assert await record.news(within_seconds=5)
    finally:
        following.cancel()
    assert admin.asked >= 2


class UnreadableEvents:
    async def getmany(self, timeout_ms: int) -> dict[TopicPartition, list[object]]:
        raise ValueError("not a CloudEvent")


async def test_a_reader_that_stops_is_reported_at_once_not_after_the_patience() -> None:
    record = KafkaPlatformRecord(
        consumer=UnreadableEvents(), admin=RestartingBrokerAdmin(), prefix="p"
    )
    record.start([("toegang", "triage")])
    try:
        async with asyncio.timeout(5):  # the patience is minutes
            with pytest.raises(RecordStopped, match="reading the platform's events") as stopped:
                await record.news(within_seconds=600)
    finally:
        record.stop()
    assert isinstance(stopped.value.__cause__, ValueError)
