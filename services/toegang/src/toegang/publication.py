"""What of toegang's stored events is published on `jeugdketen.toegang.events`, and how."""

from eventsourcing.domain import DomainEvent

from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.contracts.base import DomainEventData
from toegang.domain import Case
from toegang.protection import ProtectionRoute

PUBLISHED_EVENT_CLASSES = (
    Case.ReferralReceived,
    Case.VerklarendeAnalyseCompleted,
    Case.ToegangDecided,
    Case.ReferralWithdrawn,
    # ProtectionRoute.Opened is not published: the melding or request that opened it is
    ProtectionRoute.MeldingReceived,
    ProtectionRoute.SafetyAssessed,
    ProtectionRoute.InvestigationRequested,
    ProtectionRoute.InvestigationStarted,
    ProtectionRoute.InvestigationCompleted,
    ProtectionRoute.MeasureImposed,
    ProtectionRoute.MeasureEnded,
    ProtectionRoute.GiAssigned,
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
        case ProtectionRoute.MeldingReceived():
            return contracts.VeiligThuisMeldingReceived(
                case_id=event.case_id,
                occurred_at=event.occurred_at,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
            )
        case ProtectionRoute.SafetyAssessed():
            return contracts.SafetyAssessed(
                case_id=event.case_id, occurred_at=event.occurred_at, outcome=event.outcome
            )
        case ProtectionRoute.InvestigationRequested():
            return contracts.RvdkInvestigationRequested(
                case_id=event.case_id,
                occurred_at=event.occurred_at,
                youth_pseudonym=event.youth_pseudonym,
                gemeente_code=event.gemeente_code,
            )
        case ProtectionRoute.InvestigationStarted():
            return contracts.RvdkInvestigationStarted(
                case_id=event.case_id, occurred_at=event.occurred_at
            )
        case ProtectionRoute.InvestigationCompleted():
            return contracts.RvdkInvestigationCompleted(
                case_id=event.case_id, occurred_at=event.occurred_at, advice=event.advice
            )
        case ProtectionRoute.MeasureImposed():
            return contracts.ProtectionMeasureImposed(
                case_id=event.case_id,
                occurred_at=event.occurred_at,
                measure=event.measure,
                previous_measure=event.previous_measure,
            )
        case ProtectionRoute.MeasureEnded():
            return contracts.ProtectionMeasureEnded(
                case_id=event.case_id, occurred_at=event.occurred_at, measure=event.measure
            )
        case ProtectionRoute.GiAssigned():
            return contracts.GiAssigned(
                case_id=event.case_id, occurred_at=event.occurred_at, gi=event.gi
            )
    raise TypeError(f"{type(event).__qualname__} is not published")
