"""A relay's wake-up: PostgreSQL NOTIFY rings it at once, a slow poll covers a notification that
was missed (a listener reconnecting, a NOTIFY sent before it listened)."""

import asyncio
import contextlib

MISSED_NOTIFY_POLL_SECONDS = 1.0


class Wakeup:
    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self) -> None:
        """Until rung (at once if rung since the last wait) or the poll interval passed; what
        rings while the caller works after this makes the next wait return at once."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(MISSED_NOTIFY_POLL_SECONDS):
                await self._rung.wait()
        self._rung.clear()
