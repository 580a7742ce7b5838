"""Turning 18 through the application and its scheduler, on the in-memory event store and the
in-memory schedule, with a clock the test moves: on the birthday, not before, exactly once."""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import StoredEvent

from jeugdketen_shared.batch import Accepted, Refused
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.contracts.base import MessageData
from jeugdketen_shared.inbound import Contracts, InvalidData, ReceivedMessage
from jeugdketen_shared.key_vault import InMemoryKeyVault, KeyVault
from jeugdketen_shared.privacy import Pseudonymizer
from plaatsing.application import Plaatsing
from plaatsing.birthdays import DueBirthday, InMemoryBirthdaySchedule
from plaatsing.domain.placement_case import PlacementCase
from plaatsing.domain.youth import Youth
from plaatsing.publication import PUBLISHED_EVENT_CLASSES, as_contract
from plaatsing.scheduler import TurningEighteenScheduler

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 13:00 in Enschede
TOMORROW = date(2026, 11, 24)
BORN_18_YEARS_BEFORE_TOMORROW = date(2008, 11, 24)
KEYS = InMemoryKeyVault(Pseudonymizer(b"k" * 32))
YOUTH = KEYS.key_for_bsn("999990019").pseudonym
PROVIDER_SOURCE = "urn:nld:kvk:12345678:systeem:zorgadministratie"
TRIAGE_SOURCE = "urn:nld:oin:00000000000000000000:systeem:jeugdketen-triage"


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(NOW)


@contextmanager
def application_with(keys: KeyVault, clock: ControllableClock) -> Iterator[Plaatsing]:
    application = Plaatsing(
        keys,
        birthdays=InMemoryBirthdaySchedule(),
        clock=clock,
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
    )
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def plaatsing(clock: ControllableClock) -> Iterator[Plaatsing]:
    with application_with(KEYS, clock) as application:
        yield application


def message(type_: type[MessageData], occurred_at: datetime, **data: Any) -> ReceivedMessage:
    upstream = type_ in contracts.UPSTREAM
    envelope = CloudEvent(
        id=str(uuid4()),
        source=TRIAGE_SOURCE if upstream else PROVIDER_SOURCE,
        type=type_.cloudevent_type,
        time=NOW,
        data={"occurred_at": occurred_at.isoformat(), **data},
    )
    return Contracts(contracts.UPSTREAM if upstream else contracts.INBOUND).validate(envelope, NOW)


def placed(plaatsing: Plaatsing, born: date | None, started: datetime, youth: str = YOUTH) -> UUID:
    """A triaged case whose placement started at `started`, reported with the birth date."""
    case_id = uuid4()
    outcomes = plaatsing.record(
        [
            message(
                contracts.TriageDecidedUpstream,
                started - timedelta(days=10),
                case_id=str(case_id),
                youth_pseudonym=youth,
                gemeente_code="GM0153",
                recommended_care_form="gezinshuis",
            ),
            start(case_id, born, started),
        ]
    )
    assert [type(o) for o in outcomes] == [Accepted, Accepted]
    return case_id


def start(case_id: UUID, born: date | None, started: datetime) -> ReceivedMessage:
    birth = {"birth_date": born.isoformat()} if born else {}
    return message(
        contracts.PlacementStartReport,
        started,
        case_id=str(case_id),
        provider="12345678",
        care_form="gezinshuis",
        location_gemeente_code="GM0164",
        **birth,
    )


def stored(plaatsing: Plaatsing) -> list[DomainEvent]:
    notifications = plaatsing.recorder.select_notifications(None, 999)
    return [plaatsing.mapper.to_domain_event(n) for n in notifications]


def turned(plaatsing: Plaatsing) -> list[contracts.TurnedEighteen]:
    return [
        c
        for e in stored(plaatsing)
        if isinstance(e, Youth.TurnedEighteen)
        and isinstance(c := as_contract(e), contracts.TurnedEighteen)
    ]


def to_midnight_before(clock: ControllableClock, day: date) -> None:
    """Move the clock to 00:00 Europe/Amsterdam of `day` (23:00 UTC the day before, in winter)."""
    clock.advance(datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=1) - NOW)


