"""The gedwongen kader route that leads up to a referral: Veilig Thuis's melding, safety
assessment and onderzoek, the Raad voor de Kinderbescherming's investigation, the rechter's
measures and the gecertificeerde instelling (GI) that executes them.

The partner that refers does so days after its own step: Veilig Thuis after its assessment,
the Raad once it started, the rechter with the measure, the GI once assigned. So the route is
laid out back from the referral's moment and on after it. It is a route of its own at toegang
that shares the case id; the platform hears of it from the period's start: a route begun
before is sent from its first melding or request in the period, which then names the youth.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.contracts.base import InboundMessage
from jeugdketen_shared.permissions import Partner, PartnerKind
from jeugdketen_shared.vocabulary import (
    Kader,
    MeasureEndReason,
    OnderzoekOutcome,
    ProtectionMeasure,
    RvdkAdvice,
    Verwijzer,
)
from simulator.chain import CaseLog, Chain
from simulator.rates import Rates, choose

_OPENERS = (toegang.VeiligThuisMeldingReport, toegang.RvdkInvestigationRequest)
_IMPOSED, _ENDED = toegang.ProtectionMeasureImpositionReport, toegang.ProtectionMeasureEndReportV2
_EXTENDED = toegang.ProtectionMeasureExtensionReport
_ONDERZOEK_STARTED = toegang.VeiligThuisOnderzoekStartReport
_ONDERZOEK_CONCLUDED = toegang.VeiligThuisOnderzoekConclusionReport
# a step sent only after the step it follows was: a route the platform heard of from a later
# step (its melding before the period) has no safety assessment to investigate after
_FOLLOWS = {
    _ONDERZOEK_STARTED: toegang.SafetyAssessmentReport,
    _ONDERZOEK_CONCLUDED: _ONDERZOEK_STARTED,
}
_KINDERBESCHERMING = {ProtectionMeasure.VOORLOPIGE_OTS, ProtectionMeasure.OTS}
_A_YEAR = timedelta(days=365)
# a referral by these comes after a measure was imposed
_AFTER_A_MEASURE = (Verwijzer.RECHTER, Verwijzer.GECERTIFICEERDE_INSTELLING)
# the referrer refers days after its own step in the route; others after the request
_REFERS_AFTER = {
    Verwijzer.VEILIG_THUIS: "assessed",
    Verwijzer.RAAD_VOOR_DE_KINDERBESCHERMING: "started",
    Verwijzer.RECHTER: "imposed",
    Verwijzer.GECERTIFICEERDE_INSTELLING: "assigned",
}


@dataclass(frozen=True)
class Step:
    """One partner message of the route, some time after the route's first step."""

    after: timedelta
    partner: Partner
    contract: type[InboundMessage]
    fields: Mapping[str, Any] = field(default_factory=dict)
    by_the_clock: bool = False
    """A step toegang takes itself (a voorlopige OTS lapsing): not sent, but the route follows
    it."""


def leads_to_referral(chain: Chain, verwijzer: Verwijzer, kader: Kader) -> bool:
    """Whether a route comes before this referral: most referrals under a measure follow one,
    and Veilig Thuis mostly refers after a melding."""
    rng, rates = chain.shape, chain.rates
    if kader is Kader.GEDWONGEN:
        return rng.random() < rates.protection_route_share
    return (
        verwijzer is Verwijzer.VEILIG_THUIS
        and rng.random() < rates.melding_before_voluntary_referral
    )


def send_route(
    chain: Chain,
    case: CaseLog,
    referrer: Partner,
    verwijzer: Verwijzer,
    kader: Kader,
    referred_at: datetime,
) -> None:
    """The route of the case, laid out so that the referral at `referred_at` follows the
    referrer's step; nothing before the youth's birth, nothing of it after the 18th birthday."""
    steps, referral_after = _route(chain, case, referrer, verwijzer, kader, chain.shape)
    origin = referred_at - referral_after
    if origin.date() <= case.youth.birth_date:
        return
    _send_route(chain, case, steps, origin)


