"""Where the figures' rows come from: `FigureSource` is every figure's `Rows` together, which
the projection's tables answer through a connection pool (`TableFigures`) and the tests' fakes
answer from memory. A new figure adds its `Rows` here, and the method that reads them."""

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from typing import Protocol

import asyncpg

from ketenmonitor.figures import (
    capacity,
    capacity_history,
    care_form_matrix,
    hand_overs,
    inflow,
    kader_changes,
    lead_times,
    linked,
    measures,
    placement_durations,
    placements,
    referrals_by_verwijzer,
    ret_escalations,
    stepping_stones,
    thuis_tenzij,
    time_in_chain,
    veilig_thuis_onderzoek,
    waiting_lists,
)
from ketenmonitor.figures.common import (
    AtSnapshot,
    Database,
    FactRow,
    FactRows,
    Filters,
    Spread,
    select_facts_of,
)
from ketenmonitor.settings import MOVE_GAP_DAYS


class FigureSource(
    lead_times.Rows,
    referrals_by_verwijzer.Rows,
    stepping_stones.Rows,
    capacity.Rows,
    waiting_lists.Rows,
    capacity_history.Rows,
    inflow.Rows,
    thuis_tenzij.Rows,
    care_form_matrix.Rows,
    time_in_chain.Rows,
    hand_overs.Rows,
    kader_changes.Rows,
    placements.Rows,
    placement_durations.Rows,
    linked.ExtentRows,
    ret_escalations.Rows,
    veilig_thuis_onderzoek.Rows,
    measures.Rows,
    FactRows,
    Protocol,
):
    """What every figure reads."""

    def at_one_moment(self) -> AbstractAsyncContextManager["FigureSource"]:
        """This source as the projection stood at one moment: every read through it sees the
        same batches, however long the reading takes. A family's answers are protected on
        counts that agree with each other, and with the position they are kept for."""


class TableFigures:
    """The read API's source: the projection's tables, through a connection pool."""

    def __init__(
        self, pool: asyncpg.Pool, move_gap_days: int = MOVE_GAP_DAYS, rows: Database | None = None
    ) -> None:
        self._pool = pool
        self._move_gap_days = move_gap_days
        self._rows: Database = rows or pool
        """Where the reads go: the pool, or one moment's transaction (`at_one_moment`)."""

    @asynccontextmanager
    async def at_one_moment(self) -> AsyncIterator["TableFigures"]:
        """One read-only transaction at REPEATABLE READ, whose snapshot every read shares
        (`AtSnapshot`), whatever the projection commits meanwhile."""
        async with (
            self._pool.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            at_snapshot = AtSnapshot(self._pool, connection, snapshot)
            yield TableFigures(self._pool, self._move_gap_days, at_snapshot)

    async def lead_times(self, filters: Filters) -> dict[str, Spread]:
        return await lead_times.select_lead_times(self._rows, filters)

    async def referral_outcomes(self, filters: Filters) -> referrals_by_verwijzer.Followed:
        return await referrals_by_verwijzer.select_referral_outcomes(self._rows, filters)

    async def hand_overs(self, filters: Filters) -> dict[str, Spread]:
        return await hand_overs.select_hand_overs(self._rows, filters)

    async def time_in_chain(self, filters: Filters) -> time_in_chain.RouteSpreads:
        return await time_in_chain.select_time_in_chain(self._rows, filters)

    async def entries(self, filters: Filters) -> inflow.Entries:
        return await inflow.select_entries(self._rows, filters)

    async def jeugdhulp(self, filters: Filters) -> list[thuis_tenzij.Jeugdhulp]:
        return await thuis_tenzij.select_jeugdhulp(self._rows, filters)

    async def waiting_entries(self, filters: Filters) -> list[waiting_lists.Entry]:
        return await waiting_lists.select_waiting_entries(self._rows, filters)

    async def capacity_reports(self, filters: Filters) -> list[capacity_history.CapacityReport]:
        return await capacity_history.select_capacity_reports(self._rows, filters)

    async def care_form_pairs(self, filters: Filters) -> care_form_matrix.Pairs:
        return await care_form_matrix.select_care_form_pairs(self._rows, filters)

    async def transfer_counts(self, filters: Filters, on: date) -> stepping_stones.TransferCounts:
        return await stepping_stones.select_transfer_counts(self._rows, filters, on)

    async def transfers_per_placed_youth(self, filters: Filters) -> list[int]:
        return await stepping_stones.select_transfers_per_placed_youth(self._rows, filters)

    async def facts_of(self, types: Sequence[str]) -> list[FactRow]:
        return await select_facts_of(self._rows, types)

    async def stays_away(self, filters: Filters) -> placements.StaysAway:
        return await placements.select_stays_away(self._rows, filters)

    async def youths_away(self, filters: Filters) -> placements.YouthsAway:
        return await placements.select_youths_away(self._rows, filters, self._move_gap_days)

    async def stay_durations(self, filters: Filters, on: date) -> placement_durations.StayDurations:
        return await placement_durations.select_stay_durations(self._rows, filters, on)

    async def case_measures(self) -> list[measures.CaseMeasures]:
        return measures.measures_of_cases(await self.facts_of(measures.MEASURE_FACTS))

    async def kader_cases(self, gemeente: str | None) -> list[kader_changes.KaderCase]:
        return await kader_changes.select_kader_cases(self._rows, gemeente)

    async def ret_rows(self, filters: Filters) -> ret_escalations.RetRows:
        return await ret_escalations.select_ret_rows(self._rows, filters)

    async def onderzoek_rows(self, filters: Filters) -> veilig_thuis_onderzoek.OnderzoekRows:
        return await veilig_thuis_onderzoek.select_onderzoek_rows(self._rows, filters)

    async def position(self) -> int:
        position: int = await self._rows.fetchval(SELECT_POSITION)
        return position

    async def extent(self) -> linked.Extent:
        (row,) = await self._rows.fetch(SELECT_EXTENT)  # one row, facts or none
        return linked.Extent(row["first_year"], tuple(row["providers"]))


SELECT_POSITION = "SELECT coalesce(sum(next_offset), 0)::bigint FROM positions"
"""Grows with every batch the projection stores."""

SELECT_EXTENT = """
SELECT (SELECT extract(year FROM min(occurred_at) AT TIME ZONE 'Europe/Amsterdam')::int
        FROM facts) AS first_year,
       (SELECT coalesce(array_agg(DISTINCT data->>'provider' ORDER BY data->>'provider'), '{}')
        FROM facts WHERE data ? 'provider') AS providers
"""
