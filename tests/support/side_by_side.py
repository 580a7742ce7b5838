"""Two projection instances' batches at the same moment, in two connections to PostgreSQL: the
way to show that a lock makes the second wait for the first and then see what it committed."""

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

Batch = Callable[[asyncpg.Connection], Awaitable[object]]
"""A batch's work inside its transaction, on the connection it is given."""

WAITING = "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1"


async def side_by_side(database_url: str, schema: str, first: Batch, second: Batch) -> None:
    """`first` in a transaction left open until `second`, in another one, waits on a lock; then
    `first` commits and `second` finishes. Fails when `second` does not wait."""
    connect = [
        asyncpg.connect(database_url, server_settings={"search_path": schema}) for _ in range(3)
    ]
    one, other, watching = [await connection for connection in connect]
    try:
        committing = one.transaction()
        await committing.start()
        await first(one)

        async def then() -> None:
            async with other.transaction():
                await second(other)

        running = asyncio.create_task(then())
        async with asyncio.timeout(30):
            # the other connection's state in the server: polled
            while not running.done() and not await watching.fetchval(  # noqa: ASYNC110
                WAITING, other.get_server_pid()
            ):
                await asyncio.sleep(0.01)
        assert not running.done(), "the second batch did not wait for the first"
        await committing.commit()
        await running
    finally:
        for connection in (one, other, watching):
            await connection.close()
