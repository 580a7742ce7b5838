"""Nothing lost, nothing doubled, while things get killed.

A simulated Twente (deploy/simulator) publishes partner messages through the whole platform,
toegang, triage and plaatsing (ingress, outbox relay and scheduler as separate processes) and
the ketenmonitor (projection and sweeper), while the chaos SIGKILLs in turn, at seeded random
moments, the Kafka broker, each domain service, an outbox relay, the ketenmonitor, and crashes
PostgreSQL; each is started again at once. Once all has settled:

- every partner message the simulator's journal says was accepted has exactly one domain event
  in its service's store and on its events topic (0 lost, 0 applied twice), and every refusal
  is one the simulator intended;
- every figure of the ketenmonitor equals the independent reference computed from the events
  on the topics (the reference test's, plain Python);
- no alert was raised twice (one per case and rule on the alerts topic).

It runs on its own broker and PostgreSQL (tests/chaos/infrastructure.py), never on the shared
ones. `JEUGDKETEN_CHAOS_EVENTS` sets the size (partner messages plus the domain events they
cause; default 100,000), `JEUGDKETEN_CHAOS_SEED` the seed (default: random, printed).
"""

import asyncio
import math
import os
import random
import secrets
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic

from jeugdketen_shared.cloudevents import CloudEvent, decode
from jeugdketen_shared.kafka import as_kafka_record
from simulator.journal import read_journal
from simulator.model import Scenario
from simulator.runner import simulate
from tests.chaos.infrastructure import OwnInfrastructure
from tests.chaos.platform import (
    DOMAIN_SERVICES,
    KINDS,
    Chaos,
    Processes,
    Relayed,
    relayed_applications,
    wait_settled,
)
from tests.integration.test_ketenmonitor_reference import compare_figures, distinct
from tests.integration.test_simulated_twente import assert_only_intended_rejections
from tests.support.kafka import read_all
from tests.support.services import ARTIFACTS

pytestmark = pytest.mark.chaos

EVENTS = int(os.environ.get("JEUGDKETEN_CHAOS_EVENTS", "100000"))
SEED = int(os.environ.get("JEUGDKETEN_CHAOS_SEED", str(random.randrange(10**6))))
EVENTS_PER_CASE = 9
"""A simulated case makes about five partner messages and as many domain events (9.9 over 1,000
cases); a little less here, so that the run reaches its target."""
PAUSE_SECONDS = (4.0, 16.0)
"""Between one kill and the next."""
SETTLE_SECONDS = 600
PATIENCE_SECONDS = 600
"""How long the simulator waits for a dependency (a broker restart included)."""


@pytest.fixture(scope="module")
def own() -> Iterator[OwnInfrastructure]:
    infrastructure = OwnInfrastructure.start()
    try:
        yield infrastructure
    finally:
        # the broker's and the server's logs outlive the run, beside the services' logs
        kept = ARTIFACTS / "chaos-infrastructure"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(infrastructure.local_dir / "logs", kept)
        shutil.copy(infrastructure.local_dir / "up.log", kept)
        infrastructure.down()
        shutil.rmtree(infrastructure.local_dir, ignore_errors=True)


@pytest.fixture
def pseudonym_key() -> str:
    return secrets.token_hex(32)


@pytest.fixture
async def relayed(own: OwnInfrastructure, pseudonym_key: str) -> AsyncIterator[list[Relayed]]:
    """Built when first asked, after the chaos: their pools would not outlive a PostgreSQL
    crash."""
    built: list[Relayed] = []
    yield built
    for each in built:
        each.application.close()


def topic_events(records: Sequence[object]) -> list[CloudEvent]:
    return [decode(as_kafka_record(record)) for record in records]  # type: ignore[arg-type]


