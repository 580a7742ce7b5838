"""A referred youth's route through toegang and the gezamenlijke triage."""

import random
from datetime import datetime, timedelta

from jeugdketen_shared.contracts import toegang, triage
from jeugdketen_shared.permissions import Partner, PartnerKind
from jeugdketen_shared.vocabulary import CareForm, Kader, RetEscalator, ToegangDecision
from simulator.chain import CaseLog, Chain, Youth
from simulator.placements import Advice, place
from simulator.plan import Dependency
from simulator.protection import (
    leads_to_referral,
    send_route,
    send_route_after_voluntary_help,
)
from simulator.rates import WITHDRAWN, choose

RE_ENTRY_WITHIN = timedelta(days=365)
# the RET, when it changes the triage's advice, mostly chooses heavier or 3-milieu care
_RET_ALTERNATIVES = {
    CareForm.AMBULANT: CareForm.PLEEGZORG,
    CareForm.PLEEGZORG: CareForm.GEZINSHUIS,
    CareForm.GEZINSHUIS: CareForm.KLEINSCHALIG_WONEN,
    CareForm.KLEINSCHALIG_WONEN: CareForm.RESIDENTIELE_BEHANDELGROEP,
    CareForm.RESIDENTIELE_BEHANDELGROEP: CareForm.DRIE_MILIEUVOORZIENING,
    CareForm.DRIE_MILIEUVOORZIENING: CareForm.RESIDENTIELE_BEHANDELGROEP,
    CareForm.JEUGDZORG_PLUS: CareForm.DRIE_MILIEUVOORZIENING,
    CareForm.CRISISOPVANG: CareForm.PLEEGZORG,
}


def refer(chain: Chain, referred_at: datetime, youth: Youth | None = None) -> None:
    """A referral, and all that follows it within the period; a youth may come back later."""
    rng, rates = chain.shape, chain.rates
    if youth is None:
        youth = chain.new_youth(choose(rng, rates.gemeente_weights), referred_at)
    kader = Kader.GEDWONGEN if rng.random() < rates.gedwongen_share else Kader.VRIJWILLIG
    verwijzer = choose(rng, rates.verwijzers[kader])
    referrer = chain.twente.referrer(verwijzer, youth.gemeente_code, rng)
    lokaal_team = chain.twente.gemeente(youth.gemeente_code)
    case = chain.new_case(youth, referred_at)
    if leads_to_referral(chain, verwijzer, kader):
        send_route(chain, case, referrer, verwijzer, kader, referred_at)
    elif kader is Kader.VRIJWILLIG:
        send_route_after_voluntary_help(chain, case, lokaal_team, referred_at)
    chain.send(
        case,
        "toegang",
        toegang.ReferralSubmission(
            case_id=case.id,
            bsn=youth.bsn,
            gemeente_code=youth.gemeente_code,
            verwijzer=verwijzer,
            kader=kader,
            occurred_at=chain.local(referred_at),
        ),
        referrer,
    )
    outcome = choose(rng, rates.toegang_outcomes[kader])
    if outcome == WITHDRAWN:
        withdrawn_at = referred_at + rates.to_withdrawal.draw(rng)
        chain.send(
            case,
            "toegang",
            toegang.ReferralWithdrawal(case_id=case.id, occurred_at=chain.local(withdrawn_at)),
            referrer,
        )
        _maybe_come_back(chain, youth, withdrawn_at)
        return
    analysed_at = referred_at + rates.to_verklarende_analyse.draw(rng)
    chain.send(
        case,
        "toegang",
        toegang.VerklarendeAnalyseReport(case_id=case.id, occurred_at=chain.local(analysed_at)),
        lokaal_team,
    )
    decided_at = analysed_at + rates.to_toegang_decision.draw(rng)
    decision = ToegangDecision(outcome)
    chain.send(
        case,
        "toegang",
        toegang.ToegangDecisionReport(
            case_id=case.id, decision=decision, occurred_at=chain.local(decided_at)
        ),
        lokaal_team,
    )
    if decision is ToegangDecision.GEZAMENLIJKE_TRIAGE:
        _triage(chain, case, kader, decided_at)
    else:
        _maybe_come_back(chain, youth, decided_at)


