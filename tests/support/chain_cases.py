"""A seeded generator of varied domain events of the whole chain, for many cases.

Youths are referred by every kind of verwijzer (some first known to Veilig Thuis, most of those
investigated by it, or to the Raad, some of them under a measure that ends; some voluntary ones
come under a measure later),
decided on by toegang (triage, local help, no help, withdrawn, undecided), triaged (some
escalated to the RET by the triage table, a gemeente or a provider), put on a waiting list
(some on two, some taken off it, some waiting for a transfer), placed (some in crisis before
triage, some in another care form than advised), transferred, given a continuity plan, ended
or turned eighteen, and some referred again later in a new case; providers record their
capacity now and then. Timings vary, and a few events name a moment before the one they follow
(they fall out of the lead times).

Each youth has a data key (`YouthKey.generate()`), its pseudonym derived from it, and the month
of its 18th birthday sealed under it, as plaatsing publishes it. `chain_cases` returns the
`(service, data)` in generation order and the youths' keys; publishing both is the caller's.

Not the simulator (deploy/simulator), which plans partners' messages for the services to turn
into these events at their pace: the ketenmonitor's tests need the events themselves, at once.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from jeugdketen_shared.contracts import plaatsing, toegang, triage
from jeugdketen_shared.contracts.base import DomainEventData
from jeugdketen_shared.vocabulary import CareForm, RetEscalator
from jeugdketen_shared.youth_keys import YouthKey

GEMEENTEN = ("GM0153", "GM0164", "GM0141", "GM0183")
OUTSIDE_TWENTE = ("GM0363", "GM0193", "GM0200")
"""Places outside the region (Amsterdam, Zwolle, Apeldoorn): bovenregionale placements."""
PROVIDERS = ("12345678", "87654321", "11223344")
GIS = ("23456789", "34567890")
CARE_FORMS = tuple(form.value for form in CareForm)
REFERRERS = {
    "vrijwillig": {
        "gemeente": 30,
        "huisarts": 30,
        "poh-jeugd": 10,
        "jeugdarts": 10,
        "zelfverwijzer": 10,
        "veilig-thuis": 5,
        "gecertificeerde-instelling": 5,
    },
    "gedwongen": {
        "gecertificeerde-instelling": 35,
        "raad-voor-de-kinderbescherming": 20,
        "rechter": 20,
        "veilig-thuis": 20,
        "gemeente": 5,
    },
}
"""Who refers, by kader, and how often (weights)."""
START = datetime(2025, 1, 6, 9, tzinfo=UTC)
MONTH = "%Y-%m"

Generated = tuple[str, DomainEventData]


@dataclass(frozen=True)
class GeneratedChain:
    events: list[Generated]
    keys: dict[str, YouthKey]
    """Every youth's data key, by its pseudonym."""


def chain_cases(cases: int, seed: int) -> GeneratedChain:
    """At least `cases` cases (a youth's cases are generated together)."""
    rng = random.Random(seed)
    events: list[Generated] = []
    keys: dict[str, YouthKey] = {}

    def add(service: str, data: DomainEventData) -> None:
        events.append((service, data))

    def after(moment: datetime, max_days: float, early: float = 0.0) -> datetime:
        """A moment up to `max_days` later; with chance `early`, up to a day earlier."""
        if rng.random() < early:
            return moment - timedelta(seconds=rng.randrange(0, 86_400))
        return moment + timedelta(seconds=rng.randrange(0, int(max_days * 86_400) + 1))

    for provider in PROVIDERS:
        for care_form in CARE_FORMS:
            for _ in range(rng.randrange(1, 7)):
                places = rng.randrange(0, 400)
                add(
                    "plaatsing",
                    plaatsing.CapacityRecorded(
                        provider=provider,
                        care_form=care_form,
                        occurred_at=after(START, 500),
                        places=places,
                        occupied=rng.randrange(0, places + 1),
                    ),
                )

    made = 0
    while made < cases:
        key, gemeente = YouthKey.generate(), rng.choice(GEMEENTEN)
        youth = key.pseudonym
        keys[youth] = key
        moment = after(START, 420)
        for _ in range(rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 3))):
            made += 1
            case = UUID(int=rng.getrandbits(128), version=4)
            kader = rng.choice(("vrijwillig", "gedwongen"))
            left = _case(add, after, rng, case, key, gemeente, kader, moment)
            if left is None:
                break  # still somewhere in the chain: no new case for this youth
            # some come back soon: a new placement then is a move (within 90 days of the end)
            moment = after(left, rng.choice((60, 500)))
    return GeneratedChain(events, keys)


