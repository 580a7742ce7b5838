"""plaatsing's application layer: load the aggregates, act, save; one branch per message, and
one command for the scheduler: record that a youth turned 18."""

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from jeugdketen_shared.batch import ChainApplication, UnitOfWork
from jeugdketen_shared.clock import Clock
from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.inbound import ReceivedMessage
from jeugdketen_shared.key_vault import KeyVault
from jeugdketen_shared.youth_keys import YouthKey
from plaatsing.birthdays import BirthdaySchedule, DueBirthday
from plaatsing.domain.placement_case import (
    ActivePlacement,
    PlacementCase,
    open_for_crisis_placement,
    placed,
    triaged,
)
from plaatsing.domain.provider_capacity import ProviderCapacity
from plaatsing.domain.youth import EighteenthBirthday, NotInCareOnBirthday, Youth, day_of


class Plaatsing(ChainApplication):
    """The event-sourced plaatsing service; its events are stored in `plaatsing_events`."""

    name = "plaatsing"

    def __init__(
        self,
        keys: KeyVault,
        *,
        birthdays: BirthdaySchedule,
        clock: Clock,
        env: dict[str, str] | None = None,
    ) -> None:
        self.keys = keys
        self.birthdays = birthdays
        self.clock = clock
        super().__init__(env)

    def close(self) -> None:
        super().close()
        self.birthdays.close()
        self.keys.close()

    def case(self, case_id: UUID) -> PlacementCase:
        case: PlacementCase = self.repository.get(case_id)
        if not isinstance(case, PlacementCase):
            raise TypeError(f"{case_id} is not a case")
        return case

    def handle(self, unit: UnitOfWork, message: ReceivedMessage) -> None:
        data, causation_id = message.data, message.envelope.id
        match data:
            case contracts.TriageDecidedUpstream() | contracts.RetAdviceGivenUpstream():
                self._apply_advice(unit, data, causation_id)
            case contracts.PlacementRequestSubmission():
                triaged(unit.get(data.case_id, PlacementCase)).request_placement(
                    data.provider, data.care_form, data.occurred_at, causation_id
                )
            case contracts.PlacementRequestWithdrawal():
                triaged(unit.get(data.case_id, PlacementCase)).withdraw_request(
                    data.provider, data.care_form, data.reason, data.occurred_at, causation_id
                )
            case contracts.PlacementStartReport():
                self._start(unit, data, causation_id)
            case contracts.TransferReport():
                case = placed(unit.get(data.case_id, PlacementCase))
                _check_reporter(case, message, or_receiving=data.to_provider)
                case.transfer(
                    ActivePlacement(
                        data.to_provider, data.to_care_form, data.to_location_gemeente_code
                    ),
                    data.reason,
                    data.deviation_reason,
                    data.occurred_at,
                    causation_id,
                )
            case contracts.EndOfCareReport():
                case = placed(unit.get(data.case_id, PlacementCase))
                _check_reporter(case, message)
                youth = self._youth(unit, case, causation_id)
                case.end(data.reason, youth, data.occurred_at, causation_id)
                unit.add(youth)
            case contracts.ContinuityPlanReport():
                case = triaged(unit.get(data.case_id, PlacementCase))
                _check_reporter(case, message)
                case.record_continuity_plan(data.plan, data.occurred_at, causation_id)
            case contracts.CapacityReport():
                capacity = unit.get(
                    ProviderCapacity.create_id(data.provider, data.care_form), ProviderCapacity
                ) or ProviderCapacity(
                    provider=data.provider, care_form=data.care_form, causation_id=causation_id
                )
                capacity.report(data.places, data.occupied, data.occurred_at, causation_id)
                unit.add(capacity)
            case _:
                raise TypeError(f"plaatsing has no handler for {type(data).__name__}")

    def turn_eighteen(self, due: DueBirthday) -> None:
        """Record that the youth turned 18 in the case that was in care on the birthday: the one
        that planned it or the one the youth is placed in now. Raises `AlreadyTurnedEighteen`
        or `NotInCareOnBirthday` when there is nothing to record, and IntegrityError when the
        youth changed concurrently (then try again)."""
        try:
            youth: Youth = self.repository.get(due.youth_id)
        except AggregateNotFoundError:
            # the start that planned the birthday is not saved (yet, or ever)
            raise NotInCareOnBirthday from None
        case_ids = dict.fromkeys(i for i in (youth.placed_in, due.case_id) if i is not None)
        cases = [case for i in case_ids if (case := self._case_if_any(i)) is not None]
        youth.turn_eighteen(EighteenthBirthday(due.on), cases)
        self.save(youth)

    def _case_if_any(self, case_id: UUID) -> PlacementCase | None:
        try:
            return self.case(case_id)
        except AggregateNotFoundError:
            return None

    def _apply_advice(
        self,
        unit: UnitOfWork,
        data: contracts.TriageDecidedUpstream | contracts.RetAdviceGivenUpstream,
        causation_id: str,
    ) -> None:
        """triage's events open the case; an RET advice is binding, a triage decision is not."""
        case = unit.get(data.case_id, PlacementCase) or PlacementCase(
            case_id=data.case_id,
            youth_pseudonym=data.youth_pseudonym,
            gemeente_code=data.gemeente_code,
            causation_id=causation_id,
        )
        if isinstance(data, contracts.RetAdviceGivenUpstream):
            case.receive_binding_advice(data.care_form, data.occurred_at, causation_id)
        else:
            case.receive_triage_recommendation(
                data.recommended_care_form, data.occurred_at, causation_id
            )
        unit.add(case)

    def _start(
        self, unit: UnitOfWork, data: contracts.PlacementStartReport, causation_id: str
    ) -> None:
        case = unit.get(data.case_id, PlacementCase)
        key: YouthKey | None = None
        if case is None:
            # the BSN goes no further than this block; a key is made only for a crisis start,
            # the one kind that may open a case
            if data.crisis and data.bsn is not None:
                key = self.keys.key_for_bsn(data.bsn)
            case = open_for_crisis_placement(
                data.case_id,
                key.pseudonym if key is not None else None,
                data.gemeente_code,
                data.crisis,
                causation_id,
            )
        youth = self._youth(unit, case, causation_id)
        # the birth date goes no further than this method: the event keeps the month of the
        # 18th birthday sealed under the youth's key, the schedule its day
        birthday = EighteenthBirthday.of(data.birth_date) if data.birth_date else None
        if birthday is not None and key is None:
            key = self.keys.key_for_pseudonym(case.youth_pseudonym)
        if key is None:
            # an erased youth (or one named before youths had keys): nothing to seal the month
            # under, so nothing of the birthday is kept or published
            birthday = None
        case.start(
            ActivePlacement(data.provider, data.care_form, data.location_gemeente_code),
            youth,
            data.deviation_reason,
            data.crisis,
            data.occurred_at,
            causation_id,
            key.seal(birthday.month) if key is not None and birthday is not None else None,
        )
        if (
            birthday is not None
            and not youth.turned_eighteen
            and data.occurred_at <= birthday.moment
        ):
            if birthday.on <= day_of(self.clock.now()):
                # reported on or after the birthday: recorded with the start, atomically
                youth.turn_eighteen(birthday, [case])
            else:
                # planned before the start is saved, so no crash loses it; a start that is not
                # saved after all leaves a row the scheduler drops (the youth is not in care)
                self.birthdays.plan(
                    DueBirthday(youth.id, case.case_id, birthday.on, youth.youth_pseudonym)
                )
        # added only now: a refused start leaves no new case or youth in the unit of work
        unit.add(case)
        unit.add(youth)

    @staticmethod
    def _youth(unit: UnitOfWork, case: PlacementCase, causation_id: str) -> Youth:
        """The youth of the case; one met for the first time is added once the command held."""
        return unit.get(case.youth_id, Youth) or Youth(
            youth_pseudonym=case.youth_pseudonym, causation_id=causation_id
        )


def _check_reporter(
    case: PlacementCase, message: ReceivedMessage, or_receiving: str | None = None
) -> None:
    """Permissions see only the data; who is placed where, only the case knows."""
    publisher = message.publisher
    if publisher is not None and publisher.provider is not None:
        case.check_reported_by(publisher.provider, or_receiving)
