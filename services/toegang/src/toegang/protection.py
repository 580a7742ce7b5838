"""toegang's domain, gedwongen kader: a youth's jeugdbeschermingsroute.

Veilig Thuis's melding, safety assessment and onderzoek, the Raad voor de Kinderbescherming's
investigation, the rechter's measure and the gecertificeerde instelling that executes it. The
route shares the case id with the voluntary route (a `Case`) but is an aggregate of its own: a
melding often comes before any referral, and a measure can be imposed without one.
Pure like domain.py: guards first, named refusals, events in the past tense.

Measures run over time (BW 1:255 ff.): a voorlopige OTS lapses after 3 months unless an OTS or
voogdij follows it up, and the clock records that it lapsed (`expire_voorlopige_ots`); an OTS
runs a year and the rechter extends it a year at a time; voogdij runs until the youth is 18;
jeugdreclassering runs beside any of them. The rechter reports every other end, with its reason.
"""

import calendar
from datetime import date, datetime, time
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.vocabulary import (
    MeasureEndReason,
    OnderzoekOutcome,
    ProtectionMeasure,
    RvdkAdvice,
    SafetyOutcome,
)

_ROUTE_NAMESPACE = UUID("3c9d7e4a-0b51-4f36-8d0e-2f5a7b6c1e94")

_KINDERBESCHERMING = (
    ProtectionMeasure.VOORLOPIGE_OTS,
    ProtectionMeasure.OTS,
    ProtectionMeasure.VOOGDIJ,
)
"""The Burgerlijk Wetboek's measures: one at a time, a heavier one following up a lighter."""

# a measure may be followed up by a heavier one without ending it first
_FOLLOW_UPS = {
    ProtectionMeasure.VOORLOPIGE_OTS: {ProtectionMeasure.OTS, ProtectionMeasure.VOOGDIJ},
    ProtectionMeasure.OTS: {ProtectionMeasure.VOOGDIJ},
    ProtectionMeasure.VOOGDIJ: set(),
}

TERM_MONTHS = {ProtectionMeasure.VOORLOPIGE_OTS: 3, ProtectionMeasure.OTS: 12}
"""The longest term of a measure, in months: BW 1:257 (voorlopige OTS), 1:258 (OTS); an
extension adds at most a year (BW 1:260). The others run until they are ended."""


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


class NoSafetyAssessment(Refusal):
    """Veilig Thuis starts an onderzoek after its safety assessment of the melding."""

    reason = "no-safety-assessment"


class OnderzoekAlreadyStarted(Refusal):
    """Veilig Thuis's onderzoek of this melding was started already: one per melding."""

    reason = "onderzoek-already-started"


class OnderzoekNotStarted(Refusal):
    """Veilig Thuis concludes an onderzoek it started, once."""

    reason = "onderzoek-not-started"


class OnderzoekBeforeSafetyAssessment(Refusal):
    """The onderzoek starts at or after the safety assessment."""

    reason = "onderzoek-before-safety-assessment"


class ConclusionBeforeOnderzoekStart(Refusal):
    """The onderzoek concludes at or after its start."""

    reason = "conclusion-before-onderzoek-start"


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
    """That measure is in force already (an OTS is extended, not imposed again), or another
    kinderbeschermingsmaatregel is, which only a heavier one follows up (voorlopige OTS, OTS,
    voogdij)."""

    reason = "measure-already-active"


class NoActiveMeasure(Refusal):
    """There is no measure in force (or not the one named)."""

    reason = "no-active-measure"


class MeasureToEndNotNamed(Refusal):
    """Two measures are in force (jeugdreclassering beside another): name the one that ends."""

    reason = "measure-to-end-not-named"


class NoOtsToExtend(Refusal):
    """Only an OTS in force is extended (BW 1:260)."""

    reason = "no-ots-to-extend"


class OtsTermPassed(Refusal):
    """The OTS's term had passed before the extension: it is extended before it lapses."""

    reason = "ots-term-passed"


class NoVoorlopigeOtsToExpire(Refusal):
    """No voorlopige OTS whose term has passed is in force: it was followed up or ended."""

    reason = "no-voorlopige-ots-to-expire"


class OccurredBeforeRouteOpened(Refusal):
    """The event lies before the route was opened."""

    reason = "occurred-before-route-opened"


def route_id(case_id: UUID) -> UUID:
    return uuid5(_ROUTE_NAMESPACE, str(case_id))


