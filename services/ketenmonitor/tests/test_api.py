"""The read API over a fake source: filters pass through, problems are problem+json."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import httpx

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from ketenmonitor.facts import Stretch
from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.capacity_history import CapacityReport
from ketenmonitor.figures.care_form_matrix import Pairs
from ketenmonitor.figures.common import FactRow, Filters, Spread, spread
from ketenmonitor.figures.inflow import Entries
from ketenmonitor.figures.kader_changes import KaderCase
from ketenmonitor.figures.lead_times import TRANSITIONS
from ketenmonitor.figures.linked import Extent
from ketenmonitor.figures.measures import MEASURE_FACTS, CaseMeasures, measures_of_cases
from ketenmonitor.figures.placement_durations import ENDED, OPEN, StayDurations
from ketenmonitor.figures.placements import OUTSIDE, OWN, REGION, StaysAway, YouthsAway
from ketenmonitor.figures.referrals_by_verwijzer import UNDECIDED, Followed
from ketenmonitor.figures.ret_escalations import RetRows
from ketenmonitor.figures.stepping_stones import TransferCounts
from ketenmonitor.figures.thuis_tenzij import Jeugdhulp
from ketenmonitor.figures.time_in_chain import RouteSpreads
from ketenmonitor.figures.veilig_thuis_onderzoek import OnderzoekRows
from ketenmonitor.figures.waiting_lists import Entry, Leaving

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


class FakeFigures:
    def __init__(self, rows: Sequence[FactRow] = ()) -> None:
        self.asked: list[Filters] = []
        self.rows = list(rows)

    async def lead_times(self, filters: Filters) -> dict[str, Spread]:
        self.asked.append(filters)
        return {t.name: spread(timedelta(days=d) for d in range(1, 13)) for t in TRANSITIONS}

    async def referral_outcomes(self, filters: Filters) -> Followed:
        self.asked.append(filters)
        return {("huisarts", "gezamenlijke-triage"): 30, ("huisarts", UNDECIDED): 12}

    async def hand_overs(self, filters: Filters) -> dict[str, Spread]:
        self.asked.append(filters)
        return {"triage-to-provider": spread(timedelta(days=d) for d in range(1, 11))}

    async def time_in_chain(self, filters: Filters) -> RouteSpreads:
        self.asked.append(filters)
        return RouteSpreads(
            route=spread(timedelta(days=10) for _ in range(24)),
            time_in_chain=spread(timedelta(days=5 if n < 10 else 100) for n in range(34)),
            re_entered=11,
        )

    async def waiting_entries(self, filters: Filters) -> list[Entry]:
        self.asked.append(filters)
        started = Entry("gezinshuis", "12345678", T0, T0 + timedelta(days=30), Leaving.WITHDRAWN)
        return [Entry("gezinshuis", "12345678", T0)] * 10 + [started]

    async def capacity_reports(self, filters: Filters) -> list[CapacityReport]:
        return [CapacityReport("gezinshuis", "12345678", T0, 4, 1)]

    async def entries(self, filters: Filters) -> Entries:
        self.asked.append(filters)
        return Entries(per_month={("2026-03", "jeugdzorg-plus"): 12})

    async def jeugdhulp(self, filters: Filters) -> list[Jeugdhulp]:
        self.asked.append(filters)
        at_home = [Jeugdhulp(f"thuis-{n}", False, T0, T0 + timedelta(days=40)) for n in range(30)]
        return [*at_home, *(Jeugdhulp(f"uithuis-{n}", True, T0, None) for n in range(12))]

    async def care_form_pairs(self, filters: Filters) -> Pairs:
        self.asked.append(filters)
        return {("gezinshuis", "gezinshuis"): 12, (None, "crisisopvang"): 3}

    async def transfer_counts(self, filters: Filters, on: date) -> TransferCounts:
        return TransferCounts(within={0: 20, 1: 10}, reasons={"escalatie": 10})

    async def transfers_per_placed_youth(self, filters: Filters) -> list[int]:
        self.asked.append(filters)
        return [0] * 20 + [3] * 10

    async def stays_away(self, filters: Filters) -> StaysAway:
        self.asked.append(filters)
        return {("pleegzorg", OWN): 30, ("gezinshuis", REGION): 10, ("jeugdzorg-plus", OUTSIDE): 10}

    async def youths_away(self, filters: Filters) -> YouthsAway:
        self.asked.append(filters)
        return YouthsAway(
            youths={(0, False): 20, (1, True): 10, (2, True): 10, (3, True): 10, (4, True): 10},
            moves={("pleegzorg", "gezinshuis"): 50, ("gezinshuis", "pleegzorg"): 20},
        )

    async def stay_durations(self, filters: Filters, on: date) -> StayDurations:
        self.asked.append(filters)
        return {
            (ENDED.name, "pleegzorg"): spread(timedelta(days=d) for d in range(1, 21)),
            (OPEN.name, "pleegzorg"): spread(timedelta(days=d) for d in range(1, 4)),
        }

    async def kader_cases(self, gemeente: str | None) -> list[KaderCase]:
        # vrijwillig, then 12 days gedwongen, then vrijwillig again
        back = (Stretch(T0, T0 + timedelta(days=12)),)
        return [KaderCase("vrijwillig", back)] * 12

    async def ret_rows(self, filters: Filters) -> RetRows:
        self.asked.append(filters)
        # March 2026's, so that the answers of the periods around it agree with each other
        if not (filters.from_date or date.min) <= T0.date() <= (filters.to_date or date.max):
            return RetRows({}, 0, 0, 0, Spread(0))
        return RetRows(
            escalations={("triagetafel", "2026-03"): 12, ("gemeente", "2026-03"): 11},
            advices=12,
            non_contracted_care=2,
            maatwerkbudget_granted=10,
            to_advice=spread(timedelta(days=d) for d in range(1, 13)),
        )

    async def onderzoek_rows(self, filters: Filters) -> OnderzoekRows:
        self.asked.append(filters)
        if not (filters.from_date or date.min) <= T0.date() <= (filters.to_date or date.max):
            return OnderzoekRows(0, {}, 0, Spread(0))
        return OnderzoekRows(
            started=14,
            concluded={"overdracht-lokaal-team": 12, "afgesloten": 11},
            over_norm=11,
            duration=spread(timedelta(weeks=w) for w in range(1, 24)),
        )

    @asynccontextmanager
    async def at_one_moment(self) -> AsyncIterator["FakeFigures"]:
        yield self  # its rows stay as they are while a request reads them

    async def position(self) -> int:
        return 0

    async def extent(self) -> Extent:
        return Extent(2026, ("12345678",))

    async def facts_of(self, types: Sequence[str]) -> list[FactRow]:
        return [row for row in self.rows if row.type in types]

    async def case_measures(self) -> list[CaseMeasures]:
        return measures_of_cases(await self.facts_of(MEASURE_FACTS))


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
                "municipality": "GM0153",
            },
        )
    assert answer.status_code == 200
    body = answer.json()
    # the family's answers (`linked`), the one asked for among them, each read once
    assert Filters(date(2026, 1, 1), date(2026, 3, 31), "GM0153") in source.asked
    assert len(source.asked) == len(set(source.asked))
    assert body["filters"] == {
        "from": "2026-01-01",
        "to": "2026-03-31",
        "municipality": "GM0153",
        "legal_framework": None,
        "care_form": None,
        "provider": None,
    }
    assert [f["transition"] for f in body["lead_times"]] == [t.name for t in TRANSITIONS]
    assert body["lead_times"][0]["count"] == {"value": 12, "suppressed": False}
    assert body["lead_times"][0]["p50_days"] == 6.0


async def test_a_family_reads_the_rows_of_every_period_once_per_breakdown_value() -> None:
    source = FakeFigures()
    async with client(source) as http:
        answer = await http.get("/v1/waiting-lists", params={"municipality": "GM0153"})
    assert answer.status_code == 200
    # the waiting lists' entries are of every period: one read for the region and one for each
    # gemeente, where the family has 11 periods for each
    assert sorted(source.asked, key=repr) == sorted(
        [Filters(), *(Filters(gemeente_code=code) for code in TWENTE_GEMEENTEN)], key=repr
    )


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
        wrong_gemeente = await http.get("/v1/lead-times", params={"municipality": "Enschede"})
        backwards = await http.get(
            "/v1/stepping-stones", params={"from": "2026-02-01", "to": "2026-01-01"}
        )
        openapi = await http.get("/v1/openapi.json")
    assert wrong_gemeente.status_code == 400
    assert wrong_gemeente.headers["content-type"] == "application/problem+json"
    assert wrong_gemeente.json()["reason"] == "invalid-query"
    assert backwards.json()["reason"] == "invalid-period"

    assert {path for path in openapi.json()["paths"] if not path.startswith("/v1/exports/")} == {
        "/v1/lead-times",
        "/v1/referrals-by-referrer",
        "/v1/stepping-stones",
        "/v1/moves-away-from-home",
        "/v1/placement-locations",
        "/v1/home-like-settings",
        "/v1/placement-durations",
        "/v1/capacity",
        "/v1/waiting-lists",
        "/v1/capacity-history",
        "/v1/inflow",
        "/v1/at-home-unless",
        "/v1/care-form-matrix",
        "/v1/turning-eighteen",
        "/v1/time-in-chain",
        "/v1/hand-overs",
        "/v1/legal-framework-changes",
        "/v1/ret-escalations",
        "/v1/veilig-thuis-investigation",
        "/v1/measures",
        "/v1/measure-durations",
        "/v1/provisional-ots",
        "/v1/rvdk-to-measure",
        "/v1/compulsory-inflow",
        "/v1/gauges",
    }


async def test_only_whole_quarters_and_years_one_breakdown_and_known_values_are_answered() -> None:
    """Requests that differ by a day, or that split the region two ways at once, would give
    small numbers away by subtraction: refused, each with its reason."""
    refused = {
        "invalid-period": [
            {"from": "2026-01-01", "to": "2026-03-30"},  # a quarter but one day
            {"from": "2026-02-01", "to": "2026-02-28"},  # a month
            {"from": "2026-01-01", "to": "2026-06-30"},  # half a year
            {"from": "2026-01-01"},  # from the first day on
            {"to": "2026-12-31"},
        ],
        "filters-not-combinable": [
            {"municipality": "GM0153", "legal_framework": "gedwongen"},
            {"care_form": "gezinshuis", "provider": "12345678"},
        ],
        "no-figures-for-filter": [
            {"municipality": "GM0363"},  # Amsterdam: not of the region
            {"from": "2027-01-01", "to": "2027-12-31"},  # a year still to come
        ],
    }
    answered = [
        {},
        {"from": "2019-01-01", "to": "2019-12-31"},  # before the first facts: none, hidden
        {"provider": "87654321"},  # no facts name it: none, hidden
        {"from": "2026-04-01", "to": "2026-06-30"},
        {"from": "2026-01-01", "to": "2026-12-31", "municipality": "GM0153"},
        {"legal_framework": "gedwongen"},
        {"provider": "12345678"},
    ]
    async with client(FakeFigures()) as http:
        for reason, queries in refused.items():
            for query in queries:
                answer = await http.get("/v1/capacity", params=query)
                assert answer.status_code == 400, query
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.json()["reason"] == reason, query
        for query in answered:
            assert (await http.get("/v1/capacity", params=query)).status_code == 200, query


async def test_turning_eighteen_is_a_snapshot_of_today_unless_to_is_given() -> None:
    app = create_api(FakeFigures(), today=lambda: date(2026, 5, 1))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ketenmonitor") as http:
        today = (await http.get("/v1/turning-eighteen")).json()
        quarter = {"from": "2026-01-01", "to": "2026-03-31"}
        then = (await http.get("/v1/turning-eighteen", params=quarter)).json()
        matrix = await http.get("/v1/care-form-matrix", params={"provider": "123"})
    assert (today["on"], then["on"]) == ("2026-05-01", "2026-03-31")
    assert today["soon_without_plan"] == {"value": None, "suppressed": True}
    assert matrix.json()["reason"] == "invalid-query"


async def test_capacity_by_care_form_or_by_provider() -> None:
    source = FakeFigures()
    async with client(source) as http:
        by_provider = await http.get("/v1/capacity", params={"provider": "12345678"})
        answer = await http.get("/v1/capacity", params={"care_form": "gezinshuis"})
        wrong = await http.get("/v1/capacity", params={"care_form": "tent"})
    assert by_provider.json()["filters"]["provider"] == "12345678"
    assert Filters(provider="12345678") in source.asked
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["filters"]["care_form"] == "gezinshuis"
    assert Filters(care_form="gezinshuis") in source.asked
    assert body["waiting_lists"] == [
        {
            "care_form": "gezinshuis",
            "provider": "12345678",
            "waiting": {"value": 10, "suppressed": False},
            "places": 4,
            "occupied": 1,
            "free_places": 3,
            "hotspot": True,
        }
    ]
    assert wrong.status_code == 400
    assert wrong.json()["reason"] == "invalid-query"


async def test_lead_times_by_the_care_form_of_the_first_placement() -> None:
    source = FakeFigures()
    async with client(source) as http:
        answer = await http.get("/v1/lead-times", params={"care_form": "gezinshuis"})
        wrong = await http.get("/v1/lead-times", params={"provider": "KvK"})
    assert answer.status_code == 200, answer.text
    assert Filters(None, None, None, None, "gezinshuis") in source.asked
    assert answer.json()["filters"]["care_form"] == "gezinshuis"
    assert wrong.status_code == 400
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_hand_overs() -> None:
    source = FakeFigures()
    async with client(source) as http:
        body = (await http.get("/v1/hand-overs", params={"municipality": "GM0153"})).json()
        wrong = await http.get("/v1/hand-overs", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert Filters(gemeente_code="GM0153") in source.asked
    by = {f["transition"]: f for f in body["hand_overs"]}
    assert by["triage-to-provider"]["count"] == {"value": 10, "suppressed": False}
    assert by["triage-to-provider"]["p50_days"] == 5.0
    assert by["measure-to-gi"]["count"] == {"value": None, "suppressed": True}
    assert wrong.json()["reason"] == "invalid-period"


async def test_time_in_chain_and_the_re_entry_share() -> None:
    source = FakeFigures()
    async with client(source) as http:
        body = (
            await http.get("/v1/time-in-chain", params={"legal_framework": "vrijwillig"})
        ).json()
    assert Filters(kader="vrijwillig") in source.asked
    assert body["route"]["p50_days"] == 10.0
    assert body["time_in_chain"]["count"] == {"value": 34, "suppressed": False}
    assert (body["time_in_chain"]["p50_days"], body["time_in_chain"]["max_days"]) == (100.0, 100.0)
    assert body["left"] == {"value": 34, "suppressed": False}
    assert body["re_entered"] == {"value": 11, "suppressed": False}
    assert body["re_entry_share"] == 11 / 34


async def test_referrals_by_verwijzer_by_gemeente_and_kader_only() -> None:
    source = FakeFigures()
    async with client(source) as http:
        answer = await http.get(
            "/v1/referrals-by-referrer", params={"legal_framework": "gedwongen"}
        )
        by_care_form = await http.get(
            "/v1/referrals-by-referrer", params={"care_form": "gezinshuis"}
        )
    assert answer.status_code == 200, answer.text
    assert Filters(kader="gedwongen") in source.asked
    body = answer.json()
    assert body["referrals"] == {"value": 42, "suppressed": False}
    huisarts = next(v for v in body["referrers"] if v["referrer"] == "huisarts")
    assert huisarts["referrals"] == {"value": 42, "suppressed": False}
    assert huisarts["decisions"]["gezamenlijke-triage"] == {"value": 30, "suppressed": False}
    assert huisarts["undecided"] == {"value": 12, "suppressed": False}
    assert by_care_form.json()["filters"]["care_form"] is None  # not a filter of referrals


async def test_the_figures_of_placements_away_from_home() -> None:
    source = FakeFigures()
    async with client(source) as http:
        moves = (
            await http.get("/v1/moves-away-from-home", params={"municipality": "GM0153"})
        ).json()
        where = await http.get("/v1/placement-locations", params={"care_form": "pleegzorg"})
        homely = (await http.get("/v1/home-like-settings", params={"provider": "12345678"})).json()
    for asked in (
        Filters(gemeente_code="GM0153"),
        Filters(care_form="pleegzorg"),
        Filters(provider="12345678"),
    ):
        assert asked in source.asked
    assert moves["youths"] == {"value": 60, "suppressed": False}
    assert moves["placed_before_share"] == 40 / 60
    assert moves["average_moves"] == 70 / 60
    assert {d["direction"]: d["moves"]["value"] for d in moves["directions"]} == {
        "escalatie": 50,
        "afschaling": 20,
        "zijwaarts": None,  # none, hidden with crisis' none: neither gives the other away
        "crisis": None,
    }
    assert [(w["placed"], w["stays"]["value"]) for w in where.json()["where"]] == [
        (OWN, 30),
        (REGION, 10),
        (OUTSIDE, 10),
    ]
    assert (homely["home_like"]["value"], homely["home_like_share"]) == (40, 40 / 50)


async def test_placement_durations_per_care_form_on_the_period_end() -> None:
    source = FakeFigures()
    async with client(source) as http:
        body = (await http.get("/v1/placement-durations", params={"provider": "12345678"})).json()
    assert Filters(provider="12345678") in source.asked
    [pleegzorg] = [f for f in body["care_forms"] if f["care_form"] == "pleegzorg"]
    assert pleegzorg["ended"]["count"] == {"value": 20, "suppressed": False}
    assert (pleegzorg["ended"]["p50_days"], pleegzorg["ended"]["max_days"]) == (10.0, 20.0)
    # three open stays: hidden, and so are their percentiles
    assert pleegzorg["open"]["count"] == {"value": None, "suppressed": True}
    assert pleegzorg["open"]["p50_days"] is None


async def test_the_ret_figure_by_kader_not_by_provider() -> None:
    source = FakeFigures()
    async with client(source) as http:
        answer = await http.get("/v1/ret-escalations")
        by_kader = await http.get("/v1/ret-escalations", params={"legal_framework": "gedwongen"})
        by_provider = await http.get("/v1/ret-escalations", params={"provider": "12345678"})
    assert answer.status_code == 200, answer.text
    assert by_kader.status_code == 200, by_kader.text
    assert Filters(kader="gedwongen") in source.asked
    body = answer.json()
    assert body["per_escalator"]["triagetafel"] == {"value": 12, "suppressed": False}
    assert body["per_escalator"]["gemeente"] == {"value": 11, "suppressed": False}
    assert body["per_escalator"]["aanbieder"] == {"value": None, "suppressed": True}
    assert body["time_to_advice"]["count"] == {"value": 12, "suppressed": False}
    assert body["non_contracted_share"] is None  # 2 of 12
    assert by_provider.json()["filters"]["provider"] is None  # not a filter of escalations


async def test_the_veilig_thuis_onderzoek_figure_by_kader_and_gemeente() -> None:
    source = FakeFigures()
    async with client(source) as http:
        answer = await http.get("/v1/veilig-thuis-investigation", params={"municipality": "GM0153"})
        by_kader = await http.get(
            "/v1/veilig-thuis-investigation", params={"legal_framework": "gedwongen"}
        )
    assert answer.status_code == 200, answer.text
    assert by_kader.status_code == 200, by_kader.text
    assert {Filters(gemeente_code="GM0153"), Filters(kader="gedwongen")} <= set(source.asked)
    body = answer.json()
    assert body["started"] == {"value": 14, "suppressed": False}
    assert body["concluded"] == {"value": 23, "suppressed": False}
    assert body["outcomes"]["verzoek-rvdk"] == {"value": None, "suppressed": True}  # none
    assert body["over_norm"] == {"value": 11, "suppressed": False}
    assert body["duration"]["p50_days"] == 12 * 7
