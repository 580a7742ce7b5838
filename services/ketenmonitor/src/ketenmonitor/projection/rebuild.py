"""Rebuild: replay every events topic from offset zero into a fresh schema, then switch over.

The replay writes into `<schema>_rebuild` with the very projection that runs live; when it has
caught up with the topics' ends it moves its tables into the live schema in one transaction.
A live projection running meanwhile notices that the stored positions moved and carries on from
the rebuilt ones. The erasure tables stay in the live schema, where the replay reads them: an
erased youth's events are replayed anonymised, and their months stay sealed.
"""

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jeugdketen_shared.kafka import ClientSecurity, partitions_of
from ketenmonitor.projection import store
from ketenmonitor.projection.consumer import Projection, caught_up_with_end

REBUILD_SUFFIX = "_rebuild"
REBUILD_BATCH = 10_000
"""Records per transaction of a replay: no reader waits on it, so bigger than live batches
(fewer round trips and commits)."""


async def rebuild(
    projection: Projection, *, show_progress: bool = True, max_records: int | None = None
) -> int:
    """Replay into a scratch schema and switch over; returns the number of records replayed."""
    target = projection.schema
    scratch = f"{target}{REBUILD_SUFFIX}"
    store.quoted(scratch)  # a valid name, or fail before anything changes
    connection = await store.connect(projection.database_url, target)
    try:
        await connection.execute(f"DROP SCHEMA IF EXISTS {store.quoted(scratch)} CASCADE")
        partitions = await partitions_of(
            projection.bootstrap_servers, projection.all_topics, projection.security
        )
        total = await _records_on(projection.bootstrap_servers, projection.security, partitions)
        replayed = 0
        with Progress(
            TextColumn("[bold]rebuilding ketenmonitor[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show_progress,
        ) as progress:
            task = progress.add_task("replay", total=total)

            def applied(count: int) -> None:
                nonlocal replayed
                replayed += count
                progress.update(task, completed=replayed, total=max(total, replayed))

            replay = Projection(
                bootstrap_servers=projection.bootstrap_servers,
                topics=projection.topics,
                database_url=projection.database_url,
                schema=scratch,
                max_records=max_records or REBUILD_BATCH,
                security=projection.security,
                keys_topic=projection.keys_topic,
                erasure=projection.erasure,  # the erasure tables of the live schema
            )
            await replay.run(asyncio.Event(), caught_up=caught_up_with_end(), applied=applied)
        await store.analyze(connection, scratch)  # the first reads after the switch need them
        await store.move_tables(connection, scratch, target)
        return replayed
    finally:
        await connection.close()


async def _records_on(
    bootstrap_servers: str, security: ClientSecurity, partitions: Sequence[TopicPartition]
) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, **security.options(), group_id=None
    )
    await consumer.start()
    try:
        starts = await consumer.beginning_offsets(list(partitions))
        ends = await consumer.end_offsets(list(partitions))
    finally:
        await consumer.stop()
    return sum(ends[p] - starts[p] for p in partitions)
