"""Partner messages as a chain partner's system would publish them."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.permissions import load_partners
from tests.support.infrastructure import REPOSITORY

PARTNERS_FILE = REPOSITORY / "deploy/partners.toml"
LOKAAL_TEAM_ENSCHEDE = "urn:nld:oin:00000001000000040000:systeem:lokaal-team"
ENSCHEDE = "gemeente-enschede"
"""The partner that publishes as LOKAAL_TEAM_ENSCHEDE, the default source of these messages."""


def partner_of(value: bytes) -> str | None:
    """The registered partner that would publish this value: the one whose registered sources
    hold the CloudEvent's source (none for what is no CloudEvent, as a broken client sends)."""
    try:
        source = json.loads(value).get("source")
    except (ValueError, AttributeError):
        return None
    return _PARTNERS_BY_SOURCE.get(source)


def inbound_topic(service_inbound: str, value: bytes, partner: str | None = None) -> str:
    """The partner's own inbound topic, the only one its principal may write: `partner`'s, else
    that of the partner whose source the value names."""
    sender = partner or partner_of(value)
    if sender is None:
        raise ValueError("no registered partner publishes this value: say which partner sends it")
    return f"{service_inbound}.{sender}"


def _partners_by_source() -> dict[str, str]:
    return {
        source: partner.id for partner in load_partners(PARTNERS_FILE) for source in partner.sources
    }


_PARTNERS_BY_SOURCE = _partners_by_source()


def partner_event(
    type_: str, data: dict[str, Any], *, source: str = LOKAAL_TEAM_ENSCHEDE
) -> CloudEvent:
    # keyed by the case, as partners must: encode() takes the key from `caseid`
    return CloudEvent(
        id=str(uuid4()),
        source=source,
        type=type_,
        time=datetime.now(UTC),
        caseid=data["case_id"],
        data=data,
    )


def referral(
    case_id: UUID | None = None,
    *,
    bsn: str = "999990019",
    occurred_at: datetime | None = None,
    **overrides: Any,
) -> CloudEvent:
    data = {
        "case_id": str(case_id or uuid4()),
        "bsn": bsn,
        "gemeente_code": "GM0153",
        "verwijzer": "huisarts",
        "kader": "vrijwillig",
        "occurred_at": (occurred_at or datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        **overrides,
    }
    return partner_event("nl.jeugdketen.toegang.referral-submitted", data)


def follow_up(type_suffix: str, case_id: UUID, **data: Any) -> CloudEvent:
    return partner_event(
        f"nl.jeugdketen.toegang.{type_suffix}",
        {"case_id": str(case_id), "occurred_at": datetime.now(UTC).isoformat(), **data},
    )


def as_kafka(event: CloudEvent) -> tuple[bytes | None, bytes]:
    record = encode(event)
    return record.key, record.value
