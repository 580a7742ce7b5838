"""Inbound contracts: each broken rule refused with its own machine-readable reason."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.refusal import Refusal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONTRACTS = Contracts(toegang.INBOUND)


def submitted(**data_changes: Any) -> CloudEvent:
    data = {
        "case_id": str(uuid4()),
        "bsn": "999990019",
        "gemeente_code": "GM0164",
        "verwijzer": "jeugdarts",
        "kader": "gedwongen",
        "occurred_at": (NOW - timedelta(days=1)).isoformat(),
    } | data_changes
    return CloudEvent(
        id="m-1",
        source="urn:nld:oin:00000001001234567000:systeem:lokaal-team",
        type=toegang.ReferralSubmission.cloudevent_type,
        time=NOW,
        data={key: value for key, value in data.items() if value is not None},
    )


def test_a_valid_referral_is_read_into_its_contract() -> None:
    message = CONTRACTS.validate(submitted(), NOW)
    assert isinstance(message.data, toegang.ReferralSubmission)
    assert message.data.gemeente_code == "GM0164"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"gemeente_code": "GM0363"}, "unknown-gemeente"),
        ({"occurred_at": (NOW + timedelta(minutes=1)).isoformat()}, "occurred-in-future"),
        ({"occurred_at": "2026-11-20T10:00:00"}, "invalid-data"),  # no timezone
        ({"bsn": "123456789"}, "invalid-bsn"),
        ({"kader": None}, "missing-field"),
        ({"remarks": "a free text about the youth"}, "unknown-field"),
        ({"verwijzer": "buurman"}, "invalid-data"),
    ],
)
def test_a_broken_rule_is_refused_with_its_reason(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(Refusal) as refused:
        CONTRACTS.validate(submitted(**change), NOW)
    assert refused.value.reason == reason
    assert refused.value.problems[0].location.startswith("data.")


def test_an_unknown_type_is_refused() -> None:
    event = submitted().model_copy(update={"type": "nl.jeugdketen.plaatsing.placement-started"})
    with pytest.raises(Refusal) as refused:
        CONTRACTS.validate(event, NOW)
    assert refused.value.reason == "unknown-type"


def test_the_caseid_attribute_must_name_the_same_case_as_the_data() -> None:
    event = submitted().model_copy(update={"caseid": uuid4()})
    with pytest.raises(Refusal) as refused:
        CONTRACTS.validate(event, NOW)
    assert refused.value.reason == "case-id-mismatch"


def test_the_same_content_has_the_same_digest_and_other_content_another() -> None:
    event = submitted()
    again = event.model_copy(update={"time": NOW + timedelta(seconds=5)})
    changed = event.model_copy(update={"data": event.data | {"kader": "vrijwillig"}})
    digest = CONTRACTS.validate(event, NOW).content_digest
    assert CONTRACTS.validate(again, NOW + timedelta(seconds=5)).content_digest == digest
    assert CONTRACTS.validate(changed, NOW).content_digest != digest
