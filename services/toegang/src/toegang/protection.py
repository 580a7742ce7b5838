"""toegang's domain, gedwongen kader: a youth's jeugdbeschermingsroute.

Veilig Thuis's melding and safety assessment, the Raad voor de Kinderbescherming's
investigation, the rechter's measure and the gecertificeerde instelling that executes it. The
route shares the case id with the voluntary route (a `Case`) but is an aggregate of its own: a
melding often comes before any referral, and a measure can be imposed without one.
Pure like domain.py: guards first, named refusals, events in the past tense.
"""

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.vocabulary import ProtectionMeasure, RvdkAdvice, SafetyOutcome

_ROUTE_NAMESPACE = UUID("3c9d7e4a-0b51-4f36-8d0e-2f5a7b6c1e94")

# a measure may be followed up by a heavier one without ending it first
_FOLLOW_UPS = {
    ProtectionMeasure.VOORLOPIGE_OTS: {ProtectionMeasure.OTS, ProtectionMeasure.VOOGDIJ},
    ProtectionMeasure.OTS: {ProtectionMeasure.VOOGDIJ},
    ProtectionMeasure.VOOGDIJ: set(),
}


class NoProtectionRoute(Refusal):
    """No melding or investigation request opened a gedwongen kader route for this case."""

    reason = "no-protection-route"


class UnknownYouth(Refusal):
    """A new route needs the youth's bsn and gemeente_code."""

    reason = "unknown-youth"


class MeldingAlreadyReceived(Refusal):
    """Veilig Thuis's melding for this case was already received."""

    reason = "melding-already-received"


class NoMelding(Refusal):
    """Veilig Thuis assesses safety after a melding, and once."""

    reason = "no-melding-to-assess"


class InvestigationAlreadyOpen(Refusal):
    """The Raad's investigation of this case is already requested and not yet completed."""

    reason = "investigation-already-open"


class InvestigationNotRequested(Refusal):
    """The Raad starts an investigation that was requested, once."""

    reason = "investigation-not-requested"


class InvestigationNotStarted(Refusal):
    """The Raad completes an investigation it started."""

    reason = "investigation-not-started"


class MeasureNotAFollowUp(Refusal):
    """A measure is active; only a heavier one follows it up (voorlopige OTS, OTS, voogdij)."""

    reason = "measure-already-active"


class NoActiveMeasure(Refusal):
    """There is no active child-protection measure."""

    reason = "no-active-measure"


class OccurredBeforeRouteOpened(Refusal):
    """The event lies before the route was opened."""

    reason = "occurred-before-route-opened"


def route_id(case_id: UUID) -> UUID:
    return uuid5(_ROUTE_NAMESPACE, str(case_id))