def term_end(start: datetime, months: int) -> datetime:
    """When a term of `months` from `start` runs out: at 00:00 Europe/Amsterdam on the same day
    of the month that many months later (the month's last day where it is shorter)."""
    day = start.astimezone(AMSTERDAM).date()
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.combine(date(year, month, min(day.day, last)), time(), tzinfo=AMSTERDAM)


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

    class OnderzoekStarted(Aggregate.Event):
        case_id: UUID
        occurred_at: datetime
        causation_id: str

    class OnderzoekConcluded(Aggregate.Event):
        case_id: UUID
        outcome: OnderzoekOutcome
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

    class MeasureExtended(Aggregate.Event):
        case_id: UUID
        measure: ProtectionMeasure
        runs_until: datetime
        occurred_at: datetime
        causation_id: str

    class MeasureEnded(Aggregate.Event):
        class_version = 2  # v2: the reason, reported since measures run over time

        case_id: UUID
        measure: ProtectionMeasure
        reason: MeasureEndReason | None
        occurred_at: datetime
        causation_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    class VoorlopigeOtsExpired(Aggregate.Event):
        """Recorded by the clock when the term ran out: no message causes it."""

        case_id: UUID
        occurred_at: datetime

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
        self.safety_assessed_at: datetime | None = None
        self.onderzoek_started_at: datetime | None = None
        self.onderzoek_concluded = False
        self.investigation: str | None = None  # "requested" or "started" while open
        self.in_force: dict[ProtectionMeasure, datetime | None] = {}
        """The measures in force, each with the moment its term runs out (None: no term)."""
        self.voorlopige_since: datetime | None = None
        self.lapsed_voorlopige: tuple[datetime, datetime] | None = None
        """The term of a voorlopige OTS the clock recorded as lapsed: a message dated within
        it still finds it in force (a late report, or a year of history replayed)."""

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
        if self.melding_at is None or self.safety_assessed_at is not None:
            raise NoMelding
        self._safety_assessed(
            case_id=self.case_id, outcome=outcome, occurred_at=occurred_at, causation_id=cause
        )

    def start_onderzoek(self, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if self.safety_assessed_at is None:
            raise NoSafetyAssessment
        if self.onderzoek_started_at is not None:
            raise OnderzoekAlreadyStarted
        if occurred_at < self.safety_assessed_at:
            raise OnderzoekBeforeSafetyAssessment
        self._onderzoek_started(
            case_id=self.case_id, occurred_at=occurred_at, causation_id=causation_id
        )

    def conclude_onderzoek(
        self, outcome: OnderzoekOutcome, occurred_at: datetime, cause: str
    ) -> None:
        self._check_not_before_opening(occurred_at)
        if self.onderzoek_started_at is None or self.onderzoek_concluded:
            raise OnderzoekNotStarted
        if occurred_at < self.onderzoek_started_at:
            raise ConclusionBeforeOnderzoekStart
        self._onderzoek_concluded(
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
        """A voorlopige OTS that lapsed before `occurred_at` is recorded as expired first: the
        clock had not come round to it, and what follows is no follow-up of it."""
        self._check_not_before_opening(occurred_at)
        in_force = self._in_force_at(occurred_at)
        previous = next((m for m in _KINDERBESCHERMING if m in in_force), None)
        if measure in in_force or (
            measure in _KINDERBESCHERMING
            and previous is not None
            and measure not in _FOLLOW_UPS[previous]
        ):
            raise MeasureNotAFollowUp
        self._expire_lapsed_voorlopige_ots(occurred_at)
        self._measure_imposed(
            case_id=self.case_id,
            measure=measure,
            previous_measure=previous if measure in _KINDERBESCHERMING else None,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def extend_ots(self, occurred_at: datetime, causation_id: str) -> None:
        """The rechter extends the OTS by a year from the end of its term (BW 1:260)."""
        self._check_not_before_opening(occurred_at)
        runs_until = self.in_force.get(ProtectionMeasure.OTS)
        if runs_until is None:
            raise NoOtsToExtend
        if occurred_at >= runs_until:
            raise OtsTermPassed
        self._measure_extended(
            case_id=self.case_id,
            measure=ProtectionMeasure.OTS,
            runs_until=term_end(runs_until, TERM_MONTHS[ProtectionMeasure.OTS]),
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def end_measure(
        self,
        measure: ProtectionMeasure | None,
        reason: MeasureEndReason | None,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        """`measure`: the one that ends, needed only when two are in force; `reason`: None
        where the partner's message said none (its superseded first version)."""
        self._check_not_before_opening(occurred_at)
        in_force = self._in_force_at(occurred_at)
        if measure is None:
            if len(in_force) > 1:
                raise MeasureToEndNotNamed
            measure = next(iter(in_force), None)
        if measure is None or measure not in in_force:
            raise NoActiveMeasure
        self._measure_ended(
            case_id=self.case_id,
            measure=measure,
            reason=reason,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    def expire_voorlopige_ots(self, now: datetime) -> None:
        """The clock's command: the voorlopige OTS lapsed, at the end of its term."""
        runs_until = self.in_force.get(ProtectionMeasure.VOORLOPIGE_OTS)
        if runs_until is None or runs_until > now:
            raise NoVoorlopigeOtsToExpire
        self._voorlopige_ots_expired(case_id=self.case_id, occurred_at=runs_until)

    @property
    def voorlopige_ots_runs_until(self) -> datetime | None:
        """When the voorlopige OTS in force lapses unless followed up; None: none in force."""
        return self.in_force.get(ProtectionMeasure.VOORLOPIGE_OTS)

    def assign_gi(self, gi: str, occurred_at: datetime, causation_id: str) -> None:
        self._check_not_before_opening(occurred_at)
        if not self._in_force_at(occurred_at):
            raise NoActiveMeasure
        self._gi_assigned(
            case_id=self.case_id, gi=gi, occurred_at=occurred_at, causation_id=causation_id
        )

    def _in_force_at(self, moment: datetime) -> dict[ProtectionMeasure, datetime | None]:
        """The measures in force at `moment`: a voorlopige OTS whose term passed by then left
        out, one the clock already recorded as lapsed put back where `moment` lies within its
        term (the clock runs on the wall's time, the partners' messages on theirs)."""
        lapsed = self.voorlopige_ots_runs_until
        found = {
            measure: runs_until
            for measure, runs_until in self.in_force.items()
            if not (measure is ProtectionMeasure.VOORLOPIGE_OTS and lapsed and lapsed <= moment)
        }
        if (
            self.lapsed_voorlopige
            and self.lapsed_voorlopige[0] <= moment < self.lapsed_voorlopige[1]
        ):
            found[ProtectionMeasure.VOORLOPIGE_OTS] = self.lapsed_voorlopige[1]
        return found

    def _expire_lapsed_voorlopige_ots(self, moment: datetime) -> None:
        lapsed = self.voorlopige_ots_runs_until
        if lapsed is not None and lapsed <= moment:
            self._voorlopige_ots_expired(case_id=self.case_id, occurred_at=lapsed)

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
        self.safety_assessed_at = occurred_at

    @event(OnderzoekStarted)
    def _onderzoek_started(self, case_id: UUID, occurred_at: datetime, causation_id: str) -> None:
        self.onderzoek_started_at = occurred_at

    @event(OnderzoekConcluded)
    def _onderzoek_concluded(
        self, case_id: UUID, outcome: OnderzoekOutcome, occurred_at: datetime, causation_id: str
    ) -> None:
        self.onderzoek_concluded = True

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
        if previous_measure is not None:
            self._no_longer_in_force(ProtectionMeasure(previous_measure))
        measure = ProtectionMeasure(measure)
        if measure is ProtectionMeasure.VOORLOPIGE_OTS:
            self.voorlopige_since = occurred_at
        months = TERM_MONTHS.get(measure)
        self.in_force[measure] = term_end(occurred_at, months) if months else None

    @event(MeasureExtended)
    def _measure_extended(
        self,
        case_id: UUID,
        measure: ProtectionMeasure,
        runs_until: datetime,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.in_force[ProtectionMeasure(measure)] = runs_until

    @event(MeasureEnded)
    def _measure_ended(
        self,
        case_id: UUID,
        measure: ProtectionMeasure,
        reason: MeasureEndReason | None,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self._no_longer_in_force(ProtectionMeasure(measure))

    @event(VoorlopigeOtsExpired)
    def _voorlopige_ots_expired(self, case_id: UUID, occurred_at: datetime) -> None:
        del self.in_force[ProtectionMeasure.VOORLOPIGE_OTS]
        if self.voorlopige_since is not None:
            self.lapsed_voorlopige = (self.voorlopige_since, occurred_at)

    def _no_longer_in_force(self, measure: ProtectionMeasure) -> None:
        """Ended or followed up; a voorlopige OTS maybe after the clock recorded its lapse."""
        self.in_force.pop(measure, None)
        if measure is ProtectionMeasure.VOORLOPIGE_OTS:
            self.lapsed_voorlopige = None

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
