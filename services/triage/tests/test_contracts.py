"""triage's inbound contracts: the responsible providers are 1 to 10, each named once."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import triage
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.refusal import Refusal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONTRACTS = Contracts(triage.INBOUND)


def decision_reported(**data_changes: Any) -> CloudEvent:
    data = {
        "case_id": str(uuid4()),
        "recommended_care_form": "ambulant",
        "urgency": "regulier",
        "responsible_providers": ["12345678"],
        "occurred_at": (NOW - timedelta(days=1)).isoformat(),
    } | data_changes
    return CloudEvent(
        id="d-1",
        source="urn:nld:oin:00000003900000030000:systeem:triagetafel",
        type=triage.TriageDecisionReport.cloudevent_type,
        time=NOW,
        data=data,
    )


def test_up_to_ten_distinct_providers_take_joint_responsibility() -> None:
    providers = [f"1234567{digit}" for digit in range(10)]
    message = CONTRACTS.validate(decision_reported(responsible_providers=providers), NOW)
    assert isinstance(message.data, triage.TriageDecisionReport)
    assert message.data.responsible_providers == tuple(providers)


@pytest.mark.parametrize(
    ("providers", "field_reason"),
    [
        ([], "too_short"),
        ([f"1234567{digit}" for digit in range(10)] + ["87654321"], "too_long"),
        (["12345678", "87654321", "12345678"], "repeated-provider"),
        (["1234"], "string_pattern_mismatch"),
    ],
)
def test_the_responsible_providers_break_the_contract(
    providers: list[str], field_reason: str
) -> None:
    with pytest.raises(Refusal) as refused:
        CONTRACTS.validate(decision_reported(responsible_providers=providers), NOW)
    assert refused.value.reason == "invalid-data"
    assert refused.value.problems[0].location.startswith("data.responsible_providers")
    assert refused.value.problems[0].reason == field_reason
