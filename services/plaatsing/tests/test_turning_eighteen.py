"""Turning 18, given/when/then, without any I/O: once per youth, in the case in care on the
birthday, with or without a continuity plan."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.contracts.plaatsing import AMSTERDAM, ContinuityPlan, EndReason
from jeugdketen_shared.vocabulary import CareForm
from jeugdketen_shared.youth_keys import YouthKey
from plaatsing.domain.placement_case import ActivePlacement, PlacementCase
from plaatsing.domain.youth import (
    AlreadyTurnedEighteen,
    EighteenthBirthday,
    NotInCareOnBirthday,
    Youth,
    day_of,
)

BORN = date(2008, 6, 15)
BIRTHDAY = EighteenthBirthday.of(BORN)
BEFORE = BIRTHDAY.moment - timedelta(days=200)
PSEUDONYM = "b" * 64
SEALED_MONTH = YouthKey.generate().seal(BIRTHDAY.month)  # what the application hands the domain
GEZINSHUIS = ActivePlacement("12345678", CareForm.GEZINSHUIS, "GM0164")


def a_placed_youth(started_at: datetime = BEFORE) -> tuple[PlacementCase, Youth]:
    case = PlacementCase(
        case_id=uuid4(), youth_pseudonym=PSEUDONYM, gemeente_code="GM0153", causation_id="t-1"
    )
    case.receive_triage_recommendation(CareForm.GEZINSHUIS, started_at, "t-1")
    youth = Youth(youth_pseudonym=PSEUDONYM, causation_id="start-1")
    case.start(GEZINSHUIS, youth, None, False, started_at, "start-1", SEALED_MONTH)
    case.collect_events()
    youth.collect_events()
    return case, youth


def test_the_eighteenth_birthday_is_a_day_on_the_dutch_calendar() -> None:
    assert BIRTHDAY.on == date(2026, 6, 15)
    assert BIRTHDAY.moment == datetime(2026, 6, 14, 22, 0, tzinfo=UTC)  # 00:00 CEST
    assert BIRTHDAY.month == "2026-06"
    assert EighteenthBirthday.of(date(2008, 2, 29)).on == date(2026, 3, 1)
    assert EighteenthBirthday.of(date(2008, 12, 1)).moment.utcoffset() == timedelta(hours=1)
    assert day_of(datetime(2026, 6, 14, 22, 30, tzinfo=UTC)) == date(2026, 6, 15)


def test_a_start_keeps_the_sealed_month_of_the_eighteenth_birthday_only() -> None:
    case = PlacementCase(
        case_id=uuid4(), youth_pseudonym=PSEUDONYM, gemeente_code="GM0153", causation_id="t-1"
    )
    case.receive_triage_recommendation(CareForm.GEZINSHUIS, BEFORE, "t-1")
    youth = Youth(youth_pseudonym=PSEUDONYM, causation_id="start-1")
    case.start(GEZINSHUIS, youth, None, False, BEFORE, "start-1", SEALED_MONTH)
    started = case.collect_events()[-1]
    assert isinstance(started, PlacementCase.PlacementStarted)
    assert started.turns_eighteen_in == SEALED_MONTH
    assert BORN.isoformat() not in repr(started.__dict__)


def test_a_youth_in_care_turns_eighteen_once() -> None:
    case, youth = a_placed_youth()
    youth.turn_eighteen(BIRTHDAY, [case])
    [turned] = youth.collect_events()
    assert isinstance(turned, Youth.TurnedEighteen)
    assert (turned.case_id, turned.youth_pseudonym) == (case.case_id, PSEUDONYM)
    assert turned.occurred_at == datetime(2026, 6, 15, tzinfo=AMSTERDAM)
    assert not turned.continuity_plan_exists

    with pytest.raises(AlreadyTurnedEighteen):
        youth.turn_eighteen(BIRTHDAY, [case])
    assert youth.collect_events() == []


def test_a_continuity_plan_recorded_before_the_birthday_is_carried() -> None:
    case, youth = a_placed_youth()
    case.record_continuity_plan(
        ContinuityPlan.VERLENGDE_JEUGDHULP, BIRTHDAY.moment - timedelta(days=90), "plan-1"
    )
    youth.turn_eighteen(BIRTHDAY, [case])
    [turned] = youth.collect_events()
    assert isinstance(turned, Youth.TurnedEighteen)
    assert turned.continuity_plan_exists


def test_a_continuity_plan_after_the_birthday_is_not_carried() -> None:
    # the scheduler caught up late: the plan came after the birthday, before the event
    case, youth = a_placed_youth()
    case.record_continuity_plan(ContinuityPlan.WLZ, BIRTHDAY.moment + timedelta(hours=9), "p-1")
    youth.turn_eighteen(BIRTHDAY, [case])
    [turned] = youth.collect_events()
    assert isinstance(turned, Youth.TurnedEighteen)
    assert not turned.continuity_plan_exists


def test_a_youth_whose_care_ended_before_the_birthday_does_not_turn_eighteen_in_care() -> None:
    case, youth = a_placed_youth()
    case.end(EndReason.VOLGENS_PLAN, youth, BIRTHDAY.moment - timedelta(days=1), "end-1")
    with pytest.raises(NotInCareOnBirthday):
        youth.turn_eighteen(BIRTHDAY, [case])
    with pytest.raises(NotInCareOnBirthday):
        youth.turn_eighteen(BIRTHDAY, [])


def test_care_that_ended_after_the_birthday_was_in_care_on_it() -> None:
    # the scheduler caught up after the end of care: the youth did turn 18 in care
    case, youth = a_placed_youth()
    case.end(EndReason.ACHTTIEN_JAAR, youth, BIRTHDAY.moment + timedelta(hours=10), "end-1")
    youth.collect_events()
    youth.turn_eighteen(BIRTHDAY, [case])
    [turned] = youth.collect_events()
    assert isinstance(turned, Youth.TurnedEighteen)
    assert turned.case_id == case.case_id


def test_a_youth_placed_after_the_birthday_did_not_turn_eighteen_in_care() -> None:
    case, youth = a_placed_youth(started_at=BIRTHDAY.moment + timedelta(hours=1))
    with pytest.raises(NotInCareOnBirthday):
        youth.turn_eighteen(BIRTHDAY, [case])


def test_another_youths_case_does_not_count() -> None:
    case, _ = a_placed_youth()
    stranger = Youth(youth_pseudonym="c" * 64, causation_id="start-9")
    with pytest.raises(NotInCareOnBirthday):
        stranger.turn_eighteen(BIRTHDAY, [case])
