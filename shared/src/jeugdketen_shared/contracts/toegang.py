"""Contracts of toegang: what partners publish on `jeugdketen.toegang.inbound` and the domain
events toegang publishes on `jeugdketen.toegang.events`."""

from typing import ClassVar

from pydantic import Field

from jeugdketen_shared.contracts.base import CaseMessage, DomainEventData, InboundMessage
from jeugdketen_shared.contracts.fields import Bsn, GemeenteCode, YouthPseudonym
from jeugdketen_shared.vocabulary import Kader, ToegangDecision, Verwijzer

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


INBOUND: tuple[type[InboundMessage], ...] = (
    ReferralSubmission,
    VerklarendeAnalyseReport,
    ToegangDecisionReport,
    ReferralWithdrawal,
)
EVENTS: tuple[type[DomainEventData], ...] = (
    ReferralReceived,
    VerklarendeAnalyseCompleted,
    ToegangDecided,
    ReferralWithdrawn,
)
