"""Partners publish only what is theirs."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts.base import InboundMessage
from jeugdketen_shared.contracts.toegang import ReferralSubmission, ToegangDecisionReport
from jeugdketen_shared.contracts.triage import RetEscalationReport
from jeugdketen_shared.permissions import MAY_PUBLISH, PartnerKind, PartnerRegistry
from jeugdketen_shared.refusal import Refusal

REPOSITORY = Path(__file__).resolve().parents[2]
REGISTRY = PartnerRegistry.load(REPOSITORY / "deploy/partners.toml")
ENSCHEDE = "urn:nld:oin:00000001000000040000:systeem:lokaal-team"
HUISARTS = "urn:nld:kvk:12345678:systeem:his"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def message(contract: type[InboundMessage], source: str, **data: Any) -> tuple[CloudEvent, Any]:
    payload = {"case_id": str(uuid4()), "occurred_at": NOW.isoformat(), **data}
    envelope = CloudEvent(
        id=str(uuid4()), source=source, type=contract.cloudevent_type, time=NOW, data=payload
    )
    return envelope, contract.model_validate(payload)


def referral(source: str, gemeente_code: str = "GM0153", verwijzer: str = "huisarts") -> Any:
    return message(
        ReferralSubmission,
        source,
        bsn="999990019",
        gemeente_code=gemeente_code,
        verwijzer=verwijzer,
        kader="vrijwillig",
    )


def refusal_reason(partner_id: str | None, envelope: CloudEvent, data: Any) -> str | None:
    try:
        REGISTRY.authorise(partner_id, envelope, data)
    except Refusal as refusal:
        return refusal.reason
    return None


def test_every_kind_of_partner_may_publish_something() -> None:
    assert set(MAY_PUBLISH) == set(PartnerKind)
    assert all(MAY_PUBLISH.values())


def test_a_gemeente_refers_and_decides_for_its_own_residents() -> None:
    assert refusal_reason("gemeente-enschede", *referral(ENSCHEDE)) is None
    decision = message(ToegangDecisionReport, ENSCHEDE, decision="gezamenlijke-triage")
    assert refusal_reason("gemeente-enschede", *decision) is None
    assert refusal_reason("gemeente-enschede", *referral(ENSCHEDE, "GM0164")) == "not-own-resident"


def test_a_huisarts_refers_as_a_huisarts_and_decides_nothing() -> None:
    assert refusal_reason("huisartsenpraktijk-de-linde", *referral(HUISARTS)) is None
    assert (
        refusal_reason("huisartsenpraktijk-de-linde", *referral(HUISARTS, verwijzer="rechter"))
        == "not-own-verwijzer"
    )
    decision = message(ToegangDecisionReport, HUISARTS, decision="geen-hulp")
    assert refusal_reason("huisartsenpraktijk-de-linde", *decision) == "not-permitted"


@pytest.mark.parametrize(
    ("partner_id", "source", "reason"),
    [
        ("gemeente-enschede", ENSCHEDE, None),
        ("aanbieder-de-boerderij", "urn:nld:kvk:34567890:systeem:ecd", None),
        ("triagetafel-twente", "urn:nld:oin:00000003900000030000:systeem:triagetafel", None),
        ("huisartsenpraktijk-de-linde", HUISARTS, "not-permitted"),
    ],
)
def test_the_triage_table_a_gemeente_and_a_provider_may_escalate_to_the_ret(
    partner_id: str, source: str, reason: str | None
) -> None:
    assert refusal_reason(partner_id, *message(RetEscalationReport, source)) == reason


@pytest.mark.parametrize(
    ("partner_id", "source", "reason"),
    [
        (None, ENSCHEDE, "unknown-partner"),
        ("gemeente-atlantis", ENSCHEDE, "unknown-partner"),
        ("gemeente-hengelo", ENSCHEDE, "source-not-of-partner"),
        ("aanbieder-de-boerderij", "urn:nld:kvk:34567890:systeem:ecd", "not-permitted"),
    ],
)
def test_no_one_publishes_as_someone_else(partner_id: str | None, source: str, reason: str) -> None:
    assert refusal_reason(partner_id, *referral(source)) == reason
