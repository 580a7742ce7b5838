"""The publisher holds a message back until the platform recorded what it depends on, keeps
each case's order, and lets everything else go on meanwhile."""

import asyncio
import dataclasses
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.cloudevents import KafkaRecord
from jeugdketen_shared.permissions import PartnerKind
from simulator.kafka import KafkaTransport
from simulator.partners import Twente
from simulator.plan import ACCEPTED, Dependency, PlannedMessage
from simulator.publisher import Pace, PlatformStalled, Publisher

START = datetime(2026, 1, 1, tzinfo=UTC)
DECIDED = "nl.jeugdketen.toegang.toegang-decided"


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[PlannedMessage, KafkaRecord]] = []

    async def send(self, message: PlannedMessage, record: KafkaRecord) -> None:
        self.sent.append((message, record))

    async def flush(self) -> None:
        pass


class FakePlatform:
    """Records a dependency as applied after the publisher asked for news `delay` times."""

    def __init__(self, delay: int | None) -> None:
        self._delay = delay
        self._asked = 0

    def has_applied(self, dependency: Dependency) -> bool:
        return self._delay is not None and self._asked >= self._delay

    def has_decided(self, message: PlannedMessage) -> bool:
        return self._delay is not None and self._asked >= self._delay

    async def news(self, within_seconds: float) -> bool:
        self._asked += 1
        return self._delay is not None


class ListJournal:
    def __init__(self) -> None:
        self.written: list[PlannedMessage] = []

    def write(self, message: PlannedMessage) -> None:
        self.written.append(message)


def message(case: UUID, minutes: int, after: Dependency | None = None) -> PlannedMessage:
    partner = Twente.load().gemeente("GM0153")
    return PlannedMessage(
        id=uuid4(),
        service="triage" if after else "toegang",
        type="nl.jeugdketen.test.happened",
        partner=partner,
        source=min(partner.sources),
        key=str(case),
        case_id=case,
        at=START + timedelta(minutes=minutes),
        data={"case_id": str(case), "occurred_at": START.isoformat()},
        intended=ACCEPTED,
        after=after,
    )


async def test_a_dependent_message_and_its_case_wait_while_other_cases_go_on() -> None:
    waiting, other = uuid4(), uuid4()
    dependent = message(waiting, 1, Dependency("toegang", "triage", waiting, DECIDED))
    behind_it = message(waiting, 2)
    meanwhile = message(other, 3)
    transport, journal = FakeTransport(), ListJournal()
    publisher = Publisher(transport, FakePlatform(delay=1), journal)

    sent = await publisher.publish([dependent, behind_it, meanwhile], Pace(START, speed=None))

    assert [m for m, _ in transport.sent] == [meanwhile, dependent, behind_it]
    assert journal.written == [meanwhile, dependent, behind_it]
    assert (sent.published, sent.held) == (3, 0)


class RecordingProducer:
    def __init__(self) -> None:
        self.topics: list[str] = []

    async def send(self, topic: str, **_: object) -> "asyncio.Future[None]":
        self.topics.append(topic)
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        acked.set_result(None)
        return acked


async def test_a_case_s_message_from_another_partner_waits_until_the_one_before_was_decided() -> (
    None
):
    case, other = uuid4(), uuid4()
    first = message(case, 1)
    # Veilig Thuis, on its own topic, after the gemeente's message on the gemeente's topic
    veilig_thuis = Twente.load().one_of(PartnerKind.VEILIG_THUIS)
    then = dataclasses.replace(message(case, 2), partner=veilig_thuis)
    meanwhile = message(other, 3)
    transport = FakeTransport()
    await Publisher(transport, FakePlatform(delay=1), ListJournal()).publish(
        [first, then, meanwhile], Pace(START, speed=None)
    )
    assert [m for m, _ in transport.sent] == [first, meanwhile, then]


async def test_each_record_is_keyed_by_its_case_and_goes_to_its_partners_own_topic() -> None:
    case = uuid4()
    transport = FakeTransport()
    await Publisher(transport, FakePlatform(delay=0), ListJournal()).publish(
        [message(case, 0)], Pace(START, speed=None)
    )
    [(sent, record)] = transport.sent
    assert record.key == str(case).encode()
    # the partner is not in the record (a header would be the sender's say-so): it is the topic
    assert all(name != "jeugdketen-partner" for name, _ in record.headers)
    producer = RecordingProducer()
    kafka = KafkaTransport(producer, "jeugdketen")  # type: ignore[arg-type]
    await kafka.send(sent, record)
    await kafka.flush()
    assert producer.topics == ["jeugdketen.toegang.inbound.gemeente-enschede"]


async def test_a_platform_that_never_records_the_dependency_stalls_the_run_with_a_reason() -> None:
    case = uuid4()
    dependent = message(case, 0, Dependency("toegang", "triage", case, DECIDED))
    publisher = Publisher(
        FakeTransport(), FakePlatform(delay=None), ListJournal(), patience_seconds=0.01
    )
    with pytest.raises(PlatformStalled, match="toegang-decided"):
        await publisher.publish([dependent], Pace(START, speed=None))


def test_a_speed_up_factor_spreads_the_period_over_wall_clock_time() -> None:
    started = time.monotonic()
    two_hours_in = START + timedelta(hours=2)
    assert 1.5 < Pace(START, speed=3600).seconds_until(two_hours_in, started) <= 2.0
    assert Pace(START, speed=None).seconds_until(two_hours_in, started) == 0.0
