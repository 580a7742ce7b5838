"""triage's application layer: load the case, act, save; one branch per message.

Its input is toegang's `toegang-decided` events (which open cases) and the triage table's and
the RET's reports (which act on them).
"""

from uuid import UUID

from jeugdketen_shared.batch import ChainApplication, UnitOfWork
from jeugdketen_shared.contracts import toegang, triage
from jeugdketen_shared.contracts.base import CaseMessage
from jeugdketen_shared.inbound import ReceivedMessage
from jeugdketen_shared.permissions import Partner, PartnerKind
from jeugdketen_shared.vocabulary import RetEscalator, ToegangDecision
from triage.domain import TriageCase, ensure_not_yet_opened, forwarded


class Triage(ChainApplication):
    """The event-sourced triage service; its events are stored in the table `triage_events`."""

    name = "triage"

    def triage_case(self, case_id: UUID) -> TriageCase:
        case: TriageCase = self.repository.get(case_id)
        if not isinstance(case, TriageCase):
            raise TypeError(f"{case_id} is not a triage case")
        return case

    def handle(self, unit: UnitOfWork, message: ReceivedMessage) -> None:
        data, causation_id = message.data, message.envelope.id
        if not isinstance(data, CaseMessage):
            raise TypeError(f"triage takes messages about a case, not {type(data).__name__}")
        case = unit.get(data.case_id, TriageCase)
        match data:
            case toegang.ToegangDecided(decision=ToegangDecision.GEZAMENLIJKE_TRIAGE):
                ensure_not_yet_opened(case)
                unit.add(
                    TriageCase(
                        case_id=data.case_id,
                        youth_pseudonym=data.youth_pseudonym,
                        gemeente_code=data.gemeente_code,
                        kader=data.kader,
                        occurred_at=data.occurred_at,
                        causation_id=causation_id,
                    )
                )
            case toegang.ToegangDecided():
                pass  # local basic help or no help: the case never comes to triage
            case triage.TriageDecisionReport():
                forwarded(case).decide(
                    data.recommended_care_form,
                    data.urgency,
                    data.responsible_providers,
                    data.occurred_at,
                    causation_id,
                )
            case triage.RetEscalationReport():
                publisher = _escalating(message.publisher)
                forwarded(case).escalate_to_ret(
                    RetEscalator(publisher.kind.value),
                    data.occurred_at,
                    causation_id,
                    escalating_gemeente=publisher.gemeente_code
                    if publisher.kind is PartnerKind.GEMEENTE
                    else None,
                )
            case triage.RetAdviceReport():
                forwarded(case).record_ret_advice(
                    data.care_form,
                    data.non_contracted_care,
                    data.maatwerkbudget_granted,
                    data.occurred_at,
                    causation_id,
                )
            case _:
                raise TypeError(f"triage has no handler for {type(data).__name__}")


def _escalating(publisher: Partner | None) -> Partner:
    """Who escalated is who published the report: the ingress authorised its kind."""
    if publisher is None:
        raise TypeError("an escalation to the RET comes from a partner")
    return publisher
