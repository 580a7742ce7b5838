"""The clock-driven side of toegang: a voorlopige OTS lapses at the end of its 3 months
(BW 1:257) when no OTS followed it up and nobody reported its end, whether or not any message
about the case arrives that day.

At start-up and then every second, each term of the schedule that ran out (at or before now:
after downtime it catches up) is recorded by the case's route, whose guard makes it happen
once, and then struck from the schedule. A crash between the two leaves the row, which the next
tick finds already recorded and strikes; so is a row whose voorlopige OTS was followed up or
ended in time.
"""

import asyncio

import structlog
from eventsourcing.persistence import IntegrityError

from toegang.application import Toegang
from toegang.protection import NoVoorlopigeOtsToExpire

log = structlog.get_logger(__name__)

TICK_SECONDS = 1.0


class VoorlopigeOtsScheduler:
    def __init__(self, application: Toegang) -> None:
        self._application = application

    def tick(self) -> int:
        """Record every voorlopige OTS whose term ran out; return how many."""
        terms = self._application.terms
        expired = 0
        for due in terms.due(self._application.clock.now()):
            try:
                self._application.expire_voorlopige_ots(due)
                expired += 1
            except NoVoorlopigeOtsToExpire:
                pass
            except IntegrityError:
                continue  # the route changed meanwhile: the next tick tries again
            terms.done(due)
        if expired:
            log.info("voorlopige OTS expired", count=expired)
        return expired

    async def run(self) -> None:
        """Tick until cancelled. A failing tick (the database away) is retried on the next:
        the schedule keeps every term until it is recorded."""
        while True:
            try:
                await asyncio.to_thread(self.tick)
            except Exception:
                log.exception("voorlopige OTS tick failed; retrying")
            await asyncio.sleep(TICK_SECONDS)
