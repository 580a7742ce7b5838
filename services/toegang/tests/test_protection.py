"""The gedwongen kader route's rules, given/when/then, without any I/O."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.vocabulary import ProtectionMeasure, RvdkAdvice, SafetyOutcome
from toegang.protection import (
    InvestigationAlreadyOpen,
    InvestigationNotRequested,
    InvestigationNotStarted,
    MeasureNotAFollowUp,
    MeldingAlreadyReceived,
    NoActiveMeasure,
    NoMelding,
    NoProtectionRoute,
    OccurredBeforeRouteOpened,
    ProtectionRoute,
    UnknownYouth,
    existing_route,
    open_route,
    route_id,
)

OPENED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = OPENED + timedelta(days=3)


def a_route() -> ProtectionRoute:
    route = open_route(
        None, case_id=uuid4(), youth_pseudonym="c" * 64, gemeente_code="GM0168", occurred_at=OPENED
    )
    route.collect_events()
    return route


def test_a_melding_opens_the_route_of_a_new_case() -> None:
    case_id = uuid4()
    route = open_route(
        None, case_id=case_id, youth_pseudonym="c" * 64, gemeente_code="GM0168", occurred_at=OPENED
    )
    route.receive_melding(OPENED, "melding-1")
    opened, received = route.collect_events()
    assert isinstance(opened, ProtectionRoute.Opened)
    assert isinstance(received, ProtectionRoute.MeldingReceived)
    assert (received.case_id, received.youth_pseudonym) == (case_id, "c" * 64)
    assert route.id == route_id(case_id)


def test_a_new_route_needs_to_know_the_youth() -> None:
    with pytest.raises(UnknownYouth):
        open_route(
            None, case_id=uuid4(), youth_pseudonym=None, gemeente_code="GM0168", occurred_at=OPENED
        )


def test_steps_other_than_melding_and_request_need_a_route() -> None:
    with pytest.raises(NoProtectionRoute):
        existing_route(None)


def test_veilig_thuis_assesses_safety_once_after_one_melding() -> None:
    route = a_route()
    with pytest.raises(NoMelding):
        route.assess_safety(SafetyOutcome.ONVEILIG, LATER, "assessment-0")
    route.receive_melding(OPENED, "melding-1")
    with pytest.raises(MeldingAlreadyReceived):
        route.receive_melding(LATER, "melding-2")
    route.assess_safety(SafetyOutcome.ONVEILIG, LATER, "assessment-1")
    with pytest.raises(NoMelding):
        route.assess_safety(SafetyOutcome.VEILIG, LATER, "assessment-2")
    assert [type(e).__name__ for e in route.collect_events()] == [
        "MeldingReceived",
        "SafetyAssessed",
    ]


def test_the_raad_investigates_what_was_requested_in_order() -> None:
    route = a_route()
    with pytest.raises(InvestigationNotRequested):
        route.start_investigation(LATER, "start-0")
    route.request_investigation(OPENED, "request-1")
    with pytest.raises(InvestigationAlreadyOpen):
        route.request_investigation(LATER, "request-2")
    with pytest.raises(InvestigationNotStarted):
        route.complete_investigation(RvdkAdvice.MAATREGEL, LATER, "completion-0")
    route.start_investigation(LATER, "start-1")
    route.complete_investigation(RvdkAdvice.MAATREGEL, LATER, "completion-1")
    route.request_investigation(LATER, "request-3")  # a new investigation after the first
    assert [type(e).__name__ for e in route.collect_events()] == [
        "InvestigationRequested",
        "InvestigationStarted",
        "InvestigationCompleted",
        "InvestigationRequested",
    ]


def test_a_measure_is_followed_up_only_by_a_heavier_one_and_ends() -> None:
    route = a_route()
    with pytest.raises(NoActiveMeasure):
        route.assign_gi("23456789", LATER, "gi-0")
    route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-1")
    route.assign_gi("23456789", LATER, "gi-1")
    route.impose_measure(ProtectionMeasure.OTS, LATER, "measure-2")
    with pytest.raises(MeasureNotAFollowUp):
        route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-3")
    route.end_measure(LATER, "end-1")
    with pytest.raises(NoActiveMeasure):
        route.end_measure(LATER, "end-2")
    events = route.collect_events()
    follow_up = events[2]
    assert isinstance(follow_up, ProtectionRoute.MeasureImposed)
    assert follow_up.previous_measure == ProtectionMeasure.VOORLOPIGE_OTS
    ended = events[3]
    assert isinstance(ended, ProtectionRoute.MeasureEnded)
    assert ended.measure == ProtectionMeasure.OTS


def test_nothing_happens_before_the_route_opened() -> None:
    with pytest.raises(OccurredBeforeRouteOpened):
        a_route().request_investigation(OPENED - timedelta(days=1), "request-1")
