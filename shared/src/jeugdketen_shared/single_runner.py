"""One process at a time for work that two would do twice: a PostgreSQL advisory lock held for
as long as the process's session lives.

A second process (a standby replica, or a restart racing the old process) waits in the
database until the first one's session ends, which a killed process's does at once: its
socket closes with it.
"""

import asyncpg
import structlog

log = structlog.get_logger(__name__)


async def wait_to_run_alone(
    session: asyncpg.Connection, lock_class: int, name: str, what: str
) -> None:
    """Hold the lock `(lock_class, hashtext(name))` on `session`, waiting for another holder's
    session to end; `what` names the work in the log line of a process that stands by."""
    lock = (lock_class, name)
    if await session.fetchval("SELECT pg_try_advisory_lock($1, hashtext($2))", *lock):
        return
    log.info("another process does this work; standing by", work=what, lock=name)
    await session.execute("SELECT pg_advisory_lock($1, hashtext($2))", *lock)
