"""Partner messages as a chain partner's system would publish them."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from jeugdketen_shared.cloudevents import CloudEvent, encode
from jeugdketen_shared.privacy import is_valid_bsn

LOKAAL_TEAM_ENSCHEDE = "urn:nld:oin:00000001001234567000:systeem:lokaal-team"


def valid_bsn(rng: random.Random) -> str:
    """A random number that passes the elfproef (test data, not a real person's)."""
    while True:
        candidate = f"{rng.randrange(10**8, 10**9):09d}"
        if is_valid_bsn(candidate):
            return candidate


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
