"""Retention: the ketenmonitor keeps personal data no longer than its configured period, and
this job enforces it (issue 7). `python -m ketenmonitor retention` runs it once and prints what
it removed; the roles `all` and `sweeper` run it every `JEUGDKETEN_RETENTION_INTERVAL_SECONDS`.

Each kind has its own period (`MonitorSettings`, docs/privacy.md):

- the audit log's reads (`case_reads`) older than the audit period go through the table's
  purge function, the one delete its triggers let through (`web.audit`);
- a resolved alert whose resolution is older than the alerts period goes with its whole
  history and its row in the `alerts` index (`alerts.retention`); an open alert stays,
  however old;
- a youth whose care ended longer ago than the cases period (every case of the youth left the
  chain, and none has had a fact since) is anonymised as an erasure does it
  (`erasure_store.erase_youths`): each case a random id and the youth a random pseudonym in
  every projection table, the cases' alerts gone. Their facts keep counting.

No figure counts reads or alerts, and an anonymised case counts as it did, so every figure
stays as it was; a second run removes nothing more.

The audit log and the alerts live in rooms above this one: they come in through the ports
below, wired by `main`.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg
import structlog

from jeugdketen_shared.clock import Clock
from jeugdketen_shared.youth_keys import KeyRecord
from ketenmonitor.facts import PREFIX, TOEGANG_DECIDED
from ketenmonitor.figures.time_in_chain import LEAVING_DECISIONS, LEAVING_TYPES
from ketenmonitor.privacy import erasure_store
from ketenmonitor.privacy.erasure_store import CaseRecords
from ketenmonitor.projection import store
from ketenmonitor.settings import MonitorSettings

log = structlog.get_logger(__name__)

CHUNK = 500
"""Youths anonymised at a time."""

# $1 the leaving facts' types, $2 toegang's decision's type, $3 the decisions that leave the
# chain, $4 the cut-off: the youths, not anonymised already, each of whose cases left the chain
# (as the time in the chain counts it) and has had no fact since before the cut-off
_CARE_ENDED_BEFORE = """
WITH ended AS (
    SELECT case_id FROM facts
    WHERE case_id IS NOT NULL
    GROUP BY case_id
    HAVING max(occurred_at) < $4
       AND bool_or(type = ANY($1::text[])
                   OR (type = $2 AND data->>'decision' = ANY($3::text[]))))
SELECT c.youth_pseudonym FROM cases c LEFT JOIN ended e USING (case_id)
WHERE c.youth_pseudonym IS NOT NULL
  AND c.youth_pseudonym NOT IN (SELECT anonymous_pseudonym FROM erased_youths)
GROUP BY c.youth_pseudonym
HAVING bool_and(e.case_id IS NOT NULL)
ORDER BY c.youth_pseudonym
"""


class ReadLog(Protocol):
    """The audit log of case-level reads (`web.audit`)."""

    async def purge(self, connection: asyncpg.Connection, period: timedelta) -> int:
        """Delete the reads older than `period`; returns how many."""


class ResolvedAlerts(Protocol):
    """The alerts (`alerts.retention.ResolvedAlerts`)."""

    async def remove_resolved_before(
        self, connection: asyncpg.Connection, cutoff: datetime, now: datetime
    ) -> tuple[int, int]:
        """Remove the alerts resolved before `cutoff` with their events; returns (alerts,
        events)."""


@dataclass(frozen=True)
class Periods:
    audit: timedelta
    alerts: timedelta
    cases: timedelta

    @classmethod
    def configured(cls, monitor: MonitorSettings) -> "Periods":
        return cls(
            audit=timedelta(days=monitor.retention_audit_days),
            alerts=timedelta(days=monitor.retention_alerts_days),
            cases=timedelta(days=monitor.retention_cases_days),
        )


@dataclass(frozen=True)
class Removed:
    """What one run removed, per kind, as counts."""

    audit_reads: int
    resolved_alerts: int
    alert_events: int
    anonymised_youths: int
    anonymised_cases: int

    def report(self) -> str:
        return "\n".join(
            f"{kind.replace('_', ' ')}: {count}" for kind, count in asdict(self).items()
        )


async def anonymise_ended_care(
    connection: asyncpg.Connection,
    schema: str,
    kept_elsewhere: Sequence[CaseRecords],
    cutoff: datetime,
) -> tuple[int, int]:
    """Anonymise the youths whose care ended before `cutoff`; returns (youths, cases)."""
    rows = await connection.fetch(
        _CARE_ENDED_BEFORE,
        [PREFIX + t for t in sorted(LEAVING_TYPES)],
        PREFIX + TOEGANG_DECIDED,
        sorted(LEAVING_DECISIONS),
        cutoff,
    )
    youths = [row["youth_pseudonym"] for row in rows]
    cases = 0
    for start in range(0, len(youths), CHUNK):
        chunk = youths[start : start + CHUNK]
        async with connection.transaction():
            # as a tombstone on the keys topic would: no batch stores a youth's fact meanwhile
            await erasure_store.lock(connection, schema, [KeyRecord(y, None) for y in chunk], [])
            cases += len(
                await erasure_store.erase_youths(connection, schema, chunk, kept_elsewhere)
            )
    return len(youths), cases


@dataclass
class Retention:
    database_url: str
    schema: str
    prepare: Callable[[asyncpg.Connection], Awaitable[None]]
    """Creates the tables the job removes from, as the roles do (a fresh database has none)."""
    reads: ReadLog
    alerts: ResolvedAlerts
    kept_elsewhere: Sequence[CaseRecords]
    """What an erasure removes beside the projection's tables (the cases' alerts)."""
    periods: Periods
    clock: Clock
    interval_seconds: float
    runs: int = field(default=0, init=False)
    """Runs completed; tests wait for one to know that the job looked."""

    async def enforce(self) -> Removed:
        """One run: every kind older than its period removed."""
        connection = await store.connect(self.database_url, self.schema)
        try:
            await self.prepare(connection)
            reads = await self.reads.purge(connection, self.periods.audit)
            now = self.clock.now()
            alerts, events = await self.alerts.remove_resolved_before(
                connection, now - self.periods.alerts, now
            )
            youths, cases = await anonymise_ended_care(
                connection, self.schema, self.kept_elsewhere, now - self.periods.cases
            )
        finally:
            await connection.close()
        return Removed(
            audit_reads=reads,
            resolved_alerts=alerts,
            alert_events=events,
            anonymised_youths=youths,
            anonymised_cases=cases,
        )

    async def run(self, stopping: asyncio.Event) -> None:
        """Run now and then every interval until `stopping`. A run that fails on the database
        is logged and tried again at the next interval: nothing is lost by waiting."""
        log.info("enforcing retention", interval_seconds=self.interval_seconds)
        while not stopping.is_set():
            try:
                removed = await self.enforce()
                log.info("retention enforced", **asdict(removed))
            except store.FAILURES as error:
                log.warning("retention run failed; trying again later", error=str(error))
            self.runs += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_seconds):
                    await stopping.wait()
