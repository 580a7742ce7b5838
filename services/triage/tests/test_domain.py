"""triage's rules, given/when/then, without any I/O."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.permissions import NotOwnResident
from jeugdketen_shared.vocabulary import CareForm, Kader, RetEscalator, Urgency
from triage.domain import (
    AlreadyEscalatedToRet,
    CaseAlreadyOpened,
    CaseNotForwardedToTriage,
    NotEscalatedToRet,
    OccurredBeforeCaseOpened,
    RetAdviceAlreadyGiven,
    TriageAlreadyDecided,
    TriageCase,
    ensure_not_yet_opened,
    forwarded,
)

OPENED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
LATER = OPENED_AT + timedelta(days=7)
BEFORE_OPENING = OPENED_AT - timedelta(minutes=1)
PROVIDERS = ("12345678", "87654321")


def a_case_opened_for_triage() -> TriageCase:
    case = TriageCase(
        case_id=uuid4(),
        youth_pseudonym="a" * 64,
        gemeente_code="GM0153",
        kader=Kader.GEDWONGEN,
        occurred_at=OPENED_AT,
        causation_id="toegang-decided-1",
    )
    case.collect_events()
    return case


def an_escalated_case() -> TriageCase:
    case = a_case_opened_for_triage()
    case.escalate_to_ret(RetEscalator.TRIAGETAFEL, LATER, "escalation-1")
    case.collect_events()
    return case


def decide(case: TriageCase, causation_id: str = "decision-1", at: datetime = LATER) -> None:
    case.decide(CareForm.GEZINSHUIS, Urgency.SPOED, PROVIDERS, at, causation_id)


def advise(case: TriageCase, causation_id: str = "advice-1", at: datetime = LATER) -> None:
    case.record_ret_advice(CareForm.DRIE_MILIEUVOORZIENING, True, False, at, causation_id)


def test_a_forwarded_case_opens_with_the_case_opened_for_triage_event() -> None:
    ensure_not_yet_opened(None)
    case_id = uuid4()
    case = TriageCase(
        case_id=case_id,
        youth_pseudonym="b" * 64,
        gemeente_code="GM0164",
        kader=Kader.VRIJWILLIG,
        occurred_at=OPENED_AT,
        causation_id="toegang-decided-1",
    )
    [opened] = case.collect_events()
    assert isinstance(opened, TriageCase.CaseOpenedForTriage)
    assert opened.causation_id == "toegang-decided-1"
    assert opened.occurred_at == OPENED_AT
    assert case.id == case_id
    assert not case.is_triage_decided
    assert not case.escalated_to_ret


def test_a_case_is_opened_only_once() -> None:
    with pytest.raises(CaseAlreadyOpened):
        ensure_not_yet_opened(a_case_opened_for_triage())


def test_nothing_happens_to_a_case_toegang_did_not_forward() -> None:
    with pytest.raises(CaseNotForwardedToTriage):
        forwarded(None)


def test_the_triage_decision_carries_the_case_so_plaatsing_can_use_it_alone() -> None:
    case = a_case_opened_for_triage()
    decide(case)
    [decided] = case.collect_events()
    assert isinstance(decided, TriageCase.TriageDecided)
    assert decided.recommended_care_form == CareForm.GEZINSHUIS
    assert decided.urgency == Urgency.SPOED
    assert decided.responsible_providers == PROVIDERS
    assert (decided.youth_pseudonym, decided.gemeente_code, decided.kader) == (
        "a" * 64,
        "GM0153",
        Kader.GEDWONGEN,
    )
    assert decided.causation_id == "decision-1"
    assert case.is_triage_decided


def test_the_triage_decides_once() -> None:
    case = a_case_opened_for_triage()
    decide(case)
    case.collect_events()
    with pytest.raises(TriageAlreadyDecided):
        decide(case, "decision-2")
    assert case.collect_events() == []


def test_a_case_may_be_escalated_to_the_ret_before_the_triage_decided() -> None:
    case = a_case_opened_for_triage()
    case.escalate_to_ret(RetEscalator.TRIAGETAFEL, LATER, "escalation-1")
    [escalated] = case.collect_events()
    assert isinstance(escalated, TriageCase.EscalatedToRet)
    assert escalated.causation_id == "escalation-1"
    assert case.escalated_to_ret


def test_a_case_may_be_escalated_to_the_ret_after_the_triage_decided() -> None:
    case = a_case_opened_for_triage()
    decide(case)
    case.escalate_to_ret(RetEscalator.TRIAGETAFEL, LATER, "escalation-1")
    assert [type(e) for e in case.collect_events()] == [
        TriageCase.TriageDecided,
        TriageCase.EscalatedToRet,
    ]


def test_the_youths_gemeente_or_a_provider_may_escalate_too() -> None:
    by_gemeente, by_provider = a_case_opened_for_triage(), a_case_opened_for_triage()
    by_gemeente.escalate_to_ret(
        RetEscalator.GEMEENTE, LATER, "escalation-1", escalating_gemeente="GM0153"
    )
    by_provider.escalate_to_ret(RetEscalator.AANBIEDER, LATER, "escalation-2")
    [from_gemeente] = by_gemeente.collect_events()
    [from_provider] = by_provider.collect_events()
    assert isinstance(from_gemeente, TriageCase.EscalatedToRet)
    assert isinstance(from_provider, TriageCase.EscalatedToRet)
    assert from_gemeente.escalated_by == RetEscalator.GEMEENTE
    assert from_provider.escalated_by == RetEscalator.AANBIEDER


def test_a_gemeente_escalates_only_its_own_residents_case() -> None:
    case = a_case_opened_for_triage()
    with pytest.raises(NotOwnResident):
        case.escalate_to_ret(
            RetEscalator.GEMEENTE, LATER, "escalation-1", escalating_gemeente="GM0141"
        )
    assert case.collect_events() == []
    assert not case.escalated_to_ret


def test_an_escalation_stored_before_it_named_who_escalated_is_the_triage_tables() -> None:
    state: dict[str, object] = {"occurred_at": LATER, "causation_id": "escalation-1"}
    TriageCase.EscalatedToRet.upcast_v1_v2(state)
    assert state["escalated_by"] == RetEscalator.TRIAGETAFEL


def test_a_case_is_escalated_to_the_ret_once() -> None:
    case = an_escalated_case()
    with pytest.raises(AlreadyEscalatedToRet):
        case.escalate_to_ret(RetEscalator.AANBIEDER, LATER, "escalation-2")
    assert case.collect_events() == []


def test_the_ret_advises_only_on_an_escalated_case() -> None:
    case = a_case_opened_for_triage()
    with pytest.raises(NotEscalatedToRet):
        advise(case)
    assert case.collect_events() == []


def test_the_ret_advice_carries_the_case_so_plaatsing_can_use_it_alone() -> None:
    case = an_escalated_case()
    advise(case)
    [advised] = case.collect_events()
    assert isinstance(advised, TriageCase.RetAdviceGiven)
    assert advised.care_form == CareForm.DRIE_MILIEUVOORZIENING
    assert advised.non_contracted_care is True
    assert advised.maatwerkbudget_granted is False
    assert (advised.youth_pseudonym, advised.gemeente_code, advised.kader) == (
        "a" * 64,
        "GM0153",
        Kader.GEDWONGEN,
    )
    assert advised.causation_id == "advice-1"
    assert case.has_ret_advice


def test_the_ret_advises_once() -> None:
    case = an_escalated_case()
    advise(case)
    case.collect_events()
    with pytest.raises(RetAdviceAlreadyGiven):
        advise(case, "advice-2")
    assert case.collect_events() == []


def test_nothing_is_dated_before_the_case_was_opened() -> None:
    case = a_case_opened_for_triage()
    with pytest.raises(OccurredBeforeCaseOpened):
        decide(case, at=BEFORE_OPENING)
    with pytest.raises(OccurredBeforeCaseOpened):
        case.escalate_to_ret(RetEscalator.TRIAGETAFEL, BEFORE_OPENING, "escalation-1")
    escalated = an_escalated_case()
    with pytest.raises(OccurredBeforeCaseOpened):
        advise(escalated, at=BEFORE_OPENING)
    assert case.collect_events() == []
    assert escalated.collect_events() == []