def _referrer(case: UUID, kader: str) -> str:
    """Drawn from the case's own generator, not the chain's: every other event generated
    stays as it was before the referrers varied."""
    weights = REFERRERS[kader]
    return random.Random(case.int).choices(tuple(weights), tuple(weights.values()))[0]


def _escalated(case: UUID, at: datetime) -> triage.EscalatedToRet:
    """By the triage table, the youth's gemeente or a provider (seed 001), drawn from the case's
    own generator as the referrer is: the chain's other events stay as they were."""
    rng = random.Random(f"escalation-{case}")
    escalated_by = rng.choices(tuple(RetEscalator), weights=(60, 25, 15))[0]
    return triage.EscalatedToRet(case_id=case, occurred_at=at, escalated_by=escalated_by)


def _non_contracted(case: UUID, at: datetime) -> bool:
    """A fifth of the RET's advices choose non-contracted care; the case's own draw, per advice."""
    return random.Random(f"non-contracted-{case}-{at}").random() < 0.2


def _measure_after_a_voluntary_referral(add: Any, case: UUID, referred: datetime) -> None:
    """Now and then a measure for a voluntary case: a voorlopige OTS (followed up by an OTS,
    lapsed or ended) or jeugdreclassering, some of them ended. Drawn from the case's own
    generator, as the referrer is: the chain's other events stay as they were."""
    rng = random.Random(f"measure-{case}")
    if rng.random() >= 0.1:
        return
    imposed = referred + timedelta(days=rng.uniform(1, 200))
    if rng.random() < 0.2:
        add(
            "toegang",
            toegang.ProtectionMeasureImposed(
                case_id=case,
                occurred_at=imposed,
                measure="jeugdreclassering",
                previous_measure=None,
            ),
        )
        _ended(add, case, "jeugdreclassering", imposed)
        return
    term = imposed + timedelta(days=91)
    add(
        "toegang",
        toegang.ProtectionMeasureImposed(
            case_id=case,
            occurred_at=imposed,
            measure="voorlopige-ots",
            previous_measure=None,
            runs_until=term,
        ),
    )
    way = rng.random()
    if way < 0.1:  # followed up by voogdij after a gezagsbeëindigende maatregel, until 18
        add(
            "toegang",
            toegang.ProtectionMeasureImposed(
                case_id=case,
                occurred_at=imposed + timedelta(days=rng.uniform(1, 90)),
                measure="voogdij",
                previous_measure="voorlopige-ots",
            ),
        )
    elif way < 0.6:  # followed up by an OTS within the term
        followed = imposed + timedelta(days=rng.uniform(1, 90))
        add(
            "toegang",
            toegang.ProtectionMeasureImposed(
                case_id=case,
                occurred_at=followed,
                measure="ots",
                previous_measure="voorlopige-ots",
                runs_until=followed + timedelta(days=365),
            ),
        )
        _extended(add, case, followed, _ended(add, case, "ots", followed))
    elif way < 0.85:  # nobody followed it up: the clock ends it
        add("toegang", toegang.VoorlopigeOtsExpired(case_id=case, occurred_at=term))
    else:
        _ended(add, case, "voorlopige-ots", imposed, within=90, chance=1.0)


