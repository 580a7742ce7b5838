"""What of toegang's stored events is published on `jeugdketen.toegang.events`, and as what."""

from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.outbox import Publication, contract_mapper
from toegang.domain import Case
from toegang.protection import ProtectionRoute

PUBLICATION: Publication = {
    Case.ReferralReceived: contracts.ReferralReceived,
    Case.VerklarendeAnalyseCompleted: contracts.VerklarendeAnalyseCompleted,
    Case.ToegangDecided: contracts.ToegangDecided,
    Case.ReferralWithdrawn: contracts.ReferralWithdrawn,
    # ProtectionRoute.Opened is not published: the melding or request that opened it is
    ProtectionRoute.MeldingReceived: contracts.VeiligThuisMeldingReceived,
    ProtectionRoute.SafetyAssessed: contracts.SafetyAssessed,
    ProtectionRoute.InvestigationRequested: contracts.RvdkInvestigationRequested,
    ProtectionRoute.InvestigationStarted: contracts.RvdkInvestigationStarted,
    ProtectionRoute.InvestigationCompleted: contracts.RvdkInvestigationCompleted,
    ProtectionRoute.MeasureImposed: contracts.ProtectionMeasureImposed,
    ProtectionRoute.MeasureEnded: contracts.ProtectionMeasureEnded,
    ProtectionRoute.GiAssigned: contracts.GiAssigned,
}
PUBLISHED_EVENT_CLASSES = tuple(PUBLICATION)
as_contract = contract_mapper(PUBLICATION)
