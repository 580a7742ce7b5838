"""toegang's application layer: load the case, act, save; one branch per partner message, and
one command for the scheduler: record that a voorlopige OTS ran out."""

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from jeugdketen_shared.batch import ChainApplication, UnitOfWork
from jeugdketen_shared.clock import Clock
from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.contracts.base import CaseMessage
from jeugdketen_shared.inbound import ReceivedMessage
from jeugdketen_shared.key_vault import KeyVault
from toegang.domain import Case, ensure_not_yet_referred, referred
from toegang.protection import (
    NoVoorlopigeOtsToExpire,
    ProtectionRoute,
    existing_route,
    open_route,
    route_id,
)
from toegang.terms import DueTerm, TermSchedule


class Toegang(ChainApplication):
    """The event-sourced toegang service; its events are stored in the table `toegang_events`."""

    name = "toegang"

    def __init__(
        self,
        keys: KeyVault,
        *,
        terms: TermSchedule,
        clock: Clock,
        env: dict[str, str] | None = None,
    ) -> None:
        self.keys = keys
        self.terms = terms
        self.clock = clock
        super().__init__(env)

    def close(self) -> None:
        super().close()
        self.terms.close()
        self.keys.close()

    def route(self, case_id: UUID) -> ProtectionRoute:
        route: ProtectionRoute = self.repository.get(route_id(case_id))
        return route

    def expire_voorlopige_ots(self, due: DueTerm) -> None:
        """Record that the case's voorlopige OTS ran out. Raises `NoVoorlopigeOtsToExpire` when
        there is none to expire (followed up, ended, or its imposition never saved), and
        IntegrityError when the route changed concurrently (then try again)."""
        try:
            route = self.route(due.case_id)
        except AggregateNotFoundError:
            raise NoVoorlopigeOtsToExpire from None
        route.expire_voorlopige_ots(self.clock.now())
        self.save(route)

    def case(self, case_id: UUID) -> Case:
        case: Case = self.repository.get(case_id)
        if not isinstance(case, Case):
            raise TypeError(f"{case_id} is not a case")
        return case

    def handle(self, unit: UnitOfWork, message: ReceivedMessage) -> None:
        data, causation_id = message.data, message.envelope.id
        if not isinstance(data, CaseMessage):
            raise TypeError(f"toegang takes messages about a case, not {type(data).__name__}")
        case = unit.get(data.case_id, Case)
        match data:
            case contracts.ReferralSubmission():
                ensure_not_yet_referred(case)
                unit.add(
                    Case(
                        case_id=data.case_id,
                        # the BSN goes no further than this line
                        youth_pseudonym=self.keys.key_for_bsn(data.bsn).pseudonym,
                        gemeente_code=data.gemeente_code,
                        verwijzer=data.verwijzer,
                        kader=data.kader,
                        occurred_at=data.occurred_at,
                        causation_id=causation_id,
                    )
                )
            case contracts.VerklarendeAnalyseReport():
                self._of_publisher(referred(case), message).complete_verklarende_analyse(
                    data.occurred_at, causation_id
                )
            case contracts.ToegangDecisionReport():
                self._of_publisher(referred(case), message).decide(
                    data.decision, data.occurred_at, causation_id
                )
            case contracts.ReferralWithdrawal():
                self._of_publisher(referred(case), message).withdraw(data.occurred_at, causation_id)
            case _:
                self._handle_protection(unit, data, causation_id)

    @staticmethod
    def _of_publisher(case: Case, message: ReceivedMessage) -> Case:
        """A gemeente acts on its own residents' cases only (permissions see only the data)."""
        publisher = message.publisher
        if publisher is not None and publisher.gemeente_code is not None:
            case.check_resident_of(publisher.gemeente_code)
        return case

    def _handle_protection(self, unit: UnitOfWork, data: CaseMessage, causation_id: str) -> None:
        """The gedwongen kader route of the case."""
        route = unit.get(route_id(data.case_id), ProtectionRoute)
        at = data.occurred_at
        match data:
            case contracts.VeiligThuisMeldingReport() | contracts.RvdkInvestigationRequest():
                route = open_route(
                    route,
                    case_id=data.case_id,
                    youth_pseudonym=self.keys.key_for_bsn(data.bsn).pseudonym if data.bsn else None,
                    gemeente_code=data.gemeente_code,
                    occurred_at=at,
                )
                if isinstance(data, contracts.VeiligThuisMeldingReport):
                    route.receive_melding(at, causation_id)
                else:
                    route.request_investigation(at, causation_id)
                unit.add(route)
            case contracts.SafetyAssessmentReport():
                existing_route(route).assess_safety(data.outcome, at, causation_id)
            case contracts.VeiligThuisOnderzoekStartReport():
                existing_route(route).start_onderzoek(at, causation_id)
            case contracts.VeiligThuisOnderzoekConclusionReport():
                existing_route(route).conclude_onderzoek(data.outcome, at, causation_id)
            case contracts.RvdkInvestigationStartReport():
                existing_route(route).start_investigation(at, causation_id)
            case contracts.RvdkInvestigationCompletionReport():
                existing_route(route).complete_investigation(data.advice, at, causation_id)
            case contracts.ProtectionMeasureImpositionReport():
                self._impose(existing_route(route), data, causation_id)
            case contracts.ProtectionMeasureExtensionReport():
                existing_route(route).extend_ots(at, causation_id)
            case contracts.ProtectionMeasureEndReportV2():
                existing_route(route).end_measure(data.measure, data.reason, at, causation_id)
            case contracts.ProtectionMeasureEndReport():  # superseded: says no reason
                existing_route(route).end_measure(data.measure, None, at, causation_id)
            case contracts.GiAssignmentReport():
                existing_route(route).assign_gi(data.gi, at, causation_id)
            case _:
                raise TypeError(f"toegang has no handler for {type(data).__name__}")

    def _impose(
        self,
        route: ProtectionRoute,
        data: contracts.ProtectionMeasureImpositionReport,
        causation_id: str,
    ) -> None:
        planned = route.voorlopige_ots_runs_until
        route.impose_measure(data.measure, data.occurred_at, causation_id)
        runs_until = route.voorlopige_ots_runs_until
        if runs_until is None or runs_until == planned:
            return
        if runs_until <= self.clock.now():
            # reported after its term: recorded with the imposition, atomically
            route.expire_voorlopige_ots(self.clock.now())
        else:
            # planned before the imposition is saved, so no crash loses it; one that is not
            # saved after all leaves a row the scheduler finds nothing to expire for
            self.terms.plan(DueTerm(route.case_id, runs_until))
