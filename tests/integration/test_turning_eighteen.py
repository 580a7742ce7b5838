"""Turning 18 over the real Kafka broker and PostgreSQL server: a youth placed with a birth date
turns 18 on the birthday, exactly once, across restarts of the scheduler; the birth date itself
reaches no topic and no stored event."""

import dataclasses
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.settings import ServiceSettings
from plaatsing.application import Plaatsing
from plaatsing.birthdays import (
    TABLE,
    BirthdaySchedule,
    DueBirthday,
    InMemoryBirthdaySchedule,
    PostgresBirthdaySchedule,
)
from plaatsing.domain.youth import EighteenthBirthday, Youth, day_of
from plaatsing.main import WIRING, build_application
from plaatsing.scheduler import TurningEighteenScheduler
from tests.conftest import IsolatedPlatform
from tests.integration.test_plaatsing import (
    BSN,
    PROVIDER,
    at_least,
    cloudevents,
    knows_case,
    provider_report,
    publish_keyed,
    short_types,
    triage_decided,
)
from tests.support.kafka import Records, read_all, read_until, rejected_topics
from tests.support.services import running_in_process
from tests.support.waiting import wait_until
from tests.support.youth_keys import unsealed, youth_pseudonym

pytestmark = pytest.mark.integration


def eighteen_years_before(day: date) -> date:
    return day.replace(year=day.year - 18)


def has_turned_eighteen(records: Records) -> bool:
    return "turned-eighteen" in short_types(records)


@contextmanager
def the_application(settings: ServiceSettings, clock: ControllableClock) -> Iterator[Plaatsing]:
    application = build_application(settings, clock)
    try:
        yield application
    finally:
        application.close()


def scheduled_rows(platform: IsolatedPlatform) -> int:
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        row = connection.execute(f'SELECT count(*) FROM "{platform.schema}".{TABLE}').fetchone()
    assert row is not None
    return int(row[0])


def stored_states(settings: ServiceSettings) -> list[bytes]:
    application = build_application(settings)
    try:
        return [n.state for n in application.recorder.select_notifications(None, 1000)]
    finally:
        application.close()


async def place(platform: IsolatedPlatform, case_id: UUID, youth: str, born: date) -> str:
    """triage decides, then the provider reports the start with the birth date and, a day
    later, a continuity plan; returns the start's id."""
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    case = str(case_id)
    await publish_keyed(
        platform,
        platform.topic("triage", "events"),
        [triage_decided(platform, case_id, youth, ten_days_ago)],
        key=case,
    )
    knowing = build_application(platform.settings())
    try:
        await wait_until(lambda: knows_case(knowing, case_id), "plaatsing knows the case")
    finally:
        knowing.close()
    start = provider_report(
        "placement-start-reported",
        ten_days_ago + timedelta(hours=1),
        case_id=case,
        provider=PROVIDER,
        care_form="gezinshuis",
        location_gemeente_code="GM0164",
        birth_date=born.isoformat(),
    )
    plan = provider_report(
        "continuity-plan-reported",
        ten_days_ago + timedelta(days=1),
        case_id=case,
        plan="verlengde-jeugdhulp",
    )
    await publish_keyed(platform, platform.topic("plaatsing", "inbound"), [start, plan], case)
    return start.id


def has_plan(application: Plaatsing, case_id: UUID) -> bool:
    return knows_case(application, case_id) and (
        application.case(case_id).continuity_planned_at is not None
    )


@pytest.fixture
async def ingress_and_relay(platform: IsolatedPlatform) -> AsyncIterator[None]:
    """plaatsing without its scheduler: the test drives that with a clock of its own."""
    settings = platform.settings()
    async with (
        running_in_process(WIRING, build_application, settings, role="ingress"),
        running_in_process(WIRING, build_application, settings, role="relay"),
    ):
        yield


