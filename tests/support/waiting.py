"""Waiting for a condition instead of sleeping for a guess."""

import asyncio
from collections.abc import Callable


async def wait_until(condition: Callable[[], bool], what: str, within_seconds: float = 60) -> None:
    try:
        async with asyncio.timeout(within_seconds):
            # the condition is state of another process (a database, a topic): polled, briefly
            while not await asyncio.to_thread(condition):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError as error:
        raise AssertionError(f"not true within {within_seconds}s: {what}") from error