def _ended(
    add: Any,
    case: UUID,
    measure: str,
    imposed: datetime,
    within: float = 400,
    chance: float = 0.5,
) -> datetime | None:
    """With `chance`, the measure ends within `within` days (its own generator's draw); when it
    ends, or None."""
    rng = random.Random(f"end-{measure}-{case}")
    if rng.random() >= chance:
        return None
    ended = imposed + timedelta(days=rng.uniform(1, within))
    add(
        "toegang",
        toegang.ProtectionMeasureEnded(
            case_id=case,
            occurred_at=ended,
            measure=measure,
            reason=rng.choice(("doel-bereikt", "termijn-verstreken", "overig")),
        ),
    )
    return ended


def _extended(add: Any, case: UUID, imposed: datetime, ended: datetime | None) -> None:
    """Most OTS still in force a month before their year is up are extended by a year (its own
    generator's draw)."""
    extended = imposed + timedelta(days=335)
    if (ended is None or ended > extended) and random.Random(f"extended-{case}").random() < 0.8:
        add(
            "toegang",
            toegang.ProtectionMeasureExtended(
                case_id=case,
                occurred_at=extended,
                measure="ots",
                runs_until=imposed + timedelta(days=730),
            ),
        )


def _onderzoek(add: Any, case: UUID, assessed: datetime) -> None:
    """Most assessments lead to Veilig Thuis's onderzoek, most of those concluded, some after
    more than its 10 weeks, a few dated before its start (a generator of its own, so the other
    events stay as they were)."""
    rng = random.Random(f"onderzoek-{case}")
    if rng.random() >= 0.7:
        return
    started = assessed + timedelta(days=rng.uniform(0, 10))
    add("toegang", toegang.VeiligThuisOnderzoekStarted(case_id=case, occurred_at=started))
    if rng.random() < 0.85:
        add(
            "toegang",
            toegang.VeiligThuisOnderzoekConcluded(
                case_id=case,
                occurred_at=started + timedelta(days=rng.uniform(-2, 110)),
                outcome=rng.choices(
                    ("overdracht-lokaal-team", "verzoek-rvdk", "afgesloten"), weights=(50, 20, 30)
                )[0],
            ),
        )


