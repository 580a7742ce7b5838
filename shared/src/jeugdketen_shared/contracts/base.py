"""Base classes of the `data` of every CloudEvent on the platform's topics."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from jeugdketen_shared.contracts.fields import CaseId, OccurredAt


class MessageData(BaseModel):
    """The data of one CloudEvent type; `cloudevent_type` names it on the wire."""

    cloudevent_type: ClassVar[str]
    case_id: CaseId
    occurred_at: OccurredAt


class InboundMessage(MessageData):
    """What a partner publishes. Strict: an unknown field is refused, so no free text slips in."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DomainEventData(MessageData):
    """What a service publishes. Lenient for its consumers: fields added later are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")
