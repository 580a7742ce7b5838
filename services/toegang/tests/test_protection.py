"""The gedwongen kader route's rules, given/when/then, without any I/O."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.vocabulary import (
    MeasureEndReason,
    OnderzoekOutcome,
    ProtectionMeasure,
    RvdkAdvice,
    SafetyOutcome,
)
from toegang.protection import (
    ConclusionBeforeOnderzoekStart,
    InvestigationAlreadyOpen,
    InvestigationNotRequested,
    InvestigationNotStarted,
    MeasureNotAFollowUp,
    MeasureToEndNotNamed,
    MeldingAlreadyReceived,
    NoActiveMeasure,
    NoMelding,
    NoOtsToExtend,
    NoProtectionRoute,
    NoSafetyAssessment,
    NoVoorlopigeOtsToExpire,
    OccurredBeforeRouteOpened,
    OnderzoekAlreadyStarted,
    OnderzoekBeforeSafetyAssessment,
    OnderzoekNotStarted,
    OtsTermPassed,
    ProtectionRoute,
    UnknownYouth,
    existing_route,
    open_route,
    route_id,
    term_end,
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


def test_veilig_thuis_investigates_once_after_its_safety_assessment_in_order() -> None:
    route = a_route()
    route.receive_melding(OPENED, "melding-1")
    with pytest.raises(NoSafetyAssessment):
        route.start_onderzoek(LATER, "start-0")
    route.assess_safety(SafetyOutcome.ONVEILIG, LATER, "assessment-1")
    with pytest.raises(OnderzoekNotStarted):
        route.conclude_onderzoek(OnderzoekOutcome.AFGESLOTEN, LATER, "conclusion-0")
    with pytest.raises(OnderzoekBeforeSafetyAssessment):
        route.start_onderzoek(LATER - timedelta(hours=1), "start-1")
    route.start_onderzoek(LATER + timedelta(days=1), "start-2")
    with pytest.raises(OnderzoekAlreadyStarted):
        route.start_onderzoek(LATER + timedelta(days=2), "start-3")
    with pytest.raises(ConclusionBeforeOnderzoekStart):
        route.conclude_onderzoek(OnderzoekOutcome.AFGESLOTEN, LATER, "conclusion-1")
    route.conclude_onderzoek(
        OnderzoekOutcome.OVERDRACHT_LOKAAL_TEAM, LATER + timedelta(weeks=9), "conclusion-2"
    )
    with pytest.raises(OnderzoekNotStarted):
        route.conclude_onderzoek(OnderzoekOutcome.AFGESLOTEN, LATER + timedelta(weeks=10), "c-3")
    with pytest.raises(OnderzoekAlreadyStarted):
        route.start_onderzoek(LATER + timedelta(weeks=10), "start-4")
    events = route.collect_events()
    assert [type(e).__name__ for e in events] == [
        "MeldingReceived",
        "SafetyAssessed",
        "OnderzoekStarted",
        "OnderzoekConcluded",
    ]
    assert events[-1].outcome is OnderzoekOutcome.OVERDRACHT_LOKAAL_TEAM  # type: ignore[attr-defined]


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


def midnight(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=AMSTERDAM)


def test_a_measure_is_followed_up_only_by_a_heavier_one_and_ends_with_its_reason() -> None:
    route = a_route()
    with pytest.raises(NoActiveMeasure):
        route.assign_gi("23456789", LATER, "gi-0")
    route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-1")
    route.assign_gi("23456789", LATER, "gi-1")
    route.impose_measure(ProtectionMeasure.OTS, LATER, "measure-2")
    with pytest.raises(MeasureNotAFollowUp):
        route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-3")
    route.end_measure(None, MeasureEndReason.DOEL_BEREIKT, LATER, "end-1")
    with pytest.raises(NoActiveMeasure):
        route.end_measure(None, MeasureEndReason.DOEL_BEREIKT, LATER, "end-2")
    events = route.collect_events()
    follow_up = events[2]
    assert isinstance(follow_up, ProtectionRoute.MeasureImposed)
    assert follow_up.previous_measure == ProtectionMeasure.VOORLOPIGE_OTS
    ended = events[3]
    assert isinstance(ended, ProtectionRoute.MeasureEnded)
    assert (ended.measure, ended.reason) == (ProtectionMeasure.OTS, MeasureEndReason.DOEL_BEREIKT)


def test_an_ots_is_extended_a_year_at_a_time_not_imposed_again() -> None:
    route = a_route()  # imposed on 4 September 2026 (Amsterdam): its year runs to 4 September 2027
    with pytest.raises(NoOtsToExtend):
        route.extend_ots(LATER, "extension-0")
    route.impose_measure(ProtectionMeasure.OTS, LATER, "measure-1")
    assert route.in_force == {ProtectionMeasure.OTS: midnight(2027, 9, 4)}
    with pytest.raises(MeasureNotAFollowUp):
        route.impose_measure(ProtectionMeasure.OTS, LATER + timedelta(days=300), "measure-2")
    route.extend_ots(LATER + timedelta(days=340), "extension-1")
    route.extend_ots(LATER + timedelta(days=700), "extension-2")
    with pytest.raises(OtsTermPassed):
        route.extend_ots(midnight(2029, 9, 4), "extension-3")
    extended = route.collect_events()[1:]
    assert [e.runs_until for e in extended if isinstance(e, ProtectionRoute.MeasureExtended)] == [
        midnight(2028, 9, 4),
        midnight(2029, 9, 4),
    ]


def test_jeugdreclassering_runs_beside_an_ots_and_each_ends_by_name() -> None:
    route = a_route()
    route.impose_measure(ProtectionMeasure.OTS, LATER, "measure-1")
    route.impose_measure(ProtectionMeasure.JEUGDRECLASSERING, LATER, "measure-2")
    with pytest.raises(MeasureNotAFollowUp):
        route.impose_measure(ProtectionMeasure.JEUGDRECLASSERING, LATER, "measure-3")
    with pytest.raises(MeasureToEndNotNamed):
        route.end_measure(None, MeasureEndReason.DOEL_BEREIKT, LATER, "end-0")
    with pytest.raises(NoActiveMeasure):
        route.end_measure(ProtectionMeasure.VOOGDIJ, MeasureEndReason.OVERIG, LATER, "end-1")
    route.end_measure(
        ProtectionMeasure.JEUGDRECLASSERING, MeasureEndReason.TERMIJN_VERSTREKEN, LATER, "end-2"
    )
    route.impose_measure(ProtectionMeasure.VOOGDIJ, LATER, "measure-4")
    imposed = route.collect_events()[-1]
    assert isinstance(imposed, ProtectionRoute.MeasureImposed)
    assert imposed.previous_measure == ProtectionMeasure.OTS
    assert route.in_force == {ProtectionMeasure.VOOGDIJ: None}


def test_a_voorlopige_ots_nobody_followed_up_expires_at_the_end_of_its_three_months() -> None:
    route = a_route()
    route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-1")
    lapses = midnight(2026, 12, 4)
    assert route.voorlopige_ots_runs_until == lapses
    with pytest.raises(NoVoorlopigeOtsToExpire):
        route.expire_voorlopige_ots(lapses - timedelta(seconds=1))
    route.expire_voorlopige_ots(lapses + timedelta(days=2))  # the clock came round late
    expired = route.collect_events()[-1]
    assert isinstance(expired, ProtectionRoute.VoorlopigeOtsExpired)
    assert expired.occurred_at == lapses
    assert route.in_force == {}
    with pytest.raises(NoVoorlopigeOtsToExpire):
        route.expire_voorlopige_ots(lapses + timedelta(days=3))


def test_what_follows_a_lapsed_voorlopige_ots_is_no_follow_up_of_it() -> None:
    route = a_route()
    route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-1")
    after = midnight(2026, 12, 10)
    with pytest.raises(NoActiveMeasure):
        route.end_measure(None, MeasureEndReason.TERMIJN_VERSTREKEN, after, "end-1")
    route.impose_measure(ProtectionMeasure.OTS, after, "measure-2")
    expired, imposed = route.collect_events()[-2:]
    assert isinstance(expired, ProtectionRoute.VoorlopigeOtsExpired)
    assert isinstance(imposed, ProtectionRoute.MeasureImposed)
    assert imposed.previous_measure is None


def test_a_message_dated_within_the_term_counts_though_the_clock_recorded_the_lapse() -> None:
    """The clock runs on the wall's time: a year of history replayed, or a report days late,
    reaches the route after the clock recorded the lapse of a voorlopige OTS that the message
    finds in force on its own date."""
    route = a_route()
    route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-1")
    lapses = midnight(2026, 12, 4)
    route.expire_voorlopige_ots(lapses + timedelta(days=30))
    route.assign_gi("12345678", LATER + timedelta(days=5), "gi-1")
    route.impose_measure(ProtectionMeasure.OTS, LATER + timedelta(days=60), "measure-2")
    imposed = route.collect_events()[-1]
    assert isinstance(imposed, ProtectionRoute.MeasureImposed)
    assert imposed.previous_measure == ProtectionMeasure.VOORLOPIGE_OTS
    assert set(route.in_force) == {ProtectionMeasure.OTS}
    with pytest.raises(NoActiveMeasure):  # after the term: nothing of it is in force
        route.end_measure(
            ProtectionMeasure.VOORLOPIGE_OTS, MeasureEndReason.OVERIG, lapses, "end-1"
        )


def test_a_voorlopige_ots_followed_up_in_time_does_not_expire() -> None:
    route = a_route()
    route.impose_measure(ProtectionMeasure.VOORLOPIGE_OTS, LATER, "measure-1")
    route.impose_measure(ProtectionMeasure.OTS, LATER + timedelta(days=60), "measure-2")
    with pytest.raises(NoVoorlopigeOtsToExpire):
        route.expire_voorlopige_ots(midnight(2027, 1, 1))


@pytest.mark.parametrize(
    ("start", "months", "runs_until"),
    [
        (datetime(2026, 1, 15, 9, 0, tzinfo=UTC), 3, midnight(2026, 4, 15)),
        (datetime(2025, 11, 30, 12, 0, tzinfo=UTC), 3, midnight(2026, 2, 28)),
        (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), 12, midnight(2027, 4, 1)),  # 1 April there
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), 12, midnight(2029, 2, 28)),
    ],
)
def test_a_term_runs_out_at_midnight_that_many_calendar_months_later(
    start: datetime, months: int, runs_until: datetime
) -> None:
    assert term_end(start, months) == runs_until


def test_nothing_happens_before_the_route_opened() -> None:
    with pytest.raises(OccurredBeforeRouteOpened):
        a_route().request_investigation(OPENED - timedelta(days=1), "request-1")
