"""toegang's domain: a youth's case from referral (aanmelding) to the toegang decision.

Pure: no I/O and no framework but the event-sourcing base class. Commands check their guards
first and raise a named `Refusal` (its `reason` is what the partner reads on the rejected
topic); only then do they record an event, named in the past tense.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.vocabulary import Kader, ToegangDecision, Verwijzer


class CaseAlreadyReferred(Refusal):
    """A referral for this case was already received."""

    reason = "case-already-referred"


class CaseNotReferred(Refusal):
    """No referral was received for this case."""

    reason = "case-not-referred"


class CaseClosedAtToegang(Refusal):
    """The referral was withdrawn or toegang has decided; the case is closed at toegang."""

    reason = "case-closed"


class VerklarendeAnalyseAlreadyCompleted(Refusal):
    """The verklarende analyse of this case was already completed."""

    reason = "verklarende-analyse-already-completed"


class NotOwnResident(Refusal):
    """A gemeente acts only on its own residents' cases."""

    reason = "not-own-resident"


class OccurredBeforeReferral(Refusal):
    """The event lies before the referral of the case."""

    reason = "occurred-before-referral"


class Case(Aggregate):
    """One youth's case at toegang. Its id is the case id chosen by the referrer."""

    class ReferralReceived(Aggregate.Created):
        case_id: UUID
        youth_pseudonym: str
        gemeente_code: str
        verwijzer: Verwijzer
        kader: Kader
        occurred_at: datetime
        causation_id: str

    class VerklarendeAnalyseCompleted(Aggregate.Event):
        occurred_at: datetime
        causation_id: str

    class ToegangDecided(Aggregate.Event):
        decision: ToegangDecision
        # repeated from the referral, so that triage can open its case from this event alone
        youth_pseudonym: str
        gemeente_code: str
        kader: Kader
        occurred_at: datetime
        causation_id: str

    class ReferralWithdrawn(Aggregate.Event):
        occurred_at: datetime
        causation_id: str

    @staticmethod
    def create_id(case_id: UUID) -> UUID:
        return case_id

    @event(ReferralReceived)
    def __init__(
        self,
        *,
        case_id: UUID,
        youth_pseudonym: str,
        gemeente_code: str,
        verwijzer: Verwijzer,
        kader: Kader,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.case_id = case_id
        self.youth_pseudonym = youth_pseudonym
        self.gemeente_code = gemeente_code
        self.verwijzer = Verwijzer(verwijzer)
        self.kader = Kader(kader)
        self.referred_at = occurred_at
        self.verklarende_analyse_completed_at: datetime | None = None
        self.decision: ToegangDecision | None = None
        self.withdrawn = False

    @property
    def is_closed(self) -> bool:
        return self.withdrawn or self.decision is not None

    def complete_verklarende_analyse(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_open_at(occurred_at)
        if self.verklarende_analyse_completed_at is not None:
            raise VerklarendeAnalyseAlreadyCompleted
        self._verklarende_analyse_completed(occurred_at=occurred_at, causation_id=causation_id)

    def decide(self, decision: ToegangDecision, occurred_at: datetime, causation_id: str) -> None:
        self._check_open_at(occurred_at)
        self._toegang_decided(
            decision=decision,
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            kader=self.kader,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def withdraw(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_open_at(occurred_at)
        self._referral_withdrawn(occurred_at=occurred_at, causation_id=causation_id)

    def check_resident_of(self, gemeente_code: str) -> None:
        if gemeente_code != self.gemeente_code:
            raise NotOwnResident

    def _check_open_at(self, occurred_at: datetime) -> None:
        if self.is_closed:
            raise CaseClosedAtToegang
        if occurred_at < self.referred_at:
            raise OccurredBeforeReferral

    @event(VerklarendeAnalyseCompleted)
    def _verklarende_analyse_completed(self, occurred_at: datetime, causation_id: str) -> None:
        self.verklarende_analyse_completed_at = occurred_at

    @event(ToegangDecided)
    def _toegang_decided(
        self,
        decision: ToegangDecision,
        youth_pseudonym: str,
        gemeente_code: str,
        kader: Kader,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.decision = ToegangDecision(decision)

    @event(ReferralWithdrawn)
    def _referral_withdrawn(self, occurred_at: datetime, causation_id: str) -> None:
        self.withdrawn = True


def ensure_not_yet_referred(existing: Case | None) -> None:
    """A case id is referred only once."""
    if existing is not None:
        raise CaseAlreadyReferred


def referred(case: Case | None) -> Case:
    """The case a follow-up message is about; it must have been referred."""
    if case is None:
        raise CaseNotReferred
    return case
