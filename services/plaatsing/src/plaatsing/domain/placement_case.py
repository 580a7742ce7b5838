"""One youth's case at plaatsing: waiting list, placement, transfer, end of care and the
continuity plan, with the advice in force from triage."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.contracts.plaatsing import (
    ContinuityPlan,
    DeviationReason,
    EndReason,
    TransferReason,
    WithdrawalReason,
)
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.vocabulary import CareForm
from plaatsing.domain.reporting_order import check_in_order
from plaatsing.domain.youth import Youth


class NotCurrentProvider(Refusal):
    """Only the provider where the youth is placed reports on the placement."""

    reason = "not-current-provider"


class NoActivePlacement(Refusal):
    """The case has no active placement to transfer or end."""

    reason = "no-active-placement"


class TransferChangesNothing(Refusal):
    """A transfer must move the youth to another provider, care form or location gemeente."""

    reason = "transfer-changes-nothing"


class DeviationWithoutReason(Refusal):
    """The care form deviates from the RET's binding advice and no deviation_reason is given."""

    reason = "deviation-without-reason"


class AfterEndOfCare(Refusal):
    """The youth's care in this case ended; only a new placement request or start restarts it."""

    reason = "after-end-of-care"


class NotOnWaitingList(Refusal):
    """The youth is not on this provider's waiting list for this care form: never put on it,
    or already off it (started, withdrawn, or care ended)."""

    reason = "not-on-waiting-list"


class UnknownYouth(Refusal):
    """A crisis placement without triage must name the youth: bsn and gemeente_code."""

    reason = "unknown-youth"


class CaseNotTriaged(Refusal):
    """plaatsing has no triage decision or RET advice for this case (and it is no crisis)."""

    reason = "case-not-triaged"


@dataclass(frozen=True)
class ActivePlacement:
    provider: str
    care_form: CareForm
    location_gemeente_code: str


@dataclass(frozen=True)
class WaitingList:
    """A provider's waiting list for one care form."""

    provider: str
    care_form: CareForm


