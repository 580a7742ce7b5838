"""Idempotent receipt of partner messages, kept in the service's own event store.

Every accepted partner message leaves a `MessageReceipt`, saved in the same transaction as the
domain events it caused. Its id is derived from the CloudEvent's (source, id), which the NL GOV
profile makes unique, so a redelivered message finds its receipt and records nothing new, and
a reused id with other content is told apart by the content digest.
"""

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

_RECEIPT_NAMESPACE = UUID("5b0e3c8e-2f0a-4d8a-9d55-3c1f1e0f2a71")


class MessageReceipt(Aggregate):
    @staticmethod
    def create_id(source: str, message_id: str) -> UUID:
        return uuid5(_RECEIPT_NAMESPACE, f"{source}\n{message_id}")

    @event("Recorded")
    def __init__(self, source: str, message_id: str, content_digest: str) -> None:
        self.source = source
        self.message_id = message_id
        self.content_digest = content_digest
