"""The ketenmonitor's figures from facts over real Kafka and PostgreSQL (waiting lists against
capacity, inflow, advice versus deployed care, 18-/18+), each checked against
a simple computation straight from the published events, whatever the order they arrive in
(the youths' keys last: every sealed month is held until its key arrives)."""

import random
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from jeugdketen_shared.contracts import plaatsing, toegang, triage
from jeugdketen_shared.vocabulary import CareForm, RetEscalator
from jeugdketen_shared.youth_keys import YouthKey
from ketenmonitor.main import build_projection
from ketenmonitor.projection.rebuild import rebuild
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import (
    Published,
    as_published,
    projecting,
    publish_events,
    read_api,
    wait_projected,
)
from tests.integration.test_ketenmonitor_reference import (
    Reference,
    as_lead,
    publish_keys,
    unsealed,
)
from tests.support import suppressed

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GEMEENTEN = ("GM0153", "GM0164")
PROVIDERS = ("12345678", "87654321")
CARE_FORMS = ("ambulant", "gezinshuis", "3-milieuvoorziening", "jeugdzorg-plus")
START = datetime(2025, 1, 6, 9, tzinfo=UTC)
SMALL_CELL = 10
REASONS = ("escalatie", "geplande-afschaling", "capaciteit")
PLANS = tuple(plan.value for plan in plaatsing.ContinuityPlan)
KEYS: dict[str, YouthKey] = {}
"""The placed youths' keys by pseudonym, as toegang would publish them."""


def cell(n: int) -> dict[str, Any]:
    return {"value": n if n >= SMALL_CELL else None, "suppressed": n < SMALL_CELL}


