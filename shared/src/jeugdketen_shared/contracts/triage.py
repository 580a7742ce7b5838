"""Contracts of triage: what the triage table, the RET secretary, gemeenten and providers
publish on `jeugdketen.triage.inbound` and the domain events triage publishes on
`jeugdketen.triage.events`.

Triage opens its cases from toegang's `toegang-decided` events (see contracts.toegang); no
partner opens a triage case.
"""

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from jeugdketen_shared.contracts.base import CaseMessage, DomainEventData, InboundMessage
from jeugdketen_shared.contracts.fields import GemeenteCode, ProviderId, YouthPseudonym
from jeugdketen_shared.vocabulary import CareForm, Kader, RetEscalator, Urgency

MAX_RESPONSIBLE_PROVIDERS = 10


def _each_provider_once(providers: tuple[str, ...]) -> tuple[str, ...]:
    repeated = sorted({p for p in providers if providers.count(p) > 1})
    if repeated:
        raise PydanticCustomError(
            "repeated-provider",
            "each responsible provider is named once; repeated: {repeated}",
            {"repeated": ", ".join(repeated)},
        )
    return providers


ResponsibleProviders = Annotated[
    tuple[ProviderId, ...],
    Field(
        min_length=1,
        max_length=MAX_RESPONSIBLE_PROVIDERS,
        description=(
            "The providers that take joint responsibility for the youth's care, each once "
            "(KvK numbers)"
        ),
        examples=[["12345678", "87654321"]],
    ),
    AfterValidator(_each_provider_once),
]

# --- inbound: what the triage table and the RET report -------------------------------------


class TriageDecisionReport(InboundMessage, CaseMessage):
    """The gezamenlijke triage decided on a case toegang forwarded to it."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.decision-reported"
    recommended_care_form: CareForm = Field(
        description="The care form the triage recommends (afwegingskader)"
    )
    urgency: Urgency = Field(description="How soon care must start: regulier, spoed or crisis")
    responsible_providers: ResponsibleProviders


class RetEscalationReport(InboundMessage, CaseMessage):
    """The case was escalated to the Regionaal Expertteam (RET): by the triage table, the
    youth's gemeente or a provider, each as itself (who escalated is the publisher's kind)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.ret-escalation-reported"


class RetAdviceReport(InboundMessage, CaseMessage):
    """The Regionaal Expertteam gave its advice on an escalated case; the advice is binding."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.ret-advice-reported"
    care_form: CareForm = Field(description="The care form the RET advises")
    non_contracted_care: bool = Field(
        description="The advised care is bought from a provider the region has no contract with"
    )
    maatwerkbudget_granted: bool = Field(
        description="The RET granted a maatwerkbudget (a budget tailored to this youth)"
    )


# --- domain events: what triage recorded -----------------------------------------------------
# Each event that opens or settles a case repeats youth, gemeente and kader, so that plaatsing
# and the ketenmonitor can use it alone.


class CaseOpenedForTriage(DomainEventData, CaseMessage):
    """Toegang forwarded the case to the gezamenlijke triage; occurred_at is toegang's decision."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.case-opened-for-triage"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    kader: Kader = Field(description="Vrijwillig or gedwongen kader, as toegang recorded it")


class TriageDecided(DomainEventData, CaseMessage):
    """The gezamenlijke triage recommended a care form and urgency; the named providers take
    joint responsibility."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.triage-decided"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    kader: Kader = Field(description="Vrijwillig or gedwongen kader, as toegang recorded it")
    recommended_care_form: CareForm = Field(
        description="The care form the triage recommends; plaatsing reports the one deployed"
    )
    urgency: Urgency = Field(description="How soon care must start: regulier, spoed or crisis")
    responsible_providers: ResponsibleProviders


class EscalatedToRet(DomainEventData, CaseMessage):
    """The case was escalated to the Regionaal Expertteam."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.escalated-to-ret"
    escalated_by: RetEscalator = Field(
        default=RetEscalator.TRIAGETAFEL,
        description="Who escalated: the triage table, the youth's gemeente or a provider "
        "(absent from events recorded before gemeenten and providers could: the triage table)",
    )


class RetAdviceGiven(DomainEventData, CaseMessage):
    """The Regionaal Expertteam gave its binding advice on the case."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.triage.ret-advice-given"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    kader: Kader = Field(description="Vrijwillig or gedwongen kader, as toegang recorded it")
    care_form: CareForm = Field(description="The care form the RET advises")
    non_contracted_care: bool = Field(
        description="The advised care is bought from a provider the region has no contract with"
    )
    maatwerkbudget_granted: bool = Field(
        description="The RET granted a maatwerkbudget (a budget tailored to this youth)"
    )
    binding: Literal[True] = Field(
        default=True, description="The RET's advice binds the chain (always true)"
    )


INBOUND: tuple[type[InboundMessage], ...] = (
    TriageDecisionReport,
    RetEscalationReport,
    RetAdviceReport,
)
EVENTS: tuple[type[DomainEventData], ...] = (
    CaseOpenedForTriage,
    TriageDecided,
    EscalatedToRet,
    RetAdviceGiven,
)