def send_route_after_voluntary_help(
    chain: Chain, case: CaseLog, lokaal_team: Partner, referred_at: datetime
) -> None:
    """Now and then, weeks into a voluntary case's help, a route begins after all (a melding,
    or the lokaal team asks the Raad): the case may come under a measure, so its kader changes
    from vrijwillig to gedwongen, and back when the measure ends. Drawn from a stream of the
    case's own (seeded by the referral's moment in the period), so that the rest of the seed's
    simulation stays as it was."""
    rng = random.Random((referred_at - chain.start) / timedelta(microseconds=1))
    if rng.random() >= chain.rates.measure_after_voluntary_share:
        return
    steps, _ = _route(chain, case, lokaal_team, Verwijzer.GEMEENTE, Kader.GEDWONGEN, rng)
    _send_route(chain, case, steps, referred_at + chain.rates.to_route_after_voluntary.draw(rng))


def _send_route(chain: Chain, case: CaseLog, steps: list[Step], origin: datetime) -> None:
    """The route's steps from `origin` on, as the partners send them."""
    youth = case.youth
    log, opened = CaseLog(case.id, youth, origin), False
    sent: set[type[InboundMessage]] = set()
    in_force: set[ProtectionMeasure] = set()
    for step in sorted(steps, key=lambda s: s.after):
        at = origin + step.after
        # the platform hears of a route from the period's start, opened by a melding or request
        if at < chain.start or not (opened or step.contract in _OPENERS):
            continue
        if at >= youth.eighteenth_birthday():
            # every measure ends when the youth comes of age
            for running in sorted(in_force):
                ended = _ended(_rechter(chain), running, MeasureEndReason.MEERDERJARIG)
                _send(chain, log, case, youth.eighteenth_birthday(), ended)
            break
        measure: ProtectionMeasure | None = step.fields.get("measure")
        if step.by_the_clock or (step.contract is _ENDED and measure not in in_force):
            in_force.discard(measure)
            continue  # lapsed, or ended already otherwise: nothing to send
        if step.contract in (toegang.GiAssignmentReport, _EXTENDED) and not in_force:
            continue  # the measure ended before the GI took it on, or before its extension
        if step.contract in _FOLLOWS and _FOLLOWS[step.contract] not in sent:
            continue
        fields = dict(step.fields)
        if not opened:
            fields.update(bsn=youth.bsn, gemeente_code=youth.gemeente_code)
            opened = True
        _send(chain, log, case, at, Step(step.after, step.partner, step.contract, fields))
        sent.add(step.contract)
        if step.contract is _IMPOSED and measure is not None:
            if measure in _KINDERBESCHERMING:
                in_force -= _KINDERBESCHERMING
            in_force.add(measure)
        elif step.contract is _ENDED:
            in_force.discard(measure)


def _send(chain: Chain, log: CaseLog, case: CaseLog, at: datetime, step: Step) -> None:
    message = step.contract.model_validate(
        {"case_id": case.id, "occurred_at": chain.local(at), **step.fields}
    )
    chain.send(log, "toegang", message, step.partner)


def _ended(
    rechter: Partner,
    measure: ProtectionMeasure,
    reason: MeasureEndReason,
    after: timedelta = timedelta(0),
) -> Step:
    return Step(after, rechter, _ENDED, {"measure": measure, "reason": reason})


@dataclass(frozen=True)
class _Onderzoek:
    """Veilig Thuis's onderzoek after its safety assessment, from the route's first step."""

    started: timedelta
    ends: timedelta
    """When it would end of itself; the route may conclude it later (with its request)."""
    outcome: OnderzoekOutcome
    """How it ends when someone other than Veilig Thuis asks the Raad."""

    def steps(
        self, veilig_thuis: Partner, outcome: OnderzoekOutcome, concluded: timedelta
    ) -> list[Step]:
        return [
            Step(self.started, veilig_thuis, _ONDERZOEK_STARTED),
            Step(concluded, veilig_thuis, _ONDERZOEK_CONCLUDED, {"outcome": outcome}),
        ]


