"""One youth across cases: which case holds the active placement, and turning 18."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.contracts.plaatsing import AMSTERDAM
from jeugdketen_shared.refusal import Refusal

_YOUTH_NAMESPACE = UUID("3c6a8f0e-93d1-4f55-8c47-1d2b7e9a6f30")


class YouthAlreadyPlaced(Refusal):
    """The youth already has an active placement (in this or another case)."""

    reason = "youth-already-placed"


class AlreadyTurnedEighteen(Refusal):
    """The youth's 18th birthday was recorded before; a youth turns 18 once."""

    reason = "already-turned-eighteen"


class NotInCareOnBirthday(Refusal):
    """None of the youth's cases was in care at the start of the 18th birthday."""

    reason = "not-in-care-on-birthday"


def day_of(moment: datetime) -> date:
    """The day on the Dutch calendar (Europe/Amsterdam) of a moment."""
    return moment.astimezone(AMSTERDAM).date()


@dataclass(frozen=True)
class EighteenthBirthday:
    """The day a youth turns 18, on the Dutch calendar; all plaatsing keeps of a birth date."""

    on: date

    @classmethod
    def of(cls, birth_date: date) -> "EighteenthBirthday":
        year = birth_date.year + 18
        if (birth_date.month, birth_date.day) == (2, 29) and not calendar.isleap(year):
            return cls(date(year, 3, 1))
        return cls(birth_date.replace(year=year))

    @property
    def moment(self) -> datetime:
        """When the youth turns 18: 00:00 Europe/Amsterdam on the birthday."""
        return datetime.combine(self.on, time(), tzinfo=AMSTERDAM)

    @property
    def month(self) -> str:
        """YYYY-MM: what the published events say of it (month granularity on purpose)."""
        return f"{self.on:%Y-%m}"


class CaseHistory(Protocol):
    """What turning 18 reads of one of the youth's cases (a `PlacementCase`, which uses the
    youth: so the youth names no case class)."""

    @property
    def case_id(self) -> UUID: ...

    @property
    def youth_id(self) -> UUID: ...

    def was_in_care_at(self, moment: datetime) -> bool: ...

    def had_continuity_plan_at(self, moment: datetime) -> bool: ...


class Youth(Aggregate):
    """One youth across cases; its id derives from the youth pseudonym."""

    # the topics stored before the domain was split per aggregate (see plaatsing.domain)
    TOPIC = "plaatsing.domain:Youth"

    # the library's default creation event, which plaatsing never records, needs one too
    class Created(Aggregate.Created):
        TOPIC = "plaatsing.domain:Youth.Created"

    class Registered(Aggregate.Created):
        TOPIC = "plaatsing.domain:Youth.Registered"

        youth_pseudonym: str
        causation_id: str

    class Placed(Aggregate.Event):
        TOPIC = "plaatsing.domain:Youth.Placed"

        case_id: UUID
        causation_id: str

    class Released(Aggregate.Event):
        TOPIC = "plaatsing.domain:Youth.Released"

        case_id: UUID
        causation_id: str

    class TurnedEighteen(Aggregate.Event):
        """Recorded by the scheduler on the birthday, so it has no causing message."""

        TOPIC = "plaatsing.domain:Youth.TurnedEighteen"

        case_id: UUID
        youth_pseudonym: str
        continuity_plan_exists: bool
        occurred_at: datetime

    @staticmethod
    def create_id(youth_pseudonym: str) -> UUID:
        return uuid5(_YOUTH_NAMESPACE, youth_pseudonym)

    @event(Registered)
    def __init__(self, *, youth_pseudonym: str, causation_id: str) -> None:
        self.youth_pseudonym = youth_pseudonym
        self.placed_in: UUID | None = None
        self.turned_eighteen = False

    def check_can_be_placed(self) -> None:
        if self.placed_in is not None:
            raise YouthAlreadyPlaced

    def place(self, case_id: UUID, causation_id: str) -> None:
        self.check_can_be_placed()
        self._placed(case_id=case_id, causation_id=causation_id)

    def release(self, case_id: UUID, causation_id: str) -> None:
        self._released(case_id=case_id, causation_id=causation_id)

    def turn_eighteen(self, birthday: EighteenthBirthday, cases: Iterable[CaseHistory]) -> None:
        """The youth turns 18 in the case (of `cases`) that was in care at the birthday's start."""
        if self.turned_eighteen:
            raise AlreadyTurnedEighteen
        moment = birthday.moment
        in_care = [c for c in cases if c.youth_id == self.id and c.was_in_care_at(moment)]
        if not in_care:
            raise NotInCareOnBirthday
        case = in_care[0]
        self._turned_eighteen(
            case_id=case.case_id,
            youth_pseudonym=self.youth_pseudonym,
            continuity_plan_exists=case.had_continuity_plan_at(moment),
            occurred_at=moment,
        )

    @event(Placed)
    def _placed(self, case_id: UUID, causation_id: str) -> None:
        self.placed_in = case_id

    @event(Released)
    def _released(self, case_id: UUID, causation_id: str) -> None:
        self.placed_in = None

    @event(TurnedEighteen)
    def _turned_eighteen(
        self,
        case_id: UUID,
        youth_pseudonym: str,
        continuity_plan_exists: bool,
        occurred_at: datetime,
    ) -> None:
        self.turned_eighteen = True