@pytest.mark.timeout(3600)
async def test_nothing_lost_nothing_doubled_while_things_get_killed(
    own: OwnInfrastructure, pseudonym_key: str, relayed: list[Relayed], tmp_path: Path
) -> None:
    began = time.monotonic()
    print(f"\nchaos: seed {SEED}, target {EVENTS} events")
    rng = random.Random(SEED)
    processes = Processes(own, pseudonym_key, run=f"chaos-{SEED}")
    chaos = Chaos(own, processes, rng, PAUSE_SECONDS)
    scenario = Scenario(
        seed=SEED,
        cases=math.ceil(EVENTS / EVENTS_PER_CASE),
        period=timedelta(days=365),
        end=datetime.now(UTC),
    )
    journal_path = tmp_path / "sent.jsonl"
    processes.start()
    supervising = asyncio.create_task(processes.supervise())
    try:
        simulation = asyncio.create_task(
            simulate(
                scenario,
                bootstrap_servers=own.kafka_bootstrap_servers,
                prefix="jeugdketen",
                journal_path=journal_path,
                speed=None,
                patience_seconds=PATIENCE_SECONDS,
            )
        )
        await chaos.run(simulation.done)
        plan = await simulation
        sent = time.monotonic()
        relayed.extend(relayed_applications(own, pseudonym_key))
        await wait_settled(own, pseudonym_key, relayed, SETTLE_SECONDS)
    finally:
        supervising.cancel()
        processes.stop()
    settled = time.monotonic()
    print("\n".join(chaos.log))

    journal = read_journal(journal_path)
    assert len(journal) == len(plan)
    kafka = own.kafka_bootstrap_servers
    on_topics = {
        service: topic_events(await read_all(kafka, f"jeugdketen.{service}.events"))
        for service in DOMAIN_SERVICES
    }
    stored = {r.topic.split(".")[1]: stored_causations(r) for r in relayed[: len(DOMAIN_SERVICES)]}
    accepted = [e for e in journal if e["outcome"] == "accepted"]
    published: dict[str, dict[str | None, set[str]]] = {}
    for service, events in on_topics.items():
        published[service] = defaultdict(set)
        for event in events:
            published[service][event.causationid].add(event.id)
    lost = [e["id"] for e in accepted if not published[e["service"]][e["id"]]]
    twice = [e["id"] for e in accepted if len(published[e["service"]][e["id"]]) > 1]
    lost_in_stores = [e["id"] for e in accepted if not stored[e["service"]][e["id"]]]
    twice_in_stores = [e["id"] for e in accepted if stored[e["service"]][e["id"]] > 1]
    distinct_events = {(e.source, e.id): e for events in on_topics.values() for e in events}
    copies = sum(len(events) for events in on_topics.values()) - len(distinct_events)
    stored_total = sum(sum(causations.values()) for causations in stored.values())

    alerts = topic_events(await read_all(kafka, "jeugdketen.ketenmonitor.alerts"))
    raised = {(a.source, a.id): a for a in alerts if a.type.endswith(".alert-raised")}
    per_case_and_rule = Counter((a.data["case_id"], a.data["rule"]) for a in raised.values())
    alerts_twice = {key: n for key, n in per_case_and_rule.items() if n > 1}

    facts = distinct([(e.source, e) for e in distinct_events.values()])
    compared, disagreements = await compare_figures(
        own.database_url("ketenmonitor"), "public", facts
    )
    print(
        f"chaos: seed {SEED}; events sent {len(journal)} partner messages "
        f"({len(accepted)} to be accepted) and {len(distinct_events)} domain events caused "
        f"({len(journal) + len(distinct_events)} in all); recorded {stored_total} domain events "
        f"in the stores, {len(facts)} facts projected, {copies} republished copies on the topics "
        f"(deduplicated); lost {len(lost)} (stores {len(lost_in_stores)}), duplicated "
        f"{len(twice)} (stores {len(twice_in_stores)}); {len(raised)} alerts raised, "
        f"{len(alerts_twice)} twice; {compared} figures compared, {len(disagreements)} differ; "
        f"kills survived {dict(chaos.kills)}; processes that ended on their own and were "
        f"restarted {dict(processes.exited)}; duration {time.monotonic() - began:.0f}s "
        f"(sending under chaos {sent - began:.0f}s, settling {settled - sent:.0f}s)"
    )
    assert set(chaos.kills) == set(KINDS)
    assert (lost, twice, lost_in_stores, twice_in_stores) == ([], [], [], [])
    assert stored_total == len(distinct_events), "stored and published events differ"
    assert not alerts_twice
    assert not disagreements, disagreements[0]
    for service in DOMAIN_SERVICES:
        refused = await read_all(kafka, f"jeugdketen.{service}.rejected")
        assert_only_intended_rejections([m for m in plan if m.service == service], refused)
    assert len(journal) + len(distinct_events) >= EVENTS


def stored_causations(relayed: Relayed) -> Counter[str | None]:
    """How many published domain events the service's store holds per causation."""
    application = relayed.application
    topics = [get_topic(cls) for cls in relayed.published]
    causations: Counter[str | None] = Counter()
    position = 0
    while page := application.recorder.select_notifications(
        position, 10_000, topics=topics, inclusive_of_start=False
    ):
        for notification in page:
            event = application.mapper.to_domain_event(notification)
            causations[getattr(event, "causation_id", None)] += 1
        position = page[-1].id
    return causations
