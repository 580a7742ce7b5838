"""`BENCH_PROFILE=1`: a pyinstrument profile of a benchmark's measured part, written to
test-artifacts/profile-<name>.html and .txt."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bench.processes import ARTIFACTS


@asynccontextmanager
async def profiled(name: str) -> AsyncIterator[None]:
    if not os.environ.get("BENCH_PROFILE"):
        yield
        return
    from pyinstrument import Profiler

    with Profiler(async_mode="enabled") as profiler:
        yield
    ARTIFACTS.mkdir(exist_ok=True)
    for suffix, output in (("html", profiler.output_html()), ("txt", profiler.output_text())):
        await asyncio.to_thread((ARTIFACTS / f"profile-{name}.{suffix}").write_text, output)