def _onderzoek(rates: Rates, assessed: timedelta) -> _Onderzoek | None:
    """Whether Veilig Thuis investigates, drawn from a stream of its own seeded by the route's
    shape (when it assessed), so that the rest of the seed's simulation stays as it was."""
    rng = random.Random(f"onderzoek-{assessed / timedelta(microseconds=1)}")
    if rng.random() >= rates.onderzoek_share:
        return None
    started = assessed + rates.to_onderzoek_start.draw(rng)
    ends = started + rates.onderzoek_duration.draw(rng)
    return _Onderzoek(started, ends, choose(rng, rates.onderzoek_outcomes))


def _route(
    chain: Chain,
    case: CaseLog,
    referrer: Partner,
    verwijzer: Verwijzer,
    kader: Kader,
    rng: random.Random,
) -> tuple[list[Step], timedelta]:
    """The route's steps, and when the referral comes, from the route's first step."""
    rates = chain.rates

    def partner(kind: PartnerKind) -> Partner:
        return referrer if referrer.kind is kind else chain.twente.one_of(kind)

    steps: list[Step] = []
    milestones: dict[str, timedelta] = {}
    now = timedelta(0)
    onderzoek: _Onderzoek | None = None
    veilig_thuis = partner(PartnerKind.VEILIG_THUIS)
    melding = verwijzer is Verwijzer.VEILIG_THUIS or rng.random() < rates.melding_first_share
    if melding:
        steps.append(Step(now, veilig_thuis, toegang.VeiligThuisMeldingReport))
        now += rates.to_safety_assessment.draw(rng)
        outcome = choose(rng, rates.safety_outcomes[kader])
        steps.append(Step(now, veilig_thuis, toegang.SafetyAssessmentReport, {"outcome": outcome}))
        milestones["assessed"] = now
        onderzoek = _onderzoek(rates, now)
        if verwijzer is Verwijzer.VEILIG_THUIS and (
            kader is Kader.VRIJWILLIG
            or rng.random() >= rates.investigation_after_veilig_thuis_referral
        ):
            if onderzoek is not None:  # Veilig Thuis refers as it hands the case over
                overdracht = OnderzoekOutcome.OVERDRACHT_LOKAAL_TEAM
                steps += onderzoek.steps(veilig_thuis, overdracht, onderzoek.ends)
                now = onderzoek.ends
            return steps, now + rates.to_referral_in_route.draw(rng)
        now += rates.to_rvdk_request.draw(rng)
    requester = choose(rng, rates.rvdk_requesters[melding])
    requested = now
    asking = (
        chain.twente.gemeente(case.youth.gemeente_code)
        if requester is PartnerKind.GEMEENTE
        else partner(requester)
    )
    steps.append(Step(now, asking, toegang.RvdkInvestigationRequest))
    milestones["requested"] = now
    now += rates.to_rvdk_start.draw(rng)
    raad = partner(PartnerKind.RAAD_VOOR_DE_KINDERBESCHERMING)
    steps.append(Step(now, raad, toegang.RvdkInvestigationStartReport))
    milestones["started"] = now
    voorlopig = rng.random() < rates.voorlopige_ots_share
    advice = choose(rng, rates.rvdk_advices)
    if verwijzer in _AFTER_A_MEASURE and not voorlopig:
        advice = RvdkAdvice.MAATREGEL  # the referral follows a measure
    completed = now + rates.rvdk_investigation.draw(rng)
    steps.append(
        Step(completed, raad, toegang.RvdkInvestigationCompletionReport, {"advice": advice})
    )
    rechter, gi = partner(PartnerKind.RECHTER), partner(PartnerKind.GECERTIFICEERDE_INSTELLING)
    ruling = completed + rates.to_ruling.draw(rng)
    imposed: list[tuple[timedelta, ProtectionMeasure]] = []
    if voorlopig:
        spoed = now + rates.to_spoedmaatregel.draw(rng)
        imposed.append((spoed, ProtectionMeasure.VOORLOPIGE_OTS))
        expires = spoed + rates.voorlopige_ots_max
        if ruling >= expires:
            # not followed up in time: it lapses, and toegang's clock records that
            lapses = {"measure": ProtectionMeasure.VOORLOPIGE_OTS}
            steps.append(Step(expires, rechter, _ENDED, lapses, by_the_clock=True))
        elif advice is RvdkAdvice.GEEN_MAATREGEL:
            # lifted on the Raad's advice
            steps.append(
                _ended(
                    rechter, ProtectionMeasure.VOORLOPIGE_OTS, MeasureEndReason.DOEL_BEREIKT, ruling
                )
            )
    if advice is RvdkAdvice.MAATREGEL:
        imposed.append((ruling, ProtectionMeasure.OTS))
        ends = ruling + rates.ots_duration.draw(rng)
        # what came with measures over time draws from a stream of its own, seeded by this
        # route's shape, so that the rest of the seed's simulation stays as it was
        later = random.Random(ends / timedelta(microseconds=1))
        year = ruling + _A_YEAR
        while year < ends:  # the rechter extends it before each year runs out
            steps.append(Step(year - rates.to_ots_extension.draw(later), rechter, _EXTENDED))
            year += _A_YEAR
        steps.append(_ended(rechter, ProtectionMeasure.OTS, MeasureEndReason.DOEL_BEREIKT, ends))
        if later.random() < rates.jeugdreclassering_share:
            beside = ruling + rates.to_ruling.draw(later)
            imposed.append((beside, ProtectionMeasure.JEUGDRECLASSERING))
            done = beside + rates.jeugdreclassering_duration.draw(later)
            steps.append(
                _ended(
                    rechter,
                    ProtectionMeasure.JEUGDRECLASSERING,
                    MeasureEndReason.TERMIJN_VERSTREKEN,
                    done,
                )
            )
    for index, (at, measure) in enumerate(imposed):
        steps.append(Step(at, rechter, _IMPOSED, {"measure": measure}))
        follows_up = index > 0 and at < imposed[0][0] + rates.voorlopige_ots_max
        if not follows_up:  # the GI takes on a new measure; a follow-up keeps its GI
            assigned = at + rates.to_gi_assignment.draw(rng)
            steps.append(Step(assigned, gi, toegang.GiAssignmentReport, {"gi": gi.provider}))
            milestones.setdefault("assigned", assigned)
    if imposed:
        milestones["imposed"] = imposed[0][0]
    milestone = milestones[_REFERS_AFTER.get(verwijzer, "requested")]
    referral_after = milestone + rates.to_referral_in_route.draw(rng)
    if onderzoek is None:
        return steps, referral_after
    if requester is not PartnerKind.VEILIG_THUIS:
        return [*steps, *onderzoek.steps(veilig_thuis, onderzoek.outcome, onderzoek.ends)], (
            referral_after
        )
    # Veilig Thuis's own request ends its onderzoek, so it waits for it, and what follows the
    # request with it: moved once laid out, so that the route's draws stay as they were
    waits = max(timedelta(0), onderzoek.ends - requested)
    moved = [replace(s, after=s.after + waits) if s.after >= requested else s for s in steps]
    concluded = requested + waits
    return [*moved, *onderzoek.steps(veilig_thuis, OnderzoekOutcome.VERZOEK_RVDK, concluded)], (
        referral_after + waits if milestone >= requested else referral_after
    )


def _rechter(chain: Chain) -> Partner:
    return chain.twente.one_of(PartnerKind.RECHTER)