class PlacementCase(Aggregate):
    """One youth's case at plaatsing. Its id is the case id."""

    # the topics stored before the domain was split per aggregate (see plaatsing.domain)
    TOPIC = "plaatsing.domain:PlacementCase"

    # the library's default creation event, which plaatsing never records, needs one too
    class Created(Aggregate.Created):
        TOPIC = "plaatsing.domain:PlacementCase.Created"

    class Opened(Aggregate.Created):
        TOPIC = "plaatsing.domain:PlacementCase.Opened"

        case_id: UUID
        youth_pseudonym: str
        gemeente_code: str
        causation_id: str

    class TriageRecommendationReceived(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.TriageRecommendationReceived"

        care_form: CareForm
        occurred_at: datetime
        causation_id: str

    class BindingAdviceReceived(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.BindingAdviceReceived"

        care_form: CareForm
        occurred_at: datetime
        causation_id: str

    class PlacementRequested(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.PlacementRequested"

        youth_pseudonym: str
        gemeente_code: str
        provider: str
        care_form: CareForm
        occurred_at: datetime
        causation_id: str

    class PlacementRequestWithdrawn(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.PlacementRequestWithdrawn"

        youth_pseudonym: str
        provider: str
        care_form: CareForm
        reason: WithdrawalReason
        occurred_at: datetime
        causation_id: str

    class PlacementStarted(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.PlacementStarted"

        class_version = 2  # v2: turns_eighteen_in (sealed since erasure by crypto-shredding)

        youth_pseudonym: str
        gemeente_code: str
        provider: str
        care_form: CareForm
        location_gemeente_code: str
        recommended_care_form: CareForm | None
        advice_binding: bool
        deviates_from_advice: bool
        deviation_reason: DeviationReason | None
        crisis_without_triage: bool
        occurred_at: datetime
        causation_id: str
        turns_eighteen_in: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["turns_eighteen_in"] = None

    class Transferred(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.Transferred"

        youth_pseudonym: str
        from_provider: str
        from_care_form: CareForm
        to_provider: str
        to_care_form: CareForm
        to_location_gemeente_code: str
        reason: TransferReason
        deviation_reason: DeviationReason | None
        occurred_at: datetime
        causation_id: str

    class PlacementEnded(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.PlacementEnded"

        youth_pseudonym: str
        provider: str
        care_form: CareForm
        reason: EndReason
        occurred_at: datetime
        causation_id: str

    class ContinuityPlanRecorded(Aggregate.Event):
        TOPIC = "plaatsing.domain:PlacementCase.ContinuityPlanRecorded"

        youth_pseudonym: str
        plan: ContinuityPlan
        occurred_at: datetime
        causation_id: str

    @staticmethod
    def create_id(case_id: UUID) -> UUID:
        return case_id

    @event(Opened)
    def __init__(
        self, *, case_id: UUID, youth_pseudonym: str, gemeente_code: str, causation_id: str
    ) -> None:
        self.case_id = case_id
        self.youth_pseudonym = youth_pseudonym
        self.gemeente_code = gemeente_code
        self.triage_recommendation: CareForm | None = None
        self.binding_advice: CareForm | None = None
        self.placement: ActivePlacement | None = None
        self.care_ended = False
        self.last_occurred_at: datetime | None = None
        # when care (a placement) last started and ended, and the first continuity plan: what
        # turning 18 needs to know of the case, also when the scheduler catches up late
        self.in_care_since: datetime | None = None
        self.care_ended_at: datetime | None = None
        self.continuity_planned_at: datetime | None = None
        self.waiting_lists: set[WaitingList] = set()

    @property
    def youth_id(self) -> UUID:
        return Youth.create_id(self.youth_pseudonym)

    @property
    def is_triaged(self) -> bool:
        return self.triage_recommendation is not None or self.binding_advice is not None

    def was_in_care_at(self, moment: datetime) -> bool:
        """Whether the youth's placement in this case had started and not ended at `moment`."""
        return (
            self.in_care_since is not None
            and self.in_care_since <= moment
            and (self.care_ended_at is None or moment < self.care_ended_at)
        )

    def had_continuity_plan_at(self, moment: datetime) -> bool:
        return self.continuity_planned_at is not None and self.continuity_planned_at <= moment

    @property
    def advised_care_form(self) -> CareForm | None:
        """The advice in force: the RET's binding advice overrides triage's recommendation."""
        if self.binding_advice is not None:
            return self.binding_advice
        return self.triage_recommendation

    # --- from triage: facts, never refused -----------------------------------------------

    def receive_triage_recommendation(
        self, care_form: CareForm, occurred_at: datetime, causation_id: str
    ) -> None:
        self._triage_recommendation_received(
            care_form=care_form, occurred_at=occurred_at, causation_id=causation_id
        )

    def receive_binding_advice(
        self, care_form: CareForm, occurred_at: datetime, causation_id: str
    ) -> None:
        self._binding_advice_received(
            care_form=care_form, occurred_at=occurred_at, causation_id=causation_id
        )

    # --- from providers -------------------------------------------------------------------

    def request_placement(
        self, provider: str, care_form: CareForm, occurred_at: datetime, causation_id: str
    ) -> None:
        """The youth joins a waiting list; after an end of care this restarts care."""
        check_in_order(occurred_at, self.last_occurred_at)
        if not self.is_triaged:
            raise CaseNotTriaged
        self._placement_requested(
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            provider=provider,
            care_form=care_form,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def withdraw_request(
        self,
        provider: str,
        care_form: CareForm,
        reason: WithdrawalReason,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        """The provider takes the youth off its waiting list without a start."""
        check_in_order(occurred_at, self.last_occurred_at)
        if WaitingList(provider, care_form) not in self.waiting_lists:
            raise NotOnWaitingList
        self._placement_request_withdrawn(
            youth_pseudonym=self.youth_pseudonym,
            provider=provider,
            care_form=care_form,
            reason=reason,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def start(
        self,
        placement: ActivePlacement,
        youth: Youth,
        deviation_reason: DeviationReason | None,
        crisis: bool,
        occurred_at: datetime,
        causation_id: str,
        turns_eighteen_in: str | None = None,
    ) -> None:
        """The placement starts; a crisis placement may start before triage. Restarts care.
        Of the youth's 18th birthday, when known, the event keeps the month only, sealed under
        the youth's key (`turns_eighteen_in`, sealed by the application)."""
        check_in_order(occurred_at, self.last_occurred_at)
        if not self.is_triaged and not crisis:
            raise CaseNotTriaged
        self._check_deviation(placement.care_form, deviation_reason)
        youth.check_can_be_placed()
        advice = self.advised_care_form
        self._placement_started(
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            provider=placement.provider,
            care_form=placement.care_form,
            location_gemeente_code=placement.location_gemeente_code,
            recommended_care_form=advice,
            advice_binding=self.binding_advice is not None,
            deviates_from_advice=advice is not None and placement.care_form != advice,
            deviation_reason=deviation_reason,
            crisis_without_triage=not self.is_triaged,
            occurred_at=occurred_at,
            causation_id=causation_id,
            turns_eighteen_in=turns_eighteen_in,
        )
        youth.place(self.case_id, causation_id)

    def transfer(
        self,
        to: ActivePlacement,
        reason: TransferReason,
        deviation_reason: DeviationReason | None,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        current = self._active_placement_at(occurred_at)
        if to == current:
            raise TransferChangesNothing
        self._check_deviation(to.care_form, deviation_reason)
        self._transferred(
            youth_pseudonym=self.youth_pseudonym,
            from_provider=current.provider,
            from_care_form=current.care_form,
            to_provider=to.provider,
            to_care_form=to.care_form,
            to_location_gemeente_code=to.location_gemeente_code,
            reason=reason,
            deviation_reason=deviation_reason,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def end(
        self, reason: EndReason, youth: Youth, occurred_at: datetime, causation_id: str
    ) -> None:
        """Care ends; the youth is free to be placed again, in this case or another."""
        current = self._active_placement_at(occurred_at)
        self._placement_ended(
            youth_pseudonym=self.youth_pseudonym,
            provider=current.provider,
            care_form=current.care_form,
            reason=reason,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )
        youth.release(self.case_id, causation_id)

    def record_continuity_plan(
        self, plan: ContinuityPlan, occurred_at: datetime, causation_id: str
    ) -> None:
        self._check_care_not_ended()
        check_in_order(occurred_at, self.last_occurred_at)
        self._continuity_plan_recorded(
            youth_pseudonym=self.youth_pseudonym,
            plan=plan,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def check_reported_by(self, provider: str, or_receiving: str | None = None) -> None:
        """Only the provider where the youth is placed reports on the placement (a transfer
        also the provider that receives the youth)."""
        current = self.placement.provider if self.placement is not None else None
        if provider not in {current, or_receiving}:
            raise NotCurrentProvider

    # --- guards ---------------------------------------------------------------------------

    def _check_care_not_ended(self) -> None:
        if self.care_ended:
            raise AfterEndOfCare

    def _active_placement_at(self, occurred_at: datetime) -> ActivePlacement:
        self._check_care_not_ended()
        if self.placement is None:
            raise NoActivePlacement
        check_in_order(occurred_at, self.last_occurred_at)
        return self.placement

    def _check_deviation(
        self, care_form: CareForm, deviation_reason: DeviationReason | None
    ) -> None:
        binding = self.binding_advice
        if binding is not None and care_form != binding and deviation_reason is None:
            raise DeviationWithoutReason

    # --- events ---------------------------------------------------------------------------

    def _leave_waiting_lists_for(self, provider: str, care_form: CareForm) -> None:
        """A start (or a move) there takes the youth off that list; one elsewhere off every
        list, but for crisisopvang: an emergency, after which the youth still waits for the
        place it was on the list for. The ketenmonitor's waiting lists follow the same rule."""
        if care_form is CareForm.CRISISOPVANG:
            self.waiting_lists.discard(WaitingList(provider, care_form))
        else:
            self.waiting_lists.clear()

    def _seen(self, occurred_at: datetime) -> None:
        if self.last_occurred_at is None or occurred_at > self.last_occurred_at:
            self.last_occurred_at = occurred_at

    @event(TriageRecommendationReceived)
    def _triage_recommendation_received(
        self, care_form: CareForm, occurred_at: datetime, causation_id: str
    ) -> None:
        self.triage_recommendation = CareForm(care_form)
        self._seen(occurred_at)

    @event(BindingAdviceReceived)
    def _binding_advice_received(
        self, care_form: CareForm, occurred_at: datetime, causation_id: str
    ) -> None:
        self.binding_advice = CareForm(care_form)
        self._seen(occurred_at)

    @event(PlacementRequested)
    def _placement_requested(
        self,
        youth_pseudonym: str,
        gemeente_code: str,
        provider: str,
        care_form: CareForm,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.care_ended = False
        self.waiting_lists.add(WaitingList(provider, CareForm(care_form)))
        self._seen(occurred_at)

    @event(PlacementRequestWithdrawn)
    def _placement_request_withdrawn(
        self,
        youth_pseudonym: str,
        provider: str,
        care_form: CareForm,
        reason: WithdrawalReason,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.waiting_lists.discard(WaitingList(provider, CareForm(care_form)))
        self._seen(occurred_at)

    @event(PlacementStarted)
    def _placement_started(
        self,
        youth_pseudonym: str,
        gemeente_code: str,
        provider: str,
        care_form: CareForm,
        location_gemeente_code: str,
        recommended_care_form: CareForm | None,
        advice_binding: bool,
        deviates_from_advice: bool,
        deviation_reason: DeviationReason | None,
        crisis_without_triage: bool,
        occurred_at: datetime,
        causation_id: str,
        turns_eighteen_in: str | None,
    ) -> None:
        self.placement = ActivePlacement(provider, CareForm(care_form), location_gemeente_code)
        self._leave_waiting_lists_for(provider, CareForm(care_form))
        self.care_ended = False
        self.in_care_since = occurred_at
        self.care_ended_at = None
        self._seen(occurred_at)

    @event(Transferred)
    def _transferred(
        self,
        youth_pseudonym: str,
        from_provider: str,
        from_care_form: CareForm,
        to_provider: str,
        to_care_form: CareForm,
        to_location_gemeente_code: str,
        reason: TransferReason,
        deviation_reason: DeviationReason | None,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.placement = ActivePlacement(
            to_provider, CareForm(to_care_form), to_location_gemeente_code
        )
        self._leave_waiting_lists_for(to_provider, CareForm(to_care_form))
        self._seen(occurred_at)

    @event(PlacementEnded)
    def _placement_ended(
        self,
        youth_pseudonym: str,
        provider: str,
        care_form: CareForm,
        reason: EndReason,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.placement = None
        self.waiting_lists.clear()
        self.care_ended = True
        self.care_ended_at = occurred_at
        self._seen(occurred_at)

    @event(ContinuityPlanRecorded)
    def _continuity_plan_recorded(
        self, youth_pseudonym: str, plan: ContinuityPlan, occurred_at: datetime, causation_id: str
    ) -> None:
        if self.continuity_planned_at is None or occurred_at < self.continuity_planned_at:
            self.continuity_planned_at = occurred_at
        self._seen(occurred_at)


def open_for_crisis_placement(
    case_id: UUID,
    youth_pseudonym: str | None,
    gemeente_code: str | None,
    crisis: bool,
    causation_id: str,
) -> PlacementCase:
    """A case plaatsing learns of from a placement start: only a crisis naming the youth."""
    if not crisis:
        raise CaseNotTriaged
    if youth_pseudonym is None or gemeente_code is None:
        raise UnknownYouth
    return PlacementCase(
        case_id=case_id,
        youth_pseudonym=youth_pseudonym,
        gemeente_code=gemeente_code,
        causation_id=causation_id,
    )


def triaged(case: PlacementCase | None) -> PlacementCase:
    """The case a waiting-list entry, its withdrawal or a continuity plan is about; triage
    must have opened it."""
    if case is None:
        raise CaseNotTriaged
    return case


def placed(case: PlacementCase | None) -> PlacementCase:
    """The case a transfer or end of care is about; without a case there is no placement."""
    if case is None:
        raise NoActivePlacement
    return case
