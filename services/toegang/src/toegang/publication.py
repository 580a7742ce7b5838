"""What of toegang's stored events is published on `jeugdketen.toegang.events`, and how."""

from eventsourcing.domain import DomainEvent

from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.contracts.base import DomainEventData
from toegang.domain import Case

PUBLISHED_EVENT_CLASSES = (
    Case.ReferralReceived,
    Case.VerklarendeAnalyseCompleted,
    Case.ToegangDecided,
    Case.ReferralWithdrawn,
)


def as_contract(event: DomainEvent) -> DomainEventData:
    """The public contract of a stored domain event."""
    match event:
        case Case.ReferralReceived():
            return contracts.ReferralReceived(
                case_id=event.case_id,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                verwijzer=event.verwijzer,
                kader=event.kader,
                occurred_at=event.occurred_at,
            )
        case Case.VerklarendeAnalyseCompleted():
            return contracts.VerklarendeAnalyseCompleted(
                case_id=event.originator_id, occurred_at=event.occurred_at
            )
        case Case.ToegangDecided():
            return contracts.ToegangDecided(
                case_id=event.originator_id,
                occurred_at=event.occurred_at,
                decision=event.decision,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
                kader=event.kader,
            )
        case Case.ReferralWithdrawn():
            return contracts.ReferralWithdrawn(
                case_id=event.originator_id, occurred_at=event.occurred_at
            )
    raise TypeError(f"{type(event).__qualname__} is not published")
