"""What of plaatsing's stored events is published on `jeugdketen.plaatsing.events`, and how.

Not published: how plaatsing learnt triage's advice (triage published that itself), the
youth's bookkeeping across cases (but for turning 18), and the aggregates' creation events.
"""

from eventsourcing.domain import DomainEvent

from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.contracts.base import DomainEventData
from plaatsing.domain import PlacementCase, ProviderCapacity, Youth

PUBLISHED_EVENT_CLASSES = (
    PlacementCase.PlacementRequested,
    PlacementCase.PlacementStarted,
    PlacementCase.Transferred,
    PlacementCase.PlacementEnded,
    PlacementCase.ContinuityPlanRecorded,
    Youth.TurnedEighteen,
    ProviderCapacity.CapacityRecorded,
)


def as_contract(event: DomainEvent) -> DomainEventData:
    """The public contract of a stored domain event."""
    match event:
        case PlacementCase.PlacementRequested():
            return contracts.PlacementRequested(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                provider=event.provider,
                care_form=event.care_form,
                occurred_at=event.occurred_at,
            )
        case PlacementCase.PlacementStarted():
            return contracts.PlacementStarted(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                provider=event.provider,
                care_form=event.care_form,
                location_gemeente_code=event.location_gemeente_code,
                recommended_care_form=event.recommended_care_form,
                advice_binding=event.advice_binding,
                deviates_from_advice=event.deviates_from_advice,
                deviation_reason=event.deviation_reason,
                crisis_without_triage=event.crisis_without_triage,
                turns_eighteen_in=event.turns_eighteen_in,
                occurred_at=event.occurred_at,
            )
        case PlacementCase.Transferred():
            return contracts.Transferred(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                from_provider=event.from_provider,
                from_care_form=event.from_care_form,
                to_provider=event.to_provider,
                to_care_form=event.to_care_form,
                to_location_gemeente_code=event.to_location_gemeente_code,
                reason=event.reason,
                deviation_reason=event.deviation_reason,
                occurred_at=event.occurred_at,
            )
        case PlacementCase.PlacementEnded():
            return contracts.PlacementEnded(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                provider=event.provider,
                care_form=event.care_form,
                reason=event.reason,
                occurred_at=event.occurred_at,
            )
        case PlacementCase.ContinuityPlanRecorded():
            return contracts.ContinuityPlanRecorded(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                plan=event.plan,
                occurred_at=event.occurred_at,
            )
        case Youth.TurnedEighteen():
            return contracts.TurnedEighteen(
                case_id=event.case_id,
                youth_pseudonym=event.youth_pseudonym,
                continuity_plan_exists=event.continuity_plan_exists,
                occurred_at=event.occurred_at,
            )
        case ProviderCapacity.CapacityRecorded():
            return contracts.CapacityRecorded(
                provider=event.provider,
                care_form=event.care_form,
                places=event.places,
                occupied=event.occupied,
                occurred_at=event.occurred_at,
            )
    raise TypeError(f"{type(event).__qualname__} is not published")
