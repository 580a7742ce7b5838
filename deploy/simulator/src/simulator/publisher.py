"""Send the planned messages at the chosen pace, each only once the platform recorded what it
depends on, and each case's messages in their order.

A partner acts on what it sees of the chain: the triage table decides on a case only after
triage opened it, a provider places a youth only after plaatsing learnt the triage's advice.
So a message waits ("held back") until its dependency is met, whatever the speed; the other
messages go on meanwhile. That makes the fastest speed as safe as real time.

Each partner writes its own inbound topic, and nothing orders records of different topics: a
case's message to a service from another partner than the one before it (the Raad after Veilig
Thuis) also waits until the service decided that one, as that partner would in the chain.
"""

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from simulator.envelope import as_record
from simulator.plan import PlannedMessage
from simulator.ports import Journal, PlatformRecord, Transport

DEFAULT_PATIENCE_SECONDS = 120.0


@dataclass(frozen=True)
class Pace:
    """Simulated time runs `speed` times as fast as the wall clock from `simulated_start`;
    `speed=None` sends as fast as the platform allows."""

    simulated_start: datetime
    speed: float | None

    def seconds_until(self, at: datetime, started: float) -> float:
        if self.speed is None:
            return 0.0
        due = (at - self.simulated_start).total_seconds() / self.speed
        return due - (time.monotonic() - started)


@dataclass
class Progress:
    total: int
    published: int = 0
    held: int = 0


class PlatformStalled(Exception):
    """The platform recorded nothing a held-back message waits for within the patience."""


class Publisher:
    def __init__(
        self,
        transport: Transport,
        platform: PlatformRecord,
        journal: Journal,
        on_progress: Callable[[Progress], None] = lambda _: None,
        patience_seconds: float = DEFAULT_PATIENCE_SECONDS,
    ) -> None:
        self._transport = transport
        self._platform = platform
        self._journal = journal
        self._on_progress = on_progress
        self._patience = patience_seconds
        self._held: dict[str, deque[PlannedMessage]] = {}
        self._last: dict[tuple[str, str], PlannedMessage] = {}
        """Per case (key) and service, the message sent last."""
        self._progress = Progress(total=0)

    async def publish(self, plan: Sequence[PlannedMessage], pace: Pace) -> Progress:
        self._progress = Progress(total=len(plan))
        started = time.monotonic()
        for message in plan:
            while (wait := pace.seconds_until(message.at, started)) > 0:
                if await self._platform.news(wait):
                    await self._release()
            await self._release()
            if message.key in self._held or not self._may_go(message):
                self._hold(message)
            else:
                await self._send(message)
        while self._held:
            if not await self._platform.news(self._patience):
                raise PlatformStalled(self._describe_held())
            await self._release()
        await self._transport.flush()
        return self._progress

    def _may_go(self, message: PlannedMessage) -> bool:
        before = self._last.get((message.key, message.service))
        in_turn = (
            before is None
            or before.partner == message.partner
            or self._platform.has_decided(before)
        )
        return in_turn and (message.after is None or self._platform.has_applied(message.after))

    def _hold(self, message: PlannedMessage) -> None:
        # later messages of a held case wait behind it: a case's messages keep their order
        self._held.setdefault(message.key, deque()).append(message)
        self._progress.held += 1
        self._on_progress(self._progress)

    async def _release(self) -> None:
        for key in list(self._held):
            waiting = self._held[key]
            while waiting and self._may_go(waiting[0]):
                self._progress.held -= 1
                await self._send(waiting.popleft())
            if not waiting:
                del self._held[key]

    async def _send(self, message: PlannedMessage) -> None:
        await self._transport.send(message, as_record(message, datetime.now(UTC)))
        self._last[message.key, message.service] = message
        self._journal.write(message)
        self._progress.published += 1
        self._on_progress(self._progress)

    def _describe_held(self) -> str:
        firsts = [waiting[0] for waiting in self._held.values()][:5]
        return f"{self._progress.held} message(s) held back; the first wait for: " + "; ".join(
            f"{m.type} of {m.key} after {m.after} and {self._last.get((m.key, m.service))}"
            for m in firsts
        )