def _maybe_come_back(chain: Chain, youth: Youth, left_at: datetime) -> None:
    """Re-entry: only youths who left without specialised care, so no placement overlaps."""
    rng = chain.shape
    if rng.random() < chain.rates.re_entry_share:
        back_at = left_at + timedelta(days=rng.uniform(30, RE_ENTRY_WITHIN.days))
        if back_at < chain.end:
            refer(chain, back_at, youth)


def _escalating(
    chain: Chain,
    case: CaseLog,
    table: Partner,
    responsible: tuple[str, ...],
    escalated_at: datetime,
) -> Partner:
    """Who escalates to the RET: the triage table, the youth's gemeente or one of the
    responsible providers. Drawn from a stream of the case's own (seeded by the escalation's
    moment in the period), so that the rest of the seed's simulation stays as it was."""
    rng = random.Random((escalated_at - chain.start) / timedelta(microseconds=1))
    escalating = {
        RetEscalator.TRIAGETAFEL: table,
        RetEscalator.GEMEENTE: chain.twente.gemeente(case.youth.gemeente_code),
        RetEscalator.AANBIEDER: chain.twente.providers[rng.choice(responsible)],
    }
    return escalating[choose(rng, chain.rates.ret_escalated_by)]


def _triage(chain: Chain, case: CaseLog, kader: Kader, forwarded_at: datetime) -> None:
    rng, rates = chain.shape, chain.rates
    table = chain.twente.one_of(PartnerKind.TRIAGETAFEL)
    # the triage table acts on a case only once triage has opened it from toegang's decision
    opened = Dependency("toegang", "triage", case.id, toegang.ToegangDecided.cloudevent_type)
    away = rng.random() < rates.away_from_home_share[kader]
    recommended = (
        choose(rng, rates.care_form_mix(chain.progress(forwarded_at)))
        if away
        else CareForm.AMBULANT
    )
    urgency = choose(rng, rates.urgencies)
    first_choice = chain.places.soonest(recommended, rng).provider
    others = sorted({o.provider for o in chain.places.offers} - {first_choice})
    responsible = (first_choice, *rng.sample(others, k=min(len(others), rng.randint(0, 2))))
    decided_at = forwarded_at + rates.to_triage_decision.draw(rng)
    chain.send(
        case,
        "triage",
        triage.TriageDecisionReport(
            case_id=case.id,
            recommended_care_form=recommended,
            urgency=urgency,
            responsible_providers=responsible,
            occurred_at=chain.local(decided_at),
        ),
        table,
        after=opened,
    )
    advice = Advice(recommended, binding=False)
    advised_at, last_event = decided_at, triage.TriageDecided.cloudevent_type
    if rng.random() < rates.ret_share:
        escalated_at = decided_at + rates.to_ret_escalation.draw(rng)
        chain.send(
            case,
            "triage",
            triage.RetEscalationReport(case_id=case.id, occurred_at=chain.local(escalated_at)),
            _escalating(chain, case, table, responsible, escalated_at),
            after=opened,
        )
        advised = (
            _RET_ALTERNATIVES[recommended]
            if rng.random() < rates.ret_changes_care_form
            else recommended
        )
        advised_at = escalated_at + rates.to_ret_advice.draw(rng)
        chain.send(
            case,
            "triage",
            triage.RetAdviceReport(
                case_id=case.id,
                care_form=advised,
                non_contracted_care=rng.random() < rates.ret_non_contracted_care,
                maatwerkbudget_granted=rng.random() < rates.ret_maatwerkbudget,
                occurred_at=chain.local(advised_at),
            ),
            chain.twente.one_of(PartnerKind.REGIONAAL_EXPERTTEAM),
            after=opened,
        )
        advice, last_event = Advice(advised, binding=True), triage.RetAdviceGiven.cloudevent_type
    # providers act once plaatsing has applied triage's last word on the case
    known = Dependency("triage", "plaatsing", case.id, last_event)
    place(chain, case, advice, urgency, advised_at, known)