async def test_a_youth_turns_eighteen_on_the_birthday_exactly_once_across_restarts(
    platform: IsolatedPlatform, ingress_and_relay: None
) -> None:
    kafka, settings = platform.infrastructure.kafka_bootstrap_servers, platform.settings()
    events_topic = platform.topic("plaatsing", "events")
    case_id, youth = uuid4(), youth_pseudonym(platform.settings(), BSN)
    clock = ControllableClock(datetime.now(UTC))
    tomorrow = day_of(clock.now()) + timedelta(days=1)
    born = eighteen_years_before(tomorrow)
    birthday = EighteenthBirthday.of(born)

    await place(platform, case_id, youth, born)
    await read_until(kafka, events_topic, at_least(2))  # placement-started, plan recorded
    assert scheduled_rows(platform) == 1

    with the_application(settings, clock) as application:
        scheduler = TurningEighteenScheduler(application)
        assert scheduler.tick() == 0  # today is not the birthday
        clock.advance(birthday.moment - clock.now())  # 00:00 in Enschede
        assert scheduler.tick() == 1
        assert scheduler.tick() == 0
    await read_until(kafka, events_topic, has_turned_eighteen)

    # a restart, after a crash that left the row behind: nothing is recorded twice
    clock.advance(timedelta(days=1))
    with the_application(settings, clock) as restarted:
        restarted.birthdays.plan(
            DueBirthday(restarted.case(case_id).youth_id, case_id, birthday.on, youth)
        )
        assert TurningEighteenScheduler(restarted).tick() == 0
    assert scheduled_rows(platform) == 0

    records = await read_all(kafka, events_topic)
    assert short_types(records) == [
        "placement-started",
        "continuity-plan-recorded",
        "turned-eighteen",
    ]
    started, _, turned = cloudevents(records)
    sealed = started["data"]["turns_eighteen_in"]
    assert f"{birthday.on:%Y-%m}" not in sealed
    assert unsealed(settings, youth, sealed) == f"{birthday.on:%Y-%m}"
    assert turned["caseid"] == str(case_id)
    assert "causationid" not in turned
    assert {k: turned["data"][k] for k in ("case_id", "youth_pseudonym")} == {
        "case_id": str(case_id),
        "youth_pseudonym": youth,
    }
    assert turned["data"]["continuity_plan_exists"] is True
    occurred_at = datetime.fromisoformat(turned["data"]["occurred_at"])
    assert occurred_at == birthday.moment
    assert occurred_at.utcoffset() == birthday.moment.utcoffset()
    assert {record.key for record in records} == {str(case_id).encode()}

    for spelling in (born.isoformat(), f"{born:%Y%m%d}", f"{born:%d-%m-%Y}", "birth"):
        assert not any(spelling.encode() in record.value for record in records)
        assert not any(spelling.encode() in state for state in stored_states(settings))
    assert await read_all(kafka, rejected_topics(platform.prefix, "plaatsing")) == []


async def test_after_downtime_over_the_birthday_plaatsing_catches_up_at_start_up(
    platform: IsolatedPlatform,
) -> None:
    """The whole service (role `all`, the real clock) records a birthday that passed while it
    was down; the start was recorded by an ingress that still lived the day before."""
    kafka, settings = platform.infrastructure.kafka_bootstrap_servers, platform.settings()
    case_id, youth = uuid4(), youth_pseudonym(platform.settings(), BSN)
    yesterday = day_of(datetime.now(UTC)) - timedelta(days=1)
    two_days_ago = ControllableClock(datetime.now(UTC) - timedelta(days=2))

    async with running_in_process(
        WIRING, lambda s: build_application(s, two_days_ago), settings, role="ingress"
    ):
        await place(platform, case_id, youth, eighteen_years_before(yesterday))
        with the_application(settings, two_days_ago) as reading:
            await wait_until(lambda: has_plan(reading, case_id), "the start and plan are recorded")
    assert scheduled_rows(platform) == 1

    async with running_in_process(WIRING, build_application, settings):
        records = await read_until(kafka, platform.topic("plaatsing", "events"), at_least(3))
        await wait_until(lambda: scheduled_rows(platform) == 0, "the birthday is struck")
    assert short_types(records) == [
        "placement-started",
        "continuity-plan-recorded",
        "turned-eighteen",
    ]
    turned = cloudevents(records)[2]["data"]
    assert datetime.fromisoformat(turned["occurred_at"]) == EighteenthBirthday(yesterday).moment


@pytest.fixture(params=["in-memory", "postgresql"])
def schedule(
    request: pytest.FixtureRequest, platform: IsolatedPlatform
) -> Iterator[BirthdaySchedule]:
    settings = platform.settings()
    adapter: BirthdaySchedule = (
        InMemoryBirthdaySchedule()
        if request.param == "in-memory"
        else PostgresBirthdaySchedule(settings.database_url, settings.database_schema)
    )
    try:
        yield adapter
    finally:
        adapter.close()


async def test_both_schedules_keep_one_contract(schedule: BirthdaySchedule) -> None:
    first, second = "a" * 64, "b" * 64
    day = date(2026, 11, 24)
    schedule.plan(DueBirthday(Youth.create_id(first), uuid4(), day + timedelta(days=1), first))
    # a corrected birth date replaces the first
    corrected = DueBirthday(Youth.create_id(first), uuid4(), day, first)
    schedule.plan(corrected)
    later = DueBirthday(Youth.create_id(second), uuid4(), day + timedelta(days=2), second)
    schedule.plan(later)

    assert schedule.due(day - timedelta(days=1)) == []
    assert schedule.due(day) == [corrected]
    assert schedule.due(date.max) == [corrected, later]
    stale = dataclasses.replace(corrected, on=day + timedelta(days=1))
    schedule.done(stale)
    assert schedule.due(day) == [corrected]
    schedule.done(corrected)
    assert schedule.due(date.max) == [later]


async def test_both_schedules_forget_the_birthdays_of_the_youths_they_are_told(
    schedule: BirthdaySchedule,
) -> None:
    first, second = "a" * 64, "b" * 64
    for youth in (first, second):
        schedule.plan(DueBirthday(Youth.create_id(youth), uuid4(), date(2027, 3, 1), youth))
    assert schedule.planned_youths() == [first, second]
    schedule.forget_youths({first, "c" * 64})
    assert schedule.planned_youths() == [second]
    assert [b.youth_pseudonym for b in schedule.due(date.max)] == [second]
