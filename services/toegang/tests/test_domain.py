"""toegang's rules, given/when/then, without any I/O."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from jeugdketen_shared.vocabulary import Kader, ToegangDecision, Verwijzer
from toegang.domain import (
    Case,
    CaseAlreadyReferred,
    CaseClosedAtToegang,
    CaseNotReferred,
    OccurredBeforeReferral,
    VerklarendeAnalyseAlreadyCompleted,
    ensure_not_yet_referred,
    referred,
)

REFERRED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
LATER = REFERRED_AT + timedelta(days=7)


def a_referred_case() -> Case:
    case = Case(
        case_id=uuid4(),
        youth_pseudonym="a" * 64,
        gemeente_code="GM0141",
        verwijzer=Verwijzer.GECERTIFICEERDE_INSTELLING,
        kader=Kader.GEDWONGEN,
        occurred_at=REFERRED_AT,
        causation_id="referral-1",
    )
    case.collect_events()
    return case


def test_a_referral_opens_a_case_with_the_referral_received_event() -> None:
    ensure_not_yet_referred(None)
    case = Case(
        case_id=uuid4(),
        youth_pseudonym="b" * 64,
        gemeente_code="GM0153",
        verwijzer=Verwijzer.HUISARTS,
        kader=Kader.VRIJWILLIG,
        occurred_at=REFERRED_AT,
        causation_id="referral-1",
    )
    [received] = case.collect_events()
    assert isinstance(received, Case.ReferralReceived)
    assert received.causation_id == "referral-1"
    assert case.id == case.case_id
    assert not case.is_closed


def test_a_case_is_referred_only_once() -> None:
    with pytest.raises(CaseAlreadyReferred):
        ensure_not_yet_referred(a_referred_case())


def test_nothing_happens_to_a_case_that_was_never_referred() -> None:
    with pytest.raises(CaseNotReferred):
        referred(None)


def test_the_verklarende_analyse_is_completed_once() -> None:
    case = a_referred_case()
    case.complete_verklarende_analyse(LATER, "analysis-1")
    [completed] = case.collect_events()
    assert isinstance(completed, Case.VerklarendeAnalyseCompleted)
    assert completed.occurred_at == LATER

    with pytest.raises(VerklarendeAnalyseAlreadyCompleted):
        case.complete_verklarende_analyse(LATER, "analysis-2")
    assert case.collect_events() == []


def test_a_decision_closes_the_case_at_toegang() -> None:
    case = a_referred_case()
    case.decide(ToegangDecision.GEZAMENLIJKE_TRIAGE, LATER, "decision-1")
    [decided] = case.collect_events()
    assert isinstance(decided, Case.ToegangDecided)
    assert decided.decision == ToegangDecision.GEZAMENLIJKE_TRIAGE
    assert case.is_closed

    with pytest.raises(CaseClosedAtToegang):
        case.decide(ToegangDecision.GEEN_HULP, LATER, "decision-2")
    with pytest.raises(CaseClosedAtToegang):
        case.withdraw(LATER, "withdrawal-1")
    with pytest.raises(CaseClosedAtToegang):
        case.complete_verklarende_analyse(LATER, "analysis-1")


def test_a_withdrawn_referral_takes_no_decision() -> None:
    case = a_referred_case()
    case.withdraw(LATER, "withdrawal-1")
    [withdrawn] = case.collect_events()
    assert isinstance(withdrawn, Case.ReferralWithdrawn)

    with pytest.raises(CaseClosedAtToegang):
        case.decide(ToegangDecision.LOKALE_BASISHULP, LATER, "decision-1")


def test_nothing_happens_before_the_referral() -> None:
    case = a_referred_case()
    with pytest.raises(OccurredBeforeReferral):
        case.complete_verklarende_analyse(REFERRED_AT - timedelta(minutes=1), "analysis-1")
    assert case.collect_events() == []