def test_a_youth_turns_eighteen_on_the_birthday_not_before_and_exactly_once(
    plaatsing: Plaatsing, clock: ControllableClock
) -> None:
    case_id = placed(plaatsing, BORN_18_YEARS_BEFORE_TOMORROW, NOW - timedelta(days=30))
    scheduler = TurningEighteenScheduler(plaatsing)
    [planned] = plaatsing.birthdays.due(TOMORROW)
    assert (planned.case_id, planned.on) == (case_id, TOMORROW)

    clock.advance(timedelta(hours=10))  # 23:00 in Enschede: still the day before
    assert scheduler.tick() == 0
    assert turned(plaatsing) == []

    to_midnight_before(clock, TOMORROW)
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0
    clock.advance(timedelta(days=3))
    assert TurningEighteenScheduler(plaatsing).tick() == 0  # a restarted scheduler, too

    [event] = turned(plaatsing)
    assert (event.case_id, event.youth_pseudonym) == (case_id, YOUTH)
    assert event.occurred_at.isoformat() == "2026-11-24T00:00:00+01:00"
    assert not event.continuity_plan_exists
    assert plaatsing.birthdays.due(date.max) == []


def test_a_crash_between_recording_and_striking_the_birthday_records_nothing_twice(
    plaatsing: Plaatsing, clock: ControllableClock
) -> None:
    placed(plaatsing, BORN_18_YEARS_BEFORE_TOMORROW, NOW - timedelta(days=30))
    [planned] = plaatsing.birthdays.due(TOMORROW)
    to_midnight_before(clock, TOMORROW)
    assert TurningEighteenScheduler(plaatsing).tick() == 1
    plaatsing.birthdays.plan(planned)  # as if the process died before the row was deleted

    assert TurningEighteenScheduler(plaatsing).tick() == 0
    assert len(turned(plaatsing)) == 1
    assert plaatsing.birthdays.due(date.max) == []


def test_the_continuity_plan_recorded_before_the_birthday_is_carried(
    plaatsing: Plaatsing, clock: ControllableClock
) -> None:
    case_id = placed(plaatsing, BORN_18_YEARS_BEFORE_TOMORROW, NOW - timedelta(days=30))
    plan = message(
        contracts.ContinuityPlanReport,
        NOW - timedelta(days=2),
        case_id=str(case_id),
        plan="verlengde-jeugdhulp",
    )
    assert [type(o) for o in plaatsing.record([plan])] == [Accepted]
    to_midnight_before(clock, TOMORROW)
    TurningEighteenScheduler(plaatsing).tick()
    [event] = turned(plaatsing)
    assert event.continuity_plan_exists


def test_a_youth_whose_care_ended_before_the_birthday_gets_no_event(
    plaatsing: Plaatsing, clock: ControllableClock
) -> None:
    case_id = placed(plaatsing, BORN_18_YEARS_BEFORE_TOMORROW, NOW - timedelta(days=30))
    end = message(
        contracts.EndOfCareReport,
        NOW - timedelta(days=1),
        case_id=str(case_id),
        reason="volgens-plan",
    )
    assert [type(o) for o in plaatsing.record([end])] == [Accepted]
    scheduler = TurningEighteenScheduler(plaatsing)

    to_midnight_before(clock, TOMORROW)
    assert scheduler.tick() == 0
    # on the birthday itself the row stays: a start reported late may be on its way
    assert len(plaatsing.birthdays.due(TOMORROW)) == 1
    clock.advance(timedelta(days=1))
    assert scheduler.tick() == 0
    assert plaatsing.birthdays.due(date.max) == []
    assert turned(plaatsing) == []


def test_a_start_reported_after_the_birthday_records_turning_eighteen_with_it(
    plaatsing: Plaatsing,
) -> None:
    placed(plaatsing, date(2008, 11, 20), NOW - timedelta(days=30))  # 18 three days ago
    [event] = turned(plaatsing)
    assert event.occurred_at.isoformat() == "2026-11-20T00:00:00+01:00"
    assert plaatsing.birthdays.due(date.max) == []


def test_a_youth_placed_when_already_eighteen_does_not_turn_eighteen_in_care(
    plaatsing: Plaatsing,
) -> None:
    placed(plaatsing, date(2008, 10, 1), NOW - timedelta(days=30))  # 18 on 1 October
    assert turned(plaatsing) == []
    assert plaatsing.birthdays.due(date.max) == []
    [started] = [
        as_contract(e) for e in stored(plaatsing) if isinstance(e, PUBLISHED_EVENT_CLASSES)
    ]
    assert isinstance(started, contracts.PlacementStarted)
    assert _unsealed(started.turns_eighteen_in) == "2026-10"


