"""The alerts' part of the retention job (privacy's `ResolvedAlerts`): a resolved alert whose
resolution is older than the alerts period goes with its whole history (the werkgroep's actions
and comments, in the event store) and its row in the `alerts` index, in one transaction. Its
stage keeps its marks, so the sweeper neither raises it again nor resolves it a second time. An
open alert stays, however old.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from eventsourcing.postgres import PostgresApplicationRecorder

from ketenmonitor.alerts import store
from ketenmonitor.alerts.application import Alerts, UnknownAlert
from ketenmonitor.alerts.domain import Alert
from ketenmonitor.projection.queries import quoted

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


@dataclass(frozen=True)
class ResolvedAlerts:
    alerts: Alerts

    async def create_tables(self, connection: asyncpg.Connection) -> None:
        await store.create_tables(connection)

    async def remove_resolved_before(
        self, connection: asyncpg.Connection, cutoff: datetime, now: datetime
    ) -> tuple[int, int]:
        """Remove the alerts resolved before `cutoff` with their events; returns (alerts,
        events)."""
        recorder = self.alerts.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError("the retention of alerts needs the PostgreSQL event store")
        delete_events = (
            f"DELETE FROM {quoted(recorder.events_table_name)} "
            "WHERE originator_id = ANY($1::uuid[])"
        )
        candidates = [
            UUID(str(row["alert_id"])) for row in await connection.fetch(_RAISED_BEFORE, cutoff)
        ]
        removed_alerts = removed_events = 0
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start : start + CHUNK]
            resolved = await asyncio.to_thread(_resolved_before, self.alerts, chunk, cutoff)
            if not resolved:
                continue
            async with connection.transaction():
                status = await connection.execute(delete_events, resolved)
                await connection.execute(_FORGET_ALERTS, resolved, now)
            removed_alerts += len(resolved)
            removed_events += int(status.split()[-1])  # "DELETE <rows>"
        return removed_alerts, removed_events
