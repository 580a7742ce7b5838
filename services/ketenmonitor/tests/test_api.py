"""The read API over a fake source: filters pass through, problems are problem+json."""

from datetime import date, timedelta

import httpx

from ketenmonitor.api import create_api
from ketenmonitor.figures import TRANSITIONS, Filters


class FakeFigures:
    def __init__(self) -> None:
        self.asked: list[Filters] = []

    async def durations(self, filters: Filters) -> dict[str, list[timedelta]]:
        self.asked.append(filters)
        return {t.name: [timedelta(days=d) for d in range(1, 13)] for t in TRANSITIONS}

    async def transfers_per_placed_youth(self, filters: Filters) -> list[int]:
        self.asked.append(filters)
        return [0] * 20 + [3] * 10


def client(source: FakeFigures) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_api(source)), base_url="http://ketenmonitor"
    )


async def test_lead_times_with_filters() -> None:
    source = FakeFigures()
    async with client(source) as http:
        answer = await http.get(
            "/v1/lead-times",
            params={
                "from": "2026-01-01",
                "to": "2026-03-31",
                "gemeente": "GM0153",
                "kader": "gedwongen",
            },
        )
    assert answer.status_code == 200
    body = answer.json()
    assert source.asked == [Filters(date(2026, 1, 1), date(2026, 3, 31), "GM0153", "gedwongen")]
    assert body["filters"] == {
        "from": "2026-01-01",
        "to": "2026-03-31",
        "gemeente": "GM0153",
        "kader": "gedwongen",
    }
    assert [f["transition"] for f in body["lead_times"]] == [t.name for t in TRANSITIONS]
    assert body["lead_times"][0]["count"] == {"value": 12, "suppressed": False}
    assert body["lead_times"][0]["p50_days"] == 6.0


async def test_stepping_stones() -> None:
    async with client(FakeFigures()) as http:
        body = (await http.get("/v1/stepping-stones")).json()
    assert body["placed_youths"] == {"value": 30, "suppressed": False}
    assert body["first_time_right_share"] == 20 / 30
    assert body["distribution"][3] == {
        "transfers": "3",
        "youths": {"value": 10, "suppressed": False},
    }


async def test_bad_queries_are_problems() -> None:
    async with client(FakeFigures()) as http:
        wrong_gemeente = await http.get("/v1/lead-times", params={"gemeente": "Enschede"})
        backwards = await http.get(
            "/v1/stepping-stones", params={"from": "2026-02-01", "to": "2026-01-01"}
        )
        openapi = await http.get("/v1/openapi.json")
    assert wrong_gemeente.status_code == 400
    assert wrong_gemeente.headers["content-type"] == "application/problem+json"
    assert wrong_gemeente.json()["reason"] == "invalid-query"
    assert backwards.json()["reason"] == "invalid-period"
    assert set(openapi.json()["paths"]) == {"/v1/lead-times", "/v1/stepping-stones"}