def _case(
    add: Any,
    after: Any,
    rng: random.Random,
    case: UUID,
    key: YouthKey,
    gemeente: str,
    kader: str,
    moment: datetime,
) -> datetime | None:
    """One case's events from `moment`; the moment it left the chain, or None if it did not."""
    common: dict[str, Any] = {"case_id": case, "youth_pseudonym": key.pseudonym}
    named = {**common, "gemeente_code": gemeente}
    if kader == "gedwongen" and rng.random() < 0.5:
        melding = moment
        add(
            "toegang",
            toegang.VeiligThuisMeldingReceived(**named, occurred_at=melding),
        )
        if rng.random() < 0.85:
            moment = after(melding, 12, early=0.02)
            add(
                "toegang",
                toegang.SafetyAssessed(case_id=case, occurred_at=moment, outcome="onveilig"),
            )
            _onderzoek(add, case, moment)
        if rng.random() < 0.6:
            requested = after(moment, 5)
            add("toegang", toegang.RvdkInvestigationRequested(**named, occurred_at=requested))
            if rng.random() < 0.85:
                add(
                    "toegang",
                    toegang.RvdkInvestigationStarted(
                        case_id=case, occurred_at=after(requested, 30, early=0.02)
                    ),
                )
            if rng.random() < 0.7:
                moment = after(requested, 120)
                add(
                    "toegang",
                    toegang.ProtectionMeasureImposed(
                        case_id=case, occurred_at=moment, measure="ots", previous_measure=None
                    ),
                )
                _extended(add, case, moment, _ended(add, case, "ots", moment))
                if rng.random() < 0.8:
                    add(
                        "toegang",
                        toegang.GiAssigned(
                            case_id=case, occurred_at=after(moment, 20), gi=rng.choice(GIS)
                        ),
                    )
        if rng.random() < 0.15:
            return None  # known only to Veilig Thuis or the Raad: no kader named
    referred = after(moment, 3)
    add(
        "toegang",
        toegang.ReferralReceived(
            **named, occurred_at=referred, verwijzer=_referrer(case, kader), kader=kader
        ),
    )
    if kader == "vrijwillig":
        _measure_after_a_voluntary_referral(add, case, referred)
    if rng.random() < 0.04:
        withdrawn = after(referred, 20)
        add("toegang", toegang.ReferralWithdrawn(case_id=case, occurred_at=withdrawn))
        return withdrawn
    if rng.random() < 0.5:
        add(
            "toegang",
            toegang.VerklarendeAnalyseCompleted(case_id=case, occurred_at=after(referred, 25)),
        )
    if rng.random() < 0.03:  # a crisis placement, never triaged
        crisis = rng.choice(CARE_FORMS)
        return _placed(add, after, rng, named, key, crisis, None, after(referred, 2))
    if rng.random() < 0.07:
        return None  # not decided yet
    decided = after(referred, 45, early=0.01)
    decision = rng.choices(
        ("gezamenlijke-triage", "lokale-basishulp", "geen-hulp"), weights=(70, 20, 10)
    )[0]
    add(
        "toegang",
        toegang.ToegangDecided(**named, occurred_at=decided, decision=decision, kader=kader),
    )
    if decision != "gezamenlijke-triage":
        return decided
    escalated = rng.random() < 0.05  # the triage table could not agree: straight to the RET
    if escalated:
        add("triage", _escalated(case, after(decided, 20)))
    if rng.random() < 0.08:
        return None  # waiting for triage
    triaged = after(decided, 30)
    advice = rng.choice(CARE_FORMS)
    add(
        "triage",
        triage.TriageDecided(
            **named,
            occurred_at=triaged,
            kader=kader,
            recommended_care_form=advice,
            urgency=rng.choice(("regulier", "spoed")),
            responsible_providers=(rng.choice(PROVIDERS),),
        ),
    )
    advised = triaged
    for _ in range(rng.choices((0, 1, 2), weights=(80, 17, 3))[0]):
        if not escalated:
            escalated = True
            advised = after(advised, 10)
            add("triage", _escalated(case, advised))
        advised = after(advised, 25)
        advice = rng.choice(CARE_FORMS)
        add(
            "triage",
            triage.RetAdviceGiven(
                **named,
                occurred_at=advised,
                kader=kader,
                care_form=advice,
                non_contracted_care=_non_contracted(case, advised),
                maatwerkbudget_granted=rng.random() < 0.1,
                binding=True,
            ),
        )
    provider = rng.choice(PROVIDERS)
    care_form = advice if rng.random() < 0.7 else rng.choice(CARE_FORMS)
    requested = after(triaged, 30)
    add(
        "plaatsing",
        plaatsing.PlacementRequested(
            **named, occurred_at=requested, provider=provider, care_form=care_form
        ),
    )
    if rng.random() < 0.2:  # on a second provider's list too
        add(
            "plaatsing",
            plaatsing.PlacementRequested(
                **named,
                occurred_at=after(requested, 10),
                provider=rng.choice([p for p in PROVIDERS if p != provider]),
                care_form=care_form,
            ),
        )
    if rng.random() < 0.25:
        if rng.random() < 0.4:
            add(
                "plaatsing",
                plaatsing.PlacementRequestWithdrawn(
                    **common,
                    occurred_at=after(requested, 90),
                    provider=provider,
                    care_form=care_form,
                    reason=rng.choice(tuple(plaatsing.WithdrawalReason)),
                ),
            )
        return None  # on the waiting list, or taken off it
    placed = after(requested, 150, early=0.02)
    return _placed(add, after, rng, named, key, care_form, advice, placed, provider)


