"""The platform's message contracts: pydantic models of every CloudEvent's `data`."""

from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.contracts.base import DomainEventData, InboundMessage, MessageData
from jeugdketen_shared.contracts.rejection import MessageRejected

ALL_CONTRACTS: tuple[type[MessageData] | type[MessageRejected], ...] = (
    *toegang.INBOUND,
    *toegang.EVENTS,
    MessageRejected,
)

__all__ = ["ALL_CONTRACTS", "DomainEventData", "InboundMessage", "MessageData", "MessageRejected"]
