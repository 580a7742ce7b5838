"""What of toegang's stored events is published on `jeugdketen.toegang.events`, and as what."""

from collections.abc import Mapping

from eventsourcing.domain import DomainEvent

from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.outbox import ContractMapper, Publication
from toegang.domain import Case
from toegang.protection import TERM_MONTHS, ProtectionRoute, term_end

PUBLICATION: Publication = {
    Case.ReferralReceived: contracts.ReferralReceived,
    Case.VerklarendeAnalyseCompleted: contracts.VerklarendeAnalyseCompleted,
    Case.ToegangDecided: contracts.ToegangDecided,
    Case.ReferralWithdrawn: contracts.ReferralWithdrawn,
    # ProtectionRoute.Opened is not published: the melding or request that opened it is
    ProtectionRoute.MeldingReceived: contracts.VeiligThuisMeldingReceived,
    ProtectionRoute.SafetyAssessed: contracts.SafetyAssessed,
    ProtectionRoute.OnderzoekStarted: contracts.VeiligThuisOnderzoekStarted,
    ProtectionRoute.OnderzoekConcluded: contracts.VeiligThuisOnderzoekConcluded,
    ProtectionRoute.InvestigationRequested: contracts.RvdkInvestigationRequested,
    ProtectionRoute.InvestigationStarted: contracts.RvdkInvestigationStarted,
    ProtectionRoute.InvestigationCompleted: contracts.RvdkInvestigationCompleted,
    ProtectionRoute.MeasureImposed: contracts.ProtectionMeasureImposed,
    ProtectionRoute.MeasureExtended: contracts.ProtectionMeasureExtended,
    ProtectionRoute.MeasureEnded: contracts.ProtectionMeasureEnded,
    ProtectionRoute.VoorlopigeOtsExpired: contracts.VoorlopigeOtsExpired,
    ProtectionRoute.GiAssigned: contracts.GiAssigned,
}
PUBLISHED_EVENT_CLASSES = tuple(PUBLICATION)


def named_otherwise(event: DomainEvent) -> Mapping[str, object]:
    """An imposed measure's term, which the route derives from the law rather than stores."""
    if isinstance(event, ProtectionRoute.MeasureImposed):
        months = TERM_MONTHS.get(event.measure)
        return {"runs_until": term_end(event.occurred_at, months) if months else None}
    return {}


as_contract = ContractMapper(PUBLICATION, named_otherwise)