class ProtectionRoute(Aggregate):
    class Opened(Aggregate.Created):
        case_id: UUID
        youth_pseudonym: str
        gemeente_code: str
        occurred_at: datetime

    # these two may open the route for the chain's readers, so they name the youth
    class MeldingReceived(Aggregate.Event):
        case_id: UUID
        youth_pseudonym: str
        gemeente_code: str
        occurred_at: datetime
        causation_id: str

    class SafetyAssessed(Aggregate.Event):
        case_id: UUID
        outcome: SafetyOutcome
        occurred_at: datetime
        causation_id: str

    class InvestigationRequested(Aggregate.Event):
        case_id: UUID
        youth_pseudonym: str
        gemeente_code: str
        occurred_at: datetime
        causation_id: str

    class InvestigationStarted(Aggregate.Event):
        case_id: UUID
        occurred_at: datetime
        causation_id: str

    class InvestigationCompleted(Aggregate.Event):
        case_id: UUID
        advice: RvdkAdvice
        occurred_at: datetime
        causation_id: str

    class MeasureImposed(Aggregate.Event):
        case_id: UUID
        measure: ProtectionMeasure
        previous_measure: ProtectionMeasure | None
        occurred_at: datetime
        causation_id: str

    class MeasureEnded(Aggregate.Event):
        case_id: UUID
        measure: ProtectionMeasure
        occurred_at: datetime
        causation_id: str

    class GiAssigned(Aggregate.Event):
        case_id: UUID
        gi: str
        occurred_at: datetime
        causation_id: str

    @staticmethod
    def create_id(case_id: UUID) -> UUID:
        return route_id(case_id)

    @event(Opened)
    def __init__(
        self, *, case_id: UUID, youth_pseudonym: str, gemeente_code: str, occurred_at: datetime
    ) -> None:
        self.case_id = case_id
        self.youth_pseudonym = youth_pseudonym
        self.gemeente_code = gemeente_code
        self.opened_at = occurred_at
        self.melding_at: datetime | None = None
        self.safety_assessed = False
        self.investigation: str | None = None  # "requested" or "started" while open
        self.measure: ProtectionMeasure | None = None

    def receive_melding(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.melding_at is not None:
            raise MeldingAlreadyReceived
        self._melding_received(
            case_id=self.case_id,
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def assess_safety(self, outcome: SafetyOutcome, occurred_at: datetime, cause: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.melding_at is None or self.safety_assessed:
            raise NoMelding
        self._safety_assessed(
            case_id=self.case_id, outcome=outcome, occurred_at=occurred_at, causation_id=cause
        )

    def request_investigation(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.investigation is not None:
            raise InvestigationAlreadyOpen
        self._investigation_requested(
            case_id=self.case_id,
            youth_pseudonym=self.youth_pseudonym,
            gemeente_code=self.gemeente_code,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def start_investigation(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.investigation != "requested":
            raise InvestigationNotRequested
        self._investigation_started(
            case_id=self.case_id, occurred_at=occurred_at, causation_id=causation_id
        )

    def complete_investigation(self, advice: RvdkAdvice, occurred_at: datetime, cause: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.investigation != "started":
            raise InvestigationNotStarted
        self._investigation_completed(
            case_id=self.case_id, advice=advice, occurred_at=occurred_at, causation_id=cause
        )

    def impose_measure(
        self, measure: ProtectionMeasure, occurred_at: datetime, causation_id: str
    ) -> None:
        self._check_not_before_opening(occurred_at)
        if self.measure is not None and measure not in _FOLLOW_UPS[self.measure]:
            raise MeasureNotAFollowUp
        self._measure_imposed(
            case_id=self.case_id,
            measure=measure,
            previous_measure=self.measure,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def end_measure(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.measure is None:
            raise NoActiveMeasure
        self._measure_ended(
            case_id=self.case_id,
            measure=self.measure,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def assign_gi(self, gi: str, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.measure is None:
            raise NoActiveMeasure
        self._gi_assigned(
            case_id=self.case_id, gi=gi, occurred_at=occurred_at, causation_id=causation_id
        )

    def _check_not_before_opening(self, occurred_at: datetime) -> None:
        if occurred_at < self.opened_at:
            raise OccurredBeforeRouteOpened

    @event(MeldingReceived)
    def _melding_received(
        self,
        case_id: UUID,
        youth_pseudonym: str,
        gemeente_code: str,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.melding_at = occurred_at

    @event(SafetyAssessed)
    def _safety_assessed(
        self, case_id: UUID, outcome: SafetyOutcome, occurred_at: datetime, causation_id: str
    ) -> None:
        self.safety_assessed = True

    @event(InvestigationRequested)
    def _investigation_requested(
        self,
        case_id: UUID,
        youth_pseudonym: str,
        gemeente_code: str,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.investigation = "requested"

    @event(InvestigationStarted)
    def _investigation_started(
        self, case_id: UUID, occurred_at: datetime, causation_id: str
    ) -> None:
        self.investigation = "started"

    @event(InvestigationCompleted)
    def _investigation_completed(
        self, case_id: UUID, advice: RvdkAdvice, occurred_at: datetime, causation_id: str
    ) -> None:
        self.investigation = None

    @event(MeasureImposed)
    def _measure_imposed(
        self,
        case_id: UUID,
        measure: ProtectionMeasure,
        previous_measure: ProtectionMeasure | None,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.measure = ProtectionMeasure(measure)

    @event(MeasureEnded)
    def _measure_ended(
        self, case_id: UUID, measure: ProtectionMeasure, occurred_at: datetime, causation_id: str
    ) -> None:
        self.measure = None

    @event(GiAssigned)
    def _gi_assigned(
        self, case_id: UUID, gi: str, occurred_at: datetime, causation_id: str
    ) -> None:
        pass


def open_route(
    existing: ProtectionRoute | None,
    *,
    case_id: UUID,
    youth_pseudonym: str | None,
    gemeente_code: str | None,
    occurred_at: datetime,
) -> ProtectionRoute:
    """The case's route; a melding or an investigation request opens it when it is new."""
    if existing is not None:
        return existing
    if youth_pseudonym is None or gemeente_code is None:
        raise UnknownYouth
    return ProtectionRoute(
        case_id=case_id,
        youth_pseudonym=youth_pseudonym,
        gemeente_code=gemeente_code,
        occurred_at=occurred_at,
    )


def existing_route(route: ProtectionRoute | None) -> ProtectionRoute:
    if route is None:
        raise NoProtectionRoute
    return route
