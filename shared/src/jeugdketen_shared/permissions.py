"""Who may publish what: the one readable place of the chain partners' permissions.

A partner publishes as itself. On Kafka its identity comes from its authenticated principal:
the ACLs let only that principal write the partner's own inbound topics
(`jeugdketen.<service>.inbound.<partner-id>`), so the ingress knows the sender from the topic,
whatever the message claims. Over HTTP it is the partner that authenticated the request. The
registry of partners (deploy/partners.toml) says each partner's kind, the CloudEvent
sources it publishes as, and its gemeente or KvK number. This module says what each kind may
send, and checks what the data itself tells: a gemeente refers only its own residents, a
provider reports only its own placements and capacity, a referrer states its own kind.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import plaatsing, toegang, triage
from jeugdketen_shared.contracts.base import MessageData
from jeugdketen_shared.refusal import Refusal


class PartnerKind(StrEnum):
    GEMEENTE = "gemeente"
    HUISARTS = "huisarts"
    JEUGDARTS = "jeugdarts"
    GECERTIFICEERDE_INSTELLING = "gecertificeerde-instelling"
    VEILIG_THUIS = "veilig-thuis"
    RAAD_VOOR_DE_KINDERBESCHERMING = "raad-voor-de-kinderbescherming"
    RECHTER = "rechter"
    TRIAGETAFEL = "triagetafel"
    REGIONAAL_EXPERTTEAM = "regionaal-expertteam"
    AANBIEDER = "aanbieder"


_REFERRAL = toegang.ReferralSubmission.cloudevent_type
_WITHDRAWAL = toegang.ReferralWithdrawal.cloudevent_type
_REFERRERS = (PartnerKind.HUISARTS, PartnerKind.JEUGDARTS)


def _types(*contracts: type[MessageData]) -> frozenset[str]:
    return frozenset(contract.cloudevent_type for contract in contracts)


MAY_PUBLISH: Mapping[PartnerKind, frozenset[str]] = MappingProxyType(
    {
        # the gemeente's toegang: referrals of its lokaal team (self-referrals included),
        # the verklarende analyse and the toegang decision
        PartnerKind.GEMEENTE: _types(
            toegang.ReferralSubmission,
            toegang.ReferralWithdrawal,
            toegang.VerklarendeAnalyseReport,
            toegang.ToegangDecisionReport,
            toegang.RvdkInvestigationRequest,
            # seed 001: a gemeente may escalate its resident's case to the RET (triage checks
            # the case is its resident's: the report names no gemeente)
            triage.RetEscalationReport,
        ),
        **{kind: frozenset({_REFERRAL, _WITHDRAWAL}) for kind in _REFERRERS},
        # the gedwongen kader, each step by the partner that takes it
        PartnerKind.VEILIG_THUIS: _types(
            toegang.ReferralSubmission,
            toegang.ReferralWithdrawal,
            toegang.VeiligThuisMeldingReport,
            toegang.SafetyAssessmentReport,
            toegang.VeiligThuisOnderzoekStartReport,
            toegang.VeiligThuisOnderzoekConclusionReport,
            toegang.RvdkInvestigationRequest,
        ),
        PartnerKind.RAAD_VOOR_DE_KINDERBESCHERMING: _types(
            toegang.ReferralSubmission,
            toegang.ReferralWithdrawal,
            toegang.RvdkInvestigationStartReport,
            toegang.RvdkInvestigationCompletionReport,
        ),
        PartnerKind.RECHTER: _types(
            toegang.ReferralSubmission,
            toegang.ReferralWithdrawal,
            toegang.ProtectionMeasureImpositionReport,
            toegang.ProtectionMeasureExtensionReport,
            toegang.ProtectionMeasureEndReport,
            toegang.ProtectionMeasureEndReportV2,
        ),
        PartnerKind.GECERTIFICEERDE_INSTELLING: _types(
            toegang.ReferralSubmission,
            toegang.ReferralWithdrawal,
            toegang.RvdkInvestigationRequest,
            toegang.GiAssignmentReport,
        ),
        PartnerKind.TRIAGETAFEL: _types(triage.TriageDecisionReport, triage.RetEscalationReport),
        PartnerKind.REGIONAAL_EXPERTTEAM: _types(triage.RetAdviceReport),
        # seed 001: a provider may escalate a youth who gets stuck to the RET too
        PartnerKind.AANBIEDER: _types(*plaatsing.INBOUND, triage.RetEscalationReport),
    }
)

_INBOUND_OF_SERVICE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "toegang": _types(*toegang.INBOUND),
        "triage": _types(*triage.INBOUND),
        "plaatsing": _types(*plaatsing.INBOUND),
    }
)


def services_publishable_by(kind: PartnerKind) -> frozenset[str]:
    """The services a kind of partner may publish to: each gets an inbound topic of its own."""
    may_publish = MAY_PUBLISH.get(kind, frozenset())
    return frozenset(
        service for service, types in _INBOUND_OF_SERVICE.items() if types & may_publish
    )


# a referrer other than the gemeente states itself as verwijzer (a gemeente's lokaal team
# also registers self-referrals, so it may state any)
_OWN_VERWIJZER = {
    PartnerKind.HUISARTS: {"huisarts", "poh-jeugd"},
    PartnerKind.JEUGDARTS: {"jeugdarts"},
    PartnerKind.GECERTIFICEERDE_INSTELLING: {"gecertificeerde-instelling"},
    PartnerKind.VEILIG_THUIS: {"veilig-thuis"},
    PartnerKind.RAAD_VOOR_DE_KINDERBESCHERMING: {"raad-voor-de-kinderbescherming"},
    PartnerKind.RECHTER: {"rechter"},
}


@dataclass(frozen=True)
class Partner:
    id: str
    kind: PartnerKind
    sources: frozenset[str]
    gemeente_code: str | None = None
    provider: str | None = None
    """KvK number, for a provider (aanbieder) or a gecertificeerde instelling."""


class UnknownPartner(Refusal):
    """The message came from no partner of the chain."""

    reason = "unknown-partner"


class NotPermitted(Refusal):
    """This kind of partner may not publish this type of message."""

    reason = "not-permitted"


class SourceNotOfPartner(Refusal):
    """The CloudEvent's source is not one the partner publishes as."""

    reason = "source-not-of-partner"