def day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def cases_placed(platform: IsolatedPlatform, cases: int, seed: int) -> list[Published]:
    """Cases referred, triaged (some escalated to the RET), put on a provider's waiting list,
    most of them placed (some in another care form than advised), transferred, ended; capacity
    recorded by each provider for each care form now and then."""
    rng = random.Random(seed)
    events: list[Published] = []

    def publish(service: str, data: Any) -> None:
        events.append(as_published(platform, service, data))

    def after(moment: datetime, max_days: int) -> datetime:
        return moment + timedelta(seconds=rng.randrange(1, max_days * 86_400))

    for provider in PROVIDERS:
        for care_form in CARE_FORMS:
            for _ in range(rng.randrange(1, 5)):
                places = rng.randrange(0, 90)
                publish(
                    "plaatsing",
                    plaatsing.CapacityRecorded(
                        provider=provider,
                        care_form=care_form,
                        occurred_at=after(START, 400),
                        places=places,
                        occupied=rng.randrange(0, places // 2 + 1),
                    ),
                )
    for _ in range(cases):
        case, key = uuid4(), YouthKey.generate()
        youth = key.pseudonym
        KEYS[youth] = key
        gemeente, kader = rng.choice(GEMEENTEN), rng.choice(("vrijwillig", "gedwongen"))
        referred = after(START, 300)
        common = {"case_id": case, "youth_pseudonym": youth, "gemeente_code": gemeente}
        publish(
            "toegang",
            toegang.ReferralReceived(
                **common, occurred_at=referred, verwijzer="huisarts", kader=kader
            ),
        )
        triaged = after(referred, 30)
        advice = rng.choice(CARE_FORMS)
        publish(
            "triage",
            triage.TriageDecided(
                **common,
                occurred_at=triaged,
                kader=kader,
                recommended_care_form=advice,
                urgency="regulier",
                responsible_providers=(PROVIDERS[0],),
            ),
        )
        if rng.random() < 0.2:
            advice = rng.choice(CARE_FORMS)
            publish(
                "triage",
                triage.RetAdviceGiven(
                    **common,
                    occurred_at=after(triaged, 20),
                    kader=kader,
                    care_form=advice,
                    non_contracted_care=False,
                    maatwerkbudget_granted=False,
                    binding=True,
                ),
            )
        provider = rng.choice(PROVIDERS)
        care_form = advice if rng.random() < 0.7 else rng.choice(CARE_FORMS)
        requested = after(triaged, 25)
        publish(
            "plaatsing",
            plaatsing.PlacementRequested(
                **common, occurred_at=requested, provider=provider, care_form=care_form
            ),
        )
        if rng.random() < 0.3:
            continue  # still waiting
        placed = after(requested, 90)
        eighteen = after(placed, 500)
        publish(
            "plaatsing",
            plaatsing.PlacementStarted(
                **common,
                occurred_at=placed,
                provider=provider,
                care_form=care_form,
                location_gemeente_code=gemeente,
                recommended_care_form=advice,
                advice_binding=False,
                deviates_from_advice=care_form != advice,
                deviation_reason=None,
                crisis_without_triage=False,
                turns_eighteen_in=key.seal(eighteen.astimezone(AMSTERDAM).strftime("%Y-%m"))
                if rng.random() < 0.8
                else None,
            ),
        )
        moment = placed
        for _ in range(rng.choice((0, 0, 1, 2))):
            moment = after(moment, 60)
            to_care_form = rng.choice(CARE_FORMS)
            publish(
                "plaatsing",
                plaatsing.Transferred(
                    case_id=case,
                    youth_pseudonym=youth,
                    occurred_at=moment,
                    from_provider=provider,
                    from_care_form=care_form,
                    to_provider=rng.choice(PROVIDERS),
                    to_care_form=to_care_form,
                    to_location_gemeente_code=gemeente,
                    reason=REASONS[moment.second % len(REASONS)],
                    deviation_reason=None,
                ),
            )
            care_form = to_care_form
        planned = rng.random() < 0.4
        if planned:
            publish(
                "plaatsing",
                plaatsing.ContinuityPlanRecorded(
                    case_id=case,
                    youth_pseudonym=youth,
                    occurred_at=after(placed, 400),
                    plan=rng.choice(PLANS),
                ),
            )
        if rng.random() < 0.3:
            publish(
                "plaatsing",
                plaatsing.PlacementEnded(
                    case_id=case,
                    youth_pseudonym=youth,
                    occurred_at=after(moment, 200),
                    provider=provider,
                    care_form=care_form,
                    reason="volgens-plan",
                ),
            )
        elif rng.random() < 0.3:
            publish(
                "plaatsing",
                plaatsing.TurnedEighteen(
                    case_id=case,
                    youth_pseudonym=youth,
                    occurred_at=eighteen,
                    continuity_plan_exists=planned,
                ),
            )
    return events


def facts(events: list[Published]) -> list[tuple[str, UUID | None, datetime, dict[str, Any]]]:
    """(kind, case, occurred_at, data) of every distinct event."""
    unique = {(p.event.source, p.event.id): p.event for p in events}.values()
    return [
        (
            e.type.rsplit(".", 1)[1],
            UUID(e.data["case_id"]) if "case_id" in e.data else None,
            datetime.fromisoformat(e.data["occurred_at"]),
            e.data,
        )
        for e in unique
    ]


def case_attributes(events: list[Published]) -> dict[UUID, dict[str, str]]:
    return {
        case: {"gemeente": data["gemeente_code"], "kader": data["kader"]}
        for kind, case, _, data in facts(events)
        if kind == "referral-received" and case is not None
    }


async def get(platform: IsolatedPlatform, path: str, **query: str) -> dict[str, Any]:
    async with read_api(platform) as http:
        answer = await http.get(path, params=query)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def published_in_reverse(platform: IsolatedPlatform, events: list[Published]) -> None:
    """Plaatsing's topic first, toegang's last, each topic's events shuffled."""
    rng = random.Random(3)
    projected = 0
    async with projecting(platform):
        for service in ("plaatsing", "triage", "toegang"):
            mine = [e for e in events if e.service == service]
            rng.shuffle(mine)
            projected += await publish_events(platform, mine)
            await wait_projected(platform, projected)
        youths = {p.event.data.get("youth_pseudonym") for p in events}
        keys = [(youth, key) for youth, key in KEYS.items() if youth in youths]
        await publish_keys(platform, keys)
        await wait_projected(platform, projected + len(keys))


def routes(platform: IsolatedPlatform, youths: int, seed: int) -> list[Published]:
    """Youths referred, helped locally or placed and ended, some referred again later."""
    rng = random.Random(seed)
    events: list[Published] = []

    def publish(service: str, data: Any) -> None:
        events.append(as_published(platform, service, data))

    def after(moment: datetime, max_days: int) -> datetime:
        return moment + timedelta(seconds=rng.randrange(1, max_days * 86_400))

    for _ in range(youths):
        youth, gemeente = secrets.token_hex(32), rng.choice(GEMEENTEN)
        moment = after(START, 200)
        for _ in range(rng.choice((1, 1, 2, 3))):
            case = uuid4()
            common = {"case_id": case, "youth_pseudonym": youth, "gemeente_code": gemeente}
            publish(
                "toegang",
                toegang.ReferralReceived(
                    **common, occurred_at=moment, verwijzer="huisarts", kader="vrijwillig"
                ),
            )
            decided = after(moment, 30)
            local = rng.random() < 0.3
            publish(
                "toegang",
                toegang.ToegangDecided(
                    **common,
                    occurred_at=decided,
                    decision="lokale-basishulp" if local else "gezamenlijke-triage",
                    kader="vrijwillig",
                ),
            )
            moment = decided
            if not local:
                if rng.random() < 0.2:
                    break  # still waiting
                moment = after(decided, 120)
                publish(
                    "plaatsing",
                    plaatsing.PlacementStarted(
                        **common,
                        occurred_at=moment,
                        provider=PROVIDERS[0],
                        care_form="pleegzorg",
                        location_gemeente_code=gemeente,
                        recommended_care_form="pleegzorg",
                        advice_binding=False,
                        deviates_from_advice=False,
                        deviation_reason=None,
                        crisis_without_triage=False,
                    ),
                )
                if rng.random() < 0.2:
                    break  # still in care
                moment = after(moment, 300)
                publish(
                    "plaatsing",
                    plaatsing.PlacementEnded(
                        case_id=case,
                        youth_pseudonym=youth,
                        occurred_at=moment,
                        provider=PROVIDERS[0],
                        care_form="pleegzorg",
                        reason="volgens-plan",
                    ),
                )
            moment = after(moment, 600)  # the next referral, if any
    return events


# --- the reference computations -----------------------------------------------------------------


def reference_capacity(
    events: list[Published], to: date | None = None, gemeente: str | None = None
) -> list[dict[str, Any]]:
    cutoff = (
        datetime.combine(to + timedelta(days=1), datetime.min.time(), AMSTERDAM) if to else None
    )
    known = [f for f in facts(events) if cutoff is None or f[2] < cutoff]
    attributes = case_attributes(events)
    closes = [
        (case, at)
        for kind, case, at, _ in known
        if kind in ("placement-started", "placement-ended")
    ]
    waiting: dict[tuple[str, str], set[UUID]] = {}
    for kind, case, at, data in known:
        if kind != "placement-requested" or case is None:
            continue
        if gemeente is not None and attributes[case]["gemeente"] != gemeente:
            continue
        cases = waiting.setdefault((data["care_form"], data["provider"]), set())
        if not any(c == case and closed >= at for c, closed in closes):
            cases.add(case)
    latest: dict[tuple[str, str], tuple[datetime, int, int]] = {}
    for kind, _, at, data in known:
        if kind == "capacity-recorded":
            key = (data["care_form"], data["provider"])
            latest[key] = max(latest.get(key, (at, 0, 0)), (at, data["places"], data["occupied"]))
    expected = []
    for key in sorted({*waiting, *latest}):
        n = len(waiting.get(key, ()))
        places, occupied = latest[key][1:] if key in latest else (None, None)
        free = max(places - occupied, 0) if places is not None else None
        expected.append(
            {
                "care_form": key[0],
                "provider": key[1],
                "waiting": cell(n),
                "places": places,
                "occupied": occupied,
                "free_places": free,
                "brandhaard": n > free if free is not None and n >= SMALL_CELL else None,
            }
        )
    return expected


def reference_inflow(
    events: list[Published],
    from_: date | None = None,
    to: date | None = None,
    gemeente: str | None = None,
) -> dict[str, Any]:
    attributes = case_attributes(events)
    entered: list[tuple[str, datetime]] = []  # care form, when
    for kind, case, at, data in facts(events):
        if (from_ and day(at) < from_) or (to and day(at) > to) or case is None:
            continue
        if gemeente is not None and attributes[case]["gemeente"] != gemeente:
            continue
        if kind == "placement-started":
            entered.append((data["care_form"], at))
        elif kind == "transferred" and data["to_care_form"] != data["from_care_form"]:
            entered.append((data["to_care_form"], at))
    forms = ("jeugdzorg-plus", "3-milieuvoorziening")
    months = sorted({day(at).strftime("%Y-%m") for form, at in entered if form in forms})
    month = lambda at: day(at).strftime("%Y-%m")  # noqa: E731
    entries = {
        (m, form): sum(1 for f, at in entered if f == form and month(at) == m)
        for m in months
        for form in forms
    }
    return suppressed.inflow(entries, forms)


def reference_matrix(events: list[Published], provider: str | None = None) -> dict[str, Any]:
    known = facts(events)
    advice: dict[UUID, list[tuple[int, datetime, str]]] = {}  # RET first: (1, at, form)
    for kind, case, at, data in known:
        if kind == "triage-decided" and case:
            advice.setdefault(case, []).append((0, at, data["recommended_care_form"]))
        elif kind == "ret-advice-given" and case:
            advice.setdefault(case, []).append((1, at, data["care_form"]))
    pairs: dict[tuple[str | None, str], int] = {}
    for kind, case, at, data in known:
        if kind != "placement-started" or case is None:
            continue
        if provider is not None and data["provider"] != provider:
            continue
        in_force = [a for a in advice.get(case, []) if a[1] <= at]
        recommended = max(in_force)[2] if in_force else None
        pairs[recommended, data["care_form"]] = pairs.get((recommended, data["care_form"]), 0) + 1
    return suppressed.care_form_matrix(pairs, [f.value for f in CareForm])


def reference_turning_eighteen(events: list[Published], on: date, since: date) -> dict[str, Any]:
    end = datetime.combine(on + timedelta(days=1), datetime.min.time(), AMSTERDAM)
    every = [(k, c, a, unsealed(d, KEYS)) for k, c, a, d in facts(events)]
    known = [fact for fact in every if fact[2] < end]
    month = on.year * 12 + on.month - 1

    def plan_of(case: UUID | None, among: list[Any], until: datetime | None = None) -> str | None:
        """The kind of the case's latest plan among the facts (at or before `until`)."""
        plans = sorted(
            (a, d["plan"])
            for k, c, a, d in among
            if k == "continuity-plan-recorded" and c == case and (until is None or a <= until)
        )
        return plans[-1][1] if plans else None

    in_care = unknown = soon = 0
    soon_plans = dict.fromkeys(PLANS, 0)
    for kind, case, at, data in known:
        if kind != "placement-started":
            continue  # the generator starts one placement per case
        if any(
            c == case and (k == "turned-eighteen" or (k == "placement-ended" and a >= at))
            for k, c, a, _ in known
        ):
            continue
        in_care += 1
        if data["turns_eighteen_in"] is None:
            unknown += 1
            continue
        year, birth_month = map(int, data["turns_eighteen_in"].split("-"))
        if month <= year * 12 + birth_month - 1 <= month + 6:
            soon += 1
            plan = plan_of(case, known)
            if plan:
                soon_plans[plan] += 1
    turned = [(c, a) for k, c, a, _ in every if k == "turned-eighteen" and since <= day(a) <= on]
    turned_plans = dict.fromkeys(PLANS, 0)
    for case, birthday in turned:
        plan = plan_of(case, every, birthday)
        if plan:
            turned_plans[plan] += 1
    return {
        "on": on.isoformat(),
        **suppressed.turning_eighteen(
            in_care, unknown, soon, soon_plans, len(turned), turned_plans
        ),
    }


def reference_time_in_chain(events: list[Published], from_: date, to: date) -> dict[str, Any]:
    known = facts(events)
    referred = {c: (a, d["youth_pseudonym"]) for k, c, a, d in known if k == "referral-received"}
    # a youth enters the chain by a referral, a Veilig Thuis melding or a crisis placement
    entered = [
        (a, d["youth_pseudonym"])
        for k, _, a, d in known
        if k in ("referral-received", "veilig-thuis-melding-received")
        or (
            k == "placement-started"
            and (d["care_form"] == "crisisopvang" or d["crisis_without_triage"])
        )
    ]
    placed = {c: a for k, c, a, _ in known if k == "placement-started"}
    left: dict[UUID, datetime] = {}
    for kind, case, at, data in known:
        if kind == "placement-ended" or data.get("decision") == "lokale-basishulp":
            assert case is not None
            left[case] = min(left.get(case, at), at)

    def stats(values: list[timedelta], hidden: bool = False) -> dict[str, Any]:
        values.sort()
        n = len(values)
        if n < SMALL_CELL or hidden:
            return {"count": None, "p50": None, "p90": None, "max": None}

        def rank(p: int) -> float:
            return values[max(-(-p * n // 100), 1) - 1].total_seconds() / 86_400

        return {"count": n, "p50": rank(50), "p90": rank(90), "max": rank(100)}

    gone = [(c, at) for c, at in left.items() if from_ <= day(at) <= to]
    back = sum(
        1
        for c, at in gone
        if any(
            y == referred[c][1] and at < again <= at + timedelta(days=365) for again, y in entered
        )
    )
    hidden, left = suppressed.left_the_chain(len(gone), back)
    return {
        "route": stats(
            [
                a - referred[c][0]
                for c, a in placed.items()
                if c in referred and from_ <= day(a) <= to  # a crisis placement: no referral
            ]
        ),
        "time_in_chain": stats([at - referred[c][0] for c, at in gone], hidden),
        **left,
    }


def reference_wachttijd(
    events: list[Published], care_form: str | None = None, provider: str | None = None
) -> dict[str, Any]:
    """Triage decision to placement start per case, of the cases whose first placement start
    has the care form and provider asked for (a case never placed only without either)."""
    decided: dict[UUID, datetime] = {}
    starts: dict[UUID, list[tuple[datetime, str, str]]] = {}
    for kind, case, at, data in facts(events):
        if case is None:
            continue
        if kind == "triage-decided":
            decided[case] = min(decided.get(case, at), at)
        elif kind == "placement-started":
            starts.setdefault(case, []).append((at, data["care_form"], data["provider"]))
    durations = []
    for case, placed in starts.items():
        at, form, by = min(placed)
        if care_form is not None and form != care_form:
            continue
        if provider is not None and by != provider:
            continue
        if case in decided and at >= decided[case]:
            durations.append(at - decided[case])
    durations.sort()
    n = len(durations)
    if n < SMALL_CELL:
        return {"count": None, "p50": None, "p90": None, "max": None}

    def rank(p: int) -> float:
        return durations[max(-(-p * n // 100), 1) - 1].total_seconds() / 86_400

    return {"count": n, "p50": rank(50), "p90": rank(90), "max": rank(100)}


def reference_transfers(events: list[Published], from_: date, on: date) -> dict[str, Any]:
    """Youths first placed from `from_` to `on`: transfers within the 12 months ending with `on`
    grouped, and all their transfers per reason."""
    first: dict[str, tuple[datetime, UUID]] = {}
    moves: dict[str, list[tuple[date, str]]] = {}
    for kind, case, at, data in facts(events):
        youth = data.get("youth_pseudonym")
        if kind == "placement-started" and case is not None:
            first[youth] = min(first.get(youth, (at, case)), (at, case))
        elif kind == "transferred":
            moves.setdefault(youth, []).append((day(at), data["reason"]))
    placed = [youth for youth, (at, _) in first.items() if from_ <= day(at) <= on]
    since = date(on.year - 1, on.month, on.day) + timedelta(days=1)
    within = [sum(since <= d <= on for d, _ in moves.get(youth, [])) for youth in placed]
    groups = [("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4)]
    groups += [("5-9", 5, 9), ("10+", 10, 10**9)]
    reasons: dict[str, int] = {}
    for youth in placed:
        for _, reason in moves.get(youth, []):
            reasons[reason] = reasons.get(reason, 0) + 1
    buckets = {name: sum(low <= n <= high for n in within) for name, low, high in groups}
    return {
        "rolling_12_months": {
            "on": on.isoformat(),
            "window_from": since.isoformat(),
            "distribution": suppressed.rolling_distribution(buckets),
        },
        "transfer_reasons": [
            {"reason": r, "transfers": cell(n)} for r, n in sorted(reasons.items())
        ],
    }


def hand_over_cases(platform: IsolatedPlatform, cases: int, seed: int) -> list[Published]:
    """Cases decided for triage (some for local help), triaged, requested from a provider; some
    through the gedwongen kader: RvdK requested and started, a measure imposed, a GI assigned."""
    rng = random.Random(seed)
    events: list[Published] = []

    def publish(service: str, data: Any) -> None:
        events.append(as_published(platform, service, data))

    def after(moment: datetime, max_days: int) -> datetime:
        return moment + timedelta(seconds=rng.randrange(0, max_days * 86_400))

    for _ in range(cases):
        case, youth, gemeente = uuid4(), secrets.token_hex(32), rng.choice(GEMEENTEN)
        common = {"case_id": case, "youth_pseudonym": youth, "gemeente_code": gemeente}
        decided = after(START, 300)
        decision = "gezamenlijke-triage" if rng.random() < 0.8 else "lokale-basishulp"
        publish(
            "toegang",
            toegang.ToegangDecided(
                **common, occurred_at=decided, decision=decision, kader="vrijwillig"
            ),
        )
        triaged = after(decided, 40)
        publish(
            "triage",
            triage.TriageDecided(
                **common,
                occurred_at=triaged,
                kader="vrijwillig",
                recommended_care_form="gezinshuis",
                urgency="regulier",
                responsible_providers=(PROVIDERS[0],),
            ),
        )
        if rng.random() < 0.8:
            publish(
                "plaatsing",
                plaatsing.PlacementRequested(
                    **common,
                    occurred_at=after(triaged, 30),
                    provider=PROVIDERS[0],
                    care_form="gezinshuis",
                ),
            )
        if rng.random() < 0.5:
            requested = after(START, 300)
            publish(
                "toegang",
                toegang.RvdkInvestigationRequested(**common, occurred_at=requested),
            )
            if rng.random() < 0.8:
                publish(
                    "toegang",
                    toegang.RvdkInvestigationStarted(
                        case_id=case, occurred_at=after(requested, 20)
                    ),
                )
            imposed = after(requested, 120)
            publish(
                "toegang",
                toegang.ProtectionMeasureImposed(
                    case_id=case, occurred_at=imposed, measure="ots", previous_measure=None
                ),
            )
            publish(
                "toegang",
                toegang.GiAssigned(case_id=case, occurred_at=after(imposed, 15), gi=PROVIDERS[1]),
            )
    return events


def reference_hand_overs(
    events: list[Published], from_: date, to: date, gemeente: str | None = None
) -> dict[str, dict[str, Any]]:
    pairs = {
        "toegang-to-triage": ("toegang-decided", ("triage-decided", "escalated-to-ret")),
        "triage-to-provider": ("triage-decided", ("placement-requested",)),
        "toegang-to-rvdk": ("rvdk-investigation-requested", ("rvdk-investigation-started",)),
        "measure-to-gi": ("protection-measure-imposed", ("gi-assigned",)),
    }
    known = facts(events)
    attributes = case_attributes_any(events)
    figures = {}
    for name, (start, ends) in pairs.items():
        waits = []
        for case in {c for k, c, _, d in known if k == start and c is not None}:
            starts = [
                a
                for k, c, a, d in known
                if c == case
                and k == start
                and (k != "toegang-decided" or d["decision"] == "gezamenlijke-triage")
            ]
            if not starts:
                continue
            began = min(starts)
            acts = [a for k, c, a, _ in known if c == case and k in ends and a >= began]
            if not acts or not from_ <= day(min(acts)) <= to:
                continue
            if gemeente is not None and attributes[case] != gemeente:
                continue
            waits.append(min(acts) - began)
        figures[name] = stats(waits)
    return figures


def case_attributes_any(events: list[Published]) -> dict[UUID, str]:
    """The gemeente each case names (the generator names one per case)."""
    return {
        c: d["gemeente_code"]
        for _, c, _, d in facts(events)
        if c is not None and "gemeente_code" in d
    }


def stats(values: list[timedelta]) -> dict[str, Any]:
    values = sorted(values)
    n = len(values)
    if n < SMALL_CELL:
        return {"count": None, "p50": None, "p90": None, "max": None}

    def rank(p: int) -> float:
        return values[max(-(-p * n // 100), 1) - 1].total_seconds() / 86_400

    return {"count": n, "p50": rank(50), "p90": rank(90), "max": rank(100)}


# --- the tests ----------------------------------------------------------------------------------


async def test_where_partners_wait_on_each_other(platform: IsolatedPlatform) -> None:
    events = hand_over_cases(platform, cases=400, seed=73)
    await published_in_reverse(platform, events)

    for query in (
        {"from": "2025-01-01", "to": "2025-12-31"},
        {"from": "2025-04-01", "to": "2025-06-30", "gemeente": "GM0164"},
    ):
        body = await get(platform, "/v1/hand-overs", **query)
        got = {f["transition"]: lead(f) for f in body["hand_overs"]}
        with suppressed.counted_raw():
            expected = reference_hand_overs(
                events,
                date.fromisoformat(query["from"]),
                date.fromisoformat(query["to"]),
                query.get("gemeente"),
            )
        suppressed.assert_agrees(got, expected)
        assert all(figure["count"] for figure in expected.values())


async def test_transfers_within_the_rolling_twelve_months_and_their_reasons(
    platform: IsolatedPlatform,
) -> None:
    events = cases_placed(platform, cases=600, seed=71)
    await published_in_reverse(platform, events)

    for since, on in (
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2025, 1, 1), date(2025, 12, 31)),
    ):
        body = await get(
            platform, "/v1/stepping-stones", **{"from": since.isoformat(), "to": on.isoformat()}
        )
        got = {k: body[k] for k in ("rolling_12_months", "transfer_reasons")}
        with suppressed.counted_raw():
            expected = reference_transfers(events, since, on)
        suppressed.assert_agrees(got, expected)
        assert {r["reason"] for r in expected["transfer_reasons"]} == set(REASONS)
        assert any(
            not b["youths"]["suppressed"] for b in got["rolling_12_months"]["distribution"][1:]
        )


async def test_lead_times_by_care_form_and_provider_of_the_first_placement(
    platform: IsolatedPlatform,
) -> None:
    events = cases_placed(platform, cases=600, seed=67)
    await published_in_reverse(platform, events)

    async def wachttijd(**query: str) -> dict[str, Any]:
        body = await get(platform, "/v1/lead-times", **query)
        (found,) = (
            f for f in body["lead_times"] if f["transition"] == "triage-decision-to-placement-start"
        )
        return lead(found)

    suppressed.assert_agrees(await wachttijd(), reference_wachttijd(events))
    for form, provider in (("gezinshuis", None), (None, PROVIDERS[1]), ("ambulant", None)):
        query = {k: v for k, v in (("care_form", form), ("provider", provider)) if v}
        expected = reference_wachttijd(events, form, provider)
        assert expected["count"], "a cell large enough to show"
        suppressed.assert_agrees(await wachttijd(**query), expected)


async def test_waiting_lists_against_capacity_with_brandhaarden(
    platform: IsolatedPlatform,
) -> None:
    events = cases_placed(platform, cases=600, seed=41)
    await published_in_reverse(platform, events)

    with suppressed.counted_raw():
        expected = reference_capacity(events)
    suppressed.assert_agrees((await get(platform, "/v1/capacity"))["waiting_lists"], expected)
    assert any(w["brandhaard"] for w in expected), "the events show brandhaarden"
    assert any(w["brandhaard"] is False for w in expected), "and places to spare"
    mid = {"from": "2025-07-01", "to": "2025-09-30"}
    at_mid = await get(platform, "/v1/capacity", **mid, gemeente="GM0164")
    with suppressed.counted_raw():
        then = reference_capacity(events, to=date(2025, 9, 30), gemeente="GM0164")
    suppressed.assert_agrees(at_mid["waiting_lists"], then)
    gezinshuis = await get(platform, "/v1/capacity", care_form="gezinshuis")
    suppressed.assert_agrees(
        gezinshuis["waiting_lists"], [w for w in expected if w["care_form"] == "gezinshuis"]
    )


async def test_inflow_into_jeugdzorg_plus_and_3_milieu(
    platform: IsolatedPlatform,
) -> None:
    events = cases_placed(platform, cases=600, seed=43)
    await published_in_reverse(platform, events)

    everything = await get(platform, "/v1/inflow")
    del everything["filters"]
    with suppressed.counted_raw():
        suppressed.assert_agrees(everything, reference_inflow(events))
        quarter = reference_inflow(events, date(2025, 4, 1), date(2025, 6, 30), "GM0153")
    assert any(not m["entries"]["suppressed"] for m in everything["per_month"])
    some = await get(
        platform, "/v1/inflow", **{"from": "2025-04-01", "to": "2025-06-30"}, gemeente="GM0153"
    )
    del some["filters"]
    suppressed.assert_agrees(some, quarter)


async def test_recommended_versus_deployed_care_form_as_a_matrix(
    platform: IsolatedPlatform,
) -> None:
    events = cases_placed(platform, cases=600, seed=47)
    await published_in_reverse(platform, events)

    matrix = await get(platform, "/v1/care-form-matrix")
    del matrix["filters"]
    with suppressed.counted_raw():
        suppressed.assert_agrees(matrix, reference_matrix(events))
        theirs = reference_matrix(events, provider=PROVIDERS[1])
    assert matrix["as_advised_share"] is not None
    mine = await get(platform, "/v1/care-form-matrix", provider=PROVIDERS[1])
    del mine["filters"]
    suppressed.assert_agrees(mine, theirs)


async def test_youths_turning_eighteen_without_a_continuity_plan(
    platform: IsolatedPlatform,
) -> None:
    events = cases_placed(platform, cases=600, seed=53)
    await published_in_reverse(platform, events)

    for since, on in (
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 1, 1), date(2025, 12, 31)),
    ):
        query = {"from": since.isoformat(), "to": on.isoformat()}
        figure = await get(platform, "/v1/turning-eighteen", **query)
        del figure["filters"]
        with suppressed.counted_raw():
            expected = reference_turning_eighteen(events, on, since=since)
        suppressed.assert_agrees(figure, expected)
        # those without a plan may hide beside the few with one (a small number): the figure
        # still has youths soon 18 to show
        assert figure["turning_eighteen_soon"]["value"], "the events show youths soon 18"


async def test_route_time_in_chain_and_re_entry_also_after_a_rebuild(
    platform: IsolatedPlatform,
) -> None:
    events = routes(platform, youths=500, seed=59)
    await published_in_reverse(platform, events)

    async def figure() -> dict[str, Any]:
        body = await get(
            platform, "/v1/time-in-chain", **{"from": "2025-01-01", "to": "2025-12-31"}
        )
        return {
            "route": lead(body["route"]),
            "time_in_chain": lead(body["time_in_chain"]),
            "left": body["left"],
            "re_entered": body["re_entered"],
            "re_entry_share": body["re_entry_share"],
        }

    with suppressed.counted_raw():
        expected = reference_time_in_chain(events, date(2025, 1, 1), date(2025, 12, 31))
    before = await figure()
    suppressed.assert_agrees(before, expected)
    assert before["re_entry_share"] is not None
    # a rebuild replays every fact: the figures from facts come out the same
    await rebuild(build_projection(platform.settings()), show_progress=False)
    assert await figure() == before


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
    with suppressed.counted_raw():
        expected = reference_time_in_chain(events, date(2025, 1, 1), date(2025, 12, 31))
    assert (expected["left"], expected["re_entered"]) == (cell(33), cell(23))


def lead(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": body["count"]["value"],
        "p50": body["p50_days"],
        "p90": body["p90_days"],
        "max": body["max_days"],
    }


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
        publish(
            "plaatsing",
            plaatsing.PlacementStarted(
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
            ),
        )

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
                publish(
                    "plaatsing",
                    plaatsing.Transferred(
                        **common,
                        occurred_at=later,
                        from_provider=PROVIDERS[1],
                        from_care_form="pleegzorg",
                        to_provider=PROVIDERS[0],
                        to_care_form="gezinshuis",
                        to_location_gemeente_code=GEMEENTEN[0],
                        reason="geplande-afschaling",
                        deviation_reason=None,
                    ),
                )
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
            plaatsing.PlacementStarted(
                **named,
                occurred_at=START + timedelta(hours=n),
                provider=PROVIDERS[1],
                care_form="pleegzorg",
                location_gemeente_code=GEMEENTEN[0],
                recommended_care_form=None,
                advice_binding=False,
                deviates_from_advice=False,
                deviation_reason=None,
                crisis_without_triage=False,
            ),
            plaatsing.Transferred(
                **common,
                occurred_at=moved_at,
                from_provider=PROVIDERS[1],
                from_care_form="pleegzorg",
                to_provider=PROVIDERS[0],
                to_care_form="gezinshuis",
                to_location_gemeente_code=GEMEENTEN[0],
                reason="geplande-afschaling",
                deviation_reason=None,
            ),
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


def ret_cases(platform: IsolatedPlatform, cases: int, seed: int) -> list[Published]:
    """Cases referred, escalated to the RET by the triage table, a gemeente or a provider (some
    as events from before escalations named who escalated), most advised on later."""
    rng = random.Random(seed)
    events: list[Published] = []
    for _ in range(cases):
        case = uuid4()
        kader = rng.choice(("vrijwillig", "gedwongen"))
        referred = START + timedelta(days=rng.uniform(0, 300))
        events.append(
            as_published(
                platform,
                "toegang",
                toegang.ReferralReceived(
                    case_id=case,
                    youth_pseudonym=secrets.token_hex(32),
                    gemeente_code=rng.choice(GEMEENTEN),
                    occurred_at=referred,
                    verwijzer="huisarts",
                    kader=kader,
                ),
            )
        )
        escalated = referred + timedelta(days=rng.uniform(1, 60))
        escalation = as_published(
            platform,
            "triage",
            triage.EscalatedToRet(
                case_id=case,
                occurred_at=escalated,
                escalated_by=rng.choice(tuple(RetEscalator)),
            ),
        )
        if rng.random() < 0.1:
            del escalation.event.data["escalated_by"]
        events.append(escalation)
        if rng.random() < 0.8:
            events.append(
                as_published(
                    platform,
                    "triage",
                    triage.RetAdviceGiven(
                        case_id=case,
                        youth_pseudonym=secrets.token_hex(32),
                        gemeente_code=GEMEENTEN[0],
                        kader=kader,
                        occurred_at=escalated + timedelta(days=rng.uniform(-1, 40)),
                        care_form=rng.choice(CARE_FORMS),
                        non_contracted_care=rng.random() < 0.3,
                        maatwerkbudget_granted=rng.random() < 0.4,
                    ),
                )
            )
    return events


async def test_escalations_to_the_ret_by_who_escalated_and_the_rets_advices(
    platform: IsolatedPlatform,
) -> None:
    events = ret_cases(platform, cases=400, seed=89)
    await published_in_reverse(platform, events)

    for query in ({}, {"from": "2025-04-01", "to": "2025-06-30", "gemeente": "GM0164"}):
        body = await get(platform, "/v1/ret-escalations", **query)
        got = {k: v for k, v in body.items() if k not in ("filters", "time_to_advice")}
        got["time_to_advice"] = as_lead(body["time_to_advice"])
        with suppressed.counted_raw():
            expected = Reference(facts(events), query).ret_escalations()
        suppressed.assert_agrees(got, expected)
        assert expected["time_to_advice"]["count"], "enough advices to show their time"
    whole = await get(platform, "/v1/ret-escalations")
    assert all(not count["suppressed"] for count in whole["per_escalator"].values())
    assert whole["non_contracted_share"]
    assert whole["maatwerkbudget_share"]


def onderzoek_cases(platform: IsolatedPlatform, cases: int, seed: int) -> list[Published]:
    """Meldingen, most investigated by Veilig Thuis and concluded (a few dated before their
    start, some over the 10 weeks); some cases come under a measure while it runs, so that
    their kader at the conclusion is not the one at the start."""
    rng = random.Random(seed)
    events: list[Published] = []

    def add(data: Any) -> None:
        events.append(as_published(platform, "toegang", data))

    for _ in range(cases):
        case = uuid4()
        melded = START + timedelta(days=rng.uniform(0, 300))
        add(
            toegang.VeiligThuisMeldingReceived(
                case_id=case,
                youth_pseudonym=secrets.token_hex(32),
                gemeente_code=rng.choice(GEMEENTEN),
                occurred_at=melded,
            )
        )
        if rng.random() < 0.2:
            continue
        started = melded + timedelta(days=rng.uniform(3, 15))
        add(toegang.VeiligThuisOnderzoekStarted(case_id=case, occurred_at=started))
        if rng.random() < 0.3:
            measure = toegang.ProtectionMeasureImposed(
                case_id=case,
                occurred_at=started + timedelta(days=rng.uniform(1, 30)),
                measure="voorlopige-ots",
                previous_measure=None,
            )
            add(measure)
        if rng.random() < 0.85:
            add(
                toegang.VeiligThuisOnderzoekConcluded(
                    case_id=case,
                    occurred_at=started + timedelta(days=rng.uniform(-2, 110)),
                    outcome=rng.choice(("overdracht-lokaal-team", "verzoek-rvdk", "afgesloten")),
                )
            )
    return events


async def test_veilig_thuis_onderzoek_started_concluded_by_outcome_and_against_its_norm(
    platform: IsolatedPlatform,
) -> None:
    events = onderzoek_cases(platform, cases=500, seed=97)
    await published_in_reverse(platform, events)

    queries: list[dict[str, str]] = [
        {},
        {"from": "2025-04-01", "to": "2025-06-30", "gemeente": "GM0164"},
        {"kader": "gedwongen"},
    ]
    for query in queries:
        body = await get(platform, "/v1/veilig-thuis-onderzoek", **query)
        got = {k: v for k, v in body.items() if k not in ("filters", "duration")}
        got["duration"] = as_lead(body["duration"])
        with suppressed.counted_raw():
            expected = Reference(facts(events), query).veilig_thuis_onderzoek()
        suppressed.assert_agrees(got, expected)
        assert expected["duration"]["count"], query
    whole = await get(platform, "/v1/veilig-thuis-onderzoek")
    assert all(not count["suppressed"] for count in whole["outcomes"].values())
    assert 0 < whole["over_norm_share"] < 1
