"""The chain partners of Twente as the simulator needs them, read from deploy/partners.toml.

The registry is the same file the services authorise against, so every simulated message is
sent by a partner that may send it.
"""

import os
import random
from dataclasses import dataclass
from pathlib import Path

from jeugdketen_shared.permissions import Partner, PartnerKind, load_partners
from jeugdketen_shared.vocabulary import Verwijzer

DEFAULT_REGISTRY = Path(__file__).resolve().parents[3] / "partners.toml"
"""deploy/partners.toml, next to deploy/simulator/."""

# who sends a referral of each kind of verwijzer; the lokaal team registers self-referrals
_SENDER_OF_REFERRAL = {
    Verwijzer.HUISARTS: PartnerKind.HUISARTS,
    Verwijzer.POH_JEUGD: PartnerKind.HUISARTS,
    Verwijzer.JEUGDARTS: PartnerKind.JEUGDARTS,
    Verwijzer.GECERTIFICEERDE_INSTELLING: PartnerKind.GECERTIFICEERDE_INSTELLING,
    Verwijzer.VEILIG_THUIS: PartnerKind.VEILIG_THUIS,
    Verwijzer.RAAD_VOOR_DE_KINDERBESCHERMING: PartnerKind.RAAD_VOOR_DE_KINDERBESCHERMING,
    Verwijzer.RECHTER: PartnerKind.RECHTER,
}


def registry_path() -> Path:
    """The file the services read too (JEUGDKETEN_PARTNERS_FILE), else deploy/partners.toml."""
    return Path(os.environ.get("JEUGDKETEN_PARTNERS_FILE", DEFAULT_REGISTRY))


@dataclass(frozen=True)
class Twente:
    """Who sends what: a gemeente's lokaal team per CBS code, referrers by kind, the triage
    table, the RET and the providers by KvK number."""

    partners: tuple[Partner, ...]

    def __post_init__(self) -> None:
        for kind in (PartnerKind.TRIAGETAFEL, PartnerKind.REGIONAAL_EXPERTTEAM):
            self.one_of(kind)
        if not self.providers:
            raise ValueError("the partner registry names no provider (aanbieder)")

    @classmethod
    def load(cls, path: Path | None = None) -> "Twente":
        return cls(tuple(load_partners(path or registry_path())))

    def one_of(self, kind: PartnerKind) -> Partner:
        """The first registered partner of a kind; the simulator needs at least one."""
        for partner in self.partners:
            if partner.kind is kind:
                return partner
        raise ValueError(f"the partner registry names no {kind}")

    def gemeente(self, code: str) -> Partner:
        for partner in self.partners:
            if partner.kind is PartnerKind.GEMEENTE and partner.gemeente_code == code:
                return partner
        raise ValueError(f"the partner registry names no gemeente {code}")

    def referrer(self, verwijzer: Verwijzer, gemeente_code: str, rng: random.Random) -> Partner:
        kind = _SENDER_OF_REFERRAL.get(verwijzer)
        if kind is None:  # the gemeente itself, or a self-referral at its lokaal team
            return self.gemeente(gemeente_code)
        return rng.choice([p for p in self.partners if p.kind is kind])

    @property
    def providers(self) -> dict[str, Partner]:
        return {
            p.provider: p for p in self.partners if p.kind is PartnerKind.AANBIEDER and p.provider
        }


def source_of(partner: Partner) -> str:
    """The CloudEvent source a partner publishes as: its first registered one."""
    return min(partner.sources)
