"""The ketenmonitor's figures from facts over real Kafka and PostgreSQL in the situations a
generated chain seldom shows, each youth counted by hand (leaving a waiting list, coming back
into the chain, a transfer and the end of care at one moment), and the RET's escalations of
events from before they named who escalated. Every figure on a generated chain, under every
filter, in any order of arrival: test_ketenmonitor_reference.py."""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from jeugdketen_shared.contracts import plaatsing, toegang
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import (
    Published,
    as_published,
    assert_figures_exact,
    chain,
    publish_events,
    read_api,
    wait_projected,
)
from tests.integration.test_ketenmonitor_reference import Reference, distinct, publish
from tests.support import suppressed
from tests.support.projection import projecting

pytestmark = pytest.mark.integration

GEMEENTEN = ("GM0153", "GM0164")
PROVIDERS = ("12345678", "87654321")
START = datetime(2025, 1, 6, 9, tzinfo=UTC)
SMALL_CELL = 10


def cell(n: int) -> dict[str, Any]:
    return {"value": n if n >= SMALL_CELL else None, "suppressed": n < SMALL_CELL}


async def get(platform: IsolatedPlatform, path: str, **query: str) -> dict[str, Any]:
    async with read_api(platform) as http:
        answer = await http.get(path, params=query)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def youths_coming_back(platform: IsolatedPlatform) -> list[Published]:
    """Youths referred and helped locally (leaving the chain) in 2025: 12 come back through a
    Veilig Thuis melding within 12 months, 11 through a crisis placement before any triage
    (crisisopvang), 10 through a melding only after 12 months; each return a new case."""
    events: list[Published] = []
    moment = START

    def publish(service: str, data: Any) -> None:
        events.append(as_published(platform, service, data))

    for way, youths in (("melding", 12), ("crisis", 11), ("melding-late", 10)):
        for _ in range(youths):
            moment += timedelta(hours=5)
            youth, gemeente = secrets.token_hex(32), GEMEENTEN[0]
            named = {"case_id": uuid4(), "youth_pseudonym": youth, "gemeente_code": gemeente}
            publish(
                "toegang",
                toegang.ReferralReceived(
                    **named, occurred_at=moment, verwijzer="huisarts", kader="vrijwillig"
                ),
            )
            left = moment + timedelta(days=20)
            publish(
                "toegang",
                toegang.ToegangDecided(
                    **named, occurred_at=left, decision="lokale-basishulp", kader="vrijwillig"
                ),
            )
            again = {**named, "case_id": uuid4()}
            if way == "crisis":
                publish(
                    "plaatsing",
                    plaatsing.PlacementStarted(
                        **again,
                        occurred_at=left + timedelta(days=100),
                        provider=PROVIDERS[0],
                        care_form="crisisopvang",
                        location_gemeente_code=gemeente,
                        recommended_care_form=None,
                        advice_binding=False,
                        deviates_from_advice=False,
                        deviation_reason=None,
                        crisis_without_triage=True,
                    ),
                )
            else:
                returned = left + timedelta(days=100 if way == "melding" else 400)
                publish(
                    "toegang", toegang.VeiligThuisMeldingReceived(**again, occurred_at=returned)
                )
    return events


async def test_a_youth_re_enters_through_a_veilig_thuis_melding_or_a_crisis_placement(
    platform: IsolatedPlatform,
) -> None:
    events = youths_coming_back(platform)
    async with projecting(platform):
        await wait_projected(platform, await publish_events(platform, events))
    body = await get(platform, "/v1/time-in-chain", **{"from": "2025-01-01", "to": "2025-12-31"})
    assert (body["left"], body["re_entered"]) == (cell(33), cell(12 + 11))
    assert body["re_entry_share"] == 23 / 33
    facts = distinct([(p.service, p.event) for p in events])
    with suppressed.counted_raw():
        expected = Reference(facts, {"from": "2025-01-01", "to": "2025-12-31"}).time_in_chain()
    assert (expected["left"], expected["re_entered"]) == (cell(33), cell(23))


def placement_started(
    named: dict[str, Any], at: datetime, provider: str, care_form: str
) -> plaatsing.PlacementStarted:
    """A placement in GEMEENTEN[0], neither advised nor in crisis."""
    return plaatsing.PlacementStarted(
        **named,
        occurred_at=at,
        provider=provider,
        care_form=care_form,
        location_gemeente_code=GEMEENTEN[0],
        recommended_care_form=None,
        advice_binding=False,
        deviates_from_advice=False,
        deviation_reason=None,
        crisis_without_triage=False,
    )


