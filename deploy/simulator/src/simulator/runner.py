"""One simulation run: plan the period, then publish it onto the platform's Kafka."""

from collections.abc import Callable, Sequence
from pathlib import Path

from jeugdketen_shared.kafka import ClientSecurity
from simulator.journal import JsonLinesJournal
from simulator.kafka import connected
from simulator.model import Scenario, plan_messages
from simulator.partners import Twente
from simulator.plan import PlannedMessage
from simulator.publisher import DEFAULT_PATIENCE_SECONDS, Pace, Progress, Publisher


async def simulate(
    scenario: Scenario,
    *,
    bootstrap_servers: str,
    prefix: str,
    journal_path: Path,
    speed: float | None,
    twente: Twente | None = None,
    on_plan: Callable[[Sequence[PlannedMessage]], None] = lambda _: None,
    on_progress: Callable[[Progress], None] = lambda _: None,
    patience_seconds: float = DEFAULT_PATIENCE_SECONDS,
    security: ClientSecurity,
) -> list[PlannedMessage]:
    """Publish the scenario's messages; returns them, as the journal records them."""
    plan = plan_messages(scenario, twente or Twente.load())
    on_plan(plan)
    dependencies = [m.after for m in plan if m.after is not None]
    with journal_path.open("w") as file:
        async with connected(bootstrap_servers, prefix, dependencies, security) as (
            transport,
            platform,
        ):
            publisher = Publisher(
                transport, platform, JsonLinesJournal(file), on_progress, patience_seconds
            )
            await publisher.publish(plan, Pace(scenario.start, speed))
    return plan
