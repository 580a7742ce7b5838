"""triage's domain: a case toegang forwarded, from the joint triage to the RET's binding advice.

Pure: no I/O and no framework but the event-sourcing base class. Commands check their guards
first and raise a named `Refusal` (its `reason` is what the partner reads on the rejected
topic); only then do they record an event, named in the past tense.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.permissions import NotOwnResident
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.vocabulary import CareForm, Kader, RetEscalator, Urgency


class CaseAlreadyOpened(Refusal):
    """Toegang already forwarded this case to triage."""

    reason = "case-already-opened"


class CaseNotForwardedToTriage(Refusal):
    """Toegang did not forward this case to the gezamenlijke triage."""

    reason = "case-not-forwarded-to-triage"


class TriageAlreadyDecided(Refusal):
    """The gezamenlijke triage already decided on this case."""

    reason = "triage-already-decided"


class AlreadyEscalatedToRet(Refusal):
    """This case was already escalated to the Regionaal Expertteam."""

    reason = "already-escalated-to-ret"


class NotEscalatedToRet(Refusal):
    """This case was not escalated to the Regionaal Expertteam, so it has no RET advice."""

    reason = "not-escalated-to-ret"


class RetAdviceAlreadyGiven(Refusal):
    """The Regionaal Expertteam already gave its advice on this case."""

    reason = "ret-advice-already-given"


class OccurredBeforeCaseOpened(Refusal):
    """The event lies before toegang forwarded the case to triage."""

    reason = "occurred-before-case-opened"


class TriageCase(Aggregate):
    """A case at the gezamenlijke triage. Its id is the case id of toegang's case."""

    class CaseOpenedForTriage(Aggregate.Created):
        case_id: UUID
        youth_pseudonym: str
        gemeente_code: str
        kader: Kader
        occurred_at: datetime
        causation_id: str

    class TriageDecided(Aggregate.Event):
        recommended_care_form: CareForm
        urgency: Urgency
        responsible_providers: tuple[str, ...]
        # repeated from the opening, so that plaatsing can act on this event alone
        youth_pseudonym: str
        gemeente_code: str
        kader: Kader
        occurred_at: datetime
        causation_id: str

    class EscalatedToRet(Aggregate.Event):
        class_version = 2  # v2: escalated_by, since gemeenten and providers may escalate

        escalated_by: RetEscalator
        occurred_at: datetime
        causation_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["escalated_by"] = RetEscalator.TRIAGETAFEL.value  # the only one who could

    class RetAdviceGiven(Aggregate.Event):
        care_form: CareForm
        non_contracted_care: bool
        maatwerkbudget_granted: bool
        # repeated from the opening, so that plaatsing can act on this event alone
        youth_pseudonym: str
        gemeente_code: str
        kader: Kader
        occurred_at: datetime
        causation_id: str

    @staticmethod
    def create_id(case_id: UUID) -> UUID:
        return case_id

    @event(CaseOpenedForTriage)
    def __init__(
        self,
        *,
        case_id: UUID,
        youth_pseudonym: str,
        gemeente_code: str,
        kader: Kader,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.case_id = case_id
        self.youth_pseudonym = youth_pseudonym
        self.gemeente_code = gemeente_code
        self.kader = Kader(kader)
        self.opened_at = occurred_at
        self.recommended_care_form: CareForm | None = None
        self.escalated_to_ret = False
        self.ret_advised_care_form: CareForm | None = None

    @property
    def is_triage_decided(self) -> bool:
        return self.recommended_care_form is not None

    @property
    def has_ret_advice(self) -> bool:
        return self.ret_advised_care_form is not None

    def decide(
        self,
        recommended_care_form: CareForm,
        urgency: Urgency,
        responsible_providers: tuple[str, ...],
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        if self.is_triage_decided:
            raise TriageAlreadyDecided
        self._check_not_before_opening(occurred_at)
        self._triage_decided(
            recommended_care_form=recommended_care_form,
            urgency=urgency,
            responsible_providers=responsible_providers,
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            kader=self.kader,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def escalate_to_ret(
        self,
        escalated_by: RetEscalator,
        occurred_at: datetime,
        causation_id: str,
        escalating_gemeente: str | None = None,
    ) -> None:
        """Escalate to the RET, before or after the triage decided. `escalating_gemeente`:
        the gemeente that escalates, which must be the youth's (the report names none, so
        only the case can tell)."""
        if self.escalated_to_ret:
            raise AlreadyEscalatedToRet
        if escalating_gemeente is not None and escalating_gemeente != self.gemeente_code:
            raise NotOwnResident(f"the youth is of {self.gemeente_code}, not {escalating_gemeente}")
        self._check_not_before_opening(occurred_at)
        self._escalated_to_ret(
            escalated_by=escalated_by, occurred_at=occurred_at, causation_id=causation_id
        )

    def record_ret_advice(
        self,
        care_form: CareForm,
        non_contracted_care: bool,
        maatwerkbudget_granted: bool,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        if not self.escalated_to_ret:
            raise NotEscalatedToRet
        if self.has_ret_advice:
            raise RetAdviceAlreadyGiven
        self._check_not_before_opening(occurred_at)
        self._ret_advice_given(
            care_form=care_form,
            non_contracted_care=non_contracted_care,
            maatwerkbudget_granted=maatwerkbudget_granted,
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            kader=self.kader,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def _check_not_before_opening(self, occurred_at: datetime) -> None:
        if occurred_at < self.opened_at:
            raise OccurredBeforeCaseOpened

    @event(TriageDecided)
    def _triage_decided(
        self,
        recommended_care_form: CareForm,
        urgency: Urgency,
        responsible_providers: tuple[str, ...],
        youth_pseudonym: str,
        gemeente_code: str,
        kader: Kader,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.recommended_care_form = CareForm(recommended_care_form)

    @event(EscalatedToRet)
    def _escalated_to_ret(
        self, escalated_by: RetEscalator, occurred_at: datetime, causation_id: str
    ) -> None:
        self.escalated_to_ret = True

    @event(RetAdviceGiven)
    def _ret_advice_given(
        self,
        care_form: CareForm,
        non_contracted_care: bool,
        maatwerkbudget_granted: bool,
        youth_pseudonym: str,
        gemeente_code: str,
        kader: Kader,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.ret_advised_care_form = CareForm(care_form)


def ensure_not_yet_opened(existing: TriageCase | None) -> None:
    """Toegang forwards a case to triage once."""
    if existing is not None:
        raise CaseAlreadyOpened


def forwarded(case: TriageCase | None) -> TriageCase:
    """The case a triage or RET message is about; toegang must have forwarded it."""
    if case is None:
        raise CaseNotForwardedToTriage
    return case
