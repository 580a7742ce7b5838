"""Base classes of the `data` of every CloudEvent on the platform's topics.

A contract is an `InboundMessage` (what a partner publishes) or a `DomainEventData` (what a
service publishes), and is about a case (`CaseMessage`) or about a provider (`ProviderMessage`,
such as reported capacity). What it is about is its Kafka key, so it stays in order.
"""

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from jeugdketen_shared.contracts.fields import CaseId, OccurredAt, ProviderId


class MessageData(BaseModel):
    """The data of one CloudEvent type; `cloudevent_type` names it on the wire."""

    cloudevent_type: ClassVar[str]
    key_field: ClassVar[str]
    """The field whose value is the Kafka key (also told in the AsyncAPI documents)."""
    occurred_at: OccurredAt

    def partition_key(self) -> str:
        """The Kafka key: what the message is about, kept in order."""
        return str(getattr(self, self.key_field))


class CaseMessage(MessageData):
    key_field: ClassVar[str] = "case_id"
    case_id: CaseId


class ProviderMessage(MessageData):
    key_field: ClassVar[str] = "provider"
    provider: ProviderId


class InboundMessage(MessageData):
    """What a partner publishes. Strict: an unknown field is refused, so no free text slips in."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DomainEventData(MessageData):
    """What a service publishes. Lenient for its consumers: fields added later are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def case_of(data: MessageData) -> UUID | None:
    return data.case_id if isinstance(data, CaseMessage) else None
