"""What of triage's stored events is published on `jeugdketen.triage.events`, and how."""

from eventsourcing.domain import DomainEvent

from jeugdketen_shared.contracts import triage as contracts
from jeugdketen_shared.contracts.base import DomainEventData
from triage.domain import TriageCase

PUBLISHED_EVENT_CLASSES = (
    TriageCase.CaseOpenedForTriage,
    TriageCase.TriageDecided,
    TriageCase.EscalatedToRet,
    TriageCase.RetAdviceGiven,
)


def as_contract(event: DomainEvent) -> DomainEventData:
    """The public contract of a stored domain event."""
    match event:
        case TriageCase.CaseOpenedForTriage():
            return contracts.CaseOpenedForTriage(
                case_id=event.case_id,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                kader=event.kader,
                occurred_at=event.occurred_at,
            )
        case TriageCase.TriageDecided():
            return contracts.TriageDecided(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                kader=event.kader,
                recommended_care_form=event.recommended_care_form,
                urgency=event.urgency,
                responsible_providers=event.responsible_providers,
                occurred_at=event.occurred_at,
            )
        case TriageCase.EscalatedToRet():
            return contracts.EscalatedToRet(
                case_id=event.originator_id, occurred_at=event.occurred_at
            )
        case TriageCase.RetAdviceGiven():
            return contracts.RetAdviceGiven(
                case_id=event.originator_id,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                kader=event.kader,
                care_form=event.care_form,
                non_contracted_care=event.non_contracted_care,
                maatwerkbudget_granted=event.maatwerkbudget_granted,
                occurred_at=event.occurred_at,
            )
    raise TypeError(f"{type(event).__qualname__} is not published")
