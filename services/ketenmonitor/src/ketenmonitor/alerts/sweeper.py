"""The wall-clock sweeper: raises an alert when an open stage's deadline passes, and closes it
when the stage closes. Runs in the ketenmonitor process (roles `all` and `sweeper`).

Stagnation shows in silence: a case that produces no further event is exactly the one to
alert on, so the sweeper looks at the stored deadlines on the clock, a few times a second,
not at arriving events. Each alert is saved in the event store first and marked on its stage
after; a crash in between raises nothing twice (one alert id per case and rule) and the next
sweep marks it. One sweeper per schema sweeps; a second one stands by until the first one's
database session ends.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import structlog
from eventsourcing.persistence import IntegrityError

from jeugdketen_shared.clock import Clock
from jeugdketen_shared.lock_classes import LockClass
from jeugdketen_shared.single_runner import wait_to_run_alone
from ketenmonitor.alerts import store
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.alerts.rules import Rule, alert_id
from ketenmonitor.projection import live

SWEEP_INTERVAL_SECONDS = 0.25
"""Well within the second in which a passed deadline must be alerted."""

log = structlog.get_logger(__name__)


@dataclass
class Sweeper:
    alerts: Alerts
    database_url: str
    schema: str
    rules: Sequence[Rule]
    clock: Clock
    interval_seconds: float = SWEEP_INTERVAL_SECONDS
    sweeps: int = field(default=0, init=False)
    """Sweeps completed; tests wait for one to know that the sweeper looked."""

    async def run(self, stopping: asyncio.Event) -> None:
        connection = await asyncpg.connect(
            self.database_url, server_settings={"search_path": self.schema}
        )
        try:
            if not await self._alone_unless_stopped(connection, stopping):
                return
            await store.create_tables(connection)
            log.info("sweeping stagnation deadlines", rules=len(self.rules))
            while not stopping.is_set():
                await self.sweep(connection)
                try:
                    async with asyncio.timeout(self.interval_seconds):
                        await stopping.wait()
                except TimeoutError:
                    pass
        finally:
            await connection.close()

    async def _alone_unless_stopped(
        self, connection: asyncpg.Connection, stopping: asyncio.Event
    ) -> bool:
        """Wait to be the schema's only sweeper (two would race on the same due stages); False
        when told to stop while standing by."""
        alone = asyncio.create_task(
            wait_to_run_alone(
                connection, LockClass.KETENMONITOR_SWEEPER, self.schema, "ketenmonitor sweeper"
            )
        )
        stopped = asyncio.create_task(stopping.wait())
        await asyncio.wait({alone, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if alone.done():
            alone.result()
            return True
        alone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await alone
        return False

    async def sweep(self, connection: asyncpg.Connection) -> tuple[int, int]:
        """One look at the deadlines: returns the alerts raised and auto-resolved."""
        rules = {rule.name: rule for rule in self.rules}
        now = self.clock.now()
        raised = 0
        for stage in await store.due_stages(connection, now):
            rule = rules.get(stage.rule)
            if rule is None:
                continue  # a rule since removed from the configuration
            if await asyncio.to_thread(
                self.alerts.raise_alert,
                case_id=stage.case_id,
                rule=rule,
                gemeente_code=stage.gemeente_code,
                started_at=stage.started_at,
                deadline_at=stage.deadline_at,
                at=now,
            ):
                raised += 1
                log.info("alert raised", rule=rule.name, case_id=str(stage.case_id))
                message = live.alert_message(
                    live.ALERT_RAISED,
                    alert_id=alert_id(stage.case_id, rule.name),
                    rule=rule.name,
                    severity=rule.severity.value,
                    gemeente_code=stage.gemeente_code,
                    title=rule.title,
                )
                await live.notify(connection, self.schema, message)
            await store.mark_alerted(
                connection, alert_id(stage.case_id, rule.name), stage, rule.severity.value, now
            )
        resolved = 0
        for closed in await store.closed_alerted_stages(connection):
            try:
                auto_resolved = await asyncio.to_thread(
                    self.alerts.auto_resolve,
                    alert_id(closed.case_id, closed.rule),
                    now,
                    closed.closed_at,
                )
            except IntegrityError:
                # a werkgroep action saved the alert at the same moment: the next sweep, a
                # quarter of a second on, sees that action and resolves after it
                log.info("alert changed meanwhile; resolving next sweep", rule=closed.rule)
                continue
            if auto_resolved:
                resolved += 1
                log.info("alert auto-resolved", rule=closed.rule, case_id=str(closed.case_id))
                await self._notify_resolved(connection, alert_id(closed.case_id, closed.rule))
            await store.mark_alert_closed(connection, closed, now)
        self.sweeps += 1
        return raised, resolved

    async def _notify_resolved(self, connection: asyncpg.Connection, the_id: UUID) -> None:
        alert = await asyncio.to_thread(self.alerts.get, the_id)
        message = live.alert_message(
            live.ALERT_RESOLVED,
            alert_id=the_id,
            rule=alert.rule,
            severity=alert.severity,
            gemeente_code=alert.gemeente_code,
            title=alert.title,
        )
        await live.notify(connection, self.schema, message)