class NotOwnResident(Refusal):
    """A gemeente publishes only about its own residents."""

    reason = "not-own-resident"


class NotOwnProvider(Refusal):
    """A provider reports only its own placements and capacity, a GI only its own assignments."""

    reason = "not-own-provider"


class NotOwnVerwijzer(Refusal):
    """A referrer states its own kind as verwijzer."""

    reason = "not-own-verwijzer"


def load_partners(path: Path) -> list[Partner]:
    """The partners of a registry file such as deploy/partners.toml."""
    with path.open("rb") as file:
        entries = tomllib.load(file).get("partner", [])
    return [
        Partner(
            id=entry["id"],
            kind=PartnerKind(entry["kind"]),
            sources=frozenset(entry["sources"]),
            gemeente_code=entry.get("gemeente_code"),
            provider=entry.get("provider"),
        )
        for entry in entries
    ]


class PartnerRegistry:
    def __init__(self, partners: list[Partner]) -> None:
        self._by_id = {partner.id: partner for partner in partners}

    @classmethod
    def load(cls, path: Path) -> "PartnerRegistry":
        return cls(load_partners(path))

    def get(self, partner_id: str | None) -> Partner | None:
        return self._by_id.get(partner_id or "")

    def publishers_to(self, service: str) -> list[Partner]:
        """The partners that may publish to a service: each has its own inbound topic there."""
        return [p for p in self._by_id.values() if service in services_publishable_by(p.kind)]

    def authorise(self, partner_id: str | None, envelope: CloudEvent, data: MessageData) -> Partner:
        """The partner, when it may publish this message; else the refusal that says why."""
        partner = self._by_id.get(partner_id or "")
        if partner is None:
            raise UnknownPartner(f"no partner {partner_id!r} in the registry")
        if envelope.type not in MAY_PUBLISH.get(partner.kind, frozenset()):
            raise NotPermitted(f"a {partner.kind} may not publish {envelope.type}")
        if envelope.source not in partner.sources:
            raise SourceNotOfPartner(f"{partner.id} does not publish as {envelope.source}")
        _check_data(partner, data)
        return partner


def own_values(partner: Partner) -> dict[str, frozenset[str]]:
    """The values a field of the partner's data may take where it names the partner itself: a
    gemeente's own code, a provider's or GI's own KvK number, a referrer's own kind (the
    AsyncAPI documents give them on the partner's channel)."""
    own: dict[str, frozenset[str]] = {}
    if partner.kind is PartnerKind.GEMEENTE:
        own["gemeente_code"] = frozenset(filter(None, [partner.gemeente_code]))
    # a transfer names only where the youth goes; who may report it is the case's business
    if partner.provider is not None:
        own["provider"] = own["gi"] = frozenset({partner.provider})
    if partner.kind in _OWN_VERWIJZER:
        own["verwijzer"] = frozenset(_OWN_VERWIJZER[partner.kind])
    return own


_NOT_OWN: Mapping[str, type[Refusal]] = MappingProxyType(
    {
        "gemeente_code": NotOwnResident,
        "provider": NotOwnProvider,
        "gi": NotOwnProvider,
        "verwijzer": NotOwnVerwijzer,
    }
)


def _check_data(partner: Partner, data: MessageData) -> None:
    for field, own in own_values(partner).items():
        stated = getattr(data, field, None)
        if stated is not None and stated not in own:
            raise _NOT_OWN[field](
                f"{partner.id} states only {' or '.join(sorted(own))} as {field}, not {stated}"
            )