def moved_to_the_gezinshuis(common: dict[str, Any], at: datetime) -> plaatsing.Transferred:
    """From PROVIDERS[1]'s pleegzorg to PROVIDERS[0]'s gezinshuis, as planned."""
    return plaatsing.Transferred(
        **common,
        occurred_at=at,
        from_provider=PROVIDERS[1],
        from_care_form="pleegzorg",
        to_provider=PROVIDERS[0],
        to_care_form="gezinshuis",
        to_location_gemeente_code=GEMEENTEN[0],
        reason="geplande-afschaling",
        deviation_reason=None,
    )


def youths_leaving_a_waiting_list(platform: IsolatedPlatform) -> list[Published]:
    """Youths on PROVIDERS[0]'s gezinshuis list: 12 withdrawn; 11 started in pleegzorg in
    another case; 10 moved there from their place; 13 in crisisopvang meanwhile and still
    waiting; 10 simply still waiting."""
    events: list[Published] = []
    moment = START

    def publish(service: str, data: Any) -> None:
        events.append(as_published(platform, service, data))

    def youth() -> tuple[dict[str, Any], dict[str, Any]]:
        nonlocal moment
        moment += timedelta(hours=5)
        common = {"case_id": uuid4(), "youth_pseudonym": secrets.token_hex(32)}
        named = {**common, "gemeente_code": GEMEENTEN[0]}
        publish(
            "toegang",
            toegang.ReferralReceived(
                **named, occurred_at=moment, verwijzer="huisarts", kader="vrijwillig"
            ),
        )
        return common, named

    def start(named: dict[str, Any], at: datetime, provider: str, care_form: str) -> None:
        publish("plaatsing", placement_started(named, at, provider, care_form))

    def request(named: dict[str, Any], at: datetime) -> None:
        publish(
            "plaatsing",
            plaatsing.PlacementRequested(
                **named, occurred_at=at, provider=PROVIDERS[0], care_form="gezinshuis"
            ),
        )

    for kind, youths in (
        ("withdrawn", 12),
        ("elsewhere", 11),
        ("moved", 10),
        ("crisis", 13),
        ("waiting", 10),
    ):
        for _ in range(youths):
            common, named = youth()
            if kind == "moved":
                start(named, moment + timedelta(days=1), PROVIDERS[1], "pleegzorg")
            request(named, moment + timedelta(days=2))
            later = moment + timedelta(days=30)
            if kind == "withdrawn":
                publish(
                    "plaatsing",
                    plaatsing.PlacementRequestWithdrawn(
                        **common,
                        occurred_at=later,
                        provider=PROVIDERS[0],
                        care_form="gezinshuis",
                        reason="niet-meer-nodig",
                    ),
                )
            elif kind == "elsewhere":  # a new case of the same youth
                start({**named, "case_id": uuid4()}, later, PROVIDERS[1], "pleegzorg")
            elif kind == "crisis":
                start(named, later, PROVIDERS[1], "crisisopvang")
            elif kind == "moved":
                publish("plaatsing", moved_to_the_gezinshuis(common, later))
    return events


async def test_a_youth_leaves_the_waiting_list_withdrawn_started_elsewhere_or_moved_there(
    platform: IsolatedPlatform,
) -> None:
    events = youths_leaving_a_waiting_list(platform)
    async with projecting(platform):
        await wait_projected(platform, await publish_events(platform, events))
    gezinshuis = {"care_form": "gezinshuis"}  # PROVIDERS[0]'s: the only gezinshuis

    [now] = (await get(platform, "/v1/capacity", **gezinshuis))["waiting_lists"]
    assert now["waiting"] == cell(13 + 10)  # in crisisopvang or simply still waiting
    [waiting] = (await get(platform, "/v1/waiting-lists", **gezinshuis))["waiting_lists"]
    assert {way: waiting[way] for way in ("left", "started_there", "started_elsewhere")} == {
        "left": cell(33),
        "started_there": cell(10),
        "started_elsewhere": cell(11),
    }
    assert (waiting["withdrawn"], waiting["still_waiting"]) == (cell(12), cell(23))
    assert waiting["waiting_time"]["p50_days"] == 28.0  # moved there 28 days after the request


