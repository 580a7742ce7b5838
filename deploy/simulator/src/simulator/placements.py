"""Plaatsing's side of a youth's route: waiting list (some requests withdrawn), placement,
transfers (stepping stones), turning 18 with or without a continuity plan, end of care; and
crisis placements."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from jeugdketen_shared.contracts import plaatsing
from jeugdketen_shared.contracts.plaatsing import DeviationReason, EndReason, TransferReason
from jeugdketen_shared.permissions import Partner
from jeugdketen_shared.vocabulary import CareForm, Urgency
from simulator.chain import CaseLog, Chain, Youth
from simulator.plan import Dependency
from simulator.providers import PLACE_BOUND_FORMS, Offer, Slot, first_place, leave, occupy
from simulator.rates import choose

# how much sooner an urgent youth is taken in than a regular one
_URGENCY_FACTOR = {Urgency.REGULIER: 1.0, Urgency.SPOED: 0.4, Urgency.CRISIS: 0.1}
_DEVIATION_REASONS = {
    DeviationReason.GEEN_PLEK_BESCHIKBAAR: 0.5,
    DeviationReason.WENS_JEUGDIGE_OF_OUDERS: 0.25,
    DeviationReason.VEILIGHEID: 0.15,
    DeviationReason.OVERIG: 0.10,
}
CRISIS_FOLLOWED_BY_FOSTER_CARE = 0.4
"""Choice: the share of crisis placements that move on to pleegzorg rather than end."""


@dataclass(frozen=True)
class Advice:
    care_form: CareForm
    binding: bool
    """The RET's advice binds: a placement in another care form must say why."""


@dataclass
class Stay:
    """Where the youth is now: the provider's offer and the place taken since `since`."""

    offer: Offer
    slot: Slot
    since: datetime


def place(
    chain: Chain,
    case: CaseLog,
    advice: Advice,
    urgency: Urgency,
    advised_at: datetime,
    known: Dependency,
) -> None:
    rng, rates = chain.shape, chain.rates
    care_form, deviation = _deployed_care_form(chain, advice)
    offer = chain.places.soonest(care_form, rng)
    provider = _partner(chain, offer)
    requested_at = advised_at + rates.to_placement_request.draw(rng)
    chain.send(
        case,
        "plaatsing",
        plaatsing.PlacementRequestSubmission(
            case_id=case.id,
            provider=offer.provider,
            care_form=care_form,
            occurred_at=chain.local(requested_at),
        ),
        provider,
        after=known,
    )
    if rng.random() < rates.withdrawn_request_share:
        chain.send(
            case,
            "plaatsing",
            plaatsing.PlacementRequestWithdrawal(
                case_id=case.id,
                provider=offer.provider,
                care_form=care_form,
                reason=choose(rng, rates.withdrawal_reasons),
                occurred_at=chain.local(requested_at + rates.to_request_withdrawal.draw(rng)),
            ),
            provider,
            after=known,
        )
        return
    intake = rates.to_placement_start.draw(rng) * _URGENCY_FACTOR[urgency]
    slot, started_at = first_place(offer, requested_at + intake)
    occupy(slot)
    chain.send(
        case,
        "plaatsing",
        plaatsing.PlacementStartReport(
            case_id=case.id,
            provider=offer.provider,
            care_form=care_form,
            location_gemeente_code=_location(offer, case.youth),
            deviation_reason=deviation,
            birth_date=case.youth.birth_date,
            occurred_at=chain.local(started_at),
        ),
        provider,
        after=known,
        reporting_delay=True,
    )
    _stay(chain, case, Stay(offer, slot, started_at), advice, known)


def crisis(chain: Chain, youth: Youth, at: datetime) -> None:
    """A crisis placement without triage: the provider names the youth (bsn and gemeente)."""
    rng, rates = chain.shape, chain.rates
    offer = chain.places.soonest(CareForm.CRISISOPVANG, rng)
    slot, started_at = first_place(offer, at)  # a crisis waits for no waiting list
    occupy(slot)
    case = chain.new_case(youth, started_at)
    chain.send(
        case,
        "plaatsing",
        plaatsing.PlacementStartReport(
            case_id=case.id,
            provider=offer.provider,
            care_form=CareForm.CRISISOPVANG,
            location_gemeente_code=offer.location_gemeente_code,
            crisis=True,
            bsn=youth.bsn,
            gemeente_code=youth.gemeente_code,
            birth_date=youth.birth_date,
            occurred_at=chain.local(started_at),
        ),
        _partner(chain, offer),
        reporting_delay=True,
    )
    stay = Stay(offer, slot, started_at)
    until = started_at + rates.crisis_stay.draw(rng)
    if rng.random() < CRISIS_FOLLOWED_BY_FOSTER_CARE:
        _transfer(
            chain, case, stay, until, CareForm.PLEEGZORG, TransferReason.GEPLANDE_AFSCHALING, None
        )
        until = stay.since + rates.away_from_home_care.draw(rng)
    _end(chain, case, stay, until, choose(rng, rates.end_reasons))


