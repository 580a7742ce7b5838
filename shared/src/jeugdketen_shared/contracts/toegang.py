"""Contracts of toegang: what partners publish on `jeugdketen.toegang.inbound` and the domain
events toegang publishes on `jeugdketen.toegang.events`: the voluntary route (referral,
verklarende analyse, decision) and the gedwongen kader route (Veilig Thuis, the Raad voor de
Kinderbescherming, the rechter's measures and the GI)."""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from jeugdketen_shared.contracts.base import CaseMessage, DomainEventData, InboundMessage
from jeugdketen_shared.contracts.fields import Bsn, GemeenteCode, ProviderId, YouthPseudonym
from jeugdketen_shared.vocabulary import (
    Kader,
    MeasureEndReason,
    OnderzoekOutcome,
    ProtectionMeasure,
    RvdkAdvice,
    SafetyOutcome,
    ToegangDecision,
    Verwijzer,
)

# --- inbound: what partners report -------------------------------------------------------


class ReferralSubmission(InboundMessage, CaseMessage):
    """A verwijzer refers a youth to toegang (aanmelding; iJw JW315 request for care)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.referral-submitted"
    bsn: Bsn
    gemeente_code: GemeenteCode
    verwijzer: Verwijzer = Field(description="Who refers the youth (iJw: Verwijzer)")
    kader: Kader = Field(description="Vrijwillig or gedwongen kader (iJw: JuridischeStatus)")


class VerklarendeAnalyseReport(InboundMessage, CaseMessage):
    """Toegang and jeugdhulp have completed the verklarende analyse of the case."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.verklarende-analyse-reported"


class ToegangDecisionReport(InboundMessage, CaseMessage):
    """The gemeente's toegang decided on the case (beschikking / besluit toegang)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.decision-reported"
    decision: ToegangDecision


class ReferralWithdrawal(InboundMessage, CaseMessage):
    """The referrer withdraws the referral before toegang decided on it."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.referral-withdrawal-submitted"


class VeiligThuisMeldingReport(InboundMessage, CaseMessage):
    """Veilig Thuis received a melding (report) about a youth: the gedwongen kader route starts.

    `bsn` and `gemeente_code` identify the youth when the case is new to toegang."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.veilig-thuis-melding-reported"
    bsn: Bsn | None = None
    gemeente_code: GemeenteCode | None = None


class SafetyAssessmentReport(InboundMessage, CaseMessage):
    """Veilig Thuis assessed the youth's safety (norm: within 5 werkdagen of the melding)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.safety-assessment-reported"
    outcome: SafetyOutcome


class VeiligThuisOnderzoekStartReport(InboundMessage, CaseMessage):
    """Veilig Thuis started its onderzoek after the safety assessment (norm: 10 weeks)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.veilig-thuis-onderzoek-start-reported"


class VeiligThuisOnderzoekConclusionReport(InboundMessage, CaseMessage):
    """Veilig Thuis concluded its onderzoek, with its outcome."""

    cloudevent_type: ClassVar[str] = (
        "nl.jeugdketen.toegang.veilig-thuis-onderzoek-conclusion-reported"
    )
    outcome: OnderzoekOutcome = Field(
        description="Overdracht to the lokaal team, a request to the Raad voor de "
        "Kinderbescherming, or closure"
    )


class RvdkInvestigationRequest(InboundMessage, CaseMessage):
    """Veilig Thuis, the GI or the gemeente asks the Raad voor de Kinderbescherming to
    investigate. `bsn` and `gemeente_code` identify the youth when the case is new."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.rvdk-investigation-request-submitted"
    bsn: Bsn | None = None
    gemeente_code: GemeenteCode | None = None


class RvdkInvestigationStartReport(InboundMessage, CaseMessage):
    """The Raad started its beschermingsonderzoek (norm: within 10 days of the request)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.rvdk-investigation-start-reported"


class RvdkInvestigationCompletionReport(InboundMessage, CaseMessage):
    """The Raad completed its investigation with an advice."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.rvdk-investigation-completion-reported"
    advice: RvdkAdvice


class ProtectionMeasureImpositionReport(InboundMessage, CaseMessage):
    """The rechter imposed a measure: a child-protection measure, or jeugdreclassering."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-imposition-reported"
    measure: ProtectionMeasure


class ProtectionMeasureExtensionReport(InboundMessage, CaseMessage):
    """The rechter extended the OTS in force by a year from the end of its term (BW 1:260)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-extension-reported"


class _MeasureEnd(InboundMessage, CaseMessage):
    measure: ProtectionMeasure | None = Field(
        default=None,
        description="The measure that ends; needed only when two are in force "
        "(jeugdreclassering beside a child-protection measure)",
    )


class ProtectionMeasureEndReport(_MeasureEnd):
    """A measure ended. Superseded by `protection-measure-end-reported.v2`, which says why;
    still accepted, and recorded without a reason."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-end-reported"


class ProtectionMeasureEndReportV2(_MeasureEnd):
    """A measure ended before or at the end of its term, and why."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-end-reported.v2"
    reason: MeasureEndReason = Field(description="Why it ended (iJw: RedenBeeindiging)")


