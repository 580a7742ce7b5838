"""The model of a simulated Twente: every partner message of a period, planned without I/O.

Same scenario, same messages: what happens is drawn from the seed alone; ids and BSNs also
from the period's end, so that two runs ending at other moments never reuse an id (the platform
would refuse an id reused with other content) nor place the same youth twice.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jeugdketen_shared.contracts import plaatsing
from jeugdketen_shared.contracts.base import InboundMessage
from jeugdketen_shared.vocabulary import CareForm, Kader, ToegangDecision
from simulator.chain import Chain
from simulator.faults import add_faults
from simulator.partners import Twente
from simulator.placements import crisis
from simulator.plan import PlannedMessage
from simulator.providers import Places
from simulator.rates import Rates, choose
from simulator.referrals import refer


@dataclass(frozen=True)
class Scenario:
    seed: int
    cases: int
    """Cases in the period: referrals and crisis placements; re-entries come on top."""
    period: timedelta
    end: datetime
    """The period ends here (aware); nothing is sent or dated after it."""
    rates: Rates = field(default_factory=Rates)

    @property
    def start(self) -> datetime:
        return self.end - self.period


def plan_messages(scenario: Scenario, twente: Twente) -> list[PlannedMessage]:
    """Every message of the period, in the order partners send them."""
    shape = random.Random(scenario.seed)
    chain = Chain(
        rates=scenario.rates,
        twente=twente,
        start=scenario.start,
        end=scenario.end,
        shape=shape,
        identities=random.Random(f"{scenario.seed}/{scenario.end.isoformat()}"),
        places=Places.plan(
            sorted(twente.providers),
            _expected_occupation(scenario),
            _mean_stay_days(scenario.rates),
            {p: choose(shape, scenario.rates.gemeente_weights) for p in sorted(twente.providers)},
            scenario.start,
            shape,
        ),
    )
    crises = round(scenario.cases * scenario.rates.crisis_share)
    # in the order they happen, so referred and crisis youths compete for places alike
    arrivals = [(moment, False) for moment in _moments(chain, scenario.cases - crises)]
    arrivals += [(moment, True) for moment in _moments(chain, crises)]
    for moment, is_crisis in sorted(arrivals):
        if is_crisis:
            gemeente = choose(shape, scenario.rates.gemeente_weights)
            crisis(chain, chain.new_youth(gemeente, moment), moment)
        else:
            refer(chain, moment)
    _report_capacity(chain)
    # what would be sent after the period's end has not happened yet
    chain.messages[:] = [m for m in chain.messages if m.at <= chain.end]
    add_faults(chain, round(scenario.cases * scenario.rates.bad_message_share))
    order = {id(message): index for index, message in enumerate(chain.messages)}
    return sorted(chain.messages, key=lambda m: (m.at, order[id(m)]))


def _moments(chain: Chain, count: int) -> list[datetime]:
    span = chain.end - chain.start
    return sorted(chain.start + span * chain.shape.random() for _ in range(count))


def _report_capacity(chain: Chain) -> None:
    """Each provider reports each care form's places and occupation, every few weeks."""
    every = chain.rates.capacity_report_every
    for offer in chain.places:
        partner = chain.twente.providers[offer.provider]
        moment = chain.start + timedelta(hours=chain.shape.uniform(8, 17))
        while moment <= chain.end:
            occupied = sum(slot.occupied_at(moment) for slot in offer.slots)
            report: InboundMessage = plaatsing.CapacityReport(
                provider=offer.provider,
                care_form=offer.care_form,
                places=len(offer.slots),
                occupied=occupied,
                occurred_at=chain.local(moment),
            )
            chain.send(None, "plaatsing", report, partner)
            moment += every


def _mean_stay_days(rates: Rates) -> dict[CareForm, float]:
    stays = {form: rates.away_from_home_care.mean_days for form in CareForm}
    stays[CareForm.AMBULANT] = rates.ambulant_care.mean_days
    stays[CareForm.CRISISOPVANG] = rates.crisis_stay.mean_days
    return stays


def _expected_occupation(scenario: Scenario) -> dict[CareForm, float]:
    """Places per care form: the youths expected in it at once, over the target utilisation."""
    rates = scenario.rates
    per_day = scenario.cases / max(1.0, scenario.period / timedelta(days=1))
    triaged = {
        kader: per_day
        * (rates.gedwongen_share if kader is Kader.GEDWONGEN else 1 - rates.gedwongen_share)
        * rates.toegang_outcomes[kader][ToegangDecision.GEZAMENLIJKE_TRIAGE]
        for kader in Kader
    }
    away_per_day = sum(triaged[k] * rates.away_from_home_share[k] for k in Kader)
    ambulant_per_day = sum(triaged.values()) - away_per_day
    mix = rates.care_form_mix(0.5)
    expected = {CareForm.AMBULANT: ambulant_per_day * rates.ambulant_care.mean_days}
    for form, share in mix.items():
        expected[form] = away_per_day * share * rates.away_from_home_care.mean_days
    places = {form: youths / rates.capacity_utilisation for form, youths in expected.items()}
    # crisis care cannot wait: several times the places it needs on average
    places[CareForm.CRISISOPVANG] = 4 * per_day * rates.crisis_share * rates.crisis_stay.mean_days
    return places
