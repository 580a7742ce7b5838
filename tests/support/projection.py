"""The ketenmonitor's projection running in the test's own event loop, for as long as a test
needs it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ketenmonitor.main import build_projection
from tests.conftest import IsolatedPlatform


@asynccontextmanager
async def projecting(platform: IsolatedPlatform) -> AsyncIterator[None]:
    stopping = asyncio.Event()
    task = asyncio.create_task(build_projection(platform.settings()).run(stopping))
    try:
        yield
        if task.done():
            task.result()
    finally:
        stopping.set()
        async with asyncio.timeout(30):
            await task
