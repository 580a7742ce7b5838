"""What of triage's stored events is published on `jeugdketen.triage.events`, and as what."""

from jeugdketen_shared.contracts import triage as contracts
from jeugdketen_shared.outbox import Publication, contract_mapper
from triage.domain import TriageCase

PUBLICATION: Publication = {
    TriageCase.CaseOpenedForTriage: contracts.CaseOpenedForTriage,
    TriageCase.TriageDecided: contracts.TriageDecided,
    TriageCase.EscalatedToRet: contracts.EscalatedToRet,
    TriageCase.RetAdviceGiven: contracts.RetAdviceGiven,
}
PUBLISHED_EVENT_CLASSES = tuple(PUBLICATION)
as_contract = contract_mapper(PUBLICATION)
