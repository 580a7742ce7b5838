"""The clock-driven side of plaatsing: youths turn 18 on their birthday, whether or not any
message about them arrives that day.

At start-up and then every second, each birthday of the schedule that is due (on or before
today, Europe/Amsterdam: after downtime it catches up) is recorded by the youth's aggregate,
whose guard makes it happen once per youth, and then struck from the schedule. A crash between
the two leaves the row, which the next tick finds already recorded and strikes. A youth not in
care on the birthday gets no event; its row is struck once the birthday has passed (during the
day itself a start reported late may still be on its way to the event store).

Every `SWEEP_TICKS` ticks it also forgets the birthdays of youths whose key the vault no longer
has: they were erased, and nothing of their birthday may stay.
"""

import asyncio
import itertools

import structlog
from eventsourcing.persistence import IntegrityError

from plaatsing.application import Plaatsing
from plaatsing.domain.youth import AlreadyTurnedEighteen, NotInCareOnBirthday, day_of

log = structlog.get_logger(__name__)

TICK_SECONDS = 1.0
SWEEP_TICKS = 10


class TurningEighteenScheduler:
    def __init__(self, application: Plaatsing) -> None:
        self._application = application

    def forget_erased(self) -> int:
        """Forget the birthdays of youths whose key is gone; return how many."""
        birthdays = self._application.birthdays
        planned = birthdays.planned_youths()
        erased = set(planned) - self._application.keys.known(planned)
        if erased:
            birthdays.forget_youths(erased)
            log.info("birthdays of erased youths forgotten", count=len(erased))
        return len(erased)

    def tick(self) -> int:
        """Record every due birthday; return how many youths turned 18."""
        today = day_of(self._application.clock.now())
        birthdays = self._application.birthdays
        recorded = 0
        for due in birthdays.due(today):
            try:
                self._application.turn_eighteen(due)
                recorded += 1
            except AlreadyTurnedEighteen:
                pass
            except NotInCareOnBirthday:
                if due.on == today:
                    continue
            except IntegrityError:
                continue  # the youth changed meanwhile: the next tick tries again
            birthdays.done(due)
        if recorded:
            log.info("youths turned eighteen", count=recorded, day=today.isoformat())
        return recorded

    async def run(self) -> None:
        """Tick until cancelled. A failing tick (the database away) is retried on the next:
        the schedule keeps every birthday until it is recorded."""
        for ticks in itertools.count():
            try:
                if ticks % SWEEP_TICKS == 0:
                    await asyncio.to_thread(self.forget_erased)
                await asyncio.to_thread(self.tick)
            except Exception:
                log.exception("turning-eighteen tick failed; retrying")
            await asyncio.sleep(TICK_SECONDS)