def _stay(chain: Chain, case: CaseLog, stay: Stay, advice: Advice, known: Dependency) -> None:
    """Transfers, the continuity plan before 18, and the end of care, in the order they fall."""
    rng, rates = chain.shape, chain.rates
    away = stay.offer.care_form.is_away_from_home
    ends_at = stay.since + (rates.away_from_home_care if away else rates.ambulant_care).draw(rng)
    end_reason = choose(rng, rates.end_reasons)
    plan_at, plan = None, None
    eighteen = case.youth.eighteenth_birthday()
    if stay.since < eighteen < ends_at:
        if rng.random() < rates.continuity_plan_share:
            plan = choose(rng, rates.continuity_plans)
            plan_at = max(
                stay.since + timedelta(days=1), eighteen - rates.continuity_plan_before_18.draw(rng)
            )
        if plan is plaatsing.ContinuityPlan.VERLENGDE_JEUGDHULP:
            ends_at = max(ends_at, eighteen + rates.verlengde_jeugdhulp.draw(rng))
        else:
            ends_at, end_reason = eighteen, EndReason.ACHTTIEN_JAAR
    for move_at in _moves(chain, stay, ends_at):
        if plan is not None and plan_at is not None and plan_at <= move_at:
            # after a move that waited for its place, the plan follows that move
            _plan(chain, case, stay, plan, max(plan_at, stay.since), known)
            plan = None
        if away:
            form = choose(rng, rates.care_form_mix(chain.progress(move_at)))
            reason = choose(rng, rates.transfer_reasons)
        else:  # help at home no longer suffices
            form, reason = CareForm.PLEEGZORG, TransferReason.ESCALATIE
        moved = _transfer(chain, case, stay, move_at, form, reason, advice, known)
        if moved is None or moved >= ends_at:
            break
    if plan is not None and plan_at is not None and plan_at < ends_at:
        _plan(chain, case, stay, plan, max(plan_at, stay.since), known)
    _end(chain, case, stay, max(ends_at, stay.since), end_reason, known)


def _moves(chain: Chain, stay: Stay, ends_at: datetime) -> list[datetime]:
    """When the youth is moved: residential youths often, some many times (stepping stones)."""
    rng, rates = chain.shape, chain.rates
    if stay.offer.care_form.is_away_from_home:
        low, high = choose(rng, rates.moves_of_residential_youths)
        count = rng.randint(low, high)
    else:
        count = 1 if rng.random() < rates.ambulant_transfer_share else 0
    span = (ends_at - stay.since).total_seconds()
    return sorted(stay.since + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def _transfer(
    chain: Chain,
    case: CaseLog,
    stay: Stay,
    wanted_at: datetime,
    care_form: CareForm,
    reason: TransferReason,
    advice: Advice | None,
    known: Dependency | None = None,
) -> datetime | None:
    """Move the youth once a place is free; returns when, or None when nowhere else offers it."""
    rng = chain.shape
    candidates = [o for o in chain.places.offering(care_form) if o is not stay.offer]
    if not candidates:
        candidates = [
            o
            for o in chain.places.offers
            if o.care_form in PLACE_BOUND_FORMS and o is not stay.offer
        ]
    to = min(candidates, key=lambda o: (o.first_free, rng.random()))
    slot, moved_at = first_place(to, max(wanted_at, stay.since + timedelta(hours=1)))
    occupy(slot)
    leave(stay.slot, stay.since, moved_at)
    deviation = (
        choose(rng, _DEVIATION_REASONS)
        if advice is not None and advice.binding and to.care_form != advice.care_form
        else None
    )
    chain.send(
        case,
        "plaatsing",
        plaatsing.TransferReport(
            case_id=case.id,
            to_provider=to.provider,
            to_care_form=to.care_form,
            to_location_gemeente_code=_location(to, case.youth),
            reason=reason,
            deviation_reason=deviation,
            occurred_at=chain.local(moved_at),
        ),
        _partner(chain, to),  # the provider that takes the youth in reports the move
        after=known,
        reporting_delay=True,
    )
    stay.offer, stay.slot, stay.since = to, slot, moved_at
    return moved_at


def _plan(
    chain: Chain,
    case: CaseLog,
    stay: Stay,
    plan: plaatsing.ContinuityPlan,
    at: datetime,
    known: Dependency,
) -> None:
    chain.send(
        case,
        "plaatsing",
        plaatsing.ContinuityPlanReport(case_id=case.id, plan=plan, occurred_at=chain.local(at)),
        _partner(chain, stay.offer),
        after=known,
    )


def _end(
    chain: Chain,
    case: CaseLog,
    stay: Stay,
    at: datetime,
    reason: EndReason,
    known: Dependency | None = None,
) -> None:
    leave(stay.slot, stay.since, at)
    chain.send(
        case,
        "plaatsing",
        plaatsing.EndOfCareReport(case_id=case.id, reason=reason, occurred_at=chain.local(at)),
        _partner(chain, stay.offer),
        after=known,
        reporting_delay=True,
    )


def _deployed_care_form(chain: Chain, advice: Advice) -> tuple[CareForm, DeviationReason | None]:
    """Mostly as advised; sometimes not, and against a binding advice only with a reason."""
    rng, rates = chain.shape, chain.rates
    share = rates.deviation_from_ret_share if advice.binding else rates.deviation_from_triage_share
    # help at home is never replaced by a place away from home for want of that place
    if not advice.care_form.is_away_from_home or rng.random() >= share:
        return advice.care_form, None
    others = [form for form in PLACE_BOUND_FORMS if form != advice.care_form]
    deviation = choose(rng, _DEVIATION_REASONS) if advice.binding else None
    return rng.choice(others), deviation


def _location(offer: Offer, youth: Youth) -> str:
    # ambulant help comes to the youth's home
    return (
        offer.location_gemeente_code if offer.care_form.is_away_from_home else (youth.gemeente_code)
    )


def _partner(chain: Chain, offer: Offer) -> Partner:
    return chain.twente.providers[offer.provider]