class GiAssignmentReport(InboundMessage, CaseMessage):
    """A gecertificeerde instelling took on the execution of the measure."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.gi-assignment-reported"
    gi: ProviderId = Field(description="KvK number of the gecertificeerde instelling")


# --- domain events: what toegang recorded ------------------------------------------------


class ReferralReceived(DomainEventData, CaseMessage):
    """Toegang received a referral; the case enters the chain."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.referral-received"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    verwijzer: Verwijzer
    kader: Kader


class VerklarendeAnalyseCompleted(DomainEventData, CaseMessage):
    """The verklarende analyse of the case was completed."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.verklarende-analyse-completed"


class ToegangDecided(DomainEventData, CaseMessage):
    """Toegang decided: local basic help, forward to gezamenlijke triage, or no help."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.toegang-decided"
    decision: ToegangDecision
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode
    kader: Kader


class ReferralWithdrawn(DomainEventData, CaseMessage):
    """The referral was withdrawn before a decision; the case leaves the chain."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.referral-withdrawn"


class VeiligThuisMeldingReceived(DomainEventData, CaseMessage):
    """Veilig Thuis received a melding about the youth."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.veilig-thuis-melding-received"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode


class SafetyAssessed(DomainEventData, CaseMessage):
    """Veilig Thuis assessed the youth's safety."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.safety-assessed"
    outcome: SafetyOutcome


class VeiligThuisOnderzoekStarted(DomainEventData, CaseMessage):
    """Veilig Thuis started its onderzoek."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.veilig-thuis-onderzoek-started"


class VeiligThuisOnderzoekConcluded(DomainEventData, CaseMessage):
    """Veilig Thuis concluded its onderzoek, with its outcome."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.veilig-thuis-onderzoek-concluded"
    outcome: OnderzoekOutcome


class RvdkInvestigationRequested(DomainEventData, CaseMessage):
    """The Raad voor de Kinderbescherming was asked to investigate."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.rvdk-investigation-requested"
    youth_pseudonym: YouthPseudonym
    gemeente_code: GemeenteCode


class RvdkInvestigationStarted(DomainEventData, CaseMessage):
    """The Raad started its beschermingsonderzoek."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.rvdk-investigation-started"


class RvdkInvestigationCompleted(DomainEventData, CaseMessage):
    """The Raad completed its investigation with an advice."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.rvdk-investigation-completed"
    advice: RvdkAdvice


class ProtectionMeasureImposed(DomainEventData, CaseMessage):
    """A measure was imposed, or followed up (voorlopige OTS → OTS): from then on the case is
    in the gedwongen kader until the measure ends."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-imposed"
    measure: ProtectionMeasure
    previous_measure: ProtectionMeasure | None
    runs_until: datetime | None = Field(
        default=None,
        description="When its term runs out unless extended or followed up (voorlopige OTS: "
        "3 months, OTS: a year); none for voogdij and jeugdreclassering",
    )


class ProtectionMeasureExtended(DomainEventData, CaseMessage):
    """The rechter extended the OTS by a year."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-extended"
    measure: ProtectionMeasure
    runs_until: datetime = Field(description="When the extended term runs out")


class ProtectionMeasureEnded(DomainEventData, CaseMessage):
    """A measure ended, as a partner reported it."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.protection-measure-ended"
    measure: ProtectionMeasure
    reason: MeasureEndReason | None = Field(
        description="Why it ended; none for the ends recorded before reasons were reported"
    )


class VoorlopigeOtsExpired(DomainEventData, CaseMessage):
    """The voorlopige OTS ran out after its 3 months (BW 1:257) with neither an OTS to follow
    it up nor a reported end; `occurred_at` is the end of its term."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.voorlopige-ots-expired"


class GiAssigned(DomainEventData, CaseMessage):
    """A gecertificeerde instelling executes the measure."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.toegang.gi-assigned"
    gi: ProviderId


INBOUND: tuple[type[InboundMessage], ...] = (
    ReferralSubmission,
    VerklarendeAnalyseReport,
    ToegangDecisionReport,
    ReferralWithdrawal,
    VeiligThuisMeldingReport,
    SafetyAssessmentReport,
    VeiligThuisOnderzoekStartReport,
    VeiligThuisOnderzoekConclusionReport,
    RvdkInvestigationRequest,
    RvdkInvestigationStartReport,
    RvdkInvestigationCompletionReport,
    ProtectionMeasureImpositionReport,
    ProtectionMeasureExtensionReport,
    ProtectionMeasureEndReport,
    ProtectionMeasureEndReportV2,
    GiAssignmentReport,
)
EVENTS: tuple[type[DomainEventData], ...] = (
    ReferralReceived,
    VerklarendeAnalyseCompleted,
    ToegangDecided,
    ReferralWithdrawn,
    VeiligThuisMeldingReceived,
    SafetyAssessed,
    VeiligThuisOnderzoekStarted,
    VeiligThuisOnderzoekConcluded,
    RvdkInvestigationRequested,
    RvdkInvestigationStarted,
    RvdkInvestigationCompleted,
    ProtectionMeasureImposed,
    ProtectionMeasureExtended,
    ProtectionMeasureEnded,
    VoorlopigeOtsExpired,
    GiAssigned,
)
