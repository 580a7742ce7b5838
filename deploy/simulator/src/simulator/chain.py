"""The state one simulation run shares: its random streams, the partners, the places, and the
messages planned so far, each case's in the order its partners send them."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID

from jeugdketen_shared.contracts.base import InboundMessage
from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.permissions import Partner
from jeugdketen_shared.privacy import is_valid_bsn
from simulator.partners import Twente, source_of
from simulator.plan import ACCEPTED, Dependency, Intended, PlannedMessage
from simulator.providers import Places
from simulator.rates import Rates


@dataclass(frozen=True)
class Youth:
    bsn: str
    gemeente_code: str
    birth_date: date

    def eighteenth_birthday(self) -> datetime:
        born = self.birth_date
        # a youth born on 29 February turns 18 on 1 March
        day = born.replace(year=born.year + 18) if (born.month, born.day) != (2, 29) else None
        day = day or date(born.year + 18, 3, 1)
        return datetime(day.year, day.month, day.day, 9, tzinfo=AMSTERDAM)


@dataclass
class CaseLog:
    """One case's messages are sent in order; `sent_until` keeps their send times in order."""

    id: UUID
    youth: Youth
    sent_until: datetime


@dataclass
class Chain:
    rates: Rates
    twente: Twente
    start: datetime
    end: datetime
    shape: random.Random
    """Draws what happens: the shape of the simulation depends on the seed only."""
    identities: random.Random
    """Draws ids and BSNs, which must differ between runs that end at another moment."""
    places: Places
    messages: list[PlannedMessage] = field(default_factory=list)
    _bsns: set[str] = field(default_factory=set)

    def progress(self, moment: datetime) -> float:
        return min(1.0, max(0.0, (moment - self.start) / (self.end - self.start)))

    def new_id(self) -> UUID:
        return UUID(int=self.identities.getrandbits(128), version=4)

    def new_youth(self, gemeente_code: str, referred_at: datetime) -> Youth:
        low, high = self._age_band()
        age = timedelta(days=self.shape.uniform(low * 365.25, high * 365.25 - 1))
        return Youth(self._new_bsn(), gemeente_code, (referred_at - age).date())

    def new_case(self, youth: Youth, opened_at: datetime) -> CaseLog:
        return CaseLog(self.new_id(), youth, opened_at)

    def send(
        self,
        case: CaseLog | None,
        service: str,
        data: InboundMessage,
        partner: Partner,
        *,
        after: Dependency | None = None,
        reporting_delay: bool = False,
        intended: Intended = ACCEPTED,
    ) -> PlannedMessage:
        """Plan one message of a partner; the send time follows the event (providers report
        some days late) and never precedes an earlier message of the case."""
        delay = self.rates.reporting_delay.draw(self.shape) if reporting_delay else timedelta(0)
        at = (data.occurred_at + delay).astimezone(UTC)
        if case is not None:
            at = max(at, case.sent_until)
            case.sent_until = at
        message = PlannedMessage(
            id=self.new_id(),
            service=service,
            type=data.cloudevent_type,
            partner=partner,
            source=source_of(partner),
            key=data.partition_key(),
            case_id=case.id if case else None,
            at=at,
            data=data.model_dump(mode="json", exclude_none=True),
            intended=intended,
            after=after,
        )
        self.messages.append(message)
        return message

    def local(self, moment: datetime) -> datetime:
        """Partners state their event times in Dutch local time, as a fixed offset (a zone's
        times are ambiguous in the hour the clocks go back)."""
        offset = moment.astimezone(AMSTERDAM).utcoffset()
        return moment.astimezone(timezone(offset or timedelta(0)))

    def _age_band(self) -> tuple[int, int]:
        bands = self.rates.age_at_referral
        return self.shape.choices(list(bands), weights=list(bands.values()))[0]

    def _new_bsn(self) -> str:
        # test data: random numbers that pass the elfproef, each youth its own
        while True:
            candidate = f"{self.identities.randrange(10**8, 10**9):09d}"
            if is_valid_bsn(candidate) and candidate not in self._bsns:
                self._bsns.add(candidate)
                return candidate
