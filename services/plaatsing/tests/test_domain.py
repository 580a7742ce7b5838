"""plaatsing's rules, given/when/then, without any I/O."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.contracts.plaatsing import (
    ContinuityPlan,
    DeviationReason,
    EndReason,
    TransferReason,
    WithdrawalReason,
)
from jeugdketen_shared.vocabulary import CareForm
from plaatsing.domain.placement_case import (
    ActivePlacement,
    AfterEndOfCare,
    CaseNotTriaged,
    DeviationWithoutReason,
    NoActivePlacement,
    NotOnWaitingList,
    PlacementCase,
    TransferChangesNothing,
    UnknownYouth,
    open_for_crisis_placement,
    placed,
    triaged,
)
from plaatsing.domain.provider_capacity import CapacityExceeded, ProviderCapacity
from plaatsing.domain.reporting_order import OccurredOutOfOrder
from plaatsing.domain.youth import Youth, YouthAlreadyPlaced

TRIAGED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
LATER = TRIAGED_AT + timedelta(days=7)
EVEN_LATER = LATER + timedelta(days=30)
PSEUDONYM = "a" * 64
ZORGAANBIEDER = "12345678"
OTHER_PROVIDER = "87654321"
GEZINSHUIS_HENGELO = ActivePlacement(ZORGAANBIEDER, CareForm.GEZINSHUIS, "GM0164")
PLEEGZORG_ENSCHEDE = ActivePlacement(OTHER_PROVIDER, CareForm.PLEEGZORG, "GM0153")
GEZINSHUIS_OTHER_PROVIDER = ActivePlacement(OTHER_PROVIDER, CareForm.GEZINSHUIS, "GM0164")


def a_case(youth_pseudonym: str = PSEUDONYM) -> PlacementCase:
    return PlacementCase(
        case_id=uuid4(),
        youth_pseudonym=youth_pseudonym,
        gemeente_code="GM0153",
        causation_id="triage-decided-1",
    )


def a_triaged_case(recommended: CareForm = CareForm.GEZINSHUIS) -> PlacementCase:
    case = a_case()
    case.receive_triage_recommendation(recommended, TRIAGED_AT, "triage-decided-1")
    case.collect_events()
    return case


def a_case_with_binding_advice(advice: CareForm = CareForm.GEZINSHUIS) -> PlacementCase:
    case = a_triaged_case(CareForm.PLEEGZORG)
    case.receive_binding_advice(advice, TRIAGED_AT, "ret-advice-1")
    case.collect_events()
    return case


def a_youth() -> Youth:
    youth = Youth(youth_pseudonym=PSEUDONYM, causation_id="start-1")
    youth.collect_events()
    return youth


def a_placed_case() -> tuple[PlacementCase, Youth]:
    case, youth = a_triaged_case(), a_youth()
    case.start(GEZINSHUIS_HENGELO, youth, None, False, LATER, "start-1")
    case.collect_events()
    youth.collect_events()
    return case, youth


def an_ended_case() -> tuple[PlacementCase, Youth]:
    case, youth = a_placed_case()
    case.end(EndReason.VOLGENS_PLAN, youth, LATER, "end-1")
    case.collect_events()
    youth.collect_events()
    return case, youth


def test_triage_opens_the_case_with_its_recommendation_which_an_ret_advice_overrides() -> None:
    case = a_case()
    case.receive_triage_recommendation(CareForm.PLEEGZORG, TRIAGED_AT, "triage-decided-1")
    assert case.advised_care_form == CareForm.PLEEGZORG
    case.receive_binding_advice(CareForm.GEZINSHUIS, TRIAGED_AT, "ret-advice-1")
    opened, recommended, advised = case.collect_events()
    assert isinstance(opened, PlacementCase.Opened)
    assert isinstance(recommended, PlacementCase.TriageRecommendationReceived)
    assert isinstance(advised, PlacementCase.BindingAdviceReceived)
    assert advised.causation_id == "ret-advice-1"
    assert case.advised_care_form == CareForm.GEZINSHUIS
    assert case.id == case.case_id


def test_a_youth_joins_a_waiting_list_of_a_triaged_case() -> None:
    case = a_triaged_case()
    case.request_placement(ZORGAANBIEDER, CareForm.GEZINSHUIS, LATER, "request-1")
    [requested] = case.collect_events()
    assert isinstance(requested, PlacementCase.PlacementRequested)
    assert (requested.youth_pseudonym, requested.gemeente_code) == (PSEUDONYM, "GM0153")
    assert requested.causation_id == "request-1"


def a_case_waiting_for(*places: ActivePlacement) -> PlacementCase:
    case = a_triaged_case()
    for place in places:
        case.request_placement(place.provider, place.care_form, TRIAGED_AT, "request-1")
    case.collect_events()
    return case


def withdraw(case: PlacementCase, place: ActivePlacement) -> None:
    case.withdraw_request(
        place.provider, place.care_form, WithdrawalReason.NIET_MEER_NODIG, EVEN_LATER, "w-1"
    )


def test_a_provider_takes_a_youth_off_its_waiting_list() -> None:
    case = a_case_waiting_for(GEZINSHUIS_HENGELO, PLEEGZORG_ENSCHEDE)
    withdraw(case, GEZINSHUIS_HENGELO)
    [withdrawn] = case.collect_events()
    assert isinstance(withdrawn, PlacementCase.PlacementRequestWithdrawn)
    assert (withdrawn.provider, withdrawn.care_form) == (ZORGAANBIEDER, CareForm.GEZINSHUIS)
    assert withdrawn.reason is WithdrawalReason.NIET_MEER_NODIG
    assert withdrawn.youth_pseudonym == PSEUDONYM
    with pytest.raises(NotOnWaitingList):  # once
        withdraw(case, GEZINSHUIS_HENGELO)
    withdraw(case, PLEEGZORG_ENSCHEDE)  # the other list keeps the youth until then


def test_no_withdrawal_from_a_list_the_youth_is_not_on() -> None:
    case = a_case_waiting_for(GEZINSHUIS_HENGELO)
    for elsewhere in (GEZINSHUIS_OTHER_PROVIDER, PLEEGZORG_ENSCHEDE):
        with pytest.raises(NotOnWaitingList):
            withdraw(case, elsewhere)
    assert not case.collect_events()


def test_a_start_there_or_elsewhere_takes_the_youth_off_every_waiting_list() -> None:
    for started in (GEZINSHUIS_HENGELO, PLEEGZORG_ENSCHEDE):
        case = a_case_waiting_for(GEZINSHUIS_HENGELO, GEZINSHUIS_OTHER_PROVIDER)
        case.start(started, a_youth(), None, False, LATER, "start-1")
        for waited in (GEZINSHUIS_HENGELO, GEZINSHUIS_OTHER_PROVIDER):
            with pytest.raises(NotOnWaitingList):
                withdraw(case, waited)


def test_crisisopvang_takes_the_youth_off_no_other_waiting_list() -> None:
    crisis = ActivePlacement(OTHER_PROVIDER, CareForm.CRISISOPVANG, "GM0153")
    case = a_case_waiting_for(GEZINSHUIS_HENGELO, crisis)
    case.start(crisis, a_youth(), None, False, LATER, "start-1")
    with pytest.raises(NotOnWaitingList):
        withdraw(case, crisis)
    withdraw(case, GEZINSHUIS_HENGELO)


def test_a_move_there_or_the_end_of_care_takes_the_youth_off_the_waiting_list() -> None:
    case, youth = a_placed_case()
    case.request_placement(OTHER_PROVIDER, CareForm.PLEEGZORG, LATER, "request-2")
    case.transfer(PLEEGZORG_ENSCHEDE, TransferReason.GEPLANDE_AFSCHALING, None, LATER, "t-1")
    with pytest.raises(NotOnWaitingList):
        withdraw(case, PLEEGZORG_ENSCHEDE)
    case.request_placement(ZORGAANBIEDER, CareForm.GEZINSHUIS, LATER, "request-3")
    case.end(EndReason.VOLGENS_PLAN, youth, LATER, "end-1")
    with pytest.raises(NotOnWaitingList):
        withdraw(case, GEZINSHUIS_HENGELO)


def test_no_waiting_list_or_continuity_plan_for_a_case_triage_never_decided() -> None:
    with pytest.raises(CaseNotTriaged):
        triaged(None)


def test_a_placement_following_the_advice_starts_and_places_the_youth() -> None:
    case, youth = a_triaged_case(), a_youth()
    case.start(GEZINSHUIS_HENGELO, youth, None, False, LATER, "start-1")
    [started] = case.collect_events()
    assert isinstance(started, PlacementCase.PlacementStarted)
    assert started.recommended_care_form == CareForm.GEZINSHUIS
    assert not started.deviates_from_advice
    assert not started.advice_binding
    assert not started.crisis_without_triage
    assert started.causation_id == "start-1"
    [youth_placed] = youth.collect_events()
    assert isinstance(youth_placed, Youth.Placed)
    assert youth.placed_in == case.case_id


def test_deviating_from_triages_recommendation_is_allowed_and_marked() -> None:
    case = a_triaged_case(CareForm.PLEEGZORG)
    case.start(GEZINSHUIS_HENGELO, a_youth(), None, False, LATER, "start-1")
    [started] = case.collect_events()
    assert started.deviates_from_advice
    assert started.recommended_care_form == CareForm.PLEEGZORG
    assert started.deviation_reason is None


def test_deviating_from_the_ret_advice_needs_a_reason() -> None:
    case, youth = a_case_with_binding_advice(CareForm.PLEEGZORG), a_youth()
    with pytest.raises(DeviationWithoutReason):
        case.start(GEZINSHUIS_HENGELO, youth, None, False, LATER, "start-1")
    assert case.collect_events() == []
    assert youth.collect_events() == []

    case.start(
        GEZINSHUIS_HENGELO, youth, DeviationReason.GEEN_PLEK_BESCHIKBAAR, False, LATER, "start-2"
    )
    [started] = case.collect_events()
    assert started.advice_binding
    assert started.deviates_from_advice
    assert started.deviation_reason == DeviationReason.GEEN_PLEK_BESCHIKBAAR


def test_a_transfer_deviating_from_the_ret_advice_needs_a_reason() -> None:
    case, youth = a_case_with_binding_advice(CareForm.GEZINSHUIS), a_youth()
    case.start(GEZINSHUIS_HENGELO, youth, None, False, LATER, "start-1")
    case.collect_events()
    with pytest.raises(DeviationWithoutReason):
        case.transfer(PLEEGZORG_ENSCHEDE, TransferReason.ESCALATIE, None, LATER, "transfer-1")
    assert case.collect_events() == []


def test_a_regular_start_needs_triage() -> None:
    with pytest.raises(CaseNotTriaged):
        open_for_crisis_placement(uuid4(), PSEUDONYM, "GM0153", False, "start-1")
    crisis_case = open_for_crisis_placement(uuid4(), PSEUDONYM, "GM0153", True, "start-1")
    with pytest.raises(CaseNotTriaged):
        crisis_case.start(GEZINSHUIS_HENGELO, a_youth(), None, False, LATER, "start-1")


def test_a_crisis_placement_without_triage_must_name_the_youth() -> None:
    with pytest.raises(UnknownYouth):
        open_for_crisis_placement(uuid4(), None, "GM0153", True, "start-1")
    with pytest.raises(UnknownYouth):
        open_for_crisis_placement(uuid4(), PSEUDONYM, None, True, "start-1")


def test_a_crisis_placement_without_triage_is_allowed_and_marked() -> None:
    case = open_for_crisis_placement(uuid4(), PSEUDONYM, "GM0153", True, "start-1")
    crisisopvang = ActivePlacement(ZORGAANBIEDER, CareForm.CRISISOPVANG, "GM0153")
    case.start(crisisopvang, a_youth(), None, True, LATER, "start-1")
    _, started = case.collect_events()
    assert isinstance(started, PlacementCase.PlacementStarted)
    assert started.crisis_without_triage
    assert started.recommended_care_form is None
    assert not started.deviates_from_advice


def test_a_youth_has_one_active_placement_across_cases() -> None:
    _, youth = a_placed_case()
    other_case = a_triaged_case()
    with pytest.raises(YouthAlreadyPlaced):
        other_case.start(PLEEGZORG_ENSCHEDE, youth, None, False, LATER, "start-2")
    assert other_case.collect_events() == []
    assert youth.collect_events() == []


def test_a_placed_case_does_not_start_a_second_placement() -> None:
    case, youth = a_placed_case()
    with pytest.raises(YouthAlreadyPlaced):
        case.start(PLEEGZORG_ENSCHEDE, youth, None, False, LATER, "start-2")


def test_no_transfer_or_end_without_an_active_placement() -> None:
    with pytest.raises(NoActivePlacement):
        placed(None)
    case = a_triaged_case()
    with pytest.raises(NoActivePlacement):
        case.transfer(PLEEGZORG_ENSCHEDE, TransferReason.CAPACITEIT, None, LATER, "transfer-1")
    with pytest.raises(NoActivePlacement):
        case.end(EndReason.VOLGENS_PLAN, a_youth(), LATER, "end-1")
    assert case.collect_events() == []


def test_a_transfer_moves_the_youth_from_one_place_to_another() -> None:
    case, _ = a_placed_case()
    case.transfer(PLEEGZORG_ENSCHEDE, TransferReason.GEPLANDE_AFSCHALING, None, LATER, "move-1")
    [transferred] = case.collect_events()
    assert isinstance(transferred, PlacementCase.Transferred)
    assert (transferred.from_provider, transferred.from_care_form) == (
        ZORGAANBIEDER,
        CareForm.GEZINSHUIS,
    )
    assert (transferred.to_provider, transferred.to_care_form) == (
        OTHER_PROVIDER,
        CareForm.PLEEGZORG,
    )
    assert case.placement == PLEEGZORG_ENSCHEDE


def test_a_transfer_must_change_provider_or_place() -> None:
    case, _ = a_placed_case()
    with pytest.raises(TransferChangesNothing):
        case.transfer(GEZINSHUIS_HENGELO, TransferReason.OVERIG, None, LATER, "move-1")
    assert case.collect_events() == []
    other_group = ActivePlacement(ZORGAANBIEDER, CareForm.KLEINSCHALIG_WONEN, "GM0164")
    case.transfer(other_group, TransferReason.GEPLANDE_AFSCHALING, None, LATER, "move-2")
    assert len(case.collect_events()) == 1


def test_the_end_of_care_frees_the_youth_for_another_placement() -> None:
    case, youth = a_placed_case()
    case.end(EndReason.UITSTROOM_WLZ, youth, LATER, "end-1")
    [ended] = case.collect_events()
    assert isinstance(ended, PlacementCase.PlacementEnded)
    assert (ended.provider, ended.care_form, ended.reason) == (
        ZORGAANBIEDER,
        CareForm.GEZINSHUIS,
        EndReason.UITSTROOM_WLZ,
    )
    [released] = youth.collect_events()
    assert isinstance(released, Youth.Released)
    youth.check_can_be_placed()


def test_nothing_but_a_restart_follows_the_end_of_care() -> None:
    case, youth = an_ended_case()
    with pytest.raises(AfterEndOfCare):
        case.transfer(PLEEGZORG_ENSCHEDE, TransferReason.OVERIG, None, EVEN_LATER, "move-1")
    with pytest.raises(AfterEndOfCare):
        case.end(EndReason.OVERIG, youth, EVEN_LATER, "end-2")
    with pytest.raises(AfterEndOfCare):
        case.record_continuity_plan(ContinuityPlan.ZVW, EVEN_LATER, "plan-1")
    assert case.collect_events() == []


def test_a_new_waiting_list_entry_restarts_care() -> None:
    case, _ = an_ended_case()
    case.request_placement(ZORGAANBIEDER, CareForm.PLEEGZORG, EVEN_LATER, "request-2")
    case.record_continuity_plan(ContinuityPlan.VERLENGDE_JEUGDHULP, EVEN_LATER, "plan-1")
    _, recorded = case.collect_events()
    assert isinstance(recorded, PlacementCase.ContinuityPlanRecorded)
    assert recorded.plan == ContinuityPlan.VERLENGDE_JEUGDHULP


def test_a_new_start_restarts_care() -> None:
    case, youth = an_ended_case()
    case.start(PLEEGZORG_ENSCHEDE, youth, None, False, EVEN_LATER, "start-2")
    case.transfer(GEZINSHUIS_HENGELO, TransferReason.ESCALATIE, None, EVEN_LATER, "move-1")
    assert [type(e) for e in case.collect_events()] == [
        PlacementCase.PlacementStarted,
        PlacementCase.Transferred,
    ]


def test_nothing_is_dated_before_the_previous_event_of_the_case() -> None:
    case, youth = a_placed_case()
    before = LATER - timedelta(minutes=1)
    with pytest.raises(OccurredOutOfOrder):
        case.transfer(PLEEGZORG_ENSCHEDE, TransferReason.CAPACITEIT, None, before, "move-1")
    with pytest.raises(OccurredOutOfOrder):
        case.end(EndReason.VOLGENS_PLAN, youth, before, "end-1")
    with pytest.raises(OccurredOutOfOrder):
        case.record_continuity_plan(ContinuityPlan.WLZ, before, "plan-1")
    with pytest.raises(OccurredOutOfOrder):
        case.request_placement(OTHER_PROVIDER, CareForm.PLEEGZORG, before, "request-1")
    assert case.collect_events() == []
    assert youth.collect_events() == []


def test_a_late_binding_advice_still_binds() -> None:
    case, _ = a_placed_case()
    case.receive_binding_advice(CareForm.PLEEGZORG, TRIAGED_AT, "ret-advice-1")
    assert case.advised_care_form == CareForm.PLEEGZORG
    with pytest.raises(DeviationWithoutReason):
        case.transfer(GEZINSHUIS_OTHER_PROVIDER, TransferReason.OVERIG, None, LATER, "move-1")


def a_provider_capacity() -> ProviderCapacity:
    capacity = ProviderCapacity(
        provider=ZORGAANBIEDER, care_form=CareForm.GEZINSHUIS, causation_id="capacity-1"
    )
    capacity.collect_events()
    return capacity


def test_a_provider_reports_its_places_and_their_occupation() -> None:
    capacity = a_provider_capacity()
    capacity.report(6, 6, LATER, "capacity-2")
    [recorded] = capacity.collect_events()
    assert isinstance(recorded, ProviderCapacity.CapacityRecorded)
    assert (recorded.provider, recorded.care_form, recorded.places, recorded.occupied) == (
        ZORGAANBIEDER,
        CareForm.GEZINSHUIS,
        6,
        6,
    )
    assert capacity.id == ProviderCapacity.create_id(ZORGAANBIEDER, CareForm.GEZINSHUIS)


def test_no_more_places_occupied_than_offered() -> None:
    capacity = a_provider_capacity()
    with pytest.raises(CapacityExceeded):
        capacity.report(4, 5, LATER, "capacity-2")
    assert capacity.collect_events() == []


def test_a_capacity_report_older_than_the_last_is_stale() -> None:
    capacity = a_provider_capacity()
    capacity.report(6, 2, LATER, "capacity-2")
    with pytest.raises(OccurredOutOfOrder):
        capacity.report(6, 5, TRIAGED_AT, "capacity-3")
