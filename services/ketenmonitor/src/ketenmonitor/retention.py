"""Retention: the ketenmonitor keeps personal data no longer than its configured period, and
this job enforces it (issue 7). `python -m ketenmonitor retention` runs it once and prints what
it removed; the roles `all` and `sweeper` run it every `JEUGDKETEN_RETENTION_INTERVAL_SECONDS`.

Each kind has its own period (`MonitorSettings`, docs/privacy.md):

- the audit log's reads (`case_reads`) older than the audit period go through the table's
  purge function, the one delete its triggers let through (`audit.py`);
- a resolved alert whose resolution is older than the alerts period goes with its whole
  history (the werkgroep's actions and comments, in the event store) and its row in the
  `alerts` index, in one transaction. Its stage keeps its marks, so the sweeper neither raises
  it again nor resolves it a second time. An open alert stays, however old;
- a youth whose care ended longer ago than the cases period (every case of the youth left the
  chain, and none has had a fact since) is anonymised as an erasure does it
  (`erasure_store.erase_youths`): each case a random id and the youth a random pseudonym in
  every projection table, the cases' alerts gone. Their facts keep counting.

No figure counts reads or alerts, and an anonymised case counts as it did, so every figure
stays as it was; a second run removes nothing more.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import structlog
from eventsourcing.postgres import PostgresApplicationRecorder

from jeugdketen_shared.clock import Clock
from jeugdketen_shared.youth_keys import KeyRecord
from ketenmonitor import alert_store, audit, erasure_store
from ketenmonitor.alert_application import Alerts, UnknownAlert
from ketenmonitor.alert_domain import Alert
from ketenmonitor.alerts import Rule
from ketenmonitor.facts import PREFIX, TOEGANG_DECIDED
from ketenmonitor.figures.time_in_chain import LEAVING_DECISIONS, LEAVING_TYPES
from ketenmonitor.projection import store
from ketenmonitor.settings import MonitorSettings

log = structlog.get_logger(__name__)

CLOSING_ACTIONS = ("resolved", "auto-resolved")
CHUNK = 500
"""Alerts loaded from the event store, and removed, at a time."""

# resolved before the cut-off means raised before it too: only those are loaded to look
_RAISED_BEFORE = "SELECT alert_id FROM alerts WHERE raised_at < $1 ORDER BY raised_at, alert_id"

# the stage keeps `alerted_at`, and gets `alert_closed_at` if the werkgroep resolved the alert
# before its stage closed: the sweeper then neither raises it again nor auto-resolves it
_FORGET_ALERTS = """
WITH gone AS (DELETE FROM alerts WHERE alert_id = ANY($1::uuid[]) RETURNING case_id, rule)
UPDATE stages SET alert_closed_at = coalesce(stages.alert_closed_at, $2)
FROM gone WHERE stages.case_id = gone.case_id AND stages.rule = gone.rule
"""

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


def resolved_at(alert: Alert) -> datetime | None:
    """When the alert was resolved, by the werkgroep or by itself; None while it is open."""
    for entry in reversed(alert.history):
        at = entry["at"]
        if entry["action"] in CLOSING_ACTIONS and isinstance(at, datetime):
            return at
    return None


def _resolved_before(alerts: Alerts, ids: Sequence[UUID], cutoff: datetime) -> list[UUID]:
    found = []
    for the_id in ids:
        try:
            alert = alerts.get(the_id)
        except UnknownAlert:
            continue  # its case was erased since the index was read: nothing left to remove
        resolved = resolved_at(alert)
        if resolved is not None and resolved < cutoff:
            found.append(the_id)
    return found


async def prepare(connection: asyncpg.Connection, schema: str) -> None:
    """The tables the job removes from, as the roles create them (a fresh database has none)."""
    await store.create_schema(connection, schema)
    await erasure_store.create_tables(connection, schema)
    await alert_store.create_tables(connection)
    await audit.create_table(connection)


async def remove_resolved_alerts(
    connection: asyncpg.Connection, alerts: Alerts, cutoff: datetime, now: datetime
) -> tuple[int, int]:
    """Remove the alerts resolved before `cutoff` with their events; returns (alerts, events)."""
    recorder = alerts.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        raise TypeError("the retention of alerts needs the PostgreSQL event store")
    delete_events = (
        f"DELETE FROM {store.quoted(recorder.events_table_name)} "
        "WHERE originator_id = ANY($1::uuid[])"
    )
    candidates = [
        UUID(str(row["alert_id"])) for row in await connection.fetch(_RAISED_BEFORE, cutoff)
    ]
    removed_alerts = removed_events = 0
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        resolved = await asyncio.to_thread(_resolved_before, alerts, chunk, cutoff)
        if not resolved:
            continue
        async with connection.transaction():
            status = await connection.execute(delete_events, resolved)
            await connection.execute(_FORGET_ALERTS, resolved, now)
        removed_alerts += len(resolved)
        removed_events += int(status.split()[-1])  # "DELETE <rows>"
    return removed_alerts, removed_events


async def anonymise_ended_care(
    connection: asyncpg.Connection, schema: str, rules: Sequence[Rule], cutoff: datetime
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
            cases += len(await erasure_store.erase_youths(connection, schema, chunk, rules))
    return len(youths), cases


@dataclass
class Retention:
    alerts: Alerts
    database_url: str
    schema: str
    rules: Sequence[Rule]
    periods: Periods
    clock: Clock
    interval_seconds: float
    runs: int = field(default=0, init=False)
    """Runs completed; tests wait for one to know that the job looked."""

    async def enforce(self) -> Removed:
        """One run: every kind older than its period removed."""
        connection = await store.connect(self.database_url, self.schema)
        try:
            await prepare(connection, self.schema)
            reads = await audit.purge(connection, self.periods.audit)
            now = self.clock.now()
            alerts, events = await remove_resolved_alerts(
                connection, self.alerts, now - self.periods.alerts, now
            )
            youths, cases = await anonymise_ended_care(
                connection, self.schema, self.rules, now - self.periods.cases
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
            except audit.FAILURES as error:
                log.warning("retention run failed; trying again later", error=str(error))
            self.runs += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_seconds):
                    await stopping.wait()