async def test_a_transfer_and_the_end_of_care_at_one_moment_end_the_new_stay_at_once(
    platform: IsolatedPlatform,
) -> None:
    """A youth moved on the day care ends: plaatsing records the transfer, then the end, both
    at that moment. The stay the transfer began lasted no time; it is not open. Each event's id
    sorts before the one it follows, so an order by id would say otherwise."""
    events: list[Published] = []
    moved_at = START + timedelta(days=40)
    for n in range(12):
        named = {
            "case_id": uuid4(),
            "youth_pseudonym": secrets.token_hex(32),
            "gemeente_code": GEMEENTEN[0],
        }
        common = {key: named[key] for key in ("case_id", "youth_pseudonym")}
        in_order = [
            placement_started(named, START + timedelta(hours=n), PROVIDERS[1], "pleegzorg"),
            moved_to_the_gezinshuis(common, moved_at),
            plaatsing.PlacementEnded(
                **common,
                occurred_at=moved_at,
                provider=PROVIDERS[0],
                care_form="gezinshuis",
                reason="volgens-plan",
            ),
        ]
        for rank, data in zip("cba", in_order, strict=True):
            published = as_published(platform, "plaatsing", data)
            event = published.event.model_copy(update={"id": f"{rank}-{published.event.id}"})
            events.append(Published("plaatsing", event))
    async with projecting(platform):
        await wait_projected(platform, await publish_events(platform, events))

    year = {"from": "2025-01-01", "to": "2025-12-31"}
    answer = await get(platform, "/v1/placement-durations", **year)
    forms = {form["care_form"]: form for form in answer["care_forms"]}
    gezinshuis, pleegzorg = forms["gezinshuis"], forms["pleegzorg"]
    assert (gezinshuis["ended"]["count"], gezinshuis["open"]["count"]) == (cell(12), cell(0))
    assert gezinshuis["ended"]["max_days"] == 0.0
    assert (pleegzorg["ended"]["count"], pleegzorg["open"]["count"]) == (cell(12), cell(0))


async def test_escalations_to_the_ret_by_who_escalated_and_the_rets_advices(
    platform: IsolatedPlatform,
) -> None:
    events = chain(platform, cases=2_000, seed=89)
    escalations = [event for _, event in events if event.type.endswith(".escalated-to-ret")]
    for event in escalations[::10]:  # as events from before escalations named who escalated
        del event.data["escalated_by"]
    await publish(platform, events)
    async with projecting(platform):
        await wait_projected(platform, len(events))

    facts = distinct(events)
    filters = [{}, {"from": "2025-01-01", "to": "2025-12-31", "municipality": "GM0164"}]
    await assert_figures_exact(platform, facts, ["ret-escalations"], filters)
    for query in filters:
        expected = Reference(facts, query).ret_escalations()
        assert expected["time_to_advice"]["count"], "enough advices to show their time"
    whole = await get(platform, "/v1/ret-escalations")
    assert all(not count["suppressed"] for count in whole["per_escalator"].values())
    assert whole["non_contracted_share"]
    assert whole["custom_budget_share"]


async def test_veilig_thuis_onderzoek_started_concluded_by_outcome_and_against_its_norm(
    platform: IsolatedPlatform,
) -> None:
    """Some conclusions dated before their start (out of the timing), some cases under a
    measure by their conclusion (the kader at the conclusion)."""
    events = chain(platform, cases=2_000, seed=97)
    await publish(platform, events)
    async with projecting(platform):
        await wait_projected(platform, len(events))

    facts = distinct(events)
    filters = [
        {},
        {"from": "2025-01-01", "to": "2025-12-31", "municipality": "GM0164"},
        {"legal_framework": "gedwongen"},
    ]
    await assert_figures_exact(platform, facts, ["veilig-thuis-onderzoek"], filters)
    for query in filters:
        expected = Reference(facts, query).veilig_thuis_onderzoek()
        assert expected["duration"]["count"], query
    whole = await get(platform, "/v1/veilig-thuis-investigation")
    assert all(not count["suppressed"] for count in whole["outcomes"].values())
    assert 0 < whole["over_norm_share"] < 1
