"""What the model plans: partner messages, what each waits for, and what the platform should
make of it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from jeugdketen_shared.permissions import Partner

SERVICES = ("toegang", "triage", "plaatsing")


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    """A second delivery of a message already sent: the platform records it once."""


@dataclass(frozen=True)
class Intended:
    outcome: Outcome
    reason: str | None = None
    """For a rejection: the reason it must carry on the rejected topic."""


ACCEPTED = Intended(Outcome.ACCEPTED)
DUPLICATE = Intended(Outcome.DUPLICATE)


def rejected(reason: str) -> Intended:
    return Intended(Outcome.REJECTED, reason)


@dataclass(frozen=True)
class Dependency:
    """A partner acts only on what the platform recorded: the message waits until `consumer`
    has applied `upstream`'s event `event_type` about `case_id` (read from Kafka, as the
    consumer reads it)."""

    upstream: str
    consumer: str
    case_id: UUID
    event_type: str


@dataclass(frozen=True)
class PlannedMessage:
    id: UUID
    service: str
    """The service whose inbound topic takes the message."""
    type: str
    partner: Partner
    source: str
    key: str
    """The Kafka key: the case id, or the provider for capacity."""
    case_id: UUID | None
    at: datetime
    """When the partner sends it, in simulated time (at or after data.occurred_at)."""
    data: Mapping[str, Any]
    """The CloudEvent's data, JSON-ready."""
    intended: Intended
    after: Dependency | None = None

    @property
    def occurred_at(self) -> str:
        return str(self.data["occurred_at"])