def test_the_birth_date_is_stored_nowhere_and_published_as_a_month_only(
    plaatsing: Plaatsing, clock: ControllableClock
) -> None:
    placed(plaatsing, BORN_18_YEARS_BEFORE_TOMORROW, NOW - timedelta(days=30))
    to_midnight_before(clock, TOMORROW)
    TurningEighteenScheduler(plaatsing).tick()
    notifications = plaatsing.recorder.select_notifications(None, 999)
    # the case, the youth, the receipts and turning 18: no birth date in any, in any spelling
    for spelling in (b"2008-11-24", b"20081124", b"24-11-2008", b"birth"):
        assert not any(spelling in n.state for n in notifications)
    published = [
        as_contract(e) for e in stored(plaatsing) if isinstance(e, PUBLISHED_EVENT_CLASSES)
    ]
    assert [type(c) for c in published] == [contracts.PlacementStarted, contracts.TurnedEighteen]
    started = published[0]
    assert isinstance(started, contracts.PlacementStarted)
    # sealed under the youth's key: the month is readable only with it
    assert started.turns_eighteen_in is not None
    assert "2026-11" not in started.turns_eighteen_in
    assert _unsealed(started.turns_eighteen_in) == "2026-11"
    # no field holds the birth year in the clear (the pseudonym's hex digits and the sealed
    # month's base64 may spell 2008 by chance)
    clear = started.model_dump(mode="json", exclude={"youth_pseudonym", "turns_eighteen_in"})
    assert not any("2008" in str(value) for value in clear.values())


def test_the_birthday_of_a_youth_whose_key_was_destroyed_is_neither_kept_nor_published(
    clock: ControllableClock,
) -> None:
    keys = InMemoryKeyVault(Pseudonymizer(b"k" * 32))
    pseudonym = keys.key_for_bsn("999990019").pseudonym
    keys.erase("999990019")  # erased after triage named the youth, before the start
    with application_with(keys, clock) as application:
        placed(application, BORN_18_YEARS_BEFORE_TOMORROW, NOW - timedelta(days=30), pseudonym)
        [started] = [
            as_contract(e) for e in stored(application) if isinstance(e, PUBLISHED_EVENT_CLASSES)
        ]
        assert isinstance(started, contracts.PlacementStarted)
        assert started.turns_eighteen_in is None
        assert application.birthdays.due(date.max) == []


def test_the_scheduler_forgets_the_planned_birthday_of_a_youth_erased_since(
    clock: ControllableClock,
) -> None:
    keys = InMemoryKeyVault(Pseudonymizer(b"k" * 32))
    with application_with(keys, clock) as application:
        erased, staying = (keys.key_for_bsn(bsn).pseudonym for bsn in ("999990019", "999990020"))
        for youth in (erased, staying):
            application.birthdays.plan(
                DueBirthday(Youth.create_id(youth), uuid4(), TOMORROW, youth)
            )
        scheduler = TurningEighteenScheduler(application)
        assert scheduler.forget_erased() == 0
        keys.erase("999990019")
        assert scheduler.forget_erased() == 1
        assert application.birthdays.planned_youths() == [staying]


def test_a_refused_start_plans_no_birthday(plaatsing: Plaatsing) -> None:
    outcomes = plaatsing.record([start(uuid4(), BORN_18_YEARS_BEFORE_TOMORROW, NOW)])
    assert [o.refusal.reason for o in outcomes if isinstance(o, Refused)] == ["case-not-triaged"]
    assert plaatsing.birthdays.due(date.max) == []


@pytest.mark.parametrize(
    ("born", "problem"),
    [(date(2026, 11, 24), "birth-date-in-future"), (date(1989, 12, 31), "birth-date-too-early")],
)
def test_an_implausible_birth_date_is_invalid_data(born: date, problem: str) -> None:
    with pytest.raises(InvalidData) as refused:
        start(uuid4(), born, NOW)
    assert refused.value.reason == "invalid-data"
    assert [(p.location, p.reason) for p in refused.value.problems] == [
        ("data.birth_date", problem)
    ]


def test_a_placement_start_stored_before_turns_eighteen_in_existed_still_reads(
    plaatsing: Plaatsing,
) -> None:
    case_id = placed(plaatsing, None, NOW - timedelta(days=30))
    [v2] = [n for n in plaatsing.recorder.select_notifications(None, 999) if "Started" in n.topic]
    state = plaatsing.mapper.transcoder.decode(v2.state)
    assert state.pop("class_version") == 2
    del state["turns_eighteen_in"]
    v1 = dataclasses.replace(v2, state=plaatsing.mapper.transcoder.encode(state))
    old = plaatsing.mapper.to_domain_event(
        StoredEvent(**{f.name: getattr(v1, f.name) for f in dataclasses.fields(StoredEvent)})
    )
    assert isinstance(old, PlacementCase.PlacementStarted)
    assert old.turns_eighteen_in is None
    assert old.originator_id == case_id


def _unsealed(sealed: str | None) -> str:
    key = KEYS.key_for_pseudonym(YOUTH)
    assert key is not None
    assert sealed is not None
    return key.unseal(sealed)