def _placed(
    add: Any,
    after: Any,
    rng: random.Random,
    named: dict[str, Any],
    key: YouthKey,
    care_form: str,
    advice: str | None,
    placed: datetime,
    provider: str | None = None,
) -> datetime | None:
    provider = provider or rng.choice(PROVIDERS)
    common = {"case_id": named["case_id"], "youth_pseudonym": named["youth_pseudonym"]}
    eighteen = after(placed, 900)
    add(
        "plaatsing",
        plaatsing.PlacementStarted(
            **named,
            occurred_at=placed,
            provider=provider,
            care_form=care_form,
            location_gemeente_code=_location(rng, named["gemeente_code"]),
            recommended_care_form=advice,
            advice_binding=False,
            deviates_from_advice=advice is not None and care_form != advice,
            deviation_reason=None,
            crisis_without_triage=advice is None,
            turns_eighteen_in=key.seal(eighteen.strftime(MONTH)) if rng.random() < 0.8 else None,
        ),
    )
    moment = placed
    transfers = rng.choices((0, 1, 2, 3, 4, 6, 11), weights=(50, 20, 12, 7, 5, 4, 2))[0]
    for _ in range(transfers):
        moment = after(moment, 45)
        to_care_form = rng.choice((care_form, *CARE_FORMS))
        to_provider = rng.choice(PROVIDERS)
        if rng.random() < 0.3:  # the youth waited for the new place
            add(
                "plaatsing",
                plaatsing.PlacementRequested(
                    **named,
                    occurred_at=moment - timedelta(seconds=rng.randrange(0, 30 * 86_400)),
                    provider=to_provider,
                    care_form=to_care_form,
                ),
            )
        add(
            "plaatsing",
            plaatsing.Transferred(
                **common,
                occurred_at=moment,
                from_provider=provider,
                from_care_form=care_form,
                to_provider=to_provider,
                to_care_form=to_care_form,
                to_location_gemeente_code=_location(rng, named["gemeente_code"]),
                reason=_transfer_reason(named["case_id"], moment),
                deviation_reason=None,
            ),
        )
        care_form, provider = to_care_form, to_provider
    planned = rng.random() < 0.35
    if planned:
        add(
            "plaatsing",
            plaatsing.ContinuityPlanRecorded(
                **common,
                occurred_at=after(placed, 500),
                plan=rng.choice(tuple(plaatsing.ContinuityPlan)),
            ),
        )
    if rng.random() < 0.45:
        ended = after(moment, 250)
        if rng.random() < 0.2:  # a move the youth waited for, overtaken by the end of care
            add(
                "plaatsing",
                plaatsing.PlacementRequested(
                    **named,
                    occurred_at=moment + (ended - moment) / 2,
                    provider=rng.choice(PROVIDERS),
                    care_form=rng.choice(CARE_FORMS),
                ),
            )
        add(
            "plaatsing",
            plaatsing.PlacementEnded(
                **common,
                occurred_at=ended,
                provider=provider,
                care_form=care_form,
                reason="volgens-plan",
            ),
        )
        return ended
    if rng.random() < 0.2:
        add(
            "plaatsing",
            plaatsing.TurnedEighteen(
                **common, occurred_at=eighteen, continuity_plan_exists=planned
            ),
        )
    return None


def _transfer_reason(case: UUID, at: datetime) -> str:
    """Why the youth moved: the case's own draw per transfer, as the referrer is, so that the
    chain's other events stay as they were."""
    reasons = random.Random(f"transfer-{case}-{at}").choices(
        tuple(plaatsing.TransferReason), weights=(40, 20, 10, 15, 10, 5)
    )
    return reasons[0].value


def _location(rng: random.Random, own: str) -> str:
    """The place's gemeente: mostly the youth's own, else elsewhere in Twente or outside it."""
    return rng.choices((own, rng.choice(GEMEENTEN), rng.choice(OUTSIDE_TWENTE)), (6, 3, 1))[0]
