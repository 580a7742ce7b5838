"""What the publisher needs from the outside world; `kafka` and `journal` hold the adapters."""

from typing import Protocol

from jeugdketen_shared.cloudevents import KafkaRecord
from simulator.plan import Dependency, PlannedMessage


class Transport(Protocol):
    async def send(self, message: PlannedMessage, record: KafkaRecord) -> None:
        """Send onto the message's inbound topic, in order; may return before it is acked."""

    async def flush(self) -> None:
        """Return once everything sent so far is acknowledged."""


class PlatformRecord(Protocol):
    """What the platform has recorded, as far as the simulator's partners can tell."""

    def has_applied(self, dependency: Dependency) -> bool: ...

    def has_decided(self, message: PlannedMessage) -> bool:
        """Whether the message's service recorded it or refused it (an event or a rejection
        caused by it)."""

    async def news(self, within_seconds: float) -> bool:
        """Wait up to `within_seconds` for anything new; whether something came."""


class Journal(Protocol):
    def write(self, message: PlannedMessage) -> None:
        """Note a message as sent, with what the platform should make of it."""
