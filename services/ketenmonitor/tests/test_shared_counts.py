"""Counts that two figures both show are protected as one count: hidden in both answers or in
neither, so that neither gives away what the other hides (docs/privacy.md, "Small numbers")."""

from uuid import uuid4

from ketenmonitor.facts import PROTECTION_MEASURE_ENDED
from ketenmonitor.figures.common import FactRow
from services.ketenmonitor.tests.test_api import FakeFigures, client
from services.ketenmonitor.tests.test_figures_measures import at, imposed, row

Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


def ots_in_force_at_the_end_of_march() -> list[FactRow]:
    """11 OTS in force on 31 March: 10 from 2025 and 1 imposed in March; and 12 from 2025
    that ended in February. In the measures over time, the one imposed in March is a small
    inflow that the stock at the end of March would give away: that stock is hidden there.
    The measures' durations show the same stock as the sum of its age bands."""
    rows = [imposed(at(1, 10, 2025), uuid4(), "ots") for _ in range(10)]
    rows.append(imposed(at(3, 10), uuid4(), "ots"))
    for _ in range(12):
        case = uuid4()
        rows += [
            imposed(at(1, 10, 2025), case, "ots"),
            row(PROTECTION_MEASURE_ENDED, at(2, 10), case, measure="ots"),
        ]
    return rows


async def test_the_measures_in_force_are_hidden_in_both_figures_or_in_neither() -> None:
    async with client(FakeFigures(ots_in_force_at_the_end_of_march())) as http:
        over_time = (await http.get("/v1/measures", params=Q1)).json()
        durations = (await http.get("/v1/measure-durations", params=Q1)).json()

    (stock,) = (m["running_at_end"] for m in over_time["measures"] if m["measure"] == "ots")
    (same,) = (m["running"] for m in durations["running"] if m["measure"] == "ots")
    assert stock == same == {"value": None, "suppressed": True}
