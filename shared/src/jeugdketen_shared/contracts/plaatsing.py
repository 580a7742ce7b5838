"""Contracts of plaatsing: what providers publish on `jeugdketen.plaatsing.inbound`, the domain
events plaatsing publishes on `jeugdketen.plaatsing.events`, and plaatsing's own reading of the
triage events it applies.

Inbound types end in what the partner did (`-submitted`, `-reported`), domain events in what
plaatsing recorded, so that no type names both a partner message and a domain event.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from jeugdketen_shared.contracts.base import (
    CaseMessage,
    DomainEventData,
    InboundMessage,
    ProviderMessage,
)
from jeugdketen_shared.contracts.fields import AMSTERDAM as AMSTERDAM
from jeugdketen_shared.contracts.fields import EARLIEST_BIRTH_DATE as EARLIEST_BIRTH_DATE
from jeugdketen_shared.contracts.fields import (
    NOW_CONTEXT_KEY,
    Bsn,
    GemeenteCode,
    LocationGemeenteCode,
    ProviderId,
    YouthPseudonym,
)
from jeugdketen_shared.vocabulary import CareForm
from jeugdketen_shared.youth_keys import SEALED_PATTERN

MAX_PLACES = 100_000
"""More places than all of the Netherlands' youth care has for one care form; the bound keeps
numbers that no store or sum can hold out of the chain."""


class TransferReason(StrEnum):
    """Why a youth moves to another provider or place (overplaatsing)."""

    ESCALATIE = "escalatie"
    """The situation escalated: the youth needs a heavier care form or a safer place."""
    GEPLANDE_AFSCHALING = "geplande-afschaling"
    """A planned step down to lighter care."""
    GEPLANDE_OPSCHALING = "geplande-opschaling"
    """A planned step up to heavier care."""
    CAPACITEIT = "capaciteit"
    """The place is needed for someone else or the group closes: a move for capacity."""
    AANBIEDER_BEEINDIGT_ZORG = "aanbieder-beeindigt-zorg"
    """The provider ends the care it gave (iJw RedenBeeindiging 38, switch of provider)."""
    OVERIG = "overig"


class EndReason(StrEnum):
    """Why care ends, aligned with iJw RedenBeeindiging so that a JW307 maps onto it."""

    VOLGENS_PLAN = "volgens-plan"
    """Care ended as planned (iJw RedenBeeindiging 31)."""
    ACHTTIEN_JAAR = "achttien-jaar"
    """Jeugdwet care ended because the youth turned 18 (iJw 31, "volgens plan")."""
    UITSTROOM_WLZ = "uitstroom-wlz"
    """The youth moves on to care under the Wlz (iJw RedenBeeindiging 39)."""
    VERHUISD = "verhuisd"
    """The youth moved away (woonplaatsbeginsel: another gemeente is responsible; iJw has a
    reason of its own for moving, to be confirmed against the current codelijst)."""
    OVERIG = "overig"
    """Any other reason (iJw's remaining RedenBeeindiging codes)."""


class ContinuityPlan(StrEnum):
    """What follows Jeugdwet care when the youth turns 18 (18-/18+)."""

    VERLENGDE_JEUGDHULP = "verlengde-jeugdhulp"
    """Youth care continues after 18 under the Jeugdwet."""
    WMO_BESCHERMD_WONEN = "wmo-beschermd-wonen"
    WLZ = "wlz"
    ZVW = "zvw"
    PARTICIPATIE = "participatie"
    """Work or income towards independence under the Participatiewet (the gemeente)."""
    NIET_NODIG = "niet-nodig"
    """No care is needed after 18."""


class WithdrawalReason(StrEnum):
    """Why a youth leaves a provider's waiting list without starting there or elsewhere."""

    NIET_MEER_NODIG = "niet-meer-nodig"
    """The care is no longer needed."""
    ANDERE_HULP = "andere-hulp"
    """Other help, outside this chain's placements, takes its place."""
    WENS_JEUGDIGE_OF_OUDERS = "wens-jeugdige-of-ouders"
    VERHUISD = "verhuisd"
    """The youth moved away (another gemeente is responsible)."""
    OVERIG = "overig"


class DeviationReason(StrEnum):
    """Why a placement deviates from the RET's binding advice."""

    GEEN_PLEK_BESCHIKBAAR = "geen-plek-beschikbaar"
    WENS_JEUGDIGE_OF_OUDERS = "wens-jeugdige-of-ouders"
    VEILIGHEID = "veiligheid"
    OVERIG = "overig"


def _plausible_birth_date(born: date, info: ValidationInfo) -> date:
    now = (info.context or {}).get(NOW_CONTEXT_KEY)
    if now is not None and born > now.astimezone(AMSTERDAM).date():
        raise PydanticCustomError(
            "birth-date-in-future",
            "birth_date {born} lies after the day of receipt",
            {"born": born.isoformat()},
        )
    if born < EARLIEST_BIRTH_DATE:
        raise PydanticCustomError(
            "birth-date-too-early",
            "birth_date {born} lies before {earliest}: no youth of the Jeugdwet",
            {"born": born.isoformat(), "earliest": EARLIEST_BIRTH_DATE.isoformat()},
        )
    return born


BirthDate = Annotated[
    date,
    Field(
        description=(
            "The youth's date of birth (iJw Geboortedatum). Only used to emit `turned-eighteen` "
            "on the 18th birthday: plaatsing keeps the date of that birthday until then, and "
            "stores or publishes the birth date itself nowhere"
        ),
        examples=["2010-03-14"],
    ),
    AfterValidator(_plausible_birth_date),
]

TurnsEighteenIn = Annotated[
    str,
    Field(
        pattern=SEALED_PATTERN,
        description=(
            "Year and month (YYYY-MM, Europe/Amsterdam calendar) of the youth's 18th birthday, "
            "for the 18-/18+ figures (a month on purpose, not the day), sealed under the youth's "
            "data key (AES-256-GCM bound to the youth_pseudonym, `v1.` then base64url): only who "
            "holds the key from jeugdketen.toegang.youth-keys can read it, and nobody once the "
            "youth is erased"
        ),
        examples=["v1.cwUPjzkhgoEkTPWEUEmyrklG-jcBP_CRKSgMu4Hel2MfaPk"],
    ),
]


# --- inbound: what providers report ------------------------------------------------------


class PlacementRequestSubmission(InboundMessage, CaseMessage):
    """A provider puts the youth on its waiting list for a care form (wachtlijst)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.placement-request-submitted"
    provider: ProviderId
    care_form: CareForm = Field(description="The care form the youth waits for")


class PlacementRequestWithdrawal(InboundMessage, CaseMessage):
    """A provider takes the youth off its waiting list for a care form without a start."""

    cloudevent_type: ClassVar[str] = (
        "nl.jeugdketen.plaatsing.placement-request-withdrawal-submitted"
    )
    provider: ProviderId
    care_form: CareForm = Field(description="The care form the youth no longer waits for")
    reason: WithdrawalReason


class PlacementStartReport(InboundMessage, CaseMessage):
    """A provider reports that the youth's placement started (iJw JW305 start of care)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.placement-start-reported"
    provider: ProviderId
    care_form: CareForm
    location_gemeente_code: LocationGemeenteCode
    deviation_reason: DeviationReason | None = Field(
        default=None,
        description="Required when the care form deviates from the RET's binding advice",
    )
    crisis: bool = Field(
        default=False,
        description="A crisis placement, which may start before the case was triaged",
    )
    bsn: Bsn | None = Field(
        default=None,
        description=(
            "Only for a crisis placement of a youth plaatsing does not know yet (no triage): "
            "replaced by the youth's pseudonym at the ingress, never stored"
        ),
    )
    gemeente_code: GemeenteCode | None = Field(
        default=None,
        description=(
            "Only with `bsn`, for a crisis placement without triage: the gemeente where the "
            "youth lives (woonplaatsbeginsel), which pays for the care"
        ),
    )
    birth_date: BirthDate | None = Field(
        default=None,
        description=(
            "The youth's date of birth, so that plaatsing emits `turned-eighteen` on the 18th "
            "birthday; never stored or published as such"
        ),
    )

    @model_validator(mode="after")
    def _started_after_birth(self) -> Self:
        if self.birth_date is not None and self.occurred_at.astimezone(AMSTERDAM).date() < (
            self.birth_date
        ):
            raise PydanticCustomError(
                "occurred-before-birth", "the placement starts before the youth's birth_date"
            )
        return self


class TransferReport(InboundMessage, CaseMessage):
    """The youth moved to another provider or place (overplaatsing)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.transfer-reported"
    to_provider: ProviderId
    to_care_form: CareForm
    to_location_gemeente_code: LocationGemeenteCode
    reason: TransferReason
    deviation_reason: DeviationReason | None = Field(
        default=None,
        description="Required when the new care form deviates from the RET's binding advice",
    )


class EndOfCareReport(InboundMessage, CaseMessage):
    """The provider reports that the youth's care ended (iJw JW307 stop of care)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.end-of-care-reported"
    reason: EndReason = Field(description="Why care ended (iJw: RedenBeeindiging)")


class ContinuityPlanReport(InboundMessage, CaseMessage):
    """The plan for the youth's care after 18 was agreed."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.continuity-plan-reported"
    plan: ContinuityPlan


class CapacityReport(InboundMessage, ProviderMessage):
    """A provider reports its places and their occupation for one care form."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.capacity-reported"
    care_form: CareForm
    places: int = Field(
        ge=0, le=MAX_PLACES, description="Places the provider offers for this care form"
    )
    occupied: int = Field(ge=0, le=MAX_PLACES, description="Places taken; never more than `places`")


# --- domain events: what plaatsing recorded ----------------------------------------------


class PlacementRequested(DomainEventData, CaseMessage):
    """The youth joined a provider's waiting list for a care form."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.placement-requested"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    provider: ProviderId
    care_form: CareForm


class PlacementRequestWithdrawn(DomainEventData, CaseMessage):
    """The youth left a provider's waiting list for a care form without starting there."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.placement-request-withdrawn"
    youth_pseudonym: YouthPseudonym
    provider: ProviderId
    care_form: CareForm
    reason: WithdrawalReason


class PlacementStarted(DomainEventData, CaseMessage):
    """The youth's placement started; against the advice in force when it started."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.placement-started"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    provider: ProviderId
    care_form: CareForm
    location_gemeente_code: LocationGemeenteCode
    recommended_care_form: CareForm | None = Field(
        description=(
            "The advice in force: the RET's binding advice, else triage's recommendation; "
            "null when the case was never triaged (a crisis placement)"
        )
    )
    advice_binding: bool = Field(
        description="Whether `recommended_care_form` is the RET's binding advice"
    )
    deviates_from_advice: bool = Field(
        description=(
            "The care form differs from `recommended_care_form` (the gap between recommended "
            "and deployed care the region wants to see)"
        )
    )
    deviation_reason: DeviationReason | None
    crisis_without_triage: bool = Field(
        description="A crisis placement that started before the case was triaged"
    )
    turns_eighteen_in: TurnsEighteenIn | None = Field(
        default=None,
        description=(
            "Year and month of the youth's 18th birthday (YYYY-MM) sealed under the youth's key, "
            "when the provider sent the birth date; null otherwise, and null when the youth's "
            "key was already destroyed"
        ),
    )


class Transferred(DomainEventData, CaseMessage):
    """The youth moved from one provider or place to another (a stepping stone)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.transferred"
    youth_pseudonym: YouthPseudonym
    from_provider: ProviderId
    from_care_form: CareForm
    to_provider: ProviderId
    to_care_form: CareForm
    to_location_gemeente_code: LocationGemeenteCode
    reason: TransferReason
    deviation_reason: DeviationReason | None


class PlacementEnded(DomainEventData, CaseMessage):
    """The youth's care ended; events of the case are refused until care restarts."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.placement-ended"
    youth_pseudonym: YouthPseudonym
    provider: ProviderId
    care_form: CareForm
    reason: EndReason


class ContinuityPlanRecorded(DomainEventData, CaseMessage):
    """The plan for the youth's care after 18 was recorded."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.continuity-plan-recorded"
    youth_pseudonym: YouthPseudonym
    plan: ContinuityPlan


class TurnedEighteen(DomainEventData, CaseMessage):
    """The youth turned 18 while in care; `occurred_at` is the 18th birthday at 00:00
    Europe/Amsterdam. Emitted by plaatsing's scheduler, once per youth, whether or not anything
    else about the youth happens that day."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.turned-eighteen"
    youth_pseudonym: YouthPseudonym
    continuity_plan_exists: bool = Field(
        description=(
            "Whether a continuity plan (care after 18) was recorded in the case before the birthday"
        )
    )


class CapacityRecorded(DomainEventData, ProviderMessage):
    """A provider's places and occupation for one care form, as it reported them."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.plaatsing.capacity-recorded"
    care_form: CareForm
    places: int = Field(ge=0)
    occupied: int = Field(ge=0)


# --- upstream: triage's events as plaatsing reads them -----------------------------------
# Consumer-side contracts: only the fields plaatsing needs (DomainEventData ignores the rest),
# so triage may add fields freely. Not in INBOUND or EVENTS: triage owns their schemas.


class TriageDecidedUpstream(DomainEventData, CaseMessage):
    """triage's `triage-decided`: the case is known, with triage's recommended care form."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.triage-decided"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    recommended_care_form: CareForm


class RetAdviceGivenUpstream(DomainEventData, CaseMessage):
    """triage's `ret-advice-given`: the Regionaal Expertteam's advice, binding on placement."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.ret-advice-given"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    care_form: CareForm


INBOUND: tuple[type[InboundMessage], ...] = (
    PlacementRequestSubmission,
    PlacementRequestWithdrawal,
    PlacementStartReport,
    TransferReport,
    EndOfCareReport,
    ContinuityPlanReport,
    CapacityReport,
)
EVENTS: tuple[type[DomainEventData], ...] = (
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementStarted,
    Transferred,
    PlacementEnded,
    ContinuityPlanRecorded,
    TurnedEighteen,
    CapacityRecorded,
)
UPSTREAM: tuple[type[DomainEventData], ...] = (TriageDecidedUpstream, RetAdviceGivenUpstream)
