"""Base classes of the `data` of every CloudEvent on the platform's topics.

A contract is an `InboundMessage` (what a partner publishes) or a `DomainEventData` (what a
service publishes), and is about a case (`CaseMessage`) or about a provider (`ProviderMessage`,
such as reported capacity). What it is about is its Kafka key, so it stays in order.
"""

from abc import abstractmethod
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from jeugdketen_shared.contracts.fields import CaseId, OccurredAt, ProviderId


class MessageData(BaseModel):
    """The data of one CloudEvent type; `cloudevent_type` names it on the wire."""

    cloudevent_type: ClassVar[str]
    occurred_at: OccurredAt

    @abstractmethod
    def partition_key(self) -> str:
        """The Kafka key: what the message is about, kept in order."""


class CaseMessage(MessageData):
    case_id: CaseId

    def partition_key(self) -> str:
        return str(self.case_id)


class ProviderMessage(MessageData):
    provider: ProviderId

    def partition_key(self) -> str:
        return self.provider


class InboundMessage(MessageData):
    """What a partner publishes. Strict: an unknown field is refused, so no free text slips in."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DomainEventData(MessageData):
    """What a service publishes. Lenient for its consumers: fields added later are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def case_of(data: MessageData) -> UUID | None:
    return data.case_id if isinstance(data, CaseMessage) else None
