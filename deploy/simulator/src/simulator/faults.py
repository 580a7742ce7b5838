"""Deliberately bad messages: each the platform must refuse with a known reason, or, for a
duplicate delivery, record once. Each refused one is a case of its own, so nothing else of the
simulation depends on it."""

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from jeugdketen_shared.contracts import plaatsing, toegang
from jeugdketen_shared.permissions import PartnerKind
from jeugdketen_shared.privacy import is_valid_bsn
from jeugdketen_shared.vocabulary import CareForm, Kader, Verwijzer
from simulator.chain import Chain
from simulator.partners import source_of
from simulator.plan import DUPLICATE, Outcome, PlannedMessage, rejected

NOT_TWENTE = "GM0200"  # Apeldoorn: a real CBS code, not one of the 14
FAULTS = (
    "unknown-gemeente",
    "occurred-in-future",
    "invalid-bsn",
    "no-active-placement",
    "duplicate",
)


def add_faults(chain: Chain, count: int) -> None:
    """`count` bad messages, the kinds in turn, at random moments of the period."""
    originals = [
        m for m in chain.messages if m.intended.outcome is Outcome.ACCEPTED and m.at <= chain.end
    ]
    for index in range(count):
        fault = FAULTS[index % len(FAULTS)]
        if fault == "duplicate":
            original = chain.shape.choice(originals)
            # a partner's system that sends again what it already sent (same id and content)
            chain.messages.append(dataclasses.replace(original, intended=DUPLICATE))
        else:
            chain.messages.append(_refused(chain, fault))


def _refused(chain: Chain, fault: str) -> PlannedMessage:
    rng = chain.shape
    at = chain.start + (chain.end - chain.start) * rng.random()
    case_id = chain.new_id()
    huisarts = chain.twente.one_of(PartnerKind.HUISARTS)
    referral: dict[str, Any] = {
        "case_id": str(case_id),
        "bsn": chain.new_youth("GM0153", at).bsn,
        "gemeente_code": "GM0153",
        "verwijzer": Verwijzer.HUISARTS.value,
        "kader": Kader.VRIJWILLIG.value,
        "occurred_at": chain.local(at).isoformat(),
    }
    service, type_, partner, data = (
        "toegang",
        toegang.ReferralSubmission.cloudevent_type,
        huisarts,
        referral,
    )
    if fault == "unknown-gemeente":
        data = {**referral, "gemeente_code": NOT_TWENTE}
    elif fault == "occurred-in-future":
        # beyond the end of any run of the period, at any speed: the period is its longest
        data = {**referral, "occurred_at": _after_any_run(chain).isoformat()}
    elif fault == "invalid-bsn":
        data = {**referral, "bsn": _failing_elfproef(chain)}
    elif fault == "no-active-placement":
        provider = next(iter(chain.twente.providers.values()))
        service, type_, partner = "plaatsing", plaatsing.TransferReport.cloudevent_type, provider
        data = {
            "case_id": str(case_id),
            "to_provider": provider.provider,
            "to_care_form": CareForm.PLEEGZORG.value,
            "to_location_gemeente_code": "GM0153",
            "reason": plaatsing.TransferReason.CAPACITEIT.value,
            "occurred_at": chain.local(at).isoformat(),
        }
    return PlannedMessage(
        id=chain.new_id(),
        service=service,
        type=type_,
        partner=partner,
        source=source_of(partner),
        key=str(case_id),
        case_id=case_id,
        at=at,
        data=data,
        intended=rejected(fault),
    )


def _after_any_run(chain: Chain) -> datetime:
    return chain.end + (chain.end - chain.start) + timedelta(days=1)


def _failing_elfproef(chain: Chain) -> str:
    while True:
        candidate = f"{chain.identities.randrange(10**8, 10**9):09d}"
        if not is_valid_bsn(candidate):
            return candidate
