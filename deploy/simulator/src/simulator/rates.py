"""The simulated chain's rates, shares and lead times, after the figures in shared/DOMAIN.md.

Each figure says where it comes from; where DOMAIN.md gives none, the value is a choice, marked
as one, for the werkgroep to adjust. All are configurable: `Rates(...)` with other values.
"""

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import TypeVar

from jeugdketen_shared.contracts.plaatsing import (
    ContinuityPlan,
    EndReason,
    TransferReason,
    WithdrawalReason,
)
from jeugdketen_shared.permissions import PartnerKind
from jeugdketen_shared.vocabulary import (
    CareForm,
    Kader,
    OnderzoekOutcome,
    RetEscalator,
    RvdkAdvice,
    SafetyOutcome,
    ToegangDecision,
    Urgency,
    Verwijzer,
)

T = TypeVar("T")

WITHDRAWN = "withdrawn"
"""A toegang outcome besides the decisions: the referrer withdraws before toegang decides."""


def choose(rng: random.Random, weights: Mapping[T, float]) -> T:
    """One key of `weights`, drawn in proportion to its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


@dataclass(frozen=True)
class LeadTime:
    """A log-normal lead time: half of the cases take less than `median_days`; `spread` widens
    the tail, so some cases run well over the norm (the stagnation the monitor must show)."""

    median_days: float
    spread: float = 0.6
    minimum_days: float = 0.0

    def draw(self, rng: random.Random) -> timedelta:
        days = self.median_days * math.exp(rng.gauss(0.0, self.spread))
        return timedelta(days=max(self.minimum_days, days))

    @property
    def mean_days(self) -> float:
        return self.median_days * math.exp(self.spread**2 / 2)


def _frozen(mapping: Mapping[T, float]) -> Mapping[T, float]:
    return MappingProxyType(dict(mapping))


# CBS population of the 14 gemeenten (thousands, 2023, rounded): youths follow residents
POPULATION = _frozen(
    {
        "GM0153": 162,  # Enschede
        "GM0164": 81,  # Hengelo
        "GM0141": 74,  # Almelo
        "GM1742": 38,  # Rijssen-Holten
        "GM0163": 36,  # Hellendoorn
        "GM1735": 35,  # Hof van Twente
        "GM1700": 34,  # Twenterand
        "GM0173": 32,  # Oldenzaal
        "GM1774": 26,  # Dinkelland
        "GM0189": 25,  # Wierden
        "GM0147": 24,  # Borne
        "GM0158": 24,  # Haaksbergen
        "GM0168": 23,  # Losser
        "GM0183": 21,  # Tubbergen
    }
)


@dataclass(frozen=True)
class Rates:
    # --- referral ------------------------------------------------------------------------
    gemeente_weights: Mapping[str, float] = field(default_factory=lambda: POPULATION)
    gedwongen_share: float = 0.16
    """DOMAIN.md: 16% of Twente's youths in jeugdhulp have a protection or probation measure."""
    verwijzers: Mapping[Kader, Mapping[Verwijzer, float]] = field(
        default_factory=lambda: {
            # choice, after CBS's national referrer mix: the lokaal team and huisartsen refer most
            Kader.VRIJWILLIG: _frozen(
                {
                    Verwijzer.GEMEENTE: 0.36,
                    Verwijzer.HUISARTS: 0.28,
                    Verwijzer.POH_JEUGD: 0.08,
                    Verwijzer.JEUGDARTS: 0.08,
                    Verwijzer.ZELFVERWIJZER: 0.12,
                    Verwijzer.VEILIG_THUIS: 0.08,
                }
            ),
            # choice: a measure comes through the GI, the court, the Raad or Veilig Thuis
            Kader.GEDWONGEN: _frozen(
                {
                    Verwijzer.GECERTIFICEERDE_INSTELLING: 0.45,
                    Verwijzer.RECHTER: 0.20,
                    Verwijzer.RAAD_VOOR_DE_KINDERBESCHERMING: 0.20,
                    Verwijzer.VEILIG_THUIS: 0.15,
                }
            ),
        }
    )
    age_at_referral: Mapping[tuple[int, int], float] = field(
        default_factory=lambda: _frozen(
            {(0, 4): 0.10, (4, 12): 0.38, (12, 16): 0.34, (16, 18): 0.18}
        )
    )
    """Choice: age bands (from, to) in years; teenagers are referred most."""

    # --- toegang -------------------------------------------------------------------------
    toegang_outcomes: Mapping[Kader, Mapping[str, float]] = field(
        default_factory=lambda: {
            # seeds 000/001: the verklarende analyse keeps most cases in local basic help
            Kader.VRIJWILLIG: _frozen(
                {
                    ToegangDecision.LOKALE_BASISHULP: 0.60,
                    ToegangDecision.GEZAMENLIJKE_TRIAGE: 0.27,
                    ToegangDecision.GEEN_HULP: 0.08,
                    WITHDRAWN: 0.05,
                }
            ),
            # choice: a measure mostly needs specialised care
            Kader.GEDWONGEN: _frozen(
                {
                    ToegangDecision.LOKALE_BASISHULP: 0.12,
                    ToegangDecision.GEZAMENLIJKE_TRIAGE: 0.83,
                    ToegangDecision.GEEN_HULP: 0.02,
                    WITHDRAWN: 0.03,
                }
            ),
        }
    )
    re_entry_share: float = 0.08
    """Choice: a youth who left toegang without specialised care is referred again within a year
    (the re-entry the monitor counts)."""

    # --- gedwongen kader: Veilig Thuis, the Raad, the rechter and the GI --------------------
    protection_route_share: float = 0.8
    """Choice: gedwongen-kader referrals that a route of Veilig Thuis, the Raad and the
    rechter leads up to; the others are youth-probation cases (jeugdreclassering)."""
    melding_first_share: float = 0.6
    """Choice: the route opens with a Veilig Thuis melding; else with the Raad's request."""
    melding_before_voluntary_referral: float = 0.9
    """Choice: Veilig Thuis refers in the vrijwillig kader after a melding and its assessment."""
    measure_after_voluntary_share: float = 0.04
    """Choice: voluntary cases without a route before their referral where one begins weeks
    into the help (a melding, or the lokaal team asks the Raad), most of them leading to a
    measure: the case moves from the vrijwillig into the gedwongen kader (issue 15)."""
    to_route_after_voluntary: LeadTime = LeadTime(median_days=60, spread=0.7, minimum_days=7)
    """Choice: that route begins weeks or months after the referral."""
    safety_outcomes: Mapping[Kader, Mapping[SafetyOutcome, float]] = field(
        default_factory=lambda: {
            Kader.VRIJWILLIG: _frozen(
                {
                    SafetyOutcome.VEILIG: 0.35,
                    SafetyOutcome.VOORWAARDELIJK_VEILIG: 0.55,
                    SafetyOutcome.ONVEILIG: 0.10,
                }
            ),
            Kader.GEDWONGEN: _frozen(
                {
                    SafetyOutcome.VEILIG: 0.05,
                    SafetyOutcome.VOORWAARDELIJK_VEILIG: 0.35,
                    SafetyOutcome.ONVEILIG: 0.60,
                }
            ),
        }
    )
    """Choice: a melding before a measure mostly finds the youth unsafe."""
    onderzoek_share: float = 0.6
    """Choice: after the safety assessment of a melding that leads to a referral or to the Raad,
    Veilig Thuis mostly investigates (DOMAIN.md gives no share; it gives the norm)."""
    to_onderzoek_start: LeadTime = LeadTime(median_days=5, spread=0.6)
    """Choice: the onderzoek starts days after the safety assessment."""
    # DOMAIN.md: Veilig Thuis's onderzoek takes at most 10 weeks (70 days); about a quarter over
    onderzoek_duration: LeadTime = LeadTime(median_days=55, spread=0.35, minimum_days=7)
    onderzoek_outcomes: Mapping[OnderzoekOutcome, float] = field(
        default_factory=lambda: _frozen(
            {OnderzoekOutcome.OVERDRACHT_LOKAAL_TEAM: 0.6, OnderzoekOutcome.AFGESLOTEN: 0.4}
        )
    )
    """Choice: how an onderzoek ends when someone other than Veilig Thuis asks the Raad (an
    onderzoek before Veilig Thuis's own request ends in that request, one before its referral
    in an overdracht to the lokaal team)."""
    investigation_after_veilig_thuis_referral: float = 0.5
    """Choice: Veilig Thuis's gedwongen-kader referrals also followed by a request to the Raad."""
    rvdk_requesters: Mapping[bool, Mapping[PartnerKind, float]] = field(
        default_factory=lambda: {
            # after a melding Veilig Thuis mostly asks the Raad itself
            True: _frozen(
                {
                    PartnerKind.VEILIG_THUIS: 0.80,
                    PartnerKind.GEMEENTE: 0.15,
                    PartnerKind.GECERTIFICEERDE_INSTELLING: 0.05,
                }
            ),
            False: _frozen(
                {PartnerKind.GEMEENTE: 0.75, PartnerKind.GECERTIFICEERDE_INSTELLING: 0.25}
            ),
        }
    )
    """Choice: who asks the Raad to investigate, after a melding (True) or without one."""
    rvdk_advices: Mapping[RvdkAdvice, float] = field(
        default_factory=lambda: _frozen(
            {RvdkAdvice.MAATREGEL: 0.70, RvdkAdvice.GEEN_MAATREGEL: 0.30}
        )
    )
    """Choice: the Raad's advice when nothing else (the referral of the rechter or the GI)
    says a measure followed."""
    voorlopige_ots_share: float = 0.3
    """Choice: the Raad asks for a spoedmaatregel (voorlopige OTS) as it starts; the rechter
    follows it up with an OTS on the Raad's advice."""
    voorlopige_ots_max: timedelta = timedelta(days=89)
    """DOMAIN.md: a voorlopige OTS lasts at most 3 months (89 days, the shortest three); not
    followed up by an OTS by then, it lapses (toegang's clock records it, BW 1:257)."""
    ots_duration: LeadTime = LeadTime(median_days=540, spread=0.5, minimum_days=60)
    """Choice: an OTS runs a year and is mostly extended (BW 1:258, 1:260); it ends after
    this, or on the 18th birthday."""
    to_ots_extension: LeadTime = LeadTime(median_days=21, spread=0.5, minimum_days=2)
    """Choice: the rechter extends the OTS weeks before its year runs out."""
    jeugdreclassering_share: float = 0.1
    """Choice: measures followed by jeugdreclassering beside the OTS (DOMAIN.md: 16% of Twente's
    youths in jeugdhulp have a protection or probation measure)."""
    jeugdreclassering_duration: LeadTime = LeadTime(median_days=270, spread=0.4, minimum_days=90)
    """Choice: jeugdreclassering runs months, as the criminal court set it."""
    # DOMAIN.md: the safety assessment within 5 werkdagen (7 days) of the melding; a quarter over
    to_safety_assessment: LeadTime = LeadTime(median_days=5, spread=0.5)
    to_rvdk_request: LeadTime = LeadTime(median_days=10, spread=0.7)
    """Choice: after the assessment, voluntary help is tried first."""
    # DOMAIN.md: the Raad starts within 10 days of the request; early 2019 ~2,800 children
    # waited 30 days on average: a long tail, about one in ten waits over 30 days
    to_rvdk_start: LeadTime = LeadTime(median_days=11, spread=0.8)
    # DOMAIN.md: the beschermingsonderzoek, start to advice, often 42 werkdagen (59 days)
    rvdk_investigation: LeadTime = LeadTime(median_days=59, spread=0.3, minimum_days=14)
    to_spoedmaatregel: LeadTime = LeadTime(median_days=2, spread=0.6)
    """Choice: the rechter imposes the voorlopige OTS days after the Raad's start."""
    to_ruling: LeadTime = LeadTime(median_days=21, spread=0.5, minimum_days=2)
    """Choice: the zitting follows the Raad's advice within weeks."""
    to_gi_assignment: LeadTime = LeadTime(median_days=4, spread=0.6)
    """Choice: the GI takes on the measure within days of the ruling."""
    to_referral_in_route: LeadTime = LeadTime(median_days=6, spread=0.6)
    """Choice: the partner that refers does so days after its own step in the route."""

    # --- triage --------------------------------------------------------------------------
    away_from_home_share: Mapping[Kader, float] = field(
        default_factory=lambda: _frozen({Kader.GEDWONGEN: 0.49, Kader.VRIJWILLIG: 0.06})
    )
    """DOMAIN.md: 49% of youths with a measure live away from home; the voluntary share is set
    so that about 14% of all youths placed live away from home."""
    away_care_forms: Mapping[CareForm, float] = field(
        default_factory=lambda: _frozen(
            {
                CareForm.PLEEGZORG: 0.38,
                CareForm.GEZINSHUIS: 0.14,
                CareForm.KLEINSCHALIG_WONEN: 0.15,
                CareForm.RESIDENTIELE_BEHANDELGROEP: 0.19,
                CareForm.DRIE_MILIEUVOORZIENING: 0.06,
                CareForm.JEUGDZORG_PLUS: 0.08,
            }
        )
    )
    """Choice of the mix at the start of the period; jeugdzorg plus shrinks, see below."""
    jeugdzorg_plus_share_at_end: float = 0.02
    """DOMAIN.md: closed placements halved 2019-2023 and must end by 2030. Over the period the
    jeugdzorg-plus share falls linearly to this; what it loses goes to 3-milieuvoorziening."""
    urgencies: Mapping[Urgency, float] = field(
        default_factory=lambda: _frozen(
            {Urgency.REGULIER: 0.80, Urgency.SPOED: 0.16, Urgency.CRISIS: 0.04}
        )
    )
    ret_share: float = 0.07
    """Choice: the share of triaged cases escalated to the Regionaal Expertteam."""
    ret_escalated_by: Mapping[RetEscalator, float] = field(
        default_factory=lambda: _frozen(
            {
                RetEscalator.TRIAGETAFEL: 0.6,
                RetEscalator.GEMEENTE: 0.25,
                RetEscalator.AANBIEDER: 0.15,
            }
        )
    )
    """Choice: who escalates (seed 001 opens the RET to every youth who gets stuck): mostly the
    triage table, also the youth's gemeente and one of the responsible providers."""
    ret_changes_care_form: float = 0.5
    ret_non_contracted_care: float = 0.2
    ret_maatwerkbudget: float = 0.35

    # --- plaatsing -----------------------------------------------------------------------
    deviation_from_ret_share: float = 0.12
    """Choice: placements that deviate from the RET's binding advice (with a reason)."""
    deviation_from_triage_share: float = 0.08
    """Choice: placements in another care form than triage recommended (seed 003's gap)."""
    moves_of_residential_youths: Mapping[tuple[int, int], float] = field(
        default_factory=lambda: _frozen({(0, 0): 0.25, (1, 6): 0.63, (11, 16): 0.12})
    )
    """DOMAIN.md: 75% of residential youths are moved, on average several times, and one in
    eight more than 10 times. Bands (from, to) of transfers; each band drawn uniformly."""
    ambulant_transfer_share: float = 0.05
    transfer_reasons: Mapping[TransferReason, float] = field(
        default_factory=lambda: _frozen(
            {
                TransferReason.CAPACITEIT: 0.25,
                TransferReason.ESCALATIE: 0.25,
                TransferReason.GEPLANDE_AFSCHALING: 0.20,
                TransferReason.GEPLANDE_OPSCHALING: 0.10,
                TransferReason.AANBIEDER_BEEINDIGT_ZORG: 0.15,
                TransferReason.OVERIG: 0.05,
            }
        )
    )
    end_reasons: Mapping[EndReason, float] = field(
        default_factory=lambda: _frozen(
            {
                EndReason.VOLGENS_PLAN: 0.82,
                EndReason.VERHUISD: 0.07,
                EndReason.UITSTROOM_WLZ: 0.04,
                EndReason.OVERIG: 0.07,
            }
        )
    )
    """Choice; `achttien-jaar` is not drawn: it ends care on the 18th birthday."""
    continuity_plan_share: float = 0.75
    """Choice: youths in care at 18 with a continuity plan; the rest are the monitor's alert."""
    continuity_plans: Mapping[ContinuityPlan, float] = field(
        default_factory=lambda: _frozen(
            {
                ContinuityPlan.VERLENGDE_JEUGDHULP: 0.35,
                ContinuityPlan.WMO_BESCHERMD_WONEN: 0.20,
                ContinuityPlan.ZVW: 0.15,
                ContinuityPlan.WLZ: 0.05,
                ContinuityPlan.PARTICIPATIE: 0.10,
                ContinuityPlan.NIET_NODIG: 0.15,
            }
        )
    )
    withdrawn_request_share: float = 0.06
    """Choice: requests the provider withdraws before a place is free; the youth is not placed
    in this case."""
    withdrawal_reasons: Mapping[WithdrawalReason, float] = field(
        default_factory=lambda: _frozen(
            {
                WithdrawalReason.NIET_MEER_NODIG: 0.35,
                WithdrawalReason.ANDERE_HULP: 0.25,
                WithdrawalReason.WENS_JEUGDIGE_OF_OUDERS: 0.20,
                WithdrawalReason.VERHUISD: 0.10,
                WithdrawalReason.OVERIG: 0.10,
            }
        )
    )
    """Choice."""
    crisis_share: float = 0.02
    """Choice: crisis placements without triage, per simulated case."""
    capacity_utilisation: float = 0.97
    """Places per care form are the expected demand over this: close to 1, so queues form."""
    capacity_report_every: timedelta = timedelta(days=28)

    # --- lead times (norms of DOMAIN.md) -----------------------------------------------------
    # Treeknorm referral to intake: 4 weeks; analysis and decision together mostly within it
    to_verklarende_analyse: LeadTime = LeadTime(median_days=12, spread=0.6)
    to_toegang_decision: LeadTime = LeadTime(median_days=6, spread=0.6)
    to_withdrawal: LeadTime = LeadTime(median_days=8, spread=0.7)
    # answer to a request for care: 5 werkdagen (7 days); a third of cases run over
    to_triage_decision: LeadTime = LeadTime(median_days=5, spread=0.7)
    to_ret_escalation: LeadTime = LeadTime(median_days=7, spread=0.6)
    to_ret_advice: LeadTime = LeadTime(median_days=14, spread=0.5)
    to_placement_request: LeadTime = LeadTime(median_days=2, spread=0.8)
    to_request_withdrawal: LeadTime = LeadTime(median_days=25, spread=0.7)
    """Choice: a withdrawal comes weeks into the wait, mostly before a regular intake."""
    # Treeknorm intake to treatment: 10 weeks; waiting for a place comes on top
    to_placement_start: LeadTime = LeadTime(median_days=21, spread=0.7, minimum_days=1)
    ambulant_care: LeadTime = LeadTime(median_days=150, spread=0.6, minimum_days=14)
    away_from_home_care: LeadTime = LeadTime(median_days=300, spread=0.6, minimum_days=30)
    crisis_stay: LeadTime = LeadTime(median_days=21, spread=0.5, minimum_days=2)
    # start/stop of care reported 5 werkdagen after the fact; some providers report late
    reporting_delay: LeadTime = LeadTime(median_days=2, spread=1.0)
    continuity_plan_before_18: LeadTime = LeadTime(median_days=200, spread=0.5)
    """The norm is 6 months before the 18th birthday: about half of the plans come later."""
    verlengde_jeugdhulp: LeadTime = LeadTime(median_days=240, spread=0.5, minimum_days=30)

    # --- deliberately bad messages -------------------------------------------------------
    bad_message_share: float = 0.01
    """Per simulated case: one message the platform must refuse, or a duplicate delivery."""

    def care_form_mix(self, progress: float) -> dict[CareForm, float]:
        """The away-from-home mix at `progress` (0 at the period's start, 1 at its end)."""
        mix = dict(self.away_care_forms)
        start = mix[CareForm.JEUGDZORG_PLUS]
        now = start + (self.jeugdzorg_plus_share_at_end - start) * progress
        mix[CareForm.JEUGDZORG_PLUS] = now
        mix[CareForm.DRIE_MILIEUVOORZIENING] += start - now
        return mix
